//! Sandboxes that run one task: [`wasm`] (wasmi) and [`docker`] (the Docker engine).
//!
//! An executor turns a program, an input and the job's limits into an [`Execution`]: the
//! [`TaskOutput`] replicas vote on, plus what the provider keeps for itself (logs, fuel, time).
//! Everything a program can do wrong ends in a [`conun_primitives::TaskStatus`], never in a
//! worker error: a failing program is a result, and the worker goes on serving.

pub mod docker;
pub mod wasm;
mod wasi;

use conun_primitives::TaskOutput;
use std::time::Duration;

/// What the job allows one task, the same on every replica.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
	/// Fuel (wasm instructions, weighted) the program may burn.
	pub fuel: u64,
	/// Linear memory the program may grow to, in bytes.
	pub memory_bytes: usize,
	/// Output (stdout plus files) the program may write, in bytes.
	pub max_output: usize,
}

/// One run of a task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Execution {
	/// What replicas vote on.
	pub output: TaskOutput,
	/// What the program wrote to stderr, up to [`MAX_LOG_BYTES`]: served to the requester on
	/// request, not voted on.
	pub stderr: Vec<u8>,
	/// Fuel burned (wasm).
	pub fuel_used: u64,
	/// Wall-clock time the run took.
	pub elapsed: Duration,
}

/// The most stderr bytes kept per task; the rest is dropped.
pub const MAX_LOG_BYTES: usize = conun_primitives::MAX_LOG_BYTES as usize;
