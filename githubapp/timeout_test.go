package githubapp_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-github/v88/github"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/djsec/djsec/githubapp"
	"github.com/djsec/djsec/githubapp/githubtest"
)

// shortHeaderTimeout is the default transport with a response-header
// timeout short enough for a test.
func shortHeaderTimeout(c *githubapp.Config) {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.ResponseHeaderTimeout = 100 * time.Millisecond
	c.Transport = t
}

// An answer that never comes is GitHub's failure, not the caller's: a GET
// is sent again (net/http's header timeout also matches
// context.DeadlineExceeded, which must not be taken for the caller's
// deadline) and the retry is counted with reason "timeout".
func TestRetryAfterResponseHeaderTimeout(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, shortHeaderTimeout)
	const route = "GET /repos/{owner}/{repo}"
	e.gh.StartChaos(githubtest.Chaos{Every: 1, Routes: []string{route},
		Faults: []githubtest.ChaosFault{{Kind: githubtest.FaultTimeout, Delay: 10 * time.Second, Max: 2}}})
	repo, _, err := e.client(t).Repositories.Get(context.Background(), "octo-org", "mysite")
	if err != nil {
		t.Fatalf("after two timeouts: %v", err)
	}
	if repo.GetFullName() != "octo-org/mysite" {
		t.Errorf("full_name %q", repo.GetFullName())
	}
	// At least the two the fake withheld: on a loaded machine a real
	// answer can outlast the test's short header timeout too, and is
	// retried the same way.
	if got := testutil.ToFloat64(counter(t, e.reg, "djsec_github_api_retries_total", map[string]string{"route": route, "reason": "timeout"})); got < 2 {
		t.Errorf("metric: %v timeout retries, want 2", got)
	}
}

// A POST that timed out may have been carried out: it is not sent again.
func TestPOSTNotRetriedAfterTimeout(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, shortHeaderTimeout)
	const route = "POST /repos/{owner}/{repo}/issues"
	e.gh.StartChaos(githubtest.Chaos{Every: 1, Routes: []string{route},
		Faults: []githubtest.ChaosFault{{Kind: githubtest.FaultTimeout, Delay: 10 * time.Second, Handled: true}}})
	_, _, err := e.client(t).Issues.Create(context.Background(), "octo-org", "mysite", &github.IssueRequest{Title: github.Ptr("djsec audit")})
	if err == nil {
		t.Fatal("no error after the answer timed out")
	}
	if n := len(e.repo.Issues()); n != 1 {
		t.Errorf("%d issues, want the one the timed-out POST created", n)
	}
	if st := e.gh.ChaosStats(); st.Seen != 1 {
		t.Errorf("the POST was sent %d times, want once", st.Seen)
	}
}

// The caller's own deadline ends the call: no retry.
func TestNoRetryAfterCallerDeadline(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, nil)
	const route = "GET /repos/{owner}/{repo}"
	e.gh.StartChaos(githubtest.Chaos{Every: 1, Routes: []string{route},
		Faults: []githubtest.ChaosFault{{Kind: githubtest.FaultTimeout, Delay: 10 * time.Second}}})
	client := e.client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, _, err := client.Repositories.Get(ctx, "octo-org", "mysite"); err == nil {
		t.Fatal("no error past the caller's deadline")
	}
	if st := e.gh.ChaosStats(); st.Seen != 1 {
		t.Errorf("sent %d times, want once", st.Seen)
	}
	if n := len(e.sleeps.all()); n != 0 {
		t.Errorf("%d retry waits after the caller's deadline", n)
	}
}
