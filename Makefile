# Omadata: the two commands are `make run` and `make test` (see README.md).
GO      ?= go
BIN     := bin/omadata
DEV_ENV := OMADATA_DEV=1

.PHONY: run build test test-go check-generated vet fmt-check fuzz-short e2e bench generate clean

## run: embedded PostgreSQL + migrations + demo data (first time) + the server in dev mode
run: build
	$(DEV_ENV) $(BIN) seed --if-empty
	$(DEV_ENV) $(BIN) serve

build:
	$(GO) build -o $(BIN) ./cmd/omadata

## test: every test, against real PostgreSQL with real signed tokens
test: fmt-check vet check-generated test-go fuzz-short e2e

test-go:
	$(GO) test -count=1 -timeout 20m ./...

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

## check-generated: fails when `go generate ./...` would change the committed generated code
check-generated:
	bash scripts/check-generated.sh

generate:
	$(GO) generate ./...

## fuzz-short: each fuzz target for a few seconds beyond its committed seeds
fuzz-short:
	bash scripts/fuzz-short.sh

e2e:
	bash e2e/run.sh

bench:
	bash bench/run.sh

clean:
	rm -rf bin .omadata
