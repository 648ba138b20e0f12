use crate::{free_port, poll, read_log, release_binary, tail, Process};
use std::{
	fs::OpenOptions,
	io::{Read, Write},
	net::TcpStream,
	path::{Path, PathBuf},
	process::{Command, Stdio},
	time::Duration,
};

/// How to start a node: [`NodeConfig::dev`], adjusted, then [`NodeConfig::start`].
#[derive(Clone, Debug)]
pub struct NodeConfig {
	/// The node binary.
	pub binary: PathBuf,
	/// Its arguments, before `--base-path` (or `--tmp`), `--rpc-port` and `--port`.
	pub args: Vec<String>,
	/// Where it keeps its chain; `None` for `--tmp`, a chain that goes with the process.
	pub base_path: Option<PathBuf>,
	/// The file its stderr (its log) is appended to.
	pub log: PathBuf,
	/// Its RPC port on 127.0.0.1 (WebSocket and HTTP).
	pub rpc_port: u16,
	/// How long it may take to serve RPC once spawned.
	pub startup_timeout: Duration,
}

impl NodeConfig {
	/// The release `conun-node` (`$CONUN_NODE`, else the release build) with
	/// `--dev --no-prometheus --no-telemetry --no-mdns` and a throwaway chain, logging to
	/// `dir/node.log`, its RPC on a free port; a minute to start.
	pub fn dev(dir: &Path) -> Self {
		Self {
			binary: release_binary("CONUN_NODE", "conun-node"),
			args: ["--dev", "--no-prometheus", "--no-telemetry", "--no-mdns"]
				.into_iter()
				.map(String::from)
				.collect(),
			base_path: None,
			log: dir.join("node.log"),
			rpc_port: free_port(),
			startup_timeout: Duration::from_secs(60),
		}
	}

	/// Keeps the chain in `path`, so that [`Node::restart`] finds it again.
	pub fn base_path(mut self, path: impl Into<PathBuf>) -> Self {
		self.base_path = Some(path.into());
		self
	}

	/// One more argument.
	pub fn arg(mut self, arg: impl Into<String>) -> Self {
		self.args.push(arg.into());
		self
	}

	/// Spawns the node (its libp2p on a free port) and returns once it serves RPC
	/// ([`serves_rpc`]). Panics, with the end of its log, if it exits first or takes longer
	/// than `startup_timeout`.
	pub fn start(self) -> Node {
		let p2p_port = free_port();
		let process = self.spawn(p2p_port);
		let mut node = Node { config: self, p2p_port, process };
		node.wait_until_serving();
		node
	}

	fn spawn(&self, p2p_port: u16) -> Process {
		let log = OpenOptions::new()
			.create(true)
			.append(true)
			.open(&self.log)
			.unwrap_or_else(|e| panic!("cannot open {}: {e}", self.log.display()));
		let mut command = Command::new(&self.binary);
		command.args(&self.args);
		match &self.base_path {
			Some(path) => command.arg("--base-path").arg(path),
			None => command.arg("--tmp"),
		};
		command
			.args(["--rpc-port", &self.rpc_port.to_string(), "--port", &p2p_port.to_string()])
			.stdout(Stdio::null())
			.stderr(log);
		Process::spawn(&mut command)
			.unwrap_or_else(|e| panic!("{} does not start: {e}", self.binary.display()))
	}
}

/// A running node, killed when dropped.
#[derive(Debug)]
pub struct Node {
	config: NodeConfig,
	p2p_port: u16,
	process: Process,
}

impl Node {
	/// `conun-node --dev` on a throwaway chain ([`NodeConfig::dev`]), serving RPC.
	pub fn dev(dir: &Path) -> Self {
		NodeConfig::dev(dir).start()
	}

	/// `ws://127.0.0.1:PORT`, its RPC as clients connect to it.
	pub fn ws_url(&self) -> String {
		format!("ws://127.0.0.1:{}", self.config.rpc_port)
	}

	/// `http://127.0.0.1:PORT`, the same RPC over HTTP.
	pub fn http_url(&self) -> String {
		format!("http://127.0.0.1:{}", self.config.rpc_port)
	}

	pub fn rpc_port(&self) -> u16 {
		self.config.rpc_port
	}

	/// Its libp2p port (a new one after each restart).
	pub fn p2p_port(&self) -> u16 {
		self.p2p_port
	}

	pub fn config(&self) -> &NodeConfig {
		&self.config
	}

	/// Its log so far.
	pub fn log(&self) -> String {
		read_log(&self.config.log)
	}

	/// The last `lines` lines of its log.
	pub fn log_tail(&self, lines: usize) -> String {
		tail(&self.log(), lines)
	}

	/// The process, to signal or wait for it by hand.
	pub fn process(&mut self) -> &mut Process {
		&mut self.process
	}

	/// Kills the node and starts it again with the same configuration: the same RPC port and,
	/// with a base path, the same chain. Returns once it serves RPC again.
	pub fn restart(&mut self) {
		let child = self.process.child();
		child.kill().expect("the node runs");
		child.wait().expect("the node stops");
		self.p2p_port = free_port();
		self.process = self.config.spawn(self.p2p_port);
		self.wait_until_serving();
	}

	fn wait_until_serving(&mut self) {
		let port = self.config.rpc_port;
		let what = format!(
			"{} to serve RPC on 127.0.0.1:{port} (its log: {})",
			self.config.binary.display(),
			self.config.log.display()
		);
		let log = self.config.log.clone();
		let process = &mut self.process;
		poll(&what, self.config.startup_timeout, Duration::from_millis(300), || {
			if let Some(status) = process.try_wait().expect("the node's status") {
				panic!(
					"the node exited ({status}) before serving RPC; the end of its log:\n{}",
					tail(&read_log(&log), 30)
				);
			}
			serves_rpc(port).then_some(())
		});
	}
}

/// Whether a node on 127.0.0.1:`port` answers a JSON-RPC `system_health` over HTTP (what
/// scripts/market.sh asks with curl): its RPC server is up and serving, not only bound.
pub fn serves_rpc(port: u16) -> bool {
	let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else { return false };
	let timeout = Some(Duration::from_secs(5));
	if stream.set_read_timeout(timeout).is_err() || stream.set_write_timeout(timeout).is_err() {
		return false;
	}
	let body = r#"{"id":1,"jsonrpc":"2.0","method":"system_health","params":[]}"#;
	let request = format!(
		"POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n\
		 Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
		body.len()
	);
	if stream.write_all(request.as_bytes()).is_err() {
		return false;
	}
	// Until the server closes the connection (or the timeout): what came is kept either way.
	let mut response = Vec::new();
	let _ = stream.read_to_end(&mut response);
	let response = String::from_utf8_lossy(&response);
	response.starts_with("HTTP/1.1 200") && response.contains(r#""result""#)
}
