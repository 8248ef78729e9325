#!/usr/bin/env bash
# Build the contracts in contracts/ into PolkaVM blobs for pallet-revive, on the stable
# toolchain and without cargo-contract (whose 6.0.0 betas cannot pass cargo 1.95's JSON-target
# gate). The recipe is the one in shared CONTRACTS-NOTES.md.
#
#   scripts/build-contracts.sh          build research_study.polkavm and precompile_probe.polkavm
#   scripts/build-contracts.sh --test   run the contracts' #[ink::test] unit tests first
#
# The blobs land in contracts/target/. Cargo's own target directory is outside the checkout
# (EHR_CONTRACTS_TARGET_DIR, default ~/.cache/ehr-chain/contracts-target), so that every clone
# on a machine (CI's included) reuses one build of ink! and core.
set -euo pipefail

EHR_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CONTRACTS="$EHR_ROOT/contracts"
TARGET_DIR="${EHR_CONTRACTS_TARGET_DIR:-$HOME/.cache/ehr-chain/contracts-target}"
OUT_DIR="$CONTRACTS/target"
# The contracts resolve their own dependency versions: sharing the node's target dir (which
# scripts/env.sh exports) would only churn it. Inherited flags would leak into host builds.
unset CARGO_TARGET_DIR RUSTFLAGS CARGO_ENCODED_RUSTFLAGS CARGO_BUILD_RUSTFLAGS

run_tests=false
for arg in "$@"; do
	case "$arg" in
	--test) run_tests=true ;;
	-h | --help)
		sed -n '2,9p' "$0"
		exit 0
		;;
	*)
		echo "build-contracts.sh: unknown argument '$arg' (try --help)" >&2
		exit 2
		;;
	esac
done

cd "$CONTRACTS"

if $run_tests; then
	cargo test --locked --target-dir "$TARGET_DIR" -p research-study
fi

# -Zbuild-std compiles core and alloc from source, which ships in rust-src.
if [ ! -d "$(rustc --print sysroot)/lib/rustlib/src/rust/library" ]; then
	echo "build-contracts.sh: installing rust-src, which -Zbuild-std needs" >&2
	rustup component add rust-src
fi

# The host-side linker, in its own quick profile (the release profile is tuned for contracts).
cargo build --locked --target-dir "$TARGET_DIR" --profile linker -p ehr-contract-linker
linker="$TARGET_DIR/linker/ehr-contract-linker"

# polkavm-linker's own target spec, in the flavour matching this rustc (1.91 changed it).
target_json="$("$linker" target-json)"
target_name="$(basename "$target_json" .json)"

# Passed through CARGO_ENCODED_RUSTFLAGS (0x1f-separated) so they reach only the target crates,
# never build scripts or proc macros. immediate-abort drops panic messages and formatting code.
rustflags=(
	-Clinker-plugin-lto
	-Clink-arg=-zstack-size=4096
	--cfg substrate_runtime
	-Zunstable-options
	-Cpanic=immediate-abort
)
encoded_rustflags="$(
	IFS=$'\x1f'
	printf '%s' "${rustflags[*]}"
)"

# build_contract PACKAGE BIN [CARGO_ARGS...]: build the no_std `[[bin]]` BIN of PACKAGE for
# PolkaVM (CARGO_ARGS pick its features) and link it into $OUT_DIR/BIN.polkavm.
# RUSTC_BOOTSTRAP lets stable cargo/rustc take -Z flags; the JSON target needs its own opt-in.
build_contract() {
	local package="$1" bin="$2"
	shift 2
	RUSTC_BOOTSTRAP=1 \
		CARGO_UNSTABLE_JSON_TARGET_SPEC=true \
		CARGO_ENCODED_RUSTFLAGS="$encoded_rustflags" \
		cargo build --locked --release --target-dir "$TARGET_DIR" \
		--target "$target_json" \
		-Zbuild-std=core,alloc \
		-Zbuild-std-features=compiler-builtins-mem \
		-p "$package" --bin "$bin" "$@"

	local elf="$TARGET_DIR/$target_name/release/$bin"
	local blob="$OUT_DIR/$bin.polkavm"
	"$linker" link "$elf" "$blob"
	echo "$bin.polkavm: $(wc -c <"$blob" | tr -d ' ') bytes ($blob)"
}

# The ink! contract, without `std` (ink!'s off-chain engine); `polkavm-bin` enables its no_std
# `[[bin]]` target.
build_contract research-study research_study --no-default-features --features polkavm-bin
# The e2e tests' probe, plain Rust on pallet-revive-uapi (it has no `std` feature to drop). The
# same flags suit it: pallet-revive's own fixtures are built with -Cpanic=immediate-abort, and
# it uses no `substrate_runtime` cfg.
build_contract precompile-probe precompile_probe --features polkavm-bin
