//! The node's libp2p identity, kept across restarts so that the peer id a provider registered
//! on chain stays valid.

use libp2p::identity::Keypair;
use std::{
	fs::{self, OpenOptions},
	io::{self, Write},
	os::unix::fs::OpenOptionsExt,
	path::{Path, PathBuf},
};

#[derive(Debug, thiserror::Error)]
pub enum KeypairError {
	#[error("cannot read or write the node key {path}: {source}")]
	Io { path: PathBuf, source: io::Error },
	#[error("{path} does not hold a libp2p key (protobuf encoding): {reason}")]
	Invalid { path: PathBuf, reason: String },
}

/// Loads the key at `path`, or creates an ed25519 key there (mode 0600, written to a temporary
/// file and renamed so that a crash never leaves a truncated key).
pub fn load_or_create(path: &Path) -> Result<Keypair, KeypairError> {
	let io_err = |source| KeypairError::Io { path: path.to_owned(), source };
	let invalid = |reason: String| KeypairError::Invalid { path: path.to_owned(), reason };
	match fs::read(path) {
		Ok(bytes) => {
			return Keypair::from_protobuf_encoding(&bytes).map_err(|e| invalid(e.to_string()))
		},
		Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(io_err(e)),
		Err(_) => {},
	}
	let keypair = Keypair::generate_ed25519();
	let bytes = keypair.to_protobuf_encoding().map_err(|e| invalid(e.to_string()))?;
	if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
		fs::create_dir_all(dir).map_err(io_err)?;
	}
	let temp = path.with_extension("tmp");
	let _ = fs::remove_file(&temp); // left by a crash, maybe with other permissions
	let mut file = OpenOptions::new()
		.write(true)
		.create(true)
		.truncate(true)
		.mode(0o600)
		.open(&temp)
		.map_err(io_err)?;
	file.write_all(&bytes).and_then(|()| file.sync_all()).map_err(io_err)?;
	fs::rename(&temp, path).map_err(io_err)?;
	Ok(keypair)
}

#[cfg(test)]
mod tests {
	use super::*;
	use std::os::unix::fs::PermissionsExt;

	#[test]
	fn a_created_key_is_private_and_reloads() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("keys/node.key");
		let created = load_or_create(&path).unwrap();
		assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
		assert_eq!(load_or_create(&path).unwrap().public(), created.public());
		fs::write(&path, b"not a key").unwrap();
		assert!(matches!(load_or_create(&path), Err(KeypairError::Invalid { .. })));
	}
}
