//! Job manifests: a TOML file that says what to run (a wasm module or a container image), on what
//! inputs (files, a directory, or a generated range of numbers), and on what terms (replicas,
//! price, deadlines, resources). The format is documented in `docs/manifest.md`.
//!
//! Every mistake is reported with the file, the line and the column at fault, and the line
//! itself, whether TOML rejects it (a syntax error, a misspelt key, a wrong type) or the market
//! would (nine replicas, a price of zero, an input file that is not there).

use crate::error::CliError;
use conun_client::{
	con::{format_con, parse_con},
	limits::MarketLimits,
};
use conun_primitives::{Deadlines, JobTerms, Resources, MAX_ARGS, MAX_ARG_LEN, MAX_ENTRY_POINT_LEN};
use serde::{Deserialize, Serialize};
use std::{
	fmt,
	ops::Range,
	path::{Path, PathBuf},
};
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
	Wasm { path: PathBuf, entry_point: String, fuel: u64 },
	/// A `docker save` tarball.
	DockerImage { path: PathBuf, command: String, args: Vec<String> },
	/// A directory with a Dockerfile, which the CLI builds and saves.
	DockerBuild { dir: PathBuf, command: String, args: Vec<String> },
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

/// The sub-ranges of `start..=end` split into `chunks` nearly equal parts, as task inputs.
pub fn range_inputs(start: u64, end: u64, chunks: u32) -> Vec<Vec<u8>> {
	let n = (end - start) as u128 + 1;
	let chunks = chunks as u128;
	(0..chunks)
		.map(|k| {
			let first = start as u128 + k * n / chunks;
			let last = start as u128 + (k + 1) * n / chunks - 1;
			format!("{first} {last}\n").into_bytes()
		})
		.collect()
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

/// A mistake in a manifest, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestError {
	pub file: PathBuf,
	/// Line and column (from 1) and the text of that line, when the mistake has a place.
	pub at: Option<(usize, usize, String, usize)>,
	pub message: String,
}

impl ManifestError {
	fn new(file: &Path, source: &str, span: Option<Range<usize>>, message: String) -> Self {
		let at = span.map(|span| {
			let start = span.start.min(source.len());
			let before = &source[..start];
			let line = before.matches('\n').count() + 1;
			let line_start = before.rfind('\n').map_or(0, |i| i + 1);
			let column = source[line_start..start].chars().count() + 1;
			let text = source[line_start..].lines().next().unwrap_or("").to_string();
			let width = source[start..span.end.max(start).min(source.len())]
				.lines()
				.next()
				.map_or(1, |s| s.chars().count().max(1));
			(line, column, text, width)
		});
		Self { file: file.to_path_buf(), at, message }
	}
}

impl fmt::Display for ManifestError {
	fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
		match &self.at {
			Some((line, column, text, width)) => {
				writeln!(f, "{}:{line}:{column}: {}", self.file.display(), self.message)?;
				let gutter = line.to_string().len();
				writeln!(f, "{:gutter$} |", "")?;
				writeln!(f, "{line} | {text}")?;
				write!(f, "{:gutter$} | {}{}", "", " ".repeat(column - 1), "^".repeat(*width))
			},
			None => write!(f, "{}: {}", self.file.display(), self.message),
		}
	}
}

impl std::error::Error for ManifestError {}

// What TOML gives us, before checking. Every table refuses keys it does not know, so a misspelt
// key is an error at that key rather than a setting silently ignored.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
	name: Option<Spanned<String>>,
	program: Spanned<RawProgram>,
	inputs: Spanned<RawInputs>,
	terms: Spanned<RawTerms>,
	output: Option<Spanned<RawOutput>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProgram {
	runtime: Spanned<String>,
	wasm: Option<Spanned<String>>,
	entry_point: Option<Spanned<String>>,
	fuel: Option<Spanned<i64>>,
	image: Option<Spanned<String>>,
	build: Option<Spanned<String>>,
	command: Option<Spanned<String>>,
	args: Option<Spanned<Vec<Spanned<String>>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInputs {
	range: Option<Spanned<RawRange>>,
	files: Option<Spanned<Vec<Spanned<String>>>>,
	dir: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRange {
	start: Spanned<i64>,
	end: Spanned<i64>,
	chunks: Spanned<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTerms {
	replicas: Spanned<i64>,
	price: Spanned<toml::Value>,
	min_reputation: Option<Spanned<i64>>,
	resources: Option<Spanned<RawResources>>,
	deadlines: Option<Spanned<RawDeadlines>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawResources {
	cores: Option<Spanned<i64>>,
	memory_mib: Option<Spanned<i64>>,
	gpus: Option<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDeadlines {
	execution: Option<Spanned<i64>>,
	commit: Option<Spanned<i64>>,
	reveal: Option<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOutput {
	reduce: Spanned<String>,
	tiles: Option<Spanned<RawTiles>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTiles {
	columns: Spanned<i64>,
	width: Spanned<i64>,
	height: Spanned<i64>,
}

/// Reads and checks the manifest at `path` against the market's `limits` (the chain's, read
/// from its metadata), so that a mistake is found before anything is posted.
pub fn load(path: &Path, limits: &MarketLimits) -> Result<Manifest, CliError> {
	let source = std::fs::read_to_string(path)
		.map_err(|e| CliError::Usage(format!("cannot read the manifest {}: {e}", path.display())))?;
	Ok(parse(path, &source, limits)?)
}

/// Checks the manifest `source`, read from `path` (relative paths in it are relative to the
/// manifest's directory), against the market's `limits`.
pub fn parse(path: &Path, source: &str, limits: &MarketLimits) -> Result<Manifest, ManifestError> {
	let raw: RawManifest = toml::from_str(source)
		.map_err(|e| ManifestError::new(path, source, e.span(), e.message().to_string()))?;
	Checker { file: path, source, base: path.parent().unwrap_or(Path::new(".")), limits }.check(raw)
}

struct Checker<'a> {
	file: &'a Path,
	source: &'a str,
	base: &'a Path,
	limits: &'a MarketLimits,
}

impl Checker<'_> {
	fn error<T>(&self, span: Range<usize>, message: impl Into<String>) -> Result<T, ManifestError> {
		Err(ManifestError::new(self.file, self.source, Some(span), message.into()))
	}

	/// An integer in `min..=max`, or an error at it that names the key and the bounds.
	fn int(&self, value: &Spanned<i64>, key: &str, min: i64, max: i64) -> Result<i64, ManifestError> {
		let v = *value.get_ref();
		if v < min || v > max {
			return self.error(value.span(), format!("{key} must be {min} to {max} (got {v})"));
		}
		Ok(v)
	}

	fn file(&self, value: &Spanned<String>, what: &str) -> Result<PathBuf, ManifestError> {
		let path = self.base.join(value.get_ref());
		match std::fs::metadata(&path) {
			Ok(meta) if meta.is_file() && meta.len() == 0 =>
				self.error(value.span(), format!("{what} {} is empty: a task needs at least one byte", path.display())),
			Ok(meta) if meta.is_file() => Ok(path),
			Ok(_) => self.error(value.span(), format!("{what} {} is not a file", path.display())),
			Err(e) => self.error(value.span(), format!("{what} {}: {e}", path.display())),
		}
	}

	fn check(&self, raw: RawManifest) -> Result<Manifest, ManifestError> {
		let name = match &raw.name {
			Some(name) => name.get_ref().clone(),
			None => self
				.file
				.file_stem()
				.map(|s| s.to_string_lossy().into_owned())
				.unwrap_or_else(|| "job".into()),
		};
		let program = self.program(raw.program)?;
		let inputs = self.inputs(raw.inputs)?;
		let terms = self.terms(raw.terms)?;
		let reduce = match raw.output {
			Some(output) => self.output(output.into_inner())?,
			None => Reduce::None,
		};
		Ok(Manifest { name, path: self.file.to_path_buf(), program, inputs, terms, reduce })
	}

	fn program(&self, raw: Spanned<RawProgram>) -> Result<ProgramSpec, ManifestError> {
		let span = raw.span();
		let p = raw.into_inner();
		let command = match &p.command {
			Some(c) if c.get_ref().len() > MAX_ARG_LEN as usize =>
				return self.error(c.span(), format!("command is longer than {MAX_ARG_LEN} bytes")),
			Some(c) => c.get_ref().clone(),
			None => String::new(),
		};
		let mut args = Vec::new();
		if let Some(list) = &p.args {
			if list.get_ref().len() > MAX_ARGS as usize {
				return self.error(list.span(), format!("at most {MAX_ARGS} args"));
			}
			for arg in list.get_ref() {
				if arg.get_ref().len() > MAX_ARG_LEN as usize {
					return self.error(arg.span(), format!("an arg is longer than {MAX_ARG_LEN} bytes"));
				}
				args.push(arg.get_ref().clone());
			}
		}
		match p.runtime.get_ref().as_str() {
			"wasm" => {
				for (key, given) in [("image", p.image.as_ref().map(|v| v.span())), ("build", p.build.as_ref().map(|v| v.span()))]
					.into_iter()
					.chain([("command", p.command.as_ref().map(|v| v.span())), ("args", p.args.as_ref().map(|v| v.span()))])
				{
					if let Some(span) = given {
						return self.error(span, format!("`{key}` is for docker programs; a wasm program takes `wasm`, `entry_point` and `fuel`"));
					}
				}
				let Some(wasm) = &p.wasm else {
					return self.error(span, "a wasm program needs `wasm = \"path/to/module.wasm\"`");
				};
				let path = self.file(wasm, "the wasm module")?;
				let entry_point = match &p.entry_point {
					Some(e) if e.get_ref().is_empty() || e.get_ref().len() > MAX_ENTRY_POINT_LEN as usize =>
						return self.error(e.span(), format!("entry_point must be 1 to {MAX_ENTRY_POINT_LEN} bytes")),
					Some(e) => e.get_ref().clone(),
					None => "_start".into(),
				};
				let Some(fuel) = &p.fuel else {
					return self.error(span, "a wasm program needs `fuel`: the most work one task may do (wasm instructions, weighted)");
				};
				let fuel = self.int(fuel, "fuel", 1, i64::MAX)? as u64;
				Ok(ProgramSpec::Wasm { path, entry_point, fuel })
			},
			"docker" => {
				for (key, given) in [
					("wasm", p.wasm.as_ref().map(|v| v.span())),
					("entry_point", p.entry_point.as_ref().map(|v| v.span())),
					("fuel", p.fuel.as_ref().map(|v| v.span())),
				] {
					if let Some(span) = given {
						return self.error(span, format!("`{key}` is for wasm programs; a docker program takes `image` or `build`, and `command`, `args`"));
					}
				}
				match (&p.image, &p.build) {
					(Some(image), None) =>
						Ok(ProgramSpec::DockerImage { path: self.file(image, "the image tarball")?, command, args }),
					(None, Some(build)) => {
						let dir = self.base.join(build.get_ref());
						if !dir.join("Dockerfile").is_file() {
							return self.error(build.span(), format!("{} has no Dockerfile", dir.display()));
						}
						Ok(ProgramSpec::DockerBuild { dir, command, args })
					},
					(Some(_), Some(build)) =>
						self.error(build.span(), "give either `image` (a docker save tarball) or `build` (a Dockerfile directory), not both"),
					(None, None) => self.error(
						span,
						"a docker program needs `image = \"image.tar\"` (docker save) or `build = \"dir/\"` (a directory with a Dockerfile)",
					),
				}
			},
			other => self.error(p.runtime.span(), format!("runtime must be \"wasm\" or \"docker\" (got \"{other}\")")),
		}
	}

	fn inputs(&self, raw: Spanned<RawInputs>) -> Result<InputSpec, ManifestError> {
		let span = raw.span();
		let i = raw.into_inner();
		let given = [i.range.as_ref().map(|v| v.span()), i.files.as_ref().map(|v| v.span()), i.dir.as_ref().map(|v| v.span())];
		if let Some(second) = given.iter().flatten().nth(1) {
			return self.error(second.clone(), "give exactly one of `range`, `files` and `dir`");
		}
		let inputs = if let Some(range) = i.range {
			let r = range.into_inner();
			let start = self.int(&r.start, "start", 0, i64::MAX)? as u64;
			let end = self.int(&r.end, "end", 0, i64::MAX)? as u64;
			if end < start {
				return self.error(r.end.span(), format!("end ({end}) is below start ({start})"));
			}
			let most = (end - start + 1).min(u64::from(self.limits.max_tasks_per_job)) as i64;
			let chunks = self.int(&r.chunks, "chunks", 1, most)? as u32;
			InputSpec::Range { start, end, chunks }
		} else if let Some(files) = i.files {
			if files.get_ref().is_empty() {
				return self.error(files.span(), "files is empty: a job needs at least one task");
			}
			InputSpec::Files(files.get_ref().iter().map(|f| self.file(f, "the input")).collect::<Result<_, _>>()?)
		} else if let Some(dir) = i.dir {
			let path = self.base.join(dir.get_ref());
			let entries = std::fs::read_dir(&path).or_else(|e| self.error(dir.span(), format!("{}: {e}", path.display())))?;
			let mut files = Vec::new();
			for entry in entries {
				let entry = entry.or_else(|e| self.error(dir.span(), format!("{}: {e}", path.display())))?;
				let meta = entry.metadata().or_else(|e| self.error(dir.span(), format!("{}: {e}", entry.path().display())))?;
				if meta.is_file() {
					if meta.len() == 0 {
						return self.error(dir.span(), format!("{} is empty: a task needs at least one byte", entry.path().display()));
					}
					files.push(entry.path());
				}
			}
			if files.is_empty() {
				return self.error(dir.span(), format!("{} has no files", path.display()));
			}
			files.sort();
			InputSpec::Files(files)
		} else {
			return self.error(span, "[inputs] needs one of `range = { start, end, chunks }`, `files = [...]` or `dir = \"...\"`");
		};
		let most = self.limits.max_tasks_per_job;
		if inputs.tasks() as u64 > u64::from(most) {
			return self.error(span, format!("{} tasks: a job has at most {most}", inputs.tasks()));
		}
		Ok(inputs)
	}

	fn terms(&self, raw: Spanned<RawTerms>) -> Result<JobTerms<u128, u32>, ManifestError> {
		let t = raw.into_inner();
		let limits = self.limits;
		let replicas = self.int(&t.replicas, "replicas", 1, limits.max_replicas.into())? as u32;
		let price = match t.price.get_ref() {
			toml::Value::String(text) => parse_con(text).or_else(|e| self.error(t.price.span(), e))?,
			toml::Value::Integer(whole) if *whole >= 0 => (*whole as u128) * conun_client::con::CON,
			toml::Value::Float(_) =>
				return self.error(t.price.span(), "write a fractional price as a string, e.g. price = \"0.01\" (CON per replica)"),
			_ => return self.error(t.price.span(), "price is an amount of CON per replica, e.g. price = \"0.01\""),
		};
		if price < limits.min_price.max(1) {
			return self.error(
				t.price.span(),
				format!("price must be at least {} (the chain's MinPrice): providers are paid per verified replica", format_con(limits.min_price.max(1))),
			);
		}
		let min_reputation = match &t.min_reputation {
			Some(v) => self.int(v, "min_reputation", 0, limits.max_reputation.into())? as u32,
			None => 0,
		};
		let mut resources = Resources { cores: 1, memory_mib: 64, gpus: 0 };
		if let Some(r) = t.resources {
			let r = r.into_inner();
			if let Some(v) = &r.cores {
				resources.cores = self.int(v, "cores", 1, 1_024)? as u32;
			}
			if let Some(v) = &r.memory_mib {
				resources.memory_mib = self.int(v, "memory_mib", 1, 1 << 22)? as u32;
			}
			if let Some(v) = &r.gpus {
				resources.gpus = self.int(v, "gpus", 0, 64)? as u32;
			}
		}
		let mut deadlines = Deadlines { execution: 10, commit: 10, reveal: 20 };
		if let Some(d) = t.deadlines {
			let d = d.into_inner();
			for (value, key, slot) in [
				(&d.execution, "execution", &mut deadlines.execution),
				(&d.commit, "commit", &mut deadlines.commit),
				(&d.reveal, "reveal", &mut deadlines.reveal),
			] {
				if let Some(v) = value {
					*slot = self.int(v, &format!("the {key} deadline (blocks)"), 1, limits.max_deadline.into())? as u32;
				}
			}
		}
		Ok(JobTerms { resources, replicas, price, min_reputation, deadlines })
	}

	fn output(&self, o: RawOutput) -> Result<Reduce, ManifestError> {
		let reduce = match o.reduce.get_ref().as_str() {
			"none" => Reduce::None,
			"concat" => Reduce::Concat,
			"sum" => Reduce::Sum,
			"counts" => Reduce::Counts,
			"tiles" => {
				let Some(tiles) = &o.tiles else {
					return self.error(o.reduce.span(), "reduce = \"tiles\" needs `tiles = { columns, width, height }`");
				};
				let t = tiles.get_ref();
				Reduce::Tiles {
					columns: self.int(&t.columns, "columns", 1, 4_096)? as u32,
					width: self.int(&t.width, "width", 1, 65_536)? as u32,
					height: self.int(&t.height, "height", 1, 65_536)? as u32,
				}
			},
			other => return self.error(
				o.reduce.span(),
				format!("reduce must be \"none\", \"concat\", \"sum\", \"tiles\" or \"counts\" (got \"{other}\")"),
			),
		};
		if let (Some(tiles), false) = (&o.tiles, matches!(reduce, Reduce::Tiles { .. })) {
			return self.error(tiles.span(), "`tiles` goes with reduce = \"tiles\"");
		}
		Ok(reduce)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn ranges_cover_every_number_once() {
		let inputs = range_inputs(1, 10, 3);
		assert_eq!(inputs, vec![b"1 3\n".to_vec(), b"4 6\n".to_vec(), b"7 10\n".to_vec()]);
		let inputs = range_inputs(1, 100_000_000, 100);
		assert_eq!(inputs[0], b"1 1000000\n");
		assert_eq!(inputs[99], b"99000001 100000000\n");
	}
}
