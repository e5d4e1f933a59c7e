#!/usr/bin/env bash
# `make bench`: build the service and the harness, install the peer
# (PostGraphile, pinned by bench/peer/package-lock.json) if needed, and run
# every phase at the issue's default size (10,000 members × 5 years).
# Flags go to the harness, from the command line or BENCH_FLAGS:
#
#   make bench BENCH_FLAGS="-members 1000 -years 5 -growth 1000x1,1000x5"
#   bash bench/run.sh -phases compare -window 5s
#
# See bench/README.md for the phases and flags.
set -euo pipefail
cd "$(dirname "$0")/.."
go build -o bin/omadata ./cmd/omadata
go build -o bin/bench ./bench
if [ ! -d bench/peer/node_modules/postgraphile ]; then
	(cd bench/peer && npm ci --no-audit --no-fund)
fi
# shellcheck disable=SC2086 # BENCH_FLAGS is a list of flags
exec bin/bench -bin bin/omadata ${BENCH_FLAGS:-} "$@"
