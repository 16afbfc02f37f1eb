package fixup_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/djsec/djsec/githubapp/githubtest"
)

// TestCallsPerFixup is the fix-up row of docs/BENCHMARKS.md's table of
// REST calls: one critical finding (DEBUG = True) in one settings module,
// fixed by a fix-up pull request into a branch of the same repository, or
// by a review with a suggestion on a fork's pull request (djsec cannot
// push to a fork). Token exchanges are left out.
//
//	go test ./fixup -run TestCallsPerFixup -v
func TestCallsPerFixup(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		headRepo string
		calls    int
	}{
		{"fix-up pull request (same repository)", "", 14},
		{"suggestions review (fork)", "someone/mysite", 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.repo.Commit("main", map[string]string{"mysite/settings.py": safeSettings})
			e.repo.Commit("feature", map[string]string{"mysite/settings.py": unsafeSettings})
			pr := e.repo.AddPull(githubtest.Pull{HeadRef: "feature", HeadRepo: tt.headRepo})
			e.gh.ResetRequests()
			if err := e.fx.Run(context.Background(), e.request(pr.Number)); err != nil {
				t.Fatal(err)
			}
			if tt.headRepo == "" && len(openFixups(e.repo)) != 1 {
				t.Fatalf("%d fix-up pull requests, want 1", len(openFixups(e.repo)))
			}
			if tt.headRepo != "" && len(e.repo.Reviews(pr.Number)) != 1 {
				t.Fatalf("%d reviews, want 1", len(e.repo.Reviews(pr.Number)))
			}
			calls := e.gh.CallsExcept(githubtest.TokenRoute)
			byRoute := map[string]int{}
			for _, c := range calls {
				byRoute[fmt.Sprintf("%s %d", c.Route, c.Status)]++
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
