fn main() {
	#[cfg(feature = "std")]
	{
		// The target directory lives outside the checkout (scripts/env.sh), so the wasm builder
		// cannot find our Cargo.lock by walking up from OUT_DIR. Point it at the workspace here,
		// for this crate alone: other runtimes in the graph (the benchmark CLI's test runtime)
		// are not in our workspace's metadata and must resolve on their own.
		let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
		std::env::set_var("WASM_BUILD_WORKSPACE_HINT", workspace);
		substrate_wasm_builder::WasmBuilder::build_using_defaults();
	}
}
