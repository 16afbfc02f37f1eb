// Package e2ebench measures, from outside, the time from a signed
// pull_request webhook to the completed check run on GitHub (played by
// githubtest) for the real `bot serve` binary — on SQLite and on Postgres —
// and for a Probot app that does the same GitHub work
// (scripts/e2ebench/probot), in one run, with the servers' memory.
//
//	go build -o /tmp/bot ./cmd/bot
//	cp -r scripts/e2ebench/probot /tmp/probot && (cd /tmp/probot && npm install)   # for the Probot half
//	DJSEC_BOT=/tmp/bot E2EBENCH_PROBOT=/tmp/probot go test ./scripts/e2ebench -run '^$' -bench . -benchtime 1x -v
//
// Each sub-benchmark runs once (-benchtime 1x): it starts a fresh fake and
// server, sends E2EBENCH_EVENTS pull_request "opened" deliveries (default
// 200) at E2EBENCH_RATE per second (default 20), open loop — each latency
// counts from when its delivery was due — and stops the clock for an event
// when the fake holds a completed check run on its head commit. It reports
// p50, p90, p99 and max in milliseconds, the REST calls per event
// (githubtest's Budget: token exchanges left out), the server's resident
// memory at rest after start (VmRSS) and its peak over the run (VmHWM),
// both from /proc/PID/status. The "ratio" sub-benchmark divides djsec's
// SQLite figures by Probot's from the same run. Without DJSEC_BOT the
// binary is built first; without E2EBENCH_PROBOT naming a copy of
// scripts/e2ebench/probot with its node_modules installed (or
// node_modules installed in place, which this repository does not ignore)
// the Probot half and the ratio skip, saying so.
package e2ebench
