#!/usr/bin/env bash
# The webhook acknowledgement benchmark of docs/BENCHMARKS.md: the same
# signed GitHub example payloads at the same fixed rate, from a second
# process on loopback, first to `bot serve` (SQLite), then to a minimal
# Probot app (npm probot, scripts/ackbench/probot). Needs go, node, npm and
# openssl.
#
#   bash scripts/ackbench/compare.sh                 # 200/s for 30 s each
#   RATE=100 DURATION=10s bash scripts/ackbench/compare.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
RATE=${RATE:-200}
DURATION=${DURATION:-30s}
PROBOT_PORT=${PROBOT_PORT:-3988}

work=$(mktemp -d)
probot_pid=
cleanup() {
	if [[ -n $probot_pid ]]; then kill "$probot_pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

echo "== machine"
uname -srm
grep -m1 'model name' /proc/cpuinfo || true
nproc
go version
node --version

echo "== djsec: bot serve, SQLite"
go build -o "$work/bot" ./cmd/bot
go run ./scripts/ackbench -bot "$work/bot" -rate "$RATE" -duration "$DURATION"

echo "== Probot (minimal app, scripts/ackbench/probot)"
cp scripts/ackbench/probot/package.json scripts/ackbench/probot/index.js "$work/"
(cd "$work" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
openssl genrsa -out "$work/key.pem" 2048 2>/dev/null
(
	cd "$work"
	APP_ID=1 PRIVATE_KEY_PATH=key.pem WEBHOOK_SECRET=ackbench-secret HOST=127.0.0.1 PORT="$PROBOT_PORT" \
		LOG_LEVEL=info LOG_FORMAT=json exec node_modules/.bin/probot run ./index.js >probot.log 2>&1
) &
probot_pid=$!
for _ in $(seq 100); do
	grep -q 'Listening on' "$work/probot.log" 2>/dev/null && break
	sleep 0.1
done
node --version >/dev/null
grep -m1 'Running Probot' "$work/probot.log" || true
go run ./scripts/ackbench -url "http://127.0.0.1:$PROBOT_PORT" -path /api/github/webhooks -rate "$RATE" -duration "$DURATION"
echo "probot handled: $(grep -c '"msg":"received"' "$work/probot.log") deliveries (it keeps nothing: what is in flight at a crash is lost)"
