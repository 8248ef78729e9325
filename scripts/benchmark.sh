#!/usr/bin/env bash
# Regenerate the weights of our pallets with frame-benchmarking (v2 benchmarks, run in the
# runtime wasm by `ehr-node benchmark pallet`) and write each pallet's `src/weights.rs`.
#
#   scripts/benchmark.sh                 # every pallet below
#   scripts/benchmark.sh pallet_providers
#
# It builds the node with the `runtime-benchmarks` feature: a second, long build (every crate
# that depends on sp-runtime changes), into the same target directory. Run it on the reference
# machine whose figures docs/performance.md quotes, with nothing else loading it.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$EHR_ROOT"

if (($#)); then
	PALLETS=("$@")
else
	PALLETS=(pallet_providers pallet_consent pallet_audit pallet_sentinel pallet_mandate pallet_validator_set pallet_consent_precompile)
fi

cargo build --locked -p ehr-node --features runtime-benchmarks
for pallet in "${PALLETS[@]}"; do
	name="${pallet#pallet_}"
	dir="pallets/${name//_/-}"
	"$EHR_NODE" benchmark pallet \
		--runtime "$CARGO_TARGET_DIR/debug/wbuild/ehr-runtime/ehr_runtime.wasm" \
		--genesis-builder-preset development \
		--pallet "$pallet" --extrinsic '*' \
		--steps 50 --repeat 20 \
		--template scripts/frame-weight-template.hbs \
		--header scripts/weights-header.txt \
		--output "$dir/src/weights.rs"
done
