//! The `job` commands that post, follow and settle a job, and `serve`, which keeps a detached
//! job's program and inputs available to workers.

use crate::{
	error::CliError,
	format::seconds,
	job_records::JobRecord,
	manifest::{self, Reduce},
	prepare, reduce, results, serve,
	settings::Settings,
	spot_check,
	watch::{self, NodeSource, Outcome, Until},
};
use conun_client::{con::format_con, limits::MarketLimits, market::PrunedJob, Chain};
use conun_net::NetHandle;
use conun_primitives::{JobId, JobState};
use serde::Serialize;
use std::{path::Path, time::Duration};

/// How `job submit` behaves after posting.
pub struct SubmitOptions<'a> {
	pub detach: bool,
	pub out: Option<&'a Path>,
	pub quiet: bool,
	/// Wait until every verdict is final, even those only the requester could challenge.
	pub wait_final: bool,
	/// Tasks to run again here, at random, before downloading (see [`spot_check`]).
	pub spot_checks: usize,
}

/// `job submit MANIFEST`: prepares, posts, then (unless detached) serves the program and inputs
/// while watching the job to its end, and downloads and reduces the results into `out`.
pub async fn submit(
	settings: &Settings,
	path: &Path,
	options: SubmitOptions<'_>,
) -> Result<(), CliError> {
	let chain = Chain::connect(&settings.node, settings.keypair()?).await?;
	let manifest = manifest::load(path, &MarketLimits::at(&chain.at_best().await?)?)?;
	let store = serve::open_store(settings)?;
	let prepared = prepare::prepare(&manifest, &store, &settings.data_dir.join("images")).await?;
	let net = serve::start(settings, store).await?;
	let contact = serve::contact(&net, settings).await?;
	let before = chain.balance_of(&chain.at_best().await?, chain.account()).await?;
	let (job, budget) = chain
		.post_job(prepared.program.clone(), prepared.inputs.clone(), manifest.terms, contact)
		.await
		.map_err(|e| CliError::Unrunnable(format!("the chain refused the job: {e}")))?;
	let record = JobRecord { job, reduce: manifest.reduce };
	record.save(&settings.data_dir)?;
	crate::outln!(
		"job {job} posted: {} tasks × {} replicas, {} held in escrow (follow it with `conun job watch {job}`)",
		prepared.inputs.len(),
		manifest.terms.replicas,
		format_con(budget)
	);
	if options.detach {
		crate::outln!(
			"detached: workers fetch the program and inputs from this machine, so keep serving until the job ends:\n  conun serve --listen {} --data-dir {}",
			settings.listen,
			settings.data_dir.display()
		);
		return Ok(());
	}
	// The watch reads on a connection of its own, which it may open again.
	let mut source = NodeSource::open(&settings.node).await?;
	let outcome = tokio::select! {
		outcome = watch::watch(&mut source, job, if options.wait_final { Until::Finished } else { Until::Undisputed }, options.quiet) => outcome?,
		_ = tokio::signal::ctrl_c() => {
			return Err(CliError::Usage(format!(
				"stopped watching job {job}, which is still open: `conun serve` keeps serving its inputs, `conun job cancel {job}` refunds the tasks not yet run"
			)));
		},
	};
	let at = chain.at_best().await?;
	let after = chain.balance_of(&at, chain.account()).await?;
	// Payments come out of the escrow held at posting: what left the free balance is the fees,
	// the payments and what is still held for verdicts not yet final.
	let (held, deposit) = chain
		.job(&at, job)
		.await?
		.map(|view| (view.escrow, view.deposit))
		.unwrap_or_default();
	let spent = before
		.free
		.saturating_sub(after.free)
		.saturating_sub(held)
		.saturating_sub(deposit);
	summary(&outcome, Some(Spent { spent, held, deposit }), net.stats().bytes_served);
	check_some(&chain, &net, job, options.spot_checks).await?;
	finish(&chain, &net, &outcome, job, options.out, manifest.reduce).await
}

/// Downloads and reduces a finished job's results when `out` is given; fails when tasks did not
/// verify.
async fn finish(
	chain: &Chain,
	net: &NetHandle,
	outcome: &Outcome,
	job: JobId,
	out: Option<&Path>,
	how: Reduce,
) -> Result<(), CliError> {
	if let Some(out) = out {
		let outputs = results::download(chain, net, job, out).await?;
		crate::outln!("results of job {job} in {}", out.display());
		crate::outln!("{}", reduce::reduce(how, &outputs, out)?);
	}
	// Read again: a spot check's challenge may have changed a verdict since the watch ended.
	let at = chain.at_best().await?;
	let (tasks, view) = (chain.tasks(&at, job).await?, chain.job(&at, job).await?);
	let verified = tasks.iter().filter(|t| t.phase.result().is_some()).count() as u32;
	let view = view.unwrap_or_else(|| outcome.job.clone());
	if verified < view.tasks {
		return Err(CliError::Incomplete(format!(
			"job {job}: {verified} of {} tasks verified ({} failed, {} cancelled); `conun job logs {job} TASK` says why",
			view.tasks, view.failed, view.cancelled
		)));
	}
	Ok(())
}

/// What posting a job took from the account, as a watch ends.
struct Spent {
	/// Fees and payments, refunds deducted.
	spent: u128,
	/// Still held in escrow, for verdicts not yet final.
	held: u128,
	/// Held for the job's storage until it is pruned.
	deposit: u128,
}

/// The closing lines of a watch; `spent` is what the account spent so far and still holds,
/// when this machine posted the job.
fn summary(outcome: &Outcome, spent: Option<Spent>, served: u64) {
	let (job, progress) = (&outcome.job, &outcome.progress);
	crate::outln!(
		"finished: {}/{} tasks verified, {} failed, {} cancelled, in {} blocks ({})",
		progress.verified + progress.provisional,
		job.tasks,
		job.failed,
		job.cancelled,
		outcome.blocks,
		seconds(outcome.elapsed)
	);
	if let (Some(until), true) = (progress.open_until, progress.provisional > 0) {
		crate::outln!(
			"{} of them open to challenge until block {until}: every replica that revealed agreed, so only you could still challenge them (`conun job watch {}` follows them until they are final and paid)",
			progress.provisional, outcome.id
		);
	}
	let mut line = format!("CON paid to providers: {}", format_con(outcome.progress.paid));
	if progress.provisional > 0 {
		line.push_str(" so far (open verdicts are paid when final)");
	}
	if let Some(Spent { spent, held, deposit }) = spent {
		line.push_str(&format!(
			"; the account spent {} (fees included, refunds deducted)",
			format_con(spent)
		));
		if held > 0 {
			line.push_str(&format!(" and holds {} in escrow until the job ends", format_con(held)));
		}
		if deposit > 0 {
			line.push_str(&format!(
				"; its storage deposit of {} comes back when the chain prunes the job, after its retention period",
				format_con(deposit)
			));
		}
	}
	crate::outln!("{line}; {served} bytes served to workers");
}

/// `job watch JOB`: follows a job to its end (serving its inputs if this machine posted it).
pub async fn watch(settings: &Settings, job: JobId, out: Option<&Path>) -> Result<(), CliError> {
	let chain = Chain::connect_read_only(&settings.node).await?;
	let record = JobRecord::load(&settings.data_dir, job)?;
	let net = serve::start(settings, serve::open_store(settings)?).await?;
	let outcome =
		watch::watch(&mut NodeSource::open(&settings.node).await?, job, Until::Finished, false)
			.await?;
	summary(&outcome, None, net.stats().bytes_served);
	finish(&chain, &net, &outcome, job, out, record.map(|r| r.reduce).unwrap_or_default()).await
}

#[derive(Serialize)]
struct StatusJson {
	job: JobId,
	owner: String,
	state: String,
	runtime: String,
	program: String,
	tasks: u32,
	replicas: u32,
	price: String,
	escrow: String,
	/// Held for the job's storage until it is pruned.
	deposit: String,
	posted_at: u32,
	block: u64,
	waiting: u32,
	running: u32,
	revealing: u32,
	/// Tasks whose verdict is still open to challenge (verified, not yet final or paid).
	open_to_challenge: u32,
	verified: u32,
	failed: u32,
	cancelled: u32,
	assigned_replicas: u32,
	committed_replicas: u32,
	revealed_replicas: u32,
	paid: String,
	/// Why waiting tasks wait, when the chain said so.
	stalled: Vec<String>,
}

/// `job status` of a job the chain pruned: what its record says.
fn pruned(job: JobId, record: &PrunedJob, json: bool) -> Result<(), CliError> {
	if json {
		let value = serde_json::json!({
			"job": job,
			"state": "pruned",
			"owner": record.owner.to_string(),
			"tasks": record.tasks,
			"verified": record.verified,
			"failed": record.failed,
			"cancelled": record.cancelled,
			"results_chain": format!("{:?}", record.results),
			"pruned_at": record.pruned_at,
		});
		crate::outln!("{}", serde_json::to_string_pretty(&value).map_err(std::io::Error::other)?);
		return Ok(());
	}
	crate::outln!("job {job} (pruned at block {}), owner {}", record.pruned_at, record.owner);
	crate::outln!(
		"  {} tasks: {} verified, {} failed, {} cancelled; its tasks left the chain after the retention period",
		record.tasks, record.verified, record.failed, record.cancelled
	);
	crate::outln!(
		"  results chain {:?}: the hash chain of every task's outcome, which proves results kept elsewhere (docs/protocol.md, Pruning)",
		record.results
	);
	Ok(())
}

/// `job status JOB [--json]`.
pub async fn status(settings: &Settings, job: JobId, json: bool) -> Result<(), CliError> {
	let chain = Chain::connect_read_only(&settings.node).await?;
	let at = chain.at_best().await?;
	let Some(view) = chain.job(&at, job).await? else {
		return match chain.job_record(&at, job).await? {
			Some(record) => pruned(job, &record, json),
			None => Err(CliError::Usage(format!("there is no job {job} on this chain"))),
		};
	};
	let tasks = chain.tasks(&at, job).await?;
	let progress = watch::Progress::of(&view, &tasks);
	let mut stalled: Vec<String> = tasks
		.iter()
		.filter(|t| t.phase == conun_primitives::TaskPhase::Waiting)
		.filter_map(|t| t.stalled)
		.map(|r| format!("{r:?}: {}", watch::explain(r)))
		.collect();
	stalled.sort();
	stalled.dedup();
	let status = StatusJson {
		job,
		owner: view.owner.to_string(),
		state: format!("{:?}", view.state).to_lowercase(),
		runtime: view.program.runtime().to_string(),
		program: format!("{:?}", view.program.hash()),
		tasks: view.tasks,
		replicas: view.replicas,
		price: format_con(view.price),
		escrow: format_con(view.escrow),
		deposit: format_con(view.deposit),
		posted_at: view.posted_at,
		block: at.block_number(),
		waiting: view.waiting,
		running: view.running,
		revealing: view.revealing,
		open_to_challenge: view.provisional,
		verified: view.verified,
		failed: view.failed,
		cancelled: view.cancelled,
		assigned_replicas: progress.assigned,
		committed_replicas: progress.committed,
		revealed_replicas: progress.revealed,
		paid: format_con(progress.paid),
		stalled,
	};
	if json {
		crate::outln!("{}", serde_json::to_string_pretty(&status).map_err(std::io::Error::other)?);
		return Ok(());
	}
	crate::outln!(
		"job {job} ({}), {} program {}, owner {}",
		status.state,
		status.runtime,
		status.program,
		status.owner
	);
	crate::outln!("  {} tasks × {} replicas at {} each; {} in escrow, {} storage deposit; posted at block {}, now {}", status.tasks, status.replicas, status.price, status.escrow, status.deposit, status.posted_at, status.block);
	crate::outln!(
		"  tasks: {} waiting, {} running, {} revealing, {} open to challenge, {} verified (final), {} failed, {} cancelled",
		status.waiting, status.running, status.revealing, status.open_to_challenge, status.verified, status.failed, status.cancelled
	);
	crate::outln!(
		"  replicas: {} assigned, {} committed, {} revealed; paid {}",
		status.assigned_replicas,
		status.committed_replicas,
		status.revealed_replicas,
		status.paid
	);
	for reason in &status.stalled {
		crate::outln!("  waiting: {reason}");
	}
	Ok(())
}

/// `job cancel JOB`.
pub async fn cancel(settings: &Settings, job: JobId) -> Result<(), CliError> {
	let chain = Chain::connect(&settings.node, settings.keypair()?).await?;
	chain.cancel_job(job).await?;
	crate::outln!("job {job} cancelled: tasks without a commitment end and are refunded over the next blocks; committed ones are still settled");
	Ok(())
}

/// `job results JOB --out DIR [--spot-check N]`.
pub async fn results(
	settings: &Settings,
	job: JobId,
	out: &Path,
	spot_checks: usize,
) -> Result<(), CliError> {
	let chain = if spot_checks > 0 {
		Chain::connect(&settings.node, settings.keypair()?).await?
	} else {
		Chain::connect_read_only(&settings.node).await?
	};
	let net = serve::start_fetcher(settings, serve::open_store(settings)?).await?;
	// First, so that the results downloaded are those of any verdict a challenge corrected.
	check_some(&chain, &net, job, spot_checks).await?;
	let outputs = results::download(&chain, &net, job, out).await?;
	let verified = outputs.iter().flatten().count();
	crate::outln!(
		"{verified} of {} results of job {job} fetched, checked against the chain, in {}",
		outputs.len(),
		out.display()
	);
	let tasks = chain.tasks(&chain.at_best().await?, job).await?;
	let open: Vec<u64> = tasks
		.iter()
		.filter_map(|t| match t.phase {
			conun_primitives::TaskPhase::Provisional { until, .. } => Some(u64::from(until)),
			_ => None,
		})
		.collect();
	match open.iter().max() {
		Some(until) => crate::outln!(
			"{} of them still open to challenge (the last until block {until}), the others final; summary.json says which",
			open.len()
		),
		None => crate::outln!("every result is final"),
	}
	let how = JobRecord::load(&settings.data_dir, job)?.map(|r| r.reduce).unwrap_or_default();
	crate::outln!("{}", reduce::reduce(how, &outputs, out)?);
	Ok(())
}

/// Runs `count` tasks of `job` here and challenges the open verdicts they contradict, so that
/// the chain's own run decides them; fails when a contradicted verdict was already final.
async fn check_some(
	chain: &Chain,
	net: &NetHandle,
	job: JobId,
	count: usize,
) -> Result<(), CliError> {
	if count == 0 {
		return Ok(());
	}
	let tasks = chain.tasks(&chain.at_best().await?, job).await?;
	let report = spot_check::spot_check(chain, net, job, &tasks, count).await?;
	crate::outln!(
		"spot check: {} tasks run here, {} agreed with their verdict",
		report.agreed.len() + report.challenged.len() + report.contradicted_final.len(),
		report.agreed.len()
	);
	if !report.challenged.is_empty() {
		crate::outln!(
			"tasks {:?} gave another result here than their verdict: challenged; the chain ran each itself and its result is now the verdict",
			report.challenged
		);
	}
	if report.contradicted_final.is_empty() {
		return Ok(());
	}
	Err(CliError::Incomplete(format!(
		"job {job}: tasks {:?} gave another result here than their verdict, which is final: too late to challenge (spot-check while verdicts are open: `job submit --spot-check N` does it before it returns)",
		report.contradicted_final
	)))
}

/// `job logs JOB TASK`.
pub async fn logs(settings: &Settings, job: JobId, task: u32) -> Result<(), CliError> {
	let chain = Chain::connect_read_only(&settings.node).await?;
	let net = serve::start_fetcher(settings, serve::open_store(settings)?).await?;
	results::logs(&chain, &net, job, task).await
}

/// `serve`: serves the program and inputs of every job this data directory posted, until all of
/// them have finished.
pub async fn serve_jobs(settings: &Settings) -> Result<(), CliError> {
	let chain = Chain::connect_read_only(&settings.node).await?;
	let net = serve::start(settings, serve::open_store(settings)?).await?;
	crate::outln!("serving as {} on {}", net.peer_id(), settings.listen);
	loop {
		let at = chain.at_best().await?;
		let mut open = Vec::new();
		for record in JobRecord::all(&settings.data_dir)? {
			if let Some(view) = chain.job(&at, record.job).await? {
				if view.state != JobState::Finished {
					open.push(record.job);
				}
			}
		}
		if open.is_empty() {
			crate::outln!("no open job left to serve; {} bytes served", net.stats().bytes_served);
			return Ok(());
		}
		tracing::info!("serving jobs {open:?}");
		tokio::select! {
			_ = tokio::time::sleep(Duration::from_secs(6)) => {},
			_ = tokio::signal::ctrl_c() => {
				crate::outln!("stopped; jobs {open:?} are still open and their workers cannot fetch from this machine now");
				return Ok(());
			},
		}
	}
}

/// `put FILE`: imports a file into the store and prints its content hash.
pub fn put(settings: &Settings, file: &Path) -> Result<(), CliError> {
	let store = serve::open_store(settings)?;
	let (hash, size) = store
		.import_file(file)
		.map_err(|e| CliError::Usage(format!("{}: {e}", file.display())))?;
	crate::outln!("{hash:?} {size}");
	Ok(())
}
