//! Job manifests: a TOML file that says what to run (a wasm module or a container image), on what
//! inputs (files, a directory, or a generated range of numbers), and on what terms (replicas,
//! price, deadlines, resources). The format is documented in `docs/manifest.md`.
//!
//! Every mistake is reported with the file, the line and the column at fault, and the line
//! itself, whether TOML rejects it (a syntax error, a misspelt key, a wrong type) or the market
//! would (nine replicas, a price of zero, an input file that is not there).
//!
//! - `model`: what a manifest describes ([`Manifest`] and its parts), what TOML gives before
//!   checking, and [`load`] / [`parse`], which go from a file to a checked [`Manifest`];
//! - `check`: the checks of a parsed manifest against the files on disk and the market's limits;
//! - `diagnostic`: the [`ManifestError`] a user is shown, placed at a [`Location`].

mod check;
mod diagnostic;
mod model;

pub use diagnostic::{Location, ManifestError};
pub use model::{load, parse, InputSpec, Manifest, ProgramSpec, Reduce};

// Task inputs are made in `prepare`; this keeps the old path `manifest::range_inputs` working.
pub use crate::prepare::range_inputs;
