#!/usr/bin/env bash
# Load test of the results pages (issue #11): a synthetic wave of PUPILS
# pupils in a fresh SQLite database, then CONCURRENCY coordinators at once on
# the profile page and the profile CSV. Usage and how to read the output:
# docs/load-test.md.
#
#   scripts/load.sh                                  # 250,000 pupils, 50 clients × 20 requests
#   PUPILS=5000 PROFILE=debug scripts/load.sh        # quick smoke run
#
# Knobs (environment): PUPILS (250000), CONCURRENCY (50), REQUESTS (20 per
# client), DISTRICTS (30), GRADES (6,8,10,12), SEED (1), PROFILE (release |
# debug), BUILD (1; 0 = use the binaries as they are), REBUILD (1 = also
# time `server results rebuild`), WARMUP (0 untimed requests per client),
# OPENS / CLOSES (wave dates, 2026-09-01 / 2026-10-30), KEEP (0; 1 = keep the
# temporary directory with database, CSV and server log), RESULTS (file the
# JSON lines are appended to; default target/load-test/results.jsonl),
# SITE_ROOT (compiled front end; default target/site if present).
set -euo pipefail
cd "$(dirname "$0")/.."

PUPILS="${PUPILS:-250000}"
CONCURRENCY="${CONCURRENCY:-50}"
REQUESTS="${REQUESTS:-20}"
DISTRICTS="${DISTRICTS:-30}"
GRADES="${GRADES:-6,8,10,12}"
SEED="${SEED:-1}"
PROFILE="${PROFILE:-release}"
BUILD="${BUILD:-1}"
REBUILD="${REBUILD:-1}"
WARMUP="${WARMUP:-0}"
OPENS="${OPENS:-2026-09-01}"
CLOSES="${CLOSES:-2026-10-30}"
KEEP="${KEEP:-0}"
MUNICIPALITY="Ruhrstadt (Demo)"
WAVE_NAME="Lasttest ${PUPILS}"
TARGET="${CARGO_TARGET_DIR:-target}"
RESULTS="${RESULTS:-$TARGET/load-test/results.jsonl}"

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }
now() { date +%s.%N; }
since() { awk -v start="$1" -v end="$(now)" 'BEGIN { printf "%.1f", end - start }'; }

case "$PROFILE" in
  release) build_flags=(--release) ;;
  debug) build_flags=() ;;
  *) echo "PROFILE must be release or debug, not $PROFILE" >&2; exit 1 ;;
esac
if [[ "$BUILD" == 1 ]]; then
  step "building server and load ($PROFILE)"
  export PATH="$HOME/.cargo/bin:$PATH"
  # Two invocations: built together, cargo would unify the features of the
  # two packages' dependencies and rebuild the server differently from a
  # plain `cargo build -p server`.
  cargo build "${build_flags[@]}" -p server --bin server
  cargo build "${build_flags[@]}" -p e2e --bin load
fi
SERVER="$TARGET/$PROFILE/server"
LOAD="$TARGET/$PROFILE/load"
for binary in "$SERVER" "$LOAD"; do
  [[ -x "$binary" ]] || { echo "$binary is missing (run with BUILD=1)" >&2; exit 1; }
done

WORK="$(mktemp -d "${TMPDIR:-/tmp}/quartier-load.XXXXXX")"
DB="sqlite://$WORK/quartier.db"
CSV="$WORK/responses.csv"
SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [[ "$KEEP" == 1 ]]; then
    echo "kept $WORK (database, CSV, server log)"
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
cli() { "$SERVER" --database "$DB" --log warn "$@"; }

SITE_ROOT="${SITE_ROOT:-$TARGET/site}"
if [[ ! -d "$SITE_ROOT/pkg" ]]; then
  # Pages render on the server without the front end (they just do not
  # hydrate), which is all the load test needs.
  echo "note: $SITE_ROOT/pkg is missing (no cargo leptos build); serving without the front end"
  SITE_ROOT="$WORK/site"
  mkdir -p "$SITE_ROOT"
fi

step "demo data, $DISTRICTS districts and the wave \"$WAVE_NAME\" in $WORK"
cli demo >/dev/null
"$LOAD" districts --districts "$DISTRICTS" | while IFS=$'\t' read -r code name; do
  cli district add --municipality "$MUNICIPALITY" --code "$code" --name "$name" >/dev/null
done
created="$(cli wave create --municipality "$MUNICIPALITY" --name "$WAVE_NAME" \
  --instrument ctc-demo@2026.1 --opens "$OPENS" --closes "$CLOSES" --grades "$GRADES")"
echo "$created"
WAVE="$(sed -n 's/.*(id \([0-9][0-9]*\)).*/\1/p' <<<"$created" | head -n 1)"
[[ -n "$WAVE" ]] || { echo "could not read the wave id" >&2; exit 1; }
if [[ ! "$(date +%F)" > "$CLOSES" ]]; then
  # Results are published for closed waves only.
  echo "the wave's last day $CLOSES has not passed: closing it now"
  cli wave close --wave "$WAVE"
fi

step "generating $PUPILS pupils"
"$LOAD" generate-csv --pupils "$PUPILS" --districts "$DISTRICTS" --grades "$GRADES" \
  --seed "$SEED" --output "$CSV"
csv_bytes="$(wc -c <"$CSV")"

step "import-responses (includes publishing the closed wave's results)"
start="$(now)"
cli import-responses --wave "$WAVE" --file "$CSV" --create-missing
import_s="$(since "$start")"
echo "import: $import_s s"

rebuild_s=null
if [[ "$REBUILD" == 1 ]]; then
  step "results rebuild (the published result alone)"
  start="$(now)"
  cli results rebuild --wave "$WAVE"
  rebuild_s="$(since "$start")"
  echo "rebuild: $rebuild_s s"
fi
db_bytes="$(du -cb "$WORK"/quartier.db* | tail -n 1 | cut -f 1)"

step "starting the server"
"$SERVER" --database "$DB" --log warn serve --addr 127.0.0.1:0 --site-root "$SITE_ROOT" \
  >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
BASE=""
for _ in $(seq 1 300); do
  BASE="$(sed -n 's/^listening on //p' "$WORK/server.log" | head -n 1)"
  [[ -n "$BASE" ]] && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
  sleep 0.1
done
[[ -n "$BASE" ]] || { echo "the server did not start" >&2; cat "$WORK/server.log" >&2; exit 1; }
echo "server on $BASE (pid $SERVER_PID)"
target=(--base "$BASE" --wave "$WAVE" --district NORD)

mkdir -p "$(dirname "$RESULTS")"
status=0
step "cold profile page: wait until published (up to 10 minutes), then the first request"
# Polling the page: a 409/503 answer decodes nothing, so the first 200 is the
# first request that loads the published result (the cold one).
"$LOAD" once "${target[@]}" --path '/profil/{wave}/gesamt' --wait 600 --repeat 5 \
  | tee "$WORK/once-page.txt" || {
  status=$?
  KEEP=1
  echo "the profile page did not answer 200 (exit status $status); server log: $WORK/server.log" >&2
  exit "$status"
}
step "profile CSV, single requests"
"$LOAD" once "${target[@]}" --path '/api/csv/profile?wave={wave}&district=gesamt' --repeat 5 \
  | tee "$WORK/once-csv.txt" || status=$?

step "load: $CONCURRENCY clients × $REQUESTS requests"
"$LOAD" run "${target[@]}" --concurrency "$CONCURRENCY" --requests-per-client "$REQUESTS" \
  --warmup "$WARMUP" | tee "$WORK/run.txt" || status=$?
rss_kb="$(ps -o rss= -p "$SERVER_PID" | tr -d ' ')"

step "summary"
commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
setup="{\"kind\":\"load-setup\",\"commit\":\"$commit\",\"profile\":\"$PROFILE\",\"pupils\":$PUPILS,\"districts\":$DISTRICTS,\"grades\":\"$GRADES\",\"seed\":$SEED,\"cores\":$(nproc),\"csv_bytes\":$csv_bytes,\"db_bytes\":$db_bytes,\"import_s\":$import_s,\"rebuild_s\":$rebuild_s,\"server_rss_kb\":${rss_kb:-null}}"
{
  echo "$setup"
  grep -h '^{' "$WORK/once-page.txt" "$WORK/once-csv.txt" "$WORK/run.txt" || true
} | tee -a "$RESULTS"
echo "pupils $PUPILS: import $import_s s, rebuild $rebuild_s s, server RSS after the run ${rss_kb:-?} kB"
grep -h 'wait_s' "$WORK/once-page.txt" | sed -n 's/.*"wait_s":\([0-9.]*\).*/server start to published page: \1 s/p' || true
echo "JSON lines appended to $RESULTS"
if [[ "$status" != 0 ]]; then
  echo "some requests failed (exit status $status); server log: $WORK/server.log" >&2
  KEEP=1
fi
exit "$status"
