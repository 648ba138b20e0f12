//! `job check MANIFEST`: everything that can be known before posting. The manifest is checked,
//! the program and inputs are prepared, task 0 runs here in the sandbox workers run it in, the
//! chain's dry run says which providers could take the job (and if none, why), and the cost is
//! worked out against the account's balance.

use crate::{
	error::CliError,
	manifest::{self, Manifest},
	prepare::{self, Prepared},
	serve,
	settings::Settings,
	watch::explain,
};
use conun_client::{con::format_con, limits::MarketLimits, market::Provider, Chain};
use conun_net::BlobStore;
use conun_primitives::{MatchQuery, MatchReport, Program, RuntimeKind, TaskStatus, Unassignable};
use conun_sandbox::{wasm_limits, WasmExecutor};

/// Runs task 0 locally (wasm only), on the program and input `prepare` put in `store`: what it
/// prints, how it ends and how much fuel it burns.
fn dry_run(
	manifest: &Manifest,
	prepared: &Prepared,
	store: &BlobStore,
) -> Result<Option<String>, CliError> {
	let Program::Wasm { ref entry_point, fuel, .. } = prepared.program else { return Ok(None) };
	let Some(limits) = wasm_limits(&prepared.program, &manifest.terms.resources) else {
		return Ok(None);
	};
	let Some(first) = prepared.inputs.first() else { return Ok(None) };
	let program = store.read(prepared.program.hash())?;
	let input = store.read(first.hash)?;
	let run = WasmExecutor::new().run(&program, &entry_point[..], &input, limits);
	let status = run.output.status;
	let mut report = format!(
		"task 0 here: {status:?}, {} fuel of {fuel} ({:.1} %), {} bytes out, {:.2?}",
		run.fuel_used,
		run.fuel_used as f64 * 100.0 / fuel as f64,
		run.output.stdout.len(),
		run.elapsed
	);
	if !status.is_success() {
		report.push_str(&format!(
			"\n  warning: task 0 does not succeed ({status:?}); such results are verified and paid for all the same"
		));
		if !run.stderr.is_empty() {
			report.push_str(&format!(
				"\n  its stderr: {}",
				String::from_utf8_lossy(&run.stderr).trim()
			));
		}
	} else if status == TaskStatus::Exited(0) && run.fuel_used > fuel / 2 {
		report
			.push_str("\n  warning: task 0 burns more than half its fuel; other tasks may run out");
	}
	Ok(Some(report))
}

/// A fix for each reason nobody can take the job, from the providers' offers.
fn advice(
	reason: Unassignable,
	manifest: &Manifest,
	providers: &[(subxt::utils::AccountId32, Provider)],
) -> String {
	let terms = &manifest.terms;
	let runtime = match manifest.program {
		manifest::ProgramSpec::Wasm { .. } => RuntimeKind::Wasm,
		_ => RuntimeKind::Docker,
	};
	let with_runtime: Vec<&Provider> = providers
		.iter()
		.map(|(_, p)| p)
		.filter(|p| p.capabilities.runtimes.contains(runtime))
		.collect();
	match reason {
		Unassignable::NoProviderWithRuntime => format!(
			"no provider offers {runtime} ({} registered); use the other runtime, or wait for one",
			providers.len()
		),
		Unassignable::PriceTooLow => match with_runtime.iter().map(|p| p.price_floor).min() {
			Some(floor) => format!(
				"the lowest price floor is {}: raise `price` to at least that",
				format_con(floor)
			),
			None => "raise `price`".into(),
		},
		Unassignable::InsufficientResources => {
			let cores =
				with_runtime.iter().map(|p| p.capabilities.resources.cores).max().unwrap_or(0);
			let memory = with_runtime
				.iter()
				.map(|p| p.capabilities.resources.memory_mib)
				.max()
				.unwrap_or(0);
			format!(
				"the job asks {} cores, {} MiB and {} GPUs per task; the largest offers are {cores} cores and {memory} MiB",
				terms.resources.cores, terms.resources.memory_mib, terms.resources.gpus
			)
		},
		Unassignable::ReputationTooLow => {
			let best = with_runtime.iter().map(|p| p.standing.reputation).max().unwrap_or(0);
			format!(
				"the best reputation is {best}: lower `min_reputation` ({})",
				terms.min_reputation
			)
		},
		Unassignable::TooFewDistinctProviders => {
			format!("lower `replicas` ({}) or wait for more providers", terms.replicas)
		},
		Unassignable::NoSpareCapacity => {
			"wait: providers take new tasks as they finish others".into()
		},
	}
}

fn print_report(report: &MatchReport) {
	crate::outln!(
		"providers: {} registered, {} eligible now; without the runtime {}, unavailable {}, too small {}, price floor too high {}, reputation too low {}",
		report.providers,
		report.eligible,
		report.without_runtime,
		report.unavailable,
		report.insufficient_resources,
		report.price_too_low,
		report.reputation_too_low
	);
}

/// `job check MANIFEST`.
pub async fn check(settings: &Settings, path: &std::path::Path) -> Result<(), CliError> {
	let chain = match settings.key {
		Some(_) => Chain::connect(&settings.node, settings.keypair()?).await?,
		None => Chain::connect_read_only(&settings.node).await?,
	};
	let at = chain.at_best().await?;
	let limits = MarketLimits::at(&at)?;
	let manifest = manifest::load(path, &limits)?;
	let store = serve::open_store(settings)?;
	let prepared = prepare::prepare(&manifest, &store, &settings.data_dir.join("images")).await?;
	let terms = manifest.terms;
	let tasks = prepared.inputs.len() as u32;
	crate::outln!(
		"{}: {tasks} tasks, {} bytes of inputs; program {:?} ({} bytes); R = {}, {} per replica",
		manifest.name,
		prepared.input_bytes(),
		prepared.program.hash(),
		prepared.program.size(),
		terms.replicas,
		format_con(terms.price)
	);
	if let Some(report) = dry_run(&manifest, &prepared, &store)? {
		crate::outln!("{report}");
	}
	let query = MatchQuery {
		runtime: prepared.program.runtime(),
		resources: terms.resources,
		replicas: terms.replicas,
		price: terms.price,
		min_reputation: terms.min_reputation,
	};
	let report = chain.match_job(&at, query).await?;
	print_report(&report);
	let cost = limits.cost(tasks, terms.replicas, terms.price);
	let held = cost.escrow + cost.deposit;
	crate::outln!(
		"cost: {} held in escrow while it runs, {} paid if every replica agrees, the rest refunded; {} storage deposit, returned when the chain prunes the job ({} blocks after it ends)",
		format_con(cost.escrow),
		format_con(cost.paid),
		format_con(cost.deposit),
		limits.retention_period
	);
	if settings.key.is_some() {
		let fee = chain
			.post_job_fee(
				prepared.program.clone(),
				prepared.inputs.clone(),
				terms,
				Default::default(),
			)
			.await?;
		let balance = chain.balance_of(&at, chain.account()).await?;
		let spendable = balance.free.saturating_sub(balance.frozen);
		crate::outln!(
			"fee to post: about {}; {} can spend {}",
			format_con(fee),
			chain.account(),
			format_con(spendable)
		);
		if spendable < held + fee {
			return Err(CliError::Unrunnable(format!(
				"the account cannot pay: it needs {} and has {}",
				format_con(held + fee),
				format_con(spendable)
			)));
		}
	}
	if let Some(reason) = report.unassignable {
		let providers = chain.providers(&at).await?;
		return Err(CliError::Unrunnable(format!(
			"nobody can take this job now: {} ({reason:?})\n  fix: {}",
			explain(reason),
			advice(reason, &manifest, &providers)
		)));
	}
	crate::outln!("ok: {} providers could take its replicas now", report.eligible);
	Ok(())
}
