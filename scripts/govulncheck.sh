#!/usr/bin/env bash
# govulncheck over the whole module; fails on a reachable vulnerability.
#
# vuln.go.dev is not reachable from every machine that builds djsec (this
# project's CI has the Go module proxy and no other network), so the
# database is built locally from the golang.org/x/vulndb module, which the
# proxy serves, with that module's own indexer. Where vuln.go.dev is
# reachable, `go run golang.org/x/vuln/cmd/govulncheck@v1.9.0 ./...` gives
# the same answer.
#
# GOTOOLCHAIN=auto: the standard library is judged at the toolchain go.mod
# names (the Docker image and `go install` build with it), not at whatever
# older Go this machine has installed.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=auto
vulndb_version=${VULNDB_VERSION:-latest}
db=$(mktemp -d)
trap 'rm -rf "$db"' EXIT
info=$(go mod download -json "golang.org/x/vulndb@$vulndb_version")
dir=$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' <<<"$info")
ver=$(sed -n 's/^[[:space:]]*"Version": "\(.*\)",$/\1/p' <<<"$info")
echo "vulnerability database: golang.org/x/vulndb@$ver ($(find "$dir/data/osv" -name '*.json' | wc -l) records)"
go run "golang.org/x/vulndb/cmd/indexdb@$ver" -vulns "$dir/data/osv" -out "$db/v1"
go run golang.org/x/vuln/cmd/govulncheck@v1.9.0 -db "file://$db/v1" ./...
