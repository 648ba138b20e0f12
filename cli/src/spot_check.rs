//! `job results --spot-check N`: the requester runs N of its wasm tasks again on this machine,
//! chosen at random, in the sandbox every worker and the chain's referee run, and challenges
//! every open verdict its own run contradicts.
//!
//! Replicas challenge a verdict they revealed against (the worker does it by itself). When
//! every replica of a task colluded, none does, and only the job's owner can: a spot check is
//! how it finds out. The colluders cannot tell which tasks will be checked, so with k of T
//! tasks faked, checking N finds at least one with probability 1 − C(T−k, N) / C(T, N).

use crate::{error::CliError, results::Contacts};
use conun_client::{market::TaskRecord, Chain};
use conun_net::{
	libp2p::{Multiaddr, PeerId},
	NetHandle,
};
use conun_primitives::{JobId, Program, TaskPhase, TaskRef};
use conun_sandbox::{wasm_limits, WasmExecutor};
use subxt::utils::H256;

type Peer = (PeerId, Vec<Multiaddr>);

/// What a spot check found.
#[derive(Debug, Default)]
pub struct Report {
	/// Tasks run here whose result is the verdict's.
	pub agreed: Vec<u32>,
	/// Tasks whose open verdict this run contradicted, challenged (the chain's referee then
	/// decides).
	pub challenged: Vec<u32>,
	/// Tasks whose verdict this run contradicted after it had become final: too late to
	/// challenge.
	pub contradicted_final: Vec<u32>,
}

/// Picks `count` tasks of `job` with a verdict at random, runs each here and challenges every
/// open verdict its result contradicts. `chain` signs the challenges (it must be the job's
/// owner's, or a replica's, account); `net` fetches the program and inputs not held here.
pub async fn spot_check(
	chain: &Chain,
	net: &NetHandle,
	job: JobId,
	tasks: &[TaskRecord],
	count: usize,
) -> Result<Report, CliError> {
	let at = chain.at_best().await?;
	let Some(spec) = chain.job_spec(&at, job).await? else {
		return Err(CliError::Usage(format!("there is no job {job} on this chain")));
	};
	let Program::Wasm { entry_point, .. } = &spec.program else {
		return Err(CliError::Usage(format!(
			"job {job} runs a docker image: a spot check runs wasm tasks only (docker verdicts are challenged by escalation)"
		)));
	};
	let Some(limits) = wasm_limits(&spec.program, &spec.resources) else {
		return Err(CliError::Usage(format!("job {job}'s program has no wasm limits")));
	};
	let decided: Vec<&TaskRecord> = tasks.iter().filter(|t| t.phase.result().is_some()).collect();
	let picked =
		rand::seq::index::sample(&mut rand::thread_rng(), decided.len(), count.min(decided.len()));
	let picked: Vec<&TaskRecord> =
		picked.into_iter().filter_map(|index| decided.get(index).copied()).collect();
	let requester: Vec<Peer> =
		conun_net::contact::from_contact(&spec.requester).into_iter().collect();
	let mut contacts = Contacts::new(chain, &at);
	let mut report = Report::default();
	let Some(first) = picked.first() else { return Ok(report) };
	let peers = peers_of(&mut contacts, &requester, first).await?;
	let program = blob(net, spec.program.hash(), spec.program.size(), peers).await?;
	for task in picked {
		let Some(verdict) = task.phase.result() else { continue };
		let peers = peers_of(&mut contacts, &requester, task).await?;
		let input = blob(net, task.input.hash, task.input.size, peers).await?;
		let run = WasmExecutor::new().run(&program, &entry_point[..], &input, limits);
		if run.output.result_hash() == verdict {
			report.agreed.push(task.index);
			continue;
		}
		match task.phase {
			TaskPhase::Provisional { .. } => {
				chain
					.challenge_wasm(
						TaskRef { job, task: task.index },
						program.clone(),
						input,
						run.fuel_used,
					)
					.await
					.map_err(|e| {
						CliError::Unrunnable(format!(
							"task {}: the challenge was refused: {e}",
							task.index
						))
					})?;
				report.challenged.push(task.index);
			},
			_ => report.contradicted_final.push(task.index),
		}
	}
	Ok(report)
}

/// Where a task's bytes are: the requester, and the task's replicas, which keep what they ran.
async fn peers_of(
	contacts: &mut Contacts<'_>,
	requester: &[Peer],
	task: &TaskRecord,
) -> Result<Vec<Peer>, CliError> {
	let mut peers = requester.to_vec();
	for replica in &task.replicas {
		peers.extend(contacts.of(&replica.provider).await?);
	}
	Ok(peers)
}

/// A blob by hash: from this machine's store, else from `peers` (the requester and the task's
/// replicas, which keep the programs and inputs they ran).
async fn blob(
	net: &NetHandle,
	hash: H256,
	size: u64,
	peers: Vec<Peer>,
) -> Result<Vec<u8>, CliError> {
	if let Ok(bytes) = net.store().read(hash) {
		return Ok(bytes);
	}
	// The fetch checks every chunk and the whole against `hash`.
	let path = net.fetch(hash, size, peers).await?;
	Ok(std::fs::read(path)?)
}
