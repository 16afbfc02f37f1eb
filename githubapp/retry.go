package githubapp

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"
)

// RetryPolicy bounds the retries of calls that failed on GitHub's side.
type RetryPolicy struct {
	// MaxAttempts counts the first try (default 5: four retries).
	MaxAttempts int
	// BaseDelay is the wait before the first retry, doubled for each next
	// one up to MaxDelay (defaults 500 ms and 8 s); each wait is then
	// jittered to between half and all of it.
	BaseDelay, MaxDelay time.Duration
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 5
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = 500 * time.Millisecond
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = 8 * time.Second
	}
	return p
}

// backoff is the jittered wait before retry number n (1 for the first).
func (p RetryPolicy) backoff(n int) time.Duration {
	d := p.BaseDelay
	for i := 1; i < n && d < p.MaxDelay; i++ {
		d *= 2
	}
	d = min(d, p.MaxDelay)
	half := d / 2
	return half + time.Duration(rand.Int64N(int64(half)+1))
}

// retryTransport retries 500, 502, 503 and 504 answers, connection
// errors and answers that never came (the response-header timeout), for
// methods a repeat cannot harm: GET, HEAD, PUT, PATCH, DELETE (GitHub's
// PUTs and PATCHes set state; doing one twice leaves the same state). A
// POST creates something, and after a 5xx, a broken connection or a
// timeout it may have been created already, so a POST is retried only when
// the connection was refused (nothing was sent) — except the token
// endpoint, where a second token costs nothing. A check run PATCH that
// carries annotations is treated like a POST: GitHub appends them, so
// after a lost answer only the caller can tell (from the run's
// output.annotations_count) what is missing.
type retryTransport struct {
	next http.RoundTripper
	c    *ClientCreator
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	policy := t.c.cfg.Retry
	ctx := req.Context()
	for attempt := 1; ; attempt++ {
		r := req
		if attempt > 1 {
			var err error
			if r, err = rewind(req); err != nil {
				return nil, err
			}
		}
		resp, err := t.next.RoundTrip(r)
		reason := retryReason(req, resp, err)
		if reason == "" || attempt >= policy.MaxAttempts || !rewindable(req) || ctx.Err() != nil {
			return resp, err
		}
		wait := policy.backoff(attempt)
		if resp != nil {
			if ra, ok := retryAfter(resp, t.c.cfg.Now()); ok && ra <= policy.MaxDelay {
				wait = max(wait, ra)
			}
			discard(resp)
		}
		route := routeTemplate(req, t.c.apiURL)
		t.c.metrics.retries.WithLabelValues(route, reason).Inc()
		t.c.logger(ctx).LogAttrs(ctx, slog.LevelWarn, "github api: retrying",
			slog.String("route", route), slog.String("reason", reason),
			slog.Int("attempt", attempt), slog.Duration("wait", wait))
		if err := t.c.cfg.Sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// retryReason says why a call should be retried ("Bad Gateway",
// "connection", "timeout"), or "" when it should not.
func retryReason(req *http.Request, resp *http.Response, err error) string {
	if err != nil {
		// The caller gave up (the job's deadline, shutdown): no retry. The
		// request's own context decides, not the error: net/http's
		// response-header timeout also matches context.DeadlineExceeded,
		// and it is GitHub not answering, to be retried like a reset.
		if req.Context().Err() != nil || errors.Is(err, context.Canceled) {
			return ""
		}
		if idempotent(req) || errors.Is(err, syscall.ECONNREFUSED) {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return "timeout"
			}
			return "connection"
		}
		return ""
	}
	switch resp.StatusCode {
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		if idempotent(req) {
			return http.StatusText(resp.StatusCode)
		}
	}
	return ""
}

func idempotent(req *http.Request) bool {
	switch req.Method {
	case http.MethodPatch:
		return !appendsAnnotations(req)
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	case http.MethodPost:
		// POST /app/installations/{id}/access_tokens mints a token; a
		// second one is harmless.
		return strings.Contains(req.URL.Path, "/app/installations/") && strings.HasSuffix(req.URL.Path, "/access_tokens")
	}
	return false
}

// appendsAnnotations reports whether req updates a check run with
// annotations, which GitHub adds to the run's instead of replacing them
// ("Each time you update the check run, annotations are appended to the
// list of annotations that already exist for the check run."). A body it
// cannot read counts as appending: not retrying is the safe side.
func appendsAnnotations(req *http.Request) bool {
	if !strings.Contains(req.URL.Path, "/check-runs/") || req.Body == nil || req.Body == http.NoBody {
		return false
	}
	if req.GetBody == nil {
		return true
	}
	body, err := req.GetBody()
	if err != nil {
		return true
	}
	defer body.Close()
	var update struct {
		Output struct {
			Annotations []json.RawMessage `json:"annotations"`
		} `json:"output"`
	}
	if err := json.NewDecoder(body).Decode(&update); err != nil {
		return true
	}
	return len(update.Output.Annotations) > 0
}

func rewindable(req *http.Request) bool {
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

// rewind returns a copy of req with a fresh body, for sending it again.
func rewind(req *http.Request) (*http.Request, error) {
	r := req.Clone(req.Context())
	if req.Body == nil || req.Body == http.NoBody {
		return r, nil
	}
	body, err := req.GetBody()
	if err != nil {
		return nil, err
	}
	r.Body = body
	return r, nil
}

// discard reads what is left of a response we are not returning, so the
// connection can be reused, and closes it.
func discard(resp *http.Response) {
	if resp == nil || resp.Body == nil {
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
}
