#!/usr/bin/env bash
# Fails when `go generate ./...` would change the generated code in graph/:
# the committed code must be what the schema and gqlgen.yml produce.
set -euo pipefail
cd "$(dirname "$0")/.."
sum() { find graph -name '*.go' -type f | sort | xargs sha256sum; }
before=$(sum)
backup=$(mktemp -d)
cp -a graph "$backup/"
go generate ./...
after=$(sum)
if [ "$before" != "$after" ]; then
  echo "generated code is stale: run 'go generate ./...' and commit graph/" >&2
  diff <(echo "$before") <(echo "$after") >&2 || true
  rm -rf graph && cp -a "$backup/graph" graph
  rm -rf "$backup"
  exit 1
fi
rm -rf "$backup"
echo "generated code is up to date"
