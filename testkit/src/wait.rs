use std::{
	future::Future,
	time::{Duration, Instant},
};

/// Calls `check` every half second until it returns a value, and returns it. Panics ("timed
/// out after … waiting for WHAT") once `timeout` has passed. Needs a tokio runtime with time.
pub async fn wait_for<T, F: Future<Output = Option<T>>>(
	what: &str,
	timeout: Duration,
	mut check: impl FnMut() -> F,
) -> T {
	let start = Instant::now();
	loop {
		if let Some(value) = check().await {
			return value;
		}
		assert!(start.elapsed() < timeout, "timed out after {timeout:?} waiting for {what}");
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
}

/// [`wait_for`] for a test without a runtime: calls `check` every `interval` (blocking the
/// thread in between) until it returns a value, and panics the same way after `timeout`.
pub fn poll<T>(
	what: &str,
	timeout: Duration,
	interval: Duration,
	mut check: impl FnMut() -> Option<T>,
) -> T {
	let start = Instant::now();
	loop {
		if let Some(value) = check() {
			return value;
		}
		assert!(start.elapsed() < timeout, "timed out after {timeout:?} waiting for {what}");
		std::thread::sleep(interval);
	}
}
