#!/usr/bin/env bash
# openapi-subset.sh [VERSION] — regenerate githubapp/githubtest/testdata/openapi/ from
# GitHub's published OpenAPI description (npm package @octokit/openapi,
# default: the version named in githubapp/githubtest/testdata/openapi/VERSION).
# The package is fetched with `npm pack` into a temporary directory; only the
# operations listed in scripts/openapi-subset.go are kept.
set -euo pipefail
cd "$(dirname "$0")/.."
out=githubapp/githubtest/testdata/openapi
version=${1:-$(cat "$out/VERSION")}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "@octokit/openapi@$version" >/dev/null)
tar -xzf "$tmp"/octokit-openapi-"$version".tgz -C "$tmp" package/generated/api.github.com.deref.json
go run scripts/openapi-subset.go -in "$tmp/package/generated/api.github.com.deref.json" \
	-version "$version" -out "$out/api.github.com.subset.json"
echo "$version" >"$out/VERSION"
