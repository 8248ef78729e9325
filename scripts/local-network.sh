#!/usr/bin/env bash
# Start a local network of validators on this machine: by default the `local` chain's four
# (Alice, Bob, Charlie, Dave). Alice is the boot node; everyone's state and log live under one
# directory (printed). Ctrl-C stops them all. Build first: `cargo build -p ehr-node` (EHR_NODE
# picks another binary, e.g. the production one).
#
#   scripts/local-network.sh [--validators N] [STATE_DIR]
#
# RPC: Alice ws://127.0.0.1:9944, Bob :9945, Charlie :9946, ... (one port per validator).
# `--validators N` (1 to 8: Alice, Bob, Charlie, Dave, Eve, Ferdie, One, Two) writes a chain spec
# from `local` whose validators (and so sentinels) and well-known nodes are those N, for measuring
# how the figures change with the size of the set (docs/performance.md).
set -euo pipefail
source "$(dirname "$0")/env.sh"
[ -x "$EHR_NODE" ] || { echo "no node at $EHR_NODE: run 'cargo build -p ehr-node' first" >&2; exit 1; }

names=(alice bob charlie dave eve ferdie one two)
count=4
if [ "${1:-}" = --validators ]; then
	count="$2"
	shift 2
	((count >= 1 && count <= ${#names[@]})) || { echo "--validators takes 1 to ${#names[@]}" >&2; exit 2; }
fi
names=("${names[@]:0:count}")

base="${1:-$(mktemp -d "${TMPDIR:-/tmp}/ehr-local.XXXXXX")}"
mkdir -p "$base"
echo "local network state and logs: $base"

# The SS58 address of `//Name`'s key under `scheme`.
address() { "$EHR_NODE" key inspect --scheme "$2" --output-type json "//${1^}" | jq -r .ss58Address; }
# Each node's network key is the sha256 of its name (for a local network only): the `local`
# chain lists the peer ids of Alice's, Bob's, Charlie's and Dave's as its well-known nodes.
node_key() { echo -n "$1" | sha256sum | cut -d' ' -f1; }
peer_id() { echo -n "$(node_key "$1")" | "$EHR_NODE" key inspect-node-key; }

chain=local
if ((count != 4)); then
	sr=() ed=() peers=()
	for name in "${names[@]}"; do
		sr+=("$(address "$name" sr25519)")
		ed+=("$(address "$name" ed25519)")
		peers+=("$(peer_id "$name")")
	done
	# Python rather than jq: jq 1.6 turns the genesis balances (10^18) into floats.
	"$EHR_NODE" build-spec --chain local --disable-default-bootnode 2>/dev/null |
		python3 -c '
import json, sys
sr, ed, peers = (arg.split() for arg in sys.argv[1:4])
ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
def base58(text):
    n = 0
    for c in text:
        n = n * 58 + ALPHABET.index(c)
    return list(n.to_bytes((n.bit_length() + 7) // 8, "big"))
spec = json.load(sys.stdin)
patch = spec["genesis"]["runtimeGenesis"]["patch"]
patch["validatorSet"]["validators"] = sr
patch["session"]["keys"] = [[a, a, {"aura": a, "grandpa": g, "sentinel": a}] for a, g in zip(sr, ed)]
# A peer id starts with a zero byte (the identity multihash), which the integer drops.
patch["nodeAuthorization"]["nodes"] = [[[0] + base58(p), a] for p, a in zip(peers, sr)]
json.dump(spec, sys.stdout, indent=1)' "${sr[*]}" "${ed[*]}" "${peers[*]}" >"$base/chain-$count.json"
	chain="$base/chain-$count.json"
fi

alice_peer_id="$(peer_id alice)"

pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait' EXIT INT TERM

i=0
for name in "${names[@]}"; do
	# The single-state pool: under a burst the fork-aware one lost transactions it had accepted
	# (docs/performance.md, four validators).
	args=(--chain "$chain" --"$name" --base-path "$base/$name" --validator --pool-type single-state
		--port $((30333 + i)) --rpc-port $((9944 + i)) --prometheus-port $((9615 + i))
		--node-key "$(node_key "$name")")
	[ "$name" = alice ] || args+=(--bootnodes "/ip4/127.0.0.1/tcp/30333/p2p/$alice_peer_id")
	"$EHR_NODE" "${args[@]}" >"$base/$name.log" 2>&1 &
	pids+=($!)
	echo "$name: ws://127.0.0.1:$((9944 + i))  log $base/$name.log"
	i=$((i + 1))
done

wait -n "${pids[@]}"
echo "a node stopped; see its log under $base" >&2
exit 1
