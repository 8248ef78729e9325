#!/usr/bin/env bash
# Set up, build and run the whole test suite: the crates' unit tests, each pallet's benchmarks
# (as tests in its mock runtime), the end-to-end tests against a real ehr-node and the real
# custodian service (on SQLite, and on a throwaway PostgreSQL server), the patient app in a
# headless browser, the contracts, then the zombienet tests.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$EHR_ROOT"

# Whatever happens, leave no node of ours running, and no PostgreSQL server.
trap 'pkill -KILL -f "ehr-node.*ehr-(e2e|zombienet)|ehr-custodian serve" 2>/dev/null || true
	declare -F postgres_stop >/dev/null && postgres_stop' EXIT

scripts/setup.sh
# EHR_TEST_POSTGRES: the custodian's store tests and e2e tests run on it as well as on SQLite.
source scripts/postgres.sh
cargo build --locked "${EHR_BINARIES[@]}"
# The anomaly and scorer crates' tests on their own: their dev-dependencies (criterion, prost)
# stay out of the workspace's test build, which shares its compiled crates with the node.
cargo test --locked --workspace --exclude ehr-anomaly --exclude ehr-scorer
cargo test --locked -p ehr-anomaly -p ehr-scorer
# Per pallet, so that the `runtime-benchmarks` feature set stays out of the node's build.
for pallet in pallets/*/; do
	cargo test --locked -p "pallet-$(basename "$pallet")" --features runtime-benchmarks
done
# The contracts, from source (their own workspace): unit tests, then the PolkaVM blobs the
# e2e tests deploy.
scripts/build-contracts.sh --test
npm test --prefix tests
zombienet/run.sh
