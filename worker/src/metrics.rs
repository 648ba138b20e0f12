//! Prometheus metrics, served on `http://<metrics address>/metrics` by the same endpoint crate
//! conun-node uses.

use polkadot_sdk::substrate_prometheus_endpoint::{
	exponential_buckets, init_prometheus, register, CounterVec, Gauge, Histogram,
	HistogramOpts, HistogramVec, Opts, PrometheusError, Registry, U64,
};
use std::net::SocketAddr;

/// Every metric the worker exports.
#[derive(Clone)]
pub struct Metrics {
	pub registry: Registry,
	/// Tasks that reached a phase, by phase and outcome (`executed` by exit status,
	/// `committed`, `revealed`, `closed`, `failed` with the reason).
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
			CounterVec::new(Opts::new("tasks_total", "Tasks that reached a phase"), &["phase", "outcome"])?,
			&registry,
		)?;
		let running = register(Gauge::new("tasks_running", "Tasks being fetched or run")?, &registry)?;
		let execution_seconds = register(
			HistogramVec::new(
				HistogramOpts::new("execution_seconds", "Time to run one task in its sandbox")
					.buckets(exponential_buckets(0.001, 4.0, 10)?),
				&["runtime"],
			)?,
			&registry,
		)?;
		let bytes_fetched =
			register(Gauge::new("bytes_fetched_total", "Blob bytes fetched from peers")?, &registry)?;
		let bytes_served =
			register(Gauge::new("bytes_served_total", "Blob bytes served to peers")?, &registry)?;
		let earned = register(Gauge::new("earned", "CON earned, in the smallest unit")?, &registry)?;
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

	/// Counts a task reaching `phase` with `outcome`.
	pub fn task(&self, phase: &str, outcome: &str) {
		self.tasks.with_label_values(&[phase, outcome]).inc();
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
