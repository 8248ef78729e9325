#!/usr/bin/env bash
# How the throughput and finality figures change with the size of the validator set: for each
# count, start that many validators on this machine (scripts/local-network.sh --validators N),
# offer them the same request load (tests/load/load.mjs, submitted to Alice), chart it, stop them.
#
#   scripts/measure-validators.sh OUT_DIR [COUNT ...]       # default counts: 1 4 7
#   EHR_NODE=~/.cache/ehr-chain/target/production/ehr-node scripts/measure-validators.sh docs/performance/validators
#
# Writes OUT_DIR/N/ per count (load.mjs's files and charts). Not a test: nothing is asserted.
# LOAD overrides the load's options (default: 100 requests a second, 3,000 of them).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$EHR_ROOT"
[ $# -ge 1 ] || { echo "usage: $0 OUT_DIR [COUNT ...]" >&2; exit 2; }
out="$1"
shift
counts=("$@")
(($#)) || counts=(1 4 7)
read -r -a load <<<"${LOAD:---mix request --rate 100 --count 3000 --senders 200 --patients 200}"

for n in "${counts[@]}"; do
	state="$(mktemp -d "${TMPDIR:-/tmp}/ehr-validators-$n.XXXXXX")"
	scripts/local-network.sh --validators "$n" "$state" >"$state/network.out" 2>&1 &
	network=$!
	# Every validator up and finalising before the load starts.
	for _ in $(seq 60); do
		grep -qs 'finalized #[1-9]' "$state/alice.log" && break
		sleep 1
	done
	sleep 10
	node tests/load/load.mjs --url ws://127.0.0.1:9944 --out "$out/$n" "${load[@]}" || echo "load on $n validators failed" >&2
	tests/load/chart.sh "$out/$n" "($n validators)"
	kill "$network"
	wait "$network" || true
	rm -rf "$state"
done
