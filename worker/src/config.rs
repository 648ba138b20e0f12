//! The worker's configuration: defaults, then a TOML file, then `CONUN_WORKER_*` environment
//! variables, then command-line flags, each overriding the one before.
//!
//! ```toml
//! node = "ws://127.0.0.1:9944"      # the provider's own conun-node; more, comma-separated,
//!                                   # are tried in turn when it is lost
//! key = "//Alice"                   # a secret URI (mnemonic, seed or dev name), or:
//! key_file = "/etc/conun/provider.key"  # a file holding one (mode 0600)
//! data_dir = "/var/lib/conun-worker"
//! runtimes = ["wasm", "docker"]
//! price_floor = "0.001"             # the lowest price per replica it works for, in CON
//! listen = "/ip4/0.0.0.0/tcp/30555" # libp2p, for programs, inputs and results
//! public_addrs = ["/dns4/worker.example.com/tcp/30555"]  # published on chain (default: where
//!                                   # listen is reachable: 0.0.0.0 becomes each of the machine's
//!                                   # IPv4 addresses, loopback last)
//! metrics = "127.0.0.1:9616"        # Prometheus; "" turns it off
//!
//! [lend]                            # how much of the machine one task may use, and how many at once
//! cores = 2
//! memory_mib = 4096
//! disk_mib = 20480                  # blob store quota: programs, inputs, results kept for peers
//! max_tasks = 2
//! hours = "22-7"                    # only take new tasks from 22:00 to 07:00 (UTC); omit for always
//! retention_hours = 24              # keep results this long for requesters and peers
//! ```

use conun_primitives::{RuntimeKind, RuntimeSet};
use serde::Deserialize;
use std::{net::SocketAddr, path::PathBuf};

/// Why the configuration is not usable.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
	#[error("cannot read {path}: {error}")]
	Read { path: PathBuf, error: std::io::Error },
	#[error("{path}: {error}")]
	Parse { path: PathBuf, error: toml::de::Error },
	#[error("{name}: {error}")]
	Invalid { name: &'static str, error: String },
	#[error("no provider key: set `key` (a secret URI) or `key_file` (--key, CONUN_WORKER_KEY)")]
	NoKey,
}

/// How much of the machine the worker lends.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lend {
	/// CPU cores one task may use (default: every core).
	pub cores: Option<u32>,
	/// Memory one task may use, in MiB (default: three quarters of the machine's).
	pub memory_mib: Option<u32>,
	/// Disk for programs, inputs and results, in MiB.
	pub disk_mib: Option<u64>,
	/// Tasks run at once (default: 1).
	pub max_tasks: Option<u32>,
	/// Hours of the day (UTC) when new tasks are taken, `"START-END"`; outside them the worker
	/// pauses its provider on chain and finishes what it holds.
	pub hours: Option<String>,
	/// How long results stay available to requesters and peers, in hours.
	pub retention_hours: Option<u64>,
}

/// The configuration as written in the file; every field optional.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
	pub node: Option<String>,
	pub key: Option<String>,
	pub key_file: Option<PathBuf>,
	pub data_dir: Option<PathBuf>,
	pub runtimes: Option<Vec<String>>,
	pub price_floor: Option<String>,
	pub listen: Option<String>,
	pub public_addrs: Option<Vec<String>>,
	pub metrics: Option<String>,
	#[serde(default)]
	pub lend: Lend,
}

/// A window of hours of the day (UTC), end exclusive; `22-7` wraps past midnight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hours {
	pub start: u8,
	pub end: u8,
}

impl Hours {
	/// Parses `"START-END"` with hours from 0 to 24.
	pub fn parse(text: &str) -> Result<Self, String> {
		let (start, end) = text.split_once('-').ok_or("expected START-END, e.g. 22-7")?;
		let hour = |s: &str| -> Result<u8, String> {
			let h: u8 = s.trim().parse().map_err(|_| format!("`{s}` is not an hour"))?;
			if h > 24 {
				return Err(format!("hour {h} is past 24"));
			}
			Ok(h)
		};
		let hours = Self { start: hour(start)? % 24, end: hour(end)? };
		if hours.start == hours.end % 24 && !(hours.start == 0 && hours.end == 24) {
			return Err(
				"the window is empty; omit `hours` (or say 0-24) to work at any time".into()
			);
		}
		Ok(hours)
	}

	/// Whether `hour` (0-23) is inside the window.
	pub fn contains(&self, hour: u8) -> bool {
		let end = self.end % 24;
		if self.start == 0 && self.end == 24 {
			true
		} else if self.start < end {
			(self.start..end).contains(&hour)
		} else {
			hour >= self.start || hour < end
		}
	}
}

/// The worker's settings, complete.
#[derive(Clone, Debug)]
pub struct Config {
	/// The node endpoints, in the order they are tried: the provider's own node first.
	pub nodes: Vec<String>,
	/// The provider key's secret URI.
	pub key: String,
	pub data_dir: PathBuf,
	pub runtimes: RuntimeSet,
	/// The lowest price per replica, when set; `register` keeps the one on chain otherwise.
	pub price_floor: Option<u128>,
	pub listen: String,
	/// The addresses published on chain as given; `None`: where `listen` is reachable (a
	/// wildcard such as the default 0.0.0.0 stands for each of the machine's addresses).
	pub public_addrs: Option<Vec<String>>,
	pub metrics: Option<SocketAddr>,
	/// Cores and memory one task may use, tasks at once: `None` means what the machine has.
	pub cores: Option<u32>,
	pub memory_mib: Option<u32>,
	pub max_tasks: u32,
	pub disk_bytes: u64,
	pub hours: Option<Hours>,
	pub retention: std::time::Duration,
}

/// Settings given on the command line, which win over the file and the environment.
pub type Overrides = FileConfig;

impl Config {
	/// Builds the configuration from an optional file, the environment and `flags`.
	pub fn load(file: Option<&std::path::Path>, flags: Overrides) -> Result<Self, ConfigError> {
		let mut merged = FileConfig::default();
		if let Some(path) = file {
			let text = std::fs::read_to_string(path)
				.map_err(|error| ConfigError::Read { path: path.into(), error })?;
			let parsed: FileConfig = toml::from_str(&text)
				.map_err(|error| ConfigError::Parse { path: path.into(), error })?;
			merged.merge(parsed);
		}
		merged.merge(from_env(|name| std::env::var(name).ok())?);
		merged.merge(flags);
		Self::complete(merged)
	}

	/// Fills in defaults and checks every value.
	pub fn complete(c: FileConfig) -> Result<Self, ConfigError> {
		let key = match (c.key, c.key_file) {
			(Some(key), _) => key,
			(None, Some(path)) => std::fs::read_to_string(&path)
				.map_err(|error| ConfigError::Read { path, error })?
				.trim()
				.to_string(),
			(None, None) => return Err(ConfigError::NoKey),
		};
		let invalid = |name, error: String| ConfigError::Invalid { name, error };
		let runtimes = parse_runtimes(c.runtimes.as_deref().unwrap_or(&["wasm".into()]))
			.map_err(|e| invalid("runtimes", e))?;
		let metrics = match c.metrics.as_deref() {
			None => Some(SocketAddr::from(([127, 0, 0, 1], 9616))),
			Some("") => None,
			Some(addr) => {
				Some(addr.parse().map_err(|e| invalid("metrics", format!("{addr}: {e}")))?)
			},
		};
		let listen = c.listen.unwrap_or_else(|| "/ip4/0.0.0.0/tcp/30555".into());
		let max_tasks = c.lend.max_tasks.unwrap_or(1);
		if max_tasks == 0 {
			return Err(invalid("lend.max_tasks", "must be at least 1".into()));
		}
		if c.lend.cores == Some(0) || c.lend.memory_mib == Some(0) {
			return Err(invalid("lend", "cores and memory_mib must be at least 1".into()));
		}
		let hours = c
			.lend
			.hours
			.as_deref()
			.map(Hours::parse)
			.transpose()
			.map_err(|e| invalid("lend.hours", e))?;
		Ok(Self {
			nodes: parse_nodes(c.node.as_deref().unwrap_or(DEFAULT_NODE))
				.map_err(|e| invalid("node", e))?,
			key,
			data_dir: c.data_dir.unwrap_or_else(default_data_dir),
			runtimes,
			price_floor: c
				.price_floor
				.as_deref()
				.map(parse_con)
				.transpose()
				.map_err(|e| invalid("price_floor", e))?,
			public_addrs: c.public_addrs,
			listen,
			metrics,
			cores: c.lend.cores,
			memory_mib: c.lend.memory_mib,
			max_tasks,
			disk_bytes: c.lend.disk_mib.unwrap_or(20 * 1024) << 20,
			hours,
			retention: std::time::Duration::from_secs(c.lend.retention_hours.unwrap_or(24) * 3600),
		})
	}
}

impl FileConfig {
	/// Takes every value `other` sets. A key file set in a later layer replaces a key set in an
	/// earlier one, and the other way round.
	fn merge(&mut self, other: FileConfig) {
		if other.key.is_some() {
			self.key_file = None;
		}
		if other.key_file.is_some() {
			self.key = None;
		}
		macro_rules! take {
			($($field:ident).+) => { if other.$($field).+.is_some() { self.$($field).+ = other.$($field).+; } };
		}
		take!(node);
		take!(key);
		take!(key_file);
		take!(data_dir);
		take!(runtimes);
		take!(price_floor);
		take!(listen);
		take!(public_addrs);
		take!(metrics);
		take!(lend.cores);
		take!(lend.memory_mib);
		take!(lend.disk_mib);
		take!(lend.max_tasks);
		take!(lend.hours);
		take!(lend.retention_hours);
	}
}

/// Reads `CONUN_WORKER_<FIELD>` variables (`CONUN_WORKER_LEND_CORES` for `lend.cores`; lists
/// separated by commas).
pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Result<FileConfig, ConfigError> {
	let get = |name: &str| var(&format!("CONUN_WORKER_{name}")).filter(|v| !v.is_empty());
	let list = |v: String| v.split(',').map(|s| s.trim().to_string()).collect::<Vec<_>>();
	fn number<T: std::str::FromStr>(
		name: &'static str,
		v: Option<String>,
	) -> Result<Option<T>, ConfigError> {
		v.map(|v| {
			v.parse()
				.map_err(|_| ConfigError::Invalid { name, error: format!("`{v}` is not a number") })
		})
		.transpose()
	}
	Ok(FileConfig {
		node: get("NODE"),
		key: get("KEY"),
		key_file: get("KEY_FILE").map(PathBuf::from),
		data_dir: get("DATA_DIR").map(PathBuf::from),
		runtimes: get("RUNTIMES").map(list),
		price_floor: get("PRICE_FLOOR"),
		listen: get("LISTEN"),
		public_addrs: get("PUBLIC_ADDRS").map(list),
		metrics: var("CONUN_WORKER_METRICS"),
		lend: Lend {
			cores: number("CONUN_WORKER_LEND_CORES", get("LEND_CORES"))?,
			memory_mib: number("CONUN_WORKER_LEND_MEMORY_MIB", get("LEND_MEMORY_MIB"))?,
			disk_mib: number("CONUN_WORKER_LEND_DISK_MIB", get("LEND_DISK_MIB"))?,
			max_tasks: number("CONUN_WORKER_LEND_MAX_TASKS", get("LEND_MAX_TASKS"))?,
			hours: get("LEND_HOURS"),
			retention_hours: number(
				"CONUN_WORKER_LEND_RETENTION_HOURS",
				get("LEND_RETENTION_HOURS"),
			)?,
		},
	})
}

pub use conun_client::con::{format_con, parse_con, CON};

/// The endpoint of the node on the same machine.
pub const DEFAULT_NODE: &str = "ws://127.0.0.1:9944";

/// Parses comma-separated node endpoints (`ws://` or `wss://`), keeping their order.
pub fn parse_nodes(text: &str) -> Result<Vec<String>, String> {
	let nodes: Vec<String> = text.split(',').map(str::trim).map(String::from).collect();
	for node in &nodes {
		if node.is_empty() {
			return Err("an empty endpoint (two commas, or one at an end)".into());
		}
		if !(node.starts_with("ws://") || node.starts_with("wss://")) {
			return Err(format!(
				"`{node}` is not a WebSocket endpoint (ws://host:port or wss://...)"
			));
		}
	}
	Ok(nodes)
}

/// Parses runtime names (`wasm`, `docker`).
pub fn parse_runtimes(names: &[String]) -> Result<RuntimeSet, String> {
	let mut set = RuntimeSet::default();
	for name in names {
		match name.trim().parse() {
			Ok(RuntimeKind::Wasm) => set.wasm = true,
			Ok(RuntimeKind::Docker) => set.docker = true,
			Err(_) => {
				return Err(format!("unknown runtime `{}` (expected wasm or docker)", name.trim()))
			},
		}
	}
	if set.is_empty() {
		return Err("offer at least one runtime".into());
	}
	Ok(set)
}

fn default_data_dir() -> PathBuf {
	match std::env::var_os("HOME") {
		Some(home) => PathBuf::from(home).join(".local/share/conun-worker"),
		None => PathBuf::from("conun-worker-data"),
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn flags_beat_environment_beat_file() {
		let mut merged: FileConfig = toml::from_str(
			"node = \"ws://file:1\"\nkey = \"//Alice\"\n[lend]\ncores = 1\nmax_tasks = 3\n",
		)
		.unwrap();
		merged.merge(
			from_env(|name| match name {
				"CONUN_WORKER_NODE" => Some("ws://env:2".into()),
				"CONUN_WORKER_LEND_CORES" => Some("2".into()),
				_ => None,
			})
			.unwrap(),
		);
		merged.merge(FileConfig { node: Some("ws://flag:3".into()), ..Default::default() });
		let config = Config::complete(merged).unwrap();
		assert_eq!(config.nodes, ["ws://flag:3"]);
		assert_eq!(config.cores, Some(2));
		assert_eq!(config.max_tasks, 3);
		assert_eq!(config.price_floor, None, "unset: register keeps the floor on chain");
	}

	#[test]
	fn a_later_key_file_replaces_an_earlier_key() {
		let mut merged: FileConfig = toml::from_str("key = \"//Alice\"").unwrap();
		merged
			.merge(FileConfig { key_file: Some("/nonexistent/key".into()), ..Default::default() });
		assert_eq!(merged.key, None);
		assert!(Config::complete(merged).unwrap_err().to_string().contains("/nonexistent/key"));
	}

	#[test]
	fn bad_values_are_named() {
		let error =
			|text: &str| Config::complete(toml::from_str(text).unwrap()).unwrap_err().to_string();
		assert!(error("key = \"//A\"\nruntimes = [\"jvm\"]").contains("unknown runtime `jvm`"));
		assert!(error("key = \"//A\"\n[lend]\nmax_tasks = 0").contains("lend.max_tasks"));
		assert!(error("key = \"//A\"\n[lend]\nhours = \"9-9\"").contains("empty"));
		assert!(error("key = \"//A\"\nmetrics = \"nowhere\"").contains("metrics"));
		assert!(error("node = \"ws://x\"").contains("no provider key"));
		assert!(toml::from_str::<FileConfig>("nod = 1")
			.unwrap_err()
			.to_string()
			.contains("unknown field"));
		assert!(from_env(|n| (n == "CONUN_WORKER_LEND_CORES").then(|| "many".into())).is_err());
	}

	#[test]
	fn several_nodes_are_kept_in_order_and_a_bad_one_is_named() {
		assert_eq!(parse_nodes("ws://a:1, wss://b:2").unwrap(), ["ws://a:1", "wss://b:2"]);
		assert_eq!(parse_nodes(DEFAULT_NODE).unwrap(), [DEFAULT_NODE]);
		assert!(parse_nodes("ws://a:1,,ws://b:2").unwrap_err().contains("empty endpoint"));
		assert!(parse_nodes("http://a:1").unwrap_err().contains("`http://a:1`"));
		let error = Config::complete(toml::from_str("key = \"//A\"\nnode = \"a:1\"").unwrap());
		assert!(error.unwrap_err().to_string().contains("node"));
	}

	#[test]
	fn amounts_of_con() {
		assert_eq!(parse_con("150"), Ok(150 * CON));
		assert_eq!(parse_con("0.25"), Ok(CON / 4));
		assert_eq!(parse_con(".000000000001"), Ok(1));
		for bad in ["", ".", "1.0000000000001", "-1", "1e3", "ten"] {
			assert!(parse_con(bad).is_err(), "{bad}");
		}
		assert_eq!(format_con(1_500_000_000_000), "1.5 CON");
		assert_eq!(format_con(100 * CON), "100 CON");
	}

	#[test]
	fn hours_wrap_past_midnight() {
		let night = Hours::parse("22-7").unwrap();
		assert!(night.contains(23) && night.contains(0) && night.contains(6));
		assert!(!night.contains(7) && !night.contains(12));
		let day = Hours::parse("9-17").unwrap();
		assert!(day.contains(9) && !day.contains(17));
		assert!(Hours::parse("9").is_err() && Hours::parse("25-3").is_err());
		let always = Hours::parse("0-24").unwrap();
		assert!((0..24).all(|h| always.contains(h)));
		let evening = Hours::parse("18-24").unwrap();
		assert!(evening.contains(23) && !evening.contains(0));
	}
}
