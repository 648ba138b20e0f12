//! One `Config` implementation per pallet, and the parameters they share.
//!
//! Choices a reader may ask about:
//!
//! - **Block weight.** A block may hold one second of reference-hardware execution
//!   ([`RuntimeBlockWeights`]) in a 3 s slot; BABE gives the author half the slot to build it,
//!   and the rest is import and gossip time on the other validators.
//! - **Fees are burned.** Transaction fees go to no one (`FungibleAdapter<Balances, ()>`): the
//!   validator set is fixed at genesis, so there is no block-author reward to fund, and burning
//!   keeps the supply rule simple ("total issuance moves only by fees and slashes").
//! - **Weight to fee.** One planck (10^-12 CON) per picosecond of reference execution, plus one
//!   micro-CON per byte of transaction (the client test prints what a transfer paid).

use polkadot_sdk::{
	frame_support::{
		derive_impl,
		dispatch::DispatchClass,
		parameter_types,
		traits::{ConstU128, ConstU32, ConstU64, ConstU8, VariantCountOf},
		weights::{constants::WEIGHT_REF_TIME_PER_SECOND, ConstantMultiplier, IdentityFee, Weight},
	},
	frame_system::limits::{BlockLength, BlockWeights},
	pallet_transaction_payment::{ConstFeeMultiplier, FungibleAdapter, Multiplier},
	sp_runtime::{traits::One, Perbill},
	sp_version::RuntimeVersion,
	*,
};

use super::{
	currency::{CON, EXISTENTIAL_DEPOSIT, MICROCON, MILLICON},
	time::{DAYS, EPOCH_DURATION_IN_SLOTS, HOURS, MILLISECS_PER_BLOCK, MINUTES, SLOT_DURATION},
	AccountId, Babe, Balance, Balances, Block, BlockNumber, Hash, Nonce, PalletInfo, Runtime,
	RuntimeCall, RuntimeEvent, RuntimeFreezeReason, RuntimeHoldReason, RuntimeOrigin, RuntimeTask,
	System, VERSION,
};

/// Share of a block available to normal (non-operational) extrinsics.
const NORMAL_DISPATCH_RATIO: Perbill = Perbill::from_percent(75);

/// Maximum number of BABE and GRANDPA authorities.
pub const MAX_AUTHORITIES: u32 = 100;

parameter_types! {
	pub const BlockHashCount: BlockNumber = 2400;
	pub const Version: RuntimeVersion = VERSION;

	/// One second of execution per 3 second block.
	pub RuntimeBlockWeights: BlockWeights = BlockWeights::with_sensible_defaults(
		Weight::from_parts(WEIGHT_REF_TIME_PER_SECOND, u64::MAX),
		NORMAL_DISPATCH_RATIO,
	);
	/// Blocks of at most 5 MiB.
	pub RuntimeBlockLength: BlockLength = BlockLength::builder()
		.max_length(5 * 1024 * 1024)
		.modify_max_length_for_class(DispatchClass::Normal, |max| {
			*max = NORMAL_DISPATCH_RATIO * *max
		})
		.build();
	/// The generic Substrate address prefix: dev accounts show as wallets expect them.
	pub const SS58Prefix: u16 = 42;
}

#[derive_impl(frame_system::config_preludes::SolochainDefaultConfig)]
impl frame_system::Config for Runtime {
	type Block = Block;
	type BlockWeights = RuntimeBlockWeights;
	type BlockLength = RuntimeBlockLength;
	type AccountId = AccountId;
	type Nonce = Nonce;
	type Hash = Hash;
	type BlockHashCount = BlockHashCount;
	/// A read and a write in the node's ParityDB, measured on this machine on a chain of the
	/// design's size (`scripts/bench/storage.sh`, docs/benchmarks.md).
	type DbWeight = crate::db_weights::MeasuredDbWeight;
	type Version = Version;
	type AccountData = pallet_balances::AccountData<Balance>;
	type SS58Prefix = SS58Prefix;
	type MaxConsumers = ConstU32<16>;
}

impl pallet_timestamp::Config for Runtime {
	/// Milliseconds since the Unix epoch.
	type Moment = u64;
	type OnTimestampSet = Babe;
	/// BABE's slot duration is twice this.
	type MinimumPeriod = ConstU64<{ SLOT_DURATION / 2 }>;
	type WeightInfo = pallet_timestamp::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	pub const EpochDuration: u64 = EPOCH_DURATION_IN_SLOTS;
	pub const ExpectedBlockTime: u64 = MILLISECS_PER_BLOCK;
}

impl pallet_babe::Config for Runtime {
	type EpochDuration = EpochDuration;
	type ExpectedBlockTime = ExpectedBlockTime;
	/// The authority set is fixed at genesis (no session or staking pallet yet).
	type EpochChangeTrigger = pallet_babe::SameAuthoritiesForever;
	type DisabledValidators = ();
	type WeightInfo = ();
	type MaxAuthorities = ConstU32<MAX_AUTHORITIES>;
	type MaxNominators = ConstU32<0>;
	/// Without a session pallet there is no key-ownership proof, so equivocations cannot be
	/// reported on chain yet.
	type KeyOwnerProof = sp_core::Void;
	type EquivocationReportSystem = ();
}

impl pallet_grandpa::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = ();
	type MaxAuthorities = ConstU32<MAX_AUTHORITIES>;
	type MaxNominators = ConstU32<0>;
	type MaxSetIdSessionEntries = ConstU64<0>;
	type KeyOwnerProof = sp_core::Void;
	type EquivocationReportSystem = ();
}

impl pallet_balances::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeHoldReason = RuntimeHoldReason;
	type RuntimeFreezeReason = RuntimeFreezeReason;
	type WeightInfo = pallet_balances::weights::SubstrateWeight<Runtime>;
	type Balance = Balance;
	/// Dust of reaped accounts is burned.
	type DustRemoval = ();
	type ExistentialDeposit = ConstU128<EXISTENTIAL_DEPOSIT>;
	type AccountStore = System;
	type ReserveIdentifier = [u8; 8];
	type FreezeIdentifier = RuntimeFreezeReason;
	/// Locks and reserves are the deprecated `Currency` API; Conun uses holds and freezes.
	type MaxLocks = ConstU32<0>;
	type MaxReserves = ConstU32<0>;
	type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
	type DoneSlashHandler = ();
}

parameter_types! {
	pub FeeMultiplier: Multiplier = Multiplier::one();
}

impl pallet_transaction_payment::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	/// Fees are withdrawn in CON and burned.
	type OnChargeTransaction = FungibleAdapter<Balances, ()>;
	type WeightToFee = IdentityFee<Balance>;
	type LengthToFee = ConstantMultiplier<Balance, ConstU128<MICROCON>>;
	type FeeMultiplierUpdate = ConstFeeMultiplier<FeeMultiplier>;
	type OperationalFeeMultiplier = ConstU8<5>;
	type WeightInfo = pallet_transaction_payment::weights::SubstrateWeight<Runtime>;
}

impl pallet_sudo::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type WeightInfo = pallet_sudo::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// Up to half of a block's weight goes to deadlines, verdicts and assignment in
	/// `on_initialize`; the rest is left to transactions (commits, reveals, jobs, challenges).
	/// The hook is the market's bound (issue 17: at 30 % it was full in every busy block while
	/// transactions used 60 ms of theirs); half leaves room beside a full hook for the dearest
	/// challenge (0.33 s) and the commits and reveals of every task the hook can assign.
	pub MarketHookWeight: Weight = Perbill::from_percent(50) * RuntimeBlockWeights::get().max_block;
	pub const DisagreementSlash: Perbill = Perbill::from_percent(10);
	pub const MissedDeadlineSlash: Perbill = Perbill::from_percent(1);
	pub const SlashRewardShare: Perbill = Perbill::from_percent(50);
	pub const ExtraReplicaMargin: Perbill = Perbill::from_percent(10);
	/// iExec's rule: a provider caught disagreeing keeps two thirds of its reputation.
	pub const DisagreementKeeps: Perbill = Perbill::from_parts(666_666_667);
	/// A replica the chain's referee proves wrong loses half its stake (and all reputation).
	pub const RefereeSlash: Perbill = Perbill::from_percent(50);
	/// Each revealer of a round without a majority is paid a quarter of the price.
	pub const NoMajorityFee: Perbill = Perbill::from_percent(25);
}

/// The compute market. `docs/protocol.md` explains each parameter's role; in short:
///
/// - providers stake at least 100 CON and wait an hour to withdraw after unbonding;
/// - a round without a majority pays each revealer a quarter of the price and is replaced by
///   a fresh round of R new providers (one per task at most), whose votes alone decide;
/// - a replica out-voted loses 10 % of its stake (burned) and a third of its reputation; one
///   that committed and withheld its reveal loses at least as much; a no-show loses 1 %
///   (burned) and 50 reputation points out of 1000;
/// - a verdict is open to challenge for 10 blocks (30 s); a challenger puts up 10 CON; a
///   replica the chain's referee proves wrong loses half its stake, a quarter of it going to
///   the challenger, and all its reputation;
/// - below 100 reputation, or 100 CON of stake, a provider gets no work; it holds at most one
///   task per CON staked, and a newcomer 64 (one more per verified replica);
/// - a job must offer at least 0.001 CON per replica, and terms some registered provider of its
///   runtime could meet; tasks that find no providers for 30 minutes stop waiting;
/// - a replica that cannot fetch its job's data reports it within 5 minutes and is released
///   unpunished; when a majority of R do, the task fails and 0.01 CON of the requester's
///   deposit is burned.
impl pallet_market::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	/// BABE's VRF output of the block's author, known from the block's header.
	type Randomness = pallet_babe::ParentBlockRandomness<Runtime>;
	type WeightInfo = pallet_market::weights::SubstrateWeight<Runtime>;
	type MinStake = ConstU128<{ 100 * CON }>;
	type StakeWeightCap = ConstU128<{ 100_000 * CON }>;
	type UnbondingPeriod = ConstU32<HOURS>;
	type MaxProviders = ConstU32<16_384>;
	type MaxTasksPerJob = ConstU32<5_000>;
	type MaxReplicas = ConstU32<7>;
	// One fresh round for a task of any R after a round without a majority.
	type MaxExtraReplicas = ConstU32<7>;
	type MaxReplacements = ConstU32<4>;
	type ExtraReplicaMargin = ExtraReplicaMargin;
	type MaxBatch = ConstU32<128>;
	type MaxDeadlinesPerBlock = ConstU32<1_024>;
	type MaxDeadline = ConstU32<DAYS>;
	type MaxSamplingAttempts = ConstU32<16>;
	type HookWeightLimit = MarketHookWeight;
	// A requester's turn assigns up to 64 tasks of one of its jobs, then the next requester's
	// turn comes.
	type TasksPerTurn = ConstU32<64>;
	type ParkedRetriesPerBlock = ConstU32<16>;
	// Half an hour without the providers a task needs ends the wait: replicas already working
	// go on or are released, a job whose tasks find nobody ends, refunded.
	type UnassignableTimeout = ConstU32<{ 30 * MINUTES }>;
	// A replica has five minutes from its assignment to report that its job's data cannot be
	// fetched: the worker tries twice first, and one try at a peer that never answers can take
	// a minute (dialing, then the 30 s request timeout). After that the data is presumed
	// fetched.
	type FetchWindow = ConstU32<{ 5 * MINUTES }>;
	type MinPrice = ConstU128<MILLICON>;
	// A job's storage is paid for while it is kept: 0.1 CON a job and 0.01 CON a task (a
	// 5,000-task job holds 50.1 CON), returned when it is pruned a day after it ended.
	type JobDeposit = ConstU128<{ 100 * MILLICON }>;
	type TaskDeposit = ConstU128<{ 10 * MILLICON }>;
	type RetentionPeriod = ConstU32<DAYS>;
	type MaxTasksPerProvider = ConstU32<1_024>;
	// 1 CON at stake per task held at once: the 100 CON minimum holds 100 tasks.
	type StakePerTask = ConstU128<CON>;
	// A newcomer holds 64 tasks at once, one more per replica it has had verified.
	type NewcomerTasks = ConstU32<64>;
	type DisagreementSlash = DisagreementSlash;
	type MissedDeadlineSlash = MissedDeadlineSlash;
	type SlashRewardShare = SlashRewardShare;
	type InitialReputation = ConstU32<500>;
	type MaxReputation = ConstU32<1_000>;
	type ReputationThreshold = ConstU32<100>;
	type ReputationGain = ConstU32<5>;
	type MissedDeadlinePenalty = ConstU32<50>;
	type DisagreementKeeps = DisagreementKeeps;
	type NoMajorityFee = NoMajorityFee;
	type ChallengePeriod = ConstU32<10>;
	type ChallengeBond = ConstU128<{ 10 * CON }>;
	type RefereeSlash = RefereeSlash;
	// The referee burns a million fuel in about 12 ms on this machine (weights.rs,
	// docs/benchmarks.md): the dearest challenge, 25 million fuel and 1 MiB each of program and
	// input, weighs about 0.33 s, within one normal extrinsic (integrity_test checks it) and
	// beside a hook that used its whole half of the block, so a challenge is never shut out by
	// load. The examples' tasks need less (sum-range 13.5 million fuel a task, mandelbrot 5.9
	// million); a task that needs more is challenged by escalation.
	type MaxRefereeFuel = ConstU64<25_000_000>;
	type MaxRefereeMemoryMib = ConstU32<64>;
	type MaxRefereeProgram = ConstU32<{ 1 << 20 }>;
	type MaxRefereeInput = ConstU32<{ 1 << 20 }>;
}
