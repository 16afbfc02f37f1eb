package checkrun_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/djsec/djsec/store/storetest"
)

// The budgets, counted against the fake (token exchange excluded;
// a 304 counts as a call).
func TestBudget(t *testing.T) {
	t.Parallel()
	// 298 files djsec has no use for, and two it reads.
	wide := func(t testing.TB) (base, change map[string]string) {
		base, change = map[string]string{"mysite/settings.py": hardened(t), "requirements.txt": "Django==5.2.1\n", ".gitignore": gitignore}, map[string]string{}
		for i := range 298 {
			p := fmt.Sprintf("frontend/src/component%03d.js", i)
			base[p] = "export const x = 1;\n"
			change[p] = "export const x = 2;\n"
		}
		change["mysite/settings.py"] = unsafe(t)
		change["requirements.txt"] = "Django==5.2.2\n"
		return base, change
	}
	tests := []struct {
		name   string
		setup  func(t testing.TB) (base, change map[string]string)
		budget int
		files  int
	}{
		{"one settings module", func(t testing.TB) (map[string]string, map[string]string) {
			return map[string]string{"mysite/settings.py": hardened(t), ".gitignore": gitignore},
				map[string]string{"mysite/settings.py": unsafe(t)}
		}, 4, 1},
		{"300 files, 2 relevant", wide, 6, 300},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			storetest.Dialects(t, func(t *testing.T, url string) {
				e := newEnv(t, envOptions{url: url})
				base, change := tt.setup(t)
				e.repo.Commit("main", base)
				p := e.pr("change", change)
				if n := len(e.repo.Pull(p.Number).Files); n != tt.files {
					t.Fatalf("the pull request changes %d files, want %d", n, tt.files)
				}
				e.gh.ResetRequests()
				e.open(p)
				cr := e.only(p.HeadSHA)
				if cr.Conclusion != "failure" {
					t.Errorf("conclusion %s", cr.Conclusion)
				}
				if n := e.gh.Budget(); n > tt.budget {
					t.Errorf("%d calls, budget %d:\n%s", n, tt.budget, e.gh.BudgetReport())
				}
			})
		})
	}
}

// More files than one compare call lists: the pull request's file list,
// 100 a page, and the run shown in progress before the listing.
func TestLargePullRequestPagesFiles(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	base, change := map[string]string{"mysite/settings.py": hardened(t), ".gitignore": gitignore}, map[string]string{}
	for i := range 320 {
		p := fmt.Sprintf("docs/page%03d.md", i)
		base[p] = "old\n"
		change[p] = "new\n"
	}
	change["mysite/settings.py"] = unsafe(t)
	e.repo.Commit("main", base)
	p := e.pr("big", change)
	e.gh.ResetRequests()
	e.open(p)
	cr := e.only(p.HeadSHA)
	if cr.Conclusion != "failure" || cr.Requests != 2 {
		t.Errorf("run %s after %d writes, want failure after 2 (in progress, then complete)", cr.Conclusion, cr.Requests)
	}
	if n := e.gh.Count("GET /repos/{owner}/{repo}/pulls/{pull_number}/files", 200); n != 4 {
		t.Errorf("%d pages of files, want 4:\n%s", n, e.gh.BudgetReport())
	}
	if n := e.gh.Count("GET /repos/{owner}/{repo}/compare/{basehead}", 0); n != 0 {
		t.Errorf("%d compare calls, want none (the patch rebuilds the base)", n)
	}
	if strings.Contains(cr.Summary, "3,000") {
		t.Errorf("a 321-file pull request reported as truncated:\n%s", cr.Summary)
	}
}
