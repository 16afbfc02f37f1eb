#!/bin/sh
# Regenerates every case's patches/ directory from its base/ and head/ trees
# with `git diff`, in the form GitHub's "list pull request files" API gives
# a file's patch: the hunks only, no diff/index/---/+++ header.
#
#   sh jobs/checkrun/review/testdata/genpatches.sh
#
# A case's optional `renames` file lists "old new" path pairs; `nopatch`
# lists head paths GitHub sends no patch for (nothing is written for them).
set -eu
cd "$(dirname "$0")/cases"
for c in */; do
	c=${c%/}
	rm -rf "$c/patches"
	(cd "$c" && { find base head -type f 2>/dev/null || true; } | sed 's#^[^/]*/##' | sort -u) >"$c/.paths"
	while read -r p; do
		old="$c/base/$p"
		new="$c/head/$p"
		out="$p"
		if [ -f "$c/renames" ]; then
			to=$(awk -v p="$p" '$1 == p { print $2 }' "$c/renames")
			from=$(awk -v p="$p" '$2 == p { print $1 }' "$c/renames")
			[ -n "$to" ] && continue # handled under its new name
			[ -n "$from" ] && old="$c/base/$from"
		fi
		if [ -f "$c/nopatch" ] && grep -qxF "$p" "$c/nopatch"; then
			continue
		fi
		[ -f "$old" ] || old=/dev/null
		[ -f "$new" ] || new=/dev/null
		if [ "$old" != /dev/null ] && [ "$new" != /dev/null ] && cmp -s "$old" "$new"; then
			continue
		fi
		mkdir -p "$(dirname "$c/patches/$out")"
		git diff --no-index --no-color -U3 -- "$old" "$new" | sed -n '/^@@/,$p' >"$c/patches/$out.diff" || true
	done <"$c/.paths"
	rm -f "$c/.paths"
done
