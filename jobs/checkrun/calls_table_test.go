package checkrun_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/djsec/djsec/githubapp/githubtest"
)

// TestCallsPerEvent is docs/BENCHMARKS.md's table of REST calls per
// pull_request event, scenario by scenario (token exchanges left out, a
// 304 counted as a call). Each row is asserted against the figure the
// table prints, so the table cannot drift from the code.
//
//	go test ./checkrun -run TestCallsPerEvent -v
func TestCallsPerEvent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// base is committed to main; change to the pull request's branch.
		setup      func(t testing.TB) (base, change map[string]string)
		fork       bool
		calls      int
		conclusion string
	}{
		{"one settings module", func(t testing.TB) (map[string]string, map[string]string) {
			return map[string]string{"mysite/settings.py": hardened(t), ".gitignore": gitignore},
				map[string]string{"mysite/settings.py": unsafe(t)}
		}, false, 4, "failure"},
		{"300 files, 2 relevant", func(t testing.TB) (map[string]string, map[string]string) {
			base := map[string]string{"mysite/settings.py": hardened(t), "requirements.txt": "Django==5.2.1\n", ".gitignore": gitignore}
			change := map[string]string{"mysite/settings.py": unsafe(t), "requirements.txt": "Django==5.2.2\n"}
			for i := range 298 {
				p := fmt.Sprintf("frontend/src/component%03d.js", i)
				base[p] = "export const x = 1;\n"
				change[p] = "export const x = 2;\n"
			}
			return base, change
		}, false, 5, "failure"},
		{"split settings package (base.py changed, production.py star-imports it)", func(t testing.TB) (map[string]string, map[string]string) {
			return splitSettings(t, false), map[string]string{"mysite/settings/base.py": edit(t, hardened(t), "DEBUG = False", "DEBUG = True")}
		}, false, 7, "success"},
		{"nothing relevant (README and JavaScript only)", func(t testing.TB) (map[string]string, map[string]string) {
			return map[string]string{"mysite/settings.py": hardened(t), ".gitignore": gitignore, "README.md": "# mysite\n", "static/app.js": "let a = 1;\n"},
				map[string]string{"README.md": "# mysite\n\nNew words.\n", "static/app.js": "let a = 2;\n"}
		}, false, 3, "success"},
		{"fork pull request (one settings module)", func(t testing.TB) (map[string]string, map[string]string) {
			return map[string]string{"mysite/settings.py": hardened(t), ".gitignore": gitignore},
				map[string]string{"mysite/settings.py": unsafe(t)}
		}, true, 4, "failure"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, envOptions{})
			base, change := tt.setup(t)
			e.repo.Commit("main", base)
			e.repo.Commit("change", change)
			pull := githubtest.Pull{HeadRef: "change"}
			if tt.fork {
				pull.HeadRepo, pull.User = "contributor/mysite", "contributor"
			}
			p := e.repo.AddPull(pull)
			e.gh.ResetRequests()
			e.open(p)
			cr := e.only(p.HeadSHA)
			if cr.Status != "completed" || cr.Conclusion != tt.conclusion {
				t.Errorf("run %s/%s, want completed/%s", cr.Status, cr.Conclusion, tt.conclusion)
			}
			calls := e.gh.CallsExcept(githubtest.TokenRoute)
			byRoute := map[string]int{}
			for _, c := range calls {
				what := c.Route
				if strings.HasSuffix(c.Route, "/contents/{path}") {
					what = c.Method + " " + c.Path[strings.Index(c.Path, "/contents/")+len("/contents/"):]
				}
				byRoute[fmt.Sprintf("%s %d", what, c.Status)]++
			}
			routes := make([]string, 0, len(byRoute))
			for r, n := range byRoute {
				routes = append(routes, fmt.Sprintf("%d× %s", n, r))
			}
			sort.Strings(routes)
			t.Logf("| %s | %d | %s |", tt.name, len(calls), strings.Join(routes, "; "))
			if len(calls) != tt.calls {
				t.Errorf("%d calls, the table says %d:\n%s", len(calls), tt.calls, e.gh.BudgetReport())
			}
		})
	}
}
