#!/usr/bin/env bash
# Browser tests of the member portal (web/): builds omadata, starts
# `omadata serve` in dev mode on a fresh embedded PostgreSQL with demo data,
# drives Debian's Chromium with playwright-core (never a downloaded
# browser) through e2e/*.test.mjs with node's test runner, then stops the
# server (SIGTERM; it stops its PostgreSQL) and removes its data.
#
# Without /usr/bin/chromium or e2e/node_modules it says it skipped and
# exits 0, so `make test` works on a machine without a browser; .ci/run
# installs both, so CI always runs these.
#
# Environment: E2E_SCREENSHOTS (default e2e/screenshots) is where the
# screenshots go; E2E_KEEP=1 keeps the server's data and log.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

chromium=/usr/bin/chromium
if [ ! -x "$chromium" ]; then
  echo "e2e: SKIPPED: Chromium not installed ($chromium; apt-get install chromium)"
  exit 0
fi
if ! command -v node >/dev/null 2>&1; then
  echo "e2e: SKIPPED: node not installed"
  exit 0
fi
if [ ! -f e2e/node_modules/playwright-core/package.json ]; then
  echo "e2e: SKIPPED: node modules not installed (cd e2e && npm ci)"
  exit 0
fi

go build -o bin/omadata ./cmd/omadata

tmp=$(mktemp -d "${TMPDIR:-/tmp}/omadata-e2e.XXXXXX")
server_pid=
cleanup() {
  status=$?
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    # serve drains requests and stops its embedded PostgreSQL before exiting.
    for _ in $(seq 1 60); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$server_pid" 2>/dev/null; then
      echo "e2e: server did not stop after SIGTERM; killing it" >&2
      kill -KILL "$server_pid" 2>/dev/null || true
    fi
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ "$status" -ne 0 ] && [ -f "$tmp/serve.log" ]; then
    echo "e2e: last lines of the server log:" >&2
    tail -n 40 "$tmp/serve.log" >&2 || true
  fi
  if [ "${E2E_KEEP:-}" = 1 ]; then
    echo "e2e: kept $tmp"
  else
    rm -rf "$tmp"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A fresh embedded cluster under the temporary data dir: never DATABASE_URL.
unset DATABASE_URL OMADATA_READ_DATABASE_URL OMADATA_JWT_PUBLIC_KEYS OMADATA_JWT_JWKS_URL
export OMADATA_DEV=1 OMADATA_DATA_DIR="$tmp/data"
port=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
export OMADATA_ADDR="127.0.0.1:$port"
base="http://127.0.0.1:$port"

echo "e2e: seeding demo data in $tmp"
if ! bin/omadata seed --members 12 --years 1 >"$tmp/seed.log" 2>&1; then
  tail -n 40 "$tmp/seed.log" >&2
  exit 1
fi

echo "e2e: starting omadata serve on $base"
bin/omadata serve >"$tmp/serve.log" 2>&1 &
server_pid=$!
ready=
for _ in $(seq 1 120); do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "e2e: omadata serve exited before it was ready" >&2
    exit 1
  fi
  if node -e 'fetch(process.argv[1]).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))' "$base/readyz"; then
    ready=1
    break
  fi
  sleep 0.5
done
if [ -z "$ready" ]; then
  echo "e2e: $base/readyz did not answer in 60 s" >&2
  exit 1
fi

export E2E_BASE_URL="$base" E2E_CHROMIUM="$chromium"
export E2E_SCREENSHOTS="${E2E_SCREENSHOTS:-$root/e2e/screenshots}"
mkdir -p "$E2E_SCREENSHOTS"
# One file at a time: the files share the server and its demo household.
node --test --test-concurrency=1 e2e/*.test.mjs
echo "e2e: screenshots in $E2E_SCREENSHOTS"
