package githubtest

import (
	"fmt"
	"strings"
	"testing"
)

func TestArchivedAndIssuesDisabled(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.repo.Commit("main", map[string]string{"a.txt": "a\n"})
	f.repo.Commit("feature", map[string]string{"a.txt": "b\n"})
	pr := f.repo.AddPull(Pull{HeadRef: "feature"})

	f.repo.SetIssuesDisabled(true)
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/repos/o/r/issues", ""},
		{"POST", "/repos/o/r/issues", `{"title":"t"}`},
	} {
		if r, body := f.c.do(c.method, c.path, c.body); r.StatusCode != 410 || !strings.Contains(body, IssuesDisabledMessage) {
			t.Errorf("issues off: %s %s = %d %s, want 410", c.method, c.path, r.StatusCode, body)
		}
	}
	if r, body := f.c.do("POST", fmt.Sprintf("/repos/o/r/issues/%d/comments", pr.Number), `{"body":"hi"}`); r.StatusCode != 201 {
		t.Errorf("issues off: a pull request comment = %d %s, want 201", r.StatusCode, body)
	}
	if _, body := f.c.do("GET", "/repos/o/r", ""); !strings.Contains(body, `"has_issues":false`) {
		t.Errorf("the repository does not say has_issues false: %s", body)
	}
	f.repo.SetIssuesDisabled(false)

	f.repo.SetArchived(true)
	if r, body := f.c.do("POST", "/repos/o/r/issues", `{"title":"t"}`); r.StatusCode != 403 || !strings.Contains(body, ArchivedMessage) {
		t.Errorf("archived: create an issue = %d %s, want 403", r.StatusCode, body)
	}
	if r, _ := f.c.do("GET", "/repos/o/r/issues", ""); r.StatusCode != 200 {
		t.Errorf("archived: reads = %d, want 200", r.StatusCode)
	}
	if _, body := f.c.do("GET", "/repos/o/r", ""); !strings.Contains(body, `"archived":true`) {
		t.Errorf("the repository does not say archived: %s", body)
	}
}
