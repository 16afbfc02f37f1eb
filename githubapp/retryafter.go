package githubapp

import (
	"errors"
	"time"

	"github.com/google/go-github/v88/github"
)

// RetryAfter says how long GitHub asked to be left alone by the call that
// failed with err: a secondary rate limit's Retry-After (a minute when it
// gave none, as GitHub advises), or the time until a primary rate limit
// resets. The transports wait out short ones themselves (RateLimitPolicy);
// a longer one comes back as the error, and the job queue uses this to
// retry the job no sooner (jobs.Options.RetryAfter). ok is false for any
// other error.
func RetryAfter(err error) (d time.Duration, ok bool) {
	var secondary *github.AbuseRateLimitError
	if errors.As(err, &secondary) {
		if secondary.RetryAfter != nil {
			return max(*secondary.RetryAfter, 0), true
		}
		return secondaryWait, true
	}
	var primary *github.RateLimitError
	if errors.As(err, &primary) {
		// One second more: the reset time is rounded down.
		return max(time.Until(primary.Rate.Reset.Time)+time.Second, time.Second), true
	}
	return 0, false
}
