//! Blobs of one chunk asked for together: requests for small blobs to the same peer that come
//! while one is in flight wait and go out as one [`Request::Blobs`] of up to [`MAX_BATCH`].
//!
//! A worker given 790 tasks by one requester in a block fetches 790 inputs from it at once.
//! One stream each cost the worker and the requester about ten TCP segments a blob and a wake-up
//! at each end, and at most [`crate::node`]'s 24 requests in flight at a time, so the requester's
//! round trip, long while it also follows a busy chain, was paid 33 times. Batched, the first
//! request goes out alone at once (no added latency), and the rest follow in a few requests.

use crate::{
	node::{NetHandle, RequestError},
	protocol::{Held, Request, Response, MAX_BATCH},
};
use libp2p::PeerId;
use polkadot_sdk::sp_core::H256;
use std::collections::{HashMap, VecDeque};
use tokio::sync::oneshot;

/// Batches a peer may have in flight at once: a few on the wire while the next fills.
const BATCHES_IN_FLIGHT: usize = 4;

type Answer = oneshot::Sender<Result<Held, RequestError>>;

/// The small-blob requests waiting for each peer.
#[derive(Default)]
pub(crate) struct Batches(std::sync::Mutex<HashMap<PeerId, Queue>>);

#[derive(Default)]
struct Queue {
	waiting: VecDeque<(H256, Answer)>,
	/// Tasks sending batches to this peer.
	senders: usize,
}

impl NetHandle {
	/// Blob `hash`, of at most one chunk, from `peer`, asked for with the other blobs waiting
	/// for that peer. The bytes are as the peer sent them: the caller checks them.
	pub async fn small_blob(&self, peer: PeerId, hash: H256) -> Result<Held, RequestError> {
		let (answer, answered) = oneshot::channel();
		let start_sender = {
			let mut queues = self.batches.0.lock().unwrap_or_else(|e| e.into_inner());
			let queue = queues.entry(peer).or_default();
			queue.waiting.push_back((hash, answer));
			let start = queue.senders < BATCHES_IN_FLIGHT;
			queue.senders += usize::from(start);
			start
		};
		if start_sender {
			tokio::spawn(self.clone().send_batches(peer));
		}
		answered.await.map_err(|_| RequestError::Stopped)?
	}

	/// Sends what waits for `peer`, [`MAX_BATCH`] at a time, until nothing does.
	async fn send_batches(self, peer: PeerId) {
		while let Some(batch) = self.next_batch(peer) {
			let hashes = batch.iter().map(|(hash, _)| *hash).collect();
			match self.request(peer, Request::Blobs { hashes }).await {
				Ok(Response::Blobs(answers)) if !answers.is_empty() => {
					let mut answers = answers.into_iter();
					let mut left_off = Vec::new();
					for (hash, answer) in batch {
						match answers.next() {
							Some(held) => {
								let _ = answer.send(Ok(held));
							},
							None => left_off.push((hash, answer)),
						}
					}
					self.ask_again(peer, left_off);
				},
				// No answer to this request: left to the manifest, which decides (a peer that
				// does not serve batches can still serve the blob that way).
				Ok(_) => {
					for (_, answer) in batch {
						let _ = answer.send(Ok(Held::Larger));
					}
				},
				Err(error) => {
					for (_, answer) in batch {
						let _ = answer.send(Err(error.clone()));
					}
				},
			}
		}
	}

	/// Up to [`MAX_BATCH`] requests waiting for `peer`; `None` (and one sender fewer) when none
	/// waits.
	fn next_batch(&self, peer: PeerId) -> Option<Vec<(H256, Answer)>> {
		let mut queues = self.batches.0.lock().unwrap_or_else(|e| e.into_inner());
		let queue = queues.get_mut(&peer)?;
		if queue.waiting.is_empty() {
			queue.senders -= 1;
			if queue.senders == 0 {
				queues.remove(&peer);
			}
			return None;
		}
		let count = queue.waiting.len().min(MAX_BATCH);
		Some(queue.waiting.drain(..count).collect())
	}

	/// Puts requests the peer left off its answer (they did not fit) first in line again.
	fn ask_again(&self, peer: PeerId, left_off: Vec<(H256, Answer)>) {
		if left_off.is_empty() {
			return;
		}
		let mut queues = self.batches.0.lock().unwrap_or_else(|e| e.into_inner());
		let queue = queues.entry(peer).or_default();
		for request in left_off.into_iter().rev() {
			queue.waiting.push_front(request);
		}
	}
}
