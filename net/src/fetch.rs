//! Fetching a blob by content hash: manifest first, then verified chunks from every peer that
//! holds it.
//!
//! 1. Ask the given peers (or, failing them, the DHT's providers) for the manifest, and keep
//!    those whose manifest hashes to the wanted hash: any such manifest is *the* manifest.
//! 2. Refuse a blob larger than the caller allows before a single chunk is requested.
//! 3. Download chunks a few at a time, spread over those peers. Each chunk is checked against
//!    its manifest entry before it is written; a peer that sends a bad chunk, fails or times out
//!    is dropped for the rest of the fetch and its chunk goes back in the queue for the others.
//! 4. Once every chunk is in, move the blob into the store and, if it has more than one chunk,
//!    announce it in the DHT, so that later fetchers can spread their requests over its
//!    holders. A blob of one chunk costs its holder a single response: a provider record for
//!    it (a DHT query, a dozen messages) would cost more than serving it, once per task input.
//!
//! A blob the caller allows no more than one chunk of (a task's input, most often) is first asked
//! for whole from the given peers, together with the other small blobs waiting for the same
//! peer (`Request::Blobs`, [`crate::batch`]), and kept if its bytes hash to the wanted hash: the
//! content hash binds the size and the chunk list, so no manifest is needed, and the fetch takes
//! one round trip, shared, instead of two of its own. Anything else falls back to the steps
//! above. Either way a blob larger than allowed costs at most one response (a batch, a chunk or
//! a manifest, each at most [`crate::protocol::MAX_RESPONSE`] bytes) before it is refused.

use crate::{
	node::{NetError, NetHandle},
	protocol::{Held, Request, Response},
	store::{Manifest, Staging, StoreError},
};
use conun_primitives::{content_hash, CHUNK_SIZE};
use futures::{future::join_all, stream::FuturesUnordered, StreamExt};
use libp2p::{Multiaddr, PeerId};
use polkadot_sdk::sp_core::H256;
use std::{
	collections::{HashSet, VecDeque},
	path::PathBuf,
	sync::{atomic::Ordering, Arc},
};

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
	#[error("blob {hash:?} has {declared} bytes, more than the {max} allowed")]
	TooLarge { hash: H256, declared: u64, max: u64 },
	#[error("chunk {chunk} of blob {hash:?} from peer {peer} does not match its hash, and no other peer sent a good copy")]
	Corrupt { hash: H256, chunk: u32, peer: PeerId },
	#[error("peer {peer} sent a manifest that does not match blob {hash:?}, and no other peer sent a good one")]
	BadManifest { hash: H256, peer: PeerId },
	#[error("no peer could provide blob {hash:?} ({})", if failures.is_empty() { "no peer known".to_string() } else { failures.join("; ") })]
	Unavailable { hash: H256, failures: Vec<String> },
	#[error(transparent)]
	Store(#[from] StoreError),
	#[error(transparent)]
	Net(#[from] NetError),
}

/// Passes on the panic of a blocking task (the only way one fails).
fn rethrow<T>(e: tokio::task::JoinError) -> T {
	std::panic::resume_unwind(e.into_panic())
}

/// Why one chunk request failed.
enum ChunkFailure {
	Corrupt,
	Peer(String),
	Store(StoreError),
}

/// What one fetch has tried and seen go wrong, to pick the error that explains it best.
struct Attempt<'a> {
	net: &'a NetHandle,
	hash: H256,
	hints: Vec<PeerId>,
	asked_dht: bool,
	tried: HashSet<PeerId>,
	failures: Vec<String>,
	corrupt: Option<(u32, PeerId)>,
	bad_manifest: Option<PeerId>,
}

impl Attempt<'_> {
	fn fail(&mut self, peer: PeerId, reason: impl std::fmt::Display) {
		self.failures.push(format!("{peer}: {reason}"));
	}

	fn error(self) -> FetchError {
		let hash = self.hash;
		match (self.corrupt, self.bad_manifest) {
			(Some((chunk, peer)), _) => FetchError::Corrupt { hash, chunk, peer },
			(None, Some(peer)) => FetchError::BadManifest { hash, peer },
			(None, None) => FetchError::Unavailable { hash, failures: self.failures },
		}
	}

	/// A blob of one chunk asked for whole (in a batch) from the hints in turn: the path of the
	/// first copy whose bytes hash to the wanted hash, now in the store (not announced: one chunk
	/// is not worth a DHT record, see the module's step 4). `None` when no hint sent one. A hint
	/// that failed or does not hold the blob counts as tried (its manifest would fare no
	/// better); one whose bytes do not match, or that holds a larger blob, is left for the
	/// manifest, which tells a corrupt copy from a blob larger than allowed.
	async fn whole(&mut self) -> Result<Option<PathBuf>, FetchError> {
		let (net, hash) = (self.net, self.hash);
		for peer in self.hints.clone() {
			let reason = match net.small_blob(peer, hash).await {
				Ok(Held::Bytes(bytes)) if content_hash(&bytes) == hash => {
					let len = bytes.len() as u64;
					let store = net.store.clone();
					tokio::task::spawn_blocking(move || store.import_bytes(&bytes))
						.await
						.unwrap_or_else(rethrow)?;
					net.counters.fetched.fetch_add(len, Ordering::Relaxed);
					return Ok(net.store.path(hash));
				},
				Ok(Held::Bytes(_) | Held::Larger) => continue,
				Ok(Held::NotFound) => "does not hold the blob".to_string(),
				Err(reason) => reason.to_string(),
			};
			self.tried.insert(peer);
			self.fail(peer, reason);
		}
		Ok(None)
	}

	/// Peers not tried yet that hold the blob, with its manifest: the hints first, then the
	/// DHT's providers. `None` once both are exhausted.
	async fn more_sources(&mut self) -> Result<Option<(Manifest, Vec<PeerId>)>, NetError> {
		loop {
			let candidates = if !self.hints.is_empty() {
				std::mem::take(&mut self.hints)
			} else if !self.asked_dht {
				self.asked_dht = true;
				self.net.providers(self.hash).await?
			} else {
				return Ok(None);
			};
			let fresh: Vec<PeerId> =
				candidates.into_iter().filter(|p| self.tried.insert(*p)).collect();
			let request = Request::Manifest { hash: self.hash };
			let answers =
				join_all(fresh.iter().map(|peer| self.net.request(*peer, request.clone()))).await;
			let (mut manifest, mut sources) = (None, Vec::new());
			for (peer, answer) in fresh.into_iter().zip(answers) {
				match answer {
					Ok(Response::Manifest(m)) if m.hash() == self.hash => {
						manifest = Some(m);
						sources.push(peer);
					},
					Ok(Response::Manifest(_)) => {
						self.bad_manifest = Some(peer);
						self.fail(peer, "manifest does not match the hash");
					},
					Ok(Response::NotFound) => self.fail(peer, "does not hold the blob"),
					Ok(Response::Refused(reason)) => self.fail(peer, format!("refused: {reason}")),
					Ok(Response::Chunk(_) | Response::Receipt(_) | Response::Blobs(_)) => {
						self.fail(peer, "answered a manifest request with something else")
					},
					Err(reason) => self.fail(peer, reason),
				}
			}
			if let Some(manifest) = manifest {
				return Ok(Some((manifest, sources)));
			}
		}
	}
}

impl NetHandle {
	/// Makes sure the store holds blob `hash`, fetching it if needed, and returns its path.
	///
	/// `peers` are holders to try first (for instance the replicas a chain event names); the DHT
	/// is asked only when they cannot serve it. A blob over `max_size` bytes is refused before
	/// any chunk is fetched, but for the one chunk asked for when `max_size` is at most one
	/// chunk (its bytes do not hash to `hash`, and are dropped).
	pub async fn fetch(
		&self,
		hash: H256,
		max_size: u64,
		peers: Vec<(PeerId, Vec<Multiaddr>)>,
	) -> Result<PathBuf, FetchError> {
		if let Some(path) = self.store.path(hash) {
			let _ = self.store.touch(hash);
			return Ok(path);
		}
		let mut hints = Vec::new();
		for (peer, addrs) in peers.into_iter().filter(|(p, _)| *p != self.peer_id()) {
			self.add_peer(peer, addrs).await?;
			hints.push(peer);
		}
		let mut attempt = Attempt {
			net: self,
			hash,
			hints,
			asked_dht: false,
			tried: HashSet::new(),
			failures: Vec::new(),
			corrupt: None,
			bad_manifest: None,
		};
		if (1..=CHUNK_SIZE as u64).contains(&max_size) {
			if let Some(path) = attempt.whole().await? {
				return Ok(path);
			}
		}
		let Some((manifest, mut sources)) = attempt.more_sources().await? else {
			return Err(attempt.error());
		};
		if manifest.size > max_size {
			return Err(FetchError::TooLarge { hash, declared: manifest.size, max: max_size });
		}
		let count = manifest.chunks.len() as u32;
		let staging = Arc::new(self.store.stage(hash, manifest)?);
		let mut missing: VecDeque<u32> = (0..count).collect();
		let mut in_flight = FuturesUnordered::new();
		let mut turn = 0;
		while !missing.is_empty() || !in_flight.is_empty() {
			while in_flight.len() < self.parallel_chunks && !sources.is_empty() {
				let Some(index) = missing.pop_front() else { break };
				let peer = sources[turn % sources.len()];
				turn += 1;
				in_flight.push(self.fetch_chunk(peer, index, staging.clone()));
			}
			let Some((peer, index, result)) = in_flight.next().await else {
				// Chunks are missing and every source has failed: look for others.
				match attempt.more_sources().await? {
					Some((_, more)) => sources = more,
					None => return Err(attempt.error()),
				}
				continue;
			};
			let failure = match result {
				Ok(()) => continue,
				Err(ChunkFailure::Store(e)) => return Err(e.into()),
				Err(ChunkFailure::Corrupt) => {
					attempt.corrupt = Some((index, peer));
					format!("sent a corrupt chunk {index}")
				},
				Err(ChunkFailure::Peer(reason)) => format!("chunk {index}: {reason}"),
			};
			attempt.fail(peer, failure);
			sources.retain(|p| *p != peer);
			missing.push_back(index);
		}
		let staging =
			Arc::into_inner(staging).expect("no chunk request is left holding the staging");
		let path = tokio::task::spawn_blocking(move || staging.commit())
			.await
			.unwrap_or_else(rethrow)?;
		if count > 1 {
			self.announce(hash).await;
		}
		Ok(path)
	}

	async fn fetch_chunk(
		&self,
		peer: PeerId,
		index: u32,
		staging: Arc<Staging>,
	) -> (PeerId, u32, Result<(), ChunkFailure>) {
		let hash = staging.hash();
		let result = match self.request(peer, Request::Chunk { hash, index }).await {
			Ok(Response::Chunk(bytes)) => {
				let len = bytes.len() as u64;
				let write = move || staging.write_chunk(index, &bytes);
				match tokio::task::spawn_blocking(write).await.unwrap_or_else(rethrow) {
					Ok(()) => {
						self.counters.fetched.fetch_add(len, Ordering::Relaxed);
						Ok(())
					},
					Err(StoreError::ChunkMismatch { .. }) => Err(ChunkFailure::Corrupt),
					Err(e) => Err(ChunkFailure::Store(e)),
				}
			},
			Ok(Response::NotFound) => Err(ChunkFailure::Peer("no longer holds the blob".into())),
			Ok(Response::Refused(reason)) => Err(ChunkFailure::Peer(format!("refused: {reason}"))),
			Ok(Response::Manifest(_) | Response::Receipt(_) | Response::Blobs(_)) => {
				Err(ChunkFailure::Peer("answered a chunk request with something else".into()))
			},
			Err(reason) => Err(ChunkFailure::Peer(reason.to_string())),
		};
		(peer, index, result)
	}
}
