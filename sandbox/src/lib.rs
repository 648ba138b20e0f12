//! # The Conun sandboxes
//!
//! Sandboxes that run one task: [`wasm`] (wasmi) and, with the `docker` feature, [`docker`]
//! (the Docker engine).
//!
//! An executor turns a program, an input and the job's limits into an [`Execution`]: the
//! [`TaskOutput`] replicas vote on, plus what the provider keeps for itself (logs, fuel, time).
//! Everything a program can do wrong ends in a [`conun_primitives::TaskStatus`], never in an
//! executor error: a failing program is a result, and whoever runs it goes on serving.
//!
//! ## One sandbox for everyone who runs a wasm task
//!
//! A worker runs a task to commit its result, the `conun` CLI runs task 0 to check a job before
//! it is posted, and the runtime runs a task to referee a challenge. All three must produce the
//! same bytes and burn the same fuel, or an honest worker would lose to the chain's own run.
//! So they share this crate: the same wasmi release and configuration, the same host
//! interface ([`wasi`]), the same float routines (wasmi's `libm` feature, with or without std),
//! and the same limits ([`limits::wasm_limits`]). Without the `std` feature the crate is
//! `no_std` and builds into the runtime.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(feature = "docker")]
pub mod docker;
pub mod limits;
mod wasi;
pub mod wasm;

pub use conun_primitives::{TaskOutput, TaskStatus, MAX_LOG_BYTES};
pub use limits::{wasm_limits, Limits};
pub use wasm::WasmExecutor;

use alloc::vec::Vec;
use core::time::Duration;

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
	/// Wall-clock time the run took; zero without `std` (the runtime has no clock to read, and
	/// nothing there may depend on one).
	pub elapsed: Duration,
}

/// The most stderr bytes kept per task, as a length; the rest is dropped.
pub(crate) const MAX_LOG_LEN: usize = MAX_LOG_BYTES as usize;
