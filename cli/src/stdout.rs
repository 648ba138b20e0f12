//! What the CLI prints for its user, on standard output.
//!
//! `println!` panics when standard output is a pipe whose reader has gone, as in
//! `conun providers | head -3`: Rust ignores SIGPIPE, so the write fails with "broken pipe"
//! instead of ending the process. The CLI keeps SIGPIPE ignored, because it also writes to
//! sockets (the node's RPC, the workers it serves), and a peer going away must not end it. So
//! its lines go through [`outln!`](crate::outln), which ends the command quietly when nobody
//! reads them any more.

use std::io::{ErrorKind, Write};

/// The exit status of a command whose output nobody reads any more: 128 + SIGPIPE, what a
/// shell reports for a command a closed pipe ended.
pub const CLOSED_PIPE: i32 = 141;

/// Writes `args` and a newline to standard output. If its reader has gone, ends the process
/// with [`CLOSED_PIPE`]; if the write fails otherwise (a full disk under a redirection), says
/// so on standard error and ends it with status 1.
pub fn line(args: std::fmt::Arguments) {
	let mut out = std::io::stdout().lock();
	if let Err(error) = out.write_fmt(args).and_then(|()| out.write_all(b"\n")) {
		if error.kind() == ErrorKind::BrokenPipe {
			std::process::exit(CLOSED_PIPE);
		}
		eprintln!("error: cannot write to standard output: {error}");
		std::process::exit(1);
	}
}

/// `println!` for the CLI's output: see the [module](crate::stdout).
#[macro_export]
macro_rules! outln {
	() => {
		$crate::stdout::line(format_args!(""))
	};
	($($arg:tt)*) => {
		$crate::stdout::line(format_args!($($arg)*))
	};
}
