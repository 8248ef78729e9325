# Sourced by the other scripts: where things live.
# The target directory is outside the checkout so that every clone on this machine (CI included)
# reuses one build of the node.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ehr-chain/target}"
EHR_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EHR_NODE="${EHR_NODE:-$CARGO_TARGET_DIR/debug/ehr-node}"
export EHR_ROOT EHR_NODE
# The node and the custodian service build together, in one feature set for the crates they
# share: built apart, each build would undo the other's and rebuild half the tree.
EHR_BINARIES=(-p ehr-node -p ehr-custodian)
# pallet-revive's benchmarks would build its ~100 test contracts (and want solc); ours need none.
export SKIP_PALLET_REVIVE_FIXTURES=1
