#!/usr/bin/env bash
# Install what a fresh machine lacks to build, run and test EHR Chain, and nothing more.
# Idempotent: every step checks first, so running it twice changes nothing the second time.
set -euo pipefail
source "$(dirname "$0")/env.sh"

say() { echo "setup: $*"; }
die() { echo "setup: error: $*" >&2; exit 1; }

as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"
	elif command -v sudo >/dev/null; then sudo "$@"
	else die "need root to run: $*"
	fi
}

# Rust: the machine's toolchain (rustup) plus the wasm target the runtime is compiled to.
command -v cargo >/dev/null || die "cargo not found: install Rust with rustup (https://rustup.rs)"
command -v rustup >/dev/null || die "rustup not found: the wasm32v1-none target is installed through rustup"
if ! rustup target list --installed | grep -qx wasm32v1-none; then
	say "adding the wasm32v1-none target (the runtime's wasm build)"
	rustup target add wasm32v1-none
fi

# The standard library's source: contracts build `core` and `alloc` for PolkaVM themselves
# (scripts/build-contracts.sh).
if ! rustup component list --installed | grep -q '^rust-src'; then
	say "adding the rust-src component (the contracts' PolkaVM build)"
	rustup component add rust-src
fi

# protoc: sc-network generates its protobuf code at build time.
if ! command -v protoc >/dev/null; then
	say "installing protobuf-compiler (protoc, needed to build sc-network)"
	as_root apt-get update -qq
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq protobuf-compiler >/dev/null
fi
command -v protoc >/dev/null || die "protoc still missing after installing protobuf-compiler"

# A C toolchain: wasm-opt and a few -sys crates compile C/C++.
command -v cc >/dev/null && command -v c++ >/dev/null || die "a C/C++ compiler (gcc/g++) is required"

# PostgreSQL: the custodian's tests run against a throwaway server as well as SQLite.
if [ ! -x "$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | tail -1)/initdb" ]; then
	say "installing postgresql (the custodian's tests start a throwaway server)"
	as_root apt-get update -qq
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi

# zstd: the zombienet governance suite compresses the runtime it upgrades to.
if ! command -v zstd >/dev/null; then
	say "installing zstd (the runtime-upgrade test compresses the wasm)"
	as_root apt-get update -qq
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq zstd >/dev/null
fi

# A headless browser for the patient app's tests (driven by playwright-core): Debian's chromium.
if ! command -v chromium >/dev/null; then
	say "installing chromium (the patient app's browser tests)"
	as_root apt-get update -qq
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

# Node.js packages of the patient app and of the end-to-end and zombienet tests, installed from
# the lock file when it changed.
command -v node >/dev/null || die "node (Node.js >= 20) is required for the end-to-end tests"
# Vite, which builds the patient app, wants 20.19 or later.
node -e 'const [major, minor] = process.versions.node.split(".").map(Number); process.exit(major > 20 || (major === 20 && minor >= 19) ? 0 : 1)' \
	|| die "Node.js >= 20.19 required, found $(node --version)"
for dir in apps/patient tests zombienet; do
	stamp="$EHR_ROOT/$dir/node_modules/.package-lock.json"
	if [ ! -f "$stamp" ] || [ "$EHR_ROOT/$dir/package-lock.json" -nt "$stamp" ]; then
		say "installing the npm packages of $dir/"
		npm ci --prefix "$EHR_ROOT/$dir" --no-audit --no-fund --loglevel=error
	fi
done

say "ok"
