#!/usr/bin/env bash
# Installs what building and testing Quartier needs, and only what is
# missing: the wasm target, cargo-leptos, the wasm-bindgen CLI matching
# Cargo.lock, and (with --browser) Debian's chromium + chromium-driver.
# Safe to run again: every step checks first. Nothing downloads prebuilt
# binaries; everything comes from crates.io or Debian's package archive.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.10   # 0.3.11's lock file needs a newer rustc than stable 1.95
want_browser=false
[ "${1:-}" = "--browser" ] && want_browser=true

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
export PATH="$HOME/.cargo/bin:$PATH"

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
else
  say "wasm32-unknown-unknown target present"
fi

if [ "$(cargo leptos --version 2>/dev/null | awk '{print $2}')" != "$CARGO_LEPTOS_VERSION" ]; then
  say "installing cargo-leptos $CARGO_LEPTOS_VERSION from crates.io (about 12 minutes on 2 cores)"
  cargo install cargo-leptos --locked --version "$CARGO_LEPTOS_VERSION"
else
  say "cargo-leptos $CARGO_LEPTOS_VERSION present"
fi

# cargo-leptos would download wasm-bindgen from GitHub if it is not on PATH;
# it must match the wasm-bindgen crate version in Cargo.lock exactly.
wasm_bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wasm_bindgen_version" ]; then
  say "installing wasm-bindgen-cli $wasm_bindgen_version from crates.io (about 2 minutes)"
  # --locked can fail when the registry lacks one locked transitive version.
  cargo install wasm-bindgen-cli --version "$wasm_bindgen_version" --locked \
    || cargo install wasm-bindgen-cli --version "$wasm_bindgen_version"
else
  say "wasm-bindgen-cli $wasm_bindgen_version present"
fi

if $want_browser; then
  if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    say "chromium and chromedriver present"
  else
    say "installing Debian's chromium and chromium-driver"
    sudo_cmd=""
    [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    $sudo_cmd apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q chromium chromium-driver
  fi
fi

if $want_browser; then
  # axe-core for the accessibility checks of the browser tests, from the npm
  # registry at the version in tests/axe/package-lock.json.
  axe_version=$(node -p 'require("./tests/axe/package-lock.json").packages["node_modules/axe-core"].version' 2>/dev/null || true)
  if [ -n "$axe_version" ] && [ "$(node -p 'require("./tests/axe/node_modules/axe-core/package.json").version' 2>/dev/null)" = "$axe_version" ]; then
    say "axe-core $axe_version present"
  else
    if ! command -v npm >/dev/null; then
      say "installing Debian's npm"
      sudo_cmd=""
      [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
      $sudo_cmd apt-get update -q
      DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q npm
    fi
    say "installing axe-core from the npm registry (tests/axe)"
    npm ci --prefix tests/axe --no-audit --no-fund
  fi
fi
