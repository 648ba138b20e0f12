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
