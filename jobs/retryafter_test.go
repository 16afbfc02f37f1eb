package jobs_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/djsec/djsec/jobs"
	"github.com/djsec/djsec/store/storetest"
)

// errLimited stands for GitHub's secondary rate limit with a Retry-After.
var errLimited = errors.New("403 You have exceeded a secondary rate limit")

// A failed attempt whose error carries a wait the service asked for is
// retried no sooner than that (River's backoff, here 10 ms, would retry at
// once); other errors keep the backoff.
func TestRetryAfterIsHonoured(t *testing.T) {
	t.Parallel()
	const wait = time.Second
	tests := []struct {
		name    string
		err     error
		minimum time.Duration
	}{
		{"rate limited", errLimited, wait},
		{"other error", errors.New("502"), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			var failedAt, retriedAt time.Time
			rec := newRecorder()
			rec.fail = func(job jobs.Job[jobs.PullRequestArgs]) error {
				mu.Lock()
				defer mu.Unlock()
				if job.Attempt == 1 {
					failedAt = time.Now()
					return tt.err
				}
				retriedAt = time.Now()
				return nil
			}
			e := start(t, storetest.SQLiteURL(t), jobs.Options{
				Processors: jobs.RegistryOf[jobs.PullRequestArgs](rec),
				RetryAfter: func(err error) (time.Duration, bool) { return wait, errors.Is(err, errLimited) },
			})
			if _, err := e.queue.Enqueue(context.Background(), "pull_request", "opened", prArgs("limited")); err != nil {
				t.Fatal(err)
			}
			rec.wait(t, 1)
			mu.Lock()
			defer mu.Unlock()
			gap := retriedAt.Sub(failedAt)
			if gap < tt.minimum {
				t.Errorf("retried %v after the failure, want at least %v", gap, tt.minimum)
			}
			if tt.minimum == 0 && gap >= wait {
				t.Errorf("retried %v after a plain failure: the backoff (10 ms) should decide", gap)
			}
		})
	}
}
