//! Storage migrations, one module per layout version.

/// Version 1 → 2: the pools' stake moves from a binary Fenwick tree (`PoolTree` of single
/// sums, with `PoolStakes` and `PoolTotal` beside it) to a tree of sixteen sums a node
/// (`stake_tree.rs`), whose last level holds the members' weights and whose root adds up to
/// the pool's total.
pub mod v2 {
	use crate::{Config, Pallet, Pool, PoolLen, Providers};
	use conun_primitives::RuntimeKind;
	use polkadot_sdk::{
		frame_support::{
			migrations::VersionedMigration, storage_alias, traits::UncheckedOnRuntimeUpgrade,
			weights::Weight, Twox64Concat,
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
						.and_then(|who| Providers::<T>::get(who))
						.map(|provider| provider.stake)
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
