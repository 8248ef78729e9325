#!/usr/bin/env bash
# Measure throughput with the load generator (tests/load/load.mjs: its options, what it writes)
# and draw the run's charts into the same directory (tests/load/chart.sh). Builds the node first.
#
#   scripts/measure-throughput.sh OUT_DIR [load.mjs options...]
#   scripts/measure-throughput.sh docs/performance/dev-node --count 16000
#   scripts/measure-throughput.sh docs/performance/four-validators --url ws://127.0.0.1:9944 \
#       --mix request --rate 100 --count 3000       # scripts/local-network.sh running
#
# Not a test: nothing is asserted; docs/performance.md says what each run measured.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$EHR_ROOT"
[ $# -ge 1 ] || { echo "usage: $0 OUT_DIR [load.mjs options...]" >&2; exit 2; }
out="$1"
shift
cargo build --locked "${EHR_BINARIES[@]}"
node tests/load/load.mjs --out "$out" "$@"
tests/load/chart.sh "$out" "($(basename "$out"))"
