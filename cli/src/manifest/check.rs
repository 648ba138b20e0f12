//! The checks of a parsed manifest: every path it names exists and every number is within the
//! market's bounds, or there is a [`ManifestError`] at the value at fault.

use super::{
	diagnostic::ManifestError,
	model::{
		InputSpec, Manifest, ProgramSpec, RawInputs, RawManifest, RawOutput, RawProgram, RawTerms,
		Reduce,
	},
};
use conun_client::{
	con::{format_con, parse_con},
	limits::MarketLimits,
};
use conun_primitives::{
	Deadlines, JobTerms, Resources, RuntimeKind, MAX_ARGS, MAX_ARG_LEN, MAX_ENTRY_POINT_LEN,
};
use std::{
	ops::Range,
	path::{Path, PathBuf},
};
use toml::Spanned;

/// Checks `raw`, parsed from `source`, which was read from `file` (relative paths in it are
/// relative to the manifest's directory), against the market's `limits`.
pub(super) fn manifest(
	file: &Path,
	source: &str,
	limits: &MarketLimits,
	raw: RawManifest,
) -> Result<Manifest, ManifestError> {
	Checker { file, source, base: file.parent().unwrap_or(Path::new(".")), limits }.check(raw)
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
	fn int(
		&self,
		value: &Spanned<i64>,
		key: &str,
		min: i64,
		max: i64,
	) -> Result<i64, ManifestError> {
		let v = *value.get_ref();
		if v < min || v > max {
			return self.error(value.span(), format!("{key} must be {min} to {max} (got {v})"));
		}
		Ok(v)
	}

	fn file(&self, value: &Spanned<String>, what: &str) -> Result<PathBuf, ManifestError> {
		let path = self.base.join(value.get_ref());
		match std::fs::metadata(&path) {
			Ok(meta) if meta.is_file() && meta.len() == 0 => self.error(
				value.span(),
				format!("{what} {} is empty: a task needs at least one byte", path.display()),
			),
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
			Some(c) if c.get_ref().len() > MAX_ARG_LEN as usize => {
				return self.error(c.span(), format!("command is longer than {MAX_ARG_LEN} bytes"))
			},
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
					return self
						.error(arg.span(), format!("an arg is longer than {MAX_ARG_LEN} bytes"));
				}
				args.push(arg.get_ref().clone());
			}
		}
		match p.runtime.get_ref().parse() {
			Ok(RuntimeKind::Wasm) => {
				for (key, given) in [
					("image", p.image.as_ref().map(|v| v.span())),
					("build", p.build.as_ref().map(|v| v.span())),
				]
				.into_iter()
				.chain([
					("command", p.command.as_ref().map(|v| v.span())),
					("args", p.args.as_ref().map(|v| v.span())),
				]) {
					if let Some(span) = given {
						return self.error(span, format!("`{key}` is for docker programs; a wasm program takes `wasm`, `entry_point` and `fuel`"));
					}
				}
				let Some(wasm) = &p.wasm else {
					return self
						.error(span, "a wasm program needs `wasm = \"path/to/module.wasm\"`");
				};
				let path = self.file(wasm, "the wasm module")?;
				let entry_point = match &p.entry_point {
					Some(e)
						if e.get_ref().is_empty()
							|| e.get_ref().len() > MAX_ENTRY_POINT_LEN as usize =>
					{
						return self.error(
							e.span(),
							format!("entry_point must be 1 to {MAX_ENTRY_POINT_LEN} bytes"),
						)
					},
					Some(e) => e.get_ref().clone(),
					None => "_start".into(),
				};
				let Some(fuel) = &p.fuel else {
					return self.error(span, "a wasm program needs `fuel`: the most work one task may do (wasm instructions, weighted)");
				};
				let fuel = self.int(fuel, "fuel", 1, i64::MAX)? as u64;
				Ok(ProgramSpec::Wasm { path, entry_point, fuel })
			},
			Ok(RuntimeKind::Docker) => {
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
			Err(_) => self.error(
				p.runtime.span(),
				format!("runtime must be \"wasm\" or \"docker\" (got \"{}\")", p.runtime.get_ref()),
			),
		}
	}

	fn inputs(&self, raw: Spanned<RawInputs>) -> Result<InputSpec, ManifestError> {
		let span = raw.span();
		let i = raw.into_inner();
		let given = [
			i.range.as_ref().map(|v| v.span()),
			i.files.as_ref().map(|v| v.span()),
			i.dir.as_ref().map(|v| v.span()),
		];
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
			InputSpec::Files(
				files
					.get_ref()
					.iter()
					.map(|f| self.file(f, "the input"))
					.collect::<Result<_, _>>()?,
			)
		} else if let Some(dir) = i.dir {
			let path = self.base.join(dir.get_ref());
			let entries = std::fs::read_dir(&path)
				.or_else(|e| self.error(dir.span(), format!("{}: {e}", path.display())))?;
			let mut files = Vec::new();
			for entry in entries {
				let entry = entry
					.or_else(|e| self.error(dir.span(), format!("{}: {e}", path.display())))?;
				let meta = entry.metadata().or_else(|e| {
					self.error(dir.span(), format!("{}: {e}", entry.path().display()))
				})?;
				if meta.is_file() {
					if meta.len() == 0 {
						return self.error(
							dir.span(),
							format!(
								"{} is empty: a task needs at least one byte",
								entry.path().display()
							),
						);
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
			toml::Value::String(text) => {
				parse_con(text).or_else(|e| self.error(t.price.span(), e))?
			},
			toml::Value::Integer(whole) if *whole >= 0 => (*whole as u128) * conun_client::con::CON,
			toml::Value::Float(_) => {
				return self.error(
					t.price.span(),
					"write a fractional price as a string, e.g. price = \"0.01\" (CON per replica)",
				)
			},
			_ => {
				return self.error(
					t.price.span(),
					"price is an amount of CON per replica, e.g. price = \"0.01\"",
				)
			},
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
					*slot = self.int(
						v,
						&format!("the {key} deadline (blocks)"),
						1,
						limits.max_deadline.into(),
					)? as u32;
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
