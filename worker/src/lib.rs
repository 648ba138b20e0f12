//! # conun-worker
//!
//! The provider's daemon. It follows the chain for the tasks assigned to its provider, fetches
//! their programs and inputs, runs them in a sandbox, and commits and reveals their results.
//!
//! - [`executor`]: the sandboxes (wasmi today; docker next) and what a run produces;
//! - [`journal`]: the crash-safe record of every task's phase, result and salt.

pub mod executor;
pub mod journal;
