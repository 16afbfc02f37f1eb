package checkrun_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/djsec/djsec/checks"
	"github.com/djsec/djsec/githubapp/githubtest"
	"github.com/djsec/djsec/jobs"
	"github.com/djsec/djsec/jobs/checkrun/review"
)

// GitHub created the run, completed, but its answer was lost (the
// connection reset after the work): the job's next attempt finds that run
// complete for the same inputs and leaves it, rather than creating a
// second run on the commit.
func TestLostAnswerMakesOneCheckRun(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.repo.Commit("main", map[string]string{"mysite/settings.py": hardened(t), ".gitignore": gitignore})
	p := e.pr("unsafe", map[string]string{"mysite/settings.py": unsafe(t)})
	e.gh.StartChaos(githubtest.Chaos{Every: 1, Routes: []string{"POST /repos/{owner}/{repo}/check-runs"},
		Faults: []githubtest.ChaosFault{{Kind: githubtest.FaultReset, Handled: true, Max: 1}}})
	id := e.deliver("pull_request", e.gh.PullRequestEvent(t, e.repo, p.Number, "opened"))
	if failed := e.wait(id); len(failed) != 1 {
		t.Fatalf("failed attempts %v, want the one whose answer was lost", failed)
	}
	cr := e.only(p.HeadSHA)
	if cr.Status != "completed" || cr.Conclusion != "failure" || cr.Requests != 1 {
		t.Errorf("run %s/%s written %d times, want the lost answer's run, completed once", cr.Status, cr.Conclusion, cr.Requests)
	}
}

// The run was published, then what follows it (AfterCheck: the fix-up)
// failed, or the process died before it ended: the retried job runs
// AfterCheck again, and leaves the complete run as it is.
func TestRetryFinishesAfterCheck(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	e := newEnv(t, envOptions{afterCheck: func(ctx context.Context, o jobs.Origin, pr int, cfg *checks.Config, res *review.Result) error {
		if calls.Add(1) == 1 {
			return errors.New("fix-up: 502 from GitHub")
		}
		if res == nil || len(res.New) == 0 {
			return errors.New("AfterCheck without the review's findings")
		}
		return nil
	}})
	e.repo.Commit("main", map[string]string{"mysite/settings.py": hardened(t), ".gitignore": gitignore})
	p := e.pr("unsafe", map[string]string{"mysite/settings.py": unsafe(t)})
	id := e.deliver("pull_request", e.gh.PullRequestEvent(t, e.repo, p.Number, "opened"))
	if failed := e.wait(id); len(failed) != 1 {
		t.Fatalf("failed attempts %v, want AfterCheck's", failed)
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("AfterCheck ran %d times, want 2: the retry must finish it", n)
	}
	if cr := e.only(p.HeadSHA); cr.Status != "completed" || cr.Requests != 1 {
		t.Errorf("run %s written %d times, want completed once", cr.Status, cr.Requests)
	}
}
