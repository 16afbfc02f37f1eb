#!/usr/bin/env bash
# A release without publishing: `goreleaser release --snapshot --clean` with
# .goreleaser.yaml, then checks of what it made (every archive's checksum,
# the binary starts and knows its version, an SBOM per archive when syft is
# installed). CI can run it; it is not in .ci/run, which has no time for
# six cross-compilations.
#
#   bash scripts/release-snapshot.sh          # output in dist/
#
# GORELEASER names the goreleaser binary (default: goreleaser on PATH, else
# installed with `go install` from the module proxy at the version below).
# Where `CGO_ENABLED=0 go build ./cmd/bot` does not build yet (the pure-Go
# parser, issue 20 item 7), the snapshot is built for linux/amd64 only, with
# cgo (DJSEC_RELEASE_CGO=1, a copy of the configuration with that one
# target): the rest of the pipeline is the release's. Without a Docker daemon the image is skipped; without syft
# the SBOMs are; each skip is printed.
set -euo pipefail
cd "$(dirname "$0")/.."

goreleaser_version=v2.17.0 # the newest v2 that builds with Go 1.26
gr=${GORELEASER:-}
if [[ -z "$gr" ]]; then
	if command -v goreleaser >/dev/null; then
		gr=goreleaser
	else
		echo "release-snapshot: installing goreleaser $goreleaser_version (go install)" >&2
		GOFLAGS= go install "github.com/goreleaser/goreleaser/v2@$goreleaser_version"
		gr="$(go env GOPATH)/bin/goreleaser"
	fi
fi

args=(release --snapshot --clean)
skips=()
if ! CGO_ENABLED=0 go build -o /dev/null ./cmd/bot 2>/dev/null; then
	echo "release-snapshot: CGO_ENABLED=0 does not build ./cmd/bot yet: linux/amd64 only, with cgo" >&2
	export DJSEC_RELEASE_CGO=1
	# `goreleaser release` has no --single-target: the same configuration
	# with the one target cgo can build here.
	cfg=$(mktemp --suffix=.yaml)
	trap 'rm -f "$cfg"' EXIT
	sed -e 's/^    goos: \[linux, darwin, windows\]$/    goos: [linux]/' \
		-e 's/^    goarch: \[amd64, arm64\]$/    goarch: [amd64]/' .goreleaser.yaml >"$cfg"
	if [[ $(grep -c -e '^    goos: \[linux\]$' -e '^    goarch: \[amd64\]$' "$cfg") != 2 ]]; then
		echo "release-snapshot: .goreleaser.yaml's goos/goarch lines changed; update this script" >&2
		exit 1
	fi
	args+=(--config "$cfg")
fi
if ! docker info >/dev/null 2>&1; then
	echo "release-snapshot: no Docker daemon: the image is skipped" >&2
	skips+=(docker)
fi
if ! command -v syft >/dev/null; then
	echo "release-snapshot: no syft on PATH: the SBOMs are skipped" >&2
	skips+=(sbom)
fi
if ((${#skips[@]})); then
	args+=("--skip=$(
		IFS=,
		echo "${skips[*]}"
	)")
fi

echo "release-snapshot: $gr ${args[*]}" >&2
"$gr" "${args[@]}"

# What was made, checked.
shopt -s nullglob
archives=(dist/djsec_*.tar.gz dist/djsec_*.zip)
((${#archives[@]})) || {
	echo "release-snapshot: no archive in dist/" >&2
	exit 1
}
(cd dist && sha256sum --check --strict djsec_*_checksums.txt)
for a in "${archives[@]}"; do
	case "$a" in *.zip) continue ;; esac
	listing=$(tar -tzf "$a")
	for f in bot LICENSE README.md; do
		grep -qx "$f" <<<"$listing" || {
			echo "release-snapshot: $a lacks $f" >&2
			exit 1
		}
	done
	if [[ "$a" == *_"$(go env GOOS)"_"$(go env GOARCH)".tar.gz ]]; then
		tmp=$(mktemp -d)
		tar -xzf "$a" -C "$tmp" bot
		"$tmp/bot" version
		rm -rf "$tmp"
	fi
	if [[ " ${skips[*]-} " != *" sbom "* && ! -s "$a.sbom.json" ]]; then
		echo "release-snapshot: no SBOM for $a" >&2
		exit 1
	fi
done
echo "release-snapshot: ${#archives[@]} archive(s) in dist/, checksums verified" >&2
