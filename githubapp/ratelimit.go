package githubapp

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RateLimitPolicy bounds how long a call waits for GitHub's rate limits.
type RateLimitPolicy struct {
	// MaxWait is the longest single wait (default 60 s). A longer
	// Retry-After or X-RateLimit-Reset is not waited for: the 403/429 goes
	// back to the caller (go-github turns it into a RateLimitError or
	// AbuseRateLimitError), so a job can be retried later instead of holding
	// a worker for an hour.
	MaxWait time.Duration
	// MaxRetries is how many times one call waits and tries again
	// (default 3).
	MaxRetries int
}

func (p RateLimitPolicy) withDefaults() RateLimitPolicy {
	if p.MaxWait <= 0 {
		p.MaxWait = 60 * time.Second
	}
	if p.MaxRetries <= 0 {
		p.MaxRetries = 3
	}
	return p
}

// secondaryWait is GitHub's advice for a secondary rate limit answer that
// carries neither Retry-After nor X-RateLimit-Reset: "wait for at least one
// minute before retrying".
const secondaryWait = time.Minute

// rateLimitTransport waits out primary and secondary rate limits: a 403 or
// 429 with Retry-After waits that long; one with X-RateLimit-Remaining: 0
// waits until X-RateLimit-Reset; one whose message names the secondary rate
// limit waits a minute. Secondary limits in a row of one installation wait
// exponentially longer (WritePolicy.MaxSecondaryBackoff caps them), and hold its other
// writes too; a wait over MaxWait gives the answer back to the caller. Every method is retried, POST included: a
// rate-limited request was not processed.
type rateLimitTransport struct {
	next http.RoundTripper
	c    *ClientCreator
	// pacer is the installation's (nil for app and anonymous calls): a
	// secondary limit pauses its writes, longer at each limit in a row.
	pacer *installationPacer
}

func (t *rateLimitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	policy := t.c.cfg.RateLimit
	ctx := req.Context()
	for try := 0; ; try++ {
		r := req
		if try > 0 {
			var err error
			if r, err = rewind(req); err != nil {
				return nil, err
			}
		}
		resp, err := t.next.RoundTrip(r)
		if err != nil {
			return resp, err
		}
		wait, kind := rateLimitWait(resp, t.c.cfg.Now())
		if kind == "" {
			if t.pacer != nil && paced(req) && resp.StatusCode < 400 {
				t.pacer.ok()
			}
			return resp, nil
		}
		if kind == "secondary" && t.pacer != nil {
			// Exponential: a minute (or what GitHub asked), then two,
			// four … up to the cap; every write of the installation waits
			// with this one.
			wait = t.pacer.secondary(wait)
		}
		route := routeTemplate(req, t.c.apiURL)
		log := t.c.logger(ctx)
		if wait > policy.MaxWait || try >= policy.MaxRetries || !rewindable(req) {
			log.LogAttrs(ctx, slog.LevelWarn, "github api: rate limited, giving up",
				slog.String("route", route), slog.String("limit", kind), slog.Duration("wait", wait))
			return resp, nil
		}
		discard(resp)
		t.c.metrics.rateLimitWaits.WithLabelValues(kind).Inc()
		log.LogAttrs(ctx, slog.LevelWarn, "github api: rate limited, waiting",
			slog.String("route", route), slog.String("limit", kind), slog.Duration("wait", wait))
		if err := t.c.cfg.Sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// rateLimitWait says whether resp is a rate limit ("secondary" or
// "primary"; "" when it is not) and how long to wait. It may read the body,
// and leaves an equivalent one in its place.
func rateLimitWait(resp *http.Response, now time.Time) (time.Duration, string) {
	if resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusTooManyRequests {
		return 0, ""
	}
	if d, ok := retryAfter(resp, now); ok {
		return d, "secondary"
	}
	if resp.Header.Get("X-RateLimit-Remaining") == "0" {
		if reset, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64); err == nil {
			// One second more: the reset time is rounded down.
			return max(time.Unix(reset, 0).Sub(now)+time.Second, time.Second), "primary"
		}
	}
	if resp.Body != nil {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(body), resp.Body), resp.Body}
		if strings.Contains(strings.ToLower(string(body)), "secondary rate limit") {
			return secondaryWait, "secondary"
		}
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		return secondaryWait, "secondary"
	}
	return 0, ""
}

// retryAfter reads a Retry-After header, in seconds or as an HTTP date.
func retryAfter(resp *http.Response, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(resp.Header.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}
