package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/djsec/djsec/config"
	"github.com/djsec/djsec/handlers"
	"github.com/djsec/djsec/jobs"
	"github.com/djsec/djsec/metrics"
)

const (
	secret = "It's a Secret to Everybody"
	ourApp = 29310 // the App ID of the check_suite examples
)

// payload reads a GitHub example payload from testdata/webhooks.
func payload(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "webhooks", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fakeQueue records what the webhook enqueues.
type fakeQueue struct {
	mu    sync.Mutex
	seen  map[string]bool
	calls []call
	err   error
}

type call struct {
	event, action string
	args          jobs.Args
}

func (q *fakeQueue) Enqueue(_ context.Context, event, action string, args jobs.Args) (jobs.Enqueued, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.err != nil {
		return jobs.Enqueued{}, q.err
	}
	if q.seen == nil {
		q.seen = map[string]bool{}
	}
	id := args.JobOrigin().Delivery
	if q.seen[id] {
		return jobs.Enqueued{Duplicate: true}, nil
	}
	q.seen[id] = true
	q.calls = append(q.calls, call{event, action, args})
	return jobs.Enqueued{JobID: int64(len(q.calls))}, nil
}

func (q *fakeQueue) enqueued() []call {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]call(nil), q.calls...)
}

type readiness struct{ err error }

func (r readiness) Ready(context.Context) error { return r.err }

type server struct {
	handler  http.Handler
	queue    *fakeQueue
	metrics  *metrics.Metrics
	verifier *handlers.Verifier
	logs     *bytes.Buffer
}

func newServer(t testing.TB, secrets ...string) *server {
	t.Helper()
	return newServerWith(t, ourApp, secrets...)
}

func newServerWithAppID(t testing.TB, appID int64) *server {
	t.Helper()
	return newServerWith(t, appID, secret)
}

func newServerWith(t testing.TB, appID int64, secrets ...string) *server {
	t.Helper()
	var ss []config.Secret
	for _, s := range secrets {
		ss = append(ss, config.Secret(s))
	}
	s := &server{queue: &fakeQueue{}, logs: &bytes.Buffer{}}
	s.verifier = handlers.NewVerifier(ss, false)
	reg := prometheus.NewRegistry()
	s.metrics = metrics.New(reg)
	s.handler = handlers.New(handlers.Options{
		Verifier: s.verifier,
		Queue:    s.queue,
		Ready:    readiness{},
		Metrics:  s.metrics,
		Gatherer: reg,
		Logger:   slog.New(slog.NewJSONHandler(s.logs, nil)),
		AppID:    func() int64 { return appID },
	})
	return s
}

// delivery is one POST /webhook as GitHub would send it, before mods.
type delivery struct {
	event, id, contentType, signature string
	body                              io.Reader
	contentLength                     int64 // -1: unknown (chunked)
}

func signed(event, id string, body []byte) delivery {
	return delivery{event: event, id: id, contentType: "application/json",
		signature: handlers.Sign([]byte(secret), body), body: bytes.NewReader(body), contentLength: int64(len(body))}
}

func (s *server) do(d delivery) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/webhook", d.body)
	req.ContentLength = d.contentLength
	for k, v := range map[string]string{
		"X-GitHub-Event": d.event, "X-GitHub-Delivery": d.id, "Content-Type": d.contentType,
		"X-Hub-Signature-256": d.signature, "User-Agent": "GitHub-Hookshot/044aadd",
	} {
		if v != "" {
			req.Header.Set(k, v)
		}
	}
	rec := httptest.NewRecorder()
	s.handler.ServeHTTP(rec, req)
	return rec
}

func (s *server) count(event, action, outcome string) float64 {
	return testutil.ToFloat64(s.metrics.Deliveries.WithLabelValues(event, action, outcome))
}

// errReader fails like a connection closed before Content-Length bytes.
type errReader struct{ r io.Reader }

func (e errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err == io.EOF {
		return n, io.ErrUnexpectedEOF
	}
	return n, err
}

func TestWebhookIntake(t *testing.T) {
	t.Parallel()
	pr := payload(t, "pull_request.opened")
	tests := []struct {
		name       string
		delivery   func() delivery
		secrets    []string
		wantStatus int
		wantQueued bool
		outcome    string
	}{
		{"signed pull_request", func() delivery { return signed("pull_request", "g-1", pr) }, nil, 202, true, metrics.OutcomeQueued},
		{"missing signature", func() delivery {
			d := signed("pull_request", "g-1", pr)
			d.signature = ""
			return d
		}, nil, 401, false, metrics.OutcomeBadSignature},
		{"signature under another secret", func() delivery {
			d := signed("pull_request", "g-1", pr)
			d.signature = handlers.Sign([]byte("not the secret"), pr)
			return d
		}, nil, 401, false, metrics.OutcomeBadSignature},
		{"signature of another body", func() delivery {
			d := signed("pull_request", "g-1", pr)
			d.body = bytes.NewReader(append([]byte(" "), pr...))
			d.contentLength++
			return d
		}, nil, 401, false, metrics.OutcomeBadSignature},
		{"sha1 signature only", func() delivery {
			d := signed("pull_request", "g-1", pr)
			d.signature = "sha1=" + strings.Repeat("0", 40)
			return d
		}, nil, 401, false, metrics.OutcomeBadSignature},
		{"signature not hex", func() delivery {
			d := signed("pull_request", "g-1", pr)
			d.signature = "sha256=" + strings.Repeat("z", 64)
			return d
		}, nil, 401, false, metrics.OutcomeBadSignature},
		{"signature truncated", func() delivery {
			d := signed("pull_request", "g-1", pr)
			d.signature = d.signature[:len(d.signature)-2]
			return d
		}, nil, 401, false, metrics.OutcomeBadSignature},
		{"rotation: new secret listed first", func() delivery { return signed("pull_request", "g-1", pr) }, []string{"the-new-one", secret}, 202, true, metrics.OutcomeQueued},
		{"rotation done: old secret is stale", func() delivery { return signed("pull_request", "g-1", pr) }, []string{"the-new-one"}, 401, false, metrics.OutcomeBadSignature},
		{"form-encoded (the other GitHub setting)", func() delivery {
			d := signed("pull_request", "g-1", pr)
			d.contentType = "application/x-www-form-urlencoded"
			return d
		}, nil, 415, false, metrics.OutcomeBadMediaType},
		{"no content type", func() delivery {
			d := signed("pull_request", "g-1", pr)
			d.contentType = ""
			return d
		}, nil, 415, false, metrics.OutcomeBadMediaType},
		{"json with charset", func() delivery {
			d := signed("pull_request", "g-1", pr)
			d.contentType = "application/json; charset=utf-8"
			return d
		}, nil, 202, true, metrics.OutcomeQueued},
		{"no event header", func() delivery { return signed("", "g-1", pr) }, nil, 400, false, metrics.OutcomeBadRequest},
		{"no delivery header", func() delivery { return signed("pull_request", "", pr) }, nil, 400, false, metrics.OutcomeBadRequest},
		{"junk delivery header", func() delivery { return signed("pull_request", "a b\x00c", pr) }, nil, 400, false, metrics.OutcomeBadRequest},
		{"malformed JSON", func() delivery { return signed("pull_request", "g-1", []byte(`{"action": "opened",`)) }, nil, 400, false, metrics.OutcomeBadRequest},
		{"JSON array", func() delivery { return signed("pull_request", "g-1", []byte(`[1, 2]`)) }, nil, 400, false, metrics.OutcomeBadRequest},
		{"JSON null", func() delivery { return signed("pull_request", "g-1", []byte(`null`)) }, nil, 400, false, metrics.OutcomeBadRequest},
		{"trailing garbage", func() delivery { return signed("pull_request", "g-1", append(append([]byte{}, pr...), "}x"...)) }, nil, 400, false, metrics.OutcomeBadRequest},
		{"wrong shape", func() delivery { return signed("pull_request", "g-1", []byte(`{"action":"opened","number":"twelve"}`)) }, nil, 400, false, metrics.OutcomeBadRequest},
		{"empty body", func() delivery { return signed("pull_request", "g-1", nil) }, nil, 400, false, metrics.OutcomeBadRequest},
		{"ping", func() delivery { return signed("ping", "g-1", payload(t, "ping")) }, nil, 200, false, metrics.OutcomePing},
		{"event djsec does not handle", func() delivery { return signed("star", "g-1", payload(t, "star.created")) }, nil, 202, false, metrics.OutcomeUnhandled},
		{"truncated body", func() delivery {
			d := signed("pull_request", "g-1", pr)
			d.body = errReader{bytes.NewReader(pr[:100])}
			return d
		}, nil, 400, false, metrics.OutcomeBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			secrets := tt.secrets
			if secrets == nil {
				secrets = []string{secret}
			}
			s := newServer(t, secrets...)
			rec := s.do(tt.delivery())
			if rec.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d; body %s", rec.Code, tt.wantStatus, rec.Body)
			}
			if got := len(s.queue.enqueued()) == 1; got != tt.wantQueued {
				t.Fatalf("queued = %v, want %v", got, tt.wantQueued)
			}
			var body map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("response is not JSON: %s", rec.Body)
			}
			if !strings.Contains(s.logs.String(), `"outcome":"`+tt.outcome+`"`) {
				t.Errorf("log lacks outcome %s:\n%s", tt.outcome, s.logs)
			}
			if tt.wantStatus == 401 && s.count("unverified", "", metrics.OutcomeBadSignature) != 1 {
				t.Errorf("bad signature not counted as unverified")
			}
		})
	}
}

func TestOversizeBody(t *testing.T) {
	t.Parallel()
	big := bytes.Repeat([]byte("a"), handlers.MaxBody+1)
	tests := []struct {
		name          string
		contentLength int64
	}{
		{"declared by Content-Length", int64(len(big))},
		{"chunked, no Content-Length", -1},
		{"Content-Length lies low", 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t, secret)
			d := signed("pull_request", "big", big)
			d.contentLength = tt.contentLength
			rec := s.do(d)
			want := http.StatusRequestEntityTooLarge
			if tt.contentLength == 100 {
				// httptest hands the handler the whole reader whatever the
				// header says; a real server cuts at Content-Length and the
				// signature no longer matches.
				want = rec.Code
				if want != http.StatusRequestEntityTooLarge && want != http.StatusUnauthorized {
					t.Fatalf("status %d", rec.Code)
				}
			}
			if rec.Code != want {
				t.Fatalf("status %d, want %d", rec.Code, want)
			}
			if len(s.queue.enqueued()) != 0 {
				t.Fatal("queued an oversized delivery")
			}
		})
	}
	t.Run("exactly the limit is read", func(t *testing.T) {
		t.Parallel()
		s := newServer(t, secret)
		body := bytes.Repeat([]byte(" "), handlers.MaxBody-2)
		body = append([]byte("{"), append(body, '}')...)
		if rec := s.do(signed("star", "max", body)); rec.Code != http.StatusAccepted {
			t.Fatalf("a %d-byte body: status %d, want 202", len(body), rec.Code)
		}
	})
}

// Over a real connection: a client that sends fewer bytes than it
// announced and half-closes gets 400, and nothing is queued.
func TestTruncatedBodyOverTCP(t *testing.T) {
	t.Parallel()
	s := newServer(t, secret)
	srv := httptest.NewServer(s.handler)
	defer srv.Close()
	pr := payload(t, "pull_request.opened")
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/webhook", errReader{bytes.NewReader(pr[:len(pr)/2])})
	req.ContentLength = int64(len(pr))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", "pull_request")
	req.Header.Set("X-GitHub-Delivery", "cut")
	req.Header.Set("X-Hub-Signature-256", handlers.Sign([]byte(secret), pr))
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode < 400 {
			t.Fatalf("status %d for a truncated body", resp.StatusCode)
		}
	}
	if len(s.queue.enqueued()) != 0 {
		t.Fatal("queued a truncated delivery")
	}
}

func TestRedeliveryIsAcknowledgedOnce(t *testing.T) {
	t.Parallel()
	s := newServer(t, secret)
	pr := payload(t, "pull_request.opened")
	if rec := s.do(signed("pull_request", "same-guid", pr)); rec.Code != 202 {
		t.Fatalf("first: %d", rec.Code)
	}
	rec := s.do(signed("pull_request", "same-guid", pr))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), metrics.OutcomeDuplicate) {
		t.Fatalf("redelivery: %d %s", rec.Code, rec.Body)
	}
	if n := len(s.queue.enqueued()); n != 1 {
		t.Fatalf("enqueued %d, want 1", n)
	}
	if s.count("pull_request", "opened", metrics.OutcomeDuplicate) != 1 {
		t.Error("duplicate not counted")
	}
}

func TestQueueFailureIs503(t *testing.T) {
	t.Parallel()
	s := newServer(t, secret)
	s.queue.err = errors.New("database is locked")
	rec := s.do(signed("pull_request", "g", payload(t, "pull_request.opened")))
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503", rec.Code)
	}
	if strings.Contains(rec.Body.String(), "locked") {
		t.Errorf("internal error sent to the client: %s", rec.Body)
	}
	if !strings.Contains(s.logs.String(), `"level":"ERROR"`) {
		t.Errorf("no error logged:\n%s", s.logs)
	}
}

// Registration sets the secret while the server runs.
func TestSecretsReplacedAtRuntime(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	pr := payload(t, "pull_request.opened")
	if rec := s.do(signed("pull_request", "a", pr)); rec.Code != 401 {
		t.Fatalf("with no secret: %d, want 401", rec.Code)
	}
	s.verifier.SetSecrets([]config.Secret{config.Secret(secret)})
	if rec := s.do(signed("pull_request", "a", pr)); rec.Code != 202 {
		t.Fatalf("after SetSecrets: %d, want 202", rec.Code)
	}
}

func TestInsecureDevAcceptsUnsigned(t *testing.T) {
	t.Parallel()
	q := &fakeQueue{}
	h := handlers.New(handlers.Options{Verifier: handlers.NewVerifier(nil, true), Queue: q, Ready: readiness{},
		Logger: slog.New(slog.DiscardHandler)})
	req := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(payload(t, "pull_request.opened")))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", "pull_request")
	req.Header.Set("X-GitHub-Delivery", "dev")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 202 || len(q.enqueued()) != 1 {
		t.Fatalf("status %d, queued %d", rec.Code, len(q.enqueued()))
	}
	// With a secret, --insecure-dev changes nothing.
	v := handlers.NewVerifier([]config.Secret{config.Secret(secret)}, true)
	if err := v.Verify([]byte("{}"), ""); !errors.Is(err, handlers.ErrSignatureMissing) {
		t.Fatalf("insecure verifier with a secret accepted an unsigned body: %v", err)
	}
}

func TestHealthAndReady(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path  string
		ready error
		want  int
	}{
		{"/healthz", nil, 200},
		{"/healthz", errors.New("db down"), 200},
		{"/readyz", nil, 200},
		{"/readyz", errors.New("db down"), 503},
		{"/metrics", nil, 200},
		{"/nope", nil, 404},
	}
	for _, tt := range tests {
		h := handlers.New(handlers.Options{Verifier: handlers.NewVerifier(nil, false), Queue: &fakeQueue{}, Ready: readiness{tt.ready},
			Gatherer: prometheus.NewRegistry(), Logger: slog.New(slog.DiscardHandler)})
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tt.path, nil))
		if rec.Code != tt.want {
			t.Errorf("GET %s (ready error %v) = %d, want %d", tt.path, tt.ready, rec.Code, tt.want)
		}
	}
	h := handlers.New(handlers.Options{Verifier: handlers.NewVerifier(nil, false), Queue: &fakeQueue{}, Ready: readiness{}})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/webhook", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET /webhook = %d, want 405", rec.Code)
	}
}

func TestMetricsExposeDeliveries(t *testing.T) {
	t.Parallel()
	s := newServer(t, secret)
	s.do(signed("pull_request", "m-1", payload(t, "pull_request.opened")))
	s.do(signed("star", "m-2", payload(t, "star.created")))
	rec := httptest.NewRecorder()
	s.handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	for _, want := range []string{
		`djsec_webhook_deliveries_total{action="opened",event="pull_request",outcome="queued"} 1`,
		`djsec_webhook_deliveries_total{action="created",event="star",outcome="unhandled"} 1`,
		`djsec_webhook_ack_seconds_count{code="202"} 2`,
	} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func FuzzWebhookSignature(f *testing.F) {
	f.Add([]byte(`{}`), "sha256=00")
	f.Add(payload(f, "ping"), handlers.Sign([]byte(secret), payload(f, "ping")))
	v := handlers.NewVerifier([]config.Secret{config.Secret(secret)}, false)
	f.Fuzz(func(t *testing.T, body []byte, sig string) {
		err := v.Verify(body, sig)
		want := handlers.Sign([]byte(secret), body)
		if sig == want && err != nil {
			t.Fatalf("Verify(%q, %q) = %v for the right signature", body, sig, err)
		}
		// Hex digits may come in either case; nothing else may differ.
		if err == nil && !(strings.HasPrefix(sig, "sha256=") && strings.EqualFold(sig, want)) {
			t.Fatalf("Verify(%q, %q) accepted a wrong signature", body, sig)
		}
	})
}
