//! The `conun-node` command line, run as a user runs it.

use std::{
	path::PathBuf,
	process::{Command, Output},
};

fn conun_node(args: &[&str]) -> Output {
	Command::new(env!("CARGO_BIN_EXE_conun-node"))
		.args(args)
		.output()
		.expect("conun-node runs")
}

fn stdout_json(output: &Output) -> serde_json::Value {
	assert!(output.status.success(), "failed: {}", String::from_utf8_lossy(&output.stderr));
	serde_json::from_slice(&output.stdout).expect("stdout is JSON")
}

/// A fresh, empty directory under the system's temporary directory.
fn scratch_dir(name: &str) -> PathBuf {
	let dir = std::env::temp_dir().join(format!("conun-cli-test-{name}-{}", std::process::id()));
	let _ = std::fs::remove_dir_all(&dir);
	std::fs::create_dir_all(&dir).expect("scratch dir");
	dir
}

#[test]
fn build_spec_tells_wallets_the_token_is_con_with_12_decimals() {
	let spec = stdout_json(&conun_node(&["build-spec", "--chain", "dev"]));
	assert_eq!(spec["id"], "conun_dev");
	assert_eq!(spec["chainType"], "Development");
	assert_eq!(spec["properties"]["tokenSymbol"], "CON");
	assert_eq!(spec["properties"]["tokenDecimals"], 12);
	assert_eq!(spec["properties"]["ss58Format"], 42);
}

#[test]
fn the_raw_local_spec_carries_a_full_genesis_state() {
	let spec = stdout_json(&conun_node(&["build-spec", "--chain", "local", "--raw"]));
	assert_eq!(spec["id"], "conun_local_testnet");
	let top = spec["genesis"]["raw"]["top"].as_object().expect("raw genesis storage");
	// `:code`, the runtime itself, is part of the state.
	assert!(top.contains_key("0x3a636f6465"));
	assert!(top.len() > 20, "only {} storage items", top.len());
}

#[test]
fn a_chain_spec_file_round_trips_through_the_node() {
	let dir = scratch_dir("spec-file");
	let path = dir.join("local.json");
	let spec = conun_node(&["build-spec", "--chain", "local"]);
	assert!(spec.status.success());
	std::fs::write(&path, &spec.stdout).expect("write spec");
	let reloaded = stdout_json(&conun_node(&["build-spec", "--chain", path.to_str().unwrap()]));
	assert_eq!(reloaded["id"], "conun_local_testnet");
	let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_missing_chain_spec_file_is_a_clear_error() {
	let output = conun_node(&["build-spec", "--chain", "/nonexistent/conun-spec.json"]);
	assert!(!output.status.success());
	let stderr = String::from_utf8_lossy(&output.stderr);
	assert!(stderr.contains("/nonexistent/conun-spec.json"), "stderr: {stderr}");
}

#[test]
fn key_generate_makes_an_sr25519_account() {
	let key = stdout_json(&conun_node(&["key", "generate", "--output-type", "json"]));
	assert_eq!(key["secretPhrase"].as_str().expect("phrase").split(' ').count(), 12);
	assert!(key["ss58Address"].as_str().expect("address").starts_with('5'));
}

#[test]
fn purge_chain_removes_the_database() {
	let base = scratch_dir("purge");
	let db = base.join("chains").join("conun_dev").join("paritydb");
	// `export-state` opens (and so creates) the dev database without running a node.
	let export = conun_node(&["export-state", "--dev", "--base-path", base.to_str().unwrap()]);
	assert!(export.status.success(), "{}", String::from_utf8_lossy(&export.stderr));
	assert!(db.exists(), "the database was created in ParityDB at {}", db.display());

	let purge = conun_node(&["purge-chain", "--dev", "-y", "--base-path", base.to_str().unwrap()]);
	assert!(purge.status.success(), "{}", String::from_utf8_lossy(&purge.stderr));
	assert!(!db.exists());
	let _ = std::fs::remove_dir_all(base);
}
