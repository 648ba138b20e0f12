//! What a task produces, and how it is hashed for the vote.
//!
//! Replicas vote on the hash of a [`TaskOutput`]: how the program ended ([`TaskStatus`]), what it
//! wrote to stdout, and (for docker) a deterministic archive of its `/out` directory. A program
//! that fails the same way everywhere (runs out of fuel, exceeds its memory, exits with an
//! error) is a result too: honest replicas agree on it and are paid for it, and the requester
//! learns why the task failed.

use crate::content_hash;
use alloc::vec::Vec;
use codec::{Decode, Encode};
use polkadot_sdk::sp_core::H256;
use scale_info::TypeInfo;

/// The most bytes a task's output may have (stdout and files together). A program that writes
/// more ends with [`TaskStatus::OutputTooLarge`]; the bound is the same on every replica, so they
/// agree on it.
pub const MAX_OUTPUT_BYTES: u64 = 64 << 20;

/// How a task's program ended.
#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug, TypeInfo)]
pub enum TaskStatus {
	/// The program ended by itself with this exit code (0: success).
	#[codec(index = 0)]
	Exited(i32),
	/// It used up the job's fuel (wasm) before ending.
	#[codec(index = 1)]
	OutOfFuel,
	/// It asked for more memory than the job's resources allow.
	#[codec(index = 2)]
	MemoryExceeded,
	/// It trapped (wasm: unreachable, division by zero, stack overflow...) or was killed by a
	/// signal (docker).
	#[codec(index = 3)]
	Trapped,
	/// It ran past the job's execution deadline on the wall clock (docker).
	#[codec(index = 4)]
	TimedOut,
	/// It wrote more than [`MAX_OUTPUT_BYTES`].
	#[codec(index = 5)]
	OutputTooLarge,
	/// The program is not valid: a malformed wasm module, a missing entry point, an import the
	/// sandbox does not offer.
	#[codec(index = 6)]
	InvalidProgram,
}

impl TaskStatus {
	/// Whether the program ran to its end and reported success.
	pub fn is_success(&self) -> bool {
		*self == TaskStatus::Exited(0)
	}
}

/// Everything a task produced that replicas vote on. Its SCALE encoding is the result blob a
/// requester downloads; its hash is the result put on chain.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct TaskOutput {
	pub status: TaskStatus,
	pub stdout: Vec<u8>,
	/// A tar archive of the files the program left in `/out`, with sorted entries, fixed times
	/// and owners (docker); empty for wasm.
	pub files: Vec<u8>,
}

impl TaskOutput {
	/// An output with nothing but a status.
	pub fn empty(status: TaskStatus) -> Self {
		Self { status, stdout: Vec::new(), files: Vec::new() }
	}

	/// The output of a run that ended with `status`. Only a program that ended by itself keeps
	/// what it wrote: one stopped by a limit or a trap has no output to speak of, which keeps the
	/// result small and equal on every replica whenever the limit struck.
	pub fn of_run(status: TaskStatus, stdout: Vec<u8>, files: Vec<u8>) -> Self {
		match status {
			TaskStatus::Exited(_) => Self { status, stdout, files },
			_ => Self::empty(status),
		}
	}

	/// The hash replicas commit to and reveal: the content hash of the encoded output.
	pub fn result_hash(&self) -> H256 {
		content_hash(&self.encode())
	}
}

/// The most stderr bytes a worker keeps per task (its logs); the rest is dropped.
pub const MAX_LOG_BYTES: u64 = 1 << 20;

/// What running one task took and gave, as the worker that ran it keeps it and serves it to the
/// requester (who asks why a task failed, or what it cost). Its SCALE encoding is wire format.
#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug)]
pub struct Receipt {
	/// The hash of the task's output: what the worker commits to.
	pub result: H256,
	pub status: TaskStatus,
	/// Fuel burned (wasm) or wall-clock microseconds (docker).
	pub work: u64,
	/// Program and input bytes the task read.
	pub bytes_in: u64,
	/// Output bytes it produced.
	pub bytes_out: u64,
	/// The content hash of its logs (stderr, at most [`MAX_LOG_BYTES`]), fetched like any blob.
	pub logs: H256,
}
