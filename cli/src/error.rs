//! What can go wrong in a command, and the exit code each kind gives.

use crate::manifest::ManifestError;
use conun_client::ChainError;

/// Why a command failed. Each message says what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
	/// The command was used wrongly: a missing key, an unknown account, a bad amount.
	#[error("{0}")]
	Usage(String),
	#[error("{0}")]
	Manifest(#[from] ManifestError),
	#[error("{0}")]
	Chain(#[from] ChainError),
	/// The libp2p data plane: a result or log that cannot be fetched, a port taken.
	#[error("{0}")]
	Net(String),
	/// Building or reading a docker image.
	#[error("docker: {0}")]
	Docker(String),
	#[error("{0}")]
	Io(#[from] std::io::Error),
	/// The job cannot run as described: nobody can take it, or the account cannot pay for it.
	#[error("{0}")]
	Unrunnable(String),
	/// The job ended, but not every task was verified.
	#[error("{0}")]
	Incomplete(String),
}

impl CliError {
	/// 1 for failures, 2 for a job that cannot run as described, 3 for a job that ended with
	/// tasks that failed or were cancelled.
	pub fn exit_code(&self) -> i32 {
		match self {
			CliError::Unrunnable(_) => 2,
			CliError::Incomplete(_) => 3,
			_ => 1,
		}
	}
}

impl From<conun_net::store::StoreError> for CliError {
	fn from(error: conun_net::store::StoreError) -> Self {
		CliError::Io(std::io::Error::other(error.to_string()))
	}
}

impl From<conun_net::FetchError> for CliError {
	fn from(error: conun_net::FetchError) -> Self {
		CliError::Net(error.to_string())
	}
}

impl From<conun_net::NetError> for CliError {
	fn from(error: conun_net::NetError) -> Self {
		CliError::Net(error.to_string())
	}
}
