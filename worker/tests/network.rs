//! The market across a real network: zombienet spawns `zombienet/market.toml` (four validators,
//! three providers' full nodes and a requester's node), a `conun-worker` runs beside each
//! provider node and reads the chain through it (failing over to the requester's node), and
//! the requester posts through its own node. Each scenario of docs/reliability.md is one test:
//!
//! 1. a 100-task job (R = 3) is verified, each worker reading only its own node;
//! 2. a worker killed mid-task and never restarted is replaced, penalised, and the requester's
//!    refund is exact;
//! 3. a worker killed between commit and reveal reveals once restarted, and is paid;
//! 4. one validator of four is lost: blocks and finality go on; restarted, it catches up;
//! 5. a provider's node is lost: its worker fails over and misses no deadline;
//! 6. a lying worker is outvoted, slashed, and gets no more work.
//!
//! After each, the market's accounting is checked on the live chain by a storage walk
//! ([`conun_client::ledger`]): every account adds up to the issuance, every hold equals what
//! the market's records owe, and issuance plus what the market burned moved only by the fees.
//!
//! The scenarios share one network and take turns with it. Needs the release `conun-node`, the
//! zombienet CLI (`scripts/setup.sh` installs both) and the `fault-injection` feature:
//! `cargo test --release -p conun-worker --features fault-injection --test network`.
#![cfg(feature = "fault-injection")]

use conun_client::{
	con::format_con,
	ledger::Ledger,
	market::{Job, JobEvent, ReplicaProgress},
	Balance, Chain,
};
use conun_primitives::{
	content_hash, Deadlines, JobId, JobState, JobTerms, Program, Resources, Standing, TaskInput,
	TaskPhase, MAX_OUTPUT_BYTES,
};
use conun_sandbox::{Limits, WasmExecutor};
use conun_testkit::{free_port, wait_for, Process, Shared, SharedGuard, Worker, Zombienet};
use std::{
	sync::Arc,
	time::{Duration, Instant},
};
use subxt::utils::{AccountId32, H256};
use subxt_signer::sr25519::{dev, Keypair};

const PROGRAM: &str = include_str!("fixtures/verified_echo.wat");
const FUEL: u64 = 1_000_000;
const PRICE: Balance = 1_000_000_000_000;
/// Every scenario's deadlines, in blocks of 3 s: a no-show is replaced within a minute.
const DEADLINES: Deadlines<u32> = Deadlines { execution: 10, commit: 10, reveal: 20 };
/// The longest any scenario waits for the chain to finish a job.
const JOB_TIMEOUT: Duration = Duration::from_secs(420);

/// The honest providers, one beside each provider node: (name, node).
const PROVIDERS: [(&str, &str); 3] =
	[("Bob", "provider-1"), ("Charlie", "provider-2"), ("Dave", "provider-3")];

/// The network and its honest workers, shared by the scenarios.
struct Network {
	zombienet: Zombienet,
	providers: Vec<Worker>,
	/// Each honest provider's running daemon (`None` while a scenario runs it otherwise).
	workers: Vec<Option<Process>>,
	root: tempfile::TempDir,
}

static NETWORK: Shared<Network> = Shared::new(6);

impl Network {
	fn start() -> Self {
		let root = tempfile::tempdir().unwrap();
		let zombienet = Zombienet::spawn("market", root.path());
		let mut network = Network { zombienet, providers: Vec::new(), workers: Vec::new(), root };
		for (name, _) in PROVIDERS {
			let worker = network.provider(name);
			worker.register(&network.endpoints(name), 1000);
			network.providers.push(worker);
		}
		for index in 0..PROVIDERS.len() {
			network.run(index, None);
		}
		network
	}

	/// A provider's worker (the binary this test builds, with fault injection), with its data
	/// in this network's directory.
	fn provider(&self, name: &str) -> Worker {
		Worker::new(env!("CARGO_BIN_EXE_conun-worker"), self.root.path(), name).with_max_tasks(64)
	}

	/// The node endpoints of `name`'s worker: its own node first, then the requester's to fail
	/// over to. A provider without a node of its own (a scenario's extra) uses provider-3's.
	fn endpoints(&self, name: &str) -> String {
		let own = PROVIDERS
			.iter()
			.find(|(n, _)| *n == name)
			.map_or("provider-3", |(_, node)| node);
		format!("{},{}", self.zombienet.ws_url(own), self.zombienet.ws_url("requester"))
	}

	/// Starts (or restarts) honest provider `index`'s daemon.
	fn run(&mut self, index: usize, fault: Option<&str>) {
		if self.workers.len() <= index {
			self.workers.resize_with(index + 1, || None);
		}
		// The running daemon, if any, is killed first: one daemon per journal.
		self.workers[index] = None;
		let worker = &self.providers[index];
		self.workers[index] = Some(worker.run(&self.endpoints(&worker.name), fault));
	}
}

/// The shared network, started by the first scenario to ask.
fn network() -> SharedGuard<Network> {
	NETWORK.get(Network::start)
}

/// The requester (Alice) on its own node, serving the program and the inputs over libp2p.
struct Requester {
	chain: Chain,
	net: conun_net::NetHandle,
	store: Arc<conun_net::BlobStore>,
	program: Vec<u8>,
	_dir: tempfile::TempDir,
}

impl Requester {
	async fn connect(network: &Network) -> Self {
		let url = network.zombienet.ws_url("requester");
		let chain = wait_for("the requester's node", Duration::from_secs(60), || {
			let url = url.clone();
			async move { Chain::connect(&url, dev::alice()).await.ok() }
		})
		.await;
		let dir = tempfile::tempdir().unwrap();
		let store = Arc::new(conun_net::BlobStore::open(dir.path().join("blobs")).unwrap());
		let program = wat::parse_str(PROGRAM).unwrap();
		store.import_bytes(&program).unwrap();
		let keypair = conun_net::keypair::load_or_create(&dir.path().join("network.key")).unwrap();
		let net = conun_net::start(conun_net::NetConfig {
			listen: vec![format!("/ip4/127.0.0.1/tcp/{}", free_port()).parse().unwrap()],
			..conun_net::NetConfig::new(keypair, store.clone())
		})
		.await
		.unwrap();
		Self { chain, net, store, program, _dir: dir }
	}

	/// `count` distinct inputs, named by `tag` so that two scenarios never share one.
	fn inputs(tag: &str, count: usize) -> Vec<Vec<u8>> {
		(0..count)
			.map(|i| format!("{tag} task {i}: the sum of 1..100 is 5050").into_bytes())
			.collect()
	}

	/// Posts one job of `inputs` with R = 3; returns its id, its budget and the best block
	/// before it was posted.
	async fn post(&self, inputs: &[Vec<u8>]) -> (JobId, Balance, u64) {
		let from = self.chain.best_number().await.unwrap();
		let tasks = inputs
			.iter()
			.map(|input| {
				self.store.import_bytes(input).unwrap();
				TaskInput { hash: content_hash(input), size: input.len() as u64 }
			})
			.collect();
		let program = Program::Wasm {
			hash: content_hash(&self.program),
			size: self.program.len() as u64,
			entry_point: b"_start".to_vec().try_into().unwrap(),
			fuel: FUEL,
		};
		let terms = JobTerms {
			resources: Resources { cores: 1, memory_mib: 64, gpus: 0 },
			replicas: 3,
			price: PRICE,
			min_reputation: 0,
			deadlines: DEADLINES,
		};
		let addrs = self.net.listen_addrs().await.unwrap();
		let contact = conun_net::contact::to_contact(&self.net.peer_id(), &addrs).unwrap();
		let (job, budget) = self
			.chain
			.post_job(program, tasks, terms, contact)
			.await
			.expect("the job is posted");
		(job, budget, from)
	}

	/// The result every honest replica computes for `input`.
	fn expected(&self, input: &[u8]) -> H256 {
		let limits =
			Limits { fuel: FUEL, memory_bytes: 64 << 20, max_output: MAX_OUTPUT_BYTES as usize };
		WasmExecutor::new()
			.run(&self.program, "_start", input, limits)
			.output
			.result_hash()
	}

	/// Waits until every task of `job` has ended (its verdicts final) and returns the job.
	async fn finished(&self, job: JobId) -> Job {
		wait_for(&format!("job {job} to finish"), JOB_TIMEOUT, || async {
			let at = self.chain.at_best().await.ok()?;
			let view = self.chain.job(&at, job).await.ok()??;
			(view.state == JobState::Finished).then_some(view)
		})
		.await
	}

	/// The chain at its last finalized block, once that is at least `number`.
	async fn finalized_at_least(&self, number: u64) -> conun_client::AtBlock {
		let finalized = wait_for("finality", Duration::from_secs(120), || async {
			let n = self.chain.finalized_number().await.ok()?;
			(n >= number).then_some(n)
		})
		.await;
		self.chain.at_number(finalized).await.unwrap().expect("a finalized block")
	}

	/// The accounting at the last finalized block.
	async fn ledger(&self) -> Ledger {
		let at = self.finalized_at_least(0).await;
		let ledger = Ledger::at(&at).await.unwrap();
		assert_eq!(ledger.problems(), Vec::<String>::new(), "at block {}", ledger.block);
		ledger
	}

	/// Checks the accounting now against `before`: nothing wrong at either block, and between
	/// them issuance plus burned moved by exactly the fees.
	async fn check_ledger_since(&self, before: &Ledger) {
		let best = self.chain.best_number().await.unwrap();
		let at = self.finalized_at_least(best).await;
		let after = Ledger::at(&at).await.unwrap();
		assert_eq!(after.problems(), Vec::<String>::new(), "at block {}", after.block);
		let fees = self.chain.fees_between(before.block, after.block, None).await.unwrap();
		assert_eq!(
			after.unaccounted_since(before, fees),
			0,
			"blocks {}..={}: issuance {} -> {}, burned {} -> {}, fees {fees}",
			before.block,
			after.block,
			before.issuance,
			after.issuance,
			before.burned,
			after.burned
		);
		eprintln!(
			"ledger, blocks {}..={}: {} burned by the market, {} of fees; held: {} escrow, {} stake, {} deposits, {} bonds",
			before.block,
			after.block,
			format_con(after.burned - before.burned),
			format_con(fees),
			format_con(after.held.escrow),
			format_con(after.held.stake),
			format_con(after.held.deposit),
			format_con(after.held.bond)
		);
	}

	/// What happened to `job` in the blocks after `from` up to the finalized head.
	async fn events(&self, job: JobId, from: u64) -> Vec<(u64, JobEvent)> {
		let best = self.chain.best_number().await.unwrap();
		let to = self.finalized_at_least(best).await.block_number();
		let mut events = Vec::new();
		for number in from + 1..=to {
			let at = self.chain.at_number(number).await.unwrap().expect("a block");
			for event in self.chain.job_events(&at, job).await.unwrap() {
				events.push((number, event));
			}
		}
		events
	}

	/// Checks that every task of `job` was verified with the result its input gives.
	async fn check_results(&self, job: JobId, inputs: &[Vec<u8>]) {
		let at = self.chain.at_best().await.unwrap();
		let tasks = self.chain.tasks(&at, job).await.unwrap();
		assert_eq!(tasks.len(), inputs.len());
		for (task, input) in tasks.iter().zip(inputs) {
			assert_eq!(
				task.phase,
				TaskPhase::Verified { result: self.expected(input) },
				"task {}",
				task.index
			);
		}
	}

	/// `who`'s standing and stake, once this node knows it registered (a provider that just
	/// registered through another node may not be in this node's best block yet).
	async fn standing(&self, who: &AccountId32) -> (Standing<Balance>, Balance) {
		wait_for("the provider's registration", Duration::from_secs(30), || async {
			let at = self.chain.at_best().await.ok()?;
			let view = self.chain.provider(&at, who).await.ok()??;
			Some((view.standing, view.stake))
		})
		.await
	}

	/// `who`'s free and held CON.
	async fn total_balance(&self, who: &AccountId32) -> Balance {
		let at = self.chain.at_best().await.unwrap();
		let balance = self.chain.balance_of(&at, who).await.unwrap();
		balance.free + balance.reserved
	}
}

fn account(keypair: &Keypair) -> AccountId32 {
	keypair.public_key().to_account_id()
}

fn dev_account(name: &str) -> AccountId32 {
	let uri: subxt_signer::SecretUri = format!("//{name}").parse().unwrap();
	account(&Keypair::from_uri(&uri).unwrap())
}

/// Pauses the provider `keypair` signs for: it gets no new work (a scenario's extra provider,
/// so that the next scenario starts with the honest three only).
async fn pause(network: &Network, keypair: Keypair) {
	let chain = Chain::connect(&network.zombienet.ws_url("requester"), keypair).await.unwrap();
	chain.pause().await.expect("the provider pauses");
}

fn log_of(worker: &Worker) -> String {
	format!("{} log:\n{}", worker.name, worker.log_tail(40))
}

#[tokio::test(flavor = "multi_thread")]
async fn scenario_1_a_hundred_tasks_posted_through_the_requesters_node_are_verified() {
	let network = network();
	let requester = Requester::connect(&network).await;
	let before = requester.ledger().await;
	let inputs = Requester::inputs("scenario 1", 100);
	let started = Instant::now();
	let (job, _, from) = requester.post(&inputs).await;
	let view = requester.finished(job).await;
	let elapsed = started.elapsed();
	assert_eq!((view.verified, view.failed), (100, 0));
	requester.check_results(job, &inputs).await;
	let finished_at = requester.chain.best_number().await.unwrap();
	eprintln!(
		"scenario 1: 100 tasks (R = 3) verified and final in {:.1} s, {} blocks",
		elapsed.as_secs_f64(),
		finished_at - from
	);

	// Each worker read the chain through its own node only: it never connected to another.
	let requester_url = network.zombienet.ws_url("requester");
	for (worker, (_, node)) in network.providers.iter().zip(PROVIDERS) {
		let log = worker.log();
		let own = network.zombienet.ws_url(node);
		assert!(log.contains(&format!("connected node={own}")), "{}", log_of(worker));
		assert!(!log.contains(&format!("connected node={requester_url}")), "{}", log_of(worker));
	}
	requester.check_ledger_since(&before).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn scenario_2_a_worker_killed_mid_task_is_replaced_and_the_refund_is_exact() {
	let network = network();
	let requester = Requester::connect(&network).await;
	let before = requester.ledger().await;
	let alice = account(&dev::alice());
	let paid_before = requester.total_balance(&alice).await;

	// Ferdie, a fourth provider, crashes once it has run a task, before committing it, and is
	// never started again.
	let ferdie = network.provider("Ferdie");
	ferdie.register(&network.endpoints("Ferdie"), 1000);
	let ferdie_account = dev_account("Ferdie");
	let (_, ferdie_stake) = requester.standing(&ferdie_account).await;
	let mut crashing = ferdie.run(&network.endpoints("Ferdie"), Some("crash-after-execute"));
	let inputs = Requester::inputs("scenario 2", 8);
	let (job, budget, from) = requester.post(&inputs).await;
	let status = wait_for("Ferdie to crash mid-task", Duration::from_secs(180), || {
		let status = crashing.try_wait().unwrap();
		async move { status }
	})
	.await;
	assert!(!status.success() && ferdie.log().contains("fault injection: crashing"));
	// Paused, it is drawn for no replacement either: left active, it would be, and miss each
	// one too, a commit deadline apiece, which would only make this scenario longer.
	pause(&network, dev::ferdie()).await;

	let view = requester.finished(job).await;
	assert_eq!((view.verified, view.failed), (8, 0), "the requester loses no task");
	requester.check_results(job, &inputs).await;

	// Each replica Ferdie held was missed and given to another provider.
	let at = requester.chain.at_best().await.unwrap();
	let mut reassigned = Vec::new();
	for task in requester.chain.tasks(&at, job).await.unwrap() {
		let Some(missed) = task.replicas.iter().find(|r| r.provider == ferdie_account) else {
			continue;
		};
		assert_eq!(missed.progress, ReplicaProgress::Missed, "task {}", task.index);
		let replacement = task
			.replicas
			.iter()
			.filter(|r| r.provider != ferdie_account)
			.map(|r| r.assigned_at)
			.max()
			.expect("replaced");
		reassigned.push(replacement - missed.assigned_at);
	}
	assert!(!reassigned.is_empty(), "Ferdie was drawn for none of the 8 tasks");
	let (standing, stake) = requester.standing(&ferdie_account).await;
	assert_eq!(standing.missed as usize, reassigned.len(), "{standing:?}");
	assert!(standing.slashed > 0 && stake == ferdie_stake - standing.slashed, "{standing:?}");
	assert!(standing.reputation < 500, "the no-show loses reputation: {standing:?}");
	eprintln!(
		"scenario 2: {} replicas of a crashed worker reassigned {:?} blocks after their assignment (3 s each)",
		reassigned.len(),
		reassigned
	);

	// The escrow went to the replicas that did the work; the rest came back, to the unit.
	let events = requester.events(job, from).await;
	let paid: Balance = events
		.iter()
		.filter_map(|(_, e)| match e {
			JobEvent::Paid { amount, .. } => Some(*amount),
			_ => None,
		})
		.sum();
	let refunded: Balance = events
		.iter()
		.filter_map(|(_, e)| match e {
			JobEvent::Finished { refunded, .. } => Some(*refunded),
			_ => None,
		})
		.sum();
	assert_eq!(paid + refunded, budget, "paid {paid} and refunded {refunded} of {budget}");
	assert_eq!(view.escrow, 0);
	let last = requester.chain.best_number().await.unwrap();
	let fees = requester.chain.fees_between(from, last, Some(&alice)).await.unwrap();
	assert_eq!(
		paid_before - requester.total_balance(&alice).await,
		paid + fees,
		"the requester spent what the replicas were paid, and the fees"
	);

	requester.check_ledger_since(&before).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn scenario_3_a_worker_killed_between_commit_and_reveal_reveals_once_restarted() {
	let mut network = network();
	let requester = Requester::connect(&network).await;
	let before = requester.ledger().await;
	let dave = dev_account("Dave");
	let (dave_before, _) = requester.standing(&dave).await;
	network.run(2, Some("crash-after-commit"));
	let (job, _, _) = requester.post(&Requester::inputs("scenario 3", 1)).await;
	let status = wait_for("Dave to crash after committing", Duration::from_secs(180), || {
		let status = network.workers[2].as_mut().unwrap().try_wait().unwrap();
		async move { status }
	})
	.await;
	assert!(!status.success(), "{}", log_of(&network.providers[2]));
	network.run(2, None);

	let view = requester.finished(job).await;
	assert_eq!(view.verified, 1);
	let (dave_after, _) = requester.standing(&dave).await;
	assert_eq!(dave_after.verified, dave_before.verified + 1, "{}", log_of(&network.providers[2]));
	assert_eq!(dave_after.earned, dave_before.earned + PRICE, "Dave is paid");
	assert_eq!(dave_after.missed, dave_before.missed, "Dave missed no deadline");
	requester.check_ledger_since(&before).await;
}

/// Polls the node at `url` until its best and finalized blocks are both `blocks` beyond where
/// they were; returns how long that took.
async fn blocks_and_finality_advance(url: &str, blocks: u64) -> Duration {
	let chain = Chain::connect_read_only(url).await.unwrap();
	let (best, finalized) =
		(chain.best_number().await.unwrap(), chain.finalized_number().await.unwrap());
	let started = Instant::now();
	wait_for("blocks and finality to advance", Duration::from_secs(180), || async {
		let b = chain.best_number().await.ok()?;
		let f = chain.finalized_number().await.ok()?;
		(b >= best + blocks && f >= finalized + blocks).then_some(())
	})
	.await;
	started.elapsed()
}

#[tokio::test(flavor = "multi_thread")]
async fn scenario_4_one_validator_of_four_lost_blocks_and_finality_go_on_and_it_catches_up() {
	let mut network = network();
	let requester = Requester::connect(&network).await;
	let before = requester.ledger().await;
	let alice = network.zombienet.ws_url("alice");

	network.zombienet.kill("dave");
	let lost = Instant::now();
	let five_finalized = blocks_and_finality_advance(&alice, 5).await;
	eprintln!(
		"scenario 4: with Dave down, 5 more blocks built and finalized in {:.1} s",
		five_finalized.as_secs_f64()
	);
	// Let the others go on a while longer without him, then bring him back on his database.
	tokio::time::sleep(Duration::from_secs(15)).await;
	let down_for = lost.elapsed();
	let target = Chain::connect_read_only(&alice)
		.await
		.unwrap()
		.finalized_number()
		.await
		.unwrap();
	let serving = network.zombienet.restart("dave");
	let restarted = Instant::now();
	let dave = Chain::connect_read_only(&network.zombienet.ws_url("dave")).await.unwrap();
	let first = dave.best_number().await.unwrap();
	assert!(first > 0, "Dave restarted on his own database, not from genesis");
	wait_for("Dave to catch up", Duration::from_secs(180), || async {
		(dave.finalized_number().await.ok()? >= target).then_some(())
	})
	.await;
	let caught_up = restarted.elapsed();
	eprintln!(
		"scenario 4: Dave down {:.0} s; restarted and serving RPC in {:.1} s at block {first}; \
		 finalized the others' block {target} {:.1} s after",
		down_for.as_secs_f64(),
		serving.as_secs_f64(),
		caught_up.as_secs_f64()
	);
	// Dave votes again: the four finalize together.
	blocks_and_finality_advance(&network.zombienet.ws_url("dave"), 3).await;
	requester.check_ledger_since(&before).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn scenario_5_a_providers_node_lost_its_worker_fails_over_and_misses_no_deadline() {
	let mut network = network();
	let requester = Requester::connect(&network).await;
	let before = requester.ledger().await;
	let bob = dev_account("Bob");
	let (bob_before, _) = requester.standing(&bob).await;
	let inputs = Requester::inputs("scenario 5", 30);
	let (job, _, _) = requester.post(&inputs).await;
	wait_for("Bob's first assignment", Duration::from_secs(60), || async {
		let at = requester.chain.at_best().await.ok()?;
		let tasks = requester.chain.tasks(&at, job).await.ok()?;
		tasks.iter().any(|t| t.replicas.iter().any(|r| r.provider == bob)).then_some(())
	})
	.await;

	network.zombienet.kill("provider-1");
	let lost = Instant::now();
	let requester_url = network.zombienet.ws_url("requester");
	let failover = wait_for("Bob's worker to fail over", Duration::from_secs(60), || {
		let switched =
			network.providers[0].log().contains(&format!("connected node={requester_url}"));
		async move { switched.then(|| lost.elapsed()) }
	})
	.await;
	eprintln!(
		"scenario 5: Bob's worker failed over to another node in {:.1} s",
		failover.as_secs_f64()
	);

	let view = requester.finished(job).await;
	assert_eq!((view.verified, view.failed), (30, 0));
	requester.check_results(job, &inputs).await;
	let (bob_after, _) = requester.standing(&bob).await;
	assert_eq!(bob_after.missed, bob_before.missed, "{}", log_of(&network.providers[0]));
	assert!(bob_after.verified > bob_before.verified, "Bob kept working");

	// Back to how the network was: provider-1 up again, Bob's worker on it.
	network.zombienet.restart("provider-1");
	network.run(0, None);
	requester.check_ledger_since(&before).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn scenario_6_a_lying_worker_is_outvoted_slashed_and_gets_no_more_work() {
	let network = network();
	let requester = Requester::connect(&network).await;
	let before = requester.ledger().await;
	let eve = network.provider("Eve");
	eve.register(&network.endpoints("Eve"), 1000);
	let eve_account = dev_account("Eve");
	let (_, eve_stake) = requester.standing(&eve_account).await;
	let _liar = eve.run(&network.endpoints("Eve"), Some("lie"));

	let inputs = Requester::inputs("scenario 6", 12);
	let (job, _, _) = requester.post(&inputs).await;
	let view = requester.finished(job).await;
	assert_eq!((view.verified, view.failed), (12, 0), "the honest majority wins every task");
	requester.check_results(job, &inputs).await;
	let (liar, stake) = requester.standing(&eve_account).await;
	assert!(liar.disagreed >= 4, "Eve was outvoted on each task she had: {liar:?}");
	assert_eq!((liar.verified, liar.earned), (0, 0), "{liar:?}");
	assert!(liar.slashed > 0 && stake == eve_stake - liar.slashed, "{liar:?}");
	assert!(liar.reputation < 100, "below the market's threshold: {liar:?}\n{}", log_of(&eve));

	// The next job goes to the honest three only.
	let (next, _, _) = requester.post(&Requester::inputs("scenario 6, after", 6)).await;
	requester.finished(next).await;
	let at = requester.chain.at_best().await.unwrap();
	for task in requester.chain.tasks(&at, next).await.unwrap() {
		assert!(
			task.replicas.iter().all(|r| r.provider != eve_account),
			"task {} went to the liar",
			task.index
		);
	}
	eprintln!(
		"scenario 6: the liar was outvoted {} times, slashed {} of {} staked, reputation {}",
		liar.disagreed,
		format_con(liar.slashed),
		format_con(eve_stake),
		liar.reputation
	);
	requester.check_ledger_since(&before).await;
}
