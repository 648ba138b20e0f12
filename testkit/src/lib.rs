//! What the end-to-end tests share: a `conun-node --dev` on free ports that serves RPC before
//! anyone uses it, `conun-worker` processes, each child killed when its handle is dropped,
//! waits with timeouts, and a value (a whole market) several tests of one binary take turns
//! with.
//!
//! Dev-only (`publish = false`): the worker's and the CLI's `tests/e2e.rs` depend on it, and the
//! network scenarios spawn a zombienet network ([`Zombienet`]) and run [`Worker`]s beside its
//! nodes.
//!
//! Every helper panics with what went wrong rather than returning an error: a test that cannot
//! start its processes has failed.

mod node;
mod process;
mod shared;
mod wait;
mod worker;
mod zombienet;

pub use node::{serves_rpc, Node, NodeConfig};
pub use process::Process;
pub use shared::{Shared, SharedGuard};
pub use wait::{poll, wait_for};
pub use worker::Worker;
pub use zombienet::{zombienet_binary, NetworkNode, Zombienet};

use std::path::{Path, PathBuf};

/// A free port on 127.0.0.1 for a process a test starts. It is taken below Linux's ephemeral
/// range (32768–60999), from which the kernel picks the local ports of outgoing connections: a
/// port asked of the kernel with `bind(0)` comes from that range, and the node's or a worker's
/// own connections could take it before the process it was meant for binds it. The ports one
/// test binary hands out never repeat.
pub fn free_port() -> u16 {
	use std::sync::atomic::{AtomicU32, Ordering};
	const FIRST: u32 = 10_000;
	const COUNT: u32 = 22_000;
	static NEXT: AtomicU32 = AtomicU32::new(0);
	let start = std::process::id().wrapping_mul(7919) % COUNT;
	for _ in 0..COUNT {
		let port = (FIRST + (start + NEXT.fetch_add(1, Ordering::Relaxed)) % COUNT) as u16;
		if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
			return port;
		}
	}
	panic!("no free port between {FIRST} and {}", FIRST + COUNT)
}

/// The repository's root directory.
pub fn repo_root() -> PathBuf {
	Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A release binary: `$VAR`, else `$CARGO_TARGET_DIR/release/NAME`, else
/// `target/release/NAME` in the repository. Panics when it does not exist.
pub fn release_binary(var: &str, name: &str) -> PathBuf {
	let path = std::env::var_os(var).map(PathBuf::from).unwrap_or_else(|| {
		let target = std::env::var_os("CARGO_TARGET_DIR")
			.map(PathBuf::from)
			.unwrap_or_else(|| repo_root().join("target"));
		target.join("release").join(name)
	});
	assert!(
		path.exists(),
		"{} is missing: scripts/setup.sh builds it (cargo build --release --bin {name}); or set {var}",
		path.display()
	);
	path
}

/// The last `lines` lines of `text`.
pub fn tail(text: &str, lines: usize) -> String {
	let last: Vec<&str> = text.lines().rev().take(lines).collect();
	last.into_iter().rev().collect::<Vec<_>>().join("\n")
}

/// A log file's text; empty while it does not exist.
fn read_log(path: &Path) -> String {
	std::fs::read_to_string(path).unwrap_or_default()
}

#[cfg(test)]
mod tests {
	use super::*;
	use std::{
		process::Command,
		sync::atomic::{AtomicBool, Ordering},
		time::Duration,
	};

	#[test]
	fn free_ports_are_distinct_and_below_the_ephemeral_range() {
		// Each was free when it was handed out (`free_port` binds it to check). Binding it again
		// here would race whatever else on the machine binds ports meanwhile: it failed that way
		// once in about 40 runs.
		let (a, b) = (free_port(), free_port());
		assert_ne!(a, b);
		for port in [a, b] {
			assert!((10_000..32_000).contains(&port), "{port}");
		}
	}

	#[test]
	fn tail_keeps_the_last_lines() {
		assert_eq!(tail("a\nb\nc\n", 2), "b\nc");
		assert_eq!(tail("a", 5), "a");
		assert_eq!(tail("", 5), "");
	}

	#[test]
	fn a_process_is_killed_when_dropped() {
		let process = Process::spawn(Command::new("sleep").arg("30")).unwrap();
		let proc_dir = PathBuf::from(format!("/proc/{}", process.id()));
		assert!(proc_dir.exists());
		drop(process);
		assert!(!proc_dir.exists(), "killed and reaped");
	}

	#[test]
	fn wait_timeout_returns_the_status_or_gives_up() {
		let mut done = Process::spawn(&mut Command::new("true")).unwrap();
		assert!(done.wait_timeout(Duration::from_secs(10)).unwrap().is_some_and(|s| s.success()));
		let mut sleeping = Process::spawn(Command::new("sleep").arg("30")).unwrap();
		assert_eq!(sleeping.wait_timeout(Duration::from_millis(300)).unwrap(), None);
	}

	#[test]
	fn poll_returns_what_the_check_finds() {
		let mut calls = 0;
		let found =
			poll("the third call", Duration::from_secs(10), Duration::from_millis(1), || {
				calls += 1;
				(calls == 3).then_some(calls)
			});
		assert_eq!(found, 3);
	}

	#[test]
	#[should_panic(expected = "waiting for nothing")]
	fn poll_panics_after_its_timeout() {
		poll("nothing", Duration::from_millis(50), Duration::from_millis(10), || None::<()>);
	}

	#[test]
	fn nothing_listening_serves_no_rpc() {
		assert!(!serves_rpc(free_port()));
	}

	static DROPPED: AtomicBool = AtomicBool::new(false);
	struct Probe;
	impl Drop for Probe {
		fn drop(&mut self) {
			DROPPED.store(true, Ordering::SeqCst);
		}
	}
	static PROBE: Shared<Probe> = Shared::new(2);

	#[test]
	fn a_shared_value_is_made_once_and_dropped_after_its_last_user() {
		let mut made = 0;
		drop(PROBE.get(|| {
			made += 1;
			Probe
		}));
		assert!(!DROPPED.load(Ordering::SeqCst), "one user is still to come");
		drop(PROBE.get(|| {
			made += 1;
			Probe
		}));
		assert!(DROPPED.load(Ordering::SeqCst), "the last user has finished");
		assert_eq!(made, 1);
	}
}
