#!/usr/bin/env bash
# Builds Quartier and serves it with demo data on http://127.0.0.1:3000
# (SQLite file data/demo.db; delete it to start over).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"

printf '\033[1m==> %s\033[0m\n' "building the app (cargo leptos build)"
cargo leptos build
database="${QUARTIER_DATABASE_URL:-sqlite://data/demo.db}"
printf '\033[1m==> %s\033[0m\n' "loading demo data into $database"
target/debug/server --database "$database" demo
printf '\033[1m==> %s\033[0m\n' "serving on http://127.0.0.1:3000 (Ctrl-C stops)"
exec target/debug/server --database "$database" serve --addr 127.0.0.1:3000 --site-root target/site
