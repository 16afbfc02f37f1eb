package githubapp_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/djsec/djsec/githubapp"
)

// A rate limit too long for the transport to wait out comes back as an
// error that says how long GitHub asked djsec to wait.
func TestRetryAfterOfLongRateLimits(t *testing.T) {
	t.Parallel()
	t.Run("secondary", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, nil, nil)
		e.gh.SecondaryRateLimit("GET /repos/{owner}/{repo}", 600) // over the 60 s the transport waits
		_, _, err := e.client(t).Repositories.Get(context.Background(), "octo-org", "mysite")
		d, ok := githubapp.RetryAfter(fmt.Errorf("check run: %w", err))
		if !ok || d != 600*time.Second {
			t.Fatalf("RetryAfter(%v) = %v, %v; want 10m, true", err, d, ok)
		}
	})
	t.Run("primary", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, nil, nil)
		e.gh.SetRateLimitRemaining(instID, 0)
		_, _, err := e.client(t).Repositories.Get(context.Background(), "octo-org", "mysite")
		d, ok := githubapp.RetryAfter(err)
		if !ok || d < time.Second || d > time.Hour+time.Second {
			t.Fatalf("RetryAfter(%v) = %v, %v; want the time to the reset", err, d, ok)
		}
	})
	t.Run("other", func(t *testing.T) {
		t.Parallel()
		if d, ok := githubapp.RetryAfter(errors.New("502 Bad Gateway")); ok {
			t.Fatalf("RetryAfter of a 502 = %v, true", d)
		}
	})
}
