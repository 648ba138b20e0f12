//! `job watch`: a job's progress, block by block, as progress bars on a terminal and as one
//! plain line per change otherwise (CI logs, `| tee`).
//!
//! The counts come from the job's tasks in storage at each best block, not from adding up
//! events: a watch started late, a skipped block or a reorg cannot make them wrong. Events only
//! add the news worth a line of its own (a task nobody can take, a missed deadline, a slash).

use crate::{error::CliError, format::short};
use conun_client::{
	con::format_con,
	market::{Job, JobEvent, ReplicaProgress, TaskRecord},
	Chain,
};
use conun_primitives::{JobId, JobState, TaskPhase, Unassignable};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::{
	collections::BTreeSet,
	time::{Duration, Instant},
};

/// Where a job stands, counted from its tasks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
	pub tasks: u32,
	/// Replicas the job asks for (tasks × R, plus extra replicas and replacements so far).
	pub replicas: u32,
	pub assigned: u32,
	pub committed: u32,
	pub revealed: u32,
	pub verified: u32,
	pub failed: u32,
	pub cancelled: u32,
	/// CON paid to the providers of verified results.
	pub paid: u128,
}

impl Progress {
	pub fn of(job: &Job, tasks: &[TaskRecord]) -> Self {
		let mut p = Progress {
			tasks: job.tasks,
			verified: job.verified,
			failed: job.failed,
			cancelled: job.cancelled,
			..Default::default()
		};
		for task in tasks {
			p.assigned += task.replicas.len() as u32;
			for replica in &task.replicas {
				match replica.progress {
					ReplicaProgress::Committed => p.committed += 1,
					ReplicaProgress::Revealed(result) => {
						p.committed += 1;
						p.revealed += 1;
						if task.phase == (TaskPhase::Verified { result }) {
							p.paid += job.price;
						}
					},
					ReplicaProgress::Assigned | ReplicaProgress::Missed => {},
				}
			}
		}
		p.replicas = (job.tasks * job.replicas).max(p.assigned);
		p
	}

	fn line(&self, block: u64) -> String {
		format!(
			"block {block}: assigned {}/{} committed {} revealed {} verified {}/{} failed {} cancelled {} · paid {}",
			self.assigned,
			self.replicas,
			self.committed,
			self.revealed,
			self.verified,
			self.tasks,
			self.failed,
			self.cancelled,
			format_con(self.paid)
		)
	}
}

/// How a watched job ended.
#[derive(Clone, Debug)]
pub struct Outcome {
	pub job: Job,
	pub progress: Progress,
	pub blocks: u64,
	pub elapsed: Duration,
}

/// Why tasks wait, in words a requester can act on.
pub fn explain(reason: Unassignable) -> &'static str {
	match reason {
		Unassignable::NoProviderWithRuntime => "no registered provider offers the job's runtime",
		Unassignable::NoSpareCapacity => "every provider with the runtime is busy, paused, leaving or below the reputation threshold",
		Unassignable::InsufficientResources => "no available provider lends the cores, memory or GPUs one task needs",
		Unassignable::PriceTooLow => "every available provider's price floor is above the job's price",
		Unassignable::ReputationTooLow => "no available provider has the job's minimum reputation",
		Unassignable::TooFewDistinctProviders => "fewer eligible providers than replicas (each replica needs its own provider)",
	}
}

struct Bars {
	multi: MultiProgress,
	bars: Vec<ProgressBar>,
	status: ProgressBar,
}

impl Bars {
	fn new(quiet: bool) -> Self {
		let multi = MultiProgress::with_draw_target(if quiet { ProgressDrawTarget::hidden() } else { ProgressDrawTarget::stderr() });
		let style = ProgressStyle::with_template("{prefix:>10} [{bar:40.cyan/blue}] {pos:>6}/{len:<6} {msg}")
			.unwrap_or_else(|_| ProgressStyle::default_bar())
			.progress_chars("=> ");
		let bars = ["assigned", "committed", "revealed", "verified", "failed"]
			.into_iter()
			.map(|name| multi.add(ProgressBar::new(0).with_style(style.clone()).with_prefix(name)))
			.collect();
		let status = multi.add(ProgressBar::new(0).with_style(ProgressStyle::with_template("{msg}").unwrap_or_else(|_| ProgressStyle::default_bar())));
		Self { multi, bars, status }
	}

	fn visible(&self) -> bool {
		!self.multi.is_hidden()
	}

	fn show(&self, p: &Progress, block: u64, elapsed: Duration) {
		let values = [(p.assigned, p.replicas), (p.committed, p.replicas), (p.revealed, p.replicas), (p.verified, p.tasks), (p.failed, p.tasks)];
		for (bar, (position, length)) in self.bars.iter().zip(values) {
			bar.set_length(length as u64);
			bar.set_position(position as u64);
		}
		self.status.set_message(format!("  CON paid {} · block {block} · {:.0?}", format_con(p.paid), elapsed));
	}

	fn note(&self, line: String) {
		if self.visible() {
			let _ = self.multi.println(line);
		} else {
			eprintln!("{line}");
		}
	}

	fn finish(&self) {
		for bar in &self.bars {
			bar.finish();
		}
		self.status.finish();
	}
}

/// Follows `job` until it is finished, showing its progress; `quiet` shows nothing.
pub async fn watch(chain: &Chain, job: JobId, quiet: bool) -> Result<Outcome, CliError> {
	let started = Instant::now();
	let bars = Bars::new(quiet);
	let mut last_block = 0u64;
	let mut last = None;
	let mut stalled_seen = BTreeSet::new();
	loop {
		let at = chain.at_best().await?;
		let block = at.block_number();
		if block == last_block {
			tokio::time::sleep(Duration::from_millis(500)).await;
			continue;
		}
		last_block = block;
		let Some(view) = chain.job(&at, job).await? else {
			return Err(CliError::Usage(format!("there is no job {job} on this chain")));
		};
		let tasks = chain.tasks(&at, job).await?;
		let progress = Progress::of(&view, &tasks);
		for event in chain.job_events(&at, job).await? {
			if let Some(line) = news(&event, &mut stalled_seen) {
				if !quiet {
					bars.note(format!("block {block}: {line}"));
				}
			}
		}
		if !quiet {
			bars.show(&progress, block, started.elapsed());
			if !bars.visible() && last != Some(progress) {
				eprintln!("{}", progress.line(block));
			}
		}
		last = Some(progress);
		if view.state == JobState::Finished {
			bars.finish();
			let blocks = block.saturating_sub(view.posted_at as u64);
			return Ok(Outcome { job: view, progress, blocks, elapsed: started.elapsed() });
		}
	}
}

/// The events worth a line of their own.
fn news(event: &JobEvent, stalled_seen: &mut BTreeSet<u8>) -> Option<String> {
	Some(match event {
		JobEvent::Unassignable { task, reason } => {
			// Said once per reason: a thousand waiting tasks do not need a thousand lines.
			if !stalled_seen.insert(*reason as u8) {
				return None;
			}
			format!("task {task} waits: {} ({reason:?})", explain(*reason))
		},
		JobEvent::Missed { task, provider, slashed } =>
			format!("task {task}: {} missed its deadline, slashed {}; a replacement is sought", short(provider), format_con(*slashed)),
		JobEvent::Slashed { task, provider, amount } =>
			format!("task {task}: {} disagreed with the majority, slashed {}", short(provider), format_con(*amount)),
		JobEvent::ExtraReplicas { task, extra } => format!("task {task}: no majority yet, {extra} more replicas asked for"),
		JobEvent::Failed { task, reason } => format!("task {task} failed: {reason:?}"),
		JobEvent::Cancelled { refunded } => format!("job cancelled, {} refunded now", format_con(*refunded)),
		_ => return None,
	})
}
