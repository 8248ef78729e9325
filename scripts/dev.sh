#!/usr/bin/env bash
# Set up, build and start a development chain (one validator, Alice; state in a temp directory).
# Extra arguments go to the node, e.g. `scripts/dev.sh --rpc-external`.
set -euo pipefail
source "$(dirname "$0")/env.sh"
"$EHR_ROOT/scripts/setup.sh"
cargo build --locked --manifest-path "$EHR_ROOT/Cargo.toml" "${EHR_BINARIES[@]}"
exec "$EHR_NODE" --dev "$@"
