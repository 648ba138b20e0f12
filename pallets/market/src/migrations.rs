//! Storage migrations, one module per layout version.

/// Version 1 → 2: the pools' stake moves from a binary Fenwick tree (`PoolTree` of single
/// sums, with `PoolStakes` and `PoolTotal` beside it) to a tree of sixteen sums a node
/// (`stake_tree.rs`), whose last level holds the members' weights and whose root adds up to
/// the pool's total.
pub mod v2 {
	use crate::{BalanceOf, Config, Pallet, Pool, PoolLen};
	use conun_primitives::RuntimeKind;
	use polkadot_sdk::{
		frame_support::{
			migrations::VersionedMigration, storage_alias, traits::UncheckedOnRuntimeUpgrade,
			weights::Weight, Blake2_128Concat, Twox64Concat,
		},
		frame_system,
		sp_runtime::traits::{Get, Saturating},
	};

	/// The version 1 layout, read here only to be cleared.
	pub(crate) mod old {
		use super::*;

		#[storage_alias]
		pub type PoolStakes<T: Config> =
			StorageDoubleMap<Pallet<T>, Twox64Concat, RuntimeKind, Twox64Concat, u32, u128>;

		#[storage_alias]
		pub type PoolTree<T: Config> =
			StorageDoubleMap<Pallet<T>, Twox64Concat, RuntimeKind, Twox64Concat, u32, u128>;

		#[storage_alias]
		pub type PoolTotal<T: Config> = StorageMap<Pallet<T>, Twox64Concat, RuntimeKind, u128>;

		/// A provider's stake, read from the front of its record: the stake is the first field
		/// of every layout of `Providers` (a stored value decodes from its first bytes), so
		/// this migration reads version 1's records whatever the code's layout is by now.
		#[storage_alias]
		pub type Providers<T: Config> = StorageMap<
			Pallet<T>,
			Blake2_128Concat,
			<T as frame_system::Config>::AccountId,
			BalanceOf<T>,
		>;
	}

	/// Rebuild each runtime's stake tree from its pool: every member weighs its capped stake,
	/// as the version 1 layout held it.
	pub struct RebuildStakeTrees<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for RebuildStakeTrees<T> {
		fn on_runtime_upgrade() -> Weight {
			let mut reads = 0u64;
			let mut writes = 0u64;
			let cleared = [
				old::PoolStakes::<T>::clear(u32::MAX, None).unique,
				old::PoolTree::<T>::clear(u32::MAX, None).unique,
				old::PoolTotal::<T>::clear(u32::MAX, None).unique,
			];
			writes.saturating_accrue(cleared.iter().map(|n| u64::from(*n)).sum::<u64>());
			let depth = u64::from(Pallet::<T>::tree_depth());
			for kind in RuntimeKind::ALL {
				let len = PoolLen::<T>::get(kind);
				reads.saturating_inc();
				for index in 0..len {
					let stake = Pool::<T>::get(kind, index)
						.and_then(old::Providers::<T>::get)
						.unwrap_or_default();
					Pallet::<T>::set_draw_weight(kind, index, Pallet::<T>::draw_weight(stake));
					reads.saturating_accrue(2u64.saturating_add(depth));
					writes.saturating_accrue(depth);
				}
			}
			T::DbWeight::get().reads_writes(reads, writes)
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(
			_state: alloc::vec::Vec<u8>,
		) -> Result<(), polkadot_sdk::sp_runtime::TryRuntimeError> {
			Pallet::<T>::do_try_state()
		}
	}

	/// The migration to run on the upgrade to version 2: only from version 1, once.
	pub type MigrateToV2<T> = VersionedMigration<
		1,
		2,
		RebuildStakeTrees<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}

/// Version 2 → 3: a registered provider's standing moves into its record (`Providers`), so
/// that a payment, a commit or an assignment reads and writes one storage item per provider
/// instead of two (issue 17). `Standings` becomes `KeptStandings` and keeps only the
/// standings of accounts that left.
pub mod v3 {
	use crate::{BalanceOf, Config, KeptStandings, Pallet, ProviderInfo, Providers};
	use codec::{Decode, Encode};
	use conun_primitives::{Capabilities, ProviderStatus, Standing};
	use polkadot_sdk::{
		frame_support::{
			migrations::VersionedMigration, storage_alias, traits::UncheckedOnRuntimeUpgrade,
			weights::Weight, Blake2_128Concat,
		},
		frame_system::{self, pallet_prelude::BlockNumberFor},
		sp_runtime::traits::{Get, Saturating},
	};

	/// The version 2 layout.
	pub(crate) mod old {
		use super::*;

		/// A provider's record without its standing.
		#[derive(Encode, Decode)]
		pub struct ProviderInfo<T: Config> {
			pub stake: BalanceOf<T>,
			pub status: ProviderStatus<BlockNumberFor<T>>,
			pub capabilities: Capabilities,
			pub price_floor: BalanceOf<T>,
			pub running: u32,
			pub unsettled: u32,
			pub registered_at: BlockNumberFor<T>,
		}

		/// Every provider's standing, registered or not.
		#[storage_alias]
		pub type Standings<T: Config> = StorageMap<
			Pallet<T>,
			Blake2_128Concat,
			<T as frame_system::Config>::AccountId,
			Standing<BalanceOf<T>>,
		>;
	}

	/// Fold each provider's standing into its record; keep the others in `KeptStandings`.
	pub struct FoldStandings<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for FoldStandings<T> {
		fn on_runtime_upgrade() -> Weight {
			let mut reads = 0u64;
			let mut writes = 0u64;
			Providers::<T>::translate::<old::ProviderInfo<T>, _>(|who, old| {
				// Every provider had a standing (a version 2 invariant); one missing is given a
				// newcomer's rather than a zero reputation that would keep it from work.
				let standing = old::Standings::<T>::take(&who)
					.unwrap_or_else(crate::reputation::initial_standing::<T>);
				reads.saturating_accrue(2);
				writes.saturating_accrue(2);
				Some(ProviderInfo {
					stake: old.stake,
					status: old.status,
					capabilities: old.capabilities,
					price_floor: old.price_floor,
					running: old.running,
					unsettled: old.unsettled,
					registered_at: old.registered_at,
					standing,
				})
			});
			for (who, standing) in old::Standings::<T>::drain() {
				KeptStandings::<T>::insert(who, standing);
				reads.saturating_inc();
				writes.saturating_accrue(2);
			}
			T::DbWeight::get().reads_writes(reads, writes)
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(
			_state: alloc::vec::Vec<u8>,
		) -> Result<(), polkadot_sdk::sp_runtime::TryRuntimeError> {
			Pallet::<T>::do_try_state()
		}
	}

	/// The migration to run on the upgrade to version 3: only from version 2, once.
	pub type MigrateToV3<T> = VersionedMigration<
		2,
		3,
		FoldStandings<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}
