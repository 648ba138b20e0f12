//! The Conun data plane: how providers and requesters move blobs (programs, task inputs,
//! results, logs) by content hash.
//!
//! - [`store`]: a content-addressed directory with crash-safe writes and garbage collection;
//! - [`protocol`]: the `/conun/blob/1` request-response protocol (manifest, then chunks);
//! - [`node`]: the libp2p node serving the store and fetching from others, with a Kademlia DHT
//!   of provider records; [`fetch`] verifies every chunk against the hash as it arrives, and
//!   asks for small blobs from one peer together (`batch`);
//! - [`keypair`] and [`contact`]: the node's identity and its on-chain form.
//!
//! The hash scheme is [`conun_primitives::content_hash`]; see `docs/data-plane.md`.

mod batch;
pub mod contact;
pub mod fetch;
pub mod keypair;
pub mod node;
pub mod protocol;
pub mod store;

pub use fetch::FetchError;
pub use libp2p;
pub use node::{start, NetConfig, NetError, NetHandle, NetStats, ReceiptSource, RequestError};
pub use store::{BlobStore, GcReport, Manifest, StoreError, MAX_BLOB_SIZE};

/// Lower-case hex, the form hashes take in file names.
pub(crate) mod hex {
	use polkadot_sdk::sp_core::H256;

	pub fn encode(hash: H256) -> String {
		hash.as_bytes().iter().map(|b| format!("{b:02x}")).collect()
	}

	/// The hash a 64-digit lower-case hex name stands for.
	pub fn decode(name: &str) -> Option<H256> {
		let digits = name.as_bytes();
		if digits.len() != 64 || !digits.iter().all(|d| matches!(d, b'0'..=b'9' | b'a'..=b'f')) {
			return None;
		}
		let mut hash = H256::zero();
		for (byte, pair) in hash.as_mut().iter_mut().zip(digits.chunks(2)) {
			*byte = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
		}
		Some(hash)
	}
}
