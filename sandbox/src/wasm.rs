//! The wasm sandbox: wasmi, configured so that a program's result and fuel depend only on the
//! program and its input.
//!
//! - Eager compilation: every function is translated and validated before the program starts,
//!   and translation never burns fuel (wasmi's lazy modes charge it on first call, which would
//!   make fuel depend on the engine's mode).
//! - NaN results are canonical (wasmi's `deterministic` feature); SIMD and threads are not
//!   compiled in, so modules using them are invalid programs.
//! - Fuel metering with the job's fuel; a memory limit from the job's resources that traps on
//!   the grow that would exceed it; the host interface of [`super::wasi`].

use crate::{
	wasi::{self, Host, OutputTooLarge},
	Execution, Limits,
};
use alloc::{
	format,
	string::{String, ToString},
	vec,
	vec::Vec,
};
use conun_primitives::{TaskOutput, TaskStatus};
use wasmi::{
	errors::{ErrorKind, InstantiationError, MemoryError},
	CompilationMode, Config, Engine, Module, Store, StoreLimitsBuilder, TrapCode,
};

/// Runs wasm tasks. Cheap to clone; one engine serves every task.
#[derive(Clone)]
pub struct WasmExecutor {
	engine: Engine,
}

impl Default for WasmExecutor {
	fn default() -> Self {
		Self::new()
	}
}

impl WasmExecutor {
	pub fn new() -> Self {
		let mut config = Config::default();
		config
			.consume_fuel(true)
			.compilation_mode(CompilationMode::Eager)
			.wasm_multi_memory(false);
		Self { engine: Engine::new(&config) }
	}

	/// Run `entry_point` of `program` on `input` within `limits`. Never fails: whatever the
	/// program does ends in a [`TaskStatus`].
	///
	/// `entry_point` is the program's bytes as the job names it: one that is not UTF-8 (wasm
	/// export names always are) makes an invalid program.
	pub fn run(
		&self,
		program: &[u8],
		entry_point: impl AsRef<[u8]>,
		input: &[u8],
		limits: Limits,
	) -> Execution {
		#[cfg(feature = "std")]
		let started = std::time::Instant::now();
		let host = Host {
			limits: StoreLimitsBuilder::new()
				.memory_size(limits.memory_bytes)
				.instances(1)
				.memories(1)
				.tables(1)
				.trap_on_grow_failure(true)
				.build(),
			args: vec![b"task".to_vec()],
			stdin: input.to_vec(),
			stdin_read: 0,
			stdout: Vec::new(),
			stderr: Vec::new(),
			max_output: limits.max_output,
		};
		let mut store = Store::new(&self.engine, host);
		store.limiter(|host| &mut host.limits);
		let status = match store.set_fuel(limits.fuel) {
			Ok(()) => self.execute(&mut store, program, entry_point.as_ref()),
			Err(error) => {
				// Only when fuel metering is off, which `new` never does.
				store.data_mut().stderr.extend_from_slice(error.to_string().as_bytes());
				TaskStatus::InvalidProgram
			},
		};
		let fuel_used = limits.fuel.saturating_sub(store.get_fuel().unwrap_or(0));
		let host = store.into_data();
		Execution {
			output: TaskOutput::of_run(status, host.stdout, Vec::new()),
			stderr: host.stderr,
			fuel_used,
			#[cfg(feature = "std")]
			elapsed: started.elapsed(),
			#[cfg(not(feature = "std"))]
			elapsed: core::time::Duration::ZERO,
		}
	}

	fn execute(&self, store: &mut Store<Host>, program: &[u8], entry_point: &[u8]) -> TaskStatus {
		let complain = |store: &mut Store<Host>, message: String| {
			let stderr = &mut store.data_mut().stderr;
			stderr.extend_from_slice(format!("sandbox: {message}\n").as_bytes());
		};
		let Ok(entry_point) = core::str::from_utf8(entry_point) else {
			complain(store, "the entry point's name is not UTF-8".into());
			return TaskStatus::InvalidProgram;
		};
		if !program.starts_with(b"\0asm") {
			complain(store, "the program is not a wasm binary".into());
			return TaskStatus::InvalidProgram;
		}
		let module = match Module::new(&self.engine, program) {
			Ok(module) => module,
			Err(error) => {
				complain(store, format!("invalid wasm module: {error}"));
				return TaskStatus::InvalidProgram;
			},
		};
		let unsupported = wasi::unsupported_imports(&module);
		if !unsupported.is_empty() {
			complain(
				store,
				format!("imports the sandbox does not offer: {}", unsupported.join(", ")),
			);
			return TaskStatus::InvalidProgram;
		}
		let linker = match wasi::linker(&self.engine, &module) {
			Ok(linker) => linker,
			Err(error) => {
				complain(store, format!("cannot link the module: {error}"));
				return TaskStatus::InvalidProgram;
			},
		};
		let instance = match linker.instantiate_and_start(&mut *store, &module) {
			Ok(instance) => instance,
			Err(error) => {
				let status = status_of(&error).unwrap_or(TaskStatus::InvalidProgram);
				complain(store, format!("cannot start the module: {error}"));
				return status;
			},
		};
		let entry = match instance.get_typed_func::<(), ()>(&*store, entry_point) {
			Ok(entry) => entry,
			Err(error) => {
				complain(
					store,
					format!("no entry point `{entry_point}` taking and returning nothing: {error}"),
				);
				return TaskStatus::InvalidProgram;
			},
		};
		match entry.call(&mut *store, ()) {
			Ok(()) => TaskStatus::Exited(0),
			Err(error) => {
				let status = status_of(&error).unwrap_or(TaskStatus::Trapped);
				if !matches!(status, TaskStatus::Exited(_)) {
					complain(store, format!("stopped: {error}"));
				}
				status
			},
		}
	}
}

/// The status an error of wasmi stands for, when it stands for one.
fn status_of(error: &wasmi::Error) -> Option<TaskStatus> {
	if let Some(code) = error.i32_exit_status() {
		return Some(TaskStatus::Exited(code));
	}
	if error.downcast_ref::<OutputTooLarge>().is_some() {
		return Some(TaskStatus::OutputTooLarge);
	}
	let denied = |memory: &MemoryError| {
		matches!(
			memory,
			MemoryError::ResourceLimiterDeniedAllocation | MemoryError::OutOfSystemMemory
		)
	};
	match error.kind() {
		// The module's initial memory is over the limit.
		ErrorKind::Memory(memory)
		| ErrorKind::Instantiation(InstantiationError::FailedToInstantiateMemory(memory))
			if denied(memory) =>
		{
			return Some(TaskStatus::MemoryExceeded)
		},
		_ => {},
	}
	match error.as_trap_code()? {
		TrapCode::OutOfFuel => Some(TaskStatus::OutOfFuel),
		TrapCode::GrowthOperationLimited | TrapCode::OutOfSystemMemory => {
			Some(TaskStatus::MemoryExceeded)
		},
		_ => Some(TaskStatus::Trapped),
	}
}
