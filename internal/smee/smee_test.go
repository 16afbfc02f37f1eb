package smee

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/djsec/djsec/internal/syncbuf"
)

// channel is a fake smee.io channel: connection n (from 0) is served by
// conns[n], or, past the list, held open until the client leaves.
type channel struct {
	t     *testing.T
	conns []func(w http.ResponseWriter, flush func())
	mu    sync.Mutex
	seen  []http.Header // request headers, one per connection
}

func (c *channel) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	n := len(c.seen)
	c.seen = append(c.seen, r.Header.Clone())
	c.mu.Unlock()
	flush := func() { w.(http.Flusher).Flush() }
	if n < len(c.conns) {
		c.conns[n](w, flush)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	flush()
	<-r.Context().Done()
}

func (c *channel) headers() []http.Header {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]http.Header(nil), c.seen...)
}

// events answers a connection with events, then ends it.
func events(evs ...string) func(http.ResponseWriter, func()) {
	return func(w http.ResponseWriter, flush func()) {
		w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
		for _, e := range evs {
			io.WriteString(w, e)
			flush()
		}
	}
}

// message is a channel message carrying a delivery the way smee.io's
// server writes it: the request's headers (lower case), the parsed body,
// the query and a timestamp.
func message(t *testing.T, id, event, delivery, secret string, body string) string {
	t.Helper()
	var parsed any
	if err := json.Unmarshal([]byte(body), &parsed); err != nil {
		t.Fatal(err)
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(body))
	data, err := json.Marshal(map[string]any{
		"host":                "smee.io",
		"content-length":      fmt.Sprint(len(body)),
		"content-type":        "application/json",
		"user-agent":          "GitHub-Hookshot/abc",
		"x-github-event":      event,
		"x-github-delivery":   delivery,
		"x-github-hook-id":    "42",
		"x-hub-signature-256": "sha256=" + hex.EncodeToString(mac.Sum(nil)),
		"body":                json.RawMessage(body),
		"query":               map[string]string{},
		"timestamp":           1733600000000,
	})
	if err != nil {
		t.Fatal(err)
	}
	// Pretty-printing the data proves the body is re-serialised compactly,
	// whatever spacing the channel used.
	var pretty bytes.Buffer
	json.Indent(&pretty, data, "", "  ")
	s := ""
	if id != "" {
		s += "id: " + id + "\n"
	}
	for _, line := range strings.Split(pretty.String(), "\n") {
		s += "data: " + line + "\n"
	}
	return s + "\n"
}

// received is one request the local server got.
type received struct {
	header http.Header
	body   []byte
}

func target(t *testing.T, status int) (*httptest.Server, chan received) {
	got := make(chan received, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPost || r.URL.Path != "/webhook" {
			t.Errorf("%s %s, want POST /webhook", r.Method, r.URL.Path)
		}
		got <- received{r.Header.Clone(), b}
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return srv, got
}

func start(t *testing.T, ch *channel, tgt string, logs io.Writer) (stop func() error) {
	t.Helper()
	src := httptest.NewServer(ch)
	t.Cleanup(src.Close)
	c, err := New(src.URL+"/abc", tgt+"/webhook", slog.New(slog.NewJSONHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	c.MinBackoff, c.MaxBackoff = 5*time.Millisecond, 40*time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	return func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(5 * time.Second):
			t.Fatal("Run did not return after its context was cancelled")
			return nil
		}
	}
}

// waitLog waits until the logs hold s: the forwarder logs the local
// server's answer after the server has seen the request.
func waitLog(t *testing.T, logs *syncbuf.Buffer, s string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(logs.String(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("logs never got %s:\n%s", s, logs.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func wait(t *testing.T, got chan received) received {
	t.Helper()
	select {
	case r := <-got:
		return r
	case <-time.After(5 * time.Second):
		t.Fatal("nothing was forwarded")
		return received{}
	}
}

const body = `{"action":"opened","number":1,"pull_request":{"title":"é \u003c","n":1.50},"z":[]}`

func TestForwardsDeliveries(t *testing.T) {
	ch := &channel{t: t, conns: []func(http.ResponseWriter, func()){events(
		"event: ready\ndata: {}\n\n",
		": keep-alive\n\n",
		"event: ping\ndata: {}\n\n",
		message(t, "1", "pull_request", "d-1", "s3cret", body),
	)}}
	tgt, got := target(t, http.StatusAccepted)
	var logs syncbuf.Buffer
	stop := start(t, ch, tgt.URL, &logs)
	r := wait(t, got)
	waitLog(t, &logs, `"status":202`)
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}

	if string(r.body) != body {
		t.Errorf("body %s\nwant %s (the bytes GitHub signed)", r.body, body)
	}
	mac := hmac.New(sha256.New, []byte("s3cret"))
	mac.Write(r.body)
	if want := "sha256=" + hex.EncodeToString(mac.Sum(nil)); r.header.Get("X-Hub-Signature-256") != want {
		t.Errorf("X-Hub-Signature-256 %q does not sign the forwarded body (want %q)", r.header.Get("X-Hub-Signature-256"), want)
	}
	for h, want := range map[string]string{
		"X-GitHub-Event": "pull_request", "X-GitHub-Delivery": "d-1", "X-GitHub-Hook-ID": "42",
		"User-Agent": "GitHub-Hookshot/abc", "Content-Type": "application/json",
		"Host": "", "Timestamp": "", "Query": "",
	} {
		if got := r.header.Get(h); got != want {
			t.Errorf("header %s = %q, want %q", h, got, want)
		}
	}
	select {
	case r := <-got:
		t.Errorf("the ready and ping events were forwarded too: %s", r.body)
	default:
	}
	for _, line := range []string{`"msg":"webhook proxy: connected to the channel"`, `"msg":"webhook proxy: forwarded"`, `"status":202`, `"delivery":"d-1"`, `"msg":"webhook proxy stopped"`} {
		if !strings.Contains(logs.String(), line) {
			t.Errorf("logs lack %s:\n%s", line, logs.String())
		}
	}
}

// A stream that ends is opened again, with the last event ID, so the
// channel can replay what came in meanwhile; failed connections back off.
func TestReconnectsWithLastEventID(t *testing.T) {
	ch := &channel{t: t, conns: []func(http.ResponseWriter, func()){
		events(message(t, "17", "push", "d-1", "s", `{"ref":"a"}`)),
		func(w http.ResponseWriter, _ func()) { http.Error(w, "down", http.StatusBadGateway) },
		func(w http.ResponseWriter, _ func()) { w.Write([]byte("<html>not a stream</html>")) },
		events("retry: 10\n\n", message(t, "18", "push", "d-2", "s", `{"ref":"b"}`)),
	}}
	tgt, got := target(t, http.StatusAccepted)
	var logs syncbuf.Buffer
	stop := start(t, ch, tgt.URL, &logs)
	for _, want := range []string{"d-1", "d-2"} {
		if r := wait(t, got); r.header.Get("X-GitHub-Delivery") != want {
			t.Errorf("forwarded %s, want %s", r.header.Get("X-GitHub-Delivery"), want)
		}
	}
	// The fifth connection is held open: wait for it, then stop.
	deadline := time.Now().Add(5 * time.Second)
	for len(ch.headers()) < 5 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	h := ch.headers()
	if len(h) < 5 {
		t.Fatalf("%d connections, want 5", len(h))
	}
	for i, want := range []string{"", "17", "17", "17", "18"} {
		if got := h[i].Get("Last-Event-ID"); got != want {
			t.Errorf("connection %d: Last-Event-ID %q, want %q", i, got, want)
		}
		if got := h[i].Get("Accept"); got != "text/event-stream" {
			t.Errorf("connection %d: Accept %q", i, got)
		}
	}
	for _, line := range []string{`502 Bad Gateway`, `want text/event-stream`, `"msg":"webhook proxy: disconnected from the channel; reconnecting"`, `"retry_in"`} {
		if !strings.Contains(logs.String(), line) {
			t.Errorf("logs lack %s:\n%s", line, logs.String())
		}
	}
}

// Messages that are not deliveries are logged and skipped; the next one is
// still forwarded. A local server that refuses one (401: bad signature) is
// logged with its status.
func TestSkipsBadMessages(t *testing.T) {
	ch := &channel{t: t, conns: []func(http.ResponseWriter, func()){events(
		"data: not json\n\n",
		`data: {"x-github-event":"push"}`+"\n\n",
		`data: {"body":{"a":1}}`+"\n\n",
		`data: {"x-github-event":["push"],"body":{}}`+"\n\n",
		message(t, "", "push", "d-ok", "s", `{"ref":"main"}`),
	)}}
	tgt, got := target(t, http.StatusUnauthorized)
	var logs syncbuf.Buffer
	stop := start(t, ch, tgt.URL, &logs)
	if r := wait(t, got); r.header.Get("X-GitHub-Delivery") != "d-ok" {
		t.Errorf("forwarded %q first, want d-ok", r.header.Get("X-GitHub-Delivery"))
	}
	waitLog(t, &logs, `"status":401`)
	stop()
	for _, line := range []string{"is not a JSON object", "has no body", "has no x-github-event", "header x-github-event is not a string", `"status":401`} {
		if !strings.Contains(logs.String(), line) {
			t.Errorf("logs lack %s:\n%s", line, logs.String())
		}
	}
}

// 204 No Content is the SSE way to say "stop reconnecting".
func TestStopsOnNoContent(t *testing.T) {
	ch := &channel{t: t, conns: []func(http.ResponseWriter, func()){
		func(w http.ResponseWriter, _ func()) { w.WriteHeader(http.StatusNoContent) },
	}}
	src := httptest.NewServer(ch)
	defer src.Close()
	c, err := New(src.URL, "http://127.0.0.1:1/webhook", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Run(context.Background()); err != ErrClosed {
		t.Fatalf("Run = %v, want ErrClosed", err)
	}
}

// Cancelling the context while the client waits between attempts, or
// while it holds a stream open, ends Run at once with nil.
func TestStopsWhileWaiting(t *testing.T) {
	c, err := New("http://127.0.0.1:1/never", "http://127.0.0.1:1/webhook", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	c.MinBackoff = time.Hour
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := c.Run(ctx); err != nil {
		t.Fatalf("Run = %v, want nil after cancellation", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Run took %v to stop", d)
	}
}

func TestNewRejectsBadURLs(t *testing.T) {
	for _, tt := range []struct{ source, target, want string }{
		{"smee.io/abc", "http://127.0.0.1:3000/webhook", `the channel "smee.io/abc" is not an http(s) URL`},
		{"ftp://smee.io/abc", "http://127.0.0.1:3000/webhook", "the channel"},
		{"https://smee.io/abc", "127.0.0.1:3000", "the target"},
		{"https://", "http://127.0.0.1:3000/webhook", "the channel"},
	} {
		_, err := New(tt.source, tt.target, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("New(%q, %q) = %v, want an error with %q", tt.source, tt.target, err, tt.want)
		}
	}
}
