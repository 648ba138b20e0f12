//! The worker against a real chain: `conun-node --dev`, three `conun-worker` processes and a
//! requester serving a wasm program and its input over libp2p. A job with R = 3 goes through
//! assignment, commit, reveal and payment, while one worker is killed between its commit and
//! its reveal, restarts, and still reveals; a worker that lies is outvoted and slashed; two
//! colluders are overruled by the chain's referee when the honest replica challenges; three
//! colluders are caught by the requester's spot check; a docker verdict two colluders won
//! is overturned by a fresh committee of seven; and workers whose node restarts
//! reconnect and carry on.
//!
//! Needs the release node (`cargo build --release -p conun-node`, which `scripts/test.sh` does)
//! and the `fault-injection` feature for the crash:
//! `cargo test --release -p conun-worker --features fault-injection --test e2e`.
#![cfg(feature = "fault-injection")]

use conun_primitives::{
	content_hash, Deadlines, FailReason, JobTerms, Program, Resources, Standing, TaskInput,
	TaskOutput, TaskPhase, MAX_OUTPUT_BYTES,
};
use conun_sandbox::{Limits, WasmExecutor};
use conun_testkit::{free_port, wait_for, Node, NodeConfig, Process, Worker};
use conun_worker::chain::{
	runtime::conun::{self, runtime_types::bounded_collections::bounded_vec::BoundedVec},
	Chain,
};
use std::{path::Path, time::Duration};
use subxt::utils::{AccountId32, Static, H256};
use subxt_signer::{sr25519::dev, SecretUri};

/// One provider's worker: the binary this test builds (with fault injection), the dev account
/// `//NAME`, its data directory in `root`, its metrics on a port of its own, wasm only, up to
/// four tasks at once.
fn new_provider(root: &Path, name: &str) -> Worker {
	Worker::new(env!("CARGO_BIN_EXE_conun-worker"), root, name)
		.with_metrics()
		.with_max_tasks(4)
}

/// The account of a secret URI such as `//Bob`.
fn account_of(key: &str) -> AccountId32 {
	let uri: SecretUri = key.parse().unwrap();
	subxt_signer::sr25519::Keypair::from_uri(&uri)
		.unwrap()
		.public_key()
		.to_account_id()
}

/// A provider's account.
trait Account {
	fn account(&self) -> AccountId32;
}

impl Account for Worker {
	fn account(&self) -> AccountId32 {
		account_of(&self.key)
	}
}

/// Copies its input to stdout, prefixed with "verified: ": a real WASI program.
const PROGRAM: &str = include_str!("fixtures/verified_echo.wat");

/// A dev chain with a requester that serves one wasm program and its input over libp2p.
/// Its node goes first when it is dropped, its directory last.
struct Market {
	node: Node,
	url: String,
	requester: Chain,
	store: std::sync::Arc<conun_net::BlobStore>,
	net: conun_net::NetHandle,
	program: Vec<u8>,
	input: Vec<u8>,
	root: tempfile::TempDir,
}

const FUEL: u64 = 1_000_000;
const PRICE: u128 = 1_000_000_000_000;

impl Market {
	async fn start() -> Self {
		let root = tempfile::tempdir().unwrap();
		// `conun-node --dev` keeping its chain in `root/chain`, so that it can be restarted.
		let node = NodeConfig::dev(root.path()).base_path(root.path().join("chain")).start();
		let url = node.ws_url();
		let requester = wait_for("the node", Duration::from_secs(60), || {
			let url = url.clone();
			async move { Chain::connect(&url, dev::alice()).await.ok() }
		})
		.await;
		let program = wat::parse_str(PROGRAM).unwrap();
		let input = b"the sum of 1..100 is 5050".to_vec();
		let store =
			std::sync::Arc::new(conun_net::BlobStore::open(root.path().join("requester")).unwrap());
		assert_eq!(store.import_bytes(&program).unwrap(), content_hash(&program));
		assert_eq!(store.import_bytes(&input).unwrap(), content_hash(&input));
		let keypair =
			conun_net::keypair::load_or_create(&root.path().join("requester.key")).unwrap();
		let net = conun_net::start(conun_net::NetConfig {
			listen: vec![format!("/ip4/127.0.0.1/tcp/{}", free_port()).parse().unwrap()],
			..conun_net::NetConfig::new(keypair, store.clone())
		})
		.await
		.unwrap();
		Self { node, url, requester, store, net, program, input, root }
	}

	/// Stops the node and starts it again on the same chain and port.
	async fn restart_node(&mut self) {
		self.node.restart();
		self.requester = wait_for("the node to come back", Duration::from_secs(60), || {
			let url = self.url.clone();
			async move { Chain::connect(&url, dev::alice()).await.ok() }
		})
		.await;
	}

	/// Registers providers with these dev names.
	fn providers(&self, names: &[&'static str]) -> Vec<Worker> {
		self.providers_with(names, "wasm")
	}

	/// Registers providers with these names (dev accounts, or new ones Alice funds first)
	/// offering `runtimes`.
	fn providers_with(&self, names: &[&'static str], runtimes: &'static str) -> Vec<Worker> {
		let providers: Vec<Worker> = names
			.iter()
			.map(|name| new_provider(self.root.path(), name).with_runtimes(runtimes))
			.collect();
		for provider in &providers {
			provider.register(&self.url, 1000);
		}
		providers
	}

	/// Gives `names`' accounts CON from Alice, enough to stake and pay fees.
	async fn fund(&self, names: &[&'static str]) {
		for name in names {
			let account = account_of(&format!("//{name}"));
			self.requester
				.transfer(&account, 2_000 * 1_000_000_000_000)
				.await
				.expect("Alice pays");
		}
	}

	/// Posts a docker job of one task with R = 3 (job 0): the probe image, run in `echo` mode.
	async fn post_docker_job(&self, tarball: &[u8]) {
		assert_eq!(self.store.import_bytes(tarball).unwrap(), content_hash(tarball));
		let docker = Program::Docker {
			hash: content_hash(tarball),
			size: tarball.len() as u64,
			command: b"/probe".to_vec().try_into().unwrap(),
			args: vec![b"echo".to_vec().try_into().unwrap()].try_into().unwrap(),
		};
		self.post(docker).await;
	}

	/// The sum program, as a job's program.
	fn wasm(&self) -> Program {
		Program::Wasm {
			hash: content_hash(&self.program),
			size: self.program.len() as u64,
			entry_point: b"_start".to_vec().try_into().unwrap(),
			fuel: FUEL,
		}
	}

	/// Posts a job of one task with R = 3 (job 0).
	async fn post_job(&self) {
		self.post(self.wasm()).await;
	}

	/// Posts `program` as a job of one task (the input) with R = 3.
	async fn post(&self, program: Program) {
		let input = TaskInput { hash: content_hash(&self.input), size: self.input.len() as u64 };
		self.post_with(program, input).await;
	}

	/// Posts `program` as a job of one task, `input`, with R = 3.
	async fn post_with(&self, program: Program, input: TaskInput) {
		let terms = JobTerms {
			resources: Resources { cores: 1, memory_mib: 64, gpus: 0 },
			replicas: 3,
			price: PRICE,
			min_reputation: 0,
			deadlines: Deadlines { execution: 10, commit: 10, reveal: 20 },
		};
		let contact = conun_net::contact::to_contact(
			&self.net.peer_id(),
			&self.net.listen_addrs().await.unwrap(),
		)
		.unwrap();
		let post = conun::tx().market().post_job(
			Static(program),
			BoundedVec(vec![Static(input)]),
			Static(terms),
			Static(contact),
		);
		self.requester.submit_and_wait(&post).await.expect("the job is posted");
	}

	/// What every honest replica computes.
	fn expected(&self) -> TaskOutput {
		let limits =
			Limits { fuel: FUEL, memory_bytes: 64 << 20, max_output: MAX_OUTPUT_BYTES as usize };
		WasmExecutor::new().run(&self.program, "_start", &self.input, limits).output
	}

	/// Waits for the verdict on task 0 of job 0 and returns the verified result. Prints how many
	/// blocks after its assignment the verdict came.
	async fn verdict(&self) -> H256 {
		wait_for("the task's verdict", Duration::from_secs(120), || async {
			let at = self.requester.at_best().await.ok()?;
			let task = at
				.storage()
				.try_fetch(conun::storage().market().tasks(), (0u64, 0u32))
				.await
				.ok()??;
			let task = task.decode().ok()?;
			match task.phase.0 {
				TaskPhase::Verified { result } => {
					let assigned =
						task.replicas.0.iter().map(|r| r.assigned_at).min().unwrap_or_default();
					eprintln!(
						"assigned in block {assigned}, verified by block {}: {} blocks",
						at.block_number(),
						at.block_number() - u64::from(assigned)
					);
					Some(result)
				},
				TaskPhase::Failed { reason } => panic!("the task failed: {reason:?}"),
				_ => None,
			}
		})
		.await
	}

	async fn standing(&self, provider: &Worker) -> (Standing<u128>, u128) {
		let at = self.requester.at_best().await.unwrap();
		let view = self
			.requester
			.provider(&at, &provider.account())
			.await
			.unwrap()
			.expect("registered");
		(view.standing, view.stake)
	}
}

#[tokio::test(flavor = "multi_thread")]
async fn three_workers_verify_a_job_and_one_killed_after_committing_still_reveals() {
	let market = Market::start().await;
	let providers = market.providers(&["Bob", "Charlie", "Dave"]);
	let _bob = providers[0].run(&market.url, None);
	let _charlie = providers[1].run(&market.url, None);
	let mut dave = providers[2].run(&market.url, Some("crash-after-commit"));
	market.post_job().await;

	// Dave commits, then crashes before revealing; restarted, it reveals from its journal.
	let crashed = wait_for("Dave to crash after committing", Duration::from_secs(120), || {
		let status = dave.try_wait().unwrap();
		async move { status }
	})
	.await;
	assert!(!crashed.success(), "the fault aborts the process");
	// Bob has run the task and committed, but the task is open: its receipt, which names the
	// result, is refused to whoever asks (a co-replica could commit that hash as its own).
	let bob_account = providers[0].account();
	wait_for("Bob's commitment", Duration::from_secs(60), || async {
		let at = market.requester.at_best().await.ok()?;
		let task = market.requester.task(&at, 0, 0).await.ok()??;
		let bob = task.replicas.iter().find(|r| r.provider == bob_account)?;
		(bob.progress != conun_worker::chain::market::ReplicaProgress::Assigned).then_some(())
	})
	.await;
	let at = market.requester.at_best().await.unwrap();
	let contacts = conun::storage().market().provider_contacts();
	let contact = at
		.storage()
		.try_fetch(contacts, (providers[0].account(),))
		.await
		.unwrap()
		.unwrap();
	let bob = conun_net::contact::from_contact(&contact.decode().unwrap().0).unwrap();
	market.net.add_peer(bob.0, bob.1.clone()).await.unwrap();
	let early = market
		.net
		.request(bob.0, conun_net::protocol::Request::Receipt { job: 0, task: 0 })
		.await;
	assert!(matches!(early, Ok(conun_net::protocol::Response::NotFound)), "{early:?}");
	assert!(providers[2].log().contains("fault injection: crashing"), "{}", providers[2].log());
	drop(dave);
	let _dave = providers[2].run(&market.url, None);

	let expected = market.expected();
	assert_eq!(expected.stdout, b"verified: the sum of 1..100 is 5050");
	let verified = market.verdict().await;
	assert_eq!(
		verified,
		expected.result_hash(),
		"the chain verified the result every replica computed"
	);

	// Every replica, the restarted one included, is paid for its verified result.
	for provider in &providers {
		let (standing, _) = market.standing(provider).await;
		assert_eq!(standing.verified, 1, "{} was not paid:\n{}", provider.name, provider.log());
		assert_eq!(standing.earned, PRICE);
		assert_eq!((standing.disagreed, standing.missed), (0, 0));
	}

	// The result is served: the requester fetches it from a worker and checks it.
	let result_size = codec::Encode::encoded_size(&expected) as u64;
	market
		.net
		.fetch(verified, result_size, vec![bob.clone()])
		.await
		.expect("the result is served");
	let blob = market.store.read(verified).unwrap();
	assert_eq!(<TaskOutput as codec::Decode>::decode(&mut &blob[..]).unwrap(), expected);

	// A requester can ask a worker for the task's receipt, then fetch its logs by their hash:
	// once the worker has forgotten the task, at a finalized block after the verdict.
	let bytes = wait_for("Bob's receipt", Duration::from_secs(60), || async {
		match market
			.net
			.request(bob.0, conun_net::protocol::Request::Receipt { job: 0, task: 0 })
			.await
		{
			Ok(conun_net::protocol::Response::Receipt(bytes)) => Some(bytes),
			_ => None,
		}
	})
	.await;
	let receipt =
		<conun_worker::journal::Receipt as codec::Decode>::decode(&mut &bytes[..]).unwrap();
	assert_eq!((receipt.result, receipt.status), (verified, expected.status));
	assert!(
		receipt.work > 0 && receipt.bytes_in == (market.program.len() + market.input.len()) as u64
	);
	market
		.net
		.fetch(receipt.logs, 1 << 20, vec![bob])
		.await
		.expect("the logs are served");
	assert_eq!(market.store.read(receipt.logs).unwrap(), b"", "this program logs nothing");

	// And the workers report it.
	let page = providers[0].metrics();
	assert!(
		page.contains(r#"conun_worker_tasks_total{outcome="success",phase="executed"} 1"#),
		"{page}"
	);
	assert!(page.contains("conun_worker_execution_seconds_bucket"), "{page}");
	assert!(
		page.contains(
			r#"conun_worker_transactions_total{call="commit_results",outcome="in_block"} 1"#
		),
		"{page}"
	);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_requester_who_never_serves_its_input_costs_the_providers_nothing() {
	let market = Market::start().await;
	let providers = market.providers(&["Eve", "Ferdie", "Charlie"]);
	let _workers: Vec<Process> = providers.iter().map(|p| p.run(&market.url, None)).collect();
	let mut before = Vec::new();
	for provider in &providers {
		before.push(market.standing(provider).await.1);
	}
	// The requester holds the program but never had this input: nobody can fetch it.
	let missing = b"an input nobody serves".to_vec();
	market
		.post_with(
			market.wasm(),
			TaskInput { hash: content_hash(&missing), size: missing.len() as u64 },
		)
		.await;

	let reason = wait_for("the task to fail", Duration::from_secs(180), || async {
		let at = market.requester.at_best().await.ok()?;
		let task = at
			.storage()
			.try_fetch(conun::storage().market().tasks(), (0u64, 0u32))
			.await
			.ok()??;
		match task.decode().ok()?.phase.0 {
			TaskPhase::Failed { reason } => Some(reason),
			TaskPhase::Verified { .. } => panic!("a task without its input was verified"),
			_ => None,
		}
	})
	.await;
	assert_eq!(reason, FailReason::Unavailable);
	for (provider, stake_before) in providers.iter().zip(before) {
		let (standing, stake) = market.standing(provider).await;
		assert_eq!((stake, standing.slashed), (stake_before, 0), "{}", provider.log());
	}
	let reported = providers
		.iter()
		.filter(|p| p.log().contains("reporting them unavailable"))
		.count();
	assert!(reported >= 2, "a majority reported the input unavailable");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_worker_that_lies_is_outvoted_and_slashed() {
	let market = Market::start().await;
	let providers = market.providers(&["Eve", "Ferdie", "Charlie"]);
	let _eve = providers[0].run(&market.url, Some("lie"));
	let _ferdie = providers[1].run(&market.url, None);
	let _charlie = providers[2].run(&market.url, None);
	let (_, stake_before) = market.standing(&providers[0]).await;
	market.post_job().await;

	assert_eq!(market.verdict().await, market.expected().result_hash(), "the honest majority wins");
	let (liar, stake_after) = market.standing(&providers[0]).await;
	assert_eq!((liar.verified, liar.disagreed, liar.earned), (0, 1, 0), "{}", providers[0].log());
	assert!(liar.slashed > 0 && stake_after == stake_before - liar.slashed, "{liar:?}");
	for honest in &providers[1..] {
		let (standing, _) = market.standing(honest).await;
		assert_eq!((standing.verified, standing.disagreed), (1, 0), "{}", honest.log());
		// The liar's slash is burned, not paid to the majority.
		assert_eq!(standing.earned, PRICE, "{standing:?}");
	}
}

#[tokio::test(flavor = "multi_thread")]
async fn two_colluders_are_overruled_by_the_chain_and_the_honest_worker_is_paid() {
	let market = Market::start().await;
	// With R = 3 and three providers, the two colluders out-vote the honest one on every task.
	let providers = market.providers(&["Eve", "Ferdie", "Charlie"]);
	let _eve = providers[0].run(&market.url, Some("collude"));
	let _ferdie = providers[1].run(&market.url, Some("collude"));
	let _charlie = providers[2].run(&market.url, None);
	let mut stakes = Vec::new();
	for provider in &providers {
		stakes.push(market.standing(provider).await.1);
	}
	market.post_job().await;

	// The colluders' result wins the vote; Charlie challenges it with the program and input it
	// holds, and the chain's own run of the task decides.
	assert_eq!(
		market.verdict().await,
		market.expected().result_hash(),
		"the chain's run decides, not the vote"
	);
	assert!(providers[2].log().contains("challenging it"), "{}", providers[2].log());
	let (honest, stake) = market.standing(&providers[2]).await;
	assert_eq!((honest.verified, honest.earned), (1, PRICE), "{}", providers[2].log());
	assert!(stake >= stakes[2], "the honest provider is whole");
	for (colluder, before) in providers[..2].iter().zip(&stakes) {
		let (standing, stake) = market.standing(colluder).await;
		assert_eq!(
			(standing.verified, standing.reputation),
			(0, 0),
			"out of the market: {standing:?}"
		);
		assert!(stake <= before / 2 + 1, "slashed: {stake} of {before}");
	}
}

#[tokio::test(flavor = "multi_thread")]
async fn workers_carry_on_after_their_node_restarts() {
	let mut market = Market::start().await;
	let providers = market.providers(&["Bob", "Charlie", "Dave"]);
	let _workers: Vec<Process> = providers.iter().map(|p| p.run(&market.url, None)).collect();
	wait_for("the workers to follow the chain", Duration::from_secs(60), || {
		let started = providers.iter().all(|p| p.log().contains("worker running"));
		async move { started.then_some(()) }
	})
	.await;
	market.restart_node().await;
	market.post_job().await;
	assert_eq!(market.verdict().await, market.expected().result_hash());
	for provider in &providers {
		assert!(provider.log().contains("reconnecting"), "{}", provider.log());
		assert_eq!(market.standing(provider).await.0.verified, 1, "{}", provider.log());
	}
}

#[tokio::test(flavor = "multi_thread")]
async fn when_every_replica_colludes_the_requesters_spot_check_catches_it() {
	let market = Market::start().await;
	let providers = market.providers(&["Eve", "Ferdie", "Charlie"]);
	let _workers: Vec<Process> =
		providers.iter().map(|p| p.run(&market.url, Some("collude"))).collect();
	let mut stakes = Vec::new();
	for provider in &providers {
		stakes.push(market.standing(provider).await.1);
	}
	market.post_job().await;

	// Every replica revealed the same fake result, so none disputes the verdict: only the
	// requester can, and a spot check is how it finds out.
	let tasks = wait_for("the verdict, open to challenge", Duration::from_secs(120), || async {
		let at = market.requester.at_best().await.ok()?;
		let tasks = market.requester.tasks(&at, 0).await.ok()?;
		matches!(tasks.first()?.phase, TaskPhase::Provisional { .. }).then_some(tasks)
	})
	.await;
	assert_ne!(
		tasks[0].phase.result(),
		Some(market.expected().result_hash()),
		"the colluders' result won the vote"
	);
	let report = conun_cli::spot_check::spot_check(&market.requester, &market.net, 0, &tasks, 1)
		.await
		.unwrap();
	assert_eq!((report.agreed.len(), report.challenged.clone()), (0, vec![0]), "{report:?}");

	// No replica revealed what the chain computed: nobody holds the right output, so the task
	// fails and is refunded, and each colluder loses half its stake and all its reputation.
	let at = market.requester.at_best().await.unwrap();
	let task = market.requester.task(&at, 0, 0).await.unwrap().unwrap();
	assert_eq!(task.phase, TaskPhase::Failed { reason: FailReason::OverruledByReferee });
	for (colluder, before) in providers.iter().zip(&stakes) {
		let (standing, stake) = market.standing(colluder).await;
		assert_eq!(
			(standing.verified, standing.reputation),
			(0, 0),
			"out of the market: {standing:?}"
		);
		assert!(stake <= before / 2 + 1, "slashed: {stake} of {before}");
	}
	let job = market.requester.job(&at, 0).await.unwrap().unwrap();
	assert_eq!((job.failed, job.verified), (1, 0));
}

#[path = "../../sandbox/tests/fixtures/probe_image.rs"]
mod probe_image;

#[tokio::test(flavor = "multi_thread")]
async fn a_docker_verdict_two_colluders_won_is_overturned_by_a_fresh_committee() {
	let market = Market::start().await;
	let image_dir = tempfile::tempdir().unwrap();
	let tarball = probe_image::build("conun-probe:e2e", image_dir.path());
	// The first round is exactly these three: the committee's providers register only once
	// the task's replicas are drawn.
	let first = market.providers_with(&["Eve", "Ferdie", "Charlie"], "wasm,docker");
	let _eve = first[0].run(&market.url, Some("collude"));
	let _ferdie = first[1].run(&market.url, Some("collude"));
	let _charlie = first[2].run(&market.url, None);
	let mut stakes = Vec::new();
	for provider in &first {
		stakes.push(market.standing(provider).await.1);
	}
	market.post_docker_job(&tarball).await;
	wait_for("the first round's replicas", Duration::from_secs(60), || async {
		let at = market.requester.at_best().await.ok()?;
		let task = market.requester.task(&at, 0, 0).await.ok()??;
		(task.replicas.len() == 3).then_some(())
	})
	.await;
	const COMMITTEE: [&str; 7] =
		["Member1", "Member2", "Member3", "Member4", "Member5", "Member6", "Member7"];
	market.fund(&COMMITTEE).await;
	let committee = market.providers_with(&COMMITTEE, "wasm,docker");
	let _members: Vec<Process> = committee.iter().map(|p| p.run(&market.url, None)).collect();

	// The colluders' result wins the vote; Charlie cannot hand a docker task to the chain, so
	// it escalates, and seven providers who never ran the task decide it.
	let verdict = market.verdict().await;
	let log = first[2].log();
	assert!(log.contains("escalated: a fresh committee decides the task"), "{log}");
	let at = market.requester.at_best().await.unwrap();
	let task = market.requester.task(&at, 0, 0).await.unwrap().unwrap();
	let charlie = first[2].account();
	let charlies = task.replicas.iter().find(|r| r.provider == charlie).expect("Charlie ran it");
	assert_eq!(
		charlies.progress,
		conun_worker::chain::market::ReplicaProgress::Superseded(verdict),
		"the committee sided with Charlie"
	);
	let (honest, stake) = market.standing(&first[2]).await;
	assert_eq!((honest.verified, honest.earned), (1, PRICE), "{log}");
	assert!(stake >= stakes[2], "the honest provider is whole");
	for (colluder, before) in first[..2].iter().zip(&stakes) {
		let (standing, stake) = market.standing(colluder).await;
		assert_eq!(
			(standing.verified, standing.reputation),
			(0, 0),
			"out of the market: {standing:?}"
		);
		assert!(stake <= before / 2 + 1, "slashed: {stake} of {before}");
	}
	let mut paid = 0;
	for member in &committee {
		paid += usize::from(market.standing(member).await.0.earned == PRICE);
	}
	assert!(paid >= 4, "the committee's majority is paid: {paid} of 7");
}
