fn main() {
	// The genesis presets approve the embedded model by its committed sha256 (`include_str!`
	// outside the package, which cargo does not track on its own).
	println!("cargo:rerun-if-changed=../model/anomaly.onnx.sha256");
	#[cfg(feature = "std")]
	{
		// The target directory lives outside the checkout (scripts/env.sh), so the wasm builder
		// cannot find our Cargo.lock by walking up from OUT_DIR. Point it at the workspace here,
		// for this crate alone: other runtimes in the graph (the benchmark CLI's test runtime)
		// are not in our workspace's metadata and must resolve on their own.
		// Read at run time, not with `env!`: cargo may reuse this script's binary for a checkout
		// at another path (a fresh clone sharing the target directory).
		if let Some(manifest_dir) = std::env::var_os("CARGO_MANIFEST_DIR") {
			let workspace = std::path::Path::new(&manifest_dir).join("..");
			std::env::set_var("WASM_BUILD_WORKSPACE_HINT", workspace);
		}
		substrate_wasm_builder::WasmBuilder::build_using_defaults();
		// The same runtime one spec_version on, for the runtime-upgrade test
		// (zombienet/governance.zndsl): `upgrade_wasm_binary.rs.compact.compressed.wasm` in
		// the wasm builder's directory. Not for the benchmarks' build, which runs no network.
		if std::env::var_os("CARGO_FEATURE_RUNTIME_BENCHMARKS").is_none() {
			substrate_wasm_builder::WasmBuilder::init_with_defaults()
				.enable_feature("increment-spec-version")
				.set_file_name("upgrade_wasm_binary.rs")
				.build();
		}
	}
}
