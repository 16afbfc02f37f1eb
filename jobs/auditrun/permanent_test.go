package auditrun_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/djsec/djsec/githubapp"
	"github.com/djsec/djsec/githubapp/githubtest"
	"github.com/djsec/djsec/internal/syncbuf"
	"github.com/djsec/djsec/jobs"
	"github.com/djsec/djsec/jobs/auditrun"
	"github.com/djsec/djsec/metrics"
	"github.com/djsec/djsec/store/storetest"
)

// Issue 19, bug 7: GitHub's permanent answers end the job at once. The
// audit of a repository whose issues are turned off gets 410 "Issues are
// disabled for this repo" and ends on its first attempt, through the real
// queue (which would retry anything else); the next weekly sweep does not
// queue it while the repository stays that way (GitHub's listing says
// has_issues: false), and queues it again once issues are back on.
func TestIssuesDisabledEndsTheAuditAndTheSweepSkipsIt(t *testing.T) {
	t.Parallel()
	gh := githubtest.New(t)
	inst := gh.AddInstallation(42, "octo-org")
	off := gh.AddRepo(inst, "octo-org/no-issues")
	off.Commit("main", example(t, "startproject"))
	off.SetIssuesDisabled(true)
	on := gh.AddRepo(inst, "octo-org/shop")
	on.Commit("main", example(t, "startproject"))

	db := storetest.Open(t, storetest.SQLiteURL(t))
	logs := &syncbuf.Buffer{}
	logger := slog.New(slog.NewTextHandler(logs, nil))
	clients, err := githubapp.NewClientCreator(githubapp.Config{BaseURL: gh.URL, AppID: gh.AppID(), PrivateKey: gh.AppPrivateKeyPEM(),
		ETags: db.ETags(), Logger: logger, Sleep: func(ctx context.Context, d time.Duration) error { return ctx.Err() }})
	if err != nil {
		t.Fatal(err)
	}
	runner, err := auditrun.New(auditrun.Options{Clients: clients, DB: db, RulesVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	m := metrics.New(prometheus.NewRegistry())
	queue, err := jobs.NewQueue(db, jobs.Options{Processors: jobs.Registered(runner.Register), Logger: logger,
		Metrics: m, RetryPolicy: soon{}, FetchPollInterval: 20 * time.Millisecond, MaxAttempts: 5})
	if err != nil {
		t.Fatal(err)
	}
	runner.UseQueue(queue)
	if err := queue.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = queue.Stop(context.Background(), 5*time.Second)
		if t.Failed() {
			t.Logf("logs:\n%s", logs.String())
		}
	})
	count := func(kind, outcome string) float64 { return testutil.ToFloat64(m.Jobs.WithLabelValues(kind, outcome)) }
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}

	ctx := context.Background()
	if _, err := queue.Insert(ctx, jobs.AuditArgs{Origin: jobs.Origin{Installation: 42, Repo: off.FullName(), RepoID: off.ID}, Reason: "installed"}); err != nil {
		t.Fatal(err)
	}
	waitFor("the audit to end", func() bool { return count(jobs.KindAudit, "failed") > 0 })
	time.Sleep(200 * time.Millisecond) // room for a wrong retry
	if n := count(jobs.KindAudit, "retried"); n != 0 {
		t.Errorf("the audit was retried %v times, want 0: issues disabled is permanent", n)
	}
	if n := gh.Count("GET /repos/{owner}/{repo}/issues", 410); n != 1 {
		t.Errorf("%d answers 410 to the issue listing, want 1 (one attempt)", n)
	}
	if !strings.Contains(logs.String(), string(githubapp.RefusedIssuesDisabled)) {
		t.Errorf("the log does not say why the audit ended (%q)", githubapp.RefusedIssuesDisabled)
	}

	sweep := func() {
		t.Helper()
		before := count(jobs.KindAuditSweep, "succeeded")
		if _, err := queue.Insert(ctx, jobs.AuditSweepArgs{Spread: time.Nanosecond}); err != nil {
			t.Fatal(err)
		}
		waitFor("the sweep", func() bool { return count(jobs.KindAuditSweep, "succeeded") > before })
	}
	gh.ResetRequests()
	sweep()
	waitFor("the audit of the other repository", func() bool { return count(jobs.KindAudit, "succeeded") >= 1 })
	time.Sleep(200 * time.Millisecond)
	for _, r := range gh.Requests() {
		if strings.HasPrefix(r.Path, "/repos/"+off.FullName()) {
			t.Errorf("the sweep audited %s although its issues are off: %s %s", off.FullName(), r.Method, r.Path)
		}
	}
	if count(jobs.KindAudit, "failed") != 1 {
		t.Errorf("%v audits failed, want still 1", count(jobs.KindAudit, "failed"))
	}

	// Issues back on: the next sweep queues its audit again (which, on
	// any day but the audit day, reads the branch and defers itself).
	off.SetIssuesDisabled(false)
	gh.ResetRequests()
	sweep()
	waitFor("the audit of the repository with issues again", func() bool {
		for _, r := range gh.Requests() {
			if strings.HasPrefix(r.Path, "/repos/"+off.FullName()+"/") {
				return true
			}
		}
		return false
	})
}
