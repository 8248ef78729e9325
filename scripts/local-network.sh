#!/usr/bin/env bash
# Start a four-validator local network (Alice, Bob, Charlie, Dave: the `local` chain) on this
# machine. Alice is the boot node; everyone's state and log live under one directory (printed).
# Ctrl-C stops all four. Build first: `cargo build -p ehr-node` (or run scripts/dev.sh once).
#
# RPC: Alice ws://127.0.0.1:9944, Bob :9945, Charlie :9946, Dave :9947.
set -euo pipefail
source "$(dirname "$0")/env.sh"
[ -x "$EHR_NODE" ] || { echo "no node at $EHR_NODE: run 'cargo build -p ehr-node' first" >&2; exit 1; }

base="${1:-$(mktemp -d "${TMPDIR:-/tmp}/ehr-local.XXXXXX")}"
mkdir -p "$base"
echo "local network state and logs: $base"

# Validators need a persistent network key. Fixed, well-known keys (0x..01 to 0x..04; for a
# local network only) give known peer ids, so the others find Alice, the boot node.
node_key() { printf '%064x' "$1"; }
alice_peer_id="$(echo -n "$(node_key 1)" | "$EHR_NODE" key inspect-node-key)"

pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait' EXIT INT TERM

i=0
for name in alice bob charlie dave; do
	# The single-state pool: under a burst the fork-aware one lost transactions it had accepted
	# (docs/performance.md, four validators).
	args=(--chain local --"$name" --base-path "$base/$name" --validator --pool-type single-state
		--port $((30333 + i)) --rpc-port $((9944 + i)) --prometheus-port $((9615 + i))
		--node-key "$(node_key $((i + 1)))")
	[ "$name" = alice ] || args+=(--bootnodes "/ip4/127.0.0.1/tcp/30333/p2p/$alice_peer_id")
	"$EHR_NODE" "${args[@]}" >"$base/$name.log" 2>&1 &
	pids+=($!)
	echo "$name: ws://127.0.0.1:$((9944 + i))  log $base/$name.log"
	i=$((i + 1))
done

wait -n "${pids[@]}"
echo "a node stopped; see its log under $base" >&2
exit 1
