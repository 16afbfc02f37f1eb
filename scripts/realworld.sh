#!/usr/bin/env bash
# realworld.sh DIR [-v] [-unjudged FILE] — audit the real repositories of
# ../shared/realworld checked out under DIR (one folder per repository,
# named as in its README) and score the findings against the reviewer's
# verdicts, must.tsv and our own verdicts in docs/REALWORLD.md.
#
# Not part of CI: the repositories are public but CI has no network. Where
# DIR holds no checkout the script says so and exits 0.
#
# To make the checkouts from bare mirrors (the library's fetch tool puts
# them at MIRRORS/owner+name/repo):
#   REALWORLD_MIRRORS=/work/.mirror scripts/realworld.sh DIR
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $# -lt 1 ]]; then
	echo "usage: $0 DIR [-v] [-unjudged FILE]" >&2
	exit 2
fi
dir=$1
shift
shared=${REALWORLD_SHARED:-../shared/realworld}
if [[ ! -f $shared/README.md ]]; then
	echo "realworld: no $shared/README.md; nothing to measure" >&2
	exit 0
fi

if [[ -n ${REALWORLD_MIRRORS:-} ]]; then
	mkdir -p "$dir"
	# | folder | owner/name | commit | …
	grep -E '^\| [^|]+ \| [^|]+/[^|]+ \| [0-9a-f]{40} \|' "$shared/README.md" | while IFS='|' read -r _ name repo commit _; do
		name=$(echo $name) repo=$(echo $repo) commit=$(echo $commit)
		[[ -d $dir/$name ]] && continue
		git_dir=$REALWORLD_MIRRORS/${repo/\//+}/repo
		if [[ ! -d $git_dir ]]; then
			echo "realworld: no mirror of $repo at $git_dir" >&2
			continue
		fi
		mkdir -p "$dir/$name"
		# Large blobs may be absent from a mirror: write what is there.
		git --git-dir="$git_dir" ls-tree -r "$commit" | while read -r mode type sha file; do
			[[ $type == blob ]] || continue
			mkdir -p "$dir/$name/$(dirname "$file")"
			if [[ $mode == 120000 ]]; then
				ln -s "$(git --git-dir="$git_dir" cat-file blob "$sha")" "$dir/$name/$file"
			else
				git --git-dir="$git_dir" cat-file blob "$sha" >"$dir/$name/$file" 2>/dev/null || rm -f "$dir/$name/$file"
			fi
		done
	done
fi

if [[ ! -d $dir ]]; then
	echo "realworld: no checkouts under $dir; nothing to measure"
	exit 0
fi

bot=$(mktemp -d)/bot
go build -o "$bot" ./cmd/bot
go run ./scripts/realworld -bot "$bot" -shared "$shared" -ours docs/REALWORLD.md "$@" "$dir"
