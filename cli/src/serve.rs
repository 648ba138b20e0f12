//! The requester's libp2p node: it serves a job's program and inputs to the workers assigned its
//! tasks, and fetches their results and logs. Its identity and port stay the same from one run
//! to the next, because each job names them on chain (its contact) and workers may come back
//! for the inputs long after `job submit` (replacements, extra replicas).

use crate::{error::CliError, settings::Settings};
use conun_net::{
	libp2p::{multiaddr::Protocol, Multiaddr},
	BlobStore, NetConfig, NetHandle,
};
use conun_primitives::Contact;
use std::{sync::Arc, time::Duration};

/// Opens the CLI's blob store.
pub fn open_store(settings: &Settings) -> Result<Arc<BlobStore>, CliError> {
	Ok(Arc::new(BlobStore::open(settings.data_dir.join("blobs"))?))
}

/// Starts the libp2p node with the CLI's key, listening at `settings.listen`: the node that
/// serves a job's program and inputs.
pub async fn start(settings: &Settings, store: Arc<BlobStore>) -> Result<NetHandle, CliError> {
	std::fs::create_dir_all(&settings.data_dir)?;
	let keypair = conun_net::keypair::load_or_create(&settings.data_dir.join("network.key"))
		.map_err(|e| CliError::Net(format!("the libp2p key: {e}")))?;
	start_on(settings, store, settings.listen.clone(), keypair).await
}

/// Starts a libp2p node that only fetches (results, receipts, logs): on the interface of
/// `settings.listen` but a port and a throwaway identity of its own, so it runs beside a
/// `conun serve` without taking its port or being mistaken for it.
pub async fn start_fetcher(
	settings: &Settings,
	store: Arc<BlobStore>,
) -> Result<NetHandle, CliError> {
	let any_port: Multiaddr = settings
		.listen
		.iter()
		.map(|p| match p {
			Protocol::Tcp(_) => Protocol::Tcp(0),
			other => other,
		})
		.collect();
	let keypair = conun_net::libp2p::identity::Keypair::generate_ed25519();
	start_on(settings, store, any_port, keypair).await
}

async fn start_on(
	settings: &Settings,
	store: Arc<BlobStore>,
	listen: Multiaddr,
	keypair: conun_net::libp2p::identity::Keypair,
) -> Result<NetHandle, CliError> {
	let mut config = NetConfig::new(keypair, store);
	config.listen = vec![listen];
	conun_net::start(config).await.map_err(|e| {
		CliError::Net(format!(
			"cannot listen on {}: {e} (is another `conun` serving already? pick another with --listen)",
			settings.listen
		))
	})
}

/// How workers reach this node, as posted with a job: the public addresses when given, else
/// the addresses it listens on (at most the eight a contact holds, loopback last).
pub async fn contact(net: &NetHandle, settings: &Settings) -> Result<Contact, CliError> {
	let mut addrs = settings.public_addrs.clone();
	if addrs.is_empty() {
		for _ in 0..50 {
			addrs = conun_net::contact::publishable(net.listen_addrs().await?);
			if !addrs.is_empty() {
				break;
			}
			tokio::time::sleep(Duration::from_millis(100)).await;
		}
	}
	if addrs.is_empty() {
		return Err(CliError::Net(format!(
			"no address to give workers: listening on {} gave none; pass --public-addr",
			settings.listen
		)));
	}
	conun_net::contact::to_contact(&net.peer_id(), &addrs).map_err(|e| CliError::Net(e.to_string()))
}
