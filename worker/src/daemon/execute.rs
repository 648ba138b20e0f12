//! Running one assigned task: fetch its program and input by content hash, run it in its
//! sandbox, keep the result and logs for the requester and peers, and record the result and a
//! fresh salt in the journal.

use crate::{
	chain::{BlockNumber, JobSpec},
	fault::Fault,
	journal::{Entry, Journal, Phase, Receipt},
	metrics::{Metrics, Milestone, Outcome},
};
use conun_net::{BlobStore, NetHandle};
use conun_primitives::{Program, RuntimeKind, Salt, TaskInput, TaskOutput, TaskRef, TaskStatus};
use conun_sandbox::{
	docker::{DockerError, DockerExecutor, DockerTask},
	limits, Execution, WasmExecutor,
};
use polkadot_sdk::sp_core::H256;
use std::{sync::Arc, time::Duration};

/// What a task run needs, shared by every run.
pub struct Runner {
	pub journal: Arc<Journal>,
	pub store: Arc<BlobStore>,
	pub net: NetHandle,
	pub wasm: Option<WasmExecutor>,
	pub docker: Option<DockerExecutor>,
	pub metrics: Metrics,
	pub fault: Fault,
	/// The chain's target block time, to turn the job's execution deadline into a wall clock.
	pub block_time: Duration,
}

/// Why a task could not be run (the task's own failures are results, not errors).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
	#[error("fetching {what} {hash:?}: {error}")]
	Fetch {
		what: &'static str,
		hash: H256,
		#[source]
		error: conun_net::FetchError,
	},
	/// No peer, the requester included, provided a good copy of the blob: the daemon reports the task's
	/// data unavailable after a few tries, rather than miss its deadline.
	#[error("fetching {what} {hash:?}: {error}")]
	Unavailable {
		what: &'static str,
		hash: H256,
		#[source]
		error: conun_net::FetchError,
	},
	#[error("this worker does not offer the {0} runtime")]
	RuntimeNotOffered(RuntimeKind),
	#[error("docker: {0}")]
	Docker(#[from] DockerError),
	#[error("blob store: {0}")]
	Store(#[from] conun_net::StoreError),
	/// The blob was fetched, but cannot be read back from the store.
	#[error("reading {what} {hash:?} from the blob store: {error}")]
	Read {
		what: &'static str,
		hash: H256,
		#[source]
		error: conun_net::StoreError,
	},
	/// The worker's own machinery failed: no randomness for a salt.
	#[error("no random salt: {0}")]
	NoSalt(#[source] std::io::Error),
	/// A sandbox or store thread panicked.
	#[error("{what} panicked: {error}")]
	Panicked {
		what: &'static str,
		#[source]
		error: tokio::task::JoinError,
	},
	#[error(transparent)]
	Journal(#[from] crate::journal::JournalError),
}

impl Runner {
	/// Runs `task` of the job `spec` on `input`, and records its result and salt in the journal.
	/// Returns the receipt.
	pub async fn run(
		&self,
		task: TaskRef,
		input: TaskInput,
		spec: &JobSpec,
	) -> Result<Receipt, RunError> {
		// Lost in a crash, the run starts again: no need to wait for the disk.
		self.journal.note(task, &Entry { phase: Phase::Running, receipt: None })?;
		if self.fault == Fault::Collude {
			return self.collude(task);
		}
		let peers = conun_net::contact::from_contact(&spec.requester)
			.into_iter()
			.collect::<Vec<_>>();
		let program_hash = spec.program.hash();
		let program = self.fetch("program", program_hash, spec.program.size(), &peers).await?;
		let input_bytes = self.fetch("input", input.hash, input.size, &peers).await?;
		let (execution, bytes_in) = match (program, input_bytes) {
			(Fetched::Bytes(program), Fetched::Bytes(input)) => {
				let bytes_in = (program.len() + input.len()) as u64;
				(self.execute(&spec.program, program, input, spec).await?, bytes_in)
			},
			// The job declares a size its blob does not have. The content hash binds the size,
			// so every replica finds the same: that is the task's result, not a fetch failure
			// to retry until the deadline.
			_ => (invalid_program(), 0),
		};
		let runtime = spec.program.runtime().name();
		self.metrics
			.execution_seconds
			.with_label_values(&[runtime])
			.observe(execution.elapsed.as_secs_f64());
		self.metrics.task(Milestone::Executed, Outcome::Ran(execution.output.status));

		let blob = codec::Encode::encode(&execution.output);
		let bytes_out = blob.len() as u64;
		let result = self.keep(blob).await?;
		let logs = self.keep(execution.stderr).await?;
		let receipt = Receipt {
			result,
			status: execution.output.status,
			work: match spec.program.runtime() {
				RuntimeKind::Wasm => execution.fuel_used,
				RuntimeKind::Docker => execution.elapsed.as_micros() as u64,
			},
			bytes_in,
			bytes_out,
			logs,
		};
		let committed = match self.fault {
			Fault::Lie => H256(polkadot_sdk::sp_crypto_hashing::blake2_256(result.as_bytes())),
			_ => result,
		};
		let salt = fresh_salt().map_err(RunError::NoSalt)?;
		let entry =
			Entry { phase: Phase::Executed { result: committed, salt }, receipt: Some(receipt) };
		// Durable before its commitment goes out: the daemon syncs the journal before each
		// commit batch, one wait for the disk for the whole batch.
		self.journal.note(task, &entry)?;
		self.fault.crash_if(Fault::CrashAfterExecute);
		Ok(receipt)
	}

	/// The fault `collude`: record the colluders' shared fake result without running anything.
	fn collude(&self, task: TaskRef) -> Result<Receipt, RunError> {
		let fake = H256(polkadot_sdk::sp_crypto_hashing::blake2_256(&codec::Encode::encode(&(
			b"conun/collude",
			task,
		))));
		let salt = fresh_salt().map_err(RunError::NoSalt)?;
		let receipt = Receipt {
			result: fake,
			status: TaskStatus::Exited(0),
			work: 0,
			bytes_in: 0,
			bytes_out: 0,
			logs: H256::zero(),
		};
		self.journal.note(
			task,
			&Entry { phase: Phase::Executed { result: fake, salt }, receipt: Some(receipt) },
		)?;
		Ok(receipt)
	}

	/// The program's and the input's bytes of a task this worker ran, from its blob store: what
	/// the chain's referee needs to run it. `None` when either was collected since.
	pub fn task_bytes(&self, program: H256, input: H256) -> Option<(Vec<u8>, Vec<u8>)> {
		Some((self.store.read(program).ok()?, self.store.read(input).ok()?))
	}

	/// Fetches a blob of `size` bytes by hash, from the store or from peers.
	async fn fetch(
		&self,
		what: &'static str,
		hash: H256,
		size: u64,
		peers: &[(conun_net::libp2p::PeerId, Vec<conun_net::libp2p::Multiaddr>)],
	) -> Result<Fetched, RunError> {
		match self.net.fetch(hash, size, peers.to_vec()).await {
			Ok(_) => {},
			Err(conun_net::FetchError::TooLarge { .. }) => return Ok(Fetched::WrongSize),
			// Nobody sent a good copy: no peer had it, or every one that answered sent a manifest
			// or a chunk that does not match the hash (a requester can single a worker out that
			// way as well as by silence).
			Err(
				error @ (conun_net::FetchError::Unavailable { .. }
				| conun_net::FetchError::Corrupt { .. }
				| conun_net::FetchError::BadManifest { .. }),
			) => return Err(RunError::Unavailable { what, hash, error }),
			Err(error) => return Err(RunError::Fetch { what, hash, error }),
		}
		let store = self.store.clone();
		let bytes = tokio::task::spawn_blocking(move || store.read(hash))
			.await
			.map_err(|error| RunError::Panicked { what: "reading the blob store", error })?
			.map_err(|error| RunError::Read { what, hash, error })?;
		if bytes.len() as u64 != size {
			return Ok(Fetched::WrongSize);
		}
		Ok(Fetched::Bytes(bytes))
	}

	/// Keeps `bytes` in the store, unannounced; returns their content hash. The DHT's
	/// provider records name the hash to the peers that store them, and a result's hash is
	/// what a co-replica that did not run the task would need to commit: the daemon announces
	/// results only once the chain is done with their task.
	async fn keep(&self, bytes: Vec<u8>) -> Result<H256, RunError> {
		let store = self.store.clone();
		let hash = tokio::task::spawn_blocking(move || store.import_bytes(&bytes))
			.await
			.map_err(|error| RunError::Panicked { what: "writing the blob store", error })??;
		Ok(hash)
	}

	async fn execute(
		&self,
		program: &Program,
		code: Vec<u8>,
		input: Vec<u8>,
		spec: &JobSpec,
	) -> Result<Execution, RunError> {
		match program {
			Program::Wasm { entry_point, .. } => {
				let Some(wasm) = self.wasm.clone() else {
					return Err(RunError::RuntimeNotOffered(RuntimeKind::Wasm));
				};
				let Some(limits) = limits::wasm_limits(program, &spec.resources) else {
					return Ok(invalid_program());
				};
				let entry_point = entry_point.to_vec();
				tokio::task::spawn_blocking(move || wasm.run(&code, entry_point, &input, limits))
					.await
					.map_err(|error| RunError::Panicked { what: "the wasm run", error })
			},
			Program::Docker { hash, command, args, .. } => {
				let Some(docker) = &self.docker else {
					return Err(RunError::RuntimeNotOffered(RuntimeKind::Docker));
				};
				let (Ok(command), Ok(args)) = (
					String::from_utf8(command.to_vec()),
					args.iter()
						.map(|a| String::from_utf8(a.to_vec()))
						.collect::<Result<Vec<_>, _>>(),
				) else {
					return Ok(invalid_program());
				};
				let image = match docker.ensure_image(&code, *hash).await {
					Ok(image) => image,
					Err(DockerError::HashMismatch { .. } | DockerError::BadImage(_)) => {
						return Ok(invalid_program())
					},
					Err(error) => return Err(error.into()),
				};
				// The job's execution time, the same on every replica: a limit that depended on
				// when this replica started would make honest replicas disagree.
				let wall_clock = self.execution_time(spec.deadlines.execution);
				let limits = limits::docker_limits(&spec.resources, wall_clock);
				docker
					.run(DockerTask {
						image: &image,
						command: &command,
						args: &args,
						input: &input,
						limits,
					})
					.await
					.map_err(RunError::from)
			},
		}
	}

	/// The wall-clock time a task may run: its execution deadline in blocks.
	fn execution_time(&self, blocks: BlockNumber) -> Duration {
		self.block_time * blocks.max(1)
	}
}

/// A blob fetched for a task.
enum Fetched {
	Bytes(Vec<u8>),
	/// The blob matches its hash but not the size the job declares.
	WrongSize,
}

fn invalid_program() -> Execution {
	Execution {
		output: TaskOutput::empty(TaskStatus::InvalidProgram),
		stderr: Vec::new(),
		fuel_used: 0,
		elapsed: Duration::ZERO,
	}
}

/// 32 random bytes from the operating system: the salt that keeps a commitment from giving
/// the result away.
fn fresh_salt() -> std::io::Result<Salt> {
	use std::io::Read;
	let mut salt = [0u8; 32];
	std::fs::File::open("/dev/urandom")?.read_exact(&mut salt)?;
	Ok(salt)
}
