// Package e2e drives the real `bot serve` binary, as a subprocess, against
// githubtest: the end-to-end user stories (stories_test.go), several
// processes on one Postgres (multiprocess_test.go) and faults and kills
// (chaos_test.go). It is tests only: the launcher of the binary is
// process_test.go, and what it shares with the in-process tests (signed
// deliveries, polling, the metrics parser, webhook payloads) comes from
// server/servertest.
//
// The binary is built once per `go test` run (BotBinary, shared by every
// test of the package). A test makes an Env — a fresh fake GitHub, a fresh
// database of the kind asked for, a webhook secret — then starts one or
// more servers on it:
//
//	ForEachDB(t, func(t *testing.T, db DBKind) {
//		env := NewEnv(t, db)
//		inst := env.GH.AddInstallation(42, "octo-org")
//		repo := env.GH.AddRepo(inst, "octo-org/mysite")
//		srv := env.Start(t)
//		srv.Deliver(t, "pull_request", env.GH.PullRequestEvent(t, repo, 1, "opened"))
//		WaitFor(t, 30*time.Second, "a completed check run", func() bool { ... }, srv)
//		_ = srv.Metric(t, "djsec_jobs_total", map[string]string{"kind": "pull_request", "outcome": "succeeded"})
//		srv.Kill(t)     // kill -9
//		srv.Restart(t)  // the same port, database and environment
//		srv.Stop(t)     // SIGTERM, and wait for exit 0
//	})
//
// Servers are stopped (killed if they do not stop) when the test ends, and
// a failed test gets the tail of every server's log. WaitFor's timeout
// fails the test at once with those logs attached.
package e2e
