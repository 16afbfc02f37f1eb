package githubapp

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func newRequest(t *testing.T, method, url string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestBackoffBounded(t *testing.T) {
	t.Parallel()
	p := RetryPolicy{}.withDefaults()
	for n := 1; n <= 20; n++ {
		for range 50 {
			d := p.backoff(n)
			if d <= 0 || d > p.MaxDelay {
				t.Fatalf("backoff(%d) = %v, want within (0, %v]", n, d, p.MaxDelay)
			}
		}
	}
}

func TestRateLimitWait(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_000, 0)
	resp := func(status int, h map[string]string, body string) *http.Response {
		r := &http.Response{StatusCode: status, Header: http.Header{}, Body: http.NoBody}
		for k, v := range h {
			r.Header.Set(k, v)
		}
		if body != "" {
			r.Body = nopCloser(body)
		}
		return r
	}
	cases := []struct {
		name string
		resp *http.Response
		wait time.Duration
		kind string
	}{
		{"retry-after", resp(403, map[string]string{"Retry-After": "2"}, ""), 2 * time.Second, "secondary"},
		{"429 retry-after", resp(429, map[string]string{"Retry-After": "7"}, ""), 7 * time.Second, "secondary"},
		{"http-date", resp(403, map[string]string{"Retry-After": now.Add(5 * time.Second).UTC().Format(http.TimeFormat)}, ""), 5 * time.Second, "secondary"},
		{"primary", resp(403, map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1700000030"}, ""), 31 * time.Second, "primary"},
		{"primary past reset", resp(403, map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1699999990"}, ""), time.Second, "primary"},
		{"secondary by message", resp(403, nil, `{"message":"You have exceeded a secondary rate limit."}`), time.Minute, "secondary"},
		{"permission 403", resp(403, map[string]string{"X-RateLimit-Remaining": "4999"}, `{"message":"Resource not accessible by integration"}`), 0, ""},
		{"404", resp(404, map[string]string{"Retry-After": "1"}, ""), 0, ""},
	}
	for _, c := range cases {
		wait, kind := rateLimitWait(c.resp, now)
		if wait != c.wait || kind != c.kind {
			t.Errorf("%s: (%v, %q), want (%v, %q)", c.name, wait, kind, c.wait, c.kind)
		}
	}
	// The body read to look for the message is still there for the caller.
	r := resp(403, nil, `{"message":"Resource not accessible by integration"}`)
	rateLimitWait(r, now)
	b := make([]byte, 100)
	n, _ := r.Body.Read(b)
	if n == 0 {
		t.Error("rateLimitWait ate the body")
	}
}

type stringBody struct{ *strings.Reader }

func (stringBody) Close() error { return nil }

func nopCloser(s string) stringBody { return stringBody{strings.NewReader(s)} }

func TestRouteTemplate(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"GET /repos/o/r/compare/main...feature":           "GET /repos/{owner}/{repo}/compare/{basehead}",
		"GET /repos/o/r/compare/main...user/topic":        "GET /repos/{owner}/{repo}/compare/{basehead}",
		"GET /repos/o/r/contents/mysite/settings/base.py": "GET /repos/{owner}/{repo}/contents/{path}",
		"GET /repos/o/r/commits/abc123/check-runs":        "GET /repos/{owner}/{repo}/commits/{ref}/check-runs",
		"PATCH /repos/o/r/check-runs/42":                  "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}",
		"GET /repos/o/r/unknown/thing":                    "GET other",
		"GET /api/v3/repos/o/r/compare/a...b":             "GET /repos/{owner}/{repo}/compare/{basehead}",
	}
	for in, want := range cases {
		method, p, _ := strings.Cut(in, " ")
		req := newRequest(t, method, "https://ghe.example"+p)
		api := "https://api.github.com"
		if strings.HasPrefix(p, "/api/v3") {
			api = "https://ghe.example/api/v3"
		}
		if got := routeTemplate(req, api); got != want {
			t.Errorf("%s: got %q, want %q", in, got, want)
		}
	}
}
