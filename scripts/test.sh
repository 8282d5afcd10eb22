#!/usr/bin/env bash
# Runs every check and test: formatting, clippy for both the server and the
# wasm build, unit and integration tests, then the browser tests against the
# real server in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --browser
export PATH="$HOME/.cargo/bin:$PATH"
# A one-shot run gains nothing from incremental caches, and they took 11 GB
# of a clean CI run's disk. Set CARGO_INCREMENTAL=1 to keep them locally.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
step() { printf '\033[1m==> %s\033[0m\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "clippy: server side (ssr) and tests"
cargo clippy --workspace --all-targets -- -D warnings

step "clippy: browser side (hydrate, wasm32)"
cargo clippy -p app --lib --no-default-features --features hydrate \
  --target wasm32-unknown-unknown -- -D warnings

step "unit and integration tests"
cargo test --workspace --exclude e2e

step "building the front end and server (cargo leptos build)"
cargo leptos build

step "browser tests (real server, headless Chromium)"
cargo test -p e2e --tests -- --test-threads=1
