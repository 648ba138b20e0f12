//! The worker's docker sandbox against `docker run` by hand with the same image, command and
//! limits, in one run. Prints the medians and the ratio (target: at most 1.15).

use conun_primitives::content_hash;
use conun_sandbox::docker::{DockerExecutor, DockerLimits, DockerTask};
use std::time::{Duration, Instant};

const LIMITS: DockerLimits = DockerLimits {
	nano_cpus: 1_000_000_000,
	memory_bytes: 64 << 20,
	pids: 32,
	wall_clock: Duration::from_secs(60),
	max_output: 1 << 20,
	scratch_bytes: 16 << 20,
};

#[path = "../tests/fixtures/probe_image.rs"]
mod probe_image;
use probe_image::docker;

/// `docker run` with the sandbox's settings, as a provider would type it.
fn by_hand(image: &str, out: &std::path::Path) -> Vec<u8> {
	let bind = format!("{}:/out:rw", out.display());
	docker(
		&[
			"run",
			"--rm",
			"-i",
			"--network",
			"none",
			"--read-only",
			"--tmpfs",
			"/tmp:size=16777216,mode=1777",
			"--cap-drop",
			"ALL",
			"--security-opt",
			"no-new-privileges",
			"--user",
			"65534:65534",
			"--memory",
			"64m",
			"--memory-swap",
			"64m",
			"--cpus",
			"1",
			"--pids-limit",
			"32",
			"-v",
			&bind,
			image,
			"/probe",
			"work",
		],
		out,
	)
}

fn median(mut samples: Vec<Duration>) -> Duration {
	samples.sort();
	samples[samples.len() / 2]
}

#[tokio::main]
async fn main() {
	let dir = tempfile::tempdir().unwrap();
	let tarball = probe_image::build("conun-probe:bench", dir.path());

	let executor = DockerExecutor::connect(dir.path().join("scratch")).await.unwrap();
	let image = executor.ensure_image(&tarball, content_hash(&tarball)).await.unwrap();
	let out = dir.path().join("out");
	std::fs::create_dir(&out).unwrap();
	std::fs::set_permissions(&out, std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
	let args = vec!["work".to_string()];
	let rounds = std::env::var("ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(9);
	let (mut hand, mut worker) = (Vec::new(), Vec::new());
	for round in 0..rounds {
		for side in [round % 2, 1 - round % 2] {
			let started = Instant::now();
			let stdout = if side == 0 {
				let stdout = by_hand(&image, &out);
				hand.push(started.elapsed());
				stdout
			} else {
				let task = DockerTask {
					image: &image,
					command: "/probe",
					args: &args,
					input: b"",
					limits: LIMITS,
				};
				let run = executor.run(task).await.unwrap();
				worker.push(started.elapsed());
				run.output.stdout
			};
			assert!(!stdout.is_empty());
		}
	}
	let (hand, worker) = (median(hand), median(worker));
	println!("docker task (400,000,000 additions), median of {rounds} runs each");
	println!("  docker run by hand:   {:>8.1} ms", hand.as_secs_f64() * 1e3);
	println!("  conun-worker sandbox: {:>8.1} ms", worker.as_secs_f64() * 1e3);
	println!("  ratio: {:.3} (target <= 1.15)", worker.as_secs_f64() / hand.as_secs_f64());
}
