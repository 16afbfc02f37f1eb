package servertest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/djsec/djsec/githubapp/githubtest"
	"github.com/djsec/djsec/jobs"
	"github.com/djsec/djsec/server/servertest"
)

// The harness itself: a paused server queues a signed delivery and works
// none until Resume; the job's outcome, the check run on the fake, the
// refusal of a forged delivery in the metrics, an idle queue and a clean
// stop all show.
func TestHarness(t *testing.T) {
	t.Parallel()
	s := servertest.Start(t, servertest.Options{Paused: true})
	gh := s.GitHub()
	repo := gh.AddRepo(gh.AddInstallation(42, "octo-org"), "octo-org/mysite")
	repo.Commit("debug", map[string]string{"mysite/settings.py": "DEBUG = True\nSECRET_KEY = __import__('os').environ['K']\n"})
	p := repo.AddPull(githubtest.Pull{HeadRef: "debug"})

	status, id := s.Deliver(t, "pull_request", gh.PullRequestEvent(t, repo, p.Number, "opened"))
	if status != 202 {
		t.Fatalf("signed delivery: %d, want 202", status)
	}
	if code, _, err := servertest.Post(s.URL, "pull_request", "forged", servertest.Example(t, "pull_request.opened"), "sha256=00"); err != nil || code != 401 {
		t.Fatalf("forged delivery: %d, %v; want 401", code, err)
	}
	if s.JobOf(id) == 0 {
		t.Fatal("the delivery queued no job")
	}
	time.Sleep(100 * time.Millisecond) // a paused server would have worked it by now
	if got := s.Attempts(id); len(got) != 0 {
		t.Fatalf("a paused server ran the job: %v", got)
	}
	if len(repo.CheckRuns()) != 0 {
		t.Fatal("a check run before Resume")
	}
	s.Resume()
	if failed := s.WaitJob(t, id); len(failed) != 0 {
		t.Errorf("failed attempts before success: %v", failed)
	}
	s.WaitIdle(t)
	if runs := repo.CheckRuns(); len(runs) != 1 || runs[0].Conclusion != "failure" {
		t.Errorf("check runs %+v, want one failure", runs)
	}
	if n := s.Metric(t, "djsec_webhook_deliveries_total", map[string]string{"outcome": "bad_signature"}); n != 1 {
		t.Errorf("bad signatures counted: %v, want 1", n)
	}
	if n := s.Metric(t, "djsec_jobs_total", map[string]string{"kind": jobs.KindPullRequest, "outcome": "succeeded"}); n != 1 {
		t.Errorf("succeeded pull_request jobs: %v, want 1", n)
	}
	if servertest.Processor[jobs.PullRequestArgs](s) == nil {
		t.Error("no pull_request processor")
	}
	if c, err := s.DB().JobCounts(context.Background()); err != nil || c["running"] != 0 {
		t.Errorf("job counts %v, %v", c, err)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s.Logs(), `"msg":"stopped"`) {
		t.Errorf("no stopped line:\n%s", s.Logs())
	}
}

func TestParseMetrics(t *testing.T) {
	t.Parallel()
	m, err := servertest.ParseMetrics("# HELP x y\n# TYPE x counter\n" +
		`x{a="1",b="q\"uo\\te\nd"} 2` + "\n" + `x{a="2"} 3` + "\ny 4.5\n")
	if err != nil {
		t.Fatal(err)
	}
	if got := servertest.SumSamples(m["x"], nil); got != 5 {
		t.Errorf("x = %v, want 5", got)
	}
	if got := servertest.SumSamples(m["x"], map[string]string{"b": "q\"uo\\te\nd"}); got != 2 {
		t.Errorf("x{b=…} = %v, want 2 (escapes undone)", got)
	}
	if got := servertest.SumSamples(m["y"], nil); got != 4.5 {
		t.Errorf("y = %v", got)
	}
	if _, err := servertest.ParseMetrics(`x{a="1} 2`); err == nil {
		t.Error("an unterminated label value parsed")
	}
}
