//! Real nodes on 127.0.0.1 moving blobs: the happy path, corrupt and forged data, limits, and
//! discovery through the DHT. Every test is bounded in time.

mod common;
use common::varied;
use conun_net::{
	libp2p::{
		identity::Keypair, noise, request_response, swarm::SwarmEvent, tcp, yamux, Multiaddr,
		PeerId,
	},
	protocol::{BlobCodec, Held, Request, Response, MAX_BATCH, PROTOCOL},
	start, BlobStore, FetchError, NetConfig, NetHandle,
};
use conun_primitives::{content_hash, CHUNK_SIZE};
use futures::StreamExt;
use polkadot_sdk::sp_core::H256;
use std::{
	fs,
	future::Future,
	sync::Arc,
	time::{Duration, Instant},
};
use tempfile::TempDir;

const LIMIT: Duration = Duration::from_secs(60);
type Contact = (PeerId, Vec<Multiaddr>);

async fn bounded<T>(f: impl Future<Output = T>) -> T {
	tokio::time::timeout(LIMIT, f).await.expect("the test ran out of time")
}

fn localhost() -> Multiaddr {
	"/ip4/127.0.0.1/tcp/0".parse().unwrap()
}

/// A node on 127.0.0.1 with its own store, already holding `blobs`.
async fn node(blobs: &[&[u8]], bootstrap: Vec<(PeerId, Multiaddr)>) -> (NetHandle, TempDir) {
	let dir = tempfile::tempdir().unwrap();
	let store = Arc::new(BlobStore::open(dir.path()).unwrap());
	for blob in blobs {
		store.import_bytes(blob).unwrap();
	}
	let mut config = NetConfig::new(Keypair::generate_ed25519(), store);
	config.listen = vec![localhost()];
	config.bootstrap = bootstrap;
	config.request_timeout = Duration::from_secs(10);
	(start(config).await.unwrap(), dir)
}

async fn contact(node: &NetHandle) -> Contact {
	(node.peer_id(), node.listen_addrs().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_exchange_a_multi_megabyte_blob() {
	bounded(async {
		let blob = varied(5 * CHUNK_SIZE + 12_345, 1);
		let hash = content_hash(&blob);
		let (server, _d1) = node(&[&blob], vec![]).await;
		let (client, _d2) = node(&[], vec![]).await;

		// Spawned, which also checks that a fetch can run on any task (its future is Send).
		let (fetcher, peers) = (client.clone(), vec![contact(&server).await]);
		let started = Instant::now();
		let path = tokio::spawn(async move { fetcher.fetch(hash, 64 << 20, peers).await })
			.await
			.unwrap()
			.unwrap();
		report("cold (dial, handshake, manifest, chunks)", blob.len(), started);

		assert_eq!(fs::read(&path).unwrap(), blob);
		assert_eq!(client.store().manifest(hash).unwrap().hash(), hash);
		assert_eq!(client.stats().bytes_fetched, blob.len() as u64);
		assert_eq!(server.stats().bytes_served, blob.len() as u64);

		// A bigger blob over the connection now open: the steady-state rate.
		let big = varied(32 << 20, 9);
		let big_hash = server.store().import_bytes(&big).unwrap();
		let started = Instant::now();
		client.fetch(big_hash, 64 << 20, vec![contact(&server).await]).await.unwrap();
		report("warm", big.len(), started);
		assert_eq!(client.store().read(big_hash).unwrap(), big);
		let total = (blob.len() + big.len()) as u64;
		assert_eq!((client.stats().bytes_fetched, server.stats().bytes_served), (total, total));

		// Held blobs are not fetched again.
		assert_eq!(client.fetch(hash, 64 << 20, vec![]).await.unwrap(), path);
		assert_eq!(client.stats().bytes_fetched, total);
	})
	.await
}

fn report(what: &str, bytes: usize, started: Instant) {
	let secs = started.elapsed().as_secs_f64();
	eprintln!(
		"{what}: {bytes} bytes in {:.1} ms = {:.0} MiB/s (TCP + noise + yamux on 127.0.0.1, 4 chunks in flight)",
		secs * 1e3,
		bytes as f64 / (1 << 20) as f64 / secs
	);
}

/// Corrupts `node`'s stored copy of blob `hash` by flipping the byte at `offset`; its manifest
/// still matches the hash.
fn flip_stored_byte(node: &NetHandle, hash: H256, offset: usize) {
	let stored = node.store().path(hash).unwrap();
	let mut bytes = fs::read(&stored).unwrap();
	bytes[offset] ^= 0xff;
	fs::write(&stored, bytes).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_chunk_is_rejected_and_fetched_from_an_honest_peer() {
	bounded(async {
		let blob = varied(4 * CHUNK_SIZE, 2);
		let hash = content_hash(&blob);
		let (liar, _d1) = node(&[&blob], vec![]).await;
		let (honest, _d2) = node(&[&blob], vec![]).await;
		let (client, _d3) = node(&[], vec![]).await;
		// Flip one byte of chunk 2 in the liar's stored copy (its manifest still matches).
		flip_stored_byte(&liar, hash, 2 * CHUNK_SIZE + 100);

		let error = client.fetch(hash, u64::MAX, vec![contact(&liar).await]).await.unwrap_err();
		assert!(
			matches!(error, FetchError::Corrupt { chunk: 2, peer, .. } if peer == liar.peer_id()),
			"{error}"
		);
		eprintln!("fetch from the liar alone: {error}");
		assert!(!client.store().contains(hash));
		assert_eq!(client.store().list().unwrap(), vec![]);

		let peers = vec![contact(&liar).await, contact(&honest).await];
		let path = client.fetch(hash, u64::MAX, peers).await.unwrap();
		assert_eq!(fs::read(path).unwrap(), blob);
	})
	.await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_and_unknown_blobs_are_refused() {
	bounded(async {
		let blob = varied(3 * CHUNK_SIZE, 3);
		let hash = content_hash(&blob);
		let (server, _d1) = node(&[&blob], vec![]).await;
		let (client, _d2) = node(&[], vec![]).await;
		let peers = vec![contact(&server).await];

		// Over a limit of more than one chunk, refused before any chunk is asked for (under a
		// one-chunk limit, after that one chunk: a test below).
		let limit = 2 * CHUNK_SIZE as u64;
		let error = client.fetch(hash, limit, peers.clone()).await.unwrap_err();
		assert!(
			matches!(error, FetchError::TooLarge { declared, max, .. } if declared == blob.len() as u64 && max == limit),
			"{error}"
		);
		assert_eq!((client.stats().bytes_fetched, server.stats().bytes_served), (0, 0));
		assert!(!client.store().contains(hash));

		let unknown = content_hash(b"nobody has this");
		let error = client.fetch(unknown, u64::MAX, peers).await.unwrap_err();
		assert!(matches!(&error, FetchError::Unavailable { .. }), "{error}");
		assert!(error.to_string().contains("does not hold the blob"), "{error}");
		eprintln!("unknown blob: {error}");

		// A server answers NotFound for what it does not hold, and refuses bad chunk indices.
		let answer = client.request(server.peer_id(), Request::Manifest { hash: unknown }).await;
		assert!(matches!(answer, Ok(Response::NotFound)), "{answer:?}");
		let answer = client.request(server.peer_id(), Request::Chunk { hash, index: 3 }).await;
		assert!(matches!(answer, Ok(Response::Refused(_))), "{answer:?}");
	})
	.await
}

/// A peer speaking the protocol that answers every manifest request with `forged`.
async fn forger(forged: conun_net::Manifest) -> Contact {
	protocol_peer(move |request| match request {
		Request::Manifest { .. } => Response::Manifest(forged.clone()),
		Request::Chunk { .. } | Request::Receipt { .. } | Request::Blobs { .. } => {
			Response::NotFound
		},
	})
	.await
}

/// A peer speaking the protocol that answers each request with `answer(request)`.
async fn protocol_peer(answer: impl Fn(Request) -> Response + Send + 'static) -> Contact {
	let mut swarm = conun_net::libp2p::SwarmBuilder::with_new_identity()
		.with_tokio()
		.with_tcp(tcp::Config::default(), noise::Config::new, yamux::Config::default)
		.unwrap()
		.with_behaviour(|_| {
			request_response::Behaviour::<BlobCodec>::new(
				[(PROTOCOL, request_response::ProtocolSupport::Full)],
				request_response::Config::default(),
			)
		})
		.unwrap()
		.with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(60)))
		.build();
	swarm.listen_on(localhost()).unwrap();
	let addr = loop {
		if let SwarmEvent::NewListenAddr { address, .. } = swarm.select_next_some().await {
			break address;
		}
	};
	let peer = *swarm.local_peer_id();
	tokio::spawn(async move {
		loop {
			if let SwarmEvent::Behaviour(request_response::Event::Message {
				message: request_response::Message::Request { request, channel, .. },
				..
			}) = swarm.select_next_some().await
			{
				let _ = swarm.behaviour_mut().send_response(channel, answer(request));
			}
		}
	});
	(peer, vec![addr])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manifest_that_does_not_match_the_hash_is_rejected() {
	bounded(async {
		let blob = varied(2 * CHUNK_SIZE + 1, 4);
		let other = varied(2 * CHUNK_SIZE + 1, 5);
		let hash = content_hash(&blob);
		let (honest, _d1) = node(&[&blob, &other], vec![]).await;
		let (client, _d2) = node(&[], vec![]).await;
		// The forger offers the manifest of another blob of the same size.
		let forged = honest.store().manifest(content_hash(&other)).unwrap();
		let forger = forger(forged).await;

		let error = client.fetch(hash, u64::MAX, vec![forger.clone()]).await.unwrap_err();
		assert!(
			matches!(error, FetchError::BadManifest { peer, .. } if peer == forger.0),
			"{error}"
		);
		assert_eq!(client.stats().bytes_fetched, 0);
		assert!(!client.store().contains(hash));

		let path = client
			.fetch(hash, u64::MAX, vec![forger, contact(&honest).await])
			.await
			.unwrap();
		assert_eq!(fs::read(path).unwrap(), blob);
	})
	.await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_is_found_through_the_dht() {
	bounded(async {
		let blob = varied(CHUNK_SIZE + 99, 6);
		let hash = content_hash(&blob);
		let (boot, _d1) = node(&[], vec![]).await;
		let (boot_peer, boot_addrs) = contact(&boot).await;
		let bootstrap = vec![(boot_peer, boot_addrs[0].clone())];
		let (provider, _d2) = node(&[&blob], bootstrap.clone()).await;
		provider.provide(hash).await.unwrap();
		// `provide` returns once the record was sent; the bootstrap node stores it when the
		// message arrives. The fetcher's lookup depends on that, so wait for it.
		assert!(lists_provider(&boot, hash, provider.peer_id()).await, "the record never arrived");
		let (fetcher, _d3) = node(&[], bootstrap).await;

		// No hint: the fetcher asks the DHT, which the bootstrap node answers.
		let path = fetcher.fetch(hash, u64::MAX, vec![]).await.unwrap();
		assert_eq!(fs::read(path).unwrap(), blob);
		assert_eq!(provider.stats().bytes_served, blob.len() as u64);
		assert_eq!(boot.stats().bytes_served, 0);
		// The fetcher now provides it too.
		assert!(lists_provider(&boot, hash, fetcher.peer_id()).await);
	})
	.await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fetched_blob_is_announced_once_and_only_when_it_spans_chunks() {
	bounded(async {
		let (input, program) = (varied(CHUNK_SIZE / 4, 10), varied(CHUNK_SIZE + 1, 11));
		let (input_hash, program_hash) = (content_hash(&input), content_hash(&program));
		let (boot, _d1) = node(&[], vec![]).await;
		let (boot_peer, boot_addrs) = contact(&boot).await;
		let bootstrap = vec![(boot_peer, boot_addrs[0].clone())];
		let (requester, _d2) = node(&[&input, &program], vec![]).await;
		let (worker, _d3) = node(&[], bootstrap).await;
		let hints = vec![contact(&requester).await];

		// A one-chunk blob costs its holder one response: nobody needs to find it through the
		// DHT. A larger one is worth fetching from other holders: the fetcher announces it.
		worker.fetch(input_hash, CHUNK_SIZE as u64, hints.clone()).await.unwrap();
		worker.fetch(program_hash, u64::MAX, hints).await.unwrap();
		assert!(lists_provider(&boot, program_hash, worker.peer_id()).await, "announced");
		// Announced in the order fetched: had the input been announced, it would be listed.
		assert!(!boot.providers(input_hash).await.unwrap().contains(&worker.peer_id()));
		assert_eq!(worker.stats().announcements, 1);

		// Announcing again what the worker announces already starts no query (the worker
		// announces its results when their tasks end, and many share one empty log); a new
		// blob starts one, once.
		worker.announce(program_hash).await;
		worker.announce(input_hash).await;
		worker.announce(input_hash).await;
		worker.listen_addrs().await.unwrap(); // the commands before it are handled
		assert_eq!(worker.stats().announcements, 2);
		assert!(lists_provider(&boot, input_hash, worker.peer_id()).await, "announced when told");
	})
	.await
}

/// Whether `node`'s DHT lists `provider` as holding `hash` within ten seconds.
async fn lists_provider(node: &NetHandle, hash: H256, provider: PeerId) -> bool {
	tokio::time::timeout(Duration::from_secs(10), async {
		while !node.providers(hash).await.unwrap().contains(&provider) {
			tokio::time::sleep(Duration::from_millis(50)).await;
		}
	})
	.await
	.is_ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listen_address_in_use_is_refused_with_the_reason() {
	bounded(async {
		let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
		let port = taken.local_addr().unwrap().port();
		let dir = tempfile::tempdir().unwrap();
		let mut config = NetConfig::new(
			Keypair::generate_ed25519(),
			Arc::new(BlobStore::open(dir.path()).unwrap()),
		);
		config.listen = vec![format!("/ip4/127.0.0.1/tcp/{port}").parse().unwrap()];
		let error = start(config).await.err().expect("a port already bound cannot be listened on");
		let message = error.to_string();
		assert!(message.contains(&format!("tcp/{port}")), "names the address: {message}");
		assert!(message.to_lowercase().contains("in use"), "says why: {message}");
	})
	.await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blob_held_unannounced_stays_out_of_the_dht_until_announced() {
	bounded(async {
		let (public, secret) = (varied(999, 7), varied(1234, 8));
		let (public_hash, secret_hash) = (content_hash(&public), content_hash(&secret));
		let (boot, _d1) = node(&[], vec![]).await;
		let (boot_peer, boot_addrs) = contact(&boot).await;
		let dir = tempfile::tempdir().unwrap();
		let store = Arc::new(BlobStore::open(dir.path()).unwrap());
		store.import_bytes(&public).unwrap();
		store.import_bytes(&secret).unwrap();
		let mut config = NetConfig::new(Keypair::generate_ed25519(), store);
		config.listen = vec![localhost()];
		config.bootstrap = vec![(boot_peer, boot_addrs[0].clone())];
		config.unannounced = [secret_hash].into();
		let holder = start(config).await.unwrap();

		// Both were announced at start, or neither: once the public one is listed, the
		// secret one would be too.
		assert!(
			lists_provider(&boot, public_hash, holder.peer_id()).await,
			"the held blob is announced"
		);
		assert!(
			boot.providers(secret_hash).await.unwrap().is_empty(),
			"the unannounced one is not"
		);
		// Whoever knows the hash can still fetch it.
		let (fetcher, _d2) = node(&[], vec![]).await;
		let path = fetcher
			.fetch(secret_hash, u64::MAX, vec![contact(&holder).await])
			.await
			.unwrap();
		assert_eq!(fs::read(path).unwrap(), secret);

		holder.announce(secret_hash).await;
		assert!(lists_provider(&boot, secret_hash, holder.peer_id()).await, "announced when told");
	})
	.await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blob_of_one_chunk_is_fetched_whole_without_its_manifest() {
	bounded(async {
		let input = varied(CHUNK_SIZE / 3, 8);
		let hash = content_hash(&input);
		let (client, _d) = node(&[], vec![]).await;
		// A peer that serves whole blobs but no manifest: only the one-round-trip fetch gets it.
		let bytes = input.clone();
		let chunks_only = protocol_peer(move |request| match request {
			Request::Blobs { hashes } if hashes == [hash] => {
				Response::Blobs(vec![Held::Bytes(bytes.clone())])
			},
			_ => Response::NotFound,
		})
		.await;
		let path = client.fetch(hash, input.len() as u64, vec![chunks_only]).await.unwrap();
		assert_eq!(fs::read(path).unwrap(), input);
		assert_eq!(client.stats().bytes_fetched, input.len() as u64);
		assert_eq!(client.store().manifest(hash).unwrap().size, input.len() as u64);
	})
	.await
}

/// Fetches every one of `blobs` (each at most one chunk) from `holder` at once, as a worker given
/// many tasks does, and checks that each arrives whole.
async fn fetch_all_at_once(worker: &NetHandle, blobs: &[Vec<u8>], holder: Contact) {
	let fetches = blobs.iter().map(|blob| {
		let (worker, peers, hash) = (worker.clone(), vec![holder.clone()], content_hash(blob));
		tokio::spawn(async move { worker.fetch(hash, CHUNK_SIZE as u64, peers).await })
	});
	for (blob, fetch) in blobs.iter().zip(futures::future::join_all(fetches).await) {
		assert_eq!(fs::read(fetch.unwrap().unwrap()).unwrap(), *blob);
	}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_fetching_hundreds_of_inputs_from_one_requester_asks_a_few_times() {
	bounded(async {
		let inputs: Vec<Vec<u8>> = (0..300).map(|i| varied(100 + i, 20 + i as u64)).collect();
		let held: std::collections::HashMap<H256, Vec<u8>> =
			inputs.iter().map(|input| (content_hash(input), input.clone())).collect();
		let requests = Arc::new(std::sync::atomic::AtomicUsize::new(0));
		let counted = requests.clone();
		// A requester that counts the requests it is sent.
		let requester = protocol_peer(move |request| {
			counted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
			match request {
				Request::Blobs { hashes } => {
					Response::Blobs(hashes.iter().map(|h| Held::Bytes(held[h].clone())).collect())
				},
				_ => Response::NotFound,
			}
		})
		.await;
		let (worker, _d) = node(&[], vec![]).await;

		fetch_all_at_once(&worker, &inputs, requester).await;
		// The first goes out alone; the others wait for it and go out up to MAX_BATCH at a time
		// (a request takes what waits when it leaves, so some go out less than full).
		let sent = requests.load(std::sync::atomic::Ordering::Relaxed);
		eprintln!("300 inputs in {sent} requests (at most {MAX_BATCH} inputs each)");
		assert!(sent <= 20, "{sent} requests for 300 inputs");
	})
	.await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_answer_holds_one_chunk_of_bytes_and_the_rest_is_asked_again() {
	bounded(async {
		// Seven blobs of 300 KiB: three fit in one answer.
		let blobs: Vec<Vec<u8>> = (0..7).map(|i| varied(300 << 10, 40 + i)).collect();
		let refs: Vec<&[u8]> = blobs.iter().map(|b| b.as_slice()).collect();
		let (requester, _d1) = node(&refs, vec![]).await;
		let (worker, _d2) = node(&[], vec![]).await;
		let hashes: Vec<H256> = blobs.iter().map(|b| content_hash(b)).collect();

		let contact = contact(&requester).await;
		worker.add_peer(contact.0, contact.1.clone()).await.unwrap();
		let answer = worker.request(contact.0, Request::Blobs { hashes: hashes.clone() }).await;
		let Ok(Response::Blobs(answers)) = answer else { panic!("not a batch answer: {answer:?}") };
		assert_eq!(answers.len(), 3, "as many as fit in one chunk's worth");
		for (answer, blob) in answers.iter().zip(&blobs) {
			assert_eq!(*answer, Held::Bytes(blob.clone()));
		}
		// Unknown and larger blobs take no room.
		let large = varied(CHUNK_SIZE + 1, 50);
		let large_hash = requester.store().import_bytes(&large).unwrap();
		let request = Request::Blobs { hashes: vec![H256::repeat_byte(9), large_hash, hashes[0]] };
		let answer = worker.request(requester.peer_id(), request).await;
		assert!(
			matches!(&answer, Ok(Response::Blobs(a)) if a[..2] == [Held::NotFound, Held::Larger] && a[2] == Held::Bytes(blobs[0].clone())),
			"{answer:?}"
		);

		// Fetched together, every one arrives.
		fetch_all_at_once(&worker, &blobs, contact).await;
		assert_eq!(requester.stats().bytes_served, (3 + 1 + 7) * (300 << 10));
	})
	.await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_a_one_chunk_limit_a_larger_blob_is_refused_and_a_corrupt_copy_healed() {
	bounded(async {
		// A blob of three chunks where the caller allows one: its chunk 0 does not hash to the
		// blob, and the manifest then says why.
		let large = varied(3 * CHUNK_SIZE, 9);
		let large_hash = content_hash(&large);
		let (server, _d1) = node(&[&large], vec![]).await;
		let (client, _d2) = node(&[], vec![]).await;
		let error = client
			.fetch(large_hash, CHUNK_SIZE as u64, vec![contact(&server).await])
			.await
			.unwrap_err();
		assert!(
			matches!(error, FetchError::TooLarge { max, .. } if max == CHUNK_SIZE as u64),
			"{error}"
		);
		assert_eq!(client.stats().bytes_fetched, 0);
		assert!(!client.store().contains(large_hash));

		// A one-chunk blob a liar corrupted: refused from the liar alone, fetched from an honest
		// peer given with it.
		let small = varied(1000, 10);
		let hash = content_hash(&small);
		let (liar, _d3) = node(&[&small], vec![]).await;
		let (honest, _d4) = node(&[&small], vec![]).await;
		flip_stored_byte(&liar, hash, 10);
		let error = client.fetch(hash, 1000, vec![contact(&liar).await]).await.unwrap_err();
		assert!(matches!(error, FetchError::Corrupt { chunk: 0, .. }), "{error}");
		assert!(!client.store().contains(hash));
		let peers = vec![contact(&liar).await, contact(&honest).await];
		let path = client.fetch(hash, 1000, peers).await.unwrap();
		assert_eq!(fs::read(path).unwrap(), small);
	})
	.await
}
