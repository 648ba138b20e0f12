//! `conun-worker`: the provider's daemon and its commands.

use clap::{Args, Parser, Subcommand};
use conun_worker::{
	app,
	config::{parse_con, Config, FileConfig, Lend},
	fault::Fault,
};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
	name = "conun-worker",
	version,
	about = "Run Conun compute tasks on this machine and get paid in CON"
)]
struct Cli {
	#[command(flatten)]
	settings: Settings,
	#[command(subcommand)]
	command: Command,
}

#[derive(Subcommand)]
enum Command {
	/// Register this machine as a provider (stake, capabilities, addresses, price floor), or
	/// update what it advertises.
	Register {
		/// CON to stake (at least the chain's minimum).
		#[arg(long, value_parser = parse_con)]
		stake: u128,
	},
	/// Run tasks the chain assigns, until stopped.
	Run,
	/// Show the provider's registration, record and open tasks.
	Status,
	/// Stop taking work and start unbonding the stake.
	Unbond {
		/// Release the stake once the unbonding period is over.
		#[arg(long)]
		withdraw: bool,
	},
}

/// Settings; each overrides the environment (`CONUN_WORKER_*`) and the configuration file.
#[derive(Args)]
struct Settings {
	/// TOML configuration file.
	#[arg(long, short, global = true)]
	config: Option<PathBuf>,
	/// The node's WebSocket endpoint [default: ws://127.0.0.1:9944]; several, comma-separated,
	/// are tried in turn when the one in use is lost (the provider's own node first).
	#[arg(long, global = true)]
	node: Option<String>,
	/// The provider's secret URI (mnemonic, seed, or //Dev for development).
	#[arg(long, global = true)]
	key: Option<String>,
	/// A file holding the provider's secret URI.
	#[arg(long, global = true)]
	key_file: Option<PathBuf>,
	/// Where the journal, blobs and libp2p key live.
	#[arg(long, global = true)]
	data_dir: Option<PathBuf>,
	/// Runtimes offered: wasm, docker (comma separated).
	#[arg(long, global = true, value_delimiter = ',')]
	runtimes: Option<Vec<String>>,
	/// Lowest price per replica worked for, in CON.
	#[arg(long, global = true)]
	price_floor: Option<String>,
	/// libp2p listen address.
	#[arg(long, global = true)]
	listen: Option<String>,
	/// Addresses published on chain (default: where the listen address is reachable; 0.0.0.0
	/// stands for each of this machine's IPv4 addresses).
	#[arg(long, global = true, value_delimiter = ',')]
	public_addrs: Option<Vec<String>>,
	/// Prometheus endpoint address; empty turns it off [default: 127.0.0.1:9616].
	#[arg(long, global = true)]
	metrics: Option<String>,
	/// Cores one task may use.
	#[arg(long, global = true)]
	cores: Option<u32>,
	/// Memory one task may use, MiB.
	#[arg(long, global = true)]
	memory_mib: Option<u32>,
	/// Disk for blobs, MiB.
	#[arg(long, global = true)]
	disk_mib: Option<u64>,
	/// Tasks run at once.
	#[arg(long, global = true)]
	max_tasks: Option<u32>,
	/// Hours of the day (UTC) to take new tasks, START-END.
	#[arg(long, global = true)]
	hours: Option<String>,
}

impl Settings {
	fn overrides(self) -> (Option<PathBuf>, FileConfig) {
		let flags = FileConfig {
			node: self.node,
			key: self.key,
			key_file: self.key_file,
			data_dir: self.data_dir,
			runtimes: self.runtimes,
			price_floor: self.price_floor,
			listen: self.listen,
			public_addrs: self.public_addrs,
			metrics: self.metrics,
			lend: Lend {
				cores: self.cores,
				memory_mib: self.memory_mib,
				disk_mib: self.disk_mib,
				max_tasks: self.max_tasks,
				hours: self.hours,
				retention_hours: None,
			},
		};
		(self.config, flags)
	}
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
	tracing_subscriber::fmt()
		.with_env_filter(
			tracing_subscriber::EnvFilter::try_from_default_env()
				.unwrap_or_else(|_| "info,libp2p=warn,subxt=warn,jsonrpsee=warn".into()),
		)
		.with_writer(std::io::stderr)
		// Colours only on a terminal: a log file or journald gets plain text.
		.with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
		.init();
	let cli = Cli::parse();
	let (file, flags) = cli.settings.overrides();
	let result = async {
		let config = Config::load(file.as_deref(), flags)?;
		match cli.command {
			Command::Register { stake } => app::register(&config, stake).await,
			Command::Run => {
				app::run(config, Fault::from_env().map_err(app::AppError::Refused)?).await
			},
			Command::Status => app::status(&config).await,
			Command::Unbond { withdraw } => app::unbond(&config, withdraw).await,
		}
	}
	.await;
	match result {
		Ok(()) => std::process::ExitCode::SUCCESS,
		Err(error) => {
			eprintln!("error: {error}");
			std::process::ExitCode::FAILURE
		},
	}
}
