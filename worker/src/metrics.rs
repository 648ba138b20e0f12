//! Prometheus metrics, served on `http://<metrics address>/metrics` by the same endpoint crate
//! conun-node uses.

use conun_primitives::TaskStatus;
use polkadot_sdk::substrate_prometheus_endpoint::{
	exponential_buckets, init_prometheus, register, CounterVec, Gauge, Histogram, HistogramOpts,
	HistogramVec, Opts, PrometheusError, Registry, U64,
};
use std::net::SocketAddr;

/// The `phase` label of `tasks_total`: how far a task got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Milestone {
	Executed,
	Committed,
	Revealed,
	Challenged,
	Closed,
}

impl Milestone {
	pub fn label(self) -> &'static str {
		match self {
			Milestone::Executed => "executed",
			Milestone::Committed => "committed",
			Milestone::Revealed => "revealed",
			Milestone::Challenged => "challenged",
			Milestone::Closed => "closed",
		}
	}
}

/// The `outcome` label of `tasks_total`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
	Ok,
	/// The worker could not do its part (fetching, running, sending).
	Error,
	/// The task ran, and ended this way.
	Ran(TaskStatus),
	/// Closed after its reveal: the verdict settled it.
	Settled,
	/// Closed before its reveal: reassigned, cancelled or failed.
	Dropped,
}

impl Outcome {
	pub fn label(self) -> &'static str {
		match self {
			Outcome::Ok => "ok",
			Outcome::Error => "error",
			Outcome::Settled => "settled",
			Outcome::Dropped => "dropped",
			Outcome::Ran(TaskStatus::Exited(0)) => "success",
			Outcome::Ran(TaskStatus::Exited(_)) => "exit_error",
			Outcome::Ran(TaskStatus::OutOfFuel) => "out_of_fuel",
			Outcome::Ran(TaskStatus::MemoryExceeded) => "memory_exceeded",
			Outcome::Ran(TaskStatus::Trapped) => "trapped",
			Outcome::Ran(TaskStatus::TimedOut) => "timed_out",
			Outcome::Ran(TaskStatus::OutputTooLarge) => "output_too_large",
			Outcome::Ran(TaskStatus::InvalidProgram) => "invalid_program",
		}
	}
}

/// The `outcome` label of `transactions_total`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sent {
	/// The node took it into its pool.
	Sent,
	/// The node refused it.
	Refused,
	/// It is in a block.
	InBlock,
	/// It failed in its block, or never reached one in time.
	Failed,
}

impl Sent {
	pub fn label(self) -> &'static str {
		match self {
			Sent::Sent => "sent",
			Sent::Refused => "refused",
			Sent::InBlock => "in_block",
			Sent::Failed => "failed",
		}
	}
}

/// Every metric the worker exports.
#[derive(Clone)]
pub struct Metrics {
	pub registry: Registry,
	/// Tasks that reached a phase, by [`Milestone`] and [`Outcome`].
	pub tasks: CounterVec<U64>,
	/// Tasks being fetched or run now.
	pub running: Gauge<U64>,
	/// How long running a task took (fetching excluded), by runtime.
	pub execution_seconds: HistogramVec,
	/// Blob bytes fetched from peers and served to them.
	pub bytes_fetched: Gauge<U64>,
	pub bytes_served: Gauge<U64>,
	/// CON earned by the provider, in its smallest unit, as the chain records it.
	pub earned: Gauge<U64>,
	/// Blocks between the node's best block and the last block the worker handled.
	pub chain_lag: Gauge<U64>,
	/// The last block the worker handled.
	pub block: Gauge<U64>,
	/// Commit and reveal transactions sent, and those the chain refused or failed.
	pub transactions: CounterVec<U64>,
	/// How long a task took from its assignment being seen to its commitment being sent.
	pub latency: Histogram,
}

impl Metrics {
	pub fn new() -> Result<Self, PrometheusError> {
		let registry = Registry::new_custom(Some("conun_worker".into()), None)?;
		let tasks = register(
			CounterVec::new(
				Opts::new("tasks_total", "Tasks that reached a phase"),
				&["phase", "outcome"],
			)?,
			&registry,
		)?;
		let running =
			register(Gauge::new("tasks_running", "Tasks being fetched or run")?, &registry)?;
		let execution_seconds = register(
			HistogramVec::new(
				HistogramOpts::new("execution_seconds", "Time to run one task in its sandbox")
					.buckets(exponential_buckets(0.001, 4.0, 10)?),
				&["runtime"],
			)?,
			&registry,
		)?;
		let bytes_fetched = register(
			Gauge::new("bytes_fetched_total", "Blob bytes fetched from peers")?,
			&registry,
		)?;
		let bytes_served =
			register(Gauge::new("bytes_served_total", "Blob bytes served to peers")?, &registry)?;
		let earned =
			register(Gauge::new("earned", "CON earned, in the smallest unit")?, &registry)?;
		let chain_lag = register(
			Gauge::new("chain_lag_blocks", "Best block minus the last block the worker handled")?,
			&registry,
		)?;
		let block = register(Gauge::new("block", "The last block the worker handled")?, &registry)?;
		let transactions = register(
			CounterVec::new(
				Opts::new("transactions_total", "Commit and reveal transactions"),
				&["call", "outcome"],
			)?,
			&registry,
		)?;
		let latency = register(
			Histogram::with_opts(
				HistogramOpts::new(
					"assignment_to_commit_seconds",
					"From an assignment being seen to its commitment being sent",
				)
				.buckets(exponential_buckets(0.01, 3.0, 10)?),
			)?,
			&registry,
		)?;
		Ok(Self {
			registry,
			tasks,
			running,
			execution_seconds,
			bytes_fetched,
			bytes_served,
			earned,
			chain_lag,
			block,
			transactions,
			latency,
		})
	}

	/// Counts a task reaching `milestone` with `outcome`.
	pub fn task(&self, milestone: Milestone, outcome: Outcome) {
		self.tasks.with_label_values(&[milestone.label(), outcome.label()]).inc();
	}

	/// Counts a transaction of `call` and what became of it.
	pub fn transaction(&self, call: &str, outcome: Sent) {
		self.transactions.with_label_values(&[call, outcome.label()]).inc();
	}

	/// Serves the metrics on `addr` until the process ends.
	pub fn serve(&self, addr: SocketAddr) {
		let registry = self.registry.clone();
		tokio::spawn(async move {
			if let Err(error) = init_prometheus(addr, registry).await {
				tracing::error!(%addr, %error, "metrics endpoint stopped");
			}
		});
	}
}
