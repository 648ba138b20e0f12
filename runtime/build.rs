//! Builds the runtime to WebAssembly (`WASM_BINARY`), which is what the node executes.
//! `SKIP_WASM_BUILD=1` skips it, for checks and tests that only need the native crate.

#[cfg(feature = "std")]
fn main() {
	// The build directory lives outside the clone ($HOME/.cache/conun/target), so the wasm
	// builder cannot find our Cargo.lock by walking up from it and would resolve dependency
	// versions afresh. Point it at this workspace, so the wasm runtime is built from exactly the
	// locked versions. Set here, not in .cargo/config.toml: a global setting would also reach
	// registry crates that build wasm runtimes of their own, and break them.
	if std::env::var_os("WASM_BUILD_WORKSPACE_HINT").is_none() {
		let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
		let workspace = std::path::Path::new(&manifest_dir).join("..");
		std::env::set_var("WASM_BUILD_WORKSPACE_HINT", workspace);
	}
	substrate_wasm_builder::WasmBuilder::build_using_defaults();
}

#[cfg(not(feature = "std"))]
fn main() {}
