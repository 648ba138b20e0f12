//! What the machine has (cores, memory, GPUs), and what the provider lends of it.

use crate::config::Config;
use conun_primitives::{Bytes, Capabilities, Resources, MAX_GPU_MODEL_LEN};

/// The machine, as detected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Machine {
	pub cores: u32,
	pub memory_mib: u32,
	pub gpus: u32,
	pub gpu_model: String,
}

impl Machine {
	/// Detects the machine: cores the process may use, total memory (`/proc/meminfo`), NVIDIA
	/// GPUs (`nvidia-smi`, when installed).
	pub fn detect() -> Self {
		let cores = std::thread::available_parallelism().map(|n| n.get() as u32).unwrap_or(1);
		let memory_mib = std::fs::read_to_string("/proc/meminfo")
			.ok()
			.and_then(|text| parse_meminfo_mib(&text))
			.unwrap_or(0);
		let gpu_names = std::process::Command::new("nvidia-smi")
			.args(["--query-gpu=name", "--format=csv,noheader"])
			.output()
			.ok()
			.filter(|out| out.status.success())
			.map(|out| parse_gpu_names(&String::from_utf8_lossy(&out.stdout)))
			.unwrap_or_default();
		Self {
			cores,
			memory_mib,
			gpus: gpu_names.len() as u32,
			gpu_model: gpu_names.into_iter().next().unwrap_or_default(),
		}
	}

	/// What the provider offers on chain: the configured share of this machine.
	///
	/// Cores and memory default to the whole machine (memory: three quarters, leaving room for
	/// the node and the owner), and are capped at what the machine has: a provider advertising
	/// more would be assigned tasks it then fails.
	pub fn lend(&self, config: &Config) -> Result<Capabilities, String> {
		let cores = config.cores.unwrap_or(self.cores);
		if cores > self.cores {
			return Err(format!("lend.cores = {cores}, but this machine has {} cores", self.cores));
		}
		let memory_mib = config.memory_mib.unwrap_or(self.memory_mib / 4 * 3);
		if memory_mib > self.memory_mib {
			return Err(format!(
				"lend.memory_mib = {memory_mib}, but this machine has {} MiB",
				self.memory_mib
			));
		}
		let mut model = self.gpu_model.clone().into_bytes();
		model.truncate(MAX_GPU_MODEL_LEN as usize);
		Ok(Capabilities {
			resources: Resources { cores, memory_mib, gpus: self.gpus },
			gpu_model: Bytes::<MAX_GPU_MODEL_LEN>::try_from(model).unwrap_or_default(),
			runtimes: config.runtimes,
			max_tasks: config.max_tasks,
		})
	}
}

fn parse_meminfo_mib(text: &str) -> Option<u32> {
	let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
	let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
	u32::try_from(kib / 1024).ok()
}

fn parse_gpu_names(text: &str) -> Vec<String> {
	text.lines()
		.map(str::trim)
		.filter(|l| !l.is_empty())
		.map(String::from)
		.collect()
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn reads_memory_and_gpus() {
		assert_eq!(parse_meminfo_mib("MemTotal:       24576000 kB\nMemFree: 1 kB\n"), Some(24000));
		assert_eq!(parse_meminfo_mib("nothing"), None);
		assert_eq!(
			parse_gpu_names("NVIDIA GeForce RTX 4090\nNVIDIA GeForce RTX 4090\n\n"),
			vec!["NVIDIA GeForce RTX 4090".to_string(); 2]
		);
	}

	#[test]
	fn cannot_lend_more_than_the_machine_has() {
		let machine = Machine { cores: 2, memory_mib: 8000, gpus: 0, gpu_model: String::new() };
		let mut config = crate::config::Config::complete(crate::config::FileConfig {
			key: Some("//Alice".into()),
			..Default::default()
		})
		.unwrap();
		let caps = machine.lend(&config).unwrap();
		assert_eq!(caps.resources, Resources { cores: 2, memory_mib: 6000, gpus: 0 });
		config.cores = Some(3);
		assert!(machine.lend(&config).unwrap_err().contains("2 cores"));
		config.cores = Some(1);
		config.memory_mib = Some(9000);
		assert!(machine.lend(&config).unwrap_err().contains("8000 MiB"));
	}
}
