#!/usr/bin/env bash
# Run the zombienet suites (default: faults.zndsl, governance.zndsl) on four validators of the local chain, with our
# own ehr-node and zombienet's native provider. Part of the test command (scripts/test.sh).
#   zombienet/run.sh [suite.zndsl ...]
# Each suite's network state and node logs stay under a temporary directory, printed at the start.
set -euo pipefail
source "$(dirname "$0")/../scripts/env.sh"
cd "$EHR_ROOT/zombienet"
[ -x "$EHR_NODE" ] || { echo "no node at $EHR_NODE: run 'cargo build -p ehr-node' first" >&2; exit 1; }

work="$(mktemp -d "${TMPDIR:-/tmp}/ehr-zombienet.XXXXXX")"
echo "zombienet: state and logs under $work"
# The raw spec keeps the genesis as the runtime builds it: zombienet rewrites a plain spec's
# session keys with its own (and has no sentinel key among them).
"$EHR_NODE" build-spec --chain local --raw --disable-default-bootnode >"$work/local-raw.json" 2>"$work/build-spec.log"
export EHR_NODE EHR_CHAIN_SPEC="$work/local-raw.json"
# What the governance suite upgrades to: the runtime one spec_version on (runtime/build.rs). The
# dev profile's wasm builder leaves it uncompressed, and at 6 MB (pallet-revive) it no longer
# fits in a 5 MiB block: compressed here as a release build compresses it (zstd behind
# sp-maybe-compressed-blob's 8-byte prefix), which the chain unpacks.
bloaty="$CARGO_TARGET_DIR/debug/wbuild/ehr-runtime/upgrade_wasm_binary.rs.wasm"
export EHR_UPGRADE_WASM="$work/upgrade.compressed.wasm"
{ printf '\x52\xbc\x53\x76\x46\xdb\x8e\x05'; zstd -q -10 -c "$bloaty"; } >"$EHR_UPGRADE_WASM"

suites=("$@")
(($#)) || suites=(faults.zndsl governance.zndsl)
for suite in "${suites[@]}"; do
	echo "zombienet: $suite"
	npx --no-install zombienet --provider native --dir "$work/$(basename "$suite" .zndsl)" test "$suite"
done
