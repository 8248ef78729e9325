#!/usr/bin/env bash
# Measure the sentinel on a real dev node (`docs/performance.md`'s figures): blocks from a stolen-credential
# burst to the suspension (RUNS bursts, default 20) and the offchain worker's time per block with
# TOUCHED practitioners making requests (default 100,1000). Builds the node if needed.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$EHR_ROOT"
cargo build --locked "${EHR_BINARIES[@]}"
node tests/bench/sentinel.mjs
