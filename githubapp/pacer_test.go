package githubapp_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-github/v88/github"

	"github.com/djsec/djsec/githubapp"
	"github.com/djsec/djsec/githubapp/githubtest"
)

func realSleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// 240 issue comments from 20 goroutines as fast as they can: GitHub (the
// fake, on a 50 ms minute) would refuse the 81st of a minute. The pacer
// holds each installation's writes so that no minute has more than 80,
// and nothing is refused; reads are not held. Unpaced, the fake answered
// "secondary rate limit" within the first minute.
func TestWritePacerKeepsEveryMinuteUnder80(t *testing.T) {
	t.Parallel()
	const minute = 50 * time.Millisecond
	e := newEnv(t, []githubtest.Option{githubtest.WithWriteLimits(80, 500, minute)}, func(c *githubapp.Config) {
		c.Writes = githubapp.WritePolicy{Minute: minute, Sleep: realSleep}
	})
	gh := e.client(t)
	ctx := context.Background()
	issue, _, err := gh.Issues.Create(ctx, "octo-org", "mysite", &github.IssueRequest{Title: github.Ptr("burst")})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, 240)
	for g := range 20 {
		wg.Go(func() {
			for i := range 12 {
				if _, _, err := gh.Issues.CreateComment(ctx, "octo-org", "mysite", issue.GetNumber(), &github.IssueComment{Body: github.Ptr(fmt.Sprintf("%d-%d", g, i))}); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	took := time.Since(start)
	var at []time.Time
	for _, r := range e.gh.Requests() {
		if r.Method == http.MethodPost && r.Route != githubtest.TokenRoute && r.Status < 400 {
			at = append(at, r.At)
		}
	}
	slices.SortFunc(at, func(a, b time.Time) int { return a.Compare(b) })
	most, j := 0, 0
	for i := range at {
		for at[i].Sub(at[j]) >= minute {
			j++
		}
		most = max(most, i-j+1)
	}
	t.Logf("%d writes in %s (%.1f minutes); most in one minute: %d", len(at), took.Round(time.Millisecond), float64(took)/float64(minute), most)
	if n := e.gh.SecondaryLimited(); n != 0 {
		t.Errorf("%d writes refused with the secondary rate limit", n)
	}
	// Only the bound is asserted: how close a run comes to it depends on
	// the machine's speed (a -race build on a busy runner manages 46).
	if most > 80 {
		t.Errorf("most writes in one minute: %d, want at most 80", most)
	}
	if len(at) != 241 {
		t.Errorf("%d writes accepted, want 241", len(at))
	}
}

// Secondary rate limits in a row wait exponentially longer: the minute
// GitHub advises (no Retry-After), then two, then four — where the old
// transport waited a fixed minute three times.
func TestSecondaryRateLimitsBackOffExponentially(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, func(c *githubapp.Config) {
		c.RateLimit = githubapp.RateLimitPolicy{MaxWait: time.Hour, MaxRetries: 3}
		c.Writes = githubapp.WritePolicy{MaxSecondaryBackoff: 3 * time.Minute, Sleep: func(ctx context.Context, d time.Duration) error { return ctx.Err() }}
	})
	const route = "POST /repos/{owner}/{repo}/issues"
	e.gh.Inject(githubtest.Fault{Route: route, Times: 3, Status: http.StatusForbidden,
		Body: `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}`})
	if _, _, err := e.client(t).Issues.Create(context.Background(), "octo-org", "mysite", &github.IssueRequest{Title: github.Ptr("t")}); err != nil {
		t.Fatal(err)
	}
	// Capped at MaxSecondaryBackoff.
	if got, want := e.sleeps.all(), []time.Duration{time.Minute, 2 * time.Minute, 3 * time.Minute}; !slices.Equal(got, want) {
		t.Errorf("waits %v, want %v", got, want)
	}
	if n := e.gh.Count(route, 201); n != 1 {
		t.Errorf("%d issues created, want 1", n)
	}
}
