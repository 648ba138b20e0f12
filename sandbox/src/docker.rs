//! The docker sandbox: one container per task, through the Docker Engine API (bollard).
//!
//! The program is an image tarball (`docker save` format) named by its content hash on chain.
//! The executor checks the hash, loads the image when the engine lacks it, and runs the
//! task's command in a container that has:
//!
//! - no network (`network_mode: none`), a read-only root filesystem, a size-limited `/tmp`;
//! - every capability dropped, `no-new-privileges`, user 65534:65534 (nobody);
//! - the job's memory (no swap), CPU and a pids limit;
//! - a wall-clock limit, after which it is killed (`TimedOut`).
//!
//! The task's input arrives on stdin. Its output is its stdout plus the files it leaves in
//! `/out` (a host directory bound there), packed as a deterministic tar archive: entries
//! sorted, times zero, owner root, modes 0644/0755. The container and the directory are removed
//! whatever happens.

use crate::{Execution, MAX_LOG_LEN};
use bollard::{
	body_full,
	container::{AttachContainerResults, LogOutput},
	errors::Error as EngineError,
	models::{ContainerCreateBody, HostConfig},
	query_parameters::{
		AttachContainerOptionsBuilder, ImportImageOptionsBuilder, KillContainerOptionsBuilder,
		RemoveContainerOptionsBuilder,
	},
	Docker,
};
use conun_primitives::{content_hash, TaskOutput, TaskStatus};
use futures_util::StreamExt;
use polkadot_sdk::sp_core::H256;
use std::{
	path::{Path, PathBuf},
	time::{Duration, Instant},
};
use tokio::io::AsyncWriteExt;

/// What the job allows one docker task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DockerLimits {
	/// CPUs, in billionths (1_000_000_000 = one core).
	pub nano_cpus: i64,
	/// Memory, in bytes; no swap on top.
	pub memory_bytes: i64,
	/// Processes and threads the container may have at once.
	pub pids: i64,
	/// How long the task may run.
	pub wall_clock: Duration,
	/// Output (stdout plus files in `/out`) the task may write, in bytes.
	pub max_output: usize,
	/// Size of the writable `/tmp`, in bytes.
	pub scratch_bytes: u64,
}

/// A task the docker sandbox runs.
#[derive(Clone, Debug)]
pub struct DockerTask<'a> {
	/// The image ID the program's tarball holds (from [`DockerExecutor::ensure_image`]).
	pub image: &'a str,
	pub command: &'a str,
	pub args: &'a [String],
	pub input: &'a [u8],
	pub limits: DockerLimits,
}

/// Why the sandbox could not run a task at all. Not a task result: the worker does not commit.
#[derive(Debug, thiserror::Error)]
pub enum DockerError {
	#[error("the Docker engine: {0}")]
	Engine(#[from] EngineError),
	#[error("the image tarball's hash is {actual:?}, the job says {expected:?}")]
	HashMismatch { expected: H256, actual: H256 },
	#[error("the image tarball is not a `docker save` archive: {0}")]
	BadImage(String),
	#[error("the task's scratch directory: {0}")]
	Io(#[from] std::io::Error),
}

/// Runs docker tasks against one Docker engine.
#[derive(Clone)]
pub struct DockerExecutor {
	docker: Docker,
	/// Where each task's `/out` directory is made.
	scratch: PathBuf,
}

impl DockerExecutor {
	/// Connect to the local engine (`DOCKER_HOST` or `/var/run/docker.sock`); task directories
	/// go under `scratch`.
	pub async fn connect(scratch: PathBuf) -> Result<Self, DockerError> {
		let docker = Docker::connect_with_local_defaults()?.negotiate_version().await?;
		docker.ping().await?;
		std::fs::create_dir_all(&scratch)?;
		Ok(Self { docker, scratch })
	}

	/// Make sure the engine has the image in `tarball`, whose content hash must be `expected`;
	/// returns its image ID. Loads the tarball only when the engine lacks the image.
	pub async fn ensure_image(
		&self,
		tarball: &[u8],
		expected: H256,
	) -> Result<String, DockerError> {
		let actual = content_hash(tarball);
		if actual != expected {
			return Err(DockerError::HashMismatch { expected, actual });
		}
		let id = image_id(tarball)?;
		if self.docker.inspect_image(&id).await.is_ok() {
			return Ok(id);
		}
		let options = ImportImageOptionsBuilder::default().quiet(true).build();
		let mut progress =
			self.docker.import_image(options, body_full(tarball.to_vec().into()), None);
		while let Some(step) = progress.next().await {
			step?;
		}
		self.docker
			.inspect_image(&id)
			.await
			.map_err(|_| DockerError::BadImage(format!("loading it did not give image {id}")))?;
		Ok(id)
	}

	/// Run `task`; the container and its directory are gone when this returns.
	pub async fn run(&self, task: DockerTask<'_>) -> Result<Execution, DockerError> {
		let started = Instant::now();
		// The task's directory, removed when dropped whatever happens below. Directory calls
		// are quick metadata operations, done in place rather than through tokio's `fs`, which
		// the node's build does not enable (one feature set keeps shared dependencies built once).
		let dir = tempfile::Builder::new().prefix("task-").tempdir_in(&self.scratch)?;
		let out = dir.path().join("out");
		std::fs::create_dir(&out)?;
		// The task runs as nobody: let it write its results.
		set_mode(&out, 0o777)?;
		let created = self.docker.create_container(None, container_config(&task, &out)).await;
		let result = match created {
			Ok(container) => {
				let result = self.supervise(&container.id, &task, &out).await;
				let remove = RemoveContainerOptionsBuilder::default().force(true).v(true).build();
				if let Err(error) = self.docker.remove_container(&container.id, Some(remove)).await
				{
					tracing::warn!(container = %container.id, %error, "could not remove a task's container");
				}
				result
			},
			Err(error) => Err(error.into()),
		};
		drop(dir);
		let (status, stdout, files, stderr) = result?;
		let output = TaskOutput::of_run(status, stdout, files);
		Ok(Execution { output, stderr, fuel_used: 0, elapsed: started.elapsed() })
	}

	/// Start the container, feed it its input, collect its output within its limits.
	async fn supervise(
		&self,
		id: &str,
		task: &DockerTask<'_>,
		out: &Path,
	) -> Result<(TaskStatus, Vec<u8>, Vec<u8>, Vec<u8>), DockerError> {
		let attach = AttachContainerOptionsBuilder::default()
			.stream(true)
			.stdin(true)
			.stdout(true)
			.stderr(true)
			.build();
		let AttachContainerResults { mut output, mut input } =
			self.docker.attach_container(id, Some(attach)).await?;
		self.docker.start_container(id, None).await?;
		let stdin = task.input.to_vec();
		let feeder = tokio::spawn(async move {
			// A task that does not read its input closes stdin early: not an error.
			let _ = input.write_all(&stdin).await;
			let _ = input.shutdown().await;
		});

		let max_output = task.limits.max_output;
		let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
		let (stdout_sink, stderr_sink) = (&mut stdout, &mut stderr);
		// The attach stream moves into this future, so it closes as soon as the future ends or
		// is dropped: a daemon with unread output cannot stop the container.
		let collect = async move {
			let (stdout, stderr) = (stdout_sink, stderr_sink);
			while let Some(frame) = output.next().await {
				match frame? {
					LogOutput::StdOut { message } => {
						if stdout.len() + message.len() > max_output {
							return Ok::<_, DockerError>(Some(TaskStatus::OutputTooLarge));
						}
						stdout.extend_from_slice(&message);
					},
					LogOutput::StdErr { message } => {
						let room = MAX_LOG_LEN.saturating_sub(stderr.len());
						stderr.extend_from_slice(&message[..message.len().min(room)]);
					},
					_ => {},
				}
			}
			Ok(None)
		};
		let stopped = match tokio::time::timeout(task.limits.wall_clock, collect).await {
			Ok(Ok(None)) => None,
			Ok(Ok(Some(status))) => Some(status),
			Ok(Err(error)) => return Err(error),
			Err(_) => Some(TaskStatus::TimedOut),
		};
		feeder.abort();
		if let Some(status) = stopped {
			let kill = KillContainerOptionsBuilder::default().signal("SIGKILL").build();
			let _ = self.docker.kill_container(id, Some(kill)).await;
			return Ok((status, Vec::new(), Vec::new(), stderr));
		}

		let state = self.wait(id).await?;
		let status = match state {
			(_, true) => TaskStatus::MemoryExceeded,
			(code, false) if code >= 128 => TaskStatus::Trapped,
			(code, false) => TaskStatus::Exited(code as i32),
		};
		let room = max_output.saturating_sub(stdout.len());
		let files = match pack(out, room) {
			Ok(files) => files,
			Err(Packing::TooLarge) => {
				return Ok((TaskStatus::OutputTooLarge, Vec::new(), Vec::new(), stderr))
			},
			Err(Packing::Io(error)) => return Err(error.into()),
		};
		Ok((status, stdout, files, stderr))
	}

	/// The exit code of a container whose output ended, and whether it was killed for memory.
	async fn wait(&self, id: &str) -> Result<(i64, bool), DockerError> {
		let mut waits = self.docker.wait_container(id, None);
		let code = match waits.next().await {
			Some(Ok(response)) => response.status_code,
			Some(Err(EngineError::DockerContainerWaitError { code, .. })) => code,
			Some(Err(error)) => return Err(error.into()),
			None => -1,
		};
		let inspected = self.docker.inspect_container(id, None).await?;
		let oom = inspected.state.and_then(|state| state.oom_killed).unwrap_or(false);
		Ok((code, oom))
	}
}

fn container_config(task: &DockerTask<'_>, out: &Path) -> ContainerCreateBody {
	// An empty command runs the image's own entry point, with the job's args in place of the
	// image's default ones when there are any; otherwise the command replaces the entry point.
	let (entrypoint, cmd) = if task.command.is_empty() {
		(None, (!task.args.is_empty()).then(|| task.args.to_vec()))
	} else {
		let mut cmd = vec![task.command.to_string()];
		cmd.extend(task.args.iter().cloned());
		(Some(Vec::new()), Some(cmd))
	};
	let limits = task.limits;
	ContainerCreateBody {
		image: Some(task.image.to_string()),
		cmd,
		entrypoint,
		user: Some("65534:65534".into()),
		working_dir: Some("/".into()),
		env: Some(Vec::new()),
		network_disabled: Some(true),
		attach_stdin: Some(true),
		attach_stdout: Some(true),
		attach_stderr: Some(true),
		open_stdin: Some(true),
		stdin_once: Some(true),
		tty: Some(false),
		host_config: Some(HostConfig {
			network_mode: Some("none".into()),
			readonly_rootfs: Some(true),
			binds: Some(vec![format!("{}:/out:rw", out.display())]),
			tmpfs: Some(
				[("/tmp".to_string(), format!("size={},mode=1777", limits.scratch_bytes))].into(),
			),
			cap_drop: Some(vec!["ALL".into()]),
			security_opt: Some(vec!["no-new-privileges".into()]),
			memory: Some(limits.memory_bytes),
			memory_swap: Some(limits.memory_bytes),
			nano_cpus: Some(limits.nano_cpus),
			pids_limit: Some(limits.pids),
			..Default::default()
		}),
		..Default::default()
	}
}

/// The image ID a `docker save` tarball holds: the digest of its config, from manifest.json.
pub fn image_id(tarball: &[u8]) -> Result<String, DockerError> {
	let mut archive = tar::Archive::new(tarball);
	let entries = archive.entries().map_err(|e| DockerError::BadImage(e.to_string()))?;
	for entry in entries {
		let mut entry = entry.map_err(|e| DockerError::BadImage(e.to_string()))?;
		let is_manifest = entry.path().map(|p| p == Path::new("manifest.json")).unwrap_or(false);
		if !is_manifest {
			continue;
		}
		let manifest: serde_json::Value = serde_json::from_reader(&mut entry)
			.map_err(|e| DockerError::BadImage(e.to_string()))?;
		let config = manifest
			.get(0)
			.and_then(|image| image.get("Config"))
			.and_then(|config| config.as_str())
			.ok_or_else(|| DockerError::BadImage("manifest.json names no config".into()))?;
		// "<hex>.json" (docker's own layout) or "blobs/sha256/<hex>" (OCI layout).
		let file = config.rsplit('/').next().unwrap_or(config);
		let hex = file.strip_suffix(".json").unwrap_or(file);
		if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
			return Err(DockerError::BadImage(format!("unexpected config name {config}")));
		}
		return Ok(format!("sha256:{hex}"));
	}
	Err(DockerError::BadImage("no manifest.json".into()))
}

enum Packing {
	TooLarge,
	Io(std::io::Error),
}

impl From<std::io::Error> for Packing {
	fn from(error: std::io::Error) -> Self {
		Packing::Io(error)
	}
}

/// Pack the files under `dir` as a deterministic tar archive of at most `limit` bytes of
/// content: sorted paths, zero times, owner 0, modes 0644 (files) and 0755 (directories).
/// Anything but files and directories (links, devices) is left out.
fn pack(dir: &Path, limit: usize) -> Result<Vec<u8>, Packing> {
	let mut paths = Vec::new();
	collect(dir, dir, &mut paths)?;
	paths.sort();
	if paths.is_empty() {
		return Ok(Vec::new());
	}
	let mut total = 0usize;
	let mut builder = tar::Builder::new(Vec::new());
	for (relative, is_dir) in paths {
		let mut header = tar::Header::new_ustar();
		header.set_mtime(0);
		header.set_uid(0);
		header.set_gid(0);
		if is_dir {
			header.set_entry_type(tar::EntryType::Directory);
			header.set_mode(0o755);
			header.set_size(0);
			builder.append_data(&mut header, &relative, std::io::empty())?;
		} else {
			let bytes = std::fs::read(dir.join(&relative))?;
			total = total.saturating_add(bytes.len());
			if total > limit {
				return Err(Packing::TooLarge);
			}
			header.set_entry_type(tar::EntryType::Regular);
			header.set_mode(0o644);
			header.set_size(bytes.len() as u64);
			builder.append_data(&mut header, &relative, bytes.as_slice())?;
		}
	}
	Ok(builder.into_inner()?)
}

/// Every file and directory under `dir`, relative to `root`, without following links.
fn collect(root: &Path, dir: &Path, paths: &mut Vec<(PathBuf, bool)>) -> std::io::Result<()> {
	for entry in std::fs::read_dir(dir)? {
		let entry = entry?;
		let kind = entry.file_type()?;
		let path = entry.path();
		let relative = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
		if kind.is_dir() {
			paths.push((relative, true));
			collect(root, &path, paths)?;
		} else if kind.is_file() {
			paths.push((relative, false));
		}
	}
	Ok(())
}

fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
	use std::os::unix::fs::PermissionsExt;
	std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}
