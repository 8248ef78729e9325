#!/usr/bin/env bash
# Set up, build and run the whole test suite: the crates' unit tests, each pallet's benchmarks
# (as tests in its mock runtime), the end-to-end tests against a real ehr-node, then the
# zombienet fault tests on four validators.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$EHR_ROOT"

# Whatever happens, leave no node of ours running.
trap 'pkill -KILL -f "ehr-node.*ehr-(e2e|zombienet)" 2>/dev/null || true' EXIT

scripts/setup.sh
cargo build --locked -p ehr-node
# The anomaly and scorer crates' tests on their own: their dev-dependencies (criterion, prost)
# stay out of the workspace's test build, which shares its compiled crates with the node.
cargo test --locked --workspace --exclude ehr-anomaly --exclude ehr-scorer
cargo test --locked -p ehr-anomaly -p ehr-scorer
# Per pallet, so that the `runtime-benchmarks` feature set stays out of the node's build.
for pallet in pallets/*/; do
	cargo test --locked -p "pallet-$(basename "$pallet")" --features runtime-benchmarks
done
npm test --prefix tests
zombienet/run.sh
