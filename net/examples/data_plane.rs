//! The data-plane benchmark (issue 17; `scripts/bench/data-plane.sh`): one blob of MIB MiB
//! (256 by default) fetched by a node from another over libp2p on 127.0.0.1, against a raw TCP
//! copy of the same bytes between two sockets on 127.0.0.1, in the same run.
//!
//! The libp2p side is what a worker does for a task's program or input: dial, noise
//! handshake, yamux, the manifest, then every chunk requested (several in flight), hashed,
//! checked against the manifest and written to the store, which syncs the blob to disk. The
//! baseline is the least a copy can do: the stored file's bytes through one TCP socket into a
//! file, synced to disk. Prints both rates and the ratio of their times.
//!
//! ```text
//! cargo run --release -p conun-net --example data_plane -- [MIB]
//! ```

use conun_net::{libp2p::identity::Keypair, start, BlobStore, NetConfig, NetHandle};
use std::{
	fs::File,
	io::{self, Write},
	net::{TcpListener, TcpStream},
	path::Path,
	sync::Arc,
	thread,
	time::{Duration, Instant},
};

/// The whole run stops after this long, whatever happens.
const LIMIT: Duration = Duration::from_secs(600);

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
	let mib: usize = match std::env::args().nth(1) {
		Some(arg) => arg.parse().map_err(|_| format!("MIB must be a number, not '{arg}'"))?,
		None => 256,
	};
	if !(1..=4096).contains(&mib) {
		return Err(format!("MIB must be 1 to 4096, not {mib}").into());
	}
	let bytes = mib << 20;
	let dir = tempfile::tempdir()?;

	// The blob, stored by the serving node.
	let source = dir.path().join("blob");
	write_varied(&source, bytes)?;
	let server = node(&dir.path().join("server")).await?;
	let (hash, _) = server.store().import_file(&source)?;
	let client = node(&dir.path().join("client")).await?;
	let peers = vec![(server.peer_id(), server.listen_addrs().await?)];

	let started = Instant::now();
	let fetched = tokio::time::timeout(LIMIT, client.fetch(hash, u64::MAX, peers))
		.await
		.map_err(|_| "the libp2p fetch ran out of time")??;
	let libp2p = started.elapsed();
	if std::fs::metadata(&fetched)?.len() != bytes as u64 {
		return Err("the fetched blob has the wrong size".into());
	}

	let stored = server.store().path(hash).ok_or("the server lost its blob")?;
	let tcp = raw_tcp_copy(&stored, &dir.path().join("copy"))?;

	let rate = |d: Duration| mib as f64 / d.as_secs_f64();
	println!("{mib} MiB on 127.0.0.1, one 2-core machine:");
	println!(
		"  libp2p (noise, yamux, verified chunks, stored): {:>8.1} ms  {:>7.1} MiB/s",
		libp2p.as_secs_f64() * 1e3,
		rate(libp2p)
	);
	println!(
		"  raw TCP copy into a file (baseline):             {:>8.1} ms  {:>7.1} MiB/s",
		tcp.as_secs_f64() * 1e3,
		rate(tcp)
	);
	println!("  libp2p / raw TCP: {:.2}x the time", libp2p.as_secs_f64() / tcp.as_secs_f64());
	Ok(())
}

/// A node on 127.0.0.1 with its own store under `root`.
async fn node(root: &Path) -> Result<NetHandle, Box<dyn std::error::Error>> {
	let store = Arc::new(BlobStore::open(root)?);
	let mut config = NetConfig::new(Keypair::generate_ed25519(), store);
	config.listen = vec!["/ip4/127.0.0.1/tcp/0".parse()?];
	config.request_timeout = Duration::from_secs(60);
	Ok(start(config).await?)
}

/// `len` bytes that differ from chunk to chunk (xorshift), written to `path` in 1 MiB pieces.
fn write_varied(path: &Path, len: usize) -> io::Result<()> {
	let mut file = io::BufWriter::new(File::create(path)?);
	let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
	let mut piece = vec![0u8; 1 << 20];
	for _ in 0..len >> 20 {
		for byte in piece.iter_mut() {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			*byte = x as u8;
		}
		file.write_all(&piece)?;
	}
	file.into_inner()?.sync_all()
}

/// Copy `from` through one TCP connection on 127.0.0.1 into `to`, synced; returns the time
/// from the connection to the synced file.
fn raw_tcp_copy(from: &Path, to: &Path) -> io::Result<Duration> {
	let listener = TcpListener::bind("127.0.0.1:0")?;
	let addr = listener.local_addr()?;
	let from = from.to_path_buf();
	let sender = thread::spawn(move || -> io::Result<()> {
		let (mut socket, _) = listener.accept()?;
		io::copy(&mut File::open(from)?, &mut socket)?;
		Ok(())
	});
	let started = Instant::now();
	let mut socket = TcpStream::connect(addr)?;
	socket.set_read_timeout(Some(LIMIT))?;
	let mut file = File::create(to)?;
	io::copy(&mut socket, &mut file)?;
	file.sync_all()?;
	let elapsed = started.elapsed();
	sender.join().map_err(|_| io::Error::other("the sending thread panicked"))??;
	Ok(elapsed)
}
