//! The libp2p node: one task owns the [`Swarm`] and obeys commands that [`NetHandle`]s send it
//! over a channel, so callers never touch libp2p state and any number of fetches can run at
//! once. The swarm combines three behaviours:
//!
//! - request-response on [`protocol::PROTOCOL`], serving chunks of the local [`BlobStore`] and
//!   carrying our own requests;
//! - Kademlia (`/conun/kad/1`, in server mode), holding provider records: every node announces
//!   the blobs it holds, and a fetcher that knows no holder asks the DHT;
//! - identify, which tells Kademlia the addresses peers listen on.
//!
//! Requests to a peer we are not connected to wait in this task until the connection is up:
//! handing several of them to request-response at once would make it dial several times, and
//! the second dial's refusal ("already dialing") fails every pending request for that peer.

use crate::{
	protocol::{self, BlobCodec, Held, Request, Response, MAX_BATCH, MAX_REASON},
	store::{BlobStore, StoreError},
};
use conun_primitives::TaskRef;
use futures::StreamExt;
use libp2p::{
	identify,
	identity::Keypair,
	kad, noise,
	request_response::{self, OutboundRequestId, ProtocolSupport, ResponseChannel},
	swarm::{dial_opts::DialOpts, DialError, NetworkBehaviour, SwarmEvent},
	tcp, yamux, Multiaddr, PeerId, StreamProtocol, Swarm,
};
use polkadot_sdk::sp_core::H256;
use std::{
	collections::{HashMap, HashSet},
	sync::{
		atomic::{AtomicU64, Ordering},
		Arc,
	},
	time::Duration,
};
use tokio::sync::{mpsc, oneshot};

const KAD_PROTOCOL: StreamProtocol = StreamProtocol::new("/conun/kad/1");

/// How to run a node.
pub struct NetConfig {
	pub keypair: Keypair,
	/// Addresses to listen on; [`start`] returns once each is bound.
	pub listen: Vec<Multiaddr>,
	/// Kademlia peers to join the DHT through.
	pub bootstrap: Vec<(PeerId, Multiaddr)>,
	pub store: Arc<BlobStore>,
	/// How long one request (or one DHT query) may take.
	pub request_timeout: Duration,
	/// How many chunks one fetch keeps in flight.
	pub parallel_chunks: usize,
	/// Where `Receipt` requests are answered from (a worker's journal); without one they get
	/// `NotFound`.
	pub receipts: Option<ReceiptSource>,
	/// Blobs held but not to be announced in the DHT at start, such as a worker's results of
	/// tasks without a final verdict: a provider record names the hash to the peers that store
	/// it. They are still served to whoever asks for them by hash.
	pub unannounced: HashSet<H256>,
}

/// Looks up the encoded receipt of a task.
pub type ReceiptSource = Arc<dyn Fn(TaskRef) -> Option<Vec<u8>> + Send + Sync>;

impl NetConfig {
	/// Listens on every interface on a random port, no bootstrap peers,
	/// [`DEFAULT_REQUEST_TIMEOUT`], [`DEFAULT_PARALLEL_CHUNKS`].
	pub fn new(keypair: Keypair, store: Arc<BlobStore>) -> Self {
		let any = "/ip4/0.0.0.0/tcp/0".parse().expect("a valid multiaddress");
		Self {
			keypair,
			listen: vec![any],
			bootstrap: Vec::new(),
			store,
			request_timeout: DEFAULT_REQUEST_TIMEOUT,
			parallel_chunks: DEFAULT_PARALLEL_CHUNKS,
			receipts: None,
			unannounced: HashSet::new(),
		}
	}
}

#[derive(Debug, thiserror::Error)]
pub enum NetError {
	#[error("cannot start the network: {0}")]
	Start(String),
	#[error("the network service has stopped")]
	Stopped,
	#[error("cannot announce the blob in the DHT: {0}")]
	Provide(String),
}

/// Why a request to a peer got no answer. Cheap to clone: one failed dial answers every
/// request waiting for that peer.
#[derive(Clone, Debug, thiserror::Error)]
pub enum RequestError {
	#[error("the network service has stopped")]
	Stopped,
	#[error("timed out (dialing or waiting for the answer)")]
	TimedOut,
	#[error("cannot dial: {0}")]
	Dial(#[source] Arc<DialError>),
	#[error("cannot connect: {0}")]
	Connect(#[source] Arc<DialError>),
	#[error("{0}")]
	Failed(#[source] Arc<request_response::OutboundFailure>),
}

/// Bytes moved by the data plane since start, for metrics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NetStats {
	/// Verified chunk bytes received.
	pub bytes_fetched: u64,
	/// Chunk bytes sent to other peers.
	pub bytes_served: u64,
	/// DHT announcements started (one query each); announcing a blob already announced starts
	/// none.
	pub announcements: u64,
}

#[derive(Default)]
pub(crate) struct Counters {
	pub(crate) fetched: AtomicU64,
	served: AtomicU64,
	announcements: AtomicU64,
}

type Reply = oneshot::Sender<Result<Response, RequestError>>;

enum Command {
	ListenAddrs(oneshot::Sender<Vec<Multiaddr>>),
	AddPeer(PeerId, Vec<Multiaddr>),
	Provide(H256, Option<oneshot::Sender<Result<(), NetError>>>),
	Unprovide(H256),
	Request(PeerId, Request, Reply),
	Providers(H256, oneshot::Sender<Vec<PeerId>>),
}

enum QueryReply {
	Provide(oneshot::Sender<Result<(), NetError>>),
	Providers(oneshot::Sender<Vec<PeerId>>),
}

#[derive(NetworkBehaviour)]
struct Behaviour {
	blob: request_response::Behaviour<BlobCodec>,
	kad: kad::Behaviour<kad::store::MemoryStore>,
	identify: identify::Behaviour,
}

/// How long one request may wait for its answer, unless the caller says otherwise.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Chunks of one blob fetched at once, unless the caller says otherwise.
pub const DEFAULT_PARALLEL_CHUNKS: usize = 4;
/// A connection with no request on it for this long is closed; a fetch reopens it.
const IDLE_CONNECTION_TIMEOUT: Duration = Duration::from_secs(60);
/// How long binding the listen addresses may take before the node refuses to start.
const BIND_TIMEOUT: Duration = Duration::from_secs(10);

/// Requests a node answers at once on one connection; more are dropped by the peer's handler.
const MAX_INBOUND_STREAMS: usize = 32;
/// Requests a node has in flight at once, over all its fetches: below what one peer answers at
/// once, so that many fetches from one holder (a worker taking 50 tasks from one requester)
/// wait their turn here instead of being dropped there and retried.
const MAX_OUTBOUND_REQUESTS: usize = 24;

/// A cheap, cloneable handle on a running node. The node stops when the last handle is dropped.
#[derive(Clone)]
pub struct NetHandle {
	peer_id: PeerId,
	commands: mpsc::Sender<Command>,
	pub(crate) store: Arc<BlobStore>,
	pub(crate) counters: Arc<Counters>,
	pub(crate) request_timeout: Duration,
	pub(crate) parallel_chunks: usize,
	/// Permits for requests in flight ([`MAX_OUTBOUND_REQUESTS`]).
	in_flight: Arc<tokio::sync::Semaphore>,
	/// Small-blob requests waiting to go out together ([`crate::batch`]).
	pub(crate) batches: Arc<crate::batch::Batches>,
}

/// An error and every error beneath it, `outer: inner: …`. libp2p's `TransportError::Other`
/// prints nothing of its own: the reason (say, "Address already in use") is only in its source.
fn with_sources(error: &dyn std::error::Error) -> String {
	let mut text = error.to_string();
	let mut source = error.source();
	while let Some(inner) = source {
		let inner_text = inner.to_string();
		if !inner_text.is_empty() && !text.ends_with(&inner_text) {
			if !text.is_empty() {
				text.push_str(": ");
			}
			text.push_str(&inner_text);
		}
		source = inner.source();
	}
	text
}

fn key(hash: H256) -> kad::RecordKey {
	kad::RecordKey::new(&hash.as_bytes())
}

/// Whether `local` already announces `hash` (its provider record is in its own store).
fn provides(kad: &mut kad::Behaviour<kad::store::MemoryStore>, local: PeerId, hash: H256) -> bool {
	use kad::store::RecordStore;
	kad.store_mut()
		.providers(&key(hash))
		.iter()
		.any(|record| record.provider == local)
}

/// Builds the swarm, binds every listen address, joins the DHT, announces every blob held and
/// spawns the event loop on the current tokio runtime.
pub async fn start(config: NetConfig) -> Result<NetHandle, NetError> {
	let peer_id = config.keypair.public().to_peer_id();
	let timeout = config.request_timeout;
	let start_err = |e: &dyn std::fmt::Display| NetError::Start(e.to_string());
	let mut swarm = libp2p::SwarmBuilder::with_existing_identity(config.keypair)
		.with_tokio()
		.with_tcp(tcp::Config::default().nodelay(true), noise::Config::new, yamux::Config::default)
		.map_err(|e| start_err(&e))?
		.with_behaviour(|key| {
			let mut kad_config = kad::Config::new(KAD_PROTOCOL);
			kad_config.set_query_timeout(timeout);
			let store_config =
				kad::store::MemoryStoreConfig { max_provided_keys: 1 << 16, ..Default::default() };
			let mut kad = kad::Behaviour::with_config(
				peer_id,
				kad::store::MemoryStore::with_config(peer_id, store_config),
				kad_config,
			);
			kad.set_mode(Some(kad::Mode::Server));
			Behaviour {
				blob: request_response::Behaviour::with_codec(
					BlobCodec,
					[(protocol::PROTOCOL, ProtocolSupport::Full)],
					// At most 32 requests (so 32 MiB of chunks) in flight per connection.
					request_response::Config::default()
						.with_request_timeout(timeout)
						.with_max_concurrent_streams(MAX_INBOUND_STREAMS),
				),
				kad,
				identify: identify::Behaviour::new(identify::Config::new(
					"/conun/1".into(),
					key.public(),
				)),
			}
		})
		.map_err(|e| start_err(&e))?
		.with_swarm_config(|c| c.with_idle_connection_timeout(IDLE_CONNECTION_TIMEOUT))
		.build();

	let mut unbound = HashSet::new();
	for addr in config.listen {
		unbound.insert(
			swarm
				.listen_on(addr.clone())
				.map_err(|e| start_err(&format!("{addr}: {}", with_sources(&e))))?,
		);
	}
	let bind = async {
		while !unbound.is_empty() {
			match swarm.select_next_some().await {
				SwarmEvent::NewListenAddr { listener_id, .. } => {
					unbound.remove(&listener_id);
				},
				SwarmEvent::ListenerError { error, .. } => return Err(start_err(&error)),
				SwarmEvent::ListenerClosed { reason: Err(error), .. } => {
					return Err(start_err(&error))
				},
				_ => {},
			}
		}
		Ok(())
	};
	tokio::time::timeout(BIND_TIMEOUT, bind)
		.await
		.map_err(|_| start_err(&"timed out binding the listen addresses"))??;

	let mut addrs: HashMap<PeerId, Vec<Multiaddr>> = HashMap::new();
	for (peer, addr) in &config.bootstrap {
		swarm.behaviour_mut().kad.add_address(peer, addr.clone());
		addrs.entry(*peer).or_default().push(addr.clone());
	}
	if !config.bootstrap.is_empty() {
		let _ = swarm.behaviour_mut().kad.bootstrap();
	}
	let held = config.store.list().map_err(|e| start_err(&e))?;
	for hash in held.into_iter().filter(|hash| !config.unannounced.contains(hash)) {
		let _ = swarm.behaviour_mut().kad.start_providing(key(hash));
	}

	let (commands, commands_rx) = mpsc::channel(256);
	let (served_tx, served_rx) = mpsc::unbounded_channel();
	let counters = Arc::new(Counters::default());
	let event_loop = EventLoop {
		swarm,
		local: peer_id,
		commands: commands_rx,
		served_tx,
		served_rx,
		store: config.store.clone(),
		receipts: config.receipts.clone(),
		counters: counters.clone(),
		addrs,
		requests: HashMap::new(),
		waiting: HashMap::new(),
		queries: HashMap::new(),
	};
	tokio::spawn(event_loop.run());
	Ok(NetHandle {
		peer_id,
		commands,
		store: config.store,
		counters,
		request_timeout: config.request_timeout,
		parallel_chunks: config.parallel_chunks.max(1),
		in_flight: Arc::new(tokio::sync::Semaphore::new(MAX_OUTBOUND_REQUESTS)),
		batches: Arc::default(),
	})
}

impl NetHandle {
	pub fn peer_id(&self) -> PeerId {
		self.peer_id
	}

	pub fn store(&self) -> &Arc<BlobStore> {
		&self.store
	}

	pub fn stats(&self) -> NetStats {
		NetStats {
			bytes_fetched: self.counters.fetched.load(Ordering::Relaxed),
			bytes_served: self.counters.served.load(Ordering::Relaxed),
			announcements: self.counters.announcements.load(Ordering::Relaxed),
		}
	}

	async fn send(&self, command: Command) -> Result<(), NetError> {
		self.commands.send(command).await.map_err(|_| NetError::Stopped)
	}

	/// The addresses the node listens on (each interface of a `0.0.0.0` listener).
	pub async fn listen_addrs(&self) -> Result<Vec<Multiaddr>, NetError> {
		let (tx, rx) = oneshot::channel();
		self.send(Command::ListenAddrs(tx)).await?;
		rx.await.map_err(|_| NetError::Stopped)
	}

	/// Remembers where a peer can be reached (for requests; not added to the DHT).
	pub async fn add_peer(&self, peer: PeerId, addrs: Vec<Multiaddr>) -> Result<(), NetError> {
		self.send(Command::AddPeer(peer, addrs)).await
	}

	/// Announces in the DHT that this node holds `hash`, returning once the closest peers have
	/// stored the record.
	pub async fn provide(&self, hash: H256) -> Result<(), NetError> {
		let (tx, rx) = oneshot::channel();
		self.send(Command::Provide(hash, Some(tx))).await?;
		rx.await.map_err(|_| NetError::Stopped)?
	}

	/// Starts announcing `hash` without waiting for the DHT, unless this node announces it
	/// already: a provider record lives two days at the peers that store it, and Kademlia
	/// republishes the records of what a node provides every 12 hours on its own, so announcing
	/// again would only cost another query (a dozen messages). [`NetHandle::unprovide`] ends it.
	pub async fn announce(&self, hash: H256) {
		let _ = self.send(Command::Provide(hash, None)).await;
	}

	/// Stops announcing `hash` (records already stored elsewhere expire on their own).
	pub async fn unprovide(&self, hash: H256) -> Result<(), NetError> {
		self.send(Command::Unprovide(hash)).await
	}

	/// Peers the DHT says hold `hash` (empty if none is found before the query times out).
	pub async fn providers(&self, hash: H256) -> Result<Vec<PeerId>, NetError> {
		let (tx, rx) = oneshot::channel();
		self.send(Command::Providers(hash, tx)).await?;
		rx.await.map_err(|_| NetError::Stopped)
	}

	/// Sends one request and waits for the answer, dialing the peer if needed.
	pub async fn request(&self, peer: PeerId, request: Request) -> Result<Response, RequestError> {
		let _permit = self.in_flight.acquire().await.map_err(|_| RequestError::Stopped)?;
		let (tx, rx) = oneshot::channel();
		self.send(Command::Request(peer, request, tx))
			.await
			.map_err(|_| RequestError::Stopped)?;
		// Twice the request timeout: dialing comes first and has no timeout of its own.
		match tokio::time::timeout(2 * self.request_timeout, rx).await {
			Ok(Ok(result)) => result,
			Ok(Err(_)) => Err(RequestError::Stopped),
			Err(_) => Err(RequestError::TimedOut),
		}
	}

	/// Runs [`BlobStore::collect_garbage`] and stops announcing what it removed.
	pub async fn collect_garbage(
		&self,
		retention: Duration,
		quota_bytes: u64,
		keep: &(dyn Fn(H256) -> bool + Sync),
	) -> Result<crate::store::GcReport, StoreError> {
		let report = self.store.collect_garbage(retention, quota_bytes, keep)?;
		for hash in &report.removed {
			let _ = self.unprovide(*hash).await;
		}
		Ok(report)
	}
}

struct EventLoop {
	swarm: Swarm<Behaviour>,
	local: PeerId,
	commands: mpsc::Receiver<Command>,
	/// Answers read from the store by blocking tasks, to be sent by the swarm.
	served_tx: mpsc::UnboundedSender<(ResponseChannel<Response>, Response)>,
	served_rx: mpsc::UnboundedReceiver<(ResponseChannel<Response>, Response)>,
	store: Arc<BlobStore>,
	receipts: Option<ReceiptSource>,
	counters: Arc<Counters>,
	/// Addresses given by callers and bootstrap, for dialing.
	addrs: HashMap<PeerId, Vec<Multiaddr>>,
	requests: HashMap<OutboundRequestId, Reply>,
	/// Requests held until their peer is connected.
	waiting: HashMap<PeerId, Vec<(Request, Reply)>>,
	queries: HashMap<kad::QueryId, QueryReply>,
}

/// The answer to one inbound request, from the store (or the receipt source).
fn serve(store: &BlobStore, receipts: Option<&ReceiptSource>, request: Request) -> Response {
	let answer = match request {
		Request::Receipt { job, task } => {
			return match receipts.and_then(|source| source(TaskRef { job, task })) {
				Some(bytes) if bytes.len() <= crate::protocol::MAX_RECEIPT => {
					Response::Receipt(bytes)
				},
				Some(_) => Response::Refused("the receipt is too large".into()),
				None => Response::NotFound,
			};
		},
		Request::Manifest { hash } => store.manifest(hash).map(|m| {
			let _ = store.touch(hash); // being fetched counts as being used
			Response::Manifest(m)
		}),
		Request::Chunk { hash, index } => store.read_chunk(hash, index).map(Response::Chunk),
		Request::Blobs { hashes } => return serve_blobs(store, hashes),
	};
	match answer {
		Ok(response) => response,
		Err(StoreError::NotFound(_)) => Response::NotFound,
		Err(e) => {
			let mut reason = e.to_string();
			while reason.len() > MAX_REASON {
				reason.pop();
			}
			Response::Refused(reason)
		},
	}
}

/// The blobs asked for, in order, until the next would take the answer past one chunk's worth of
/// bytes (the fetcher asks for those left off again).
fn serve_blobs(store: &BlobStore, hashes: Vec<H256>) -> Response {
	let mut room = conun_primitives::CHUNK_SIZE;
	let mut answers = Vec::new();
	for hash in hashes.into_iter().take(MAX_BATCH) {
		let answer = match store.manifest(hash) {
			Ok(manifest) if manifest.chunks.len() > 1 => Held::Larger,
			Ok(manifest) if manifest.size > room as u64 => break,
			Ok(_) => match store.read(hash) {
				// Larger than its manifest says: the file changed under the store.
				Ok(bytes) if bytes.len() > room => break,
				Ok(bytes) => {
					room -= bytes.len();
					let _ = store.touch(hash); // being fetched counts as being used
					Held::Bytes(bytes)
				},
				Err(_) => Held::NotFound,
			},
			Err(_) => Held::NotFound,
		};
		answers.push(answer);
	}
	Response::Blobs(answers)
}

impl EventLoop {
	async fn run(mut self) {
		loop {
			tokio::select! {
				event = self.swarm.select_next_some() => self.on_swarm_event(event),
				command = self.commands.recv() => match command {
					Some(command) => self.on_command(command),
					None => break,
				},
				Some((channel, response)) = self.served_rx.recv() => {
					let bytes = response.blob_bytes() as u64;
					if self.swarm.behaviour_mut().blob.send_response(channel, response).is_ok() {
						self.counters.served.fetch_add(bytes, Ordering::Relaxed);
					}
				},
			}
		}
	}

	fn on_command(&mut self, command: Command) {
		let kad = &mut self.swarm.behaviour_mut().kad;
		match command {
			Command::ListenAddrs(tx) => {
				let _ = tx.send(self.swarm.listeners().cloned().collect());
			},
			Command::AddPeer(peer, addrs) => {
				let known = self.addrs.entry(peer).or_default();
				for addr in addrs {
					if !known.contains(&addr) {
						known.push(addr);
					}
				}
			},
			Command::Provide(hash, None) if provides(kad, self.local, hash) => {},
			Command::Provide(hash, reply) => {
				let started = kad.start_providing(key(hash));
				if started.is_ok() {
					self.counters.announcements.fetch_add(1, Ordering::Relaxed);
				}
				match (started, reply) {
					(Ok(id), Some(tx)) => {
						self.queries.insert(id, QueryReply::Provide(tx));
					},
					(Err(e), Some(tx)) => {
						let _ = tx.send(Err(NetError::Provide(e.to_string())));
					},
					(_, None) => {},
				}
			},
			Command::Unprovide(hash) => kad.stop_providing(&key(hash)),
			Command::Providers(hash, tx) => {
				let id = kad.get_providers(key(hash));
				self.queries.insert(id, QueryReply::Providers(tx));
			},
			Command::Request(peer, request, reply) => self.request(peer, request, reply),
		}
	}

	fn request(&mut self, peer: PeerId, request: Request, reply: Reply) {
		if self.swarm.is_connected(&peer) {
			let id = self.swarm.behaviour_mut().blob.send_request(&peer, request);
			self.requests.insert(id, reply);
			return;
		}
		let first = !self.waiting.contains_key(&peer);
		self.waiting.entry(peer).or_default().push((request, reply));
		if first {
			let addrs = self.addrs.get(&peer).cloned().unwrap_or_default();
			let opts = DialOpts::peer_id(peer)
				.addresses(addrs)
				.extend_addresses_through_behaviour()
				.build();
			match self.swarm.dial(opts) {
				// Already being dialed (by the DHT): the connection event will release the requests.
				Ok(()) | Err(DialError::DialPeerConditionFalse(_)) => {},
				Err(e) => self.fail_waiting(peer, RequestError::Dial(Arc::new(e))),
			}
		}
	}

	fn fail_waiting(&mut self, peer: PeerId, reason: RequestError) {
		for (_, reply) in self.waiting.remove(&peer).unwrap_or_default() {
			let _ = reply.send(Err(reason.clone()));
		}
	}

	fn on_swarm_event(&mut self, event: SwarmEvent<BehaviourEvent>) {
		match event {
			SwarmEvent::ConnectionEstablished { peer_id, .. } => {
				for (request, reply) in self.waiting.remove(&peer_id).unwrap_or_default() {
					if !reply.is_closed() {
						let id = self.swarm.behaviour_mut().blob.send_request(&peer_id, request);
						self.requests.insert(id, reply);
					}
				}
			},
			SwarmEvent::OutgoingConnectionError { peer_id: Some(peer), error, .. }
				if !self.swarm.is_connected(&peer) =>
			{
				self.fail_waiting(peer, RequestError::Connect(Arc::new(error)))
			},
			SwarmEvent::Behaviour(BehaviourEvent::Blob(event)) => self.on_blob_event(event),
			SwarmEvent::Behaviour(BehaviourEvent::Kad(event)) => self.on_kad_event(event),
			SwarmEvent::Behaviour(BehaviourEvent::Identify(identify::Event::Received {
				peer_id,
				info,
				..
			})) if info.protocols.contains(&KAD_PROTOCOL) => {
				for addr in info.listen_addrs {
					self.swarm.behaviour_mut().kad.add_address(&peer_id, addr);
				}
			},
			_ => {},
		}
	}

	fn on_blob_event(&mut self, event: request_response::Event<Request, Response>) {
		use request_response::{Event, Message};
		match event {
			Event::Message { message: Message::Request { request, channel, .. }, .. } => {
				let (store, served) = (self.store.clone(), self.served_tx.clone());
				let receipts = self.receipts.clone();
				tokio::task::spawn_blocking(move || {
					let _ = served.send((channel, serve(&store, receipts.as_ref(), request)));
				});
			},
			Event::Message { message: Message::Response { request_id, response }, .. } => {
				if let Some(reply) = self.requests.remove(&request_id) {
					let _ = reply.send(Ok(response));
				}
			},
			Event::OutboundFailure { request_id, error, .. } => {
				if let Some(reply) = self.requests.remove(&request_id) {
					let _ = reply.send(Err(RequestError::Failed(Arc::new(error))));
				}
			},
			Event::InboundFailure { peer, error, .. } => {
				tracing::debug!(%peer, %error, "serving a blob request failed");
			},
			Event::ResponseSent { .. } => {},
		}
	}

	fn on_kad_event(&mut self, event: kad::Event) {
		use kad::{GetProvidersOk, QueryResult};
		let kad::Event::OutboundQueryProgressed { id, result, .. } = event else { return };
		let local = *self.swarm.local_peer_id();
		match (result, self.queries.remove(&id)) {
			(QueryResult::StartProviding(result), Some(QueryReply::Provide(tx))) => {
				let _ = tx.send(result.map(|_| ()).map_err(|e| NetError::Provide(e.to_string())));
			},
			(
				QueryResult::GetProviders(Ok(GetProvidersOk::FoundProviders { providers, .. })),
				Some(QueryReply::Providers(tx)),
			) => {
				let found: Vec<PeerId> = providers.into_iter().filter(|p| *p != local).collect();
				if found.is_empty() {
					self.queries.insert(id, QueryReply::Providers(tx));
					return;
				}
				// Dial now, while the query still knows the providers' addresses.
				for peer in &found {
					let _ = self.swarm.dial(*peer);
				}
				let _ = tx.send(found);
			},
			(QueryResult::GetProviders(_), Some(QueryReply::Providers(tx))) => {
				let _ = tx.send(Vec::new());
			},
			(_, Some(reply)) => {
				self.queries.insert(id, reply);
			},
			(_, None) => {},
		}
	}
}
