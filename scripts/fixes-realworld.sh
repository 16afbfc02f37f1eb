#!/usr/bin/env bash
# fixes-realworld.sh DIR [OUT] — run the fixers (`bot fix`, default rules:
# the critical findings and the other fix-up targets) on every checkout under
# DIR (the real repositories of ../shared/realworld, made by
# scripts/realworld.sh) and say per repository what was fixed, what was
# refused and why, and which critical or fix-up findings the audit no longer
# reports afterwards.
#
# Each checkout is copied to a temporary directory first: DIR is never
# modified. OUT (default: a new temporary directory, printed at the end)
# receives per repository the fix report (NAME.report), the diff
# (NAME.diff, from `bot fix --diff`), the audits before and after
# (NAME.before.json, NAME.after.json) and the fixed tree (NAME/).
#
# Each critical or fix-up finding is shown with the reviewer's verdict when
# there is one (verdicts.tsv, else the table "## Our verdicts" in
# docs/REALWORLD.md; matched on repo, rule, path and line, else on repo, rule
# and path). Needs jq.
#
# Not part of CI: the repositories are public but CI has no network. Where
# DIR holds no checkout the script says so and exits 0.
#
#   BOT=/tmp/bot scripts/fixes-realworld.sh /work/rw   # BOT: skip the build
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $# -lt 1 ]]; then
	echo "usage: $0 DIR [OUT]" >&2
	exit 2
fi
dir=$1
shopt -s nullglob
repos=()
if [[ -d $dir ]]; then
	for d in "$dir"/*/; do
		repos+=("$(basename "$d")")
	done
fi
if [[ ${#repos[@]} -eq 0 ]]; then
	echo "fixes-realworld: no checkouts under $dir; nothing to fix"
	exit 0
fi
command -v jq >/dev/null || {
	echo "fixes-realworld: needs jq" >&2
	exit 2
}
shared=${REALWORLD_SHARED:-../shared/realworld}
out=${2:-$(mktemp -d)}
mkdir -p "$out"

bot=${BOT:-}
if [[ -z $bot ]]; then
	bot=$(mktemp -d)/bot
	go build -o "$bot" ./cmd/bot
fi

# Verdicts as TSV: repo, rule, path, line, verdict (reviewer's first, ours after).
verdicts=$(mktemp)
if [[ -f $shared/verdicts.tsv ]]; then
	awk -F'\t' '!/^#/ && NF >= 4 { i = match($3, /:[0-9]+$/); if (i) print $1 "\t" $2 "\t" substr($3, 1, i-1) "\t" substr($3, i+1) "\t" $4 }' \
		"$shared/verdicts.tsv" >>"$verdicts"
fi
if [[ -f docs/REALWORLD.md ]]; then
	awk -F'|' '/^## / { t = ($0 ~ /^## Our verdicts/); next }
		t && /^\|/ { for (k = 2; k <= 5; k++) { gsub(/^[ `]+|[ `]+$/, "", $k) }
			i = match($4, /:[0-9]+$/); if (i && $5 ~ /^(TP|FP|NOISE)$/) print $2 "\t" $3 "\t" substr($4, 1, i-1) "\t" substr($4, i+1) "\t" $5 }' \
		docs/REALWORLD.md >>"$verdicts"
fi

# verdict REPO RULE PATH LINE: the verdict, "-" when there is none.
verdict() {
	awk -F'\t' -v r="$1" -v u="$2" -v p="$3" -v l="$4" '
		$1 == r && $2 == u && $3 == p { if ($4 == l) { print $5; exact = 1; exit } n++; v = $5 }
		END { if (!exact) print (n == 1 ? v : (n > 1 ? v "?" : "-")) }' "$verdicts"
}

# The findings the summary follows: critical ones and the fix-up targets
# that are not critical (DJS605, DJS801), unsuppressed.
select='[.findings[] | select(.suppressed | not) | select(.severity == "critical" or .rule == "DJS605" or .rule == "DJS801")]'

total_before=0 total_gone=0 total_fixed=0 total_person=0
for name in "${repos[@]}"; do
	work=$(mktemp -d)
	cp -a "$dir/$name" "$work/$name"
	tree=$work/$name
	"$bot" audit --format json --fail-on never "$tree" >"$out/$name.before.json"
	rc=0
	"$bot" fix --diff --fail-on never "$tree" >"$out/$name.diff" 2>/dev/null || rc=$?
	"$bot" fix --fail-on never "$tree" >"$out/$name.report" 2>&1 || rc=$?
	"$bot" audit --format json --fail-on never "$tree" >"$out/$name.after.json"
	rm -rf "${out:?}/$name"
	mv "$tree" "$out/$name"
	rmdir "$work"

	echo "== $name"
	if [[ $rc -ne 0 ]]; then
		echo "   bot fix exited $rc"
	fi
	sed 's/^/   /' "$out/$name.report"
	before=$(jq -r "$select | .[] | [.fingerprint, .rule, .severity, .path, .line, (.fixable | tostring)] | @tsv" "$out/$name.before.json")
	after_fps=$(jq -r '[.findings[] | select(.suppressed | not) | .fingerprint, (.also // [] | .[].fingerprint)] | .[]' "$out/$name.after.json")
	n=0 gone=0
	if [[ -n $before ]]; then
		echo "   critical and fix-up findings (verdict):"
		while IFS=$'\t' read -r fp rule sev path line fixable; do
			n=$((n + 1))
			state=left
			if ! grep -qxF "$fp" <<<"$after_fps"; then
				state=gone gone=$((gone + 1))
			elif [[ $fixable != true ]]; then
				state="left (no fixer)"
			fi
			printf '     %-16s %-8s %-8s %s:%s (%s)\n' "$state" "$rule" "$sev" "$path" "$line" "$(verdict "$name" "$rule" "$path" "$line")"
		done <<<"$before"
	fi
	new=$(jq -r --slurpfile b "$out/$name.before.json" '
		($b[0].findings | map(select(.suppressed | not) | .fingerprint)) as $old
		| .findings[] | select(.suppressed | not) | select(.fingerprint as $f | $old | index($f) | not)
		| "     new " + .rule + " " + .severity + " " + .path + ":" + (.line | tostring)' "$out/$name.after.json")
	if [[ -n $new ]]; then
		echo "   findings the audit reports only after the fixes:"
		echo "$new"
	fi
	fixed=$(sed -nE 's/^([0-9]+) findings? (would be )?fixed.*; ([0-9]+) needs? a person$/\1 \3/p' "$out/$name.report")
	read -r f p <<<"${fixed:-0 0}"
	echo "   summary: $n critical/fix-up findings, $gone gone after the fixes; bot fix: $f fixed, $p need a person"
	total_before=$((total_before + n)) total_gone=$((total_gone + gone))
	total_fixed=$((total_fixed + f)) total_person=$((total_person + p))
done
rm -f "$verdicts"
echo
echo "all: $total_before critical/fix-up findings, $total_gone gone after the fixes; bot fix: $total_fixed fixed, $total_person need a person"
echo "reports, diffs, audits and fixed trees: $out"
