//! Turns a manifest into what the chain is told and workers fetch: the program and every input
//! imported into the CLI's blob store, named by their content hashes.

use crate::{
	error::CliError,
	manifest::{InputSpec, Manifest, ProgramSpec},
};
use conun_net::BlobStore;
use conun_primitives::{Program, TaskInput};
use futures::StreamExt;
use polkadot_sdk::sp_core::H256;
use std::path::{Path, PathBuf};

/// A job ready to post: its program and inputs are in the store.
#[derive(Clone, Debug)]
pub struct Prepared {
	pub program: Program,
	pub inputs: Vec<TaskInput>,
}

impl Prepared {
	/// Every blob workers will fetch.
	pub fn blobs(&self) -> Vec<H256> {
		let mut blobs = vec![self.program.hash()];
		blobs.extend(self.inputs.iter().map(|i| i.hash));
		blobs
	}

	pub fn input_bytes(&self) -> u64 {
		self.inputs.iter().map(|i| i.size).sum()
	}
}

/// The sub-ranges of `start..=end` split into `chunks` nearly equal parts, as task inputs.
pub fn range_inputs(start: u64, end: u64, chunks: u32) -> Vec<Vec<u8>> {
	let n = (end - start) as u128 + 1;
	let chunks = chunks as u128;
	(0..chunks)
		.map(|k| {
			let first = start as u128 + k * n / chunks;
			let last = start as u128 + (k + 1) * n / chunks - 1;
			format!("{first} {last}\n").into_bytes()
		})
		.collect()
}

fn bounded<const N: u32>(text: &str) -> conun_primitives::Bytes<N> {
	// The manifest checked every length against the same bounds.
	conun_primitives::Bytes::<N>::truncate_from(text.as_bytes().to_vec())
}

/// Imports the program and inputs of `manifest` into `store`; a Dockerfile directory is built
/// and saved under `images` first.
pub async fn prepare(
	manifest: &Manifest,
	store: &BlobStore,
	images: &Path,
) -> Result<Prepared, CliError> {
	let program = match &manifest.program {
		ProgramSpec::Wasm { path, entry_point, fuel } => {
			let (hash, size) = store.import_file(path)?;
			Program::Wasm { hash, size, entry_point: bounded(entry_point), fuel: *fuel }
		},
		ProgramSpec::DockerImage { path, command, args } => {
			check_image(path)?;
			docker_program(store, path, command, args)?
		},
		ProgramSpec::DockerBuild { dir, command, args } => {
			let path = build_image(dir, &manifest.name, images).await?;
			docker_program(store, &path, command, args)?
		},
	};
	let inputs = match &manifest.inputs {
		InputSpec::Range { start, end, chunks } => range_inputs(*start, *end, *chunks)
			.iter()
			.map(|bytes| {
				Ok(TaskInput { hash: store.import_bytes(bytes)?, size: bytes.len() as u64 })
			})
			.collect::<Result<Vec<_>, CliError>>()?,
		InputSpec::Files(files) => files
			.iter()
			.map(|file| {
				let (hash, size) = store.import_file(file)?;
				Ok(TaskInput { hash, size })
			})
			.collect::<Result<Vec<_>, CliError>>()?,
	};
	Ok(Prepared { program, inputs })
}

fn docker_program(
	store: &BlobStore,
	tarball: &Path,
	command: &str,
	args: &[String],
) -> Result<Program, CliError> {
	let (hash, size) = store.import_file(tarball)?;
	Ok(Program::Docker {
		hash,
		size,
		command: bounded(command),
		args: args
			.iter()
			.map(|a| bounded(a))
			.collect::<Vec<_>>()
			.try_into()
			.map_err(|_| CliError::Usage(format!("at most {} args", conun_primitives::MAX_ARGS)))?,
	})
}

/// Checks that `tarball` is an image saved by `docker save`, as workers will load it.
fn check_image(tarball: &Path) -> Result<String, CliError> {
	let bytes = std::fs::read(tarball)?;
	conun_sandbox::docker::image_id(&bytes).map_err(|e| {
		CliError::Docker(format!("{} is not a `docker save` tarball: {e}", tarball.display()))
	})
}

/// Builds the Dockerfile in `dir` with the local engine and saves the image as a tarball in
/// `images`, named by the image id. An unchanged image is not saved again, so its tarball, and
/// therefore its content hash, stay the same from one job to the next: workers that fetched it
/// once keep it.
async fn build_image(dir: &Path, name: &str, images: &Path) -> Result<PathBuf, CliError> {
	use bollard::query_parameters::BuildImageOptionsBuilder;
	let docker_error = |e: bollard::errors::Error| CliError::Docker(e.to_string());
	let docker = bollard::Docker::connect_with_local_defaults()
		.map_err(|e| CliError::Docker(format!("cannot reach the docker engine: {e}")))?
		.negotiate_version()
		.await
		.map_err(|e| CliError::Docker(format!("cannot reach the docker engine: {e}")))?;
	let context = {
		let dir = dir.to_path_buf();
		tokio::task::spawn_blocking(move || -> std::io::Result<Vec<u8>> {
			let mut archive = tar::Builder::new(Vec::new());
			archive.follow_symlinks(false);
			archive.append_dir_all(".", &dir)?;
			archive.into_inner()
		})
		.await
		.map_err(|e| CliError::Docker(e.to_string()))??
	};
	let tag: String = format!(
		"conun-job-{}:latest",
		name.to_ascii_lowercase()
			.chars()
			.map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
			.collect::<String>()
	);
	let options = BuildImageOptionsBuilder::default()
		.dockerfile("Dockerfile")
		.t(&tag)
		.rm(true)
		.forcerm(true)
		.build();
	let mut build = docker.build_image(options, None, Some(bollard::body_full(context.into())));
	while let Some(step) = build.next().await {
		let step =
			step.map_err(|e| CliError::Docker(format!("building {}: {e}", dir.display())))?;
		if let Some(error) = step.error_detail.and_then(|d| d.message) {
			return Err(CliError::Docker(format!("building {}: {error}", dir.display())));
		}
		if let Some(line) = step.stream {
			tracing::debug!(target: "conun::docker", "{}", line.trim_end());
		}
	}
	let id = docker.inspect_image(&tag).await.map_err(docker_error)?.id.unwrap_or_default();
	let id = id.trim_start_matches("sha256:").to_string();
	if id.is_empty() {
		return Err(CliError::Docker(format!("the engine built {tag} but reports no image id")));
	}
	std::fs::create_dir_all(images)?;
	let path = images.join(format!("{id}.tar"));
	if path.is_file() {
		return Ok(path);
	}
	let partial = images.join(format!("{id}.tar.partial"));
	let mut file = std::fs::File::create(&partial)?;
	let mut export = docker.export_image(&tag);
	while let Some(bytes) = export.next().await {
		std::io::Write::write_all(&mut file, &bytes.map_err(docker_error)?)?;
	}
	file.sync_all()?;
	std::fs::rename(&partial, &path)?;
	check_image(&path)?;
	Ok(path)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn ranges_cover_every_number_once() {
		let inputs = range_inputs(1, 10, 3);
		assert_eq!(inputs, vec![b"1 3\n".to_vec(), b"4 6\n".to_vec(), b"7 10\n".to_vec()]);
		let inputs = range_inputs(1, 100_000_000, 100);
		assert_eq!(inputs[0], b"1 1000000\n");
		assert_eq!(inputs[99], b"99000001 100000000\n");
	}
}
