package githubapp_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/go-github/v88/github"

	"github.com/djsec/djsec/githubapp/githubtest"
)

// A check run PATCH that carries annotations appends them on GitHub, so it
// is not repeated after an answer that may have followed the work (a 5xx,
// a reset, a timeout); one without annotations only sets state and is.
func TestAnnotationsPATCHNotRetried(t *testing.T) {
	t.Parallel()
	const route = "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}"
	tests := []struct {
		name string
		anns []*github.CheckRunAnnotation
		// sent is how many times the PATCH reaches the fake.
		sent int
		ok   bool
	}{
		{"with annotations", []*github.CheckRunAnnotation{{
			Path: github.Ptr("mysite/settings.py"), StartLine: github.Ptr(1), EndLine: github.Ptr(1),
			AnnotationLevel: github.Ptr("failure"), Message: github.Ptr("DEBUG is on"),
		}}, 1, false},
		{"without annotations", nil, 2, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil, nil)
			head := e.repo.Commit("main", map[string]string{"mysite/settings.py": "DEBUG = True\n"})
			id := e.repo.AddCheckRun(githubtest.CheckRun{Name: "djsec", HeadSHA: head, Status: "in_progress"})
			e.gh.StartChaos(githubtest.Chaos{Every: 1, Routes: []string{route}, Faults: []githubtest.ChaosFault{
				{Kind: githubtest.FaultStatus, Status: http.StatusBadGateway, Handled: true, Max: 1}}})
			_, _, err := e.client(t).Checks.UpdateCheckRun(context.Background(), "octo-org", "mysite", id, github.UpdateCheckRunOptions{
				Name: "djsec", Status: github.Ptr("in_progress"),
				Output: &github.CheckRunOutput{Title: github.Ptr("t"), Summary: github.Ptr("s"), Annotations: tt.anns},
			})
			if (err == nil) != tt.ok {
				t.Errorf("error %v, want ok=%v", err, tt.ok)
			}
			if n := e.gh.Count(route, 0); n != tt.sent {
				t.Errorf("PATCH sent %d times, want %d", n, tt.sent)
			}
			if cr := e.repo.CheckRun(id); len(cr.Annotations) != len(tt.anns) {
				t.Errorf("%d annotations on the run, want %d", len(cr.Annotations), len(tt.anns))
			}
		})
	}
}
