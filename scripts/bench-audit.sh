#!/usr/bin/env bash
# bench-audit.sh — produce the figures in docs/BENCHMARKS.md.
#
#   bash scripts/bench-audit.sh            # everything
#   RUNS=50 COUNT=10 bash scripts/bench-audit.sh
#
# Two builds of bot are measured: the command-line build
# (`go build -tags noserver`, what the Action and a CLI install use: no
# server linked in) and the full build (`go build`, the server's image and
# `go run ./cmd/bot serve`).
#
# 1. Go benchmarks of the analyzer (checks/bench_test.go): the whole
#    analysis, and the parse alone by the Go parser and by tree-sitter.
# 2. Peak RSS of the whole `bot audit` process on a generated 1,000-file
#    repository (/usr/bin/time -v), for the binary as `go build` wrote it
#    and for a plain copy of it: the same bytes, but the kernel may hold a
#    freshly linked file as 2 MB folios and map far more of it (see
#    docs/BENCHMARKS.md), so both are shown.
# 3. `bot audit` against `python3 -m django check --deploy` on the same
#    startproject settings (examples/startproject), side by side in one
#    hyperfine run (a plain interleaved loop when hyperfine is missing),
#    with `bot rules` (start-up, no analysis) alongside.
set -euo pipefail

cd "$(dirname "$0")/.."
runs=${RUNS:-30}
count=${COUNT:-5}
python=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== machine"
uname -srm
echo "cpus: $(nproc); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
go version
if "$python" -c 'import django' 2>/dev/null; then
	echo "django: $("$python" -m django --version) ($python)"
fi

go build -tags noserver -o "$work/bot" ./cmd/bot
go build -o "$work/bot-full" ./cmd/bot
ls -l "$work/bot" "$work/bot-full" | awk '{print $9 ": " $5 " bytes"}'

echo
echo "== go test ./checks -run '^\$' -bench 'Benchmark(Analyze|Parse)' -benchmem -count $count"
go test ./checks -run '^$' -bench 'Benchmark(Analyze|Parse)' -benchmem -count "$count"

echo
echo "== peak RSS: bot audit on a generated 1,000-file repository"
DJSEC_BENCH_REPO="$work/repo1000" go test ./checks -run '^TestBenchWriteRepo$' -count=1 >/dev/null
echo "files: $(find "$work/repo1000" -type f | wc -l), $(du -sh "$work/repo1000" | cut -f1)"
cp "$work/bot-full" "$work/bot-full-copy"
for bin in bot bot-full bot-full-copy; do
	for i in 1 2 3; do
		status=0
		/usr/bin/time -v "$work/$bin" audit --fail-on never --format json "$work/repo1000" \
			>/dev/null 2>"$work/time.txt" || status=$?
		if [[ $status -ne 0 ]]; then
			cat "$work/time.txt" >&2
			exit 1
		fi
		rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
		wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time.txt")
		echo "$bin run $i: peak RSS $((rss / 1024)) MiB ($rss KiB), wall $wall"
	done
done

echo
echo "== bot audit vs python3 -m django check --deploy on examples/startproject"
if ! "$python" -c 'import django' 2>/dev/null; then
	echo "skipped: Django is not importable by $python (apt-get install -y python3-django)"
	exit 0
fi
bot_cmd="$work/bot audit --fail-on never examples/startproject"
full_cmd="$work/bot-full audit --fail-on never examples/startproject"
django_cmd="$python -m django check --deploy --pythonpath examples/startproject --settings mysite.settings"
# Both must work before they are timed.
$bot_cmd >/dev/null
$django_cmd >/dev/null 2>&1
if command -v hyperfine >/dev/null; then
	# -N: no intermediate shell, so a few-millisecond command is not
	# dwarfed by the shell's own start-up.
	hyperfine -N --warmup 3 --runs "$runs" --export-json "$work/hf.json" \
		-n "bot audit" "$bot_cmd" -n "django check --deploy" "$django_cmd" \
		-n "bot audit (full build)" "$full_cmd" -n "bot rules" "$work/bot rules"
	"$python" - "$work/hf.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
bot, dj = r["bot audit"], r["django check --deploy"]
print("mean: bot audit %.2f ms, django check --deploy %.1f ms" % (bot["mean"] * 1e3, dj["mean"] * 1e3))
print("median: bot audit %.2f ms, django check --deploy %.1f ms" % (bot["median"] * 1e3, dj["median"] * 1e3))
cpu = lambda x: (x["user"] + x["system"]) * 1e3
print("CPU (user+system): bot audit %.2f ms, django check --deploy %.1f ms" % (cpu(bot), cpu(dj)))
print("ratio (mean): %.0fx; ratio (median): %.0fx; ratio (CPU): %.0fx" % (dj["mean"] / bot["mean"], dj["median"] / bot["median"], cpu(dj) / cpu(bot)))
full = r["bot audit (full build)"]
print("full build: mean %.2f ms, median %.2f ms; ratio (mean) %.0fx, (median) %.0fx" % (full["mean"] * 1e3, full["median"] * 1e3, dj["mean"] / full["mean"], dj["median"] / full["median"]))
PY
else
	echo "hyperfine not found (apt-get install -y hyperfine); timing an interleaved loop of $runs runs each"
	bot_ns=0 django_ns=0
	for ((i = 0; i < runs; i++)); do
		t0=$(date +%s%N); $bot_cmd >/dev/null; t1=$(date +%s%N)
		$django_cmd >/dev/null 2>&1; t2=$(date +%s%N)
		bot_ns=$((bot_ns + t1 - t0)) django_ns=$((django_ns + t2 - t1))
	done
	echo "mean: bot audit $((bot_ns / runs / 1000)) µs, django check --deploy $((django_ns / runs / 1000)) µs"
	echo "ratio: $((django_ns / bot_ns))x"
fi
