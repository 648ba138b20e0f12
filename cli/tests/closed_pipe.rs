//! `conun … | head -1`: a reader that stops reading ends the command quietly, without a panic.

use std::process::{Command, Stdio};

#[test]
fn a_reader_that_goes_away_ends_the_command_quietly() {
	let data = tempfile::tempdir().unwrap();
	let (reader, writer) = std::io::pipe().unwrap();
	// Gone before the command writes its first line.
	drop(reader);

	let done = Command::new(env!("CARGO_BIN_EXE_conun"))
		.args(["--data-dir"])
		.arg(data.path())
		.args(["account", "list"])
		.stdin(Stdio::null())
		.stdout(writer)
		.output()
		.unwrap();

	let stderr = String::from_utf8_lossy(&done.stderr);
	assert!(!stderr.contains("panicked"), "the command panicked: {stderr}");
	assert_eq!(done.status.code(), Some(conun_cli::stdout::CLOSED_PIPE), "stderr: {stderr}");
	assert!(stderr.is_empty(), "a closed pipe is not an error to report: {stderr}");
}

#[test]
fn a_reader_that_stays_gets_every_line() {
	let data = tempfile::tempdir().unwrap();
	let done = Command::new(env!("CARGO_BIN_EXE_conun"))
		.args(["--data-dir"])
		.arg(data.path())
		.args(["account", "list"])
		.stdin(Stdio::null())
		.output()
		.unwrap();

	assert!(done.status.success(), "stderr: {}", String::from_utf8_lossy(&done.stderr));
	let stdout = String::from_utf8_lossy(&done.stdout);
	for dev in ["alice", "bob", "ferdie"] {
		assert!(stdout.to_lowercase().contains(dev), "{dev} missing from: {stdout}");
	}
}
