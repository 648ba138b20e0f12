//! What a worker publishes on chain as its contact: never an address that no peer could dial.
//! It refuses to register (or run) with one, before it reaches for a node, and says which flag
//! to set.

use std::process::{Command, Output};

/// `conun-worker register` with `args`, against a node that does not exist.
fn register(args: &[&str]) -> Output {
	let dir = tempfile::tempdir().unwrap();
	Command::new(env!("CARGO_BIN_EXE_conun-worker"))
		.args(["--node", "ws://127.0.0.1:9", "--key", "//Bob", "--metrics", ""])
		.arg("--data-dir")
		.arg(dir.path())
		.args(args)
		.args(["register", "--stake", "1000"])
		.output()
		.unwrap()
}

fn stderr(out: &Output) -> String {
	String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_wildcard_public_address_is_refused_with_the_flag_to_set() {
	let out = register(&["--public-addrs", "/ip4/0.0.0.0/tcp/30555"]);
	assert!(!out.status.success());
	let said = stderr(&out);
	assert!(said.contains("cannot publish /ip4/0.0.0.0/tcp/30555"), "{said}");
	assert!(said.contains("wildcard") && said.contains("--public-addrs"), "{said}");
}

#[test]
fn a_port_picked_when_listening_cannot_be_published() {
	let out = register(&["--listen", "/ip4/0.0.0.0/tcp/0"]);
	assert!(!out.status.success());
	let said = stderr(&out);
	assert!(
		said.contains("cannot publish /ip4/0.0.0.0/tcp/0") && said.contains("port 0"),
		"{said}"
	);
}

#[test]
fn the_default_wildcard_stands_for_this_machines_addresses() {
	// 0.0.0.0 is published as the machine's own addresses (loopback at least), so what stops
	// the worker here is the missing node, not its address.
	let out = register(&["--listen", "/ip4/0.0.0.0/tcp/30555"]);
	assert!(!out.status.success());
	let said = stderr(&out);
	assert!(!said.contains("cannot publish"), "{said}");
	assert!(said.contains("127.0.0.1:9"), "the node is what is missing: {said}");
}
