//! The genesis presets, built by the real WebAssembly runtime exactly as `conun-node` builds
//! them, then read back through the pallets' own storage.

use conun_runtime::{
	currency::{CON, EXISTENTIAL_DEPOSIT},
	genesis_config_presets::{ENDOWMENT, LOCAL_TESTNET_RUNTIME_PRESET},
	time::{EPOCH_DURATION_IN_SLOTS, MILLISECS_PER_BLOCK},
	AccountId, Babe, Balances, Runtime, RuntimeOrigin, BABE_GENESIS_EPOCH_CONFIG, WASM_BINARY,
};
use polkadot_sdk::{
	frame_support::{assert_noop, assert_ok},
	sc_chain_spec::GenesisConfigBuilderRuntimeCaller,
	sp_genesis_builder::{PresetId, DEV_RUNTIME_PRESET},
	sp_io::{SubstrateHostFunctions, TestExternalities},
	sp_keyring::Sr25519Keyring,
	sp_runtime::TokenError,
	*,
};

fn builder() -> GenesisConfigBuilderRuntimeCaller<'static, SubstrateHostFunctions> {
	GenesisConfigBuilderRuntimeCaller::new(WASM_BINARY.expect("the runtime is built to wasm"))
}

/// The state of a fresh chain started from `preset`.
fn genesis(preset: &str) -> TestExternalities {
	let storage = builder()
		.get_storage_for_named_preset(Some(&preset.to_string()))
		.unwrap_or_else(|e| panic!("preset {preset} does not build: {e}"));
	TestExternalities::new(storage)
}

#[test]
fn the_runtime_offers_the_development_and_local_testnet_presets() {
	let names = builder().preset_names().expect("preset names");
	assert_eq!(
		names,
		vec![PresetId::from(DEV_RUNTIME_PRESET), PresetId::from(LOCAL_TESTNET_RUNTIME_PRESET)]
	);
}

#[test]
fn development_has_alice_as_its_only_validator_and_sudo() {
	genesis(DEV_RUNTIME_PRESET).execute_with(|| {
		let alice = Sr25519Keyring::Alice;
		let babe: Vec<_> = pallet_babe::Authorities::<Runtime>::get()
			.iter()
			.map(|(id, _)| id.clone())
			.collect();
		assert_eq!(babe, vec![alice.public().into()]);
		let grandpa = pallet_grandpa::Pallet::<Runtime>::grandpa_authorities();
		assert_eq!(grandpa.len(), 1);
		assert_eq!(pallet_sudo::Key::<Runtime>::get(), Some(alice.to_account_id()));
	});
}

#[test]
fn local_testnet_has_alice_bob_charlie_and_dave_as_validators() {
	genesis(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		let expected: Vec<sp_consensus_babe::AuthorityId> = [
			Sr25519Keyring::Alice,
			Sr25519Keyring::Bob,
			Sr25519Keyring::Charlie,
			Sr25519Keyring::Dave,
		]
		.iter()
		.map(|k| k.public().into())
		.collect();
		let babe: Vec<_> = pallet_babe::Authorities::<Runtime>::get()
			.iter()
			.map(|(id, _)| id.clone())
			.collect();
		assert_eq!(babe, expected);
		assert_eq!(pallet_grandpa::Pallet::<Runtime>::grandpa_authorities().len(), 4);
	});
}

#[test]
fn every_dev_account_starts_with_one_million_con() {
	genesis(DEV_RUNTIME_PRESET).execute_with(|| {
		assert_eq!(ENDOWMENT, 1_000_000 * CON);
		for account in Sr25519Keyring::well_known() {
			assert_eq!(Balances::free_balance(account.to_account_id()), ENDOWMENT, "{account}");
		}
		assert_eq!(pallet_balances::TotalIssuance::<Runtime>::get(), 12 * ENDOWMENT);
	});
}

#[test]
fn babe_runs_three_second_slots_with_a_block_in_every_slot() {
	genesis(DEV_RUNTIME_PRESET).execute_with(|| {
		assert!(MILLISECS_PER_BLOCK <= 3_000);
		assert_eq!(Babe::slot_duration(), MILLISECS_PER_BLOCK);
		assert_eq!(pallet_babe::EpochConfig::<Runtime>::get(), Some(BABE_GENESIS_EPOCH_CONFIG));
		assert_eq!(
			BABE_GENESIS_EPOCH_CONFIG.allowed_slots,
			sp_consensus_babe::AllowedSlots::PrimaryAndSecondaryVRFSlots
		);
		assert_eq!(<Runtime as pallet_babe::Config>::EpochDuration::get(), EPOCH_DURATION_IN_SLOTS);
	});
}

#[test]
fn a_new_account_must_receive_at_least_the_existential_deposit() {
	genesis(DEV_RUNTIME_PRESET).execute_with(|| {
		let alice = Sr25519Keyring::Alice.to_account_id();
		let newcomer = AccountId::from([7u8; 32]);
		assert_noop!(
			Balances::transfer_keep_alive(
				RuntimeOrigin::signed(alice.clone()),
				newcomer.clone().into(),
				EXISTENTIAL_DEPOSIT - 1,
			),
			TokenError::BelowMinimum
		);
		assert_ok!(Balances::transfer_keep_alive(
			RuntimeOrigin::signed(alice),
			newcomer.clone().into(),
			EXISTENTIAL_DEPOSIT,
		));
		assert_eq!(Balances::free_balance(&newcomer), EXISTENTIAL_DEPOSIT);
	});
}
