//! The storage version: a chain starts at the layout the code reads, and the invariants catch
//! a runtime upgrade that changed the layout without migrating it.

use super::*;
use polkadot_sdk::frame_support::traits::{GetStorageVersion, StorageVersion};

#[test]
fn a_new_chain_stores_the_layout_the_code_reads() {
	ExtBuilder::default().build_and_execute(|| {
		assert_eq!(Market::on_chain_storage_version(), crate::STORAGE_VERSION);
		assert_eq!(Market::in_code_storage_version(), crate::STORAGE_VERSION);
	});
}

#[test]
fn an_upgrade_that_skipped_its_migration_fails_the_invariants() {
	ExtBuilder::default().build().execute_with(|| {
		StorageVersion::new(0).put::<Market>();
		assert!(Market::do_try_state().is_err());
		crate::STORAGE_VERSION.put::<Market>();
		assert!(Market::do_try_state().is_ok());
	});
}

#[test]
fn the_upgrade_to_version_2_rebuilds_the_stake_trees_from_the_pools() {
	use crate::migrations::v2::{old, MigrateToV2};
	use conun_primitives::RuntimeKind;
	use polkadot_sdk::frame_support::traits::OnRuntimeUpgrade;

	// 20 providers: more than MaxSamplingAttempts, so assignment draws through the tree.
	let providers: Vec<AccountId> = (1..=20).collect();
	ExtBuilder::default().providers(&providers).build().execute_with(|| {
		let kind = RuntimeKind::Wasm;
		let weights: Vec<u128> = (0..20).map(|index| Market::pool_weight(kind, index)).collect();
		let total: u128 = weights.iter().sum();
		// The pool as version 1 stored it: each member's weight, a binary Fenwick tree of
		// single sums (1-based) and the total.
		let _ = crate::PoolTree::<Test>::clear(u32::MAX, None);
		for (index, weight) in weights.iter().enumerate() {
			old::PoolStakes::<Test>::insert(kind, index as u32, weight);
		}
		for node in 1..=20u32 {
			let low = node - (node & node.wrapping_neg());
			let sum: u128 = weights[low as usize..node as usize].iter().sum();
			old::PoolTree::<Test>::insert(kind, node, sum);
		}
		old::PoolTotal::<Test>::insert(kind, total);
		StorageVersion::new(1).put::<Market>();
		assert!(Market::do_try_state().is_err(), "version 1 is not the code's layout");

		MigrateToV2::<Test>::on_runtime_upgrade();

		assert_eq!(Market::on_chain_storage_version(), StorageVersion::new(2));
		assert_eq!(old::PoolStakes::<Test>::iter().count(), 0);
		assert_eq!(old::PoolTotal::<Test>::iter().count(), 0);
		let rebuilt: Vec<u128> = (0..20).map(|index| Market::pool_weight(kind, index)).collect();
		assert_eq!(rebuilt, weights);
		// The providers' records were written in the code's layout (version 3) already: only
		// the version changes to the code's.
		crate::STORAGE_VERSION.put::<Market>();
		assert_eq!(Market::do_try_state(), Ok(()));
		// It runs once: a second upgrade leaves the tree as it is.
		let tree: Vec<_> = crate::PoolTree::<Test>::iter_prefix(kind).collect();
		MigrateToV2::<Test>::on_runtime_upgrade();
		assert_eq!(crate::PoolTree::<Test>::iter_prefix(kind).collect::<Vec<_>>(), tree);
		// And the market assigns from the rebuilt tree.
		let job = post(3, 20);
		run_to_block(2);
		for task in 0..20 {
			assert_eq!(replicas(job, task).len(), 3);
		}
	});
}

#[test]
fn the_upgrade_to_version_3_moves_each_standing_into_its_providers_record() {
	use crate::migrations::v3::{old, MigrateToV3};
	use conun_primitives::Standing;
	use polkadot_sdk::frame_support::{storage::unhashed, traits::OnRuntimeUpgrade};

	let providers: Vec<AccountId> = (1..=4).collect();
	ExtBuilder::default().providers(&providers).build().execute_with(|| {
		let records: Vec<_> = providers
			.iter()
			.map(|who| crate::Providers::<Test>::get(who).unwrap())
			.collect();
		// The layout version 2 stored: records without standings, every standing apart, and
		// the standing of an account that left (9).
		let standing_of = |who: AccountId| Standing {
			reputation: 100 + who as u32,
			verified: who as u32,
			earned: 10 * who as u128,
			..Default::default()
		};
		for (who, record) in providers.iter().zip(&records) {
			let before = old::ProviderInfo::<Test> {
				stake: record.stake,
				status: record.status,
				capabilities: record.capabilities.clone(),
				price_floor: record.price_floor,
				running: record.running,
				unsettled: record.unsettled,
				registered_at: record.registered_at,
			};
			unhashed::put(&crate::Providers::<Test>::hashed_key_for(who), &before);
			old::Standings::<Test>::insert(who, standing_of(*who));
		}
		old::Standings::<Test>::insert(9, standing_of(9));
		StorageVersion::new(2).put::<Market>();

		MigrateToV3::<Test>::on_runtime_upgrade();

		assert_eq!(Market::on_chain_storage_version(), StorageVersion::new(3));
		for (who, record) in providers.iter().zip(&records) {
			let after = crate::Providers::<Test>::get(who).expect("the record decodes");
			assert_eq!(after.standing, standing_of(*who), "its own standing, not a newcomer's");
			assert_eq!(after.stake, record.stake);
			assert_eq!(after.capabilities, record.capabilities);
			assert_eq!(after.registered_at, record.registered_at);
		}
		assert_eq!(old::Standings::<Test>::iter().count(), 0, "the old map is gone");
		assert_eq!(
			crate::KeptStandings::<Test>::iter().collect::<Vec<_>>(),
			vec![(9, standing_of(9))]
		);
		assert_eq!(Market::standing(&9), standing_of(9), "who left keeps its record");
		assert_eq!(Market::do_try_state(), Ok(()));
		// It runs once.
		MigrateToV3::<Test>::on_runtime_upgrade();
		assert_eq!(crate::Providers::<Test>::get(1).unwrap().standing, standing_of(1));
	});
}
