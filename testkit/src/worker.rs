use crate::{free_port, read_log, release_binary, tail, Process};
use std::{
	fs::OpenOptions,
	io::{Read, Write},
	net::TcpStream,
	path::{Path, PathBuf},
	process::{Command, Stdio},
	time::Duration,
};

/// One provider's `conun-worker`: its binary, key, data directory, ports and what it offers.
/// [`Worker::register`] registers it; each [`Worker::run`] starts a daemon, appending to
/// `worker.log` in its data directory, that lives as long as the returned [`Process`].
#[derive(Clone, Debug)]
pub struct Worker {
	pub binary: PathBuf,
	/// For messages (and the default key, `//NAME`).
	pub name: String,
	/// `--key`: a secret URI.
	pub key: String,
	/// `--data-dir`, which holds `worker.log` too.
	pub dir: PathBuf,
	/// `--listen /ip4/127.0.0.1/tcp/PORT`.
	pub p2p_port: u16,
	/// Also announce that address (`--public-addrs`).
	pub public_addr: bool,
	/// `--metrics 127.0.0.1:PORT`, if any.
	pub metrics_port: Option<u16>,
	/// `--runtimes`, e.g. `wasm` or `wasm,docker`.
	pub runtimes: String,
	pub cores: u32,
	pub memory_mib: u32,
	pub max_tasks: u32,
}

impl Worker {
	/// The dev account `//NAME` with `binary`, its data directory `root/NAME` (created), its
	/// libp2p on a free port; wasm only, 1 core, 256 MiB, up to 4 tasks at once, no metrics.
	pub fn new(binary: impl Into<PathBuf>, root: &Path, name: &str) -> Self {
		let dir = root.join(name);
		std::fs::create_dir_all(&dir)
			.unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
		Self {
			binary: binary.into(),
			name: name.to_string(),
			key: format!("//{name}"),
			dir,
			p2p_port: free_port(),
			public_addr: false,
			metrics_port: None,
			runtimes: "wasm".to_string(),
			cores: 1,
			memory_mib: 256,
			max_tasks: 4,
		}
	}

	/// [`Worker::new`] with the release `conun-worker` (`$CONUN_WORKER`, else the release build).
	pub fn release(root: &Path, name: &str) -> Self {
		Self::new(release_binary("CONUN_WORKER", "conun-worker"), root, name)
	}

	pub fn with_runtimes(mut self, runtimes: &str) -> Self {
		self.runtimes = runtimes.to_string();
		self
	}

	pub fn with_max_tasks(mut self, max_tasks: u32) -> Self {
		self.max_tasks = max_tasks;
		self
	}

	/// Serves its metrics on a free port ([`Worker::metrics`]).
	pub fn with_metrics(mut self) -> Self {
		self.metrics_port = Some(free_port());
		self
	}

	/// Announces its listening address as its public one.
	pub fn with_public_addr(mut self) -> Self {
		self.public_addr = true;
		self
	}

	/// Its libp2p address.
	pub fn listen_addr(&self) -> String {
		format!("/ip4/127.0.0.1/tcp/{}", self.p2p_port)
	}

	/// `conun-worker` with its options against the node at `url`, before a subcommand; without
	/// any `CONUN_WORKER_FAULT` of the test's own environment.
	pub fn command(&self, url: &str) -> Command {
		let mut command = Command::new(&self.binary);
		command
			.args(["--node", url, "--key", &self.key, "--runtimes", &self.runtimes])
			.arg("--data-dir")
			.arg(&self.dir)
			.args(["--listen", &self.listen_addr()]);
		if self.public_addr {
			command.args(["--public-addrs", &self.listen_addr()]);
		}
		if let Some(port) = self.metrics_port {
			command.args(["--metrics", &format!("127.0.0.1:{port}")]);
		}
		command
			.args(["--cores", &self.cores.to_string()])
			.args(["--memory-mib", &self.memory_mib.to_string()])
			.args(["--max-tasks", &self.max_tasks.to_string()])
			.env_remove("CONUN_WORKER_FAULT");
		command
	}

	/// `conun-worker register --stake STAKE` (in CON); panics with its output if it fails.
	pub fn register(&self, url: &str, stake: u128) {
		let out = self
			.command(url)
			.args(["register", "--stake", &stake.to_string()])
			.output()
			.unwrap_or_else(|e| panic!("{} does not start: {e}", self.binary.display()));
		assert!(
			out.status.success(),
			"{} could not register: {}{}",
			self.name,
			String::from_utf8_lossy(&out.stdout),
			String::from_utf8_lossy(&out.stderr)
		);
	}

	/// Starts `conun-worker run`, with `CONUN_WORKER_FAULT` set to `fault` if any (the binary
	/// must have the `fault-injection` feature); its log is appended to [`Worker::log_path`].
	pub fn run(&self, url: &str, fault: Option<&str>) -> Process {
		let path = self.log_path();
		let log = OpenOptions::new()
			.create(true)
			.append(true)
			.open(&path)
			.unwrap_or_else(|e| panic!("cannot open {}: {e}", path.display()));
		let mut command = self.command(url);
		command.arg("run").stdout(Stdio::null()).stderr(log);
		if let Some(fault) = fault {
			command.env("CONUN_WORKER_FAULT", fault);
		}
		Process::spawn(&mut command)
			.unwrap_or_else(|e| panic!("{} does not start: {e}", self.binary.display()))
	}

	pub fn log_path(&self) -> PathBuf {
		self.dir.join("worker.log")
	}

	/// Its log so far (every run's).
	pub fn log(&self) -> String {
		read_log(&self.log_path())
	}

	/// The last `lines` lines of its log.
	pub fn log_tail(&self, lines: usize) -> String {
		tail(&self.log(), lines)
	}

	/// Its Prometheus page (the whole HTTP response). Panics without [`Worker::with_metrics`].
	pub fn metrics(&self) -> String {
		let port = self
			.metrics_port
			.unwrap_or_else(|| panic!("{} serves no metrics (with_metrics)", self.name));
		let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
		stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
		let request = "GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
		stream.write_all(request.as_bytes()).unwrap();
		let mut page = String::new();
		stream.read_to_string(&mut page).unwrap();
		page
	}
}
