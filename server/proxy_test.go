package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/djsec/djsec/config"
	"github.com/djsec/djsec/handlers"
	"github.com/djsec/djsec/server/servertest"
)

// With WEBHOOK_PROXY_URL set, serve reads the channel and its deliveries
// reach the webhook handler as GitHub sent them: signature checked, job
// queued; when serve stops, so does the proxy.
func TestServeForwardsWebhookProxy(t *testing.T) {
	t.Parallel()
	var body bytes.Buffer
	if err := json.Compact(&body, servertest.Example(t, "pull_request.opened")); err != nil {
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

	r := servertest.Start(t, servertest.Options{Config: func(c *config.Config) { c.WebhookProxyURL = channel.URL + "/channel" }})
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(r.Logs(), `"msg":"webhook proxy: forwarded"`) {
		if time.Now().After(deadline) {
			t.Fatalf("nothing forwarded:\n%s", r.Logs())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := r.Stop(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Error("the proxy still holds the channel open after serve returned")
	}
	logs := r.Logs()
	for _, line := range []string{`"delivery":"proxied-1"`, `"outcome":"queued"`, `"status":202`, `"msg":"webhook proxy stopped"`} {
		if !strings.Contains(logs, line) {
			t.Errorf("logs lack %s:\n%s", line, logs)
		}
	}
}
