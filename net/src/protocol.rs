//! The wire protocol `/conun/blob/1`: one request, one response, on a fresh libp2p stream.
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

/// The largest request: a chunk request is 1 + 32 + 4 bytes.
pub const MAX_REQUEST: usize = 64;
/// The largest response: a full chunk, or a manifest of [`MAX_CHUNKS`] hashes, plus framing.
pub const MAX_RESPONSE: usize = {
	let manifest = 1 + 8 + 5 + 32 * MAX_CHUNKS;
	(if manifest > CHUNK_SIZE { manifest } else { CHUNK_SIZE }) + 64
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
}

impl Response {
	fn is_well_formed(&self) -> bool {
		match self {
			Response::Manifest(m) => m.is_well_formed(),
			Response::Chunk(bytes) => bytes.len() <= CHUNK_SIZE,
			Response::NotFound => true,
			Response::Refused(reason) => reason.len() <= MAX_REASON,
			Response::Receipt(bytes) => bytes.len() <= MAX_RECEIPT,
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
