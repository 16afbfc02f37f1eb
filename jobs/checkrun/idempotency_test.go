package checkrun_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/djsec/djsec/githubapp/githubtest"
	"github.com/djsec/djsec/store"
	"github.com/djsec/djsec/store/storetest"
)

// A redelivered webhook: the same delivery ID is a duplicate at the door;
// the same event under a new ID (GitHub's "Redeliver", or two hooks) runs
// a job that finds the run complete for the same inputs and stops after
// the one call that tells it so (the config, a free 304).
func TestRedeliveredWebhookMakesOneCheckRun(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, url string) {
		e := newEnv(t, envOptions{url: url})
		e.repo.Commit("main", map[string]string{"mysite/settings.py": hardened(t), ".gitignore": gitignore, ".github/djsec.yml": "fail_on: high\n"})
		p := e.pr("unsafe", map[string]string{"mysite/settings.py": unsafe(t)})
		body := e.gh.PullRequestEvent(t, e.repo, p.Number, "opened")
		e.deliverAs("pull_request", "original", body)
		e.wait("original")
		e.deliverAs("pull_request", "original", body) // 200 duplicate: no job
		e.gh.ResetRequests()
		again := e.deliver("pull_request", body)
		e.wait(again)
		if got := e.attempts("original"); len(got) != 1 {
			t.Errorf("the duplicate delivery ran a job: %v", got)
		}
		cr := e.only(p.HeadSHA)
		if cr.Requests != 1 {
			t.Errorf("the run was written %d times, want 1", cr.Requests)
		}
		report := e.gh.BudgetReport()
		if n := e.gh.Budget(); n != 1 || !strings.Contains(report, "djsec.yml") || !strings.Contains(report, "304") {
			t.Errorf("the second job made %d calls, want the config's 304 only:\n%s", n, report)
		}
	})
}

// Several jobs for one commit at once (copies under new delivery IDs):
// one creates the run, the others wait their turn and find it done.
func TestConcurrentJobsMakeOneCheckRun(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.repo.Commit("main", map[string]string{"mysite/settings.py": hardened(t), ".gitignore": gitignore})
	p := e.pr("unsafe", map[string]string{"mysite/settings.py": unsafe(t)})
	body := e.gh.PullRequestEvent(t, e.repo, p.Number, "opened")
	e.gh.SetLatency(20 * time.Millisecond) // widen the window
	var ids []string
	for range 4 {
		ids = append(ids, e.deliver("pull_request", body))
	}
	for _, id := range ids {
		e.wait(id)
	}
	cr := e.only(p.HeadSHA)
	// Three findings: the literal key (weak too, one finding), DEBUG, "*".
	if cr.Requests != 1 || cr.Conclusion != "failure" || len(cr.Annotations) != 3 {
		t.Fatalf("run written %d times, %s, %d annotations", cr.Requests, cr.Conclusion, len(cr.Annotations))
	}
}

// A push while the first job is still queued: the older job does nothing,
// only the newer head gets a run.
func TestPushWhileQueued(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, url string) {
		e := newEnv(t, envOptions{url: url, paused: true})
		e.repo.Commit("main", map[string]string{"mysite/settings.py": hardened(t), ".gitignore": gitignore})
		p := e.pr("feature", map[string]string{"mysite/settings.py": unsafe(t)})
		first := e.deliver("pull_request", e.gh.PullRequestEvent(t, e.repo, p.Number, "opened"))
		newer := e.repo.Commit("feature", map[string]string{"mysite/settings.py": edit(t, unsafe(t), `TIME_ZONE = "UTC"`, `TIME_ZONE = "Europe/Paris"`)})
		second := e.deliver("pull_request", e.gh.PullRequestEvent(t, e.repo, p.Number, "synchronize"))
		e.start()
		e.wait(first)
		e.wait(second)
		if runs := e.runs(p.HeadSHA); len(runs) != 0 {
			t.Errorf("the superseded head got %d runs", len(runs))
		}
		if cr := e.only(newer); cr.Status != "completed" || cr.Conclusion != "failure" {
			t.Errorf("newer head: %s/%s", cr.Status, cr.Conclusion)
		}
		if !strings.Contains(e.logs.String(), `"msg":"superseded: a newer push to the pull request is queued"`) {
			t.Error("no superseded line")
		}
	})
}

// A push while a long check runs: the run it showed in progress is
// completed as skipped, naming the newer head, and the newer head gets its
// own run.
func TestPushWhileChecking(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	base := map[string]string{".gitignore": gitignore}
	change := map[string]string{}
	for i := range 12 { // more than 10 files to read: shown in progress first
		p := "app" + strconv.Itoa(i) + "/views.py"
		base[p] = "from django.http import HttpResponse\n\n\ndef index(request):\n    return HttpResponse('ok')\n"
		change[p] = base[p] + "\n\ndef about(request):\n    return HttpResponse('about')\n"
	}
	e.repo.Commit("main", base)
	p := e.pr("many", change)
	e.gh.Inject(githubtest.Fault{Route: "GET /repos/{owner}/{repo}/contents/{path}", Times: 13, Delay: 150 * time.Millisecond})
	first := e.deliver("pull_request", e.gh.PullRequestEvent(t, e.repo, p.Number, "opened"))
	deadline := time.Now().Add(20 * time.Second)
	for len(e.runs(p.HeadSHA)) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no run in progress")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if cr := e.only(p.HeadSHA); cr.Status != "in_progress" {
		t.Fatalf("run %s, want in_progress while reading", cr.Status)
	}
	newer := e.repo.Commit("many", map[string]string{"app0/views.py": change["app0/views.py"] + "# more\n"})
	second := e.deliver("pull_request", e.gh.PullRequestEvent(t, e.repo, p.Number, "synchronize"))
	e.wait(first)
	e.wait(second)
	old := e.only(p.HeadSHA)
	if old.Status != "completed" || old.Conclusion != "skipped" || !strings.Contains(old.Summary, newer) {
		t.Errorf("superseded run: %s/%s %q", old.Status, old.Conclusion, old.Summary)
	}
	if cr := e.only(newer); cr.Status != "completed" || cr.Conclusion == "skipped" {
		t.Errorf("newer run: %s/%s", cr.Status, cr.Conclusion)
	}
}

// A job that created the run and died before recording it: the next one
// finds the run on GitHub and updates it instead of creating another.
func TestAdoptsARunLeftUnrecorded(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.repo.Commit("main", map[string]string{"mysite/settings.py": hardened(t), ".gitignore": gitignore})
	p := e.pr("unsafe", map[string]string{"mysite/settings.py": unsafe(t)})
	orphan := e.repo.AddCheckRun(githubtest.CheckRun{Name: "djsec", HeadSHA: p.HeadSHA, Status: "in_progress", ExternalID: "djsec:v1:old"})
	// The dead job's claim: a row with no run ID and an expired lease.
	ctx := context.Background()
	row := store.CheckRunState{RepoID: e.repo.ID, HeadSHA: p.HeadSHA, Repo: e.repo.FullName(), PR: p.Number}
	if _, claimed, _, err := e.db.ClaimCheckRun(ctx, row, "job 0 attempt 1", time.Millisecond); err != nil || !claimed {
		t.Fatal(claimed, err)
	}
	time.Sleep(5 * time.Millisecond)
	e.open(p)
	cr := e.only(p.HeadSHA)
	if cr.ID != orphan || cr.Status != "completed" || cr.Conclusion != "failure" {
		t.Fatalf("run %d %s/%s, want the orphan %d completed", cr.ID, cr.Status, cr.Conclusion, orphan)
	}
}

// "Re-run" on a run without annotations updates the same run; on a run
// with annotations a new run takes the result (GitHub appends the
// annotations of every update, so the old run cannot take them again).
func TestRerun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		settings func(t testing.TB) string
		// runs after a check run's re-run, then after the suite's
		runs, afterSuite int
	}{
		{"clean run updated in place", func(t testing.TB) string {
			return edit(t, hardened(t), `TIME_ZONE = "UTC"`, `TIME_ZONE = "Europe/Paris"`)
		}, 1, 1},
		{"annotated run replaced", unsafe, 2, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, envOptions{})
			e.repo.Commit("main", map[string]string{"mysite/settings.py": hardened(t), ".gitignore": gitignore})
			p := e.pr("change", map[string]string{"mysite/settings.py": tt.settings(t)})
			e.open(p)
			first := e.only(p.HeadSHA)
			e.wait(e.deliver("check_run", e.gh.CheckRunEvent(t, e.repo, "rerequested", first.ID, "")))
			runs := e.runs(p.HeadSHA)
			if len(runs) != tt.runs {
				t.Fatalf("%d runs after the re-run, want %d", len(runs), tt.runs)
			}
			last := runs[len(runs)-1]
			if last.Status != "completed" || last.Conclusion != first.Conclusion || len(last.Annotations) != len(first.Annotations) {
				t.Errorf("re-run: %s/%s with %d annotations; first: %s with %d", last.Status, last.Conclusion, len(last.Annotations),
					first.Conclusion, len(first.Annotations))
			}
			if tt.runs == 1 && last.Requests != 2 {
				t.Errorf("run written %d times, want 2", last.Requests)
			}
			// The suite's "Re-run all" does the same.
			e.wait(e.deliver("check_suite", e.gh.CheckSuiteEvent(t, e.repo, "rerequested", p.HeadSHA)))
			if n := len(e.runs(p.HeadSHA)); n != tt.afterSuite {
				t.Errorf("%d runs after the suite re-run, want %d", n, tt.afterSuite)
			}
		})
	}
}

// A re-run of a commit the pull request has moved past does nothing.
func TestRerunOfSupersededCommit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.repo.Commit("main", map[string]string{"mysite/settings.py": hardened(t), ".gitignore": gitignore})
	p := e.pr("feature", map[string]string{"mysite/settings.py": unsafe(t)})
	e.open(p)
	old := e.only(p.HeadSHA)
	e.repo.Commit("feature", map[string]string{"mysite/settings.py": hardened(t)})
	e.wait(e.deliver("check_run", e.gh.CheckRunEvent(t, e.repo, "rerequested", old.ID, "")))
	if cr := e.only(p.HeadSHA); cr.Requests != 1 {
		t.Errorf("the old run was written again")
	}
	if !strings.Contains(e.logs.String(), "superseded: the pull request has a newer head") {
		t.Error("no superseded line")
	}
}
