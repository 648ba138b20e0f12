//! Genesis presets: the initial state of the networks `conun-node` knows by name.
//!
//! - `development` (`--dev`): one validator, Alice, who is also sudo.
//! - `local_testnet` (`--chain local`): four validators, Alice, Bob, Charlie and Dave. GRANDPA
//!   finalizes with more than two thirds of them, so the network goes on finalizing with one of
//!   the four down (with three, it would need all three).
//!
//! In both, the well-known dev accounts (Alice … Ferdie and their `//stash` accounts) hold
//! [`ENDOWMENT`] each, so that wallets and tests can use them at once.

use alloc::{vec, vec::Vec};
use polkadot_sdk::{
	frame_support::build_struct_json_patch,
	sp_core::crypto::get_public_from_string_or_panic,
	sp_genesis_builder::{self, PresetId},
	sp_keyring::Sr25519Keyring,
	*,
};
use serde_json::Value;

use crate::{
	currency::CON, AccountId, BabeConfig, BalancesConfig, GrandpaConfig, RuntimeGenesisConfig,
	SudoConfig, BABE_GENESIS_EPOCH_CONFIG,
};

/// The balance of each endowed dev account: one million CON.
pub const ENDOWMENT: u128 = 1_000_000 * CON;

/// The preset name of the four-validator local network.
pub const LOCAL_TESTNET_RUNTIME_PRESET: &str = "local_testnet";

/// A validator's consensus keys.
struct Authority {
	babe: sp_consensus_babe::AuthorityId,
	grandpa: sp_consensus_grandpa::AuthorityId,
}

/// The BABE and GRANDPA keys derived from a dev seed such as `Alice` (`//Alice`).
///
/// Only called with the fixed, valid dev seeds below, at preset-build time on the node's side.
fn dev_authority(seed: &str) -> Authority {
	Authority {
		babe: get_public_from_string_or_panic::<sp_consensus_babe::AuthorityId>(seed),
		grandpa: get_public_from_string_or_panic::<sp_consensus_grandpa::AuthorityId>(seed),
	}
}

/// A genesis state with the given validators, endowed accounts and sudo key.
fn genesis(authorities: Vec<Authority>, endowed: Vec<AccountId>, root: AccountId) -> Value {
	build_struct_json_patch!(RuntimeGenesisConfig {
		balances: BalancesConfig {
			balances: endowed.into_iter().map(|account| (account, ENDOWMENT)).collect::<Vec<_>>(),
		},
		babe: BabeConfig {
			authorities: authorities.iter().map(|a| (a.babe.clone(), 1)).collect::<Vec<_>>(),
			epoch_config: BABE_GENESIS_EPOCH_CONFIG,
		},
		grandpa: GrandpaConfig {
			authorities: authorities.iter().map(|a| (a.grandpa.clone(), 1)).collect::<Vec<_>>(),
		},
		sudo: SudoConfig { key: Some(root) },
	})
}

/// The twelve well-known dev accounts: Alice … Ferdie and their `//stash` accounts.
fn dev_accounts() -> Vec<AccountId> {
	Sr25519Keyring::well_known().map(|k| k.to_account_id()).collect()
}

/// The `development` preset: Alice validates alone.
fn development_config_genesis() -> Value {
	genesis(vec![dev_authority("Alice")], dev_accounts(), Sr25519Keyring::Alice.to_account_id())
}

/// The `local_testnet` preset: Alice, Bob, Charlie and Dave validate together.
fn local_testnet_genesis() -> Value {
	genesis(
		vec![
			dev_authority("Alice"),
			dev_authority("Bob"),
			dev_authority("Charlie"),
			dev_authority("Dave"),
		],
		dev_accounts(),
		Sr25519Keyring::Alice.to_account_id(),
	)
}

/// The JSON patch of the preset called `id`, if there is one.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		sp_genesis_builder::DEV_RUNTIME_PRESET => development_config_genesis(),
		LOCAL_TESTNET_RUNTIME_PRESET => local_testnet_genesis(),
		_ => return None,
	};
	Some(
		serde_json::to_string(&patch)
			.expect("serialization to json is expected to work. qed.")
			.into_bytes(),
	)
}

/// The names of the presets, for `build-spec --list-presets` and chain-spec tooling.
pub fn preset_names() -> Vec<PresetId> {
	vec![
		PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
		PresetId::from(LOCAL_TESTNET_RUNTIME_PRESET),
	]
}
