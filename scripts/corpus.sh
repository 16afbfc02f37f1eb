#!/usr/bin/env bash
# corpus.sh DIR — fetch the real-world Django settings corpus that
# checks/corpus_test.go audits (DJSEC_CORPUS=DIR go test ./checks -run TestCorpus).
#
# Each Debian package below ships Django settings nobody here wrote. They are
# downloaded with `apt-get download` and unpacked with `dpkg -x` into DIR/PKG:
# nothing is installed system-wide. Packages this Debian release does not
# have are skipped and named; the script fails only when none could be fetched.
set -euo pipefail

if [[ $# -ne 1 ]]; then
	echo "usage: $0 DIR" >&2
	exit 2
fi
dir=$1
mkdir -p "$dir/.debs"
dir=$(cd "$dir" && pwd)

packages=(
	graphite-web
	openstack-dashboard
	python3-django-horizon
	mailman3-web
	python3-django-hyperkitty
	python3-django-postorius
	lava-server
	lava-server-doc
	lava-common
	wims-lti
	dicoweb
	freedombox
	omnidb-common
	python3-ara
	autoradio
	python3-django-cas-server
	python3-django
)

# The package lists may be missing (fresh container) or stale; refreshing
# needs root, so a non-root run relies on what is already there.
if [[ $(id -u) -eq 0 ]]; then
	apt-get update -qq >/dev/null || echo "corpus: apt-get update failed; using the existing package lists" >&2
fi

fetched=() skipped=()
for pkg in "${packages[@]}"; do
	if [[ -d "$dir/$pkg" ]]; then
		fetched+=("$pkg")
		continue
	fi
	if ! apt-cache show --no-all-versions "$pkg" >/dev/null 2>&1; then
		skipped+=("$pkg (not in this Debian release)")
		continue
	fi
	rm -f "$dir/.debs/${pkg}"_*.deb
	if ! (cd "$dir/.debs" && apt-get download -qq "$pkg" >/dev/null 2>&1); then
		skipped+=("$pkg (download failed)")
		continue
	fi
	deb=$(ls "$dir/.debs/${pkg}"_*.deb 2>/dev/null | head -n1)
	if [[ -z $deb ]]; then
		skipped+=("$pkg (no .deb after download)")
		continue
	fi
	# Unpack into a temporary name first so an interrupted run never leaves a
	# half-extracted package that the next run would take as done.
	rm -rf "$dir/$pkg.tmp"
	dpkg -x "$deb" "$dir/$pkg.tmp"
	mv "$dir/$pkg.tmp" "$dir/$pkg"
	fetched+=("$pkg")
done

echo "corpus: ${#fetched[@]} packages in $dir: ${fetched[*]}"
if [[ ${#skipped[@]} -gt 0 ]]; then
	printf 'corpus: skipped %s\n' "${skipped[@]}"
fi
if [[ ${#fetched[@]} -eq 0 ]]; then
	echo "corpus: no package could be fetched" >&2
	exit 1
fi
