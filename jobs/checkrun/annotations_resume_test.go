package checkrun_test

import (
	"fmt"
	"testing"

	"github.com/djsec/djsec/githubapp/githubtest"
)

const (
	patchRunRoute = "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}"
	getRunRoute   = "GET /repos/{owner}/{repo}/check-runs/{check_run_id}"
)

// noDuplicates fails the test when an annotation (path, line, title) is
// on the run twice.
func noDuplicates(t *testing.T, cr githubtest.CheckRun) {
	t.Helper()
	seen := map[string]bool{}
	var dups []string
	for _, a := range annotations(cr) {
		k := fmt.Sprintf("%s:%d %s", a.Path, a.StartLine, a.Title)
		if seen[k] {
			dups = append(dups, k)
		}
		seen[k] = true
	}
	if len(dups) > 0 {
		t.Errorf("%d annotations are on the run twice, the first %s", len(dups), dups[0])
	}
}

// GitHub appends the annotations of every update, so an annotations PATCH
// whose answer is lost (GitHub did the work) must not be sent again: with
// 120 findings the run ends with exactly 120 annotations, whichever way the
// answer was lost, and the run is read again only after the loss.
func TestLostAnnotationsAnswerResumes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		fault githubtest.ChaosFault
		// every: 1 loses the first PATCH's answer (the second batch), 2
		// the second's (the last batch, which completes the run).
		every int
	}{
		{"reset after the work", githubtest.ChaosFault{Kind: githubtest.FaultReset, Handled: true, Max: 1}, 1},
		{"502 after the work", githubtest.ChaosFault{Kind: githubtest.FaultStatus, Status: 502, Handled: true, Max: 1}, 1},
		{"502 before the work", githubtest.ChaosFault{Kind: githubtest.FaultStatus, Status: 502, Max: 1}, 1},
		{"reset after the completing update", githubtest.ChaosFault{Kind: githubtest.FaultReset, Handled: true, Max: 1}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, envOptions{})
			e.repo.Commit("main", map[string]string{"mysite/settings.py": hardened(t), ".gitignore": gitignore})
			p := e.pr("views", map[string]string{"app/views.py": views120()})
			e.gh.ResetRequests()
			e.gh.StartChaos(githubtest.Chaos{Every: tt.every, Routes: []string{patchRunRoute}, Faults: []githubtest.ChaosFault{tt.fault}})
			e.open(p)
			cr := e.only(p.HeadSHA)
			if n := len(cr.Annotations); n != 120 || cr.Status != "completed" {
				t.Errorf("run %s with %d annotations, want completed with 120", cr.Status, n)
			}
			noDuplicates(t, cr)
			if st := e.gh.ChaosStats(); st.Injected != 1 {
				t.Fatalf("chaos %+v: the PATCH was not faulted", st)
			}
			if n := e.gh.Count(getRunRoute, 200); n != 1 {
				t.Errorf("the run was read %d times, want once, after the lost answer:\n%s", n, e.gh.BudgetReport())
			}
		})
	}
}

// The lost answer, and the read of the run failing too: the job fails,
// and its next attempt reads the run's annotations_count before it sends
// anything, and sends only what is missing.
func TestRetriedJobResumesFromAnnotationsCount(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.repo.Commit("main", map[string]string{"mysite/settings.py": hardened(t), ".gitignore": gitignore})
	p := e.pr("views", map[string]string{"app/views.py": views120()})
	e.gh.StartChaos(githubtest.Chaos{Every: 1, Routes: []string{patchRunRoute}, Faults: []githubtest.ChaosFault{
		{Kind: githubtest.FaultReset, Handled: true, Max: 1}}})
	// Every retry of the read fails (the client makes five tries).
	e.gh.Inject(githubtest.Fault{Route: getRunRoute, Status: 502, Times: 5})
	id := e.deliver("pull_request", e.gh.PullRequestEvent(t, e.repo, p.Number, "opened"))
	if failed := e.wait(id); len(failed) != 1 {
		t.Errorf("failed attempts %v, want the one that could not read the run", failed)
	}
	cr := e.only(p.HeadSHA)
	if n := len(cr.Annotations); n != 120 || cr.Status != "completed" {
		t.Errorf("run %s with %d annotations, want completed with 120", cr.Status, n)
	}
	noDuplicates(t, cr)
}

// A run with no lost answer is never read back: 120 findings cost the
// three writes and no GET of the run.
func TestAnnotationsWithoutLossReadNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.repo.Commit("main", map[string]string{"mysite/settings.py": hardened(t), ".gitignore": gitignore})
	p := e.pr("views", map[string]string{"app/views.py": views120()})
	e.gh.ResetRequests()
	e.open(p)
	if cr := e.only(p.HeadSHA); len(cr.Annotations) != 120 || cr.Requests != 3 {
		t.Errorf("%d annotations in %d writes, want 120 in 3", len(cr.Annotations), cr.Requests)
	}
	if n := e.gh.Count(getRunRoute, 0); n != 0 {
		t.Errorf("the run was read %d times", n)
	}
}

// "Re-run" of an annotated run makes a new run; when the update that
// completes it loses its answer, the read-back finds it complete, and no
// third run is made.
func TestRerunLostCompletingAnswer(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.repo.Commit("main", map[string]string{"mysite/settings.py": hardened(t), ".gitignore": gitignore})
	p := e.pr("views", map[string]string{"app/views.py": views120()})
	e.open(p)
	first := e.only(p.HeadSHA)
	e.gh.StartChaos(githubtest.Chaos{Every: 2, Routes: []string{patchRunRoute}, Faults: []githubtest.ChaosFault{
		{Kind: githubtest.FaultReset, Handled: true, Max: 1}}})
	e.wait(e.deliver("check_run", e.gh.CheckRunEvent(t, e.repo, "rerequested", first.ID, "")))
	runs := e.runs(p.HeadSHA)
	if len(runs) != 2 {
		t.Fatalf("%d runs after the re-run, want 2", len(runs))
	}
	if st := e.gh.ChaosStats(); st.Injected != 1 {
		t.Fatalf("chaos %+v: the completing PATCH was not faulted", st)
	}
	for _, cr := range runs {
		if len(cr.Annotations) != 120 || cr.Status != "completed" {
			t.Errorf("run %d %s with %d annotations, want completed with 120", cr.ID, cr.Status, len(cr.Annotations))
		}
		noDuplicates(t, cr)
	}
}
