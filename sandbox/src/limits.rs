//! The limits a task runs under, worked out in one place from the job's terms, so that a
//! worker, the CLI's dry run and the runtime's referee run a task under the very same limits
//! (a replica run with more memory or fuel than another could end differently).

use conun_primitives::{Program, Resources, MAX_OUTPUT_BYTES};

/// What the job allows one wasm task, the same on every replica.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
	/// Fuel (wasm instructions, weighted) the program may burn.
	pub fuel: u64,
	/// Linear memory the program may grow to, in bytes.
	pub memory_bytes: usize,
	/// Output (stdout plus files) the program may write, in bytes.
	pub max_output: usize,
}

/// The limits of one task of a wasm job: the program's fuel, the job's memory, and the
/// market's output bound. `None` for a program of another runtime.
pub fn wasm_limits(program: &Program, resources: &Resources) -> Option<Limits> {
	match program {
		Program::Wasm { fuel, .. } => Some(Limits {
			fuel: *fuel,
			memory_bytes: memory_bytes(resources),
			max_output: MAX_OUTPUT_BYTES as usize,
		}),
		Program::Docker { .. } => None,
	}
}

/// Processes and threads one docker task may have at once.
#[cfg(feature = "docker")]
pub const DOCKER_PIDS: i64 = 256;

/// The size of a docker task's writable `/tmp`, in bytes.
#[cfg(feature = "docker")]
pub const DOCKER_SCRATCH_BYTES: u64 = 64 << 20;

/// The limits of one task of a docker job: the job's cores and memory, the market's output
/// bound, and `wall_clock`, the job's execution time (the same on every replica).
#[cfg(feature = "docker")]
pub fn docker_limits(
	resources: &Resources,
	wall_clock: std::time::Duration,
) -> crate::docker::DockerLimits {
	crate::docker::DockerLimits {
		nano_cpus: i64::from(resources.cores.max(1)).saturating_mul(1_000_000_000),
		memory_bytes: memory_bytes(resources) as i64,
		pids: DOCKER_PIDS,
		wall_clock,
		max_output: MAX_OUTPUT_BYTES as usize,
		scratch_bytes: DOCKER_SCRATCH_BYTES,
	}
}

/// The memory one task may use, in bytes: the job's `memory_mib`.
pub fn memory_bytes(resources: &Resources) -> usize {
	(resources.memory_mib as usize).saturating_mul(1 << 20)
}
