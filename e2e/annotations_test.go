package e2e

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/djsec/djsec/githubapp/githubtest"
)

// manyViews is a module of n CSRF-exempt views that write on POST: n
// findings, so a pull request adding it gets its annotations in batches of
// 50, the second and later ones by PATCH, which GitHub appends.
func manyViews(n int) string {
	var b strings.Builder
	b.WriteString("from django.http import HttpResponse\nfrom django.views.decorators.csrf import csrf_exempt\n")
	for i := range n {
		b.WriteString("\n\n@csrf_exempt\ndef view_" + strconv.Itoa(i) + "(request):\n    Note.objects.create(text=request.POST[\"text\"])\n    return HttpResponse(\"ok\")\n")
	}
	return b.String()
}

// checkNoDuplicatedAnnotations fails the test when a djsec check run of the
// cases' repositories holds an annotation twice (same path, line and
// title: GitHub appends every update's annotations, so a repeated update
// doubles them), or when the last runs of pull requests that change the
// same files hold different numbers of annotations (one lost some). It
// returns the annotations counted.
func checkNoDuplicatedAnnotations(t testing.TB, cases []*pullCase) int {
	t.Helper()
	total, dups := 0, 0
	seen := map[*githubtest.Repo]bool{}
	for _, c := range cases {
		if seen[c.repo] {
			continue
		}
		seen[c.repo] = true
		for _, cr := range c.repo.CheckRuns() {
			if cr.Name != "djsec" || cr.AppID != 0 {
				continue
			}
			keys := map[string]bool{}
			for _, a := range cr.Annotations {
				total++
				k := fmt.Sprintf("%v:%v %v", a["path"], a["start_line"], a["title"])
				if keys[k] {
					dups++
					if dups <= 5 {
						t.Errorf("%s: check run %d holds annotation %s twice (%d annotations)", c.repo.FullName(), cr.ID, k, len(cr.Annotations))
					}
				}
				keys[k] = true
			}
		}
	}
	if dups > 5 {
		t.Errorf("%d duplicated annotations in all", dups)
	}
	counts := map[int][]string{}
	for _, c := range cases {
		runs := runsOn(c.repo, c.heads[len(c.heads)-1])
		if len(runs) == 0 {
			continue
		}
		n := len(runs[len(runs)-1].Annotations)
		counts[n] = append(counts[n], fmt.Sprintf("%s#%d", c.repo.FullName(), c.number))
	}
	if len(counts) > 1 {
		var parts []string
		for n, prs := range counts {
			parts = append(parts, fmt.Sprintf("%d annotations on %d runs (%s …)", n, len(prs), prs[0]))
		}
		sort.Strings(parts)
		t.Errorf("pull requests with the same changes got different numbers of annotations: %s", strings.Join(parts, "; "))
	}
	return total
}
