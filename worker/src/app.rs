//! The worker's commands: `register`, `run`, `status`, `unbond`.

use crate::{
	capabilities::Machine,
	chain::Chain,
	config::{format_con, Config},
	daemon::{execute::Runner, Connector, Daemon, Schedule},
	fault::Fault,
	journal::{Journal, Phase},
	metrics::Metrics,
};
use conun_client::limits::MarketLimits;
use conun_primitives::{Contact, RuntimeKind};
use conun_sandbox::{docker::DockerExecutor, WasmExecutor};
use std::{str::FromStr, sync::Arc, time::Duration};
use subxt_signer::{sr25519::Keypair, SecretUri};

/// A command failed; the message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
	#[error(transparent)]
	Chain(#[from] crate::chain::ChainError),
	#[error(transparent)]
	Journal(#[from] crate::journal::JournalError),
	#[error(transparent)]
	Config(#[from] crate::config::ConfigError),
	#[error(transparent)]
	Io(#[from] std::io::Error),
	#[error(transparent)]
	Store(#[from] conun_net::StoreError),
	#[error("the provider key is not a secret URI: {0}")]
	KeyUri(#[source] subxt_signer::SecretUriError),
	#[error("the provider key: {0}")]
	Key(#[source] subxt_signer::sr25519::Error),
	#[error("the libp2p key: {0}")]
	NetworkKey(#[source] conun_net::keypair::KeypairError),
	#[error("public address {addr}: {error}")]
	PublicAddr {
		addr: String,
		#[source]
		error: conun_net::libp2p::multiaddr::Error,
	},
	/// An address peers could never dial would be published as this worker's contact.
	#[error(
		"cannot publish {addr} as this worker's address: {why}; set --public-addrs to the \
		 address peers reach this machine at"
	)]
	Unroutable { addr: String, why: &'static str },
	#[error(transparent)]
	Contact(#[from] conun_net::contact::ContactError),
	#[error("listen address: {0}")]
	Listen(#[source] conun_net::libp2p::multiaddr::Error),
	#[error("libp2p: {0}")]
	Net(#[from] conun_net::NetError),
	#[error("metrics: {0}")]
	Metrics(#[source] polkadot_sdk::substrate_prometheus_endpoint::PrometheusError),
	#[error("runtimes include docker, but {0}")]
	Docker(#[source] conun_sandbox::docker::DockerError),
	/// What the worker was asked cannot be done as asked (a flag out of the chain's bounds, an
	/// unregistered provider, more than the machine has): the message says what to change.
	#[error("{0}")]
	Refused(String),
}

/// The provider's signing key, from its secret URI.
pub fn signer(config: &Config) -> Result<Keypair, AppError> {
	let uri = SecretUri::from_str(&config.key).map_err(AppError::KeyUri)?;
	Keypair::from_uri(&uri).map_err(AppError::Key)
}

/// The worker's libp2p identity, kept in its data directory.
fn network_key(config: &Config) -> Result<conun_net::libp2p::identity::Keypair, AppError> {
	std::fs::create_dir_all(&config.data_dir)?;
	conun_net::keypair::load_or_create(&config.data_dir.join("network.key"))
		.map_err(AppError::NetworkKey)
}

/// How requesters and peers reach this worker (libp2p peer `peer`), as published on chain: the
/// public addresses as given, each of which must be dialable; else where the listen address is
/// reachable, a wildcard (the default 0.0.0.0) standing for each of this machine's addresses.
/// An address nobody could dial is refused rather than published: providers whose contact
/// nobody can reach are reported unavailable by the requesters' and their co-replicas' fetches.
fn contact(config: &Config, peer: &conun_net::libp2p::PeerId) -> Result<Contact, AppError> {
	use conun_net::contact::{reachable_at, unroutable};
	let addrs: Vec<conun_net::libp2p::Multiaddr> = match &config.public_addrs {
		Some(given) => given
			.iter()
			.map(|text| {
				let addr = text
					.parse()
					.map_err(|error| AppError::PublicAddr { addr: text.clone(), error })?;
				match unroutable(&addr) {
					Some(why) => Err(AppError::Unroutable { addr: text.clone(), why }),
					None => Ok(addr),
				}
			})
			.collect::<Result<_, _>>()?,
		None => {
			let listen = config.listen.parse().map_err(AppError::Listen)?;
			let interfaces: Vec<_> =
				if_addrs::get_if_addrs()?.into_iter().map(|i| i.ip()).collect();
			let addrs = reachable_at(&listen, &interfaces);
			if addrs.is_empty() {
				return Err(AppError::Unroutable {
					addr: config.listen.clone(),
					why: unroutable(&listen)
						.unwrap_or("this machine has no address of that family to publish"),
				});
			}
			addrs
		},
	};
	Ok(conun_net::contact::to_contact(peer, &addrs)?)
}

/// Connects to the first of the configured nodes that answers, for a one-off command.
async fn connect_any(config: &Config) -> Result<Chain, AppError> {
	let mut connector = Connector::new(config.nodes.clone(), signer(config)?);
	connector.connect_once().await.map_err(|last| {
		last.map_or_else(
			|| AppError::Refused("no node endpoint is configured".into()),
			AppError::from,
		)
	})
}

/// `conun-worker register`: stakes and advertises this machine, or updates what it advertises
/// when the provider is already registered.
pub async fn register(config: &Config, stake: u128) -> Result<(), AppError> {
	let machine = Machine::detect();
	let capabilities = machine.lend(config).map_err(AppError::Refused)?;
	let contact = contact(config, &network_key(config)?.public().to_peer_id())?;
	let chain = connect_any(config).await?;
	let at = chain.at_best().await?;
	// The chain's own limits, so that a registration it would refuse is refused here, and says
	// which flag to change.
	let limits = MarketLimits::at(&at)?;
	if capabilities.max_tasks > limits.max_tasks_per_provider {
		return Err(AppError::Refused(format!(
			"--max-tasks {} is more than this chain lets a provider hold at once ({})",
			capabilities.max_tasks, limits.max_tasks_per_provider
		)));
	}
	let runtimes: Vec<_> = capabilities.runtimes.kinds().map(RuntimeKind::name).collect();
	println!(
		"provider {}: {} cores, {} MiB, {} GPUs, {} tasks at once, runtimes {}",
		chain.account(),
		capabilities.resources.cores,
		capabilities.resources.memory_mib,
		capabilities.resources.gpus,
		capabilities.max_tasks,
		runtimes.join(", ")
	);
	if let Some(existing) = chain.provider(&at, chain.account()).await? {
		let price_floor = config.price_floor.unwrap_or(existing.price_floor);
		chain.update(capabilities, contact, price_floor).await?;
		println!(
			"already registered with a stake of {}: capabilities, contact and price floor ({}) updated; --stake {} ignored",
			format_con(existing.stake),
			format_con(price_floor),
			format_con(stake)
		);
	} else {
		if stake < limits.min_stake {
			return Err(AppError::Refused(format!(
				"--stake {} is below this chain's minimum stake of {}",
				format_con(stake),
				format_con(limits.min_stake)
			)));
		}
		chain
			.register(stake, capabilities, contact, config.price_floor.unwrap_or(0))
			.await?;
		println!("registered with a stake of {}", format_con(stake));
	}
	Ok(())
}

/// `conun-worker run`: the daemon.
pub async fn run(config: Config, fault: Fault) -> Result<(), AppError> {
	std::fs::create_dir_all(&config.data_dir)?;
	let metrics = Metrics::new().map_err(AppError::Metrics)?;
	if let Some(addr) = config.metrics {
		metrics.serve(addr);
	}
	let journal = Arc::new(Journal::open(&config.data_dir.join("journal.redb"))?);
	let store = Arc::new(conun_net::BlobStore::open(config.data_dir.join("blobs"))?);
	let listen = config.listen.parse().map_err(AppError::Listen)?;
	// Requesters ask for a task's receipt to find out why it failed (then fetch its logs),
	// once the chain is done with the task.
	let receipts: conun_net::ReceiptSource = {
		let journal = journal.clone();
		Arc::new(move |task| {
			let receipt = journal.settled_receipt(task).ok()??;
			Some(codec::Encode::encode(&receipt))
		})
	};
	// The results and logs of open tasks stay out of the DHT until their verdict is final
	// (the daemon announces them when it forgets the task).
	let unannounced = journal
		.open_tasks()?
		.into_iter()
		.filter_map(|(_, entry)| entry.receipt)
		.flat_map(|receipt| [receipt.result, receipt.logs])
		.collect();
	let net_config = conun_net::NetConfig {
		listen: vec![listen],
		receipts: Some(receipts),
		unannounced,
		..conun_net::NetConfig::new(network_key(&config)?, store.clone())
	};
	let net = conun_net::start(net_config).await?;
	// Before reaching for a node: a worker nobody could dial refuses to start.
	let expected = contact(&config, &net.peer_id())?;
	let docker = if config.runtimes.docker {
		Some(
			DockerExecutor::connect(config.data_dir.join("docker"))
				.await
				.map_err(AppError::Docker)?,
		)
	} else {
		None
	};
	let mut connector = Connector::new(config.nodes.clone(), signer(&config)?);
	let chain = connector.connect().await;
	let at = chain.at_best().await?;
	let Some(provider) = chain.provider(&at, chain.account()).await? else {
		return Err(AppError::Refused(format!(
			"{} is not a registered provider: run `conun-worker register --stake <CON>` first",
			chain.account()
		)));
	};
	// What the chain knows of this worker must match what it runs with: the chain assigns by
	// it (more tasks at once than the worker runs would miss deadlines).
	let capabilities = Machine::detect().lend(&config).map_err(AppError::Refused)?;
	let price_floor = config.price_floor.unwrap_or(provider.price_floor);
	if provider.capabilities != capabilities
		|| provider.price_floor != price_floor
		|| provider_contact(&chain, &at).await != Some(expected.clone())
	{
		tracing::info!("publishing this worker's capabilities, addresses and price floor on chain");
		chain.update(capabilities, expected, price_floor).await?;
	}
	let block_time = at
		.constants()
		.entry(crate::chain::runtime::conun::constants().babe().expected_block_time())
		.map(Duration::from_millis)
		.unwrap_or(DEFAULT_BLOCK_TIME);
	tokio::spawn(collect_garbage(
		net.clone(),
		journal.clone(),
		config.retention,
		config.disk_bytes,
	));
	spawn_net_metrics(net.clone(), metrics.clone());
	let runner = Runner {
		journal,
		store,
		net,
		wasm: config.runtimes.wasm.then(WasmExecutor::new),
		docker,
		metrics,
		fault,
		block_time,
	};
	tracing::info!(account = %chain.account(), node = %connector.url(), "worker running");
	let schedule =
		Schedule { hours: config.hours, paused_marker: config.data_dir.join("paused-for-hours") };
	Daemon::new(chain, connector, runner, config.max_tasks, schedule).run().await?;
	Ok(())
}

async fn provider_contact(chain: &Chain, at: &crate::chain::AtBlock) -> Option<Contact> {
	let contacts = crate::chain::runtime::conun::storage().market().provider_contacts();
	let value = at.storage().try_fetch(contacts, (*chain.account(),)).await.ok()??;
	value.decode().ok().map(|subxt::utils::Static(contact)| contact)
}

/// The block time assumed when the chain does not say (BABE's `ExpectedBlockTime`).
const DEFAULT_BLOCK_TIME: Duration = Duration::from_secs(6);
/// How often old blobs and receipts are collected.
const GARBAGE_EVERY: Duration = Duration::from_secs(600);
/// How often the data plane's byte counters are copied into the metrics.
const NET_METRICS_EVERY: Duration = Duration::from_secs(5);

/// Drops results and blobs past their retention or over the disk quota, every
/// [`GARBAGE_EVERY`];
/// what recorded tasks still need is kept, and nothing is dropped while the journal cannot be
/// read.
async fn collect_garbage(
	net: conun_net::NetHandle,
	journal: Arc<Journal>,
	retention: Duration,
	quota: u64,
) {
	loop {
		match journal.open_tasks() {
			Ok(recorded) => {
				let keep: std::collections::HashSet<_> = recorded
					.into_iter()
					.filter_map(|(_, entry)| entry.receipt)
					.flat_map(|receipt| [receipt.result, receipt.logs])
					.collect();
				match net.collect_garbage(retention, quota, &|hash| keep.contains(&hash)).await {
					Ok(report) if !report.removed.is_empty() => tracing::info!(
						removed = report.removed.len(),
						freed = report.freed_bytes,
						"collected garbage"
					),
					Ok(_) => {},
					Err(error) => tracing::warn!(%error, "garbage collection failed"),
				}
			},
			Err(error) => tracing::warn!(%error, "journal unreadable: no garbage collection"),
		}
		let before = crate::daemon::unix_now().saturating_sub(retention.as_secs());
		if let Err(error) = journal.prune_receipts(before) {
			tracing::warn!(%error, "cannot prune old receipts");
		}
		tokio::time::sleep(GARBAGE_EVERY).await;
	}
}

fn spawn_net_metrics(net: conun_net::NetHandle, metrics: Metrics) {
	tokio::spawn(async move {
		loop {
			let stats = net.stats();
			metrics.bytes_fetched.set(stats.bytes_fetched);
			metrics.bytes_served.set(stats.bytes_served);
			tokio::time::sleep(NET_METRICS_EVERY).await;
		}
	});
}

/// `conun-worker status`: the provider's registration and record, and the journal's tasks.
pub async fn status(config: &Config) -> Result<(), AppError> {
	let chain = connect_any(config).await?;
	let at = chain.at_best().await?;
	println!("provider   {}", chain.account());
	println!("free       {}", format_con(chain.free_balance(&at).await?));
	match chain.provider(&at, chain.account()).await? {
		None => println!("registered no (conun-worker register --stake <CON>)"),
		Some(p) => {
			let c = &p.capabilities;
			println!(
				"status     {:?}{}",
				p.status,
				if p.available { "" } else { " (not taking new tasks)" }
			);
			println!("stake      {}", format_con(p.stake));
			println!("price      at least {} per replica", format_con(p.price_floor));
			println!(
				"lends      {} cores, {} MiB, {} GPUs per task; {} tasks at once; {}",
				c.resources.cores,
				c.resources.memory_mib,
				c.resources.gpus,
				c.max_tasks,
				c.runtimes.kinds().map(RuntimeKind::name).collect::<Vec<_>>().join(", ")
			);
			println!("tasks      {} running, {} awaiting a verdict", p.running, p.unsettled);
			let s = &p.standing;
			println!(
				"record     reputation {}, {} verified, {} disagreed, {} missed; earned {}, slashed {}",
				s.reputation,
				s.verified,
				s.disagreed,
				s.missed,
				format_con(s.earned),
				format_con(s.slashed)
			);
		},
	}
	let journal_path = config.data_dir.join("journal.redb");
	if journal_path.exists() {
		match Journal::open(&journal_path) {
			Ok(journal) => {
				let open = journal.open_tasks()?;
				let count =
					|f: fn(&Phase) -> bool| open.iter().filter(|(_, e)| f(&e.phase)).count();
				println!(
					"journal    {} open: {} running, {} executed, {} committed, {} revealed",
					open.len(),
					count(|p| matches!(p, Phase::Running)),
					count(|p| matches!(p, Phase::Executed { .. })),
					count(|p| matches!(p, Phase::Committed { .. })),
					count(|p| matches!(p, Phase::Revealed { .. })),
				);
			},
			Err(error) => println!("journal    in use by the running worker ({error})"),
		}
	}
	Ok(())
}

/// `conun-worker unbond`: starts unbonding, or with `withdraw` releases the stake once the
/// unbonding period is over.
pub async fn unbond(config: &Config, withdraw: bool) -> Result<(), AppError> {
	let chain = connect_any(config).await?;
	if withdraw {
		chain.withdraw_unbonded().await?;
		println!("stake released; {} is no longer a provider", chain.account());
	} else {
		chain.unbond().await?;
		println!("unbonding started: run `conun-worker unbond --withdraw` once the unbonding period is over");
	}
	Ok(())
}
