//! The pallet's stored types and call arguments.

use crate::{BalanceOf, Config};
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use conun_primitives::{
	Capabilities, Contact, Deadlines, JobId, JobState, Program, ProviderStatus, Resources,
	RuntimeKind, Salt, Standing, TaskIndex, TaskInput, TaskPhase, TaskRef, Unassignable,
};
use core::marker::PhantomData;
use polkadot_sdk::{
	frame_support::{pallet_prelude::*, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound},
	frame_system::pallet_prelude::BlockNumberFor,
	sp_core::H256,
	sp_runtime::{
		traits::{Saturating, Zero},
		SaturatedConversion,
	},
};
use scale_info::TypeInfo;

/// A registered provider.
#[derive(
	Encode, Decode, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, TypeInfo, MaxEncodedLen,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct ProviderInfo<T: Config> {
	/// CON held as stake.
	pub stake: BalanceOf<T>,
	pub status: ProviderStatus<BlockNumberFor<T>>,
	pub capabilities: Capabilities,
	/// The lowest price per replica it works for.
	pub price_floor: BalanceOf<T>,
	/// Replicas assigned and not yet committed: these occupy its task slots.
	pub running: u32,
	/// Replicas whose task has no verdict yet: these keep it from unbonding.
	pub unsettled: u32,
	pub registered_at: BlockNumberFor<T>,
	/// Its reputation and record. Kept here, beside what every step already reads and writes,
	/// so that a payment or an assignment touches one storage item per provider, not two
	/// (issue 17); when the provider leaves, a record with something on it moves to
	/// [`crate::KeptStandings`] and comes back if it registers again.
	pub standing: Standing<BalanceOf<T>>,
}

impl<T: Config> ProviderInfo<T> {
	/// The replicas it may run at once: its declared slots, capped by its stake
	/// ([`Config::StakePerTask`] per slot, at least one) and, for a newcomer, by its record:
	/// [`Config::NewcomerTasks`] plus one per replica it has had verified.
	pub fn task_limit(&self, verified: u32) -> u32 {
		let per_task = T::StakePerTask::get();
		let by_stake = if per_task.is_zero() {
			u32::MAX
		} else {
			let slots: u32 = (self.stake / per_task).saturated_into();
			slots.max(1)
		};
		self.capabilities
			.max_tasks
			.min(by_stake)
			.min(T::NewcomerTasks::get().saturating_add(verified))
	}

	/// Whether the provider may be drawn for new work.
	pub fn is_available(&self) -> bool {
		matches!(self.status, ProviderStatus::Active)
			&& self.running < self.task_limit(self.standing.verified)
			&& self.standing.reputation >= T::ReputationThreshold::get()
	}
}

/// A job's terms, escrow and counters; read on every assignment, so the program lives apart.
#[derive(
	Encode, Decode, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, TypeInfo, MaxEncodedLen,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct JobInfo<T: Config> {
	pub owner: T::AccountId,
	pub state: JobState,
	pub runtime: RuntimeKind,
	pub resources: Resources,
	/// R: replicas per task, and the size of the electorate a strict majority is counted in.
	pub replicas: u32,
	pub price: BalanceOf<T>,
	pub min_reputation: u32,
	pub deadlines: Deadlines<BlockNumberFor<T>>,
	pub tasks: u32,
	/// CON still held in escrow for this job.
	pub escrow: BalanceOf<T>,
	/// Extra replicas the margin in escrow still pays for.
	pub spare_replicas: u32,
	pub verified: u32,
	pub failed: u32,
	pub cancelled: u32,
	/// Its tasks could not be assigned for [`Config::UnassignableTimeout`] blocks: the hook
	/// fails its tasks that have no replica instead of drawing for them.
	pub expired: bool,
	pub posted_at: BlockNumberFor<T>,
	/// CON held from the owner for the job's storage ([`crate::HoldReason::StorageDeposit`]),
	/// returned when it is pruned.
	pub deposit: BalanceOf<T>,
}

impl<T: Config> JobInfo<T> {
	/// Tasks that reached their end.
	pub fn finished(&self) -> u32 {
		self.verified.saturating_add(self.failed).saturating_add(self.cancelled)
	}

	/// Votes a result needs to win: a strict majority of R.
	pub fn majority(&self) -> u32 {
		self.replicas / 2 + 1
	}
}

/// A job's program and how to reach its requester for the program and inputs.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct JobProgram {
	pub program: Program,
	pub requester: Contact,
}

/// The bound on replicas one task may have had: R, plus a fresh round, plus replacements,
/// plus one escalation's committee.
pub struct ReplicaSlots<T>(PhantomData<T>);
impl<T: Config> Get<u32> for ReplicaSlots<T> {
	fn get() -> u32 {
		T::MaxReplicas::get()
			.saturating_add(T::MaxExtraReplicas::get())
			.saturating_add(T::MaxReplacements::get())
			.saturating_add(committee_size(T::MaxReplicas::get()))
	}
}

/// The size of the committee that decides an escalated task of `replicas` replicas: 2R + 1.
pub fn committee_size(replicas: u32) -> u32 {
	replicas.saturating_mul(2).saturating_add(1)
}

/// An escalated verdict: who challenged it, what it said, and the challenger's bond still
/// held (the committee is paid from it).
#[derive(
	Encode, Decode, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, TypeInfo, MaxEncodedLen,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct Escalation<T: Config> {
	pub challenger: T::AccountId,
	/// The escalated verdict's result.
	pub verdict: H256,
	/// What is left of the bond, held from the challenger.
	pub bond: BalanceOf<T>,
}

/// Where one replica is in commit-reveal.
#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub enum ReplicaState {
	/// Running the task; must commit by the replica's `commit_by`.
	#[codec(index = 0)]
	Assigned,
	/// Committed; reveals the result once reveals open.
	#[codec(index = 1)]
	Committed { commitment: H256 },
	/// Revealed `result`.
	#[codec(index = 2)]
	Revealed { result: H256 },
	/// Missed its commit or reveal deadline; it no longer counts.
	#[codec(index = 3)]
	Missed,
	/// Revealed `result` in a round without a majority, was paid the base fee, and no longer
	/// counts: a fresh round decides the task, and earlier reveals, public by then, never do.
	#[codec(index = 4)]
	Superseded { result: H256 },
	/// Revealed `result` in a verdict that was escalated: a fresh committee decides the task,
	/// and this replica is paid or slashed by its verdict. It no longer votes, but it stays
	/// unsettled (it cannot unbond) until then.
	#[codec(index = 5)]
	OnTrial { result: H256 },
	/// Reported, within [`crate::Config::FetchWindow`] of its assignment, that the job's
	/// program or input could not be fetched: released without reward or penalty, and it no
	/// longer counts.
	#[codec(index = 6)]
	Unavailable,
}

/// One replica of a task.
#[derive(
	Encode, Decode, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, TypeInfo, MaxEncodedLen,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct Replica<T: Config> {
	pub provider: T::AccountId,
	pub assigned_at: BlockNumberFor<T>,
	pub commit_by: BlockNumberFor<T>,
	pub state: ReplicaState,
}

impl<T: Config> Replica<T> {
	/// Whether the replica still counts (it has not missed a deadline, and its round is the
	/// task's current one).
	pub fn is_live(&self) -> bool {
		!matches!(
			self.state,
			ReplicaState::Missed
				| ReplicaState::Superseded { .. }
				| ReplicaState::OnTrial { .. }
				| ReplicaState::Unavailable
		)
	}

	/// Whether the replica still awaits its settlement: live, or on trial.
	pub fn is_unsettled(&self) -> bool {
		self.is_live() || matches!(self.state, ReplicaState::OnTrial { .. })
	}
}

/// One task of a job.
#[derive(
	Encode, Decode, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, TypeInfo, MaxEncodedLen,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct TaskInfo<T: Config> {
	pub input: TaskInput,
	pub phase: TaskPhase<BlockNumberFor<T>>,
	/// Every replica the task has had, live or missed, in assignment order.
	pub replicas: BoundedVec<Replica<T>, ReplicaSlots<T>>,
	/// Live replicas the task wants: R (in each round), minus replicas missed that could not
	/// be replaced.
	pub wanted: u32,
	/// Replicas of the fresh rounds after rounds without a majority, paid from the job's
	/// margin.
	pub extra: u32,
	/// What the task's budget already paid before its verdict: the base fees of rounds
	/// without a majority.
	pub spent: BalanceOf<T>,
	/// Replacements for replicas that missed a deadline.
	pub replaced: u32,
	/// Why the task could not be fully assigned, when it could not; cleared when it is.
	pub stalled: Option<Unassignable>,
	/// The block since which it has waited for providers, counted from the first visit that
	/// could not assign it (see [`Config::UnassignableTimeout`]); cleared when it is assigned.
	pub stalled_since: Option<BlockNumberFor<T>>,
}

impl<T: Config> TaskInfo<T> {
	/// A fresh task, waiting for its `replicas`.
	pub fn new(input: TaskInput, replicas: u32) -> Self {
		Self {
			input,
			phase: TaskPhase::Waiting,
			replicas: BoundedVec::new(),
			wanted: replicas,
			extra: 0,
			spent: Zero::zero(),
			replaced: 0,
			stalled: None,
			stalled_since: None,
		}
	}

	/// Replicas that have not missed a deadline.
	pub fn live(&self) -> impl Iterator<Item = &Replica<T>> {
		self.replicas.iter().filter(|r| r.is_live())
	}

	/// Replicas awaiting their settlement: the live ones and those on trial.
	pub fn unsettled(&self) -> impl Iterator<Item = &Replica<T>> {
		self.replicas.iter().filter(|r| r.is_unsettled())
	}

	/// How many more replicas must be assigned.
	pub fn missing(&self) -> u32 {
		self.wanted.saturating_sub(self.live().count() as u32)
	}

	/// The position of `who`'s live replica.
	pub fn replica_of(&self, who: &T::AccountId) -> Option<usize> {
		self.replicas.iter().position(|r| r.is_live() && &r.provider == who)
	}

	/// Whether every wanted replica is assigned and has committed or revealed.
	pub fn all_committed(&self) -> bool {
		self.missing() == 0 && self.live().all(|r| r.state != ReplicaState::Assigned)
	}

	/// Whether every live replica has revealed.
	pub fn all_revealed(&self) -> bool {
		self.live().all(|r| matches!(r.state, ReplicaState::Revealed { .. }))
	}

	/// Each result the live replicas revealed, with how many revealed it, in first-revealed
	/// order: the votes of the task's current round.
	pub fn votes(&self) -> Vec<(H256, u32)> {
		let mut votes: Vec<(H256, u32)> = Vec::new();
		for replica in self.live() {
			if let ReplicaState::Revealed { result } = replica.state {
				match votes.iter_mut().find(|(r, _)| *r == result) {
					Some((_, count)) => count.saturating_inc(),
					None => votes.push((result, 1)),
				}
			}
		}
		votes
	}

	/// Replicas of the current round that reported the job's data unavailable: those after the
	/// last replica of an earlier round (a round ends without a majority, its revealers
	/// `Superseded`, and the next round's replicas come after them).
	pub fn unavailable_this_round(&self) -> u32 {
		let start = self
			.replicas
			.iter()
			.rposition(|r| {
				matches!(r.state, ReplicaState::Superseded { .. } | ReplicaState::OnTrial { .. })
			})
			.map_or(0, |last| last.saturating_add(1));
		self.replicas
			.iter()
			.skip(start)
			.filter(|r| r.state == ReplicaState::Unavailable)
			.count() as u32
	}

	/// Whether any live replica has committed (or revealed).
	pub fn any_committed(&self) -> bool {
		self.live().any(|r| r.state != ReplicaState::Assigned)
	}
}

/// The job being pruned: its tasks below `next` are removed, their outcomes folded into
/// `results` ([`conun_primitives::results_link`]).
#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct PruneCursor {
	pub job: JobId,
	pub next: TaskIndex,
	pub results: H256,
}

/// What stays of a pruned job: who posted it, how its tasks ended, and `results`, the hash
/// chain of every task's final phase in index order ([`conun_primitives::results_chain`]).
/// Anyone holding the results can recompute the chain and prove them against it.
#[derive(
	Encode, Decode, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, TypeInfo, MaxEncodedLen,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct JobRecord<T: Config> {
	pub owner: T::AccountId,
	pub tasks: u32,
	pub verified: u32,
	pub failed: u32,
	pub cancelled: u32,
	pub results: H256,
	pub pruned_at: BlockNumberFor<T>,
}

/// A range of one job's tasks waiting in the assignment queue: `next..end`.
#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct QueueEntry {
	pub job: JobId,
	pub next: TaskIndex,
	pub end: TaskIndex,
}

/// One commitment in [`crate::Pallet::commit_results`].
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
pub struct CommitItem {
	pub task: TaskRef,
	/// [`conun_primitives::commitment`] of the task, the caller, the result hash and a salt.
	pub commitment: H256,
}

/// One reveal in [`crate::Pallet::reveal_results`].
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
pub struct RevealItem {
	pub task: TaskRef,
	/// The hash of the result blob.
	pub result: H256,
	/// The salt of the commitment.
	pub salt: Salt,
}
