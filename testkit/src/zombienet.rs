use crate::{poll, read_log, release_binary, repo_root, serves_rpc, tail, Process};
use std::{
	collections::BTreeMap,
	fs::OpenOptions,
	path::{Path, PathBuf},
	process::{Command, Stdio},
	time::{Duration, Instant},
};

/// How long zombienet may take to build the chain spec and start every node of a network.
const SPAWN_TIMEOUT: Duration = Duration::from_secs(600);
/// How long a node restarted by hand may take to serve RPC again.
const RESTART_TIMEOUT: Duration = Duration::from_secs(120);

/// A network spawned by zombienet (its native provider) from a definition under `zombienet/`,
/// as `scripts/zombienet.sh spawn` does: every node a `conun-node` on 127.0.0.1, their
/// endpoints read from the `zombie.json` zombienet writes once all of them are up.
///
/// A node can be killed and restarted by hand ([`Zombienet::kill`], [`Zombienet::restart`]):
/// zombienet has no command for a node that is lost for good, and its own restart is only
/// available from its test language. Dropping the network stops zombienet, which stops the
/// nodes it started, and kills the nodes restarted here.
pub struct Zombienet {
	process: Process,
	/// The PATH the network runs with: the release build's directory first.
	path: std::ffi::OsString,
	dir: PathBuf,
	log: PathBuf,
	nodes: BTreeMap<String, NetworkNode>,
}

/// One node of a [`Zombienet`].
#[derive(Debug)]
pub struct NetworkNode {
	/// Its name in the network definition (`alice`, `provider-1` …).
	pub name: String,
	/// `ws://127.0.0.1:PORT`, its RPC.
	pub ws_url: String,
	pub rpc_port: u16,
	/// Its log file.
	pub log: PathBuf,
	/// Its command line, as zombienet ran it (with its base path, keys and ports).
	command: String,
	/// The process zombienet started, while it runs.
	pid: Option<u32>,
	/// The process started by [`Zombienet::restart`], which zombienet does not know of.
	restarted: Option<Process>,
}

impl Zombienet {
	/// Spawns `zombienet/NAME.toml` into `dir/NAME` (zombienet's files, each node's base path
	/// and log) with the release `conun-node` first on the PATH; returns once every node
	/// serves RPC. Panics, with the end of zombienet's log, if that takes longer than ten
	/// minutes or zombienet exits first.
	pub fn spawn(name: &str, dir: &Path) -> Self {
		let definition = repo_root().join("zombienet").join(format!("{name}.toml"));
		assert!(definition.exists(), "no network definition {}", definition.display());
		let zombienet = zombienet_binary();
		let node = release_binary("CONUN_NODE", "conun-node");
		let bin_dir = node.parent().expect("the node binary is in a directory");
		let path = std::env::join_paths(
			std::iter::once(bin_dir.to_path_buf())
				.chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
		)
		.expect("a PATH");
		let network_dir = dir.join(name);
		let info = network_dir.join("zombie.json");
		// A file a previous run left would be read before this network is up.
		let _ = std::fs::remove_file(&info);
		let log = dir.join(format!("zombienet-{name}.log"));
		let output = OpenOptions::new()
			.create(true)
			.append(true)
			.open(&log)
			.unwrap_or_else(|e| panic!("cannot open {}: {e}", log.display()));
		let mut command = Command::new(&zombienet);
		command
			.args(["--provider", "native", "--logType", "text", "--force", "--dir"])
			.arg(&network_dir)
			.arg("spawn")
			.arg(&definition)
			.env("PATH", &path)
			.stdin(Stdio::null())
			.stdout(output.try_clone().expect("the log"))
			.stderr(output);
		let mut process = Process::spawn(&mut command)
			.unwrap_or_else(|e| panic!("{} does not start: {e}", zombienet.display()));

		let what = format!("zombienet to start {name} (its log: {})", log.display());
		let zombie = poll(&what, SPAWN_TIMEOUT, Duration::from_secs(1), || {
			if let Some(status) = process.try_wait().expect("zombienet's status") {
				panic!(
					"zombienet exited ({status}) before the network was up; the end of its log:\n{}",
					tail(&read_log(&log), 40)
				);
			}
			// Written once, when every node is up; a half-written file does not parse yet.
			let text = std::fs::read_to_string(&info).ok()?;
			serde_json::from_str::<serde_json::Value>(&text).ok()
		});
		let nodes = parse_nodes(&zombie);
		assert!(!nodes.is_empty(), "zombie.json names no node: {zombie}");
		for node in nodes.values() {
			let what = format!("{} to serve RPC on {}", node.name, node.ws_url);
			poll(&what, RESTART_TIMEOUT, Duration::from_millis(300), || {
				serves_rpc(node.rpc_port).then_some(())
			});
		}
		Self { process, path, dir: network_dir, log, nodes }
	}

	/// The directory zombienet works in: `zombie.json`, each node's base path and log.
	pub fn dir(&self) -> &Path {
		&self.dir
	}

	/// zombienet's own log.
	pub fn log_path(&self) -> &Path {
		&self.log
	}

	/// The node called `name`; panics when the network has none.
	pub fn node(&self, name: &str) -> &NetworkNode {
		self.nodes.get(name).unwrap_or_else(|| panic!("the network has no node {name}"))
	}

	/// The RPC endpoint of the node called `name`.
	pub fn ws_url(&self, name: &str) -> String {
		self.node(name).ws_url.clone()
	}

	/// The nodes' names, in order.
	pub fn names(&self) -> Vec<String> {
		self.nodes.keys().cloned().collect()
	}

	/// Kills the node called `name` at once (SIGKILL: no goodbye to its peers, like a power
	/// cut) and returns once its RPC no longer answers. Its base path is kept.
	pub fn kill(&mut self, name: &str) {
		let node = self.nodes.get_mut(name).unwrap_or_else(|| panic!("no node {name}"));
		if let Some(mut process) = node.restarted.take() {
			process.stop();
		}
		if let Some(pid) = node.pid.take() {
			signal("KILL", pid);
		}
		let port = node.rpc_port;
		poll(&format!("{name} to stop"), RESTART_TIMEOUT, Duration::from_millis(200), || {
			(!serves_rpc(port)).then_some(())
		});
	}

	/// Starts the node called `name` again, after [`Zombienet::kill`], with the command line
	/// zombienet gave it: the same base path (its chain and keys), ports and network key.
	/// Returns how long it took until it served RPC again.
	pub fn restart(&mut self, name: &str) -> Duration {
		let node = self.nodes.get_mut(name).unwrap_or_else(|| panic!("no node {name}"));
		assert!(node.pid.is_none() && node.restarted.is_none(), "{name} still runs: kill it first");
		let started = Instant::now();
		let log = OpenOptions::new()
			.create(true)
			.append(true)
			.open(&node.log)
			.unwrap_or_else(|e| panic!("cannot open {}: {e}", node.log.display()));
		let mut command = Command::new("bash");
		command
			.arg("-c")
			.arg(format!("exec {}", node.command))
			.env("PATH", &self.path)
			.stdin(Stdio::null())
			.stdout(log.try_clone().expect("the log"))
			.stderr(log);
		let mut process =
			Process::spawn(&mut command).unwrap_or_else(|e| panic!("{name} does not start: {e}"));
		let (port, log) = (node.rpc_port, node.log.clone());
		poll(
			&format!("{name} to serve RPC again"),
			RESTART_TIMEOUT,
			Duration::from_millis(200),
			|| {
				if let Some(status) = process.try_wait().expect("the node's status") {
					panic!("{name} exited ({status}) on restart:\n{}", tail(&read_log(&log), 30));
				}
				serves_rpc(port).then_some(())
			},
		);
		node.restarted = Some(process);
		started.elapsed()
	}

	/// The last `lines` lines of the log of the node called `name`.
	pub fn log_tail(&self, name: &str, lines: usize) -> String {
		tail(&read_log(&self.node(name).log), lines)
	}
}

impl Drop for Zombienet {
	fn drop(&mut self) {
		for node in self.nodes.values_mut() {
			if let Some(mut process) = node.restarted.take() {
				process.stop();
			}
		}
		// zombienet tears its network down on SIGTERM: it kills the nodes it started.
		signal("TERM", self.process.id());
		if self.process.wait_timeout(Duration::from_secs(30)).ok().flatten().is_none() {
			self.process.stop();
		}
		for pid in self.nodes.values().filter_map(|node| node.pid) {
			if Path::new(&format!("/proc/{pid}")).exists() {
				signal("KILL", pid);
			}
		}
	}
}

/// The zombienet CLI: `$ZOMBIENET`, else the one `npm ci` installs in `zombienet/`.
pub fn zombienet_binary() -> PathBuf {
	let path = std::env::var_os("ZOMBIENET")
		.map(PathBuf::from)
		.unwrap_or_else(|| repo_root().join("zombienet/node_modules/.bin/zombienet"));
	assert!(
		path.exists(),
		"{} is missing: scripts/setup.sh installs it (npm ci in zombienet/); or set ZOMBIENET",
		path.display()
	);
	path
}

/// Sends `signal` (`KILL`, `TERM` …) to process `pid`, if it is still there.
fn signal(signal: &str, pid: u32) {
	let _ = Command::new("kill")
		.args([format!("-{signal}"), pid.to_string()])
		.stderr(Stdio::null())
		.status();
}

/// The nodes `zombie.json` lists: `nodesByName` for their endpoints, `client.processMap` for
/// their processes, command lines and logs.
fn parse_nodes(zombie: &serde_json::Value) -> BTreeMap<String, NetworkNode> {
	let by_name = zombie["nodesByName"].as_object().cloned().unwrap_or_default();
	let processes = &zombie["client"]["processMap"];
	by_name
		.into_iter()
		.map(|(name, node)| {
			let ws_url = node["wsUri"].as_str().unwrap_or_default().to_string();
			let rpc_port = ws_url
				.rsplit(':')
				.next()
				.and_then(|port| port.trim_end_matches('/').parse().ok())
				.unwrap_or_else(|| panic!("{name}'s RPC endpoint `{ws_url}` has no port"));
			let process = &processes[&name];
			let command = process["cmd"][0]
				.as_str()
				.unwrap_or_else(|| panic!("zombie.json has no command line for {name}"))
				.to_string();
			let node = NetworkNode {
				name: name.clone(),
				ws_url,
				rpc_port,
				log: PathBuf::from(process["logs"].as_str().unwrap_or_default()),
				command,
				pid: process["pid"].as_u64().map(|pid| pid as u32),
				restarted: None,
			};
			(name, node)
		})
		.collect()
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn zombie_json_gives_each_nodes_endpoint_process_and_command() {
		let zombie: serde_json::Value = serde_json::from_str(
			r#"{
			"nodesByName": {
				"alice": { "wsUri": "ws://127.0.0.1:9944", "prometheusUri": "http://127.0.0.1:1/metrics" },
				"provider-1": { "wsUri": "ws://127.0.0.1:41000" }
			},
			"client": { "processMap": {
				"temp": { "logs": "/tmp/n/temp.log" },
				"alice": { "pid": 10, "cmd": ["conun-node --name alice --base-path /tmp/n/alice/data"], "logs": "/tmp/n/alice.log" },
				"provider-1": { "pid": 11, "cmd": ["conun-node --name provider-1"], "logs": "/tmp/n/provider-1.log" }
			} }
		}"#,
		)
		.unwrap();
		let nodes = parse_nodes(&zombie);
		assert_eq!(nodes.keys().collect::<Vec<_>>(), ["alice", "provider-1"]);
		let alice = &nodes["alice"];
		assert_eq!((alice.rpc_port, alice.pid), (9944, Some(10)));
		assert_eq!(alice.command, "conun-node --name alice --base-path /tmp/n/alice/data");
		assert_eq!(alice.log, PathBuf::from("/tmp/n/alice.log"));
		assert_eq!(nodes["provider-1"].ws_url, "ws://127.0.0.1:41000");
	}
}
