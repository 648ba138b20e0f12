//! The docker sandbox against a real Docker engine (`scripts/setup.sh` starts one): a task
//! gives the same bytes every run, and each containment case ends in a clear status while the
//! sandbox goes on serving.

use conun_primitives::{content_hash, TaskStatus};
use conun_sandbox::{
	docker::{DockerError, DockerExecutor, DockerLimits, DockerTask},
	Execution,
};
use polkadot_sdk::sp_core::H256;
use std::{sync::OnceLock, time::Duration};

const LIMITS: DockerLimits = DockerLimits {
	nano_cpus: 1_000_000_000,
	memory_bytes: 64 << 20,
	pids: 32,
	wall_clock: Duration::from_secs(20),
	max_output: 1 << 20,
	scratch_bytes: 16 << 20,
};

#[path = "fixtures/probe_image.rs"]
mod probe_image;

/// The probe image as a `docker save` tarball, built once.
fn probe_tarball() -> &'static [u8] {
	static TARBALL: OnceLock<Vec<u8>> = OnceLock::new();
	TARBALL.get_or_init(|| {
		let dir = tempfile::tempdir().unwrap();
		let tarball = probe_image::build("conun-probe:test", dir.path());
		// The sandbox must load the image from the tarball itself.
		probe_image::docker(&["rmi", "-f", "conun-probe:test"], dir.path());
		tarball
	})
}

async fn executor() -> DockerExecutor {
	let scratch = std::env::temp_dir().join("conun-sandbox-docker-tests");
	DockerExecutor::connect(scratch)
		.await
		.expect("a Docker engine is running (scripts/setup.sh starts one)")
}

async fn run_with(mode: &str, input: &[u8], limits: DockerLimits) -> Execution {
	let executor = executor().await;
	let tarball = probe_tarball();
	let image = executor.ensure_image(tarball, content_hash(tarball)).await.unwrap();
	let args = vec![mode.to_string()];
	executor
		.run(DockerTask { image: &image, command: "/probe", args: &args, input, limits })
		.await
		.unwrap()
}

async fn run(mode: &str) -> Execution {
	run_with(mode, b"", LIMITS).await
}

#[tokio::test]
async fn a_task_reads_stdin_writes_stdout_and_files() {
	let run = run_with("echo", b"hello docker", LIMITS).await;
	assert_eq!(run.output.status, TaskStatus::Exited(0));
	assert_eq!(run.output.stdout, b"hello docker");
	let mut archive = tar::Archive::new(run.output.files.as_slice());
	let mut names = Vec::new();
	for entry in archive.entries().unwrap() {
		let entry = entry.unwrap();
		assert_eq!(entry.header().mtime().unwrap(), 0);
		assert_eq!(entry.header().uid().unwrap(), 0);
		names.push(entry.path().unwrap().display().to_string());
	}
	assert_eq!(names, ["a.txt", "sub", "sub/b.txt"]);
	assert_eq!(run.stderr, b"echo done\n");
}

#[tokio::test]
async fn the_same_task_gives_the_same_bytes_every_run() {
	let first = run_with("echo", b"same input", LIMITS).await;
	let second = run_with("echo", b"same input", LIMITS).await;
	assert_eq!(first.output, second.output);
	assert_eq!(first.output.result_hash(), second.output.result_hash());
}

#[tokio::test]
async fn no_network() {
	let run = run("net").await;
	assert_eq!(
		run.output.status,
		TaskStatus::Exited(3),
		"{:?}",
		String::from_utf8_lossy(&run.output.stdout)
	);
}

#[tokio::test]
async fn the_root_filesystem_is_read_only() {
	let run = run("rootfs").await;
	assert_eq!(run.output.status, TaskStatus::Exited(4));
	assert!(String::from_utf8_lossy(&run.output.stdout).starts_with("read-only"));
}

#[tokio::test]
async fn a_fork_bomb_hits_the_pids_limit() {
	let run = run("forkbomb").await;
	assert_eq!(run.output.status, TaskStatus::Exited(5));
	let said = String::from_utf8_lossy(&run.output.stdout).to_string();
	assert!(said.starts_with("fork refused after"), "{said}");
}

#[tokio::test]
async fn a_memory_hog_is_killed() {
	let run = run("memhog").await;
	assert_eq!(run.output.status, TaskStatus::MemoryExceeded);
}

#[tokio::test]
async fn an_endless_loop_is_stopped_by_the_wall_clock() {
	let limits = DockerLimits { wall_clock: Duration::from_secs(2), ..LIMITS };
	let run = run_with("spin", b"", limits).await;
	assert_eq!(run.output.status, TaskStatus::TimedOut);
	assert!(run.elapsed < Duration::from_secs(15));
}

#[tokio::test]
async fn oversized_stdout_is_cut_off() {
	let run = run("bigout").await;
	assert_eq!(run.output.status, TaskStatus::OutputTooLarge);
	assert!(run.output.stdout.is_empty());
}

#[tokio::test]
async fn oversized_files_are_refused() {
	let run = run("bigfile").await;
	assert_eq!(run.output.status, TaskStatus::OutputTooLarge);
}

#[tokio::test]
async fn an_image_whose_hash_does_not_match_is_refused() {
	let executor = executor().await;
	let tarball = probe_tarball();
	match executor.ensure_image(tarball, H256::repeat_byte(0xab)).await {
		Err(DockerError::HashMismatch { expected, actual }) => {
			assert_eq!(expected, H256::repeat_byte(0xab));
			assert_eq!(actual, content_hash(tarball));
		},
		other => panic!("expected a hash mismatch, got {other:?}"),
	}
	let garbage = b"not a tarball".to_vec();
	assert!(matches!(
		executor.ensure_image(&garbage, content_hash(&garbage)).await,
		Err(DockerError::BadImage(_))
	));
}

#[tokio::test]
async fn the_sandbox_keeps_serving_after_failures() {
	for mode in ["memhog", "bigout", "forkbomb"] {
		assert_ne!(run(mode).await.output.status, TaskStatus::Exited(0));
	}
	let run = run_with("echo", b"still here", LIMITS).await;
	assert_eq!(run.output.stdout, b"still here");
}

#[test]
fn a_job_s_terms_give_the_limits_its_containers_run_under() {
	let resources = conun_primitives::Resources { cores: 3, memory_mib: 100, gpus: 0 };
	let limits = conun_sandbox::limits::docker_limits(&resources, Duration::from_secs(42));
	assert_eq!(
		limits,
		DockerLimits {
			nano_cpus: 3_000_000_000,
			memory_bytes: 100 << 20,
			pids: conun_sandbox::limits::DOCKER_PIDS,
			wall_clock: Duration::from_secs(42),
			max_output: conun_primitives::MAX_OUTPUT_BYTES as usize,
			scratch_bytes: conun_sandbox::limits::DOCKER_SCRATCH_BYTES,
		}
	);
	// A job asking for no cores still gets one.
	let none = conun_primitives::Resources { cores: 0, ..resources };
	assert_eq!(
		conun_sandbox::limits::docker_limits(&none, Duration::ZERO).nano_cpus,
		1_000_000_000
	);
}
