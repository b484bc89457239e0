#!/bin/sh
# Builds the static whatmatters binary: the one build line used by the
# Dockerfile, `make build` and .ci/run.
#
#   VERSION=v1.2.3 scripts/build.sh [OUT]     (OUT defaults to bin/whatmatters)
#
# CGO_ENABLED=0: modernc SQLite and pgx are pure Go, so the binary needs no C
# library and runs on a distroless "static" image. VERSION is stamped into
# main.version (see cmd/whatmatters/run.go); it defaults to "dev".
set -eu
cd "$(dirname "$0")/.."
OUT=${1:-bin/whatmatters}
VERSION=${VERSION:-dev}
case $VERSION in
  *[!A-Za-z0-9._+~-]*)
    echo "scripts/build.sh: VERSION=\"$VERSION\": use only letters, digits and . _ + ~ -" >&2
    exit 2 ;;
esac
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=$VERSION" -o "$OUT" ./cmd/whatmatters
