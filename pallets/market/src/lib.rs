//! # The Conun compute market
//!
//! Requesters post jobs and pay in CON; providers stake CON, run the tasks the chain assigns
//! them and are paid when independent replicas agree on the result. This pallet is the market,
//! the escrow and the scheduler's source of truth. `docs/protocol.md` explains it to a
//! newcomer; this page is the map of the code.
//!
//! ## Lifecycle
//!
//! 1. **Providers** [`register`](Pallet::register) with a stake (held under
//!    [`HoldReason::ProviderStake`]), their capabilities, libp2p contact and price floor. They
//!    can [`update`](Pallet::update), [`bond_extra`](Pallet::bond_extra),
//!    [`pause`](Pallet::pause), [`resume`](Pallet::resume), [`unbond`](Pallet::unbond) and
//!    [`withdraw_unbonded`](Pallet::withdraw_unbonded).
//! 2. **Requesters** [`post_job`](Pallet::post_job): a program, one input per task and the
//!    terms. The whole budget (every replica's price plus a margin for extra replicas) is held
//!    in escrow under [`HoldReason::JobEscrow`]. [`cancel_job`](Pallet::cancel_job) refunds what
//!    has not started.
//! 3. **Assignment** runs in `on_initialize`: tasks wait in their requester's lane,
//!    requesters (and each one's jobs) taking turns, and each task's replicas are drawn all at
//!    once (or none) from distinct eligible providers with BABE's VRF randomness, weighted by
//!    stake (`assignment.rs`). A task that cannot be assigned emits
//!    [`Event::TaskUnassignable`] with the reason and is parked; after
//!    [`Config::UnassignableTimeout`] it stops waiting, so every task ends in bounded time.
//! 4. **Verification**: each replica [`commit_results`](Pallet::commit_results) the hash
//!    [`conun_primitives::commitment`] of its result, then
//!    [`reveal_results`](Pallet::reveal_results). A strict majority of R decides; the majority
//!    is paid, a disagreeing replica is slashed, a replica that misses a deadline is penalised
//!    and replaced (`verification.rs`). Deadlines are per-block buckets processed in
//!    `on_initialize` under a weight meter (`deadlines.rs`).
//!
//! ## Money
//!
//! Every movement of CON goes through `funds.rs`: holds for stake and escrow, payments from
//! escrow, refunds, and slashes (a share to the majority, the rest burned). The try-state
//! checks in `invariants.rs` prove after every test that held escrow equals the open jobs'
//! budgets and held stake equals the providers' stakes.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod assignment;
mod availability;
mod deadlines;
mod escalation;
mod funds;
mod invariants;
mod jobs;
pub mod migrations;
mod providers;
mod pruning;
mod referee;
mod reputation;
mod stake_tree;
pub mod types;
mod verification;
mod view;
pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub use conun_primitives::{
	Capabilities, Contact, Deadlines as JobDeadlines, FailReason, JobId, JobState, JobTerms,
	Program, ProviderStatus, Resources, RuntimeKind, RuntimeSet, Salt, Standing, TaskIndex,
	TaskInput, TaskPhase, TaskRef, Unassignable,
};
pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

#[polkadot_sdk::frame_support::pallet]
pub mod pallet {
	use super::*;
	use polkadot_sdk::{
		frame_support::{
			pallet_prelude::*,
			traits::{
				fungible::{Inspect, Mutate, MutateHold},
				Randomness,
			},
		},
		frame_system::pallet_prelude::*,
		sp_core::H256,
		sp_runtime::{traits::Zero, Perbill},
	};

	/// The balance type of the currency.
	pub type BalanceOf<T> = <<T as Config>::Currency as Inspect<
		<T as polkadot_sdk::frame_system::Config>::AccountId,
	>>::Balance;

	/// The layout of the market's storage. Bump it with every change to a stored type or key,
	/// together with the migration (`frame_support::migrations::VersionedMigration`) that moves
	/// the old layout to the new one; `try-runtime` then checks the migration on a live
	/// chain's state. Version 1 is the layout the first networks started with; version 2 keeps
	/// the pools' stake in a tree of sixteen sums a node (`migrations::v2`); version 3 keeps a
	/// registered provider's standing in its record (`migrations::v3`).
	pub const STORAGE_VERSION: StorageVersion = StorageVersion::new(3);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: polkadot_sdk::frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The native currency: stakes and escrow are holds on it.
		type Currency: Inspect<Self::AccountId>
			+ Mutate<Self::AccountId>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The runtime's hold reason, which includes this pallet's [`HoldReason`].
		type RuntimeHoldReason: From<HoldReason>;

		/// Fresh randomness for every block: BABE's VRF output of the block's author. `None`
		/// (never on a BABE chain with secondary VRF slots) falls back to the parent hash.
		type Randomness: Randomness<Option<Self::Hash>, BlockNumberFor<Self>>;

		/// Weights of calls and hooks, from the benchmarks.
		type WeightInfo: WeightInfo;

		/// The smallest stake a provider may register with and keep. A provider slashed below
		/// it is suspended.
		#[pallet::constant]
		type MinStake: Get<BalanceOf<Self>>;

		/// Stake above this counts as this much when assignments are drawn, so that one whale
		/// cannot take nearly every task.
		#[pallet::constant]
		type StakeWeightCap: Get<BalanceOf<Self>>;

		/// Blocks between `unbond` and `withdraw_unbonded`.
		#[pallet::constant]
		type UnbondingPeriod: Get<BlockNumberFor<Self>>;

		/// The most providers registered at once.
		#[pallet::constant]
		type MaxProviders: Get<u32>;

		/// The most tasks one job may carry.
		#[pallet::constant]
		type MaxTasksPerJob: Get<u32>;

		/// The largest replication factor R.
		#[pallet::constant]
		type MaxReplicas: Get<u32>;

		/// The most replicas one task may get in fresh rounds after rounds without a majority
		/// (each fresh round has R). At least `MaxReplicas` gives every task one fresh round.
		#[pallet::constant]
		type MaxExtraReplicas: Get<u32>;

		/// The most replacements one task may get for replicas that missed a deadline.
		#[pallet::constant]
		type MaxReplacements: Get<u32>;

		/// Extra replicas a job's escrow pays for, as a share of `tasks × R` (rounded up).
		#[pallet::constant]
		type ExtraReplicaMargin: Get<Perbill>;

		/// The most commits or reveals in one call.
		#[pallet::constant]
		type MaxBatch: Get<u32>;

		/// The most tasks in one page of a block's deadlines. A block holds as many pages as
		/// it needs, so scheduling a deadline never fails; the hook works through them under
		/// its weight meter.
		#[pallet::constant]
		type MaxDeadlinesPerBlock: Get<u32>;

		/// The longest deadline, in blocks, for each of execution, commit and reveal.
		#[pallet::constant]
		type MaxDeadline: Get<BlockNumberFor<Self>>;

		/// Providers looked at, at most, to fill one replica. When the pool for a runtime is no
		/// larger than this, every provider in it is looked at, so "no provider can take it"
		/// is exact.
		#[pallet::constant]
		type MaxSamplingAttempts: Get<u32>;

		/// Weight `on_initialize` may use for deadlines and assignment in one block.
		#[pallet::constant]
		type HookWeightLimit: Get<Weight>;

		/// The most tasks of one queue entry assigned in one turn. Requesters take turns, one
		/// entry each, and an entry with tasks left goes to the back of its requester's lane,
		/// so neither one large job nor one requester's many jobs can hold the front.
		#[pallet::constant]
		type TasksPerTurn: Get<u32>;

		/// Parked entries (tasks that could not be assigned) retried first in every block,
		/// before the queue of fresh work; more are retried with the weight left after it.
		#[pallet::constant]
		type ParkedRetriesPerBlock: Get<u32>;

		/// How long a task may wait, from the first time it could not be assigned, before the
		/// market stops waiting: a replacement's task goes on with the replicas it has (when
		/// they can still decide it) or fails and is refunded; a job whose tasks never got a
		/// replica expires. Every reason counts, busy providers too: providers that are paused
		/// or leaving may never come back.
		#[pallet::constant]
		type UnassignableTimeout: Get<BlockNumberFor<Self>>;

		/// Blocks after its assignment in which a replica may report that the job's program or
		/// input cannot be fetched ([`Pallet::report_unavailable`]), and at most half the time
		/// to its commit deadline. The report releases it without penalty; reports from a
		/// majority of R fail the task and burn its share of the requester's deposit. After the window the data is presumed fetched: a replica
		/// cannot hold a task for most of its deadline and then walk away unpunished.
		#[pallet::constant]
		type FetchWindow: Get<BlockNumberFor<Self>>;

		/// The lowest price per replica a job may offer.
		#[pallet::constant]
		type MinPrice: Get<BalanceOf<Self>>;

		/// Held from a requester for each job it posts, with [`Config::TaskDeposit`] for each
		/// of its tasks, under [`HoldReason::StorageDeposit`], and returned when the job's
		/// storage is pruned: the job's storage is paid for while it is kept.
		#[pallet::constant]
		type JobDeposit: Get<BalanceOf<Self>>;

		/// Held for each task of a job, with [`Config::JobDeposit`].
		#[pallet::constant]
		type TaskDeposit: Get<BalanceOf<Self>>;

		/// How long an ended job and its tasks stay in storage, for its requester to fetch the
		/// results and anyone to read the verdicts, before they are pruned down to a
		/// [`JobRecord`] and the deposit is returned.
		#[pallet::constant]
		type RetentionPeriod: Get<BlockNumberFor<Self>>;

		/// The most task slots (`max_tasks`) a provider may declare.
		#[pallet::constant]
		type MaxTasksPerProvider: Get<u32>;

		/// Stake a provider needs per task slot it holds at once: its slots are capped at
		/// `stake / StakePerTask`, so taking work and not doing it costs stake.
		#[pallet::constant]
		type StakePerTask: Get<BalanceOf<Self>>;

		/// The task slots of a provider with no verified replica yet; each verified replica
		/// opens one more, up to its declared and staked slots.
		#[pallet::constant]
		type NewcomerTasks: Get<u32>;

		/// The share of its stake a replica loses when its result disagrees with the verdict.
		#[pallet::constant]
		type DisagreementSlash: Get<Perbill>;

		/// The share of its stake a replica loses when it misses a commit or reveal deadline.
		#[pallet::constant]
		type MissedDeadlineSlash: Get<Perbill>;

		/// The share of an overruled replica's slash paid to the challenger who proved it wrong;
		/// the rest is burned. The slash of a replica that merely lost the vote is all burned:
		/// paying it to the majority would pay colluders for out-voting the honest.
		#[pallet::constant]
		type SlashRewardShare: Get<Perbill>;

		/// Blocks a verdict stays open to challenge. Its payments, slashes and reputation
		/// changes are held until then. Zero makes every verdict final at once (no challenges).
		#[pallet::constant]
		type ChallengePeriod: Get<BlockNumberFor<Self>>;

		/// What a challenger puts up. Returned when the challenge wins, burned when it loses.
		#[pallet::constant]
		type ChallengeBond: Get<BalanceOf<Self>>;

		/// The share of its stake a replica loses when the chain's referee proves its revealed
		/// result wrong. Its reputation falls to zero.
		#[pallet::constant]
		type RefereeSlash: Get<Perbill>;

		/// The most fuel the chain spends refereeing one task; a task that needs more (whatever
		/// its job's limit) is challenged by escalation instead. Follows from the block's
		/// weight: see `docs/security.md`.
		#[pallet::constant]
		type MaxRefereeFuel: Get<u64>;

		/// The most memory, in MiB, of a task the chain referees itself.
		#[pallet::constant]
		type MaxRefereeMemoryMib: Get<u32>;

		/// The largest program, in bytes, a challenger may hand the referee.
		#[pallet::constant]
		type MaxRefereeProgram: Get<u32>;

		/// The largest task input, in bytes, a challenger may hand the referee.
		#[pallet::constant]
		type MaxRefereeInput: Get<u32>;

		/// The share of the price each replica that revealed is paid when its round has no
		/// majority: a program whose replicas never agree is not free compute.
		#[pallet::constant]
		type NoMajorityFee: Get<Perbill>;

		/// A new provider's reputation.
		#[pallet::constant]
		type InitialReputation: Get<u32>;

		/// The highest reputation.
		#[pallet::constant]
		type MaxReputation: Get<u32>;

		/// Providers below this reputation receive no work.
		#[pallet::constant]
		type ReputationThreshold: Get<u32>;

		/// Reputation gained per verified replica.
		#[pallet::constant]
		type ReputationGain: Get<u32>;

		/// Reputation lost per missed deadline.
		#[pallet::constant]
		type MissedDeadlinePenalty: Get<u32>;

		/// The share of its reputation a provider keeps after a disagreeing result (iExec keeps
		/// two thirds).
		#[pallet::constant]
		type DisagreementKeeps: Get<Perbill>;
	}

	/// Why this pallet holds CON.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A provider's stake.
		#[codec(index = 0)]
		ProviderStake,
		/// A job's budget, held from its requester until it is paid out or refunded.
		#[codec(index = 1)]
		JobEscrow,
		/// A challenger's bond, held while the referee decides.
		#[codec(index = 2)]
		ChallengeBond,
		/// A job's storage deposit, held from its requester until the job is pruned.
		#[codec(index = 3)]
		StorageDeposit,
	}

	/// Registered providers.
	#[pallet::storage]
	pub type Providers<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, ProviderInfo<T>>;

	/// How to reach each registered provider over libp2p.
	#[pallet::storage]
	pub type ProviderContacts<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, Contact>;

	/// The reputation and record of accounts that were providers and left with something on
	/// their record, kept so that leaving cannot launder it: registering again takes it back.
	/// A registered provider's standing is in its [`ProviderInfo`] (`Providers`), never here;
	/// [`Pallet::standing`] and the runtime API's `provider` read either.
	#[pallet::storage]
	pub type KeptStandings<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, Standing<BalanceOf<T>>>;

	/// The number of registered providers.
	#[pallet::storage]
	pub type ProviderCount<T: Config> = StorageValue<_, u32, ValueQuery>;

	/// Registered providers offering each runtime, whatever their status.
	#[pallet::storage]
	pub type RuntimeProviders<T: Config> =
		StorageMap<_, Twox64Concat, RuntimeKind, u32, ValueQuery>;

	/// The pool of providers that can take new work, per runtime, as a dense array:
	/// `Pool[runtime][0..PoolLen[runtime]]`. Assignment draws indexes into it by stake
	/// (`stake_tree.rs`).
	#[pallet::storage]
	pub type Pool<T: Config> =
		StorageDoubleMap<_, Twox64Concat, RuntimeKind, Twox64Concat, u32, T::AccountId>;

	/// The length of each runtime's pool.
	#[pallet::storage]
	pub type PoolLen<T: Config> = StorageMap<_, Twox64Concat, RuntimeKind, u32, ValueQuery>;

	/// Each runtime's tree of draw weights (capped stakes) over pool indexes, sixteen sums a
	/// node (`stake_tree.rs`): its last level holds each member's weight, its root the sums
	/// that add up to the whole pool's.
	#[pallet::storage]
	pub type PoolTree<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		RuntimeKind,
		Twox64Concat,
		u32,
		stake_tree::TreeNode,
		ValueQuery,
	>;

	/// Where each pooled provider sits in each runtime's pool, for removal in constant time.
	#[pallet::storage]
	pub type PoolIndex<T: Config> =
		StorageDoubleMap<_, Twox64Concat, RuntimeKind, Blake2_128Concat, T::AccountId, u32>;

	/// The id the next job gets.
	#[pallet::storage]
	pub type NextJobId<T: Config> = StorageValue<_, JobId, ValueQuery>;

	/// Jobs: terms, escrow and counters.
	#[pallet::storage]
	pub type Jobs<T: Config> = StorageMap<_, Twox64Concat, JobId, JobInfo<T>>;

	/// Each job's program and its requester's contact, read by workers and rarely on chain.
	#[pallet::storage]
	pub type JobPrograms<T: Config> = StorageMap<_, Twox64Concat, JobId, JobProgram>;

	/// Tasks: input, phase and replicas.
	#[pallet::storage]
	pub type Tasks<T: Config> =
		StorageDoubleMap<_, Twox64Concat, JobId, Twox64Concat, TaskIndex, TaskInfo<T>>;

	/// Each provider's unfinished assignments.
	#[pallet::storage]
	pub type Assignments<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, TaskRef, ()>;

	/// The assignment queue, a ring of requesters: `Queue[QueueHead..QueueTail]`, each
	/// requester with work in its lane exactly once. Requesters take turns, so one requester's
	/// many jobs cannot hold the front.
	#[pallet::storage]
	pub type Queue<T: Config> = StorageMap<_, Twox64Concat, u64, T::AccountId>;

	/// The position of the queue's first requester.
	#[pallet::storage]
	pub type QueueHead<T: Config> = StorageValue<_, u64, ValueQuery>;

	/// The position after the queue's last requester.
	#[pallet::storage]
	pub type QueueTail<T: Config> = StorageValue<_, u64, ValueQuery>;

	/// Each requester's lane: `Lanes[who][head..tail]` with `LaneBounds[who] = (head, tail)`,
	/// each entry a range of one of its jobs' tasks that still need replicas. Its jobs take
	/// turns within it.
	#[pallet::storage]
	pub type Lanes<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, u64, QueueEntry>;

	/// The bounds of each requester's lane, stored only while the lane holds an entry.
	#[pallet::storage]
	pub type LaneBounds<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, (u64, u64)>;

	/// Tasks with a deadline in each block, by block and page.
	#[pallet::storage]
	pub type DeadlineBuckets<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		BlockNumberFor<T>,
		Twox64Concat,
		u32,
		BoundedVec<TaskRef, T::MaxDeadlinesPerBlock>,
		ValueQuery,
	>;

	/// How many pages of deadlines each block has.
	#[pallet::storage]
	pub type DeadlinePages<T: Config> =
		StorageMap<_, Twox64Concat, BlockNumberFor<T>, u32, ValueQuery>;

	/// Entries whose first task could not be assigned when last visited:
	/// `Parked[ParkedHead..ParkedTail]`. Retried a few each block, first, and with the weight
	/// the queue leaves; an entry that assigns again goes back to the queue.
	#[pallet::storage]
	pub type Parked<T: Config> = StorageMap<_, Twox64Concat, u64, QueueEntry>;

	/// The position of the first parked entry.
	#[pallet::storage]
	pub type ParkedHead<T: Config> = StorageValue<_, u64, ValueQuery>;

	/// The position after the last parked entry.
	#[pallet::storage]
	pub type ParkedTail<T: Config> = StorageValue<_, u64, ValueQuery>;

	/// The largest resources any provider offering each runtime has registered (each part on
	/// its own, never lowered): a job asking more can never be assigned and is refused.
	#[pallet::storage]
	pub type LargestOffer<T: Config> =
		StorageMap<_, Twox64Concat, RuntimeKind, Resources, ValueQuery>;

	/// Ended jobs waiting to be pruned, in the order they ended: `Retired[RetiredHead..
	/// RetiredTail]`, each with the block from which it may be pruned.
	#[pallet::storage]
	pub type Retired<T: Config> = StorageMap<_, Twox64Concat, u64, (BlockNumberFor<T>, JobId)>;

	/// The position of the first ended job waiting to be pruned.
	#[pallet::storage]
	pub type RetiredHead<T: Config> = StorageValue<_, u64, ValueQuery>;

	/// The position after the last ended job waiting to be pruned.
	#[pallet::storage]
	pub type RetiredTail<T: Config> = StorageValue<_, u64, ValueQuery>;

	/// The job being pruned, when one is: its tasks below `next` are gone, folded into
	/// `results`.
	#[pallet::storage]
	pub type Pruning<T: Config> = StorageValue<_, PruneCursor>;

	/// What stays of each pruned job: its owner, counters and the hash chain of its tasks'
	/// outcomes ([`conun_primitives::results_link`]), so its verdicts stay provable.
	#[pallet::storage]
	pub type JobRecords<T: Config> = StorageMap<_, Twox64Concat, JobId, JobRecord<T>>;

	/// CON burned by slashes since genesis: with fees, the only way the market changes the
	/// total issuance.
	#[pallet::storage]
	pub type Burned<T: Config> = StorageValue<_, BalanceOf<T>, ValueQuery>;

	/// The earliest block whose deadlines are not all processed yet.
	#[pallet::storage]
	pub type DeadlineCursor<T: Config> = StorageValue<_, BlockNumberFor<T>, ValueQuery>;

	/// Escalated verdicts whose committee has not decided yet. At most one per task.
	#[pallet::storage]
	pub type Escalations<T: Config> = StorageMap<_, Blake2_128Concat, TaskRef, Escalation<T>>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A provider registered.
		ProviderRegistered { provider: T::AccountId, stake: BalanceOf<T> },
		/// A provider changed its capabilities, contact or price floor.
		ProviderUpdated { provider: T::AccountId },
		/// A provider added to its stake.
		StakeBonded { provider: T::AccountId, amount: BalanceOf<T>, stake: BalanceOf<T> },
		/// A provider was paused: no new assignments.
		ProviderPaused { provider: T::AccountId },
		/// A provider was resumed.
		ProviderResumed { provider: T::AccountId },
		/// A provider started leaving; its stake can be withdrawn from block `until`.
		UnbondingStarted { provider: T::AccountId, until: BlockNumberFor<T> },
		/// A provider left and its stake was released.
		StakeWithdrawn { provider: T::AccountId, amount: BalanceOf<T> },
		/// A provider's stake fell below the minimum: no new work until it bonds more.
		ProviderSuspended { provider: T::AccountId, stake: BalanceOf<T> },
		/// A suspended provider bonded back above the minimum stake.
		ProviderReinstated { provider: T::AccountId, stake: BalanceOf<T> },
		/// A job was posted and its budget put in escrow. `voting` is false when R = 1: the
		/// result is then accepted on the provider's reputation alone.
		JobPosted {
			job: JobId,
			owner: T::AccountId,
			tasks: u32,
			replicas: u32,
			voting: bool,
			budget: BalanceOf<T>,
			/// Held for the job's storage until it is pruned ([`Event::JobPruned`]).
			deposit: BalanceOf<T>,
		},
		/// A job was cancelled; `refunded` (the margin for extra replicas) went back to its owner
		/// now, each task's budget follows with [`Event::TaskCancelled`].
		JobCancelled { job: JobId, refunded: BalanceOf<T> },
		/// Every task of a job reached its end; `refunded` (the unspent budget) went back to its
		/// owner.
		JobFinished {
			job: JobId,
			verified: u32,
			failed: u32,
			cancelled: u32,
			refunded: BalanceOf<T>,
		},
		/// A replica of a task was assigned to a provider, which must commit by `commit_by`.
		ReplicaAssigned {
			job: JobId,
			task: TaskIndex,
			provider: T::AccountId,
			commit_by: BlockNumberFor<T>,
		},
		/// A task could not get all its replicas in this block; it stays queued.
		TaskUnassignable { job: JobId, task: TaskIndex, reason: Unassignable },
		/// A job's tasks could not be assigned for [`Config::UnassignableTimeout`] blocks:
		/// its tasks without replicas fail ([`FailReason::Unassignable`]) and are refunded.
		/// Tasks already running go on.
		JobExpired { job: JobId, reason: Unassignable },
		/// No replacement could be found for a task's missed replicas within
		/// [`Config::UnassignableTimeout`]: it goes on with the `replicas` it has.
		TaskShortened { job: JobId, task: TaskIndex, replicas: u32 },
		/// An ended job's storage was pruned after [`Config::RetentionPeriod`]: `results` is the
		/// hash chain of its tasks' outcomes, kept in [`JobRecords`], and `deposit` went back to
		/// its requester.
		JobPruned { job: JobId, results: H256, deposit: BalanceOf<T> },
		/// No committee could be drawn for an escalated verdict within
		/// [`Config::UnassignableTimeout`]: the verdict stands and the challenger's bond is
		/// returned.
		EscalationLapsed { job: JobId, task: TaskIndex, challenger: T::AccountId },
		/// A replica committed its result.
		ResultCommitted { job: JobId, task: TaskIndex, provider: T::AccountId },
		/// Every replica of a task committed (or missed its deadline): reveals are due by
		/// `deadline`.
		RevealsOpened { job: JobId, task: TaskIndex, deadline: BlockNumberFor<T> },
		/// A replica revealed its result.
		ResultRevealed { job: JobId, task: TaskIndex, provider: T::AccountId, result: H256 },
		/// A strict majority of replicas revealed `result`. The verdict is open to challenge
		/// until block `until`; [`Event::TaskVerified`] follows when it becomes final.
		VerdictReached {
			job: JobId,
			task: TaskIndex,
			result: H256,
			agreeing: u32,
			until: BlockNumberFor<T>,
		},
		/// A task's result is final: its replicas were paid and its dissenters slashed.
		/// `agreeing` replicas revealed `result`.
		TaskVerified { job: JobId, task: TaskIndex, result: H256, agreeing: u32 },
		/// The chain ran a challenged task itself, or an escalation's committee decided it, and
		/// got the verdict's result: the verdict is final and the challenger's `bond` was
		/// burned.
		ChallengeRejected {
			job: JobId,
			task: TaskIndex,
			challenger: T::AccountId,
			bond: BalanceOf<T>,
		},
		/// The chain ran a challenged task itself, or an escalation's committee decided it, and
		/// got `result`, not the verdict's `overturned`: the replicas that revealed `result` are
		/// paid, the others slashed, and the challenger's bond returned (less an escalation's
		/// committee).
		ChallengeUpheld {
			job: JobId,
			task: TaskIndex,
			challenger: T::AccountId,
			result: H256,
			overturned: H256,
		},
		/// `challenger` escalated the verdict on a task: a fresh committee of `committee`
		/// providers, none of whom ran it, decides it, paid from the `bond` held.
		Escalated {
			job: JobId,
			task: TaskIndex,
			challenger: T::AccountId,
			bond: BalanceOf<T>,
			committee: u32,
		},
		/// No result had a strict majority: each replica that revealed was paid the base fee
		/// ([`Config::NoMajorityFee`]), and a fresh round of `replicas` new providers decides
		/// the task. Earlier reveals do not count in it.
		RoundRestarted { job: JobId, task: TaskIndex, replicas: u32 },
		/// A replica reported that its job's program or input could not be fetched: it was
		/// released without reward or penalty and, unless the task failed for it, replaced.
		DataUnavailable { job: JobId, task: TaskIndex, provider: T::AccountId },
		/// A task failed because its data could not be fetched ([`FailReason::Unavailable`]):
		/// `burned` of its requester's storage deposit was burned.
		DepositBurned { job: JobId, task: TaskIndex, burned: BalanceOf<T> },
		/// A task failed and its budget was refunded.
		TaskFailed { job: JobId, task: TaskIndex, reason: FailReason },
		/// A task was cancelled with its job before any commitment; `refunded` went back to the
		/// job's owner.
		TaskCancelled { job: JobId, task: TaskIndex, refunded: BalanceOf<T> },
		/// A replica was paid: the price, for a result the verdict confirmed, or the base fee,
		/// for a reveal in a round without a majority.
		ReplicaPaid { job: JobId, task: TaskIndex, provider: T::AccountId, amount: BalanceOf<T> },
		/// A replica's result disagreed with the verdict, or the referee proved it wrong: it was
		/// slashed.
		ReplicaSlashed {
			job: JobId,
			task: TaskIndex,
			provider: T::AccountId,
			amount: BalanceOf<T>,
			reputation: u32,
		},
		/// A replica missed its commit or reveal deadline: it was slashed and, if the job still
		/// runs, replaced.
		ReplicaMissed {
			job: JobId,
			task: TaskIndex,
			provider: T::AccountId,
			slashed: BalanceOf<T>,
			reputation: u32,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The account is already a registered provider.
		AlreadyRegistered,
		/// The account is not a registered provider.
		NotRegistered,
		/// The stake is below the minimum stake.
		StakeBelowMinimum,
		/// The provider registry is full.
		TooManyProviders,
		/// The capabilities offer no runtime, no cores or no task slots.
		InvalidCapabilities,
		/// The account's free balance cannot cover the stake or the job's budget.
		InsufficientBalance,
		/// Only an active provider can be paused.
		NotActive,
		/// Only a paused provider can be resumed.
		NotPaused,
		/// The provider is already leaving.
		AlreadyUnbonding,
		/// The provider still holds assignments without a verdict.
		UnfinishedAssignments,
		/// The provider has not started unbonding.
		NotUnbonding,
		/// The unbonding period is not over yet.
		UnbondingNotOver,
		/// The amount must be more than zero.
		ZeroAmount,
		/// A job needs at least one task.
		NoTasks,
		/// R must be between 1 and the maximum number of replicas.
		InvalidReplicas,
		/// The price per replica is below the market's minimum price ([`Config::MinPrice`]).
		PriceBelowMinimum,
		/// The minimum reputation asked is above the highest reputation there is.
		ReputationUnreachable,
		/// Fewer registered providers offer the job's runtime than it wants replicas.
		TooFewProviders,
		/// The job asks more cores, memory or GPUs per task than any registered provider of its
		/// runtime offers.
		ResourcesUnavailable,
		/// A provider may declare at most [`Config::MaxTasksPerProvider`] task slots.
		TooManyTaskSlots,
		/// Every deadline must be between 1 and the maximum deadline.
		InvalidDeadline,
		/// The program declares a size of zero or, for wasm, no entry point or a fuel limit of
		/// zero.
		InvalidProgram,
		/// A task input declares a size of zero.
		InvalidInput,
		/// The job's budget does not fit the balance type.
		BudgetOverflow,
		/// No job has this id.
		JobNotFound,
		/// Only the job's owner may do this.
		NotJobOwner,
		/// The job is not open any more.
		JobNotOpen,
		/// The job has no task with this index.
		TaskNotFound,
		/// The caller holds no live replica of this task.
		NotAssigned,
		/// The task takes no commitments: its reveals are open or it has ended.
		TaskNotRunning,
		/// The caller already committed a result for this task.
		AlreadyCommitted,
		/// The replica's commit deadline has passed.
		CommitDeadlinePassed,
		/// More than [`Config::FetchWindow`] blocks (or half the time to its commit deadline)
		/// have passed since the replica was assigned: its data is presumed fetched, and it can
		/// no longer report it unavailable.
		FetchWindowOver,
		/// The task's verdict is escalated: its data was fetched by its earlier replicas, who
		/// serve it, so a committee member cannot report it unavailable.
		Escalated,
		/// Reveals of this task are not open.
		RevealsNotOpen,
		/// The task's reveal deadline has passed.
		RevealDeadlinePassed,
		/// The caller already revealed its result for this task.
		AlreadyRevealed,
		/// The revealed result and salt do not match the commitment.
		CommitmentMismatch,
		/// A batch must hold at least one item.
		EmptyBatch,
		/// Job ids are exhausted.
		JobIdOverflow,
		/// The task has no verdict open to challenge.
		NotProvisional,
		/// The task's challenge period is over.
		ChallengePeriodOver,
		/// Only a replica of the task or the job's owner may challenge its verdict.
		NotEntitledToChallenge,
		/// The chain referees wasm tasks only; other tasks are challenged by escalation.
		NotRefereeable,
		/// The task needs more fuel or memory than the chain referees
		/// ([`Config::MaxRefereeFuel`], [`Config::MaxRefereeMemoryMib`]).
		TooLargeToReferee,
		/// The program given does not hash to the job's program.
		ProgramMismatch,
		/// The input given does not hash to the task's input.
		InputMismatch,
		/// The referee's run used up the fuel the challenge declared before the task ended,
		/// within the job's limit: declare the fuel the task burns.
		NotEnoughFuel,
		/// The chain referees this wasm task itself: challenge it with `challenge_wasm`.
		UseTheReferee,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// Deadlines first (they free capacity and ask for replacements), then a few pruned
		/// tasks, then assignment, then pruning with the weight left, all under one weight meter limited to
		/// [`Config::HookWeightLimit`]. Every visit the hook makes, to a deadline page, a queue
		/// entry, a task or a pruned task, is charged to the meter.
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			let mut meter = polkadot_sdk::frame_support::weights::WeightMeter::with_limit(
				T::HookWeightLimit::get(),
			);
			meter.consume(T::WeightInfo::on_initialize_base());
			Self::process_deadlines(now, &mut meter);
			Self::process_pruning(now, &mut meter, crate::pruning::PRUNED_FIRST);
			Self::process_queue(now, &mut meter);
			Self::process_pruning(now, &mut meter, u32::MAX);
			meter.consumed()
		}

		fn integrity_test() {
			assert!(T::MaxReplicas::get() >= 1, "MaxReplicas must be at least 1");
			assert!(T::MaxTasksPerJob::get() >= 1, "MaxTasksPerJob must be at least 1");
			assert!(T::MaxBatch::get() >= 1, "MaxBatch must be at least 1");
			assert!(T::MaxDeadlinesPerBlock::get() >= 1, "MaxDeadlinesPerBlock must be at least 1");
			assert!(T::MaxSamplingAttempts::get() >= 1, "MaxSamplingAttempts must be at least 1");
			assert!(
				T::ReputationThreshold::get() <= T::InitialReputation::get()
					&& T::InitialReputation::get() <= T::MaxReputation::get(),
				"reputation: threshold <= initial <= max"
			);
			assert!(!T::MinStake::get().is_zero(), "MinStake must be more than zero");
			assert!(!T::MinPrice::get().is_zero(), "MinPrice must be more than zero");
			assert!(T::TasksPerTurn::get() >= 1, "TasksPerTurn must be at least 1");
			assert!(T::NewcomerTasks::get() >= 1, "NewcomerTasks must be at least 1");
			assert!(T::MaxTasksPerProvider::get() >= 1, "MaxTasksPerProvider must be at least 1");
			assert!(
				!T::UnassignableTimeout::get().is_zero(),
				"UnassignableTimeout must be at least one block"
			);
			// Otherwise the hook could never assign a task or handle a deadline.
			let hook = T::HookWeightLimit::get();
			assert!(
				hook.all_gte(
					Self::worst_task_weight()
						.saturating_add(Self::visit_weight())
						.saturating_add(T::WeightInfo::on_initialize_base())
				),
				"HookWeightLimit must fit a queue visit with the most expensive task: assigning it, cancelling it or ending its wait"
			);
			assert!(
				hook.all_gte(
					Self::prune_task_weight()
						.max(Self::prune_job_weight())
						.saturating_add(T::WeightInfo::on_initialize_base())
				),
				"HookWeightLimit must fit pruning a task or ending a pruning"
			);
			assert!(
				!T::RetentionPeriod::get().is_zero(),
				"RetentionPeriod must be at least one block, for requesters to read their results"
			);
			assert!(
				hook.all_gte(Self::worst_deadline_weight()),
				"HookWeightLimit must fit the most expensive deadline"
			);
			// The largest task the chain referees must fit in one extrinsic.
			let weights = <T as polkadot_sdk::frame_system::Config>::BlockWeights::get();
			let normal = weights.get(polkadot_sdk::frame_support::dispatch::DispatchClass::Normal);
			let max_extrinsic = normal.max_extrinsic.unwrap_or(weights.max_block);
			assert!(
				max_extrinsic.all_gte(Self::worst_challenge_weight(
					T::MaxRefereeProgram::get(),
					T::MaxRefereeInput::get(),
					T::MaxRefereeFuel::get()
				)),
				"the referee's limits (MaxRefereeFuel, MaxRefereeProgram, MaxRefereeInput) must fit one extrinsic"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(
			_n: BlockNumberFor<T>,
		) -> Result<(), polkadot_sdk::sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Register the caller as a provider.
		///
		/// - `stake`: held from the caller's free balance; at least [`Config::MinStake`].
		/// - `capabilities`: the machine one task may use, task slots and runtimes offered.
		/// - `contact`: libp2p peer id and addresses, where requesters and peers reach it.
		/// - `price_floor`: the lowest price per replica it works for.
		///
		/// Emits [`Event::ProviderRegistered`]. Constant time.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register())]
		pub fn register(
			origin: OriginFor<T>,
			stake: BalanceOf<T>,
			capabilities: Capabilities,
			contact: Contact,
			price_floor: BalanceOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_register(who, stake, capabilities, contact, price_floor)
		}

		/// Change the caller's capabilities, contact and price floor. Takes effect for new
		/// assignments.
		///
		/// Emits [`Event::ProviderUpdated`]. Constant time.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::update())]
		pub fn update(
			origin: OriginFor<T>,
			capabilities: Capabilities,
			contact: Contact,
			price_floor: BalanceOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_update(who, capabilities, contact, price_floor)
		}

		/// Add `amount` to the caller's stake. A suspended provider whose stake reaches the
		/// minimum again is reinstated.
		///
		/// Emits [`Event::StakeBonded`] (and [`Event::ProviderReinstated`]). Constant time.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::bond_extra())]
		pub fn bond_extra(origin: OriginFor<T>, amount: BalanceOf<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_bond_extra(who, amount)
		}

		/// Stop receiving new assignments; the ones held are still to be finished.
		///
		/// Emits [`Event::ProviderPaused`]. Constant time.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::pause())]
		pub fn pause(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_pause(who)
		}

		/// Receive assignments again after [`Pallet::pause`].
		///
		/// Emits [`Event::ProviderResumed`]. Constant time.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::resume())]
		pub fn resume(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_resume(who)
		}

		/// Start leaving: no new assignments; the stake stays held (and slashable) for
		/// [`Config::UnbondingPeriod`]. Refused while the provider holds assignments without a
		/// verdict: pause, let them finish, then unbond.
		///
		/// Emits [`Event::UnbondingStarted`]. Constant time.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::unbond())]
		pub fn unbond(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_unbond(who)
		}

		/// Release the stake once the unbonding period is over and deregister. The provider's
		/// standing stays on chain, in `KeptStandings`, unless it is a newcomer's.
		///
		/// Emits [`Event::StakeWithdrawn`]. Constant time.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::withdraw_unbonded())]
		pub fn withdraw_unbonded(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_withdraw_unbonded(who)
		}

		/// Post a job: one task per input, all running `program` under `terms`.
		///
		/// Holds `price × (tasks × R + margin)` from the caller's free balance, where the margin
		/// pays for extra replicas after a vote without majority ([`Config::ExtraReplicaMargin`]
		/// of `tasks × R`, none when R = 1). What is not spent is refunded.
		///
		/// Emits [`Event::JobPosted`]. Linear in the number of tasks.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::post_job(inputs.len() as u32))]
		pub fn post_job(
			origin: OriginFor<T>,
			program: Program,
			inputs: BoundedVec<TaskInput, T::MaxTasksPerJob>,
			terms: JobTerms<BalanceOf<T>, BlockNumberFor<T>>,
			contact: Contact,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_post_job(who, program, inputs, terms, contact)
		}

		/// Cancel an open job. The margin for extra replicas is refunded at once. Every task is
		/// then cancelled in the next blocks, in order and under the hook's weight budget:
		/// tasks without a commitment end, their replicas are released without penalty and
		/// their budget refunded ([`Event::TaskCancelled`]); tasks with a commitment are still
		/// settled. [`Event::JobFinished`] refunds the rest when the last task has ended.
		///
		/// Emits [`Event::JobCancelled`]. Constant time.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::cancel_job())]
		pub fn cancel_job(origin: OriginFor<T>, job: JobId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_cancel_job(who, job)
		}

		/// Commit results: for each item, the caller's [`conun_primitives::commitment`] to the
		/// result of a task it was assigned. All or nothing: one bad item fails the call.
		///
		/// Emits [`Event::ResultCommitted`] per item and [`Event::RevealsOpened`] for tasks
		/// whose replicas have all committed. Linear in the batch size.
		#[pallet::call_index(9)]
		#[pallet::weight(
			T::WeightInfo::commit_results(commits.len() as u32)
				.saturating_add(Pallet::<T>::worst_pool_edits_weight(1))
		)]
		pub fn commit_results(
			origin: OriginFor<T>,
			commits: BoundedVec<CommitItem, T::MaxBatch>,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let count = commits.len() as u32;
			Self::with_pool_edits(|| {
				Self::do_commit_results(who, commits)?;
				Ok(Some(T::WeightInfo::commit_results(count)).into())
			})
		}

		/// Reveal results committed earlier: for each item, the result hash and the salt of the
		/// commitment. All or nothing. The last reveal of a task brings its verdict, provisional
		/// for [`Config::ChallengePeriod`] blocks (final at once when there is none).
		///
		/// Emits [`Event::ResultRevealed`] per item, and [`Event::VerdictReached`] for each task
		/// whose last reveal this is and whose replicas agree. Any other verdict (no majority,
		/// an escalation's committee) is reached by the hook at the next block. Charged up front
		/// as if every item were the last reveal of its task; the weight of the verdicts that
		/// did not happen is refunded. Linear in the batch size.
		#[pallet::call_index(10)]
		#[pallet::weight(
			T::WeightInfo::reveal_results(reveals.len() as u32).saturating_add(
				Pallet::<T>::reveal_verdict_weight().saturating_mul(reveals.len() as u64)
			)
		)]
		pub fn reveal_results(
			origin: OriginFor<T>,
			reveals: BoundedVec<RevealItem, T::MaxBatch>,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let count = reveals.len() as u32;
			Self::with_pool_edits(|| {
				let verdicts = Self::do_reveal_results(who, reveals)?;
				Ok(Some(T::WeightInfo::reveal_results(count).saturating_add(verdicts)).into())
			})
		}

		/// Challenge a wasm task's verdict while it is open to challenge: the chain runs the task
		/// itself and its result decides.
		///
		/// - origin: a replica of the task, or the job's owner;
		/// - `program` and `input`: the bytes of the job's program and the task's input, checked
		///   against their hashes on chain;
		/// - `fuel`: the fuel to run it with, at most [`Config::MaxRefereeFuel`]: what the
		///   challenger's own run burned. A run that needs more, within the job's limit, fails
		///   the call with [`Error::NotEnoughFuel`].
		///
		/// [`Config::ChallengeBond`] is held from the caller. The runtime runs the task in
		/// `conun-sandbox` (the sandbox every worker runs) under the job's fuel and memory, and
		/// hashes its output as a worker does. When that hash is the verdict's, the verdict is
		/// final and the bond burned ([`Event::ChallengeRejected`]). Otherwise the bond is
		/// returned, the replicas that revealed the chain's hash are paid, every replica that
		/// revealed another one loses [`Config::RefereeSlash`] of its stake and all its
		/// reputation, a [`Config::SlashRewardShare`] of those slashes going to the
		/// challenger, and the fee is waived ([`Event::ChallengeUpheld`]). When no replica
		/// revealed the chain's hash the task fails and is refunded.
		///
		/// Weight: linear in the bytes given and in the task's fuel, charged up front for the
		/// fuel declared and refunded down to the fuel burned.
		#[pallet::call_index(11)]
		#[pallet::weight(Pallet::<T>::worst_challenge_weight(program.len() as u32, input.len() as u32, *fuel))]
		pub fn challenge_wasm(
			origin: OriginFor<T>,
			task: TaskRef,
			program: BoundedVec<u8, T::MaxRefereeProgram>,
			input: BoundedVec<u8, T::MaxRefereeInput>,
			fuel: u64,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			Self::with_pool_edits(|| Self::do_challenge_wasm(who, task, program, input, fuel))
		}

		/// Challenge a verdict the chain cannot referee itself (a docker task, or a wasm task
		/// beyond the referee's limits) while it is open to challenge: a fresh committee of
		/// 2R + 1 providers, none of whom ran the task, runs it with its own commit and reveal,
		/// and its strict majority decides.
		///
		/// - origin: a replica of the task, or the job's owner.
		///
		/// The caller's bond, [`Config::ChallengeBond`] plus the committee's price (2R + 1
		/// times the job's price), is held; the committee's majority is paid from it. When the
		/// committee's result is the verdict's, the verdict stands, the rest of the bond up to
		/// `ChallengeBond` is burned and the remainder returned ([`Event::ChallengeRejected`]).
		/// Otherwise the replicas that revealed the committee's result are paid from escrow,
		/// the others lose [`Config::RefereeSlash`] of their stake (a
		/// [`Config::SlashRewardShare`] to the challenger) and all reputation, and the rest of
		/// the bond is returned ([`Event::ChallengeUpheld`]). A committee without a majority
		/// fails the task, refunded, and returns the rest of the bond. The committee's verdict
		/// is final: a task is escalated once.
		#[pallet::call_index(12)]
		#[pallet::weight(T::WeightInfo::challenge_escalate(T::MaxReplicas::get()))]
		pub fn challenge_escalate(
			origin: OriginFor<T>,
			task: TaskRef,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			Self::do_challenge_escalate(who, task)
		}

		/// Report that the program or input of tasks the caller was assigned cannot be fetched,
		/// within [`Config::FetchWindow`] blocks of each assignment and before committing. All
		/// or nothing: one bad item fails the call.
		///
		/// Each replica is released without reward or penalty ([`Event::DataUnavailable`]) and
		/// replaced; once a majority of a task's R replicas (at least two) have reported, and
		/// none has committed, the task fails ([`FailReason::Unavailable`]), its budget is
		/// refunded and [`Config::TaskDeposit`] of the requester's storage deposit is burned
		/// ([`Event::DepositBurned`]). Refused during an escalation. Linear in the batch size.
		#[pallet::call_index(13)]
		#[pallet::weight(Pallet::<T>::report_unavailable_weight(tasks.len() as u32))]
		pub fn report_unavailable(
			origin: OriginFor<T>,
			tasks: BoundedVec<TaskRef, T::MaxBatch>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_report_unavailable(who, tasks)
		}
	}
}
