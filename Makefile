# The race detector needs cgo; use it wherever a C compiler is present.
RACE ?= $(shell [ "$$(go env CGO_ENABLED)" = 1 ] && command -v "$$(go env CC)" >/dev/null 2>&1 && echo -race)
GOTESTFLAGS ?=

.PHONY: test bench vet fmt build run fuzz faults-short faults

test:
	@if [ -z "$$WHATMATTERS_TEST_DATABASE_URL" ]; then \
		echo "NOTE: WHATMATTERS_TEST_DATABASE_URL is not set, so the PostgreSQL tests are skipped (SQLite tests still run)."; \
		echo "      e.g. WHATMATTERS_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable make test (the tests make and drop databases of their own)"; \
	fi
	go test $(RACE) -count=1 $(GOTESTFLAGS) ./...

bench:
	go test -run '^$$' -bench . -benchtime 2s -benchmem ./...

vet:
	go vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

# The static build the Dockerfile and CI use; VERSION=… to stamp a version.
build:
	sh scripts/build.sh bin/whatmatters

run:
	go run ./cmd/whatmatters

fuzz:
	go test -run '^$$' -fuzz FuzzScrub -fuzztime 60s ./scrub

# Load and fault checks (cmd/faultcheck): serve on loopback against a fake
# Slack, on databases of their own made on $$WHATMATTERS_FAULTS_PG (else
# $$WHATMATTERS_TEST_DATABASE_URL, else postgres@127.0.0.1:5432); pg-restart
# runs its own initdb cluster. See docs/faults.md. FAULTFLAGS=… to add flags.
FAULTFLAGS ?=
faults-short:
	go run ./cmd/faultcheck -scenario all -short $(FAULTFLAGS)

faults:
	go run ./cmd/faultcheck -scenario all $(FAULTFLAGS)
