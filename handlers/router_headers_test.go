package handlers_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/djsec/djsec/config"
	"github.com/djsec/djsec/handlers"
	"github.com/prometheus/client_golang/prometheus"
)

func routerWith(t *testing.T, token string) http.Handler {
	t.Helper()
	return handlers.New(handlers.Options{
		Verifier: handlers.NewVerifier([]config.Secret{config.Secret(secret)}, false),
		Queue:    &fakeQueue{}, Ready: readiness{}, MetricsToken: token, Gatherer: prometheus.NewRegistry(),
	})
}

// GET /metrics names installations: with METRICS_TOKEN set it wants the
// token as a bearer token.
func TestMetricsToken(t *testing.T) {
	t.Parallel()
	const token = "metrics-token-0123456789"
	for _, tc := range []struct {
		name, token, auth string
		want              int
	}{
		{"no token configured", "", "", 200},
		{"missing", token, "", 401},
		{"wrong", token, "Bearer nope", 401},
		{"basic", token, "Basic " + token, 401},
		{"right", token, "Bearer " + token, 200},
	} {
		req := httptest.NewRequest("GET", "/metrics", nil)
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		rec := httptest.NewRecorder()
		routerWith(t, tc.token).ServeHTTP(rec, req)
		if rec.Code != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, rec.Code, tc.want)
		}
	}
}

func TestSecurityHeadersEverywhere(t *testing.T) {
	t.Parallel()
	h := routerWith(t, "")
	for _, r := range []*http.Request{httptest.NewRequest("GET", "/healthz", nil), httptest.NewRequest("POST", "/webhook", nil), httptest.NewRequest("GET", "/nope", nil)} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Content-Security-Policy": "frame-ancestors 'none'"} {
			if got := rec.Header().Get(k); got != v {
				t.Errorf("%s %s: %s %q, want %q", r.Method, r.URL.Path, k, got, v)
			}
		}
	}
}

// A client sending junk at full speed gets one log line, not one each.
func TestRejectedDeliveriesLoggedOnce(t *testing.T) {
	t.Parallel()
	s := newServer(t, secret)
	for i := range 50 {
		d := signed("pull_request", fmt.Sprintf("junk-%d", i), []byte(`{"action":"opened"}`))
		d.signature = "sha256=" + strings.Repeat("0", 64)
		if rec := s.do(d); rec.Code != http.StatusUnauthorized {
			t.Fatalf("status %d", rec.Code)
		}
	}
	if n := strings.Count(s.logs.String(), `"msg":"webhook"`); n != 1 {
		t.Errorf("%d log lines for 50 rejected deliveries, want 1:\n%.2000s", n, s.logs.String())
	}
}
