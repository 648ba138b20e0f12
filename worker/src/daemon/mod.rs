//! The worker's main loop (`conun-worker run`).
//!
//! It follows the node's best blocks. At each block it asks the runtime for the provider's
//! assignments ([`conun_primitives::AssignmentView`]), compares each with its journal's record
//! ([`reconcile`]: the decision table, one unit test per row) and acts: it runs tasks
//! ([`execute`]), records what the chain now holds, challenges a verdict that went against its
//! result, and sends commitments, reveals and reports of data nobody serves in batches
//! ([`batcher`]). A task whose program or input no peer could provide in
//! [`UNAVAILABLE_AFTER`] tries is reported unavailable: the chain releases the provider
//! unpunished. A task the chain no longer lists at a finalized block is forgotten. Outside its
//! working hours the worker pauses its provider ([`hours`]).
//!
//! Because every decision is taken from the chain and the journal afresh at each block, the
//! same rules recover from a restart of the worker (the journal survives), of the node (the
//! worker reconnects and carries on), a reorg (a transaction that fell out of the chain is sent
//! again; a salt is kept until the chain's finalized state is done with the task) and a refused
//! transaction.

pub mod batcher;
pub mod execute;
pub mod hours;
pub mod reconcile;

use crate::{
	chain::{AtBlock, BlockNumber, Chain, ChainError, JobSpec},
	fault::Fault,
	journal::{Entry, Journal, Phase},
	metrics::{Metrics, Milestone, Outcome, Sent},
};
use batcher::{Batcher, Item, Step};
use conun_primitives::{AssignmentPhase, AssignmentView, JobId, TaskRef};
use execute::Runner;
pub use hours::Schedule;
use reconcile::{in_time, reconcile, Action};
use std::{
	collections::{BTreeMap, BTreeSet, HashMap},
	sync::Arc,
	time::{Duration, Instant},
};
use tokio::sync::{mpsc, Semaphore};

/// A task whose program or input could not be fetched is tried again after this many blocks.
const RETRY_AFTER: u64 = 2;
/// A task whose program or input no peer could provide this many times in a row is reported
/// unavailable (`report_unavailable`): a requester that serves nothing must not get its
/// providers slashed as no-shows. After one such try it is reported at once when the chain's
/// window for reports ([`reconcile::window_end`]) would close before another try.
const UNAVAILABLE_AFTER: u32 = 2;
/// How long to wait for the node to report a transaction in a block before sending it again.
const OUTCOME_TIMEOUT: Duration = Duration::from_secs(60);
/// The batch size assumed until the chain's `MaxBatch` constant is read.
const DEFAULT_MAX_BATCH: usize = 128;
/// The report window assumed until the chain's `FetchWindow` constant is read, in blocks.
const DEFAULT_FETCH_WINDOW: u64 = 100;
/// The provider's record (earnings, status for working hours) is read every this many blocks.
const OBSERVE_EVERY: u64 = 10;

/// What finished in the background.
enum Done {
	/// A task ran (or could not be run; `unavailable` when no peer could provide its data).
	Executed { task: TaskRef, ok: bool, unavailable: bool },
	/// A batch of commits or reveals made it into a block, or did not.
	Sent { step: Step, tasks: Vec<TaskRef>, ok: bool },
}

/// One assignment, the journal's record of it, and what to do.
struct Reconciled<'a> {
	view: &'a AssignmentView<BlockNumber>,
	entry: Option<Entry>,
	action: Action,
}

/// How to reach the chain again after losing it: the node endpoints, tried in turn.
pub struct Connector {
	urls: Vec<String>,
	signer: subxt_signer::sr25519::Keypair,
	/// The endpoint tried first: the one connected to last.
	current: usize,
}

impl Connector {
	/// `urls` must not be empty; the first is tried first.
	pub fn new(urls: Vec<String>, signer: subxt_signer::sr25519::Keypair) -> Self {
		Self { urls, signer, current: 0 }
	}

	/// The endpoint connected to last (or to be tried first).
	pub fn url(&self) -> &str {
		self.urls.get(self.current).map_or("", String::as_str)
	}

	/// One round over the endpoints, from the one connected to last: the first that answers, or
	/// the last error (`None` when there is no endpoint).
	pub async fn connect_once(&mut self) -> Result<Chain, Option<ChainError>> {
		let mut last = None;
		for _ in 0..self.urls.len() {
			let url = self.url().to_string();
			match Chain::connect(&url, self.signer.clone()).await {
				Ok(chain) => {
					tracing::info!(node = %url, "connected");
					return Ok(chain);
				},
				Err(error @ ChainError::Incompatible(_)) => {
					tracing::error!(node = %url, %error, "cannot work with this node");
					last = Some(error);
				},
				Err(error) => {
					tracing::warn!(node = %url, %error, "node unreachable");
					last = Some(error);
				},
			}
			self.current = (self.current + 1) % self.urls.len();
		}
		Err(last)
	}

	/// Connects to the endpoint connected to last, or, when it does not answer, to the next
	/// that does: a worker whose own node is lost carries on through another (its journal
	/// and nonces do not depend on the node). After a round in which none answered it waits
	/// a few seconds and starts again.
	pub async fn connect(&mut self) -> Chain {
		let mut delay = Duration::from_secs(1);
		loop {
			if let Ok(chain) = self.connect_once().await {
				return chain;
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
	schedule: Arc<Schedule>,
	slots: Arc<Semaphore>,
	done_tx: mpsc::UnboundedSender<Done>,
	done_rx: mpsc::UnboundedReceiver<Done>,
	/// Tasks being fetched or run.
	running: BTreeSet<TaskRef>,
	/// When each open task's assignment was first seen, for the latency metric.
	first_seen: BTreeMap<TaskRef, Instant>,
	/// Tasks that could not be fetched or run, and the block from which to try again.
	retry_at: BTreeMap<TaskRef, u64>,
	/// Tries in a row in which no peer could provide a task's program or input.
	unavailable: BTreeMap<TaskRef, u32>,
	/// The block at which each open task's assignment was first seen: about when it was
	/// assigned, from which the chain's window for reports runs.
	seen_at: BTreeMap<TaskRef, u64>,
	/// The chain's `FetchWindow`, in blocks.
	fetch_window: u64,
	/// Commits, reveals and reports sent, and how they fared.
	batcher: Batcher,
	/// Recorded tasks the chain stopped listing, and the block from which it did.
	unlisted_since: BTreeMap<TaskRef, u64>,
	/// Jobs' terms, read once.
	jobs: HashMap<JobId, JobSpec>,
	/// The best block handled last.
	best: Option<(subxt::utils::H256, u64)>,
	/// Tasks whose verdict this worker has challenged.
	contested: BTreeSet<TaskRef>,
	/// Runs that ended with a result since the last commit batch went out.
	ready_to_commit: usize,
	/// The provider's assignments at the best block handled last: what a commit batch sent
	/// between blocks is taken from, without asking the node again for the same block.
	assignments: Vec<AssignmentView<BlockNumber>>,
}

impl Daemon {
	pub fn new(
		chain: Chain,
		connector: Connector,
		runner: Runner,
		max_tasks: u32,
		schedule: Schedule,
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
			schedule: Arc::new(schedule),
			slots: Arc::new(Semaphore::new(max_tasks as usize)),
			done_tx,
			done_rx,
			running: BTreeSet::new(),
			first_seen: BTreeMap::new(),
			retry_at: BTreeMap::new(),
			unavailable: BTreeMap::new(),
			seen_at: BTreeMap::new(),
			fetch_window: DEFAULT_FETCH_WINDOW,
			batcher: Batcher::new(DEFAULT_MAX_BATCH),
			unlisted_since: BTreeMap::new(),
			jobs: HashMap::new(),
			best: None,
			contested: BTreeSet::new(),
			ready_to_commit: 0,
			assignments: Vec::new(),
		}
	}

	/// Runs until Ctrl-C (or SIGTERM).
	pub async fn run(mut self) -> Result<(), ChainError> {
		let mut shutdown = Box::pin(shutdown_signal());
		loop {
			if let Ok(at) = self.chain.at_best().await {
				let max_batch = super::chain::runtime::conun::constants().market().max_batch();
				if let Ok(max) = at.constants().entry(max_batch) {
					self.batcher.max_batch = max.max(1) as usize;
				}
				let fetch_window =
					super::chain::runtime::conun::constants().market().fetch_window();
				if let Ok(window) = at.constants().entry(fetch_window) {
					self.fetch_window = u64::from(window);
				}
				// The block stream starts at the last finalized block: blocks older than this
				// node's best one now are skipped.
				self.best = Some((at.block_hash(), at.block_number()));
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
			tracing::info!(
				"reconnecting to {} (or the next node that answers)",
				self.connector.url()
			);
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

		let reconciled = self.reconcile(&assignments);
		for item in &reconciled {
			self.on_assignment(&at, number, item).await;
		}
		self.jobs.retain(|job, _| listed.iter().any(|t| t.job == *job));
		self.send(number, Step::Commit, &reconciled).await;
		self.send(number, Step::Reveal, &reconciled).await;
		self.send(number, Step::Report, &reconciled).await;
		self.assignments = assignments;
		if let Ok(best) = self.chain.best_number().await {
			self.metrics.chain_lag.set(best.saturating_sub(number));
		}
		match self.chain.finalized_number().await {
			Ok(finalized) => self.forget_finished(number, finalized, &listed).await,
			Err(error) => tracing::warn!(%error, "cannot read the finalized block"),
		}
		if number.is_multiple_of(OBSERVE_EVERY) {
			self.observe_provider(&at).await;
		}
		Ok(())
	}

	/// Each assignment with the journal's record of it and what [`reconcile`] says to do. An
	/// assignment whose record cannot be read is left for the next block.
	fn reconcile<'a>(&self, assignments: &'a [AssignmentView<BlockNumber>]) -> Vec<Reconciled<'a>> {
		assignments
			.iter()
			.filter_map(|view| match self.journal.get(view.task) {
				Ok(entry) => {
					let action = reconcile(view, entry.as_ref());
					Some(Reconciled { view, entry, action })
				},
				Err(error) => {
					tracing::error!(task = ?view.task, %error, "journal unreadable");
					None
				},
			})
			.collect()
	}

	/// Acts on one assignment, but for what goes out in batches ([`Daemon::send`]).
	async fn on_assignment(&mut self, at: &AtBlock, number: u64, item: &Reconciled<'_>) {
		let (a, entry) = (item.view, &item.entry);
		match item.action {
			Action::Run { commit_by } => self.start(at, number, a, commit_by).await,
			Action::RecordCommitted { result, salt }
			| Action::Reveal { result, salt, record: true, .. } => {
				self.advance(a.task, entry.clone(), Phase::Committed { result, salt });
				self.metrics.task(Milestone::Committed, Outcome::Ok);
				self.fault.crash_if(Fault::CrashAfterCommit);
			},
			Action::RecordRevealed { result, salt } => {
				self.advance(a.task, entry.clone(), Phase::Revealed { result, salt });
				self.metrics.task(Milestone::Revealed, Outcome::Ok);
			},
			Action::Contest { verdict, until } => {
				let burned = entry.as_ref().and_then(|e| e.receipt).map(|r| r.work);
				self.contest(at, number, a, verdict, until, burned).await;
			},
			Action::NoRecord => tracing::error!(
				task = ?a.task,
				found = ?entry.as_ref().map(|e| e.phase),
				"asked to reveal a task whose result this worker has no record of (was its data directory lost?)"
			),
			Action::Commit { .. } | Action::Reveal { record: false, .. } | Action::Wait => {},
		}
	}

	/// Starts running a task, when a slot is free and it is not running or waiting to retry.
	async fn start(
		&mut self,
		at: &AtBlock,
		number: u64,
		a: &AssignmentView<BlockNumber>,
		commit_by: BlockNumber,
	) {
		self.seen_at.entry(a.task).or_insert(number);
		if self.running.contains(&a.task)
			|| self.retry_at.get(&a.task).is_some_and(|&n| number < n)
			|| self.reporting(a.task)
		{
			return;
		}
		if number >= u64::from(commit_by) {
			return; // too late to commit anything
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
		let (runner, done, task, input) =
			(self.runner.clone(), self.done_tx.clone(), a.task, a.input);
		tracing::info!(job = task.job, task = task.task, "running");
		tokio::spawn(async move {
			// Run in its own task, so that even a panic in a sandbox reports back and frees
			// the slot.
			let run = tokio::spawn({
				let runner = runner.clone();
				async move { runner.run(task, input, &spec).await }
			});
			let (ok, unavailable) = match run.await {
				Ok(Ok(receipt)) => {
					tracing::info!(job = task.job, task = task.task, status = ?receipt.status, result = ?receipt.result, "ran");
					(true, false)
				},
				Ok(Err(error)) => {
					tracing::warn!(job = task.job, task = task.task, %error, "could not run; will retry");
					(false, matches!(error, execute::RunError::Unavailable { .. }))
				},
				Err(error) => {
					tracing::error!(job = task.job, task = task.task, %error, "the run panicked; will retry");
					(false, false)
				},
			};
			if !ok {
				runner.metrics.task(Milestone::Executed, Outcome::Error);
			}
			drop(permit);
			let _ = done.send(Done::Executed { task, ok, unavailable });
		});
	}

	/// A verdict open to challenge went against the result this worker computed and revealed:
	/// challenge it, once. For a wasm task the chain runs the task itself with the bytes this
	/// worker still holds, and its result decides; a docker task, or a wasm task too large for
	/// the referee, is escalated to a fresh committee.
	async fn contest(
		&mut self,
		at: &AtBlock,
		number: u64,
		a: &AssignmentView<BlockNumber>,
		verdict: subxt::utils::H256,
		until: BlockNumber,
		fuel_burned: Option<u64>,
	) {
		// A worker told to misbehave does not stand up for the result it faked.
		if matches!(self.fault, Fault::Lie | Fault::Collude)
			|| number > u64::from(until)
			|| self.contested.contains(&a.task)
		{
			return;
		}
		let spec = match self.jobs.get(&a.task.job) {
			Some(spec) => spec.clone(),
			None => match self.chain.job_spec(at, a.task.job).await {
				Ok(Some(spec)) => spec,
				Ok(None) => return,
				Err(error) => {
					return tracing::warn!(job = a.task.job, %error, "cannot read the job")
				},
			},
		};
		self.contested.insert(a.task);
		let task = a.task;
		let bytes = match spec.program {
			conun_primitives::Program::Wasm { fuel: job_fuel, .. } => match self
				.runner
				.task_bytes(spec.program.hash(), a.input.hash)
			{
				// The referee runs it with what this worker's run burned (its receipt says).
				Some((program, input)) => Some((program, input, fuel_burned.unwrap_or(job_fuel))),
				None => {
					tracing::warn!(job = task.job, task = task.task, "the program or input is no longer in the blob store: escalating instead of asking the referee");
					None
				},
			},
			conun_primitives::Program::Docker { .. } => None,
		};
		tracing::warn!(
			job = task.job,
			task = task.task,
			?verdict,
			"the verdict went against this worker's result: challenging it"
		);
		let (chain, metrics) = (self.chain.clone(), self.metrics.clone());
		tokio::spawn(async move {
			let refereed = match bytes {
				Some((program, input, fuel)) => match chain
					.challenge_wasm(task, program, input, fuel)
					.await
				{
					Ok(()) => Some(Ok("the chain refereed the task")),
					// Beyond the referee's limits: a committee decides instead.
					Err(error) if error.module_error().as_deref() == Some("TooLargeToReferee") => {
						None
					},
					Err(error) => Some(Err(error)),
				},
				None => None,
			};
			let outcome = match refereed {
				Some(outcome) => outcome,
				None => chain
					.challenge_escalate(task)
					.await
					.map(|()| "escalated: a fresh committee decides the task"),
			};
			match outcome {
				Ok(what) => {
					tracing::info!(
						job = task.job,
						task = task.task,
						"challenge in a block: {what}"
					);
					metrics.task(Milestone::Challenged, Outcome::Ok);
				},
				Err(error) => {
					tracing::warn!(job = task.job, task = task.task, %error, "the challenge failed");
					metrics.task(Milestone::Challenged, Outcome::Error);
				},
			}
		});
	}

	/// Whether to report `task`'s data unavailable now ([`reconcile::report_due`]).
	fn report_due(&self, task: TaskRef, number: u64, commit_by: u64) -> bool {
		let tries = self.unavailable.get(&task).copied().unwrap_or(0);
		let seen = self.seen_at.get(&task).copied().unwrap_or(commit_by);
		let window_end = reconcile::window_end(seen, self.fetch_window, commit_by);
		reconcile::report_due(tries, UNAVAILABLE_AFTER, number, RETRY_AFTER, window_end)
	}

	/// Whether the worker has decided to report `task` (or sent the report): it neither runs
	/// nor commits it any more.
	fn reporting(&self, task: TaskRef) -> bool {
		self.unavailable.get(&task).is_some_and(|&tries| tries >= UNAVAILABLE_AFTER)
			|| self.batcher.is_in_flight(task, Step::Report)
	}

	/// Records a phase the chain already shows (committed, revealed): a crash that loses it
	/// finds it on chain again, so it does not wait for the disk.
	fn advance(&self, task: TaskRef, entry: Option<Entry>, phase: Phase) {
		let receipt = entry.and_then(|e| e.receipt);
		if let Err(error) = self.journal.note(task, &Entry { phase, receipt }) {
			tracing::error!(?task, %error, "cannot write the journal");
		}
	}

	/// Forgets tasks the chain stopped listing for this provider at a block that is now final:
	/// no reorg can bring them back, so their salt will never be needed again. Their result
	/// and logs stay in the blob store, and the receipt in the journal, for the retention
	/// period; only now are the result and logs announced in the DHT and the receipt served.
	async fn forget_finished(&mut self, number: u64, finalized: u64, listed: &BTreeSet<TaskRef>) {
		let recorded = match self.journal.open_tasks() {
			Ok(recorded) => recorded,
			Err(error) => return tracing::error!(%error, "journal unreadable"),
		};
		self.unlisted_since.retain(|task, _| !listed.contains(task));
		for (task, entry) in recorded {
			if listed.contains(&task) || self.running.contains(&task) {
				continue;
			}
			let since = *self.unlisted_since.entry(task).or_insert(number);
			if !reconcile::forget_due(since, finalized) {
				continue;
			}
			let outcome = match entry.phase {
				Phase::Revealed { .. } => Outcome::Settled,
				_ => Outcome::Dropped,
			};
			if let Err(error) = self.journal.remove(task, unix_now()) {
				tracing::error!(?task, %error, "cannot write the journal");
				continue;
			}
			self.metrics.task(Milestone::Closed, outcome);
			if let Some(receipt) = entry.receipt {
				self.runner.net.announce(receipt.result).await;
				self.runner.net.announce(receipt.logs).await;
			}
			self.unlisted_since.remove(&task);
			self.batcher.forget(task);
			self.retry_at.remove(&task);
			self.unavailable.remove(&task);
			self.seen_at.remove(&task);
			self.first_seen.remove(&task);
			self.contested.remove(&task);
		}
	}

	/// Sends the batches of `step` for every item due, unless one already went out at this
	/// block.
	async fn send(&mut self, number: u64, step: Step, reconciled: &[Reconciled<'_>]) {
		if self.batcher.sent_at(step, number)
			|| (step == Step::Commit && self.fault == Fault::Stall)
		{
			return;
		}
		let due = reconciled
			.iter()
			.filter_map(|item| {
				let task = item.view.task;
				match (step, item.action) {
					(Step::Commit, Action::Commit { commit_by, result, salt })
						if in_time(number, commit_by) && !self.reporting(task) =>
					{
						Some(Item::Result { task, result, salt })
					},
					// The run may have recorded its result since the journal was read at the
					// start of this block: commit it in this block's batch all the same.
					(Step::Commit, Action::Run { commit_by })
						if in_time(number, commit_by) && !self.reporting(task) =>
					{
						let recorded = self.journal.get(task).ok().flatten()?.phase.commitment();
						recorded.map(|(result, salt)| Item::Result { task, result, salt })
					},
					(Step::Reveal, Action::Reveal { reveal_by, result, salt, .. })
						if in_time(number, reveal_by) =>
					{
						Some(Item::Result { task, result, salt })
					},
					(Step::Report, Action::Run { commit_by })
						if in_time(number, commit_by)
							&& self.report_due(task, number, u64::from(commit_by)) =>
					{
						Some(Item::Report(task))
					},
					_ => None,
				}
			})
			.collect::<Vec<_>>();
		// A commitment goes out only once its result and salt are durable: one wait for the
		// disk for every run recorded since the last batch ([`Journal::sync`]).
		if step == Step::Commit && !due.is_empty() {
			if let Err(error) = self.journal.sync() {
				return tracing::error!(%error, "cannot make the journal durable: no commitment sent");
			}
		}
		let Some(plan) = self.batcher.plan(number, step, due) else { return };
		if step == Step::Commit {
			self.ready_to_commit = 0;
		}
		if plan.reset_nonce {
			// A transaction reported in a block is not on the chain any more: a reorg took it,
			// and its nonce may be free again.
			self.chain.reset_nonce().await;
		}
		for batch in plan.batches {
			self.send_batch(number, step, batch).await;
		}
	}

	async fn send_batch(&mut self, number: u64, step: Step, items: Vec<Item>) {
		let tasks: Vec<TaskRef> = items.iter().map(Item::task).collect();
		let results = || {
			items.iter().filter_map(|item| match *item {
				Item::Result { task, result, salt } => Some((task, result, salt)),
				Item::Report(_) => None,
			})
		};
		let submitted = match step {
			Step::Commit => {
				let account = self.chain.account_id();
				let commits = results()
					.map(|(task, result, salt)| {
						(task, conun_primitives::commitment(task, &account, &result, &salt))
					})
					.collect();
				for task in &tasks {
					if let Some(seen) = self.first_seen.get(task) {
						self.metrics.latency.observe(seen.elapsed().as_secs_f64());
					}
				}
				self.chain.send_commits(commits).await
			},
			Step::Reveal => self.chain.send_reveals(results().collect()).await,
			Step::Report => {
				tracing::warn!(tasks = ?tasks, "no peer could provide these tasks' program or input: reporting them unavailable");
				self.chain.send_unavailable(tasks.clone()).await
			},
		};
		match submitted {
			Ok(submitted) => {
				tracing::info!(
					call = step.name(),
					count = tasks.len(),
					nonce = submitted.nonce,
					"sent"
				);
				self.metrics.transaction(step.name(), Sent::Sent);
				self.batcher.sent(number, step, &tasks);
				let done = self.done_tx.clone();
				tokio::spawn(async move {
					let ok = match tokio::time::timeout(OUTCOME_TIMEOUT, submitted.outcome()).await
					{
						Ok(Ok(_)) => true,
						// Taken as sent: the chain shows whether it landed, and the items go
						// again after RESEND_AFTER blocks if not. Treated as failed, each of
						// its items would be sent again alone, and refused as done already.
						Ok(Err(error)) if error.already_imported() => {
							tracing::info!(call = step.name(), "the node already had this batch");
							true
						},
						Ok(Err(error)) => {
							tracing::warn!(call = step.name(), %error, "batch not applied; will send again");
							false
						},
						Err(_) => {
							tracing::warn!(
								call = step.name(),
								"batch not in a block in time; will send again"
							);
							false
						},
					};
					let _ = done.send(Done::Sent { step, tasks, ok });
				});
			},
			Err(error) => {
				if error.exhausts_block() {
					// Sent again at the next block, in smaller batches.
					self.batcher.too_large(step, tasks.len());
				}
				tracing::warn!(call = step.name(), %error, "could not send");
				self.metrics.transaction(step.name(), Sent::Refused);
			},
		}
	}

	/// Reacts to background work finishing.
	async fn on_done(&mut self, done: Done) {
		match done {
			Done::Executed { task, ok, unavailable } => {
				self.running.remove(&task);
				self.metrics.running.set(self.running.len() as u64);
				if unavailable {
					*self.unavailable.entry(task).or_default() += 1;
				} else {
					self.unavailable.remove(&task);
				}
				if !ok {
					let number = self.best.map_or(0, |(_, n)| n);
					self.retry_at.insert(task, number + RETRY_AFTER);
					return;
				}
				// Commit once every run has ended, or a full batch is ready, rather than at the
				// next block: a commitment that waits for the next block's batch lands a block
				// later, and so does its task's verdict. Waiting for the rest of the runs
				// rather than sending each result alone keeps the batches full.
				self.ready_to_commit += 1;
				if !self.running.is_empty() && self.ready_to_commit < self.batcher.max_batch {
					return;
				}
				let Some((_, number)) = self.best else { return };
				let executing: Vec<_> = self
					.assignments
					.iter()
					.filter(|a| matches!(a.phase, AssignmentPhase::Execute { .. }))
					.cloned()
					.collect();
				let reconciled = self.reconcile(&executing);
				self.batcher.reopen(Step::Commit);
				self.send(number, Step::Commit, &reconciled).await;
			},
			Done::Sent { step, tasks, ok } => {
				let outcome = if ok { Sent::InBlock } else { Sent::Failed };
				self.metrics.transaction(step.name(), outcome);
				let refused_alone = self.batcher.landed(step, &tasks, ok);
				if !ok {
					self.chain.reset_nonce().await;
				}
				if let (Some(task), Step::Report) = (refused_alone, step) {
					// Refused on its own (its fetch window is over, or the task ended): keep
					// trying to fetch until the commit deadline instead.
					self.unavailable.remove(&task);
				}
			},
		}
	}

	/// Updates the earnings metric, and pauses or resumes the provider for its working hours.
	async fn observe_provider(&mut self, at: &AtBlock) {
		let Ok(Some(view)) = self.chain.provider(at, self.chain.account()).await else { return };
		self.metrics.earned.set(u64::try_from(view.standing.earned).unwrap_or(u64::MAX));
		self.schedule.keep(&self.chain, &view.status);
	}
}

/// The Unix time in seconds.
pub fn unix_now() -> u64 {
	std::time::SystemTime::now()
		.duration_since(std::time::UNIX_EPOCH)
		.map_or(0, |d| d.as_secs())
}

async fn shutdown_signal() {
	let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
	tokio::select! {
		_ = tokio::signal::ctrl_c() => {},
		_ = async { match term.as_mut() { Some(t) => { t.recv().await; }, None => std::future::pending::<()>().await } } => {},
	}
}
