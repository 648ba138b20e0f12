//! A test runtime: system, balances and the market, with a deterministic randomness source.

use crate as pallet_market;
use crate::BalanceOf;
use conun_primitives::{
	Capabilities, Contact, Deadlines, JobTerms, Program, Resources, RuntimeSet, TaskInput,
};
use polkadot_sdk::{
	frame_support::{
		derive_impl, parameter_types,
		traits::{ConstU32, ConstU64, Hooks, Randomness},
		weights::Weight,
	},
	frame_system, pallet_balances,
	sp_core::H256,
	sp_io,
	sp_runtime::{traits::Hash, BuildStorage, Perbill},
};

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = u64;
pub type Balance = u128;
pub type BlockNumber = u64;

polkadot_sdk::frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Market: pallet_market,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<Balance>;
	// Real database weights, so that the hook's metering of storage visits is tested.
	type DbWeight = polkadot_sdk::frame_support::weights::constants::RocksDbWeight;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type Balance = Balance;
	type AccountStore = System;
	type ExistentialDeposit = ConstU128<1>;
	type RuntimeHoldReason = RuntimeHoldReason;
}

pub struct ConstU128<const N: u128>;
impl<const N: u128> polkadot_sdk::frame_support::traits::Get<u128> for ConstU128<N> {
	fn get() -> u128 {
		N
	}
}

/// Randomness that changes every block, like BABE's VRF output, but reproducible.
pub struct TestRandomness;
impl Randomness<Option<H256>, BlockNumber> for TestRandomness {
	fn random(subject: &[u8]) -> (Option<H256>, BlockNumber) {
		let block = System::block_number();
		let salt = RandomnessSalt::get();
		(Some(<Test as frame_system::Config>::Hashing::hash_of(&(subject, block, salt))), block)
	}
}

parameter_types! {
	pub static RandomnessSalt: u64 = 0;
	pub static HookWeightLimit: Weight = Weight::from_parts(2_000_000_000_000, u64::MAX);
	pub const DisagreementSlash: Perbill = Perbill::from_percent(10);
	pub const MissedDeadlineSlash: Perbill = Perbill::from_percent(2);
	pub const SlashRewardShare: Perbill = Perbill::from_percent(50);
	pub const ExtraReplicaMargin: Perbill = Perbill::from_percent(20);
	pub const DisagreementKeeps: Perbill = Perbill::from_parts(666_666_667);
	pub const RefereeSlash: Perbill = Perbill::from_percent(50);
	pub const NoMajorityFee: Perbill = Perbill::from_percent(50);
	/// Zero (verdicts final at once) unless a test sets it with [`ExtBuilder::challenge_period`].
	pub static ChallengePeriod: BlockNumber = 0;
	/// Admission is tested on its own (`tests/liveness.rs`); elsewhere it stays out of the way.
	pub static StakePerTask: Balance = 1;
	pub static NewcomerTasks: u32 = 1_000;
	/// Deposits and pruning are tested on their own (`tests/pruning.rs`) and in the randomized
	/// test; elsewhere no deposit is held and ended jobs stay long enough to be looked at.
	pub static JobDeposit: Balance = 0;
	pub static TaskDeposit: Balance = 0;
	pub static RetentionPeriod: BlockNumber = 1_000;
}

pub const CHALLENGE_BOND: Balance = 500;

pub const MIN_STAKE: Balance = 1_000;
pub const UNBONDING: BlockNumber = 10;
pub const MAX_REPLICAS: u32 = 5;
pub const TASKS_PER_TURN: u32 = 8;
pub const UNASSIGNABLE_TIMEOUT: BlockNumber = 20;
pub const MIN_PRICE: Balance = 2;
pub const FETCH_WINDOW: BlockNumber = 3;
pub const MAX_TASKS_PER_PROVIDER: u32 = 1_024;

impl pallet_market::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Randomness = TestRandomness;
	type WeightInfo = ();
	type MinStake = ConstU128<MIN_STAKE>;
	type StakeWeightCap = ConstU128<100_000>;
	type UnbondingPeriod = ConstU64<UNBONDING>;
	type MaxProviders = ConstU32<64>;
	type MaxTasksPerJob = ConstU32<256>;
	type MaxReplicas = ConstU32<MAX_REPLICAS>;
	type MaxExtraReplicas = ConstU32<MAX_REPLICAS>;
	type MaxReplacements = ConstU32<3>;
	type ExtraReplicaMargin = ExtraReplicaMargin;
	type MaxBatch = ConstU32<64>;
	type MaxDeadlinesPerBlock = ConstU32<64>;
	type MaxDeadline = ConstU64<1_000>;
	type MaxSamplingAttempts = ConstU32<16>;
	type HookWeightLimit = HookWeightLimit;
	type TasksPerTurn = ConstU32<TASKS_PER_TURN>;
	type ParkedRetriesPerBlock = ConstU32<4>;
	type UnassignableTimeout = ConstU64<UNASSIGNABLE_TIMEOUT>;
	type FetchWindow = ConstU64<FETCH_WINDOW>;
	type MinPrice = ConstU128<MIN_PRICE>;
	type JobDeposit = JobDeposit;
	type TaskDeposit = TaskDeposit;
	type RetentionPeriod = RetentionPeriod;
	type MaxTasksPerProvider = ConstU32<MAX_TASKS_PER_PROVIDER>;
	type StakePerTask = StakePerTask;
	type NewcomerTasks = NewcomerTasks;
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
	type ChallengePeriod = ChallengePeriod;
	type ChallengeBond = ConstU128<CHALLENGE_BOND>;
	type RefereeSlash = RefereeSlash;
	type MaxRefereeFuel = ConstU64<10_000_000>;
	type MaxRefereeMemoryMib = ConstU32<16>;
	type MaxRefereeProgram = ConstU32<{ 64 << 10 }>;
	type MaxRefereeInput = ConstU32<{ 64 << 10 }>;
}

/// Every test account starts with this much.
pub const ENDOWMENT: Balance = 1_000_000;
/// The requester of most tests.
pub const REQUESTER: AccountId = 100;

/// Capabilities of a typical provider: 4 cores, 8 GiB, wasm and docker, 4 tasks at once.
pub fn caps() -> Capabilities {
	Capabilities {
		resources: Resources { cores: 4, memory_mib: 8192, gpus: 0 },
		gpu_model: Default::default(),
		runtimes: RuntimeSet { wasm: true, docker: true },
		max_tasks: 4,
	}
}

pub fn contact(seed: u8) -> Contact {
	Contact {
		peer_id: vec![seed; 38].try_into().unwrap(),
		addrs: vec![vec![4, 127, 0, 0, 1, 6, 0x1f, 0x90].try_into().unwrap()]
			.try_into()
			.unwrap(),
	}
}

pub fn wasm_program() -> Program {
	Program::Wasm {
		hash: H256::repeat_byte(0xaa),
		size: 1_000,
		entry_point: b"_start".to_vec().try_into().unwrap(),
		fuel: 1_000_000,
	}
}

pub fn inputs(n: u32) -> Vec<TaskInput> {
	(0..n)
		.map(|i| TaskInput { hash: H256::from_low_u64_be(i as u64 + 1), size: 100 })
		.collect()
}

/// Terms of a typical job: R replicas at 10 CON-units each, deadlines 5/2/3 blocks.
pub fn terms(replicas: u32) -> JobTerms<BalanceOf<Test>, BlockNumber> {
	JobTerms {
		resources: Resources { cores: 1, memory_mib: 512, gpus: 0 },
		replicas,
		price: 10,
		min_reputation: 0,
		deadlines: Deadlines { execution: 5, commit: 2, reveal: 3 },
	}
}

/// Builds the test externalities; checks every invariant when the test ends.
pub struct ExtBuilder {
	providers: Vec<AccountId>,
	stake: Balance,
	challenge_period: BlockNumber,
}

impl Default for ExtBuilder {
	fn default() -> Self {
		Self { providers: Vec::new(), stake: 10_000, challenge_period: 0 }
	}
}

impl ExtBuilder {
	/// Register these accounts as providers with [`caps`] in block 1.
	pub fn providers(mut self, providers: &[AccountId]) -> Self {
		self.providers = providers.to_vec();
		self
	}

	pub fn stake(mut self, stake: Balance) -> Self {
		self.stake = stake;
		self
	}

	/// Verdicts stay open to challenge for `blocks` blocks (none by default).
	pub fn challenge_period(mut self, blocks: BlockNumber) -> Self {
		self.challenge_period = blocks;
		self
	}

	pub fn build(self) -> sp_io::TestExternalities {
		let accounts: Vec<(AccountId, Balance)> = (1..=120).map(|who| (who, ENDOWMENT)).collect();
		// The whole runtime's genesis, as a chain starts: it also writes each pallet's storage
		// version.
		let storage = RuntimeGenesisConfig {
			balances: pallet_balances::GenesisConfig::<Test> {
				balances: accounts,
				..Default::default()
			},
			..Default::default()
		}
		.build_storage()
		.unwrap();
		let mut ext = sp_io::TestExternalities::new(storage);
		ChallengePeriod::set(self.challenge_period);
		ext.execute_with(|| {
			System::set_block_number(1);
			for who in self.providers.iter() {
				Market::register(
					RuntimeOrigin::signed(*who),
					self.stake,
					caps(),
					contact(*who as u8),
					1,
				)
				.unwrap();
			}
		});
		ext
	}

	/// Build, run `test`, then check the market's invariants.
	pub fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			test();
			Market::do_try_state().expect("invariants hold");
		});
	}
}

/// Go to block `n`, running the market's hooks in each block.
pub fn run_to_block(n: BlockNumber) {
	while System::block_number() < n {
		Market::do_try_state().expect("invariants hold");
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Market::on_initialize(next);
	}
}

/// The market's events so far, oldest first.
pub fn market_events() -> Vec<pallet_market::Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|record| match record.event {
			RuntimeEvent::Market(event) => Some(event),
			_ => None,
		})
		.collect()
}
