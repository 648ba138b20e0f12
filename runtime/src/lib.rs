//! # The Conun runtime
//!
//! The state transition function of the Conun chain. Today it holds the chain foundation:
//!
//! - `System`, `Timestamp`;
//! - `Babe` for block production (its VRF output is the on-chain randomness that task
//!   assignment draws with) and `Grandpa` for finality;
//! - `Balances`: the native token **CON**, 12 decimals ([`currency`]);
//! - `TransactionPayment`: fees in CON, burned (see [`configs`]);
//! - `Sudo`, for the development and test networks;
//! - `Market`: the compute market (`pallet-market`): provider stakes, jobs and escrow, task
//!   assignment drawn from BABE's VRF output, commit-reveal verification and reputation.
//!
//! Layout follows the polkadot-sdk templates: pallet configuration lives in [`configs`],
//! runtime APIs in `apis.rs`, genesis presets in [`genesis_config_presets`].

#![cfg_attr(not(feature = "std"), no_std)]
// `construct_runtime` and `impl_runtime_apis` need a high recursion limit.
#![recursion_limit = "256"]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

extern crate alloc;

use alloc::vec::Vec;

pub mod apis;
pub use apis::RuntimeApi;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarks;
pub mod configs;
pub mod db_weights;
pub mod genesis_config_presets;

use polkadot_sdk::{
	sp_runtime::{
		generic, impl_opaque_keys,
		traits::{BlakeTwo256, IdentifyAccount, Verify},
		MultiAddress, MultiSignature,
	},
	sp_version::RuntimeVersion,
	*,
};

pub use polkadot_sdk::sp_runtime::{Perbill, Permill};

/// Block number: `u32` lasts 400 years at 3 s blocks.
pub type BlockNumber = u32;

/// Signature scheme of accounts (sr25519, ed25519 or ecdsa).
pub type Signature = MultiSignature;

/// An account id is the public key of its signing scheme.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;

/// An amount of CON, in its smallest unit (10^-12 CON).
pub type Balance = u128;

/// The number of transactions an account has sent.
pub type Nonce = u32;

/// Hash of blocks and storage tries.
pub type Hash = polkadot_sdk::sp_core::H256;

/// Amounts of the native token. CON has 12 decimals (like Kusama's KSM); wallets read the
/// decimals and symbol from the chain properties the node publishes.
pub mod currency {
	use super::Balance;

	/// Number of decimals of CON, published in the chain properties for wallets.
	pub const DECIMALS: u8 = 12;
	/// The token symbol, published in the chain properties for wallets.
	pub const SYMBOL: &str = "CON";
	/// One CON.
	pub const CON: Balance = 1_000_000_000_000;
	/// One thousandth of a CON.
	pub const MILLICON: Balance = CON / 1_000;
	/// One millionth of a CON.
	pub const MICROCON: Balance = CON / 1_000_000;

	/// The smallest balance an account may hold; an account that falls below is reaped and its
	/// dust burned. 1 milli-CON keeps empty accounts from filling state while staying far below
	/// any stake or price a provider or requester will use.
	pub const EXISTENTIAL_DEPOSIT: Balance = MILLICON;
}

/// Time, in blocks and slots.
pub mod time {
	use super::BlockNumber;

	/// Target block time. BABE has one slot per block time; with secondary VRF slots every slot
	/// gets a block, so this is also the actual block time on a healthy network.
	pub const MILLISECS_PER_BLOCK: u64 = 3_000;

	/// Slot duration. It cannot change once the chain has started.
	pub const SLOT_DURATION: u64 = MILLISECS_PER_BLOCK;

	pub const MINUTES: BlockNumber = 60_000 / (MILLISECS_PER_BLOCK as BlockNumber);
	pub const HOURS: BlockNumber = MINUTES * 60;
	pub const DAYS: BlockNumber = HOURS * 24;

	/// BABE epoch length: one hour. The validator set is fixed at genesis today, so epochs only
	/// rotate randomness.
	pub const EPOCH_DURATION_IN_SLOTS: u64 = HOURS as u64;

	/// The probability of a primary slot claim, `c` in the BABE paper: one in four slots has a
	/// primary (VRF lottery) author, the others fall back to secondary VRF slots.
	pub const PRIMARY_PROBABILITY: (u64, u64) = (1, 4);
}

/// The runtime version. `spec_version` must increase with every change of the runtime logic.
#[polkadot_sdk::sp_version::runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("conun"),
	impl_name: alloc::borrow::Cow::Borrowed("conun-node"),
	authoring_version: 1,
	spec_version: 106,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 1,
	system_version: 1,
};

/// BABE's epoch configuration at genesis: primary slots with probability
/// [`time::PRIMARY_PROBABILITY`], and secondary VRF slots so that every slot has an author and
/// every block carries a VRF output.
pub const BABE_GENESIS_EPOCH_CONFIG: sp_consensus_babe::BabeEpochConfiguration =
	sp_consensus_babe::BabeEpochConfiguration {
		c: time::PRIMARY_PROBABILITY,
		allowed_slots: sp_consensus_babe::AllowedSlots::PrimaryAndSecondaryVRFSlots,
	};

/// Opaque types for the node, which does not need to know the runtime's extrinsic format.
pub mod opaque {
	use super::*;
	pub use polkadot_sdk::sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;

	/// Opaque block header type.
	pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
	/// Opaque block type.
	pub type Block = generic::Block<Header, UncheckedExtrinsic>;
	/// Opaque block identifier type.
	pub type BlockId = generic::BlockId<Block>;
}

impl_opaque_keys! {
	/// The keys a validator registers: BABE for authoring, GRANDPA for finality voting.
	pub struct SessionKeys {
		pub babe: Babe,
		pub grandpa: Grandpa,
	}
}

/// The address format for describing accounts.
pub type Address = MultiAddress<AccountId, ()>;
/// Block header type as expected by this runtime.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
/// Block type as expected by this runtime.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;
/// A block that has been signed and finalized, as returned by RPC.
pub type SignedBlock = generic::SignedBlock<Block>;

/// The transaction extensions every signed transaction carries, checked in this order.
pub type TxExtension = (
	frame_system::CheckNonZeroSender<Runtime>,
	frame_system::CheckSpecVersion<Runtime>,
	frame_system::CheckTxVersion<Runtime>,
	frame_system::CheckGenesis<Runtime>,
	frame_system::CheckEra<Runtime>,
	frame_system::CheckNonce<Runtime>,
	frame_system::CheckWeight<Runtime>,
	pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
	frame_system::WeightReclaim<Runtime>,
);

/// Unchecked extrinsic type as expected by this runtime.
pub type UncheckedExtrinsic =
	generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;

/// The payload being signed in transactions.
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;

/// Migrations to run on the next runtime upgrade, beyond those of the pallets themselves.
/// Each runs once, from the storage version it names.
type Migrations = (
	pallet_market::migrations::v2::MigrateToV2<Runtime>,
	pallet_market::migrations::v3::MigrateToV3<Runtime>,
);

/// Dispatches calls to the pallets and runs their hooks.
pub type Executive = frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
	Migrations,
>;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Runtime;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;

	#[runtime::pallet_index(1)]
	pub type Timestamp = pallet_timestamp;

	#[runtime::pallet_index(2)]
	pub type Babe = pallet_babe;

	#[runtime::pallet_index(3)]
	pub type Grandpa = pallet_grandpa;

	#[runtime::pallet_index(4)]
	pub type Balances = pallet_balances;

	#[runtime::pallet_index(5)]
	pub type TransactionPayment = pallet_transaction_payment;

	#[runtime::pallet_index(6)]
	pub type Sudo = pallet_sudo;

	#[runtime::pallet_index(7)]
	pub type Market = pallet_market;
}
