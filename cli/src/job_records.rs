//! What the CLI remembers about the jobs it posted (`<data-dir>/jobs/<id>.json`): which jobs
//! `conun serve` still serves (the blob store holds their program and inputs), and what
//! `job results` does with their results. The chain holds everything else. Records written by
//! earlier versions, with more fields, still load: unknown fields are ignored.

use crate::{error::CliError, manifest::Reduce};
use conun_primitives::JobId;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct JobRecord {
	pub job: JobId,
	/// How the job's results are combined.
	pub reduce: Reduce,
}

fn path(data_dir: &Path, job: JobId) -> PathBuf {
	data_dir.join("jobs").join(format!("{job}.json"))
}

impl JobRecord {
	pub fn save(&self, data_dir: &Path) -> Result<(), CliError> {
		let file = path(data_dir, self.job);
		std::fs::create_dir_all(file.parent().unwrap_or(data_dir))?;
		let partial = file.with_extension("json.partial");
		std::fs::write(&partial, serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?)?;
		std::fs::rename(partial, file)?;
		Ok(())
	}

	pub fn load(data_dir: &Path, job: JobId) -> Result<Option<Self>, CliError> {
		match std::fs::read(path(data_dir, job)) {
			Ok(bytes) => Ok(Some(serde_json::from_slice(&bytes).map_err(std::io::Error::other)?)),
			Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
			Err(e) => Err(e.into()),
		}
	}

	/// Every job recorded in `data_dir`.
	pub fn all(data_dir: &Path) -> Result<Vec<Self>, CliError> {
		let mut records = Vec::new();
		let dir = data_dir.join("jobs");
		let entries = match std::fs::read_dir(&dir) {
			Ok(entries) => entries,
			Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(records),
			Err(e) => return Err(e.into()),
		};
		for entry in entries {
			let name = entry?.file_name();
			let Some(job) =
				name.to_str().and_then(|n| n.strip_suffix(".json")).and_then(|n| n.parse().ok())
			else {
				continue;
			};
			if let Some(record) = Self::load(data_dir, job)? {
				records.push(record);
			}
		}
		records.sort_by_key(|r| r.job);
		Ok(records)
	}
}
