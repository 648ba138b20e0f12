//! The requester's side end to end: `conun-node --dev`, three providers running `conun-worker`
//! (wasm and docker), and the `conun` binary as a user runs it.
//!
//! - the three examples (sum-range, mandelbrot, wordfreq) go through CLI, chain and workers with
//!   R = 3 and come back verified and reduced: the sum equals n(n+1)/2, the image is a
//!   2048×2048 PNG, the word counts equal a local run of the same program;
//! - a job nobody can take is explained by `job check` (exit code 2, with the fix) and refused
//!   by the chain (`ResourcesUnavailable`); one that waits for a reputation nobody has yet is
//!   explained by the chain (`TaskUnassignable`, shown by `job status`), then cancelled;
//! - a broken manifest is refused with the line at fault, before anything is posted.
//!
//! The three examples are one test each (`example_*`), on one market they share and take turns
//! with ([`conun_testkit::Shared`]), so that one failing does not hide the others; every other
//! test starts its own chain and workers. The sum-range benchmark's baseline is a test of its
//! own (see [`sum_range_bench`]).
//!
//! Needs the release binaries (`scripts/setup.sh` builds them), the example artefacts
//! (`scripts/build-examples.sh`) and a Docker engine. Run with `--test-threads=1`: a market is a
//! chain and three to five workers, and the timings printed mean something only on an otherwise
//! idle machine. `scripts/test.sh` runs it as
//! `cargo test --release -p conun-cli --features e2e --test e2e -- --test-threads=1 --nocapture`.
#![cfg(feature = "e2e")]

use conun_client::{market::JobEvent, Chain};
use conun_primitives::Unassignable;
use conun_testkit::{free_port, repo_root, Node, Process, Shared, SharedGuard, Worker};
use std::{
	collections::BTreeMap,
	path::{Path, PathBuf},
	process::{Command, Output},
	sync::{Mutex, PoisonError},
	time::{Duration, Instant},
};

fn example(path: &str) -> PathBuf {
	let path = repo_root().join("examples").join(path);
	assert!(path.exists(), "{} is missing: run scripts/build-examples.sh", path.display());
	path
}

fn text(output: &Output) -> String {
	format!(
		"{}{}",
		String::from_utf8_lossy(&output.stdout),
		String::from_utf8_lossy(&output.stderr)
	)
}

/// A dev chain and providers (Bob, Charlie, Dave unless told otherwise), each a `conun-worker`
/// with its own key, data directory and ports; Alice is the requester. Its processes go first
/// when it is dropped, its directory last.
struct Market {
	_running: Vec<Process>,
	_node: Node,
	url: String,
	cli_port: u16,
	workers: Vec<Worker>,
	root: tempfile::TempDir,
}

impl Market {
	fn start() -> Self {
		Self::with_workers(&[("Bob", None), ("Charlie", None), ("Dave", None)])
	}

	/// A market whose workers are these dev accounts, each with the fault injected into it
	/// (`CONUN_WORKER_FAULT`), if any: the worker binary must have the `fault-injection`
	/// feature, which `scripts/test.sh` builds it with.
	fn with_workers(workers_wanted: &[(&'static str, Option<&str>)]) -> Self {
		assert!(
			Command::new("docker").arg("info").output().is_ok_and(|o| o.status.success()),
			"the Docker engine is not running (scripts/setup.sh starts it)"
		);
		let root = tempfile::tempdir().unwrap();
		let node = Node::dev(root.path());
		let url = node.ws_url();
		let (mut workers, mut running) = (Vec::new(), Vec::new());
		for &(name, fault) in workers_wanted {
			let worker = Worker::release(root.path(), name)
				.with_runtimes("wasm,docker")
				.with_public_addr()
				.with_max_tasks(50);
			worker.register(&url, 1000);
			running.push(worker.run(&url, fault));
			workers.push(worker);
		}
		Self { _running: running, _node: node, url, cli_port: free_port(), workers, root }
	}

	/// `conun ARGS` as Alice, with her own data directory and a fixed libp2p port; stopped
	/// after five minutes, whatever it is doing.
	fn conun(&self, args: &[&str]) -> Output {
		let (stdout, stderr) = (tempfile::tempfile().unwrap(), tempfile::tempfile().unwrap());
		let mut child = Process::spawn(
			Command::new(env!("CARGO_BIN_EXE_conun"))
				.args(["--node", &self.url, "--account", "alice"])
				.arg("--data-dir")
				.arg(self.root.path().join("alice"))
				.args(["--listen", &format!("/ip4/127.0.0.1/tcp/{}", self.cli_port)])
				.args(args)
				.env_remove("CONUN_KEY")
				.stdout(stdout.try_clone().unwrap())
				.stderr(stderr.try_clone().unwrap()),
		)
		.unwrap();
		let Some(status) = child.wait_timeout(Duration::from_secs(300)).unwrap() else {
			drop(child); // killed
			panic!("conun {args:?} still runs after 5 minutes; the workers say:\n{}", self.logs());
		};
		let read = |mut file: std::fs::File| {
			use std::io::{Read, Seek};
			let mut bytes = Vec::new();
			file.seek(std::io::SeekFrom::Start(0)).unwrap();
			file.read_to_end(&mut bytes).unwrap();
			bytes
		};
		Output { status, stdout: read(stdout), stderr: read(stderr) }
	}

	/// Runs `conun ARGS` and asserts it succeeds; returns what it printed.
	fn ok(&self, args: &[&str]) -> String {
		let out = self.conun(args);
		assert!(out.status.success(), "conun {args:?} failed:\n{}\n{}", text(&out), self.logs());
		text(&out)
	}

	fn out_dir(&self, name: &str) -> PathBuf {
		self.root.path().join(name)
	}

	fn logs(&self) -> String {
		let mut all = String::new();
		for worker in &self.workers {
			all.push_str(&format!("--- {}\n{}\n", worker.name, worker.log_tail(15)));
		}
		all
	}

	fn job_status(&self, job: u64) -> serde_json::Value {
		serde_json::from_str(&self.ok(&["job", "status", &job.to_string(), "--json"])).unwrap()
	}
}

/// The job id `job submit` printed.
fn posted_job(output: &str) -> u64 {
	let line = output
		.lines()
		.find(|l| l.starts_with("job ") && l.contains(" posted"))
		.expect("a `job N posted` line");
	line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// What a local run of the wordfreq program over the same files gives, merged.
fn local_word_counts(dir: &Path) -> BTreeMap<String, u64> {
	let program = example("wordfreq/image/wordfreq");
	let mut counts = BTreeMap::new();
	let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
		.unwrap()
		.map(|e| e.unwrap().path())
		.filter(|p| p.is_file())
		.collect();
	files.sort();
	for file in files {
		let out = Command::new(&program)
			.stdin(std::fs::File::open(&file).unwrap())
			.output()
			.unwrap();
		assert!(out.status.success());
		for line in String::from_utf8(out.stdout).unwrap().lines() {
			let (word, n) = line.rsplit_once('\t').unwrap();
			*counts.entry(word.to_string()).or_default() += n.parse::<u64>().unwrap();
		}
	}
	counts
}

/// How long the sum-range tasks take run here, one after another, in the sandbox workers use.
fn local_sum_range() -> Duration {
	use conun_sandbox::{Limits, WasmExecutor};
	let program = std::fs::read(example("sum-range/build/sum_range.wasm")).unwrap();
	let executor = WasmExecutor::new();
	let limits = Limits { fuel: 200_000_000, memory_bytes: 16 << 20, max_output: 1 << 20 };
	let started = Instant::now();
	let mut sum = 0u128;
	for input in conun_cli::manifest::range_inputs(1, 100_000_000, 100) {
		let run = executor.run(&program, "_start", &input, limits);
		sum += String::from_utf8(run.output.stdout).unwrap().trim().parse::<u128>().unwrap();
	}
	assert_eq!(sum, 5_000_000_050_000_000);
	started.elapsed()
}

/// The market the three examples share: made by whichever `example_*` test runs first, after a
/// check that its three providers are registered, and stopped when the last of the three ends.
/// They take turns with it whatever `--test-threads` says: they all post as Alice, from one data
/// directory and one libp2p port.
static EXAMPLES: Shared<Market> = Shared::new(3);

fn examples_market() -> SharedGuard<Market> {
	EXAMPLES.get(|| {
		let market = Market::start();
		let providers = market.ok(&["providers", "--json"]);
		let providers: serde_json::Value = serde_json::from_str(&providers).unwrap();
		assert_eq!(providers.as_array().unwrap().len(), 3, "{providers}");
		market
	})
}

/// The sum-range benchmark: the verified network run, submit to result (measured by
/// `example_sum_range_comes_back_verified`), against the same 100 tasks run here one after
/// another in the same sandbox (`example_sum_range_baseline_runs_here`). Each test hands in its
/// figure and the one that completes the pair prints the line: it comes out whichever runs
/// first, and the baseline's run can neither fail nor hide the example's assertions.
fn sum_range_bench(network: Option<Duration>, local: Option<Duration>) {
	static FIGURES: Mutex<(Option<Duration>, Option<Duration>)> = Mutex::new((None, None));
	let mut figures = FIGURES.lock().unwrap_or_else(PoisonError::into_inner);
	figures.0 = network.or(figures.0);
	figures.1 = local.or(figures.1);
	if let (Some(elapsed), Some(local)) = *figures {
		println!(
			"BENCH sum-range: submit to verified result {:.1} s (100 tasks × R = 3 on 3 workers) vs one local run {:.2} s: ratio {:.1}",
			elapsed.as_secs_f64(),
			local.as_secs_f64(),
			elapsed.as_secs_f64() / local.as_secs_f64()
		);
	}
}

/// The benchmark's baseline: the same 100 sum-range tasks run here, one after another, in the
/// sandbox workers use (and their sum checked).
#[test]
fn example_sum_range_baseline_runs_here() {
	sum_range_bench(None, Some(local_sum_range()));
}

#[test]
fn example_sum_range_comes_back_verified() {
	let market = examples_market();
	// sum-range: 100 wasm tasks, R = 3, reduced to one number.
	let sum = example("sum-range/job.toml");
	let checked = market.ok(&["job", "check", sum.to_str().unwrap()]);
	assert!(checked.contains("task 0 here: Exited(0)"), "{checked}");
	assert!(checked.contains("3.3 CON held"), "{checked}");
	let out = market.out_dir("sum");
	let started = Instant::now();
	let submitted =
		market.ok(&["job", "submit", sum.to_str().unwrap(), "--out", out.to_str().unwrap()]);
	let elapsed = started.elapsed();
	let answer = std::fs::read_to_string(out.join("answer.txt")).unwrap();
	assert_eq!(answer.trim(), (100_000_000u64 * 100_000_001 / 2).to_string(), "{submitted}");
	assert!(submitted.contains("100/100 tasks verified"), "{submitted}");
	// The command returned once every replica had agreed, before the challenge period of the
	// last verdicts ended: those are open, and not yet paid.
	assert!(submitted.contains("open to challenge until block"), "{submitted}");
	println!("sum-range: verified in {elapsed:.1?}\n{submitted}");
	sum_range_bench(Some(elapsed), None);
	let job = posted_job(&submitted);
	// Followed to its end, every verdict is final and every agreeing replica paid.
	let watched = market.ok(&["job", "watch", &job.to_string()]);
	assert!(watched.contains("100/100 tasks verified"), "{watched}");
	assert!(watched.contains("CON paid to providers: 3 CON"), "{watched}");
	assert!(!watched.contains("open to challenge until"), "{watched}");
	let status = market.job_status(job);
	assert_eq!(status["state"], "finished");
	assert_eq!(status["verified"], 100);
	assert_eq!(status["revealed_replicas"], 300);
	// Any task's receipts and logs, from the providers that ran it: once each has forgotten
	// the task, at a finalized block after the verdict (until then a receipt, which names the
	// result, is given to nobody).
	let started = Instant::now();
	let logs = loop {
		let logs = market.ok(&["job", "logs", &job.to_string(), "7"]);
		if logs.matches("status Exited(0)").count() == 3
			|| started.elapsed() > Duration::from_secs(60)
		{
			break logs;
		}
		std::thread::sleep(Duration::from_secs(2));
	};
	assert_eq!(logs.matches("status Exited(0)").count(), 3, "{logs}");
	// The results again, in a fresh process: fetched from the providers, not from the requester.
	let again = market.out_dir("sum-again");
	let fetched =
		market.ok(&["job", "results", &job.to_string(), "--out", again.to_str().unwrap()]);
	assert!(fetched.contains("sum = 5000000050000000"), "{fetched}");
}

/// `job watch` reads again only the tasks a block's events name, over the last block's
/// (`Chain::tasks_touched`, `Chain::tasks_numbered`). Replayed over every block of a real job,
/// from its post to its end (assignments, commitments, reveals, verdicts made final, payments),
/// that view must equal the job's tasks read whole at each block: an event that does not name
/// a task it changed would show here.
#[test]
fn the_tasks_a_blocks_events_name_are_every_task_the_block_changed() {
	let market = examples_market();
	let sum = example("sum-range/job.toml");
	let out = market.out_dir("sum-replayed");
	let submitted =
		market.ok(&["job", "submit", sum.to_str().unwrap(), "--out", out.to_str().unwrap()]);
	let job = posted_job(&submitted);
	let watched = market.ok(&["job", "watch", &job.to_string()]);
	assert!(watched.contains("100/100 tasks verified"), "{watched}");
	let runtime = tokio::runtime::Runtime::new().unwrap();
	runtime.block_on(async {
		let chain = Chain::connect_read_only(&market.url).await.unwrap();
		let best = chain.best_number().await.unwrap();
		let now = chain.at_number(best).await.unwrap().unwrap();
		let posted_at = u64::from(chain.job(&now, job).await.unwrap().unwrap().posted_at);
		let whole = |number: u64| {
			let chain = &chain;
			async move {
				let at = chain.at_number(number).await.unwrap().unwrap();
				let tasks = chain.tasks(&at, job).await.unwrap();
				(at, tasks.into_iter().map(|t| (t.index, t)).collect::<BTreeMap<_, _>>())
			}
		};
		let (_, mut known) = whole(posted_at).await;
		let (mut followed, mut read_whole) = (0, 0);
		for number in posted_at + 1..=best {
			let (at, expected) = whole(number).await;
			let touched = chain.tasks_touched(&at, job).await.unwrap();
			if touched.whole_job {
				// The watch reads every task after such a block: nothing to compare.
				known = expected;
				read_whole += 1;
				continue;
			}
			let read = chain.tasks_numbered(&at, job, touched.tasks.iter().copied()).await;
			for (index, record) in read.unwrap() {
				match record {
					Some(record) => known.insert(index, record),
					None => known.remove(&index),
				};
			}
			assert_eq!(known, expected, "block {number}: a task changed that no event named");
			followed += usize::from(!touched.tasks.is_empty());
		}
		println!(
			"replayed blocks {} to {best}: {followed} followed from their events, {read_whole} read whole",
			posted_at + 1
		);
		// Assigned, committed, revealed with their verdicts, made final: at least four blocks
		// followed from their events, and the job's end read whole.
		assert!(followed >= 4, "{followed} blocks followed from events");
		assert!(read_whole >= 1, "the job's end names the job alone");
	});
}

#[test]
fn example_mandelbrot_comes_back_verified() {
	let market = examples_market();
	// mandelbrot: 64 wasm tiles stitched into a PNG.
	let out = market.out_dir("mandelbrot");
	let mandelbrot = example("mandelbrot/job.toml");
	let started = Instant::now();
	let submitted =
		market.ok(&["job", "submit", mandelbrot.to_str().unwrap(), "--out", out.to_str().unwrap()]);
	println!("mandelbrot: verified in {:.1?}\n{submitted}", started.elapsed());
	let png = std::fs::read(out.join("image.png")).unwrap();
	assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
	assert_eq!(u32::from_be_bytes(png[16..20].try_into().unwrap()), 2048);
	assert_eq!(u32::from_be_bytes(png[20..24].try_into().unwrap()), 2048);
	let tile = std::fs::read(out.join("00027.out")).unwrap();
	assert_eq!(tile.len(), 256 * 256);
	let shades: std::collections::BTreeSet<u8> = tile.iter().copied().collect();
	assert!(shades.len() > 16, "a tile on the set's edge has many shades, got {}", shades.len());
}

#[test]
fn example_wordfreq_comes_back_verified() {
	let market = examples_market();
	// wordfreq: a docker image built here FROM scratch, one task per doc, counts merged.
	let out = market.out_dir("wordfreq");
	let wordfreq = example("wordfreq/job.toml");
	let started = Instant::now();
	let submitted =
		market.ok(&["job", "submit", wordfreq.to_str().unwrap(), "--out", out.to_str().unwrap()]);
	println!("wordfreq: verified in {:.1?}\n{submitted}", started.elapsed());
	let merged: BTreeMap<String, u64> = std::fs::read_to_string(out.join("counts.tsv"))
		.unwrap()
		.lines()
		.map(|l| {
			let (w, n) = l.rsplit_once('\t').unwrap();
			(w.to_string(), n.parse().unwrap())
		})
		.collect();
	assert_eq!(merged, local_word_counts(&repo_root().join("docs")));
}

#[test]
fn a_job_nobody_can_take_is_explained_and_a_broken_manifest_refused() {
	let market = Market::start();
	let dir = market.root.path().join("jobs");
	std::fs::create_dir_all(&dir).unwrap();
	let wasm = example("sum-range/build/sum_range.wasm");
	let manifest = |memory: u32, replicas: &str| {
		format!(
			"[program]\nruntime = \"wasm\"\nwasm = \"{}\"\nfuel = 100_000_000\n\n[inputs]\nrange = {{ start = 1, end = 1000, chunks = 4 }}\n\n\
			 [terms]\nreplicas = {replicas}\nprice = \"0.01\"\nresources = {{ cores = 1, memory_mib = {memory} }}\n",
			wasm.display()
		)
	};

	// A mistake is refused with its place, before anything reaches the chain.
	let broken = dir.join("broken.toml");
	std::fs::write(&broken, manifest(16, "9")).unwrap();
	let out = market.conun(&["job", "submit", broken.to_str().unwrap()]);
	assert_eq!(out.status.code(), Some(1));
	let error = text(&out);
	assert!(error.contains("broken.toml:10:12: replicas must be 1 to 7 (got 9)"), "{error}");
	assert!(error.contains("replicas = 9\n") && error.contains('^'), "{error}");

	// Four times the memory any provider lends: `job check` says so, and how to fix it.
	let too_big = dir.join("too-big.toml");
	std::fs::write(&too_big, manifest(1024, "3")).unwrap();
	let out = market.conun(&["job", "check", too_big.to_str().unwrap()]);
	let explained = text(&out);
	assert_eq!(out.status.code(), Some(2), "{explained}");
	assert!(explained.contains("nobody can take this job now"), "{explained}");
	assert!(explained.contains("InsufficientResources"), "{explained}");
	assert!(explained.contains("the largest offers are 1 cores and 256 MiB"), "{explained}");

	// Posted anyway, the chain refuses it: no registered provider lends that much memory.
	let out = market.conun(&["job", "submit", too_big.to_str().unwrap(), "--detach"]);
	let refused = text(&out);
	assert_ne!(out.status.code(), Some(0), "{refused}");
	assert!(refused.contains("ResourcesUnavailable"), "{refused}");

	// A reputation nobody has yet passes (a provider could earn it): the chain says why its
	// tasks wait, in an event and in the task's record.
	let demanding = dir.join("demanding.toml");
	std::fs::write(&demanding, format!("{}min_reputation = 600\n", manifest(16, "3"))).unwrap();
	let submitted = market.ok(&["job", "submit", demanding.to_str().unwrap(), "--detach"]);
	let job = posted_job(&submitted);
	let runtime = tokio::runtime::Runtime::new().unwrap();
	let reason = runtime.block_on(async {
		let chain = Chain::connect_read_only(&market.url).await.unwrap();
		let started = Instant::now();
		let mut seen = 0;
		loop {
			assert!(
				started.elapsed() < Duration::from_secs(60),
				"no TaskUnassignable event for job {job}"
			);
			let at = chain.at_best().await.unwrap();
			if at.block_number() != seen {
				seen = at.block_number();
				let events = chain.job_events(&at, job).await.unwrap();
				if let Some(reason) = events.iter().find_map(|e| match e {
					JobEvent::Unassignable { reason, .. } => Some(*reason),
					_ => None,
				}) {
					break reason;
				}
			}
			tokio::time::sleep(Duration::from_millis(500)).await;
		}
	});
	assert_eq!(reason, Unassignable::ReputationTooLow);
	let status = market.job_status(job);
	assert_eq!(status["waiting"], 4, "{status}");
	let stalled = status["stalled"].to_string();
	assert!(stalled.contains("ReputationTooLow"), "{status}");

	// Cancelled, every task is refunded and the job ends.
	market.ok(&["job", "cancel", &job.to_string()]);
	let started = Instant::now();
	loop {
		let status = market.job_status(job);
		if status["state"] == "finished" {
			assert_eq!(status["cancelled"], 4, "{status}");
			assert_eq!(status["escrow"], "0 CON", "{status}");
			break;
		}
		assert!(
			started.elapsed() < Duration::from_secs(60),
			"job {job} did not finish after cancel: {status}"
		);
		std::thread::sleep(Duration::from_secs(1));
	}
}

/// The collusion run of issue 13, through the CLI: five workers, two of them (Eve and Ferdie)
/// colluding on one made-up result for every task and running nothing, and sum-range with
/// 100 tasks and R = 3. About three tasks in ten draw both colluders, who out-vote the honest
/// replica there; it challenges, and the chain's own run of the task decides.
#[test]
fn two_colluders_among_five_workers_are_overruled_and_the_sum_is_right() {
	let honest = ["Bob", "Charlie", "Dave"];
	let market = Market::with_workers(&[
		("Bob", None),
		("Charlie", None),
		("Dave", None),
		("Eve", Some("collude")),
		("Ferdie", Some("collude")),
	]);
	let runtime = tokio::runtime::Runtime::new().unwrap();
	let chain = runtime.block_on(Chain::connect_read_only(&market.url)).unwrap();
	let stakes = || -> BTreeMap<String, (u128, u32)> {
		runtime.block_on(async {
			let at = chain.at_best().await.unwrap();
			let providers = chain.providers(&at).await.unwrap();
			providers
				.into_iter()
				.map(|(account, p)| (dev_name(&account), (p.stake, p.standing.reputation)))
				.collect()
		})
	};
	let before = stakes();
	assert_eq!(before.len(), 5, "{before:?}");

	let sum = example("sum-range/job.toml");
	let out = market.out_dir("sum");
	let submitted =
		market.ok(&["job", "submit", sum.to_str().unwrap(), "--out", out.to_str().unwrap()]);
	let answer = std::fs::read_to_string(out.join("answer.txt")).unwrap();
	assert_eq!(
		answer.trim(),
		(100_000_000u64 * 100_000_001 / 2).to_string(),
		"{submitted}\n{}",
		market.logs()
	);
	let job = posted_job(&submitted);
	// To its end: every verdict final, every challenge decided.
	let watched = market.ok(&["job", "watch", &job.to_string()]);
	assert!(watched.contains("100/100 tasks verified"), "{watched}");

	// Every wrong verdict was overturned, and how soon.
	let (wrong, corrected) = runtime.block_on(async {
		let (mut verdicts, mut upheld) = (BTreeMap::new(), BTreeMap::new());
		let last = chain.best_number().await.unwrap();
		for number in 1..=last {
			let Some(at) = chain.at_number(number).await.unwrap() else { continue };
			for event in chain.job_events(&at, job).await.unwrap() {
				match event {
					JobEvent::VerdictReached { task, .. } => {
						verdicts.entry(task).or_insert(number);
					},
					JobEvent::Refereed { task, upheld: true, .. } => {
						upheld.insert(task, number);
					},
					JobEvent::Refereed { task, upheld: false, .. } => {
						panic!("an honest challenge of task {task} lost")
					},
					_ => {},
				}
			}
		}
		(verdicts, upheld)
	});
	assert!(!corrected.is_empty(), "no task drew both colluders (30 % of tasks should)\n{watched}");
	let delays: Vec<u64> = corrected.iter().map(|(task, at)| at - wrong[task]).collect();
	println!(
		"BENCH collusion: {} of 100 wrong verdicts overturned; blocks from the wrong verdict to the referee's correction: min {}, median {}, max {}",
		delays.len(),
		delays.iter().min().unwrap(),
		{
			let mut sorted = delays.clone();
			sorted.sort();
			sorted[sorted.len() / 2]
		},
		delays.iter().max().unwrap()
	);

	// The honest are whole; the colluders lost stake and all the reputation that gets work.
	let after = stakes();
	for name in honest {
		assert!(after[name].0 >= before[name].0, "{name}: {:?} -> {:?}", before[name], after[name]);
	}
	for name in ["Eve", "Ferdie"] {
		let (stake, reputation) = after[name];
		assert!(stake <= before[name].0 / 2, "{name} keeps {stake} of {}", before[name].0);
		assert!(reputation < 100, "{name} still gets work: reputation {reputation}");
	}
}

/// The dev account's name, for messages.
fn dev_name(account: &subxt::utils::AccountId32) -> String {
	use subxt_signer::sr25519::dev;
	for (name, pair) in [
		("Alice", dev::alice()),
		("Bob", dev::bob()),
		("Charlie", dev::charlie()),
		("Dave", dev::dave()),
		("Eve", dev::eve()),
		("Ferdie", dev::ferdie()),
	] {
		if pair.public_key().to_account_id() == *account {
			return name.to_string();
		}
	}
	account.to_string()
}
