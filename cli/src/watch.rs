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
use conun_primitives::{FailReason, JobId, JobState, TaskPhase, Unassignable};
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
	/// Tasks with a verdict still open to challenge (not yet paid).
	pub provisional: u32,
	/// Of those, the verdicts some replica revealed another result against: that replica may
	/// challenge, and the chain may overturn the verdict.
	pub disputed: u32,
	/// The last block in which an open verdict can still be challenged.
	pub open_until: Option<u64>,
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
			if let TaskPhase::Provisional { result, until } = task.phase {
				p.provisional += 1;
				if task.replicas.iter().any(
					|r| matches!(r.progress, ReplicaProgress::Revealed(other) if other != result),
				) {
					p.disputed += 1;
				}
				p.open_until = p.open_until.max(Some(until.into()));
			}
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
					ReplicaProgress::Superseded(_) | ReplicaProgress::OnTrial(_) => {
						p.committed += 1;
						p.revealed += 1;
					},
					ReplicaProgress::Assigned
					| ReplicaProgress::Missed
					| ReplicaProgress::Unavailable => {},
				}
			}
		}
		p.replicas = (job.tasks * job.replicas).max(p.assigned);
		p
	}

	/// Every task has a verdict (final or open), or failed or was cancelled.
	pub fn all_decided(&self) -> bool {
		self.verified + self.provisional + self.failed + self.cancelled >= self.tasks
	}

	fn line(&self, block: u64) -> String {
		format!(
			"block {block}: assigned {}/{} committed {} revealed {} open to challenge {} verified {}/{} failed {} cancelled {} · paid {}",
			self.assigned,
			self.replicas,
			self.committed,
			self.revealed,
			self.provisional,
			self.verified,
			self.tasks,
			self.failed,
			self.cancelled,
			format_con(self.paid)
		)
	}
}

/// When a watch stops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Until {
	/// The job is finished: every verdict is final and paid.
	Finished,
	/// Every task has a verdict, and no open verdict is disputed by a replica. Such a verdict
	/// can change only if the job's owner, the one watching, challenges it; one a replica
	/// disputes is followed to its end, since that replica may challenge it and win.
	Undisputed,
}

/// How a watched job ended.
#[derive(Clone, Debug)]
pub struct Outcome {
	pub id: JobId,
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
		let multi = MultiProgress::with_draw_target(if quiet {
			ProgressDrawTarget::hidden()
		} else {
			ProgressDrawTarget::stderr()
		});
		let style = ProgressStyle::with_template(
			"{prefix:>10} [{bar:40.cyan/blue}] {pos:>6}/{len:<6} {msg}",
		)
		.unwrap_or_else(|_| ProgressStyle::default_bar())
		.progress_chars("=> ");
		let bars = ["assigned", "committed", "revealed", "verified", "failed"]
			.into_iter()
			.map(|name| multi.add(ProgressBar::new(0).with_style(style.clone()).with_prefix(name)))
			.collect();
		let status = multi.add(ProgressBar::new(0).with_style(
			ProgressStyle::with_template("{msg}").unwrap_or_else(|_| ProgressStyle::default_bar()),
		));
		Self { multi, bars, status }
	}

	fn visible(&self) -> bool {
		!self.multi.is_hidden()
	}

	fn show(&self, p: &Progress, block: u64, elapsed: Duration) {
		let values = [
			(p.assigned, p.replicas),
			(p.committed, p.replicas),
			(p.revealed, p.replicas),
			(p.verified, p.tasks),
			(p.failed, p.tasks),
		];
		for (bar, (position, length)) in self.bars.iter().zip(values) {
			bar.set_length(length as u64);
			bar.set_position(position as u64);
		}
		self.status.set_message(format!(
			"  CON paid {} · block {block} · {:.0?}",
			format_con(p.paid),
			elapsed
		));
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

/// Follows `job` until `until`, showing its progress; `quiet` shows nothing.
pub async fn watch(
	chain: &Chain,
	job: JobId,
	until: Until,
	quiet: bool,
) -> Result<Outcome, CliError> {
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
		let undisputed =
			until == Until::Undisputed && progress.all_decided() && progress.disputed == 0;
		if view.state == JobState::Finished || undisputed {
			bars.finish();
			let blocks = block.saturating_sub(view.posted_at as u64);
			return Ok(Outcome {
				id: job,
				job: view,
				progress,
				blocks,
				elapsed: started.elapsed(),
			});
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
			format!("task {task}: {} revealed a losing result, slashed {}", short(provider), format_con(*amount)),
		JobEvent::Refereed { task, challenger, upheld: true } =>
			format!("task {task}: {} challenged the verdict, and the chain (its own run, or a fresh committee) overturned it", short(challenger)),
		JobEvent::Refereed { task, challenger, upheld: false } =>
			format!("task {task}: {} challenged the verdict, and the chain (its own run, or a fresh committee) confirmed it", short(challenger)),
		JobEvent::Escalated { task, challenger, committee } =>
			format!("task {task}: {} escalated the verdict; a fresh committee of {committee} providers decides it", short(challenger)),
		JobEvent::RoundRestarted { task, replicas } =>
			format!("task {task}: no majority; its revealers were paid the base fee, and a fresh round of {replicas} new providers decides it"),
		JobEvent::Failed { task, reason: FailReason::Unavailable } => format!(
			"task {task} failed: its replicas could not fetch its program or input (Unavailable). \
			 The requester serves them: keep `conun job submit` (or `conun serve`) running until the job ends, \
			 and check that the address it publishes is reachable from the providers"
		),
		JobEvent::Failed { task, reason } => format!("task {task} failed: {reason:?}"),
		JobEvent::DataUnavailable { task, provider } =>
			format!("task {task}: {} could not fetch the program or input, and was released", short(provider)),
		JobEvent::DepositBurned { task, burned } =>
			format!("task {task}: {} of the storage deposit was burned, for data nobody could fetch", format_con(*burned)),
		JobEvent::Expired { reason } => format!(
			"the job waited too long for providers ({}, {reason:?}): its tasks without replicas failed and are refunded",
			explain(*reason)
		),
		JobEvent::Shortened { task, replicas } =>
			format!("task {task}: no replacement came in time; its {replicas} live replicas decide it"),
		JobEvent::EscalationLapsed { task, challenger } =>
			format!("task {task}: no committee could be drawn for {}'s escalation in time; the verdict stands", short(challenger)),
		JobEvent::Cancelled { refunded } => format!("job cancelled, {} refunded now", format_con(*refunded)),
		_ => return None,
	})
}

#[cfg(test)]
mod tests {
	use super::*;
	use conun_client::market::ReplicaRecord;
	use conun_primitives::{Program, TaskInput};
	use subxt::utils::{AccountId32, H256};

	fn job(tasks: u32, verified: u32) -> Job {
		Job {
			owner: AccountId32([0; 32]),
			state: JobState::Open,
			program: Program::Wasm {
				hash: H256::zero(),
				size: 1,
				entry_point: b"_start".to_vec().try_into().unwrap(),
				fuel: 1,
			},
			replicas: 3,
			price: 10,
			escrow: 0,
			deposit: 0,
			posted_at: 1,
			tasks,
			waiting: 0,
			running: 0,
			revealing: 0,
			provisional: 0,
			verified,
			failed: 0,
			cancelled: 0,
		}
	}

	fn task(index: u32, phase: TaskPhase<u32>, revealed: &[u8]) -> TaskRecord {
		let replicas = revealed
			.iter()
			.enumerate()
			.map(|(i, r)| ReplicaRecord {
				provider: AccountId32([i as u8; 32]),
				assigned_at: 2,
				progress: ReplicaProgress::Revealed(H256::repeat_byte(*r)),
			})
			.collect();
		TaskRecord {
			index,
			input: TaskInput { hash: H256::zero(), size: 0 },
			phase,
			replicas,
			stalled: None,
		}
	}

	fn open(result: u8, until: u32) -> TaskPhase<u32> {
		TaskPhase::Provisional { result: H256::repeat_byte(result), until }
	}

	#[test]
	fn a_job_whose_open_verdicts_all_replicas_agreed_on_is_decided_and_undisputed() {
		let tasks = [
			task(0, TaskPhase::Verified { result: H256::repeat_byte(1) }, &[1, 1, 1]),
			task(1, open(2, 40), &[2, 2, 2]),
			task(2, open(3, 42), &[3, 3, 3]),
		];
		let p = Progress::of(&job(3, 1), &tasks);
		assert_eq!((p.verified, p.provisional, p.disputed, p.open_until), (1, 2, 0, Some(42)));
		assert!(p.all_decided());
		// Only the job's final verdict is paid yet.
		assert_eq!(p.paid, 3 * 10);
	}

	#[test]
	fn an_open_verdict_a_replica_revealed_against_is_disputed() {
		let tasks = [task(0, open(1, 40), &[1, 1, 9]), task(1, open(2, 41), &[2, 2, 2])];
		let p = Progress::of(&job(2, 0), &tasks);
		assert_eq!((p.provisional, p.disputed), (2, 1));
		assert!(p.all_decided());
	}

	#[test]
	fn a_task_still_running_leaves_the_job_undecided() {
		let tasks = [task(0, open(1, 40), &[1, 1, 1]), task(1, TaskPhase::Running, &[])];
		assert!(!Progress::of(&job(2, 0), &tasks).all_decided());
	}
}
