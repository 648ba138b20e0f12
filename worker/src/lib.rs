//! # conun-worker
//!
//! The provider's daemon. It follows the chain for the tasks assigned to its provider, fetches
//! their programs and inputs over libp2p, runs them in a sandbox, and commits and reveals their
//! results.
//!
//! - [`app`]: the commands (`register`, `run`, `status`, `unbond`) and [`config`], their settings;
//! - [`daemon`]: the main loop, which turns the chain's assignments into commits and reveals;
//! - [`chain`]: the typed chain client (subxt);
//! - the sandboxes themselves (wasmi, Docker) live in `conun-sandbox`, shared with the CLI and
//!   the runtime's referee;
//! - [`journal`]: the crash-safe record of every task's phase, result and salt;
//! - [`capabilities`], [`metrics`], [`fault`] (test-only misbehaviour).

pub mod app;
pub mod capabilities;
pub mod chain;
pub mod config;
pub mod daemon;
pub mod fault;
pub mod journal;
pub mod metrics;
