//! Settings every command shares: which node, which key, where the CLI keeps its files and
//! where it listens for workers. Each comes from a flag, else a `CONUN_*` variable, else a default.

use crate::error::CliError;
use conun_net::libp2p::Multiaddr;
use std::path::{Path, PathBuf};
use subxt_signer::sr25519::Keypair;

/// The node a fresh install talks to: `conun-node --dev` on this machine.
pub const DEFAULT_NODE: &str = "ws://127.0.0.1:9944";
/// Where the CLI listens for workers fetching programs and inputs. One fixed port: the address
/// is posted on chain with each job, and `conun serve` must listen there again later.
pub const DEFAULT_LISTEN: &str = "/ip4/0.0.0.0/tcp/30556";

/// The accounts of the dev chain, endowed at genesis.
pub const DEV_ACCOUNTS: [&str; 6] = ["alice", "bob", "charlie", "dave", "eve", "ferdie"];

#[derive(clap::Args, Clone, Debug, Default)]
pub struct GlobalArgs {
	/// The node's WebSocket RPC endpoint [env: CONUN_NODE] [default: ws://127.0.0.1:9944]
	#[arg(long, global = true, value_name = "URL")]
	pub node: Option<String>,
	/// Sign with this secret URI: //Alice, a mnemonic, or 0x and a 32-byte seed [env: CONUN_KEY]
	#[arg(long, global = true, value_name = "SECRET_URI", conflicts_with = "account")]
	pub key: Option<String>,
	/// Sign with a stored account (`conun account new`) or a dev account (alice, bob, ...)
	/// [env: CONUN_ACCOUNT]
	#[arg(long, global = true, value_name = "NAME")]
	pub account: Option<String>,
	/// Where the CLI keeps accounts, its libp2p key, blobs and job records
	/// [env: CONUN_DATA_DIR] [default: ~/.local/share/conun]
	#[arg(long, global = true, value_name = "DIR")]
	pub data_dir: Option<PathBuf>,
	/// Where to listen for workers fetching programs and inputs (a multiaddress)
	/// [env: CONUN_LISTEN] [default: /ip4/0.0.0.0/tcp/30556]
	#[arg(long, global = true, value_name = "MULTIADDR")]
	pub listen: Option<String>,
	/// The address workers reach this machine at, when not the listening one (behind NAT);
	/// repeat for several [env: CONUN_PUBLIC_ADDRS, comma-separated]
	#[arg(long = "public-addr", global = true, value_name = "MULTIADDR")]
	pub public_addrs: Vec<String>,
}

/// The settings, resolved.
#[derive(Clone, Debug)]
pub struct Settings {
	pub node: String,
	/// The secret URI to sign with, if any.
	pub key: Option<String>,
	pub data_dir: PathBuf,
	pub listen: Multiaddr,
	pub public_addrs: Vec<Multiaddr>,
}

fn env(name: &str) -> Option<String> {
	std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn multiaddr(text: &str, what: &str) -> Result<Multiaddr, CliError> {
	text.trim()
		.parse()
		.map_err(|e| CliError::Usage(format!("{what} `{text}` is not a multiaddress: {e}")))
}

impl Settings {
	pub fn resolve(args: &GlobalArgs) -> Result<Self, CliError> {
		let data_dir = args
			.data_dir
			.clone()
			.or_else(|| env("CONUN_DATA_DIR").map(PathBuf::from))
			.unwrap_or_else(default_data_dir);
		let key = match (&args.key, &args.account) {
			(Some(key), _) => Some(key.clone()),
			(None, Some(name)) => Some(account_uri(&data_dir, name)?),
			(None, None) => match (env("CONUN_KEY"), env("CONUN_ACCOUNT")) {
				(Some(key), _) => Some(key),
				(None, Some(name)) => Some(account_uri(&data_dir, &name)?),
				(None, None) => None,
			},
		};
		let listen = args
			.listen
			.clone()
			.or_else(|| env("CONUN_LISTEN"))
			.unwrap_or_else(|| DEFAULT_LISTEN.into());
		let mut public = args.public_addrs.clone();
		if public.is_empty() {
			public = env("CONUN_PUBLIC_ADDRS")
				.map(|v| v.split(',').map(str::to_string).collect())
				.unwrap_or_default();
		}
		Ok(Self {
			node: args
				.node
				.clone()
				.or_else(|| env("CONUN_NODE"))
				.unwrap_or_else(|| DEFAULT_NODE.into()),
			key,
			listen: multiaddr(&listen, "--listen")?,
			public_addrs: public
				.iter()
				.map(|a| multiaddr(a, "--public-addr"))
				.collect::<Result<_, _>>()?,
			data_dir,
		})
	}

	/// The signing key, or an error that says how to give one.
	pub fn keypair(&self) -> Result<Keypair, CliError> {
		let Some(uri) = &self.key else {
			return Err(CliError::Usage(
				"this command signs a transaction: pass --account NAME (see `conun account list`) or --key SECRET_URI".into(),
			));
		};
		conun_client::keys::keypair_from_uri(uri).map_err(CliError::Usage)
	}

	pub fn accounts_dir(&self) -> PathBuf {
		self.data_dir.join("accounts")
	}
}

fn default_data_dir() -> PathBuf {
	match std::env::var_os("HOME") {
		Some(home) => Path::new(&home).join(".local/share/conun"),
		None => PathBuf::from(".conun"),
	}
}

/// The secret URI of a stored account, or of a dev account by name.
pub fn account_uri(data_dir: &Path, name: &str) -> Result<String, CliError> {
	let file = data_dir.join("accounts").join(name);
	match std::fs::read_to_string(&file) {
		Ok(uri) => Ok(uri.trim().to_string()),
		Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
			let lower = name.to_ascii_lowercase();
			if DEV_ACCOUNTS.contains(&lower.as_str()) {
				let mut title = lower.clone();
				title[..1].make_ascii_uppercase();
				Ok(format!("//{title}"))
			} else {
				Err(CliError::Usage(format!(
					"no account named `{name}` in {}: create it with `conun account new {name}`, or use a dev account ({})",
					data_dir.join("accounts").display(),
					DEV_ACCOUNTS.join(", ")
				)))
			}
		},
		Err(e) => Err(CliError::Usage(format!("cannot read the account {}: {e}", file.display()))),
	}
}
