//! The wire protocol `/conun/blob/1`: one request, one response, on a fresh libp2p stream.
//!
//! Blobs of one chunk (task inputs, most often) are asked for many at once, [`Request::Blobs`]:
//! a worker given hundreds of tasks by one requester would otherwise open a stream per input.
//!
//! Every message is a 4-byte little-endian length followed by that many bytes of SCALE. Lengths
//! are checked before anything is allocated, so a peer cannot make us buffer more than one chunk
//! (plus a little framing) per stream, and decoded responses are checked for shape (a chunk no
//! longer than [`CHUNK_SIZE`], a manifest whose chunk list fits its size).

use crate::store::{Manifest, MAX_CHUNKS};
use codec::{Decode, DecodeAll, Encode};
use conun_primitives::CHUNK_SIZE;
use futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use libp2p::StreamProtocol;
use polkadot_sdk::sp_core::H256;
use std::io;

pub const PROTOCOL: StreamProtocol = StreamProtocol::new("/conun/blob/1");

/// The most blobs one [`Request::Blobs`] may name.
pub const MAX_BATCH: usize = 64;
/// The largest request: [`MAX_BATCH`] hashes (a chunk request is 1 + 32 + 4 bytes).
pub const MAX_REQUEST: usize = 1 + 2 + 32 * MAX_BATCH;
/// The largest response: a full chunk, a manifest of [`MAX_CHUNKS`] hashes, or one chunk's
/// worth of blobs in a [`Response::Blobs`] (each with a variant byte and a length of up to 5),
/// plus framing.
pub const MAX_RESPONSE: usize = {
	let manifest = 1 + 8 + 5 + 32 * MAX_CHUNKS;
	let blobs = CHUNK_SIZE + 2 + 6 * MAX_BATCH;
	(if manifest > blobs { manifest } else { blobs }) + 64
};
/// The longest reason a refusal may carry.
pub const MAX_REASON: usize = 256;
/// The largest task receipt.
pub const MAX_RECEIPT: usize = 1024;

#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub enum Request {
	/// The size and chunk hashes of a blob.
	#[codec(index = 0)]
	Manifest { hash: H256 },
	/// The bytes of one chunk of a blob.
	#[codec(index = 1)]
	Chunk { hash: H256, index: u32 },
	/// What a worker recorded about running one task (its result, status, resource use and the
	/// hash of its logs), so that a requester can find out why a task failed. Answered by nodes
	/// given a receipt source (workers); the bytes are the worker's SCALE-encoded receipt.
	#[codec(index = 2)]
	Receipt { job: u64, task: u32 },
	/// Whole blobs of at most one chunk, at most [`MAX_BATCH`] of them, answered with
	/// [`Response::Blobs`].
	#[codec(index = 3)]
	Blobs { hashes: Vec<H256> },
}

/// What a [`Response::Blobs`] says of one blob asked for.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub enum Held {
	/// Its bytes (the fetcher checks them against the hash).
	#[codec(index = 0)]
	Bytes(Vec<u8>),
	/// The peer does not hold it.
	#[codec(index = 1)]
	NotFound,
	/// The peer holds it, but it has more than one chunk: ask for its manifest.
	#[codec(index = 2)]
	Larger,
}

#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub enum Response {
	#[codec(index = 0)]
	Manifest(Manifest),
	#[codec(index = 1)]
	Chunk(Vec<u8>),
	/// The peer does not hold the blob.
	#[codec(index = 2)]
	NotFound,
	/// The peer holds it but will not serve this request, and says why.
	#[codec(index = 3)]
	Refused(String),
	/// A task's receipt, at most [`MAX_RECEIPT`] bytes.
	#[codec(index = 4)]
	Receipt(Vec<u8>),
	/// The answer to [`Request::Blobs`], in the order asked: as many of the blobs as fit in one
	/// chunk's worth of bytes. Those left off are to be asked for again.
	#[codec(index = 5)]
	Blobs(Vec<Held>),
}

impl Response {
	/// The blob bytes the response carries: a chunk, or the blobs of a [`Response::Blobs`].
	pub fn blob_bytes(&self) -> usize {
		match self {
			Response::Chunk(bytes) => bytes.len(),
			Response::Blobs(answers) => answers
				.iter()
				.map(|answer| match answer {
					Held::Bytes(bytes) => bytes.len(),
					Held::NotFound | Held::Larger => 0,
				})
				.sum(),
			Response::Manifest(_)
			| Response::NotFound
			| Response::Refused(_)
			| Response::Receipt(_) => 0,
		}
	}

	fn is_well_formed(&self) -> bool {
		match self {
			Response::Manifest(m) => m.is_well_formed(),
			Response::Chunk(bytes) => bytes.len() <= CHUNK_SIZE,
			Response::NotFound => true,
			Response::Refused(reason) => reason.len() <= MAX_REASON,
			Response::Receipt(bytes) => bytes.len() <= MAX_RECEIPT,
			Response::Blobs(answers) => {
				answers.len() <= MAX_BATCH && self.blob_bytes() <= CHUNK_SIZE
			},
		}
	}
}

/// The request-response codec of [`PROTOCOL`].
#[derive(Clone, Default)]
pub struct BlobCodec;

fn invalid(message: String) -> io::Error {
	io::Error::new(io::ErrorKind::InvalidData, message)
}

async fn read_message<T: Decode, R: AsyncRead + Unpin>(io: &mut R, limit: usize) -> io::Result<T> {
	let mut len = [0u8; 4];
	io.read_exact(&mut len).await?;
	let len = u32::from_le_bytes(len) as usize;
	if len > limit {
		return Err(invalid(format!("message of {len} bytes exceeds the {limit}-byte limit")));
	}
	let mut buf = vec![0u8; len];
	io.read_exact(&mut buf).await?;
	T::decode_all(&mut &buf[..]).map_err(|e| invalid(format!("undecodable message: {e}")))
}

async fn write_message<W: AsyncWrite + Unpin>(
	io: &mut W,
	message: &impl Encode,
	limit: usize,
) -> io::Result<()> {
	let bytes = message.encode();
	if bytes.len() > limit {
		return Err(invalid(format!(
			"message of {} bytes exceeds the {limit}-byte limit",
			bytes.len()
		)));
	}
	io.write_all(&(bytes.len() as u32).to_le_bytes()).await?;
	io.write_all(&bytes).await?;
	io.flush().await
}

#[async_trait::async_trait]
impl libp2p::request_response::Codec for BlobCodec {
	type Protocol = StreamProtocol;
	type Request = Request;
	type Response = Response;

	async fn read_request<T>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<Request>
	where
		T: AsyncRead + Unpin + Send,
	{
		read_message(io, MAX_REQUEST).await
	}

	async fn read_response<T>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<Response>
	where
		T: AsyncRead + Unpin + Send,
	{
		let response: Response = read_message(io, MAX_RESPONSE).await?;
		if !response.is_well_formed() {
			return Err(invalid(
				"malformed response (oversized chunk or inconsistent manifest)".into(),
			));
		}
		Ok(response)
	}

	async fn write_request<T>(
		&mut self,
		_: &StreamProtocol,
		io: &mut T,
		req: Request,
	) -> io::Result<()>
	where
		T: AsyncWrite + Unpin + Send,
	{
		write_message(io, &req, MAX_REQUEST).await
	}

	async fn write_response<T>(
		&mut self,
		_: &StreamProtocol,
		io: &mut T,
		res: Response,
	) -> io::Result<()>
	where
		T: AsyncWrite + Unpin + Send,
	{
		write_message(io, &res, MAX_RESPONSE).await
	}
}
