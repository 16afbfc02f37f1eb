package checkrun_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/djsec/djsec/githubapp/githubtest"
	"github.com/djsec/djsec/jobs"
)

const contentsRoute = "GET /repos/{owner}/{repo}/contents/{path}"

// GitHub's 5xx on contents: retried by the client, and past its retries
// by the queue; the check completes once, on one run.
func TestContents5xxRetried(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		failures int
		jobFails bool
	}{
		{"within the client's retries", 3, false},
		{"past them: the job is retried", 7, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, envOptions{})
			e.repo.Commit("main", map[string]string{"mysite/settings.py": hardened(t), ".gitignore": gitignore})
			p := e.pr("unsafe", map[string]string{"mysite/settings.py": unsafe(t)})
			e.gh.FailTimes(contentsRoute, tt.failures, http.StatusBadGateway)
			id := e.deliver("pull_request", e.gh.PullRequestEvent(t, e.repo, p.Number, "opened"))
			failed := e.wait(id)
			if (len(failed) > 0) != tt.jobFails {
				t.Errorf("failed attempts %v, want failures: %v", failed, tt.jobFails)
			}
			if cr := e.only(p.HeadSHA); cr.Conclusion != "failure" || cr.Requests != 1 {
				t.Errorf("run %s after %d writes", cr.Conclusion, cr.Requests)
			}
		})
	}
}

// Failures no retry can fix end the job at once.
func TestPermanentFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		breakIt func(e *env)
	}{
		{"installation removed", func(e *env) { e.gh.RemoveInstallation(42) }},
		{"repository gone", func(e *env) { e.gh.RemoveRepo("octo-org/mysite") }},
		// Issue 19, bug 7: 403 "Repository was archived so is read-only."
		{"repository archived", func(e *env) { e.repo.SetArchived(true) }},
		{"check run rejected (422)", func(e *env) {
			e.gh.Inject(githubtest.Fault{Route: "POST /repos/{owner}/{repo}/check-runs", Times: 10, Status: http.StatusUnprocessableEntity,
				Body: `{"message":"Invalid request.\n\nFor 'properties/output', nil is not an object.","documentation_url":"https://docs.github.com/rest","status":"422"}`})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, envOptions{})
			e.repo.Commit("main", map[string]string{"mysite/settings.py": hardened(t), ".gitignore": gitignore})
			p := e.pr("unsafe", map[string]string{"mysite/settings.py": unsafe(t)})
			body := e.gh.PullRequestEvent(t, e.repo, p.Number, "opened")
			tt.breakIt(e)
			id := e.deliver("pull_request", body)
			err := e.waitAttempt(id)
			if !errors.Is(err, jobs.ErrPermanent) {
				t.Fatalf("job error %v, want ErrPermanent", err)
			}
			time.Sleep(200 * time.Millisecond) // room for a wrong retry
			if n := len(e.attempts(id)); n != 1 {
				t.Errorf("%d attempts, want 1", n)
			}
		})
	}
}
