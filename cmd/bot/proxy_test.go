//go:build !noserver

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/djsec/djsec/handlers"
)

// With WEBHOOK_PROXY_URL set, serve reads the channel and its deliveries
// reach the webhook handler as GitHub sent them: signature checked, job
// queued; when serve stops, so does the proxy.
func TestServeForwardsWebhookProxy(t *testing.T) {
	t.Parallel()
	var body bytes.Buffer
	if err := json.Compact(&body, webhookBody(t, "pull_request.opened")); err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(map[string]any{
		"x-github-event":      "pull_request",
		"x-github-delivery":   "proxied-1",
		"x-hub-signature-256": handlers.Sign([]byte(testSecret), body.Bytes()),
		"content-type":        "application/json",
		"body":                json.RawMessage(body.Bytes()),
		"timestamp":           1,
	})
	if err != nil {
		t.Fatal(err)
	}
	closed := make(chan struct{})
	channel := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprintf(w, "event: ready\ndata: {}\n\nid: 1\ndata: %s\n\n", data)
		w.(http.Flusher).Flush()
		<-r.Context().Done() // held open until the proxy leaves
		close(closed)
	}))
	defer channel.Close()

	cfg := testConfig(t)
	cfg.WebhookProxyURL = channel.URL + "/channel"
	r := startServe(t, cfg, serveOptions{Migrate: true})
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(r.logs.String(), `"msg":"webhook proxy: forwarded"`) {
		if time.Now().After(deadline) {
			t.Fatalf("nothing forwarded:\n%s", r.logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Error("the proxy still holds the channel open after serve returned")
	}
	logs := r.logs.String()
	for _, line := range []string{`"delivery":"proxied-1"`, `"outcome":"queued"`, `"status":202`, `"msg":"webhook proxy stopped"`} {
		if !strings.Contains(logs, line) {
			t.Errorf("logs lack %s:\n%s", line, logs)
		}
	}
}

func TestLocalAddr(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"0.0.0.0:3000", "127.0.0.1:3000"},
		{"[::]:3000", "[::1]:3000"},
		{"127.0.0.1:4000", "127.0.0.1:4000"},
		{"192.168.1.5:3000", "192.168.1.5:3000"},
		{"localhost:3000", "localhost:3000"},
	} {
		if got := localAddr(tt.in); got != tt.want {
			t.Errorf("localAddr(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
