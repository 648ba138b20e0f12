//! What a manifest describes once checked ([`Manifest`] and its parts), what TOML gives before
//! checking (the `Raw` types), and [`load`] / [`parse`], which read the one and check it into the
//! other.

use super::{check, diagnostic::ManifestError};
use crate::error::CliError;
use conun_client::limits::MarketLimits;
use conun_primitives::JobTerms;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use toml::Spanned;

/// A checked manifest: every path exists and every number is within the market's bounds.
#[derive(Clone, Debug)]
pub struct Manifest {
	pub name: String,
	/// The manifest file.
	pub path: PathBuf,
	pub program: ProgramSpec,
	pub inputs: InputSpec,
	pub terms: JobTerms<u128, u32>,
	pub reduce: Reduce,
}

/// Where the program comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProgramSpec {
	Wasm {
		path: PathBuf,
		entry_point: String,
		fuel: u64,
	},
	/// A `docker save` tarball.
	DockerImage {
		path: PathBuf,
		command: String,
		args: Vec<String>,
	},
	/// A directory with a Dockerfile, which the CLI builds and saves.
	DockerBuild {
		dir: PathBuf,
		command: String,
		args: Vec<String>,
	},
}

/// The tasks' inputs, one per task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InputSpec {
	/// Task k gets `"a b\n"`: the k-th of `chunks` consecutive, inclusive sub-ranges of
	/// `start..=end`.
	Range { start: u64, end: u64, chunks: u32 },
	/// Task k gets the bytes of the k-th file.
	Files(Vec<PathBuf>),
}

impl InputSpec {
	/// How many tasks the job has.
	pub fn tasks(&self) -> usize {
		match self {
			InputSpec::Range { chunks, .. } => *chunks as usize,
			InputSpec::Files(files) => files.len(),
		}
	}
}

/// What `job results` does with the verified outputs once they are downloaded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "kind")]
pub enum Reduce {
	/// Keep each task's output as its own file.
	#[default]
	None,
	/// Also join the outputs, in task order, into one file.
	Concat,
	/// Each output is a decimal number: add them up.
	Sum,
	/// Each output is a `width`×`height` 8-bit grey tile, `columns` to a row: stitch them into a
	/// PNG.
	Tiles { columns: u32, width: u32, height: u32 },
	/// Each output is `word<TAB>count` lines: add the counts up.
	Counts,
}

// What TOML gives us, before checking. Every table refuses keys it does not know, so a misspelt
// key is an error at that key rather than a setting silently ignored.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawManifest {
	pub(super) name: Option<Spanned<String>>,
	pub(super) program: Spanned<RawProgram>,
	pub(super) inputs: Spanned<RawInputs>,
	pub(super) terms: Spanned<RawTerms>,
	pub(super) output: Option<Spanned<RawOutput>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawProgram {
	pub(super) runtime: Spanned<String>,
	pub(super) wasm: Option<Spanned<String>>,
	pub(super) entry_point: Option<Spanned<String>>,
	pub(super) fuel: Option<Spanned<i64>>,
	pub(super) image: Option<Spanned<String>>,
	pub(super) build: Option<Spanned<String>>,
	pub(super) command: Option<Spanned<String>>,
	pub(super) args: Option<Spanned<Vec<Spanned<String>>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawInputs {
	pub(super) range: Option<Spanned<RawRange>>,
	pub(super) files: Option<Spanned<Vec<Spanned<String>>>>,
	pub(super) dir: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRange {
	pub(super) start: Spanned<i64>,
	pub(super) end: Spanned<i64>,
	pub(super) chunks: Spanned<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTerms {
	pub(super) replicas: Spanned<i64>,
	pub(super) price: Spanned<toml::Value>,
	pub(super) min_reputation: Option<Spanned<i64>>,
	pub(super) resources: Option<Spanned<RawResources>>,
	pub(super) deadlines: Option<Spanned<RawDeadlines>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawResources {
	pub(super) cores: Option<Spanned<i64>>,
	pub(super) memory_mib: Option<Spanned<i64>>,
	pub(super) gpus: Option<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDeadlines {
	pub(super) execution: Option<Spanned<i64>>,
	pub(super) commit: Option<Spanned<i64>>,
	pub(super) reveal: Option<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawOutput {
	pub(super) reduce: Spanned<String>,
	pub(super) tiles: Option<Spanned<RawTiles>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTiles {
	pub(super) columns: Spanned<i64>,
	pub(super) width: Spanned<i64>,
	pub(super) height: Spanned<i64>,
}

/// Reads and checks the manifest at `path` against the market's `limits` (the chain's, read
/// from its metadata), so that a mistake is found before anything is posted.
pub fn load(path: &Path, limits: &MarketLimits) -> Result<Manifest, CliError> {
	let source = std::fs::read_to_string(path).map_err(|e| {
		CliError::Usage(format!("cannot read the manifest {}: {e}", path.display()))
	})?;
	Ok(parse(path, &source, limits)?)
}

/// Checks the manifest `source`, read from `path` (relative paths in it are relative to the
/// manifest's directory), against the market's `limits`.
pub fn parse(path: &Path, source: &str, limits: &MarketLimits) -> Result<Manifest, ManifestError> {
	let raw: RawManifest = toml::from_str(source)
		.map_err(|e| ManifestError::new(path, source, e.span(), e.message().to_string()))?;
	check::manifest(path, source, limits, raw)
}
