//! Working hours: outside them the worker pauses its provider, so the chain assigns it no new
//! tasks (those it holds still run), and resumes it when they begin again. A marker file
//! remembers across restarts that the worker itself paused the provider, so that it never
//! resumes a provider its operator paused by hand.

use crate::{chain::Chain, config::Hours};
use conun_primitives::ProviderStatus;
use std::{path::PathBuf, sync::Arc, time::Duration};

/// How long a pause or resume may take.
const PAUSE_TIMEOUT: Duration = Duration::from_secs(60);

/// When the worker takes new tasks: its hours, and the marker file.
pub struct Schedule {
	pub hours: Option<Hours>,
	pub paused_marker: PathBuf,
}

/// What to do about the provider's status at this hour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
	Pause,
	Resume,
}

/// Pause an active provider outside its hours; resume, within them, a provider the worker
/// paused itself (`paused_by_worker`). Anything else is left as it is.
pub fn change<B>(
	status: &ProviderStatus<B>,
	working: bool,
	paused_by_worker: bool,
) -> Option<Change> {
	match status {
		ProviderStatus::Active if !working => Some(Change::Pause),
		ProviderStatus::Paused if working && paused_by_worker => Some(Change::Resume),
		_ => None,
	}
}

/// The hour of the day (UTC) now.
fn hour_now() -> Option<u8> {
	let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).ok()?;
	Some(((now.as_secs() / 3600) % 24) as u8)
}

impl Schedule {
	/// Pauses or resumes the provider, whose status is `status`, for the working hours, in the
	/// background: the daemon goes on handling blocks meanwhile.
	pub fn keep<B>(&self, chain: &Arc<Chain>, status: &ProviderStatus<B>) {
		let (Some(hours), Some(hour)) = (self.hours, hour_now()) else { return };
		let marker = self.paused_marker.clone();
		let chain = chain.clone();
		match change(status, hours.contains(hour), marker.exists()) {
			Some(Change::Pause) => {
				tracing::info!(hour, "outside working hours: pausing new assignments");
				tokio::spawn(async move {
					if let Ok(Ok(())) = tokio::time::timeout(PAUSE_TIMEOUT, chain.pause()).await {
						let _ = std::fs::write(&marker, b"paused for working hours\n");
					}
				});
			},
			Some(Change::Resume) => {
				tracing::info!(hour, "working hours: resuming");
				tokio::spawn(async move {
					if let Ok(Ok(())) = tokio::time::timeout(PAUSE_TIMEOUT, chain.resume()).await {
						let _ = std::fs::remove_file(&marker);
					}
				});
			},
			None => {},
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::chain::BlockNumber;

	#[test]
	fn an_active_provider_is_paused_outside_its_hours_only() {
		assert_eq!(
			change(&ProviderStatus::<BlockNumber>::Active, false, false),
			Some(Change::Pause)
		);
		assert_eq!(change(&ProviderStatus::<BlockNumber>::Active, true, false), None);
	}

	#[test]
	fn only_a_provider_the_worker_paused_is_resumed_in_its_hours() {
		assert_eq!(
			change(&ProviderStatus::<BlockNumber>::Paused, true, true),
			Some(Change::Resume)
		);
		// Paused by its operator: left alone.
		assert_eq!(change(&ProviderStatus::<BlockNumber>::Paused, true, false), None);
		assert_eq!(change(&ProviderStatus::<BlockNumber>::Paused, false, true), None);
	}
}
