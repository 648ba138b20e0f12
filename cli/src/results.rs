//! `job results` and `job logs`: verified outputs and task receipts, fetched over libp2p from the
//! providers that hold them, and checked against the chain.

use crate::error::CliError;
use codec::Decode;
use conun_client::{
	market::{ReplicaProgress, TaskRecord},
	AtBlock, Chain,
};
use conun_net::{
	libp2p::{Multiaddr, PeerId},
	protocol::{Request, Response},
	NetHandle,
};
use conun_primitives::{JobId, Receipt, TaskOutput, TaskPhase, MAX_LOG_BYTES, MAX_OUTPUT_BYTES};
use futures::StreamExt;
use serde::Serialize;
use std::{collections::HashMap, path::Path};
use subxt::utils::{AccountId32, H256};

/// The encoded output of a task is its stdout and files plus a few bytes of SCALE framing.
const MAX_RESULT_BLOB: u64 = MAX_OUTPUT_BYTES + 64;
/// Results fetched at once.
const PARALLEL_FETCHES: usize = 8;

/// Resolves providers' on-chain contacts, once each.
pub(crate) struct Contacts<'a> {
	chain: &'a Chain,
	at: &'a AtBlock,
	known: HashMap<[u8; 32], Option<(PeerId, Vec<Multiaddr>)>>,
}

impl<'a> Contacts<'a> {
	pub(crate) fn new(chain: &'a Chain, at: &'a AtBlock) -> Self {
		Self { chain, at, known: HashMap::new() }
	}

	pub(crate) async fn of(
		&mut self,
		who: &AccountId32,
	) -> Result<Option<(PeerId, Vec<Multiaddr>)>, CliError> {
		if let Some(known) = self.known.get(&who.0) {
			return Ok(known.clone());
		}
		let contact = self.chain.contact(self.at, who).await?;
		let peer = contact.and_then(|c| conun_net::contact::from_contact(&c).ok());
		self.known.insert(who.0, peer.clone());
		Ok(peer)
	}
}

#[derive(Serialize)]
struct TaskSummary {
	task: u32,
	phase: String,
	result: Option<String>,
	/// Whether the result is final; `false` while its verdict is open to challenge.
	#[serde(rename = "final")]
	is_final: bool,
	/// The last block a challenge can overturn the result in, while it is open.
	open_until: Option<u64>,
	status: Option<String>,
	file: Option<String>,
}

/// Downloads the verified output of every task of `job` into `out` (`<task>.out`, plus
/// `<task>.files.tar` when the program left files), with `summary.json` listing each task.
/// Returns the outputs in task order (`None`: no verified result).
pub async fn download(
	chain: &Chain,
	net: &NetHandle,
	job: JobId,
	out: &Path,
) -> Result<Vec<Option<TaskOutput>>, CliError> {
	let at = chain.at_best().await?;
	if chain.job(&at, job).await?.is_none() {
		return Err(CliError::Usage(format!("there is no job {job} on this chain")));
	}
	let tasks = chain.tasks(&at, job).await?;
	std::fs::create_dir_all(out)?;
	let mut contacts = Contacts::new(chain, &at);
	let mut wanted = Vec::new();
	for task in &tasks {
		if let Some(result) = task.phase.result() {
			let mut holders = Vec::new();
			for provider in task.holders_of(&result) {
				if let Some(peer) = contacts.of(&provider).await? {
					holders.push(peer);
				}
			}
			wanted.push((task.index, result, holders));
		}
	}
	let fetched: Vec<(u32, Result<TaskOutput, CliError>)> = futures::stream::iter(wanted)
		.map(
			|(index, result, holders)| async move { (index, fetch_output(net, result, holders).await) },
		)
		.buffer_unordered(PARALLEL_FETCHES)
		.collect()
		.await;
	let mut outputs: Vec<Option<TaskOutput>> = vec![None; tasks.len()];
	let mut errors = Vec::new();
	for (index, output) in fetched {
		match output {
			Ok(output) => {
				let file = out.join(format!("{index:05}.out"));
				std::fs::write(&file, &output.stdout)?;
				if !output.files.is_empty() {
					std::fs::write(out.join(format!("{index:05}.files.tar")), &output.files)?;
				}
				if let Some(slot) = outputs.get_mut(index as usize) {
					*slot = Some(output);
				}
			},
			Err(error) => errors.push(format!("task {index}: {error}")),
		}
	}
	let summary: Vec<TaskSummary> = tasks
		.iter()
		.map(|task| {
			let output = outputs.get(task.index as usize).and_then(|o| o.as_ref());
			TaskSummary {
				task: task.index,
				phase: phase_name(&task.phase),
				result: task.phase.result().map(|result| format!("{result:?}")),
				is_final: matches!(task.phase, TaskPhase::Verified { .. }),
				open_until: match task.phase {
					TaskPhase::Provisional { until, .. } => Some(until.into()),
					_ => None,
				},
				status: output.map(|o| format!("{:?}", o.status)),
				file: output.map(|_| format!("{:05}.out", task.index)),
			}
		})
		.collect();
	std::fs::write(
		out.join("summary.json"),
		serde_json::to_vec_pretty(&summary).map_err(std::io::Error::other)?,
	)?;
	if !errors.is_empty() {
		return Err(CliError::Net(format!(
			"{} verified results could not be fetched (providers keep results for their retention period, 24 h by default):\n  {}",
			errors.len(),
			errors.join("\n  ")
		)));
	}
	Ok(outputs)
}

/// Fetches one result from its holders and checks it against the hash the chain verified.
async fn fetch_output(
	net: &NetHandle,
	result: H256,
	holders: Vec<(PeerId, Vec<Multiaddr>)>,
) -> Result<TaskOutput, CliError> {
	if holders.is_empty() {
		return Err(CliError::Net("no provider of this task published a contact".into()));
	}
	// The fetch checks every chunk and the whole against `result`, the content hash the replicas
	// agreed on; decoding then re-derives it from the output as a second check.
	let path = net.fetch(result, MAX_RESULT_BLOB, holders).await?;
	let bytes = std::fs::read(path)?;
	let output = TaskOutput::decode(&mut &bytes[..])
		.map_err(|e| CliError::Net(format!("the result is not a task output: {e}")))?;
	if output.result_hash() != result {
		return Err(CliError::Net(format!("the result fetched does not hash to {result:?}")));
	}
	Ok(output)
}

pub fn phase_name<B: std::fmt::Debug>(phase: &TaskPhase<B>) -> String {
	match phase {
		TaskPhase::Waiting => "waiting".into(),
		TaskPhase::Running => "running".into(),
		TaskPhase::Revealing { .. } => "revealing".into(),
		TaskPhase::Provisional { until, .. } => {
			format!("verified, open to challenge until block {until:?}")
		},
		TaskPhase::Verified { .. } => "verified (final)".into(),
		TaskPhase::Failed { reason } => format!("failed ({reason:?})"),
		TaskPhase::Cancelled => "cancelled".into(),
	}
}

/// `job logs JOB TASK`: the task's phase, then each replica's receipt and logs, from the
/// provider that ran it.
pub async fn logs(chain: &Chain, net: &NetHandle, job: JobId, index: u32) -> Result<(), CliError> {
	let at = chain.at_best().await?;
	let Some(task): Option<TaskRecord> = chain.task(&at, job, index).await? else {
		return Err(CliError::Usage(format!("job {job} has no task {index}")));
	};
	crate::outln!("job {job} task {index}: {}", phase_name(&task.phase));
	if let Some(reason) = task.stalled {
		crate::outln!("  waiting because {}", crate::watch::explain(reason));
	}
	let mut contacts = Contacts::new(chain, &at);
	for replica in &task.replicas {
		let state = match replica.progress {
			ReplicaProgress::Assigned => "assigned".to_string(),
			ReplicaProgress::Committed => "committed".to_string(),
			ReplicaProgress::Revealed(result) => format!("revealed {result:?}"),
			ReplicaProgress::Missed => "missed its deadline".to_string(),
			ReplicaProgress::Superseded(result) => {
				format!("revealed {result:?} in an earlier round (no majority, or escalated)")
			},
			ReplicaProgress::OnTrial(result) => {
				format!("revealed {result:?}; the verdict is escalated, a fresh committee decides")
			},
			ReplicaProgress::Unavailable => {
				"could not fetch the program or input, and was released".to_string()
			},
		};
		crate::outln!(
			"\nprovider {} ({state}, assigned at block {})",
			replica.provider,
			replica.assigned_at
		);
		let Some((peer, addrs)) = contacts.of(&replica.provider).await? else {
			crate::outln!("  no contact published: cannot ask for its receipt");
			continue;
		};
		net.add_peer(peer, addrs.clone()).await?;
		let receipt = match net.request(peer, Request::Receipt { job, task: index }).await {
			Ok(Response::Receipt(bytes)) => match Receipt::decode(&mut &bytes[..]) {
				Ok(receipt) => receipt,
				Err(e) => {
					crate::outln!("  its receipt does not decode: {e}");
					continue;
				},
			},
			Ok(Response::NotFound) => {
				crate::outln!("  no receipt: the task's verdict is not final yet (receipts name the result, so none is given out before), it has not run the task, or its retention period is over");
				continue;
			},
			Ok(other) => {
				crate::outln!("  unexpected answer: {other:?}");
				continue;
			},
			Err(e) => {
				crate::outln!("  unreachable: {e}");
				continue;
			},
		};
		crate::outln!(
			"  status {:?}, work {}, read {} bytes, wrote {} bytes, result {:?}",
			receipt.status,
			receipt.work,
			receipt.bytes_in,
			receipt.bytes_out,
			receipt.result
		);
		match net.fetch(receipt.logs, MAX_LOG_BYTES, vec![(peer, addrs)]).await {
			Ok(path) => {
				let text = std::fs::read(path)?;
				if text.is_empty() {
					crate::outln!("  (no logs)");
				} else {
					crate::outln!("  logs:");
					for line in String::from_utf8_lossy(&text).lines() {
						crate::outln!("  | {line}");
					}
				}
			},
			Err(e) => crate::outln!("  logs unavailable: {e}"),
		}
	}
	Ok(())
}
