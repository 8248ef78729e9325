//! The pallets that `scripts/benchmark.sh` measures (with `--features runtime-benchmarks`).
//! The macros this defines are used by the `Benchmark` runtime API in `apis.rs`.

frame_benchmarking::define_benchmarks!(
	[frame_system, SystemBench::<Runtime>]
	[pallet_balances, Balances]
	[pallet_providers, Providers]
	[pallet_consent, Consent]
);
