#!/usr/bin/env bash
# Measure what a storage read and write cost on this chain's own database (ParityDB), on a state
# the load generator filled, and write them as a `RuntimeDbWeight` to OUT (default
# docs/performance/storage/paritydb_weights.rs): what the runtime's `DbWeight`, in which every
# pallet's weights count their reads and writes, would be on that state (docs/performance.md,
# Weights, says why the runtime keeps ParityDB's generic weights).
#
#   scripts/benchmark-storage.sh [STATE_DIR] [OUT]
#
# Runs the node (`cargo build -p ehr-node`) as a dev chain under STATE_DIR (default: a temporary
# directory), fills it with LOAD (load.mjs options; default: 8,000 transfers and 8,000 access
# requests over 1,000 accounts and 1,000 patients), stops it, builds the node with
# `runtime-benchmarks` (as scripts/benchmark.sh does: that node cannot run a chain) and runs
# `ehr-node benchmark storage` on the state: every key read, then written, in random order; the
# weight is the average. Run it on the reference machine with nothing else loading
# it.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$EHR_ROOT"
state="${1:-$(mktemp -d "${TMPDIR:-/tmp}/ehr-storage.XXXXXX")}"
out="${2:-docs/performance/storage/paritydb_weights.rs}"
read -r -a load <<<"${LOAD:---count 8000 --senders 1000 --patients 1000}"

cargo build --locked "${EHR_BINARIES[@]}"
"$EHR_NODE" --dev --base-path "$state" --pool-type single-state --pool-limit 100000 --pool-kbytes 204800 \
	--rpc-max-subscriptions-per-connection 8192 --rpc-message-buffer-capacity-per-connection 16384 \
	>"$state/node.log" 2>&1 &
node_pid=$!
trap 'kill "$node_pid" 2>/dev/null || true' EXIT
sleep 10
node tests/load/load.mjs --url ws://127.0.0.1:9944 --out "$state/load" "${load[@]}"
kill "$node_pid"
wait "$node_pid" || true

cargo build --locked -p ehr-node --features runtime-benchmarks

# Writes are timed a block's worth at a time (1,000 keys: a full block of requests writes
# 1,800, of transfers 1,600), the commit and the new state root shared among them.
"$EHR_NODE" benchmark storage --dev --base-path "$state" --state-version 1 --database paritydb \
	--batch-size 1000 --template-path scripts/storage-weight-template.hbs --header scripts/weights-header.txt \
	--weight-path "$out"
