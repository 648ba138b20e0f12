//! # Conun primitives
//!
//! The vocabulary of the compute market, shared by the runtime (`pallet-market`), the provider
//! daemon (`conun-worker`) and the requester CLI (`conun`):
//!
//! - what a provider offers ([`Capabilities`], [`Contact`]) and what a job needs ([`Program`],
//!   [`Resources`], [`TaskInput`], [`Deadlines`]);
//! - the phases a job, a task and a provider go through ([`JobState`], [`TaskPhase`],
//!   [`ProviderStatus`]) and why a task could not be assigned ([`Unassignable`]);
//! - the commitment scheme of commit-reveal voting ([`commitment`]);
//! - the runtime API that answers what a worker or CLI asks often ([`ComputeMarketApi`]);
//! - how blobs are named, so that every chunk can be checked on arrival ([`content_hash`]);
//! - what a task produces, whose content hash replicas vote on ([`TaskOutput`]).
//!
//! Every bound here is a fixed constant so that off-chain code can build valid values without
//! asking the chain. Bounds the runtime chooses (tasks per job, replicas, batch sizes) are
//! pallet constants instead and appear in the metadata.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod blob;
mod output;
pub use blob::{chunk_count, chunk_hash, content_hash, hash_of_chunks, ContentHasher, CHUNK_SIZE};
pub use output::{Receipt, TaskOutput, TaskStatus, MAX_LOG_BYTES, MAX_OUTPUT_BYTES};

use alloc::vec::Vec;
use codec::{Codec, Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use polkadot_sdk::{
	sp_core::{ConstU32, H256},
	sp_runtime::BoundedVec,
};
use scale_info::TypeInfo;
#[cfg(feature = "std")]
use serde::{Deserialize, Serialize};

/// Identifies a job. Job ids count up from 0 and are never reused.
pub type JobId = u64;
/// The position of a task within its job, from 0.
pub type TaskIndex = u32;
/// The random bytes a replica mixes into its commitment so that the commitment reveals nothing.
pub type Salt = [u8; 32];

/// The longest wasm entry point name, in bytes.
pub const MAX_ENTRY_POINT_LEN: u32 = 64;
/// The longest docker command or argument, in bytes.
pub const MAX_ARG_LEN: u32 = 256;
/// The most docker arguments a job may pass.
pub const MAX_ARGS: u32 = 32;
/// The longest libp2p peer id, in bytes (an ed25519 peer id takes 38).
pub const MAX_PEER_ID_LEN: u32 = 64;
/// The longest libp2p multiaddress, in bytes of its binary form.
pub const MAX_ADDR_LEN: u32 = 128;
/// The most multiaddresses a provider or requester may publish.
pub const MAX_ADDRS: u32 = 8;
/// The longest GPU model name, in bytes.
pub const MAX_GPU_MODEL_LEN: u32 = 64;

/// Bytes bounded by `N`.
pub type Bytes<const N: u32> = BoundedVec<u8, ConstU32<N>>;

/// One task of a job: the job and the task's position in it. This is what a commitment binds.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
#[cfg_attr(feature = "std", derive(Serialize, Deserialize))]
pub struct TaskRef {
	pub job: JobId,
	pub task: TaskIndex,
}

/// A sandbox a provider can run tasks in.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
#[cfg_attr(feature = "std", derive(Serialize, Deserialize))]
pub enum RuntimeKind {
	/// A WebAssembly module run by wasmi, metered by fuel.
	#[codec(index = 0)]
	Wasm,
	/// A container image tarball run by Docker.
	#[codec(index = 1)]
	Docker,
}

impl RuntimeKind {
	/// Every runtime, in index order.
	pub const ALL: [RuntimeKind; 2] = [RuntimeKind::Wasm, RuntimeKind::Docker];

	/// The runtime's name in manifests, configuration, logs and tables: `wasm` or `docker`.
	pub const fn name(self) -> &'static str {
		match self {
			RuntimeKind::Wasm => "wasm",
			RuntimeKind::Docker => "docker",
		}
	}
}

impl core::fmt::Display for RuntimeKind {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		f.write_str(self.name())
	}
}

/// A runtime name that is neither `wasm` nor `docker`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnknownRuntime;

impl core::fmt::Display for UnknownRuntime {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		f.write_str("unknown runtime (expected wasm or docker)")
	}
}

impl core::str::FromStr for RuntimeKind {
	type Err = UnknownRuntime;

	fn from_str(name: &str) -> Result<Self, UnknownRuntime> {
		RuntimeKind::ALL
			.into_iter()
			.find(|kind| kind.name() == name)
			.ok_or(UnknownRuntime)
	}
}

/// The runtimes a provider offers.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	Default,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
#[cfg_attr(feature = "std", derive(Serialize, Deserialize))]
pub struct RuntimeSet {
	pub wasm: bool,
	pub docker: bool,
}

impl RuntimeSet {
	/// Whether `kind` is offered.
	pub fn contains(&self, kind: RuntimeKind) -> bool {
		match kind {
			RuntimeKind::Wasm => self.wasm,
			RuntimeKind::Docker => self.docker,
		}
	}

	/// Whether no runtime is offered.
	pub fn is_empty(&self) -> bool {
		!self.wasm && !self.docker
	}

	/// The offered runtimes, in index order.
	pub fn kinds(&self) -> impl Iterator<Item = RuntimeKind> + '_ {
		RuntimeKind::ALL.into_iter().filter(|kind| self.contains(*kind))
	}
}

/// What one task needs of the machine that runs it.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	Default,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
#[cfg_attr(feature = "std", derive(Serialize, Deserialize))]
pub struct Resources {
	/// CPU cores.
	pub cores: u32,
	/// Memory in MiB.
	pub memory_mib: u32,
	/// GPUs.
	pub gpus: u32,
}

/// What a provider lends: the machine per task, how many tasks at once, and which runtimes.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Default,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
#[cfg_attr(feature = "std", derive(Serialize, Deserialize))]
pub struct Capabilities {
	/// CPU cores, memory and GPUs one task may use.
	pub resources: Resources,
	/// The GPU model, as the vendor names it (empty without GPUs).
	pub gpu_model: Bytes<MAX_GPU_MODEL_LEN>,
	/// The runtimes offered.
	pub runtimes: RuntimeSet,
	/// How many tasks the provider runs at once. Assignments stop while this many are running.
	pub max_tasks: u32,
}

impl Capabilities {
	/// Whether one task needing `needs` fits this provider.
	pub fn covers(&self, needs: &Resources) -> bool {
		self.resources.cores >= needs.cores
			&& self.resources.memory_mib >= needs.memory_mib
			&& self.resources.gpus >= needs.gpus
	}
}

/// How to reach a party over libp2p: its peer id and the multiaddresses it listens on, both in
/// their binary forms.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Default,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
#[cfg_attr(feature = "std", derive(Serialize, Deserialize))]
pub struct Contact {
	pub peer_id: Bytes<MAX_PEER_ID_LEN>,
	pub addrs: BoundedVec<Bytes<MAX_ADDR_LEN>, ConstU32<MAX_ADDRS>>,
}

/// The program every task of a job runs, named by the blake2-256 hash of its bytes.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
#[cfg_attr(feature = "std", derive(Serialize, Deserialize))]
pub enum Program {
	/// A WebAssembly module.
	#[codec(index = 0)]
	Wasm {
		/// Hash of the module's bytes.
		hash: H256,
		/// Size of the module in bytes.
		size: u64,
		/// The exported function to call.
		entry_point: Bytes<MAX_ENTRY_POINT_LEN>,
		/// The most fuel (wasmi's unit of work) one task may burn.
		fuel: u64,
	},
	/// A container image, saved as a tarball (`docker save`).
	#[codec(index = 1)]
	Docker {
		/// Hash of the tarball's bytes.
		hash: H256,
		/// Size of the tarball in bytes.
		size: u64,
		/// The command to run (empty: the image's entry point).
		command: Bytes<MAX_ARG_LEN>,
		/// Its arguments.
		args: BoundedVec<Bytes<MAX_ARG_LEN>, ConstU32<MAX_ARGS>>,
	},
}

impl Program {
	/// The runtime this program needs.
	pub fn runtime(&self) -> RuntimeKind {
		match self {
			Program::Wasm { .. } => RuntimeKind::Wasm,
			Program::Docker { .. } => RuntimeKind::Docker,
		}
	}

	/// Hash of the program's bytes.
	pub fn hash(&self) -> H256 {
		match self {
			Program::Wasm { hash, .. } | Program::Docker { hash, .. } => *hash,
		}
	}

	/// Size of the program in bytes.
	pub fn size(&self) -> u64 {
		match self {
			Program::Wasm { size, .. } | Program::Docker { size, .. } => *size,
		}
	}
}

/// One task's input: the blake2-256 hash of its bytes and their size.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
#[cfg_attr(feature = "std", derive(Serialize, Deserialize))]
pub struct TaskInput {
	pub hash: H256,
	pub size: u64,
}

/// A job's deadlines, in blocks.
///
/// A replica must commit within `execution + commit` blocks of being assigned: `execution` is
/// the time the task is expected to run, `commit` the slack to get the commitment on chain.
/// Once reveals open, every replica that committed has `reveal` blocks to reveal.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
#[cfg_attr(feature = "std", derive(Serialize, Deserialize))]
pub struct Deadlines<BlockNumber> {
	pub execution: BlockNumber,
	pub commit: BlockNumber,
	pub reveal: BlockNumber,
}

/// The terms of a job, shared by all its tasks.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
#[cfg_attr(feature = "std", derive(Serialize, Deserialize))]
pub struct JobTerms<Balance, BlockNumber> {
	/// What one task needs of a provider's machine.
	pub resources: Resources,
	/// How many distinct providers run each task (R). With R = 1 there is no vote: the result
	/// is accepted on the provider's reputation alone.
	pub replicas: u32,
	/// What each replica whose result is verified earns.
	pub price: Balance,
	/// Providers below this reputation are not assigned.
	pub min_reputation: u32,
	/// Execution, commit and reveal deadlines, in blocks.
	pub deadlines: Deadlines<BlockNumber>,
}

/// Where a provider stands in the market.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
#[cfg_attr(feature = "std", derive(Serialize, Deserialize))]
pub enum ProviderStatus<BlockNumber> {
	/// Receives assignments while it has spare capacity and enough reputation.
	#[codec(index = 0)]
	Active,
	/// Asked for no new assignments; finishes the ones it holds.
	#[codec(index = 1)]
	Paused,
	/// Leaving: its stake can be withdrawn from block `until` on.
	#[codec(index = 2)]
	Unbonding { until: BlockNumber },
	/// Slashed below the minimum stake: no new assignments until it bonds enough again.
	#[codec(index = 3)]
	Suspended,
}

/// A provider's public record: its reputation and what it has done. It outlives the provider's
/// registration, so leaving and registering again does not wash a bad record.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	Default,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
#[cfg_attr(feature = "std", derive(Serialize, Deserialize))]
pub struct Standing<Balance> {
	/// The reputation score. Agreeing results raise it a little; disagreeing results cut it by a
	/// third; missed deadlines lower it.
	pub reputation: u32,
	/// Replicas whose result matched the verdict.
	pub verified: u32,
	/// Replicas whose result disagreed with the verdict.
	pub disagreed: u32,
	/// Replicas that missed their commit or reveal deadline.
	pub missed: u32,
	/// CON earned from verified replicas.
	pub earned: Balance,
	/// CON slashed from the stake.
	pub slashed: Balance,
}

/// Why a task could not be assigned (all of its replicas) in a block.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
#[cfg_attr(feature = "std", derive(Serialize, Deserialize))]
pub enum Unassignable {
	/// No registered provider offers the job's runtime.
	#[codec(index = 0)]
	NoProviderWithRuntime,
	/// Providers offer the runtime, but each is paused, suspended, leaving, below the reputation
	/// threshold, or running as many tasks as it takes.
	#[codec(index = 1)]
	NoSpareCapacity,
	/// No available provider has the cores, memory or GPUs one task needs.
	#[codec(index = 2)]
	InsufficientResources,
	/// Every available provider's price floor is above the job's price per replica.
	#[codec(index = 3)]
	PriceTooLow,
	/// No available provider has the job's minimum reputation.
	#[codec(index = 4)]
	ReputationTooLow,
	/// Eligible providers exist, but fewer than the replicas the task needs: replicas of one task
	/// always run on distinct providers.
	#[codec(index = 5)]
	TooFewDistinctProviders,
}

/// Why a task failed.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
#[cfg_attr(feature = "std", derive(Serialize, Deserialize))]
pub enum FailReason {
	/// No result was revealed by a strict majority of the replicas, even with extra replicas.
	#[codec(index = 0)]
	NoMajority,
	/// Every replica missed its deadline and no replacement was left.
	#[codec(index = 1)]
	NoResult,
	/// A challenge made the chain run the task itself, and no replica had revealed the result
	/// it computed: nobody holds the right output, so the task's budget was refunded.
	#[codec(index = 2)]
	OverruledByReferee,
	/// No providers could be found for its replicas within the market's bounded wait
	/// (`UnassignableTimeout`), and too few replicas were left to decide it.
	#[codec(index = 3)]
	Unassignable,
	/// A majority of its replicas reported, soon after their assignment, that the job's
	/// program or input could not be fetched from its requester (or any peer). Its budget was
	/// refunded and its share of the storage deposit burned: serving the data is the
	/// requester's part.
	#[codec(index = 4)]
	Unavailable,
}

/// The phase of one task.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
#[cfg_attr(feature = "std", derive(Serialize, Deserialize))]
pub enum TaskPhase<BlockNumber> {
	/// Waiting in the assignment queue for one or more replicas. Replicas already assigned run
	/// and commit meanwhile.
	#[codec(index = 0)]
	Waiting,
	/// Every replica is assigned; waiting for their commitments.
	#[codec(index = 1)]
	Running,
	/// Every replica has committed (or missed its deadline); reveals are due by `deadline`.
	#[codec(index = 2)]
	Revealing { deadline: BlockNumber },
	/// Final: a strict majority revealed `result` and nobody challenged it in time, or the
	/// chain's referee computed `result` itself. Payments and slashes are done.
	#[codec(index = 3)]
	Verified { result: H256 },
	/// The task failed; its budget was refunded.
	#[codec(index = 4)]
	Failed { reason: FailReason },
	/// The job was cancelled before this task produced a commitment; its budget was refunded.
	#[codec(index = 5)]
	Cancelled,
	/// A strict majority revealed `result`; the verdict is open to challenge until block
	/// `until`, and only then are its replicas paid and its dissenters slashed. A requester may
	/// use the result already, knowing a challenge could still overturn it.
	#[codec(index = 6)]
	Provisional { result: H256, until: BlockNumber },
}

impl<BlockNumber> TaskPhase<BlockNumber> {
	/// Whether the task has reached its end.
	pub fn is_final(&self) -> bool {
		matches!(self, Self::Verified { .. } | Self::Failed { .. } | Self::Cancelled)
	}

	/// The result a verdict gave, final or still open to challenge.
	pub fn result(&self) -> Option<H256> {
		match self {
			Self::Verified { result } | Self::Provisional { result, .. } => Some(*result),
			_ => None,
		}
	}
}

/// The state of a job.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
#[cfg_attr(feature = "std", derive(Serialize, Deserialize))]
pub enum JobState {
	/// Tasks are being assigned, run and verified.
	#[codec(index = 0)]
	Open,
	/// Cancelled by its requester: tasks with a commitment are still settled, nothing else runs.
	#[codec(index = 1)]
	Cancelled,
	/// Every task has reached its end and the unspent budget was refunded.
	#[codec(index = 2)]
	Finished,
}

/// The commitment a replica puts on chain before it may reveal `result`: the blake2-256 hash of
/// the SCALE encoding of `(task, provider, result, salt)`. Binding the provider's account means
/// one provider cannot submit another's commitment as its own.
pub fn commitment<AccountId: Encode>(
	task: TaskRef,
	provider: &AccountId,
	result: &H256,
	salt: &Salt,
) -> H256 {
	H256(polkadot_sdk::sp_crypto_hashing::blake2_256(&(task, provider, result, salt).encode()))
}

/// One link of a pruned job's results chain: the blake2-256 hash of the SCALE encoding of
/// `(previous, task, phase)`, where `phase` is the task's final phase (`Verified { result }`,
/// `Failed { reason }` or `Cancelled`). The chain starts from `H256::zero()` and takes the
/// tasks in index order; [`results_chain`] folds a whole job.
pub fn results_link<BlockNumber: Encode>(
	previous: &H256,
	task: TaskIndex,
	phase: &TaskPhase<BlockNumber>,
) -> H256 {
	H256(polkadot_sdk::sp_crypto_hashing::blake2_256(&(previous, task, phase).encode()))
}

/// The results chain of a job whose tasks ended in `phases`, in index order: what a pruned
/// job's record keeps, and what a requester holding the results recomputes to prove them.
pub fn results_chain<'a, BlockNumber: Encode + 'a>(
	phases: impl IntoIterator<Item = &'a TaskPhase<BlockNumber>>,
) -> H256 {
	phases
		.into_iter()
		.enumerate()
		.fold(H256::zero(), |chain, (task, phase)| results_link(&chain, task as TaskIndex, phase))
}

/// What a provider should do next about one of its assignments.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
#[cfg_attr(feature = "std", derive(Serialize, Deserialize))]
pub enum AssignmentPhase<BlockNumber> {
	/// Run the task and commit its result by block `commit_by`.
	#[codec(index = 0)]
	Execute { commit_by: BlockNumber },
	/// Committed; waiting for the other replicas to commit.
	#[codec(index = 1)]
	AwaitReveals,
	/// Reveal the committed result by block `reveal_by`.
	#[codec(index = 2)]
	Reveal { reveal_by: BlockNumber },
	/// Revealed; waiting for the other replicas and the verdict (or for the verdict to become
	/// final).
	#[codec(index = 3)]
	AwaitVerdict,
	/// The verdict, still open to challenge until block `until`, went against the result this
	/// replica revealed: an honest replica challenges it.
	#[codec(index = 4)]
	Contest { verdict: H256, until: BlockNumber },
}

/// One unfinished assignment of a provider.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
#[cfg_attr(feature = "std", derive(Serialize, Deserialize))]
pub struct AssignmentView<BlockNumber> {
	pub task: TaskRef,
	pub input: TaskInput,
	pub phase: AssignmentPhase<BlockNumber>,
}

/// A job's terms and progress.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
#[cfg_attr(feature = "std", derive(Serialize, Deserialize))]
pub struct JobView<AccountId, Balance, BlockNumber> {
	pub owner: AccountId,
	pub state: JobState,
	pub program: Program,
	pub replicas: u32,
	pub price: Balance,
	/// CON still held in escrow for this job.
	pub escrow: Balance,
	/// CON held for the job's storage until it is pruned, after it ended.
	pub deposit: Balance,
	pub posted_at: BlockNumber,
	pub tasks: u32,
	/// Tasks by phase.
	pub waiting: u32,
	pub running: u32,
	pub revealing: u32,
	/// Tasks with a verdict still open to challenge.
	pub provisional: u32,
	pub verified: u32,
	pub failed: u32,
	pub cancelled: u32,
}

/// A provider's registration and record.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
#[cfg_attr(feature = "std", derive(Serialize, Deserialize))]
pub struct ProviderView<Balance, BlockNumber> {
	pub stake: Balance,
	pub status: ProviderStatus<BlockNumber>,
	pub capabilities: Capabilities,
	pub price_floor: Balance,
	/// Tasks assigned and not yet committed.
	pub running: u32,
	/// Assignments whose task has no verdict yet.
	pub unsettled: u32,
	/// Whether the provider can be picked for new work now.
	pub available: bool,
	pub standing: Standing<Balance>,
}

/// A job's requirements, as [`ComputeMarketApi::match_job`] takes them.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
#[cfg_attr(feature = "std", derive(Serialize, Deserialize))]
pub struct MatchQuery<Balance> {
	pub runtime: RuntimeKind,
	pub resources: Resources,
	pub replicas: u32,
	pub price: Balance,
	pub min_reputation: u32,
}

/// Which providers could take a job, and if not enough, why not. Each provider is counted once,
/// under the first requirement it fails, in the order of the fields.
#[derive(Encode, Decode, Clone, Default, PartialEq, Eq, Debug, TypeInfo)]
#[cfg_attr(feature = "std", derive(Serialize, Deserialize))]
pub struct MatchReport {
	/// Registered providers.
	pub providers: u32,
	/// Providers without the job's runtime.
	pub without_runtime: u32,
	/// Providers paused, suspended, leaving, below the reputation threshold or at capacity.
	pub unavailable: u32,
	/// Providers too small for one task.
	pub insufficient_resources: u32,
	/// Providers whose price floor is above the job's price.
	pub price_too_low: u32,
	/// Providers below the job's minimum reputation.
	pub reputation_too_low: u32,
	/// Providers that could take a replica now.
	pub eligible: u32,
	/// Why the job's tasks could not be assigned now, if they could not.
	pub unassignable: Option<Unassignable>,
}

polkadot_sdk::sp_api::decl_runtime_apis! {
	/// The compute market's questions that workers and clients ask often.
	pub trait ComputeMarketApi<AccountId, Balance, BlockNumber>
	where
		AccountId: Codec,
		Balance: Codec,
		BlockNumber: Codec,
	{
		/// The provider's unfinished assignments and what to do about each.
		fn assignments(provider: AccountId) -> Vec<AssignmentView<BlockNumber>>;
		/// A job's terms and progress.
		fn job(job: JobId) -> Option<JobView<AccountId, Balance, BlockNumber>>;
		/// A provider's registration and record.
		fn provider(provider: AccountId) -> Option<ProviderView<Balance, BlockNumber>>;
		/// Which providers could take a job with these requirements now, and if none, why.
		fn match_job(query: MatchQuery<Balance>) -> MatchReport;
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_runtime_is_named_and_parsed_the_same_way_everywhere() {
		for kind in RuntimeKind::ALL {
			assert_eq!(kind.to_string().parse(), Ok(kind));
		}
		assert_eq!(RuntimeKind::Docker.to_string(), "docker");
		assert_eq!("jvm".parse::<RuntimeKind>(), Err(UnknownRuntime));
		assert_eq!("Wasm".parse::<RuntimeKind>(), Err(UnknownRuntime));
	}

	#[test]
	fn commitment_binds_every_part() {
		let task = TaskRef { job: 1, task: 2 };
		let result = H256::repeat_byte(7);
		let salt = [9u8; 32];
		let base = commitment(task, &[1u8; 32], &result, &salt);
		assert_ne!(base, commitment(TaskRef { job: 1, task: 3 }, &[1u8; 32], &result, &salt));
		assert_ne!(base, commitment(task, &[2u8; 32], &result, &salt));
		assert_ne!(base, commitment(task, &[1u8; 32], &H256::repeat_byte(8), &salt));
		assert_ne!(base, commitment(task, &[1u8; 32], &result, &[0u8; 32]));
		assert_eq!(base, commitment(task, &[1u8; 32], &result, &salt));
	}

	#[test]
	fn capabilities_cover_smaller_needs_only() {
		let caps = Capabilities {
			resources: Resources { cores: 4, memory_mib: 8192, gpus: 0 },
			max_tasks: 2,
			..Default::default()
		};
		assert!(caps.covers(&Resources { cores: 4, memory_mib: 1024, gpus: 0 }));
		assert!(!caps.covers(&Resources { cores: 5, memory_mib: 1024, gpus: 0 }));
		assert!(!caps.covers(&Resources { cores: 1, memory_mib: 1024, gpus: 1 }));
	}
}
