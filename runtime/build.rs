//! Builds the runtime to WebAssembly (`WASM_BINARY`), which is what the node executes.
//! `SKIP_WASM_BUILD=1` skips it, for checks and tests that only need the native crate.

#[cfg(feature = "std")]
fn main() {
	polkadot_sdk::substrate_wasm_builder::WasmBuilder::build_using_defaults();
}

#[cfg(not(feature = "std"))]
fn main() {}
