//! The worker's main loop (`conun-worker run`).
//!
//! It follows the node's best blocks. At each block it asks the runtime for the provider's
//! assignments ([`conun_primitives::AssignmentView`]) and compares them with its journal:
//!
//! | the chain says | the journal has | the worker |
//! |---|---|---|
//! | `Execute` | nothing, or `Running` | starts the task (fetch, run, record result and salt) |
//! | `Execute` | a result and salt | commits them |
//! | `AwaitReveals` | a result and salt | notes the commitment is on chain |
//! | `Reveal` | a result and salt | reveals them |
//! | `AwaitVerdict` | | notes the reveal is on chain |
//! | (gone) | anything open | closes the entry: verdict, cancellation or missed deadline |
//!
//! Commitments go out in one `commit_results` and reveals in one `reveal_results` per block,
//! signed with nonces the worker counts itself. Because every decision is taken from the chain
//! and the journal afresh at each block, the same rules recover from a restart of the worker
//! (the journal survives), of the node (the worker reconnects and carries on), a reorg (a
//! transaction that fell out of the chain is sent again) and a refused transaction.

pub mod execute;

use crate::{
	chain::{AtBlock, BlockNumber, Chain, ChainError, JobSpec},
	fault::Fault,
	journal::{Entry, Journal, Phase},
	metrics::Metrics,
};
use conun_primitives::{AssignmentPhase, AssignmentView, JobId, TaskRef};
use execute::Runner;
use std::{
	collections::{BTreeMap, BTreeSet, HashMap},
	sync::Arc,
	time::{Duration, Instant},
};
use tokio::sync::{mpsc, Semaphore};

/// A transaction not in a block after this many blocks is sent again.
const RESEND_AFTER: u64 = 4;
/// A task the chain no longer lists for the provider is closed after this many blocks.
const CLOSE_AFTER: u64 = 2;
/// A task whose program or input could not be fetched is tried again after this many blocks.
const RETRY_AFTER: u64 = 2;

/// The two transactions a worker sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Step {
	Commit,
	Reveal,
}

impl Step {
	fn name(self) -> &'static str {
		match self {
			Step::Commit => "commit_results",
			Step::Reveal => "reveal_results",
		}
	}
}

/// What finished in the background.
enum Done {
	/// A task ran (or could not be run).
	Executed { task: TaskRef, ok: bool },
	/// A batch of commits or reveals made it into a block, or did not.
	Sent { step: Step, tasks: Vec<TaskRef>, ok: bool },
}

/// How to reach the chain again after losing it.
pub struct Connector {
	pub url: String,
	pub signer: subxt_signer::sr25519::Keypair,
}

impl Connector {
	/// Connects, retrying every few seconds until the node answers.
	pub async fn connect(&self) -> Chain {
		let mut delay = Duration::from_secs(1);
		loop {
			match Chain::connect(&self.url, self.signer.clone()).await {
				Ok(chain) => return chain,
				Err(error @ ChainError::Incompatible(_)) => {
					tracing::error!(%error, "cannot work with this node");
				},
				Err(error) => tracing::warn!(%error, "node unreachable; retrying"),
			}
			tokio::time::sleep(delay).await;
			delay = (delay * 2).min(Duration::from_secs(10));
		}
	}
}

/// The running worker.
pub struct Daemon {
	chain: Arc<Chain>,
	connector: Connector,
	runner: Arc<Runner>,
	journal: Arc<Journal>,
	metrics: Metrics,
	fault: Fault,
	slots: Arc<Semaphore>,
	done_tx: mpsc::UnboundedSender<Done>,
	done_rx: mpsc::UnboundedReceiver<Done>,
	/// Tasks being fetched or run.
	running: BTreeSet<TaskRef>,
	/// When each open task's assignment was first seen, for the latency metric.
	first_seen: BTreeMap<TaskRef, Instant>,
	/// Tasks that could not be fetched or run, and the block from which to try again.
	retry_at: BTreeMap<TaskRef, u64>,
	/// Open tasks the chain stopped listing, and the block it stopped at.
	unlisted_since: BTreeMap<TaskRef, u64>,
	/// Commits and reveals sent and not yet seen on chain, by the block they were sent at.
	sent: BTreeMap<(TaskRef, Step), u64>,
	/// Which block last carried a batch of each step, so that each goes out once per block.
	last_batch: HashMap<Step, u64>,
	/// Jobs' terms, read once.
	jobs: HashMap<JobId, JobSpec>,
	/// The best block handled last.
	best: Option<(subxt::utils::H256, u64)>,
	/// The largest batch the chain takes.
	max_batch: usize,
	/// The hours of the day to work, and whether the worker paused its provider for them.
	hours: Option<crate::config::Hours>,
	paused_for_hours: bool,
}

impl Daemon {
	pub fn new(
		chain: Chain,
		connector: Connector,
		runner: Runner,
		max_tasks: u32,
		hours: Option<crate::config::Hours>,
	) -> Self {
		let (done_tx, done_rx) = mpsc::unbounded_channel();
		let runner = Arc::new(runner);
		Self {
			chain: Arc::new(chain),
			connector,
			journal: runner.journal.clone(),
			metrics: runner.metrics.clone(),
			fault: runner.fault,
			runner,
			slots: Arc::new(Semaphore::new(max_tasks as usize)),
			done_tx,
			done_rx,
			running: BTreeSet::new(),
			first_seen: BTreeMap::new(),
			retry_at: BTreeMap::new(),
			sent: BTreeMap::new(),
			unlisted_since: BTreeMap::new(),
			last_batch: HashMap::new(),
			jobs: HashMap::new(),
			best: None,
			max_batch: 128,
			hours,
			paused_for_hours: false,
		}
	}

	/// Runs until Ctrl-C (or SIGTERM).
	pub async fn run(mut self) -> Result<(), ChainError> {
		let mut shutdown = Box::pin(shutdown_signal());
		loop {
			if let Ok(at) = self.chain.at_best().await {
				let max_batch = super::chain::runtime::conun::constants().market().max_batch();
				if let Ok(max) = at.constants().entry(max_batch) {
					self.max_batch = max as usize;
				}
				// The block stream starts at the last finalized block: blocks older than the
				// best one now are skipped.
				let newest = self.best.map_or(0, |(_, n)| n).max(at.block_number());
				self.best = Some((at.block_hash(), newest));
			}
			match self.chain.api().stream_best_blocks().await {
				Ok(mut blocks) => loop {
					tokio::select! {
						block = blocks.next() => match block {
							Some(Ok(block)) => {
								let (hash, number) = (block.hash(), block.number());
								if let Err(error) = self.on_block(hash, number).await {
									tracing::warn!(number, %error, "could not handle block");
								}
							},
							Some(Err(error)) => {
								tracing::warn!(%error, "lost the block stream");
								break;
							},
							None => break,
						},
						Some(done) = self.done_rx.recv() => self.on_done(done).await,
						_ = &mut shutdown => {
							tracing::info!("stopping; the journal keeps every task's state");
							return Ok(());
						},
					}
				},
				Err(error) => tracing::warn!(%error, "cannot follow blocks"),
			}
			tracing::info!("reconnecting to {}", self.connector.url);
			let chain = tokio::select! {
				chain = self.connector.connect() => chain,
				_ = &mut shutdown => return Ok(()),
			};
			self.chain = Arc::new(chain);
		}
	}

	/// Compares the chain's view of the provider's assignments at a new best block with the
	/// journal, and acts.
	async fn on_block(&mut self, hash: subxt::utils::H256, number: u64) -> Result<(), ChainError> {
		if self.best.is_some_and(|(_, best)| number < best) {
			// An older block (the stream starts from the last finalized one): its view of the
			// assignments is out of date.
			return Ok(());
		}
		let at = self.chain.at(hash).await?;
		self.best = Some((hash, number));
		self.metrics.block.set(number);
		let assignments = self.chain.assignments(&at).await?;
		let listed: BTreeSet<TaskRef> = assignments.iter().map(|a| a.task).collect();

		for assignment in &assignments {
			self.on_assignment(&at, number, assignment).await;
		}
		self.close_finished(number, &listed);
		self.jobs.retain(|job, _| listed.iter().any(|t| t.job == *job));
		self.send(&at, number, Step::Commit, &assignments).await;
		self.send(&at, number, Step::Reveal, &assignments).await;
		if number.is_multiple_of(10) {
			self.observe_provider(&at).await;
		}
		Ok(())
	}

	async fn on_assignment(&mut self, at: &AtBlock, number: u64, a: &AssignmentView<BlockNumber>) {
		let entry = match self.journal.get(a.task) {
			Ok(entry) => entry,
			Err(error) => {
				tracing::error!(task = ?a.task, %error, "journal unreadable");
				return;
			},
		};
		match (&a.phase, entry.as_ref().map(|e| e.phase)) {
			(AssignmentPhase::Execute { .. }, None | Some(Phase::Running | Phase::Closed)) =>
				self.start(at, number, a).await,
			(AssignmentPhase::AwaitReveals | AssignmentPhase::Reveal { .. }, Some(Phase::Executed { result, salt })) => {
				self.advance(a.task, entry, Phase::Committed { result, salt });
				self.metrics.task("committed", "ok");
				self.fault.crash_if(Fault::CrashAfterCommit);
			},
			(AssignmentPhase::AwaitVerdict, Some(Phase::Executed { result, .. } | Phase::Committed { result, .. })) => {
				self.advance(a.task, entry, Phase::Revealed { result });
				self.metrics.task("revealed", "ok");
			},
			(AssignmentPhase::Reveal { .. }, found @ (None | Some(Phase::Running | Phase::Closed))) =>
				tracing::error!(task = ?a.task, ?found, "asked to reveal a task whose result this worker has no record of (was its data directory lost?)"),
			_ => {},
		}
	}

	/// Starts running a task, when a slot is free and it is not running or waiting to retry.
	async fn start(&mut self, at: &AtBlock, number: u64, a: &AssignmentView<BlockNumber>) {
		if self.running.contains(&a.task) || self.retry_at.get(&a.task).is_some_and(|&n| number < n) {
			return;
		}
		let Ok(permit) = self.slots.clone().try_acquire_owned() else { return };
		let spec = match self.jobs.get(&a.task.job) {
			Some(spec) => spec.clone(),
			None => match self.chain.job_spec(at, a.task.job).await {
				Ok(Some(spec)) => {
					self.jobs.insert(a.task.job, spec.clone());
					spec
				},
				Ok(None) => return,
				Err(error) => {
					tracing::warn!(job = a.task.job, %error, "cannot read the job");
					return;
				},
			},
		};
		self.retry_at.remove(&a.task);
		self.running.insert(a.task);
		self.first_seen.entry(a.task).or_insert_with(Instant::now);
		self.metrics.running.set(self.running.len() as u64);
		let (runner, done, task, input) = (self.runner.clone(), self.done_tx.clone(), a.task, a.input);
		tracing::info!(job = task.job, task = task.task, "running");
		tokio::spawn(async move {
			let ok = match runner.run(task, input, &spec).await {
				Ok(receipt) => {
					tracing::info!(job = task.job, task = task.task, status = ?receipt.status, result = ?receipt.result, "ran");
					true
				},
				Err(error) => {
					tracing::warn!(job = task.job, task = task.task, %error, "could not run; will retry");
					runner.metrics.task("executed", "error");
					false
				},
			};
			drop(permit);
			let _ = done.send(Done::Executed { task, ok });
		});
	}

	/// Records a new phase for a task.
	fn advance(&self, task: TaskRef, entry: Option<Entry>, phase: Phase) {
		let receipt = entry.and_then(|e| e.receipt);
		if let Err(error) = self.journal.put(task, &Entry { phase, receipt }) {
			tracing::error!(?task, %error, "cannot write the journal");
		}
	}

	/// Closes journal entries of tasks the chain has not listed for this provider for
	/// [`CLOSE_AFTER`] blocks: a task that leaves the list for one block only (a reorg) keeps its
	/// result and salt.
	fn close_finished(&mut self, number: u64, listed: &BTreeSet<TaskRef>) {
		let open = match self.journal.open_tasks() {
			Ok(open) => open,
			Err(error) => return tracing::error!(%error, "journal unreadable"),
		};
		self.unlisted_since.retain(|task, _| !listed.contains(task));
		for (task, entry) in open {
			if listed.contains(&task) || self.running.contains(&task) {
				continue;
			}
			let since = *self.unlisted_since.entry(task).or_insert(number);
			if number >= since + CLOSE_AFTER {
				self.unlisted_since.remove(&task);
				let outcome = match entry.phase {
					Phase::Revealed { .. } => "settled",
					_ => "dropped",
				};
				self.metrics.task("closed", outcome);
				self.advance(task, Some(entry), Phase::Closed);
				self.sent.retain(|(t, _), _| *t != task);
				self.retry_at.remove(&task);
				self.first_seen.remove(&task);
			}
		}
	}

	/// Sends one batch of `step` for every task due, unless one already went out at this block.
	async fn send(&mut self, at: &AtBlock, number: u64, step: Step, assignments: &[AssignmentView<BlockNumber>]) {
		if self.last_batch.get(&step) == Some(&number) || (step == Step::Commit && self.fault == Fault::Stall) {
			return;
		}
		let mut items = Vec::new();
		for a in assignments {
			let due = matches!(
				(step, &a.phase),
				(Step::Commit, AssignmentPhase::Execute { .. }) | (Step::Reveal, AssignmentPhase::Reveal { .. })
			);
			let recently_sent = self.sent.get(&(a.task, step)).is_some_and(|&n| number < n + RESEND_AFTER);
			if !due || recently_sent {
				continue;
			}
			let Ok(Some(entry)) = self.journal.get(a.task) else { continue };
			let Some((result, salt)) = entry.phase.commitment() else { continue };
			items.push((a.task, result, salt));
			if items.len() == self.max_batch {
				break;
			}
		}
		if items.is_empty() {
			return;
		}
		let tasks: Vec<TaskRef> = items.iter().map(|(task, ..)| *task).collect();
		let submitted = match step {
			Step::Commit => {
				let account = self.chain.account_id();
				let commits = items
					.iter()
					.map(|(task, result, salt)| (*task, conun_primitives::commitment(*task, &account, result, salt)))
					.collect();
				for task in &tasks {
					if let Some(seen) = self.first_seen.get(task) {
						self.metrics.latency.observe(seen.elapsed().as_secs_f64());
					}
				}
				self.chain.send_commits(at, commits).await
			},
			Step::Reveal => self.chain.send_reveals(at, items).await,
		};
		self.last_batch.insert(step, number);
		match submitted {
			Ok(submitted) => {
				tracing::info!(call = step.name(), count = tasks.len(), nonce = submitted.nonce, "sent");
				self.metrics.transactions.with_label_values(&[step.name(), "sent"]).inc();
				for task in &tasks {
					self.sent.insert((*task, step), number);
				}
				let done = self.done_tx.clone();
				tokio::spawn(async move {
					let ok = match submitted.outcome().await {
						Ok(_) => true,
						Err(error) => {
							tracing::warn!(call = step.name(), %error, "batch not applied; will send again");
							false
						},
					};
					let _ = done.send(Done::Sent { step, tasks, ok });
				});
			},
			Err(error) => {
				tracing::warn!(call = step.name(), %error, "could not send");
				self.metrics.transactions.with_label_values(&[step.name(), "refused"]).inc();
			},
		}
	}

	/// Reacts to background work finishing.
	async fn on_done(&mut self, done: Done) {
		match done {
			Done::Executed { task, ok } => {
				self.running.remove(&task);
				self.metrics.running.set(self.running.len() as u64);
				if !ok {
					let number = self.best.map_or(0, |(_, n)| n);
					self.retry_at.insert(task, number + RETRY_AFTER);
					return;
				}
				// Commit at once rather than at the next block, unless this block already
				// carried a commit batch.
				if let Some((hash, number)) = self.best {
					if let Ok(at) = self.chain.at(hash).await {
						if let Ok(assignments) = self.chain.assignments(&at).await {
							self.send(&at, number, Step::Commit, &assignments).await;
						}
					}
				}
			},
			Done::Sent { step, tasks, ok } => {
				let outcome = if ok { "in_block" } else { "failed" };
				self.metrics.transactions.with_label_values(&[step.name(), outcome]).inc();
				if !ok {
					self.chain.reset_nonce().await;
					for task in tasks {
						self.sent.remove(&(task, step));
					}
				}
			},
		}
	}

	/// Updates the earnings metric, and pauses or resumes the provider for its working hours.
	async fn observe_provider(&mut self, at: &AtBlock) {
		let Ok(Some(view)) = self.chain.provider(at, self.chain.account()).await else { return };
		self.metrics.earned.set(u64::try_from(view.standing.earned).unwrap_or(u64::MAX));
		let (Some(hours), Ok(now)) = (self.hours, std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)) else {
			return;
		};
		let hour = ((now.as_secs() / 3600) % 24) as u8;
		let active = matches!(view.status, conun_primitives::ProviderStatus::Active);
		let paused = matches!(view.status, conun_primitives::ProviderStatus::Paused);
		if !hours.contains(hour) && active {
			tracing::info!(hour, "outside working hours: pausing new assignments");
			if self.chain.pause().await.is_ok() {
				self.paused_for_hours = true;
			}
		} else if hours.contains(hour) && paused && self.paused_for_hours {
			tracing::info!(hour, "working hours: resuming");
			if self.chain.resume().await.is_ok() {
				self.paused_for_hours = false;
			}
		}
	}
}

async fn shutdown_signal() {
	let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
	tokio::select! {
		_ = tokio::signal::ctrl_c() => {},
		_ = async { match term.as_mut() { Some(t) => { t.recv().await; }, None => std::future::pending::<()>().await } } => {},
	}
}
