//! Every kind of manifest mistake gives an error with the file, the line and the column at
//! fault, and the offending line underlined; a good manifest gives the job it describes.

use conun_cli::manifest::{
	self, InputSpec, Location, Manifest, ManifestError, ProgramSpec, Reduce,
};
use conun_client::limits::MarketLimits;
use std::path::Path;

/// A market's limits, as the CLI reads them from a chain's metadata (these are a fixture).
fn limits() -> MarketLimits {
	MarketLimits {
		max_tasks_per_job: 5_000,
		max_replicas: 7,
		max_deadline: 28_800,
		max_reputation: 1_000,
		min_price: conun_client::con::CON / 1_000,
		min_stake: 100 * conun_client::con::CON,
		max_tasks_per_provider: 1_024,
		extra_replica_margin_ppb: 100_000_000,
		job_deposit: conun_client::con::CON / 10,
		task_deposit: conun_client::con::CON / 100,
		retention_period: 28_800,
	}
}

fn parse(path: &Path, source: &str) -> Result<Manifest, ManifestError> {
	manifest::parse(path, source, &limits())
}

const GOOD: &str = r#"name = "sum"
[program]
runtime = "wasm"
wasm = "prog.wasm"
fuel = 1_000_000

[inputs]
range = { start = 1, end = 1000, chunks = 10 }

[terms]
replicas = 3
price = "0.01"
deadlines = { execution = 10, commit = 10, reveal = 20 }

[output]
reduce = "sum"
"#;

struct Dir(tempfile::TempDir);

impl Dir {
	fn new() -> Self {
		let dir = tempfile::tempdir().unwrap();
		std::fs::write(dir.path().join("prog.wasm"), b"\0asm\x01\0\0\0").unwrap();
		std::fs::write(dir.path().join("a.txt"), b"some words").unwrap();
		std::fs::write(dir.path().join("empty.txt"), b"").unwrap();
		std::fs::create_dir(dir.path().join("image")).unwrap();
		std::fs::write(dir.path().join("image/Dockerfile"), b"FROM scratch\n").unwrap();
		Self(dir)
	}

	fn file(&self) -> std::path::PathBuf {
		self.0.path().join("job.toml")
	}

	/// The error for `source`, as the user sees it.
	fn error(&self, source: &str) -> String {
		match parse(&self.file(), source) {
			Ok(_) => panic!("accepted:\n{source}"),
			Err(error) => error.to_string(),
		}
	}
}

/// Asserts the error is at `line:column` and mentions `words`.
fn assert_error(error: &str, line: usize, column: usize, words: &str) {
	let first = error.lines().next().unwrap();
	assert!(first.contains(&format!("job.toml:{line}:{column}:")), "wrong place in:\n{error}");
	assert!(first.to_lowercase().contains(&words.to_lowercase()), "`{words}` not in:\n{error}");
	assert!(error.contains('^'), "no caret under the mistake:\n{error}");
}

#[test]
fn a_good_manifest_describes_its_job() {
	let dir = Dir::new();
	let manifest = parse(&dir.file(), GOOD).unwrap();
	assert_eq!(manifest.name, "sum");
	assert!(
		matches!(manifest.program, ProgramSpec::Wasm { fuel: 1_000_000, ref entry_point, .. } if entry_point == "_start")
	);
	assert_eq!(manifest.inputs, InputSpec::Range { start: 1, end: 1000, chunks: 10 });
	assert_eq!(manifest.terms.replicas, 3);
	assert_eq!(manifest.terms.price, 10_000_000_000);
	assert_eq!(manifest.reduce, Reduce::Sum);
	// A directory of inputs is one task per file, in name order.
	let dir_job =
		GOOD.replace("range = { start = 1, end = 1000, chunks = 10 }", "files = [\"a.txt\"]");
	assert!(
		matches!(parse(&dir.file(), &dir_job).unwrap().inputs, InputSpec::Files(ref f) if f.len() == 1)
	);
	let docker = GOOD
		.replace("wasm = \"prog.wasm\"\nfuel = 1_000_000", "build = \"image\"")
		.replace("\"wasm\"", "\"docker\"");
	assert!(matches!(
		parse(&dir.file(), &docker).unwrap().program,
		ProgramSpec::DockerBuild { .. }
	));
}

#[test]
fn toml_mistakes_are_placed() {
	let dir = Dir::new();
	// Syntax: an unclosed string.
	assert_error(&dir.error(&GOOD.replace("price = \"0.01\"", "price = \"0.01")), 12, 14, "");
	// A misspelt key.
	assert_error(
		&dir.error(&GOOD.replace("replicas = 3", "replica = 3")),
		11,
		1,
		"unknown field `replica`",
	);
	// A wrong type.
	assert_error(
		&dir.error(&GOOD.replace("replicas = 3", "replicas = \"three\"")),
		11,
		12,
		"invalid type",
	);
	// A missing key: the error points at its table.
	let error = dir.error(&GOOD.replace("replicas = 3\n", ""));
	assert!(error.contains("missing field `replicas`"), "{error}");
}

#[test]
fn market_mistakes_are_placed() {
	let dir = Dir::new();
	let cases = [
		(GOOD.replace("replicas = 3", "replicas = 9"), 11, 12, "replicas must be 1 to 7 (got 9)"),
		(GOOD.replace("price = \"0.01\"", "price = \"abc\""), 12, 9, "not an amount of CON"),
		(GOOD.replace("price = \"0.01\"", "price = 0.01"), 12, 9, "as a string"),
		(GOOD.replace("price = \"0.01\"", "price = \"0\""), 12, 9, "at least 0.001 CON"),
		(GOOD.replace("price = \"0.01\"", "price = \"0.0001\""), 12, 9, "MinPrice"),
		(GOOD.replace("execution = 10", "execution = 0"), 13, 27, "execution deadline"),
		(GOOD.replace("reveal = 20", "reveal = 99999"), 13, 53, "28800"),
		(GOOD.replace("chunks = 10", "chunks = 6000"), 8, 43, "chunks must be 1 to 1000"),
		(GOOD.replace("end = 1000", "end = 0"), 8, 28, "below start"),
		(GOOD.replace("\"wasm\"\nwasm", "\"python\"\nwasm"), 3, 11, "runtime must be"),
		(GOOD.replace("prog.wasm", "missing.wasm"), 4, 8, "missing.wasm"),
		(GOOD.replace("fuel = 1_000_000", "fuel = -5"), 5, 8, "fuel must be"),
		(
			GOOD.replace("fuel = 1_000_000", "fuel = 1\nimage = \"x.tar\""),
			6,
			9,
			"for docker programs",
		),
		(
			GOOD.replace(
				"range = { start = 1, end = 1000, chunks = 10 }",
				"files = [\"empty.txt\"]",
			),
			8,
			10,
			"is empty",
		),
		(
			GOOD.replace("range = { start = 1, end = 1000, chunks = 10 }", "files = []"),
			8,
			9,
			"at least one task",
		),
		(
			GOOD.replace(
				"range = { start = 1, end = 1000, chunks = 10 }",
				"range = { start = 1, end = 9, chunks = 1 }\ndir = \".\"",
			),
			9,
			7,
			"exactly one of",
		),
		(GOOD.replace("reduce = \"sum\"", "reduce = \"avg\""), 16, 10, "reduce must be"),
		(GOOD.replace("reduce = \"sum\"", "reduce = \"tiles\""), 16, 10, "needs `tiles"),
		(
			GOOD.replace(
				"runtime = \"wasm\"\nwasm = \"prog.wasm\"\nfuel = 1_000_000",
				"runtime = \"docker\"\nimage = \"a.txt\"\nbuild = \"image\"",
			),
			5,
			9,
			"not both",
		),
	];
	let mut wrong = Vec::new();
	for (source, line, column, words) in cases {
		let error = dir.error(&source);
		if std::panic::catch_unwind(|| assert_error(&error, line, column, words)).is_err() {
			wrong.push(error);
		}
	}
	assert!(wrong.is_empty(), "misplaced or unclear errors:\n{}", wrong.join("\n\n"));
	// A table missing what it must have is placed at the table.
	let error = dir.error(&GOOD.replace("wasm = \"prog.wasm\"\n", ""));
	assert!(error.starts_with(&format!("{}:2:", dir.file().display())), "{error}");
	assert!(error.contains("needs `wasm"), "{error}");
}

#[test]
fn a_mistake_carries_its_location() {
	let dir = Dir::new();
	let error = parse(&dir.file(), &GOOD.replace("replicas = 3", "replicas = 9")).unwrap_err();
	let at = Location { line: 11, column: 12, text: "replicas = 9".into(), width: 1 };
	assert_eq!(error.at, Some(at));
	// TOML's own mistakes are placed too.
	let error = parse(&dir.file(), &GOOD.replace("replicas = 3", "replica = 3")).unwrap_err();
	assert!(matches!(error.at, Some(Location { line: 11, column: 1, .. })), "{error}");
}

#[test]
fn an_unreadable_manifest_is_named() {
	let error = manifest::load(Path::new("/nonexistent/job.toml"), &limits())
		.unwrap_err()
		.to_string();
	assert!(error.contains("/nonexistent/job.toml"), "{error}");
}
