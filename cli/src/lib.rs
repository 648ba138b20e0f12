//! # conun (the requester's CLI)
//!
//! - [`manifest`]: job manifests (TOML) and their checks, with the line at fault;
//! - [`prepare`]: the program (a wasm module, a saved or built docker image) and inputs, into the
//!   blob store; [`serve`]: the libp2p node that serves them to workers;
//! - [`check`]: `job check`, everything knowable before posting;
//! - [`job`]: submit, watch ([`watch`]), status, cancel, results ([`results`], [`reduce`],
//!   [`png`], [`spot_check`]), logs, and `serve` for detached jobs; [`job_records`]: what the
//!   CLI remembers of them;
//! - [`accounts`], [`views`] (providers, balance), [`settings`], [`error`]; [`stdout`]: the
//!   lines it prints, ending quietly when their reader has gone.

pub mod accounts;
pub mod check;
pub mod error;
pub mod format;
pub mod job;
pub mod job_records;
pub mod manifest;
pub mod png;
pub mod prepare;
pub mod reduce;
pub mod results;
pub mod serve;
pub mod settings;
pub mod spot_check;
pub mod stdout;
pub mod views;
pub mod watch;
