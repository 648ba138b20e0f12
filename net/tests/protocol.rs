//! The wire format of `/conun/blob/1`: round trips and the limits a reader enforces.

use codec::Encode;
use conun_net::{
	libp2p::request_response::Codec,
	protocol::{
		BlobCodec, Held, Request, Response, MAX_BATCH, MAX_REQUEST, MAX_RESPONSE, PROTOCOL,
	},
	Manifest,
};
use conun_primitives::CHUNK_SIZE;
use futures::io::Cursor;
use polkadot_sdk::sp_core::H256;

fn block_on<F: std::future::Future>(f: F) -> F::Output {
	futures::executor::block_on(f)
}

#[test]
fn messages_round_trip_and_limits_hold() {
	let mut codec = BlobCodec;
	let request = Request::Chunk { hash: H256::repeat_byte(7), index: 3 };
	let mut wire = Vec::new();
	block_on(codec.write_request(&PROTOCOL, &mut wire, request.clone())).unwrap();
	assert!(wire.len() <= MAX_REQUEST + 4);
	let read = block_on(codec.read_request(&PROTOCOL, &mut Cursor::new(wire))).unwrap();
	assert_eq!(read, request);

	let full = Response::Chunk(vec![1; CHUNK_SIZE]);
	let mut wire = Vec::new();
	block_on(codec.write_response(&PROTOCOL, &mut wire, full.clone())).unwrap();
	assert_eq!(block_on(codec.read_response(&PROTOCOL, &mut Cursor::new(wire))).unwrap(), full);

	// A length prefix over the limit is refused before reading the body.
	let mut wire = (MAX_RESPONSE as u32 + 1).to_le_bytes().to_vec();
	wire.extend_from_slice(&[0; 16]);
	assert!(block_on(codec.read_response(&PROTOCOL, &mut Cursor::new(wire))).is_err());
	// A chunk over CHUNK_SIZE is refused even within the frame limit.
	let body = Response::Chunk(vec![0; CHUNK_SIZE + 1]).encode();
	let mut wire = (body.len() as u32).to_le_bytes().to_vec();
	wire.extend_from_slice(&body);
	assert!(block_on(codec.read_response(&PROTOCOL, &mut Cursor::new(wire))).is_err());
	// A manifest whose chunk list does not fit its size is refused.
	let bad = Response::Manifest(Manifest { size: 10, chunks: vec![] }).encode();
	let mut wire = (bad.len() as u32).to_le_bytes().to_vec();
	wire.extend_from_slice(&bad);
	assert!(block_on(codec.read_response(&PROTOCOL, &mut Cursor::new(wire))).is_err());
	// A batch answer holds at most MAX_BATCH blobs and one chunk's worth of bytes; the largest
	// request and answer fit their limits.
	let request = Request::Blobs { hashes: vec![H256::repeat_byte(1); MAX_BATCH] };
	let mut wire = Vec::new();
	block_on(codec.write_request(&PROTOCOL, &mut wire, request.clone())).unwrap();
	assert_eq!(block_on(codec.read_request(&PROTOCOL, &mut Cursor::new(wire))).unwrap(), request);
	let mut answers = vec![Held::NotFound; MAX_BATCH - 1];
	answers.push(Held::Bytes(vec![2; CHUNK_SIZE]));
	let full = Response::Blobs(answers);
	let mut wire = Vec::new();
	block_on(codec.write_response(&PROTOCOL, &mut wire, full.clone())).unwrap();
	assert_eq!(block_on(codec.read_response(&PROTOCOL, &mut Cursor::new(wire))).unwrap(), full);
	for bad in [
		Response::Blobs(vec![Held::Larger; MAX_BATCH + 1]),
		Response::Blobs(vec![
			Held::Bytes(vec![0; CHUNK_SIZE / 2]),
			Held::Bytes(vec![0; CHUNK_SIZE / 2 + 1]),
		]),
	] {
		let body = bad.encode();
		let mut wire = (body.len() as u32).to_le_bytes().to_vec();
		wire.extend_from_slice(&body);
		assert!(block_on(codec.read_response(&PROTOCOL, &mut Cursor::new(wire))).is_err());
	}
	// So is a receipt over MAX_RECEIPT.
	let big = Response::Receipt(vec![0; conun_net::protocol::MAX_RECEIPT + 1]).encode();
	let mut wire = (big.len() as u32).to_le_bytes().to_vec();
	wire.extend_from_slice(&big);
	assert!(block_on(codec.read_response(&PROTOCOL, &mut Cursor::new(wire))).is_err());
}
