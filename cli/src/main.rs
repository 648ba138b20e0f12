//! `conun`: post compute jobs to the Conun market and get verified results back.

use clap::{Parser, Subcommand};
use conun_cli::{
	accounts, check,
	error::CliError,
	job,
	settings::{GlobalArgs, Settings},
	views,
};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
	name = "conun",
	version,
	about = "Post compute jobs to the Conun market and get verified results back.",
	long_about = "Post compute jobs to the Conun market and get verified results back.\n\n\
A job is a program (wasm, or a docker image) run once per input. Each task runs on R providers \
that stake CON; they commit to their result, then reveal it, and the result a majority agrees on \
is verified on chain and paid for. Describe a job in a manifest (docs/manifest.md), then:\n\n  \
conun job check job.toml      # is it valid, who could take it, what it costs\n  \
conun job submit job.toml --out results/   # post, serve its inputs, watch, download\n\n\
On a dev chain, sign with a dev account: --account alice.",
	after_help = "Exit codes: 0 done; 1 error; 2 the job cannot run as described (nobody can take it, or the account cannot pay); 3 the job ended with tasks not verified; 141 its output's reader went away (| head)."
)]
struct Cli {
	#[command(flatten)]
	global: GlobalArgs,
	#[command(subcommand)]
	command: Command,
}

#[derive(Subcommand)]
enum Command {
	/// Manage signing keys: stored accounts and the dev chain's accounts
	#[command(subcommand)]
	Account(AccountCommand),
	/// Show an account's free and reserved CON
	Balance {
		/// An SS58 address or an account name (default: the signing account)
		account: Option<String>,
	},
	/// Add a file to the local blob store and print its content hash and size
	Put { file: PathBuf },
	/// Post, follow and settle jobs
	#[command(subcommand)]
	Job(JobCommand),
	/// List the registered providers: stake, reputation, runtimes, capacity and record
	Providers {
		/// Print JSON instead of a table
		#[arg(long)]
		json: bool,
	},
	/// Serve the program and inputs of this machine's open jobs to workers, until they finish
	/// (run it after `job submit --detach`, with the same --listen and --data-dir)
	Serve,
}

#[derive(Subcommand)]
enum AccountCommand {
	/// List stored accounts and the dev accounts, with their addresses
	List,
	/// Create an account with a fresh random key
	New { name: String },
	/// Store an existing key (a secret URI: mnemonic, //Path or 0x seed) under a name
	Import { name: String, secret_uri: String },
	/// Print an account's address (default: the signing account)
	Show { name: Option<String> },
}

#[derive(Subcommand)]
enum JobCommand {
	/// Check a manifest without posting: errors, a local run of task 0, which providers could take
	/// the job (and if none, why), and its cost
	Check { manifest: PathBuf },
	/// Post a job, serve its program and inputs, watch it to its end and download its results
	Submit {
		manifest: PathBuf,
		/// Download the verified results here and reduce them as the manifest says
		#[arg(long, value_name = "DIR")]
		out: Option<PathBuf>,
		/// Post and return at once; then keep `conun serve` running until the job ends
		#[arg(long, conflicts_with = "out")]
		detach: bool,
		/// No progress display, only the summary
		#[arg(long)]
		quiet: bool,
		/// Wait until every verdict is final and paid. Without it, the command returns once
		/// every task has a verdict and no replica disputes one: such a verdict stays open to
		/// challenge for a few blocks, but only by you
		#[arg(long = "final", conflicts_with = "detach")]
		wait_final: bool,
		/// Before returning, run N tasks here, at random, and challenge each open verdict they
		/// contradict: the defence when every replica of a task colluded (wasm jobs)
		#[arg(long, value_name = "N", default_value_t = 0, conflicts_with = "detach")]
		spot_check: usize,
	},
	/// Follow a job's progress to its end: bars per phase, CON paid, then a summary
	Watch {
		job: u64,
		#[arg(long, value_name = "DIR")]
		out: Option<PathBuf>,
	},
	/// A job's state and counts
	Status {
		job: u64,
		/// Print JSON (amounts as strings)
		#[arg(long)]
		json: bool,
	},
	/// Download each verified result from a provider that holds it, check it against the chain,
	/// and reduce them as the job's manifest says
	Results {
		job: u64,
		#[arg(long, value_name = "DIR")]
		out: PathBuf,
		/// First run N tasks here, at random, and challenge each open verdict they contradict
		/// (wasm jobs; signs as the job's owner)
		#[arg(long, value_name = "N", default_value_t = 0)]
		spot_check: usize,
	},
	/// A task's phase, and each replica's receipt and logs, fetched from its provider
	Logs { job: u64, task: u32 },
	/// Cancel a job: tasks without a commitment stop and are refunded
	Cancel { job: u64 },
}

async fn run(cli: Cli) -> Result<(), CliError> {
	let settings = Settings::resolve(&cli.global)?;
	match cli.command {
		Command::Account(command) => match command {
			AccountCommand::List => accounts::list(&settings),
			AccountCommand::New { name } => accounts::new(&settings, &name),
			AccountCommand::Import { name, secret_uri } => {
				accounts::import(&settings, &name, &secret_uri)
			},
			AccountCommand::Show { name } => accounts::show(&settings, name.as_deref()),
		},
		Command::Balance { account } => views::balance(&settings, account.as_deref()).await,
		Command::Put { file } => job::put(&settings, &file),
		Command::Providers { json } => views::providers(&settings, json).await,
		Command::Serve => job::serve_jobs(&settings).await,
		Command::Job(command) => match command {
			JobCommand::Check { manifest } => check::check(&settings, &manifest).await,
			JobCommand::Submit { manifest, out, detach, quiet, wait_final, spot_check } => {
				let options = job::SubmitOptions {
					detach,
					out: out.as_deref(),
					quiet,
					wait_final,
					spot_checks: spot_check,
				};
				job::submit(&settings, &manifest, options).await
			},
			JobCommand::Watch { job: id, out } => job::watch(&settings, id, out.as_deref()).await,
			JobCommand::Status { job: id, json } => job::status(&settings, id, json).await,
			JobCommand::Results { job: id, out, spot_check } => {
				job::results(&settings, id, &out, spot_check).await
			},
			JobCommand::Logs { job: id, task } => job::logs(&settings, id, task).await,
			JobCommand::Cancel { job: id } => job::cancel(&settings, id).await,
		},
	}
}

fn main() {
	let cli = Cli::parse();
	tracing_subscriber::fmt()
		.with_env_filter(tracing_subscriber::EnvFilter::try_from_env("CONUN_LOG").unwrap_or_else(
			|_| {
				tracing_subscriber::EnvFilter::new(
					"warn,libp2p_swarm=error,libp2p_request_response=error,libp2p_kad=error",
				)
			},
		))
		.with_writer(std::io::stderr)
		.init();
	let runtime = match tokio::runtime::Runtime::new() {
		Ok(runtime) => runtime,
		Err(e) => {
			eprintln!("error: cannot start: {e}");
			std::process::exit(1);
		},
	};
	if let Err(error) = runtime.block_on(run(cli)) {
		eprintln!("error: {error}");
		std::process::exit(error.exit_code());
	}
}
