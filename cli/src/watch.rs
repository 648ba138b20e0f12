//! `job watch`: a job's progress, block by block, as progress bars on a terminal and as one
//! plain line per change otherwise (CI logs, `| tee`).
//!
//! The counts come from the job's tasks in storage at each best block, not from adding up
//! events: a watch started late, a skipped block or a reorg cannot make them wrong. Events only
//! add the news worth a line of its own (a task nobody can take, a missed deadline, a slash),
//! and say which tasks to read again: when the best block is the child of the last one looked
//! at, only the tasks its events name are read (`NodeSource`); otherwise, every tenth look, and
//! before the watch ends, all of them.

use crate::{
	error::CliError,
	format::{seconds, short},
};
use conun_client::{
	con::format_con,
	market::{BlockEvents, Job, JobEvent, ReplicaProgress, TaskRecord},
	AtBlock, Chain, ChainError,
};
use conun_primitives::{FailReason, JobId, JobState, TaskIndex, TaskPhase, Unassignable};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::{
	collections::{BTreeMap, BTreeSet},
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

/// One look at the chain: its best block, and there the job, its tasks and the block's news.
pub struct Look {
	pub block: u64,
	/// `None`: the chain has no such job.
	pub job: Option<Job>,
	pub tasks: Vec<TaskRecord>,
	pub events: Vec<JobEvent>,
	/// Whether every task was read at this block, rather than those its events name brought
	/// up to date on an earlier look's.
	pub whole: bool,
}

/// Where a watch reads the chain: a node (`NodeSource`), or a script in the tests.
pub trait Source {
	/// The job at the best block, unless the best block is still `after`.
	fn look(
		&mut self,
		job: JobId,
		after: u64,
	) -> impl std::future::Future<Output = Result<Option<Look>, ChainError>>;
	/// Drop the connection and open a new one.
	fn reconnect(&mut self) -> impl std::future::Future<Output = Result<(), ChainError>>;
	/// Forget what earlier looks read: the next one reads every task, even at the same block.
	fn forget(&mut self);
	/// The node, as the user named it.
	fn node(&self) -> &str;
}

/// Every this many looks the watch reads all of a job's tasks, whatever the events said: a
/// change that no event names shows within this many blocks.
const WHOLE_EVERY: u32 = 10;

/// A node over RPC, with a connection of the watch's own, read only.
pub struct NodeSource {
	url: String,
	chain: Chain,
	/// The job's tasks as the last look left them.
	known: Option<Known>,
}

/// A job's tasks as of one block.
struct Known {
	job: JobId,
	block: subxt::utils::H256,
	tasks: BTreeMap<TaskIndex, TaskRecord>,
	/// Looks since every task was read.
	looks: u32,
}

impl NodeSource {
	pub async fn open(url: &str) -> Result<Self, ChainError> {
		Ok(Self { url: url.to_string(), chain: Chain::connect_read_only(url).await?, known: None })
	}

	/// The job's tasks at `at`: those the block's events name, read again over the last look's
	/// when `at` is its child and the job is open; all of them otherwise. A job's tasks are read
	/// whole every [`WHOLE_EVERY`] looks, and once it is over, so its final counts are exact.
	async fn tasks(
		&mut self,
		at: &AtBlock,
		events: &BlockEvents,
		job: JobId,
		open: bool,
	) -> Result<(Vec<TaskRecord>, bool), ChainError> {
		let follows = match &self.known {
			Some(known) if known.job == job && known.looks + 1 < WHOLE_EVERY && open => {
				self.chain.parent_hash(at).await? == known.block
			},
			_ => false,
		};
		if follows {
			let touched = Chain::tasks_touched_in(at, events, job)?;
			if !touched.whole_job {
				let read = self.chain.tasks_numbered(at, job, touched.tasks).await?;
				if let Some(known) = self.known.as_mut() {
					for (index, record) in read {
						match record {
							Some(record) => known.tasks.insert(index, record),
							None => known.tasks.remove(&index),
						};
					}
					known.block = at.block_hash();
					known.looks += 1;
					return Ok((known.tasks.values().cloned().collect(), false));
				}
			}
		}
		let tasks = self.chain.tasks(at, job).await?;
		self.known = Some(Known {
			job,
			block: at.block_hash(),
			tasks: tasks.iter().map(|task| (task.index, task.clone())).collect(),
			looks: 0,
		});
		Ok((tasks, true))
	}
}

impl Source for NodeSource {
	async fn look(&mut self, job: JobId, after: u64) -> Result<Option<Look>, ChainError> {
		let at = self.chain.at_best().await?;
		let block = at.block_number();
		if block == after && self.known.is_some() {
			return Ok(None);
		}
		let Some(view) = self.chain.job(&at, job).await? else {
			let events = Vec::new();
			return Ok(Some(Look { block, job: None, tasks: Vec::new(), events, whole: true }));
		};
		let events = self.chain.events(&at).await?;
		let (tasks, whole) = self.tasks(&at, &events, job, view.state == JobState::Open).await?;
		let events = Chain::job_events_in(&events, job)?;
		Ok(Some(Look { block, job: Some(view), tasks, events, whole }))
	}

	async fn reconnect(&mut self) -> Result<(), ChainError> {
		self.chain = Chain::connect_read_only(&self.url).await?;
		self.known = None;
		Ok(())
	}

	fn forget(&mut self) {
		self.known = None;
	}

	fn node(&self) -> &str {
		&self.url
	}
}

/// How long a watch waits on the node before it reconnects, and before it gives up.
#[derive(Clone, Copy, Debug)]
pub struct Patience {
	/// The least time one look may take before the node is taken to have stopped answering.
	/// A look may read every task of the job, so a big job's may take longer: ten times the
	/// last.
	pub least: Duration,
	/// How long without a new best block before the connection is taken to be stale.
	pub no_new_block: Duration,
	/// How long the watch keeps trying to reach the node before it gives up.
	pub give_up_after: Duration,
	/// The first wait before reconnecting; each further one doubles, up to `max_backoff`.
	pub first_backoff: Duration,
	pub max_backoff: Duration,
	/// How often to look again while the best block has not changed.
	pub poll: Duration,
}

impl Default for Patience {
	fn default() -> Self {
		Self {
			least: Duration::from_secs(30),
			// Blocks come every 3 s: a minute without one means a stale connection (or a
			// stopped chain, which a new connection does not harm).
			no_new_block: Duration::from_secs(60),
			give_up_after: Duration::from_secs(600),
			first_backoff: Duration::from_secs(1),
			max_backoff: Duration::from_secs(30),
			poll: Duration::from_millis(500),
		}
	}
}

/// Follows `job` until `until`, showing its progress; `quiet` shows nothing.
///
/// The job goes on on chain whatever happens to the connection, so a node that stops answering,
/// fails a request or stops announcing blocks is reconnected to (and said so), for up to
/// ten minutes ([`Patience`]); only then does the watch end, with an error that says how to
/// resume.
pub async fn watch<S: Source>(
	source: &mut S,
	job: JobId,
	until: Until,
	quiet: bool,
) -> Result<Outcome, CliError> {
	watch_with(source, job, until, quiet, Patience::default()).await
}

async fn watch_with<S: Source>(
	source: &mut S,
	job: JobId,
	until: Until,
	quiet: bool,
	wait: Patience,
) -> Result<Outcome, CliError> {
	let started = Instant::now();
	let bars = Bars::new(quiet);
	let mut last_block = 0u64;
	let mut last = None;
	let mut stalled_seen = BTreeSet::new();
	let mut patience = wait.least;
	let mut last_new_block = Instant::now();
	let mut trouble_since: Option<Instant> = None;
	let mut backoff = wait.first_backoff;
	loop {
		let round = Instant::now();
		let trouble = match tokio::time::timeout(patience, source.look(job, last_block)).await {
			Ok(Ok(Some(look))) => {
				patience = round.elapsed().saturating_mul(10).max(wait.least);
				last_new_block = Instant::now();
				trouble_since = None;
				backoff = wait.first_backoff;
				let Some(view) = look.job else {
					return Err(CliError::Usage(format!("there is no job {job} on this chain")));
				};
				let block = look.block;
				last_block = block;
				let progress = Progress::of(&view, &look.tasks);
				for event in &look.events {
					if let Some(line) = news(event, &mut stalled_seen) {
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
				if undisputed && !look.whole {
					// Counted from tasks brought up to date by events: read them all before
					// taking the job as decided.
					source.forget();
					continue;
				}
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
				continue;
			},
			Ok(Ok(None)) if last_new_block.elapsed() < wait.no_new_block => {
				tokio::time::sleep(wait.poll).await;
				continue;
			},
			Ok(Ok(None)) => format!("no new block for {}", seconds(wait.no_new_block)),
			Ok(Err(error)) => error.to_string(),
			Err(_) => format!("no answer within {}", seconds(patience)),
		};
		let since = *trouble_since.get_or_insert(round);
		if since.elapsed() >= wait.give_up_after {
			bars.finish();
			return Err(CliError::Chain(ChainError::Connect {
				url: source.node().to_string(),
				reason: format!(
					"{trouble}, for {}. Job {job} goes on on chain: follow it again with `conun job watch {job}`",
					seconds(wait.give_up_after)
				),
			}));
		}
		if !quiet {
			bars.note(format!(
				"block {last_block}: the node at {}: {trouble}; reconnecting in {}",
				source.node(),
				seconds(backoff)
			));
		}
		tokio::time::sleep(backoff).await;
		backoff = backoff.saturating_mul(2).min(wait.max_backoff);
		// A failed reconnection is trouble like any other: the next look fails and says why.
		// Except a node that now runs another runtime: no retry changes that.
		if let Ok(Err(error @ ChainError::Incompatible(_))) =
			tokio::time::timeout(wait.least, source.reconnect()).await
		{
			bars.finish();
			return Err(error.into());
		}
		last_new_block = Instant::now();
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

	/// A node as a script: each look answers the next step.
	enum Step {
		Answer(u64, Job),
		Fail,
		/// Never answers.
		Hang,
		/// The best block is still the last one.
		Same,
		/// These tasks at this block: `whole`, or brought up to date from an earlier look's.
		Tasks {
			block: u64,
			job: Job,
			tasks: Vec<TaskRecord>,
			whole: bool,
		},
	}

	struct Scripted {
		steps: std::collections::VecDeque<Step>,
		reconnects: u32,
		/// Reconnecting finds a node with another runtime.
		upgraded: bool,
		/// Times the watch asked for every task to be read again.
		forgotten: u32,
	}

	impl Scripted {
		fn new(steps: Vec<Step>) -> Self {
			Self { steps: steps.into(), reconnects: 0, upgraded: false, forgotten: 0 }
		}
	}

	impl Source for Scripted {
		async fn look(&mut self, _: JobId, _: u64) -> Result<Option<Look>, ChainError> {
			match self.steps.pop_front() {
				Some(Step::Answer(block, job)) => Ok(Some(Look {
					block,
					job: Some(job),
					tasks: Vec::new(),
					events: Vec::new(),
					whole: true,
				})),
				Some(Step::Tasks { block, job, tasks, whole }) => {
					Ok(Some(Look { block, job: Some(job), tasks, events: Vec::new(), whole }))
				},
				Some(Step::Fail) => Err(ChainError::NoBestBlock),
				Some(Step::Same) => Ok(None),
				Some(Step::Hang) | None => std::future::pending().await,
			}
		}

		async fn reconnect(&mut self) -> Result<(), ChainError> {
			self.reconnects += 1;
			if self.upgraded {
				return Err(ChainError::Incompatible("spec version 2".into()));
			}
			Ok(())
		}

		fn forget(&mut self) {
			self.forgotten += 1;
		}

		fn node(&self) -> &str {
			"ws://127.0.0.1:1"
		}
	}

	/// The default patience, in milliseconds instead of seconds.
	fn quick() -> Patience {
		Patience {
			least: Duration::from_millis(50),
			no_new_block: Duration::from_millis(200),
			give_up_after: Duration::from_millis(600),
			first_backoff: Duration::from_millis(10),
			max_backoff: Duration::from_millis(50),
			poll: Duration::from_millis(10),
		}
	}

	fn finished(tasks: u32) -> Job {
		Job { state: JobState::Finished, ..job(tasks, tasks) }
	}

	#[tokio::test]
	async fn a_node_that_stops_answering_mid_job_is_reconnected_and_the_job_followed_to_its_end() {
		let mut node = Scripted::new(vec![
			Step::Answer(5, job(3, 1)),
			Step::Hang,
			Step::Fail,
			Step::Answer(9, finished(3)),
		]);
		let outcome = watch_with(&mut node, 7, Until::Finished, true, quick()).await.unwrap();
		assert_eq!((outcome.progress.verified, outcome.blocks), (3, 8));
		assert_eq!(node.reconnects, 2);
	}

	#[tokio::test]
	async fn a_connection_that_stops_bringing_blocks_is_opened_again() {
		// A look every 10 ms: 21 of them without a new block is over the 200 ms allowed.
		let mut steps = vec![Step::Answer(5, job(3, 1))];
		steps.extend((0..21).map(|_| Step::Same));
		steps.push(Step::Answer(6, finished(3)));
		let mut node = Scripted::new(steps);
		watch_with(&mut node, 7, Until::Finished, true, quick()).await.unwrap();
		assert_eq!(node.reconnects, 1);
	}

	#[tokio::test]
	async fn a_node_gone_for_good_ends_the_watch_with_how_to_resume() {
		let mut node = Scripted::new(vec![Step::Answer(5, job(3, 1))]);
		let started = Instant::now();
		let wait = quick();
		let error = watch_with(&mut node, 7, Until::Finished, true, wait)
			.await
			.unwrap_err()
			.to_string();
		assert!(error.contains("ws://127.0.0.1:1"), "{error}");
		assert!(error.contains("`conun job watch 7`"), "{error}");
		// It tried for as long as it may, and not much longer.
		let waited = started.elapsed();
		assert!(waited >= wait.give_up_after, "{waited:?}");
		assert!(waited < wait.give_up_after * 3, "{waited:?}");
		assert!(node.reconnects >= 3, "{}", node.reconnects);
	}

	#[tokio::test]
	async fn a_node_that_came_back_with_another_runtime_ends_the_watch_at_once() {
		let mut node = Scripted::new(vec![Step::Answer(5, job(3, 1)), Step::Fail]);
		node.upgraded = true;
		let error = watch_with(&mut node, 7, Until::Finished, true, quick()).await.unwrap_err();
		assert!(error.to_string().contains("spec version 2"), "{error}");
		assert_eq!(node.reconnects, 1);
	}

	#[tokio::test]
	async fn a_job_that_looks_decided_from_events_alone_is_read_whole_before_the_watch_ends() {
		let decided = vec![task(0, open(1, 40), &[1, 1, 1]), task(1, open(2, 41), &[2, 2, 2])];
		// An event the watch did not see left task 1 running.
		let running = vec![task(0, open(1, 40), &[1, 1, 1]), task(1, TaskPhase::Running, &[])];
		let mut node = Scripted::new(vec![
			Step::Tasks { block: 5, job: job(2, 0), tasks: decided.clone(), whole: false },
			Step::Tasks { block: 5, job: job(2, 0), tasks: running, whole: true },
			Step::Tasks { block: 6, job: job(2, 0), tasks: decided.clone(), whole: false },
			Step::Tasks { block: 6, job: job(2, 0), tasks: decided, whole: true },
		]);
		let outcome = watch_with(&mut node, 7, Until::Undisputed, true, quick()).await.unwrap();
		assert_eq!((outcome.progress.provisional, outcome.blocks), (2, 5));
		assert_eq!(node.forgotten, 2);
		assert!(node.steps.is_empty());
	}

	#[test]
	fn a_task_still_running_leaves_the_job_undecided() {
		let tasks = [task(0, open(1, 40), &[1, 1, 1]), task(1, TaskPhase::Running, &[])];
		assert!(!Progress::of(&job(2, 0), &tasks).all_decided());
	}
}
