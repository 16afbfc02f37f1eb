package checkrun_test

import (
	"strings"
	"testing"

	"github.com/djsec/djsec/githubapp/githubtest"
)

// A repository that requires djsec and merges through a merge queue: the
// queue's merge_group checks_requested gets a completed djsec run on the
// group's head commit — failing when the queued changes add findings
// (judged against the queue's base, like a pull request against its base
// branch), passing when they add none, whatever the base already holds.
// Before merge_group was handled the delivery was "unhandled" and no run
// ever appeared: the queue waited forever.
func TestMergeGroupGetsACheckRunOnItsHead(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.repo.Commit("main", map[string]string{"mysite/settings.py": hardened(t), ".gitignore": gitignore})
	base, _ := e.repo.Branch("main")
	p := e.pr("unsafe", map[string]string{"mysite/settings.py": unsafe(t)})

	// The queue merges the pull request onto main on its read-only branch.
	queue := githubtest.MergeQueueBranch("main", p.Number, p.HeadSHA)
	head := e.repo.Commit(queue, map[string]string{"mysite/settings.py": unsafe(t)})
	e.gh.ResetRequests()
	e.wait(e.deliver("merge_group", e.gh.MergeGroupEvent(t, e.repo, "checks_requested", queue, "main")))

	cr := e.only(head)
	if cr.Status != "completed" || cr.Conclusion != "failure" {
		t.Fatalf("merge group run %s/%s, want completed/failure:\n%s", cr.Status, cr.Conclusion, cr.Summary)
	}
	if !strings.Contains(cr.Summary, "Merge queue: `"+queue+"`") || !strings.Contains(cr.Summary, base[:7]) {
		t.Errorf("summary does not say what the group was judged against:\n%s", cr.Summary)
	}
	var lines []int
	for _, a := range annotations(cr) {
		lines = append(lines, a.StartLine)
	}
	if len(lines) == 0 {
		t.Errorf("no annotations on the group's new findings:\n%s", cr.Summary)
	}
	if len(cr.Actions) != 0 {
		t.Errorf("buttons on a merge group's run (nothing can be pushed to the queue's branch): %v", cr.Actions)
	}
	// Judged against the queue's base commit, not the branch's tip then.
	if n := e.gh.Count("GET /repos/{owner}/{repo}/compare/{basehead}", 200); n != 1 {
		t.Errorf("%d compare calls, want 1:\n%s", n, e.gh.BudgetReport())
	}
	for _, r := range e.gh.Requests() {
		if r.Route == "GET /repos/{owner}/{repo}/compare/{basehead}" && !strings.Contains(r.Path, base+"..."+head) {
			t.Errorf("compare %s, want %s...%s", r.Path, base, head)
		}
	}
	if n := e.gh.Budget(); n > 4 {
		t.Errorf("%d calls, budget 4 (compare, config, the module, the check run):\n%s", n, e.gh.BudgetReport())
	}

	// A base that already holds findings: a group adding none passes, as a
	// pull request inheriting them does.
	e.repo.Commit("main", map[string]string{"mysite/settings.py": unsafe(t)})
	queue2 := githubtest.MergeQueueBranch("main", 7, strings.Repeat("a", 40))
	head2 := e.repo.Commit(queue2, map[string]string{"README.md": "# mysite\n"})
	e.wait(e.deliver("merge_group", e.gh.MergeGroupEvent(t, e.repo, "checks_requested", queue2, "main")))
	if cr := e.only(head2); cr.Status != "completed" || cr.Conclusion != "success" {
		t.Fatalf("clean group on an unsafe base: %s/%s, want completed/success:\n%s", cr.Status, cr.Conclusion, cr.Summary)
	}

	// destroyed (merged, dequeued) asks for nothing.
	before := len(e.repo.CheckRuns())
	e.deliver("merge_group", e.gh.MergeGroupEvent(t, e.repo, "destroyed", queue2, "main"))
	if n := len(e.repo.CheckRuns()); n != before {
		t.Errorf("merge_group destroyed made %d check runs", n-before)
	}
}
