//! The chains `conun-node` knows by name. Each one only picks a genesis preset of the runtime
//! (`runtime/src/genesis_config_presets.rs`) and adds the properties wallets read.

use conun_runtime::{
	currency::{DECIMALS, SYMBOL},
	genesis_config_presets::LOCAL_TESTNET_RUNTIME_PRESET,
	WASM_BINARY,
};
use polkadot_sdk::{
	sc_chain_spec::{ChainType, Properties},
	sc_service, sp_genesis_builder,
};

/// A chain specification with no extensions.
pub type ChainSpec = sc_service::GenericChainSpec;

/// The SS58 address prefix wallets should use (the generic Substrate prefix).
const SS58_FORMAT: u16 = 42;

/// What polkadot.js apps and other wallets read to show balances: `CON` with 12 decimals.
fn properties() -> Properties {
	let mut properties = Properties::new();
	properties.insert("tokenSymbol".into(), SYMBOL.into());
	properties.insert("tokenDecimals".into(), DECIMALS.into());
	properties.insert("ss58Format".into(), SS58_FORMAT.into());
	properties
}

fn wasm_binary() -> Result<&'static [u8], String> {
	WASM_BINARY.ok_or_else(|| {
		"The runtime's WebAssembly binary is missing: this node was built with \
		 SKIP_WASM_BUILD; rebuild it without."
			.to_string()
	})
}

/// A chain of the given name, id and type whose genesis is the runtime preset `preset`.
fn chain_spec(
	name: &str,
	id: &str,
	chain_type: ChainType,
	preset: &str,
) -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm_binary()?, None)
		.with_name(name)
		.with_id(id)
		.with_protocol_id("conun")
		.with_chain_type(chain_type)
		.with_genesis_config_preset_name(preset)
		.with_properties(properties())
		.build())
}

/// `--dev`: one validator (Alice).
pub fn development_chain_spec() -> Result<ChainSpec, String> {
	chain_spec(
		"Conun Development",
		"conun_dev",
		ChainType::Development,
		sp_genesis_builder::DEV_RUNTIME_PRESET,
	)
}

/// `--chain local`: four validators (Alice, Bob, Charlie, Dave), so that one can be lost.
pub fn local_chain_spec() -> Result<ChainSpec, String> {
	chain_spec(
		"Conun Local Testnet",
		"conun_local_testnet",
		ChainType::Local,
		LOCAL_TESTNET_RUNTIME_PRESET,
	)
}
