//! How blobs (programs, inputs, results, logs) are named: by a hash anyone can check piece by
//! piece.
//!
//! A blob is cut into [`CHUNK_SIZE`] chunks (the last one shorter, none for an empty blob). Its
//! content hash is the blake2-256 of its size (8 bytes, little endian) followed by the
//! blake2-256 of every chunk, in order:
//!
//! ```text
//! content_hash(blob) = blake2_256(u64_le(len) ‖ blake2_256(chunk₀) ‖ blake2_256(chunk₁) ‖ …)
//! ```
//!
//! A peer fetching a blob first asks for this list of chunk hashes, checks it against the
//! content hash, and then checks every chunk as it arrives: a corrupted or forged chunk is
//! rejected on its own, without downloading the rest, and the good chunks can come from any
//! peer. (A plain hash of the whole blob could only be checked once the last byte arrived.)

use alloc::vec::Vec;
use polkadot_sdk::{sp_core::H256, sp_crypto_hashing::blake2_256};

/// The size of a blob's chunks, in bytes: 1 MiB.
pub const CHUNK_SIZE: usize = 1 << 20;

/// How many chunks a blob of `size` bytes has.
pub fn chunk_count(size: u64) -> u64 {
	size.div_ceil(CHUNK_SIZE as u64)
}

/// The hash of one chunk.
pub fn chunk_hash(chunk: &[u8]) -> H256 {
	H256(blake2_256(chunk))
}

/// The content hash of a blob of `size` bytes whose chunks hash to `chunks`.
pub fn hash_of_chunks(size: u64, chunks: &[H256]) -> H256 {
	let mut preimage = Vec::with_capacity(8 + 32 * chunks.len());
	preimage.extend_from_slice(&size.to_le_bytes());
	for chunk in chunks {
		preimage.extend_from_slice(chunk.as_bytes());
	}
	H256(blake2_256(&preimage))
}

/// The content hash of a blob held in memory.
pub fn content_hash(bytes: &[u8]) -> H256 {
	let chunks: Vec<H256> = bytes.chunks(CHUNK_SIZE).map(chunk_hash).collect();
	hash_of_chunks(bytes.len() as u64, &chunks)
}

/// Computes a content hash from bytes fed in pieces of any size (a file read in buffers).
#[derive(Default)]
pub struct ContentHasher {
	size: u64,
	chunks: Vec<H256>,
	pending: Vec<u8>,
}

impl ContentHasher {
	pub fn new() -> Self {
		Self::default()
	}

	/// Feeds the next bytes of the blob.
	pub fn update(&mut self, mut bytes: &[u8]) {
		self.size += bytes.len() as u64;
		while !bytes.is_empty() {
			let take = (CHUNK_SIZE - self.pending.len()).min(bytes.len());
			self.pending.extend_from_slice(&bytes[..take]);
			bytes = &bytes[take..];
			if self.pending.len() == CHUNK_SIZE {
				self.chunks.push(chunk_hash(&self.pending));
				self.pending.clear();
			}
		}
	}

	/// The blob's size, chunk hashes and content hash.
	pub fn finish(mut self) -> (u64, Vec<H256>, H256) {
		if !self.pending.is_empty() {
			self.chunks.push(chunk_hash(&self.pending));
		}
		let hash = hash_of_chunks(self.size, &self.chunks);
		(self.size, self.chunks, hash)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn pieces_of_any_size_give_the_same_hash() {
		let blob: Vec<u8> = (0..(2 * CHUNK_SIZE + 12_345)).map(|i| (i * 7 % 251) as u8).collect();
		let whole = content_hash(&blob);
		for piece in [1usize, 1000, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, blob.len()] {
			let mut hasher = ContentHasher::new();
			blob.chunks(piece).for_each(|p| hasher.update(p));
			let (size, chunks, hash) = hasher.finish();
			assert_eq!((size, chunks.len(), hash), (blob.len() as u64, 3, whole));
		}
	}

	#[test]
	fn the_hash_binds_size_and_every_chunk() {
		let blob = vec![5u8; CHUNK_SIZE + 1];
		let mut changed = blob.clone();
		changed[CHUNK_SIZE] = 6;
		assert_ne!(content_hash(&blob), content_hash(&changed));
		assert_ne!(content_hash(&blob[..CHUNK_SIZE]), content_hash(&blob));
		assert_ne!(content_hash(&[]), content_hash(&[0]));
		assert_eq!(chunk_count(0), 0);
		assert_eq!(chunk_count(CHUNK_SIZE as u64), 1);
		assert_eq!(chunk_count(CHUNK_SIZE as u64 + 1), 2);
	}
}
