package handlers_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/djsec/djsec/handlers"
	"github.com/djsec/djsec/metrics"
)

// FuzzWebhook drives POST /webhook (signature check, headers, JSON parse,
// routing) with arbitrary headers and bodies. sign chooses between the
// right signature of the body (to get past the check and reach the
// parsers) and sig as sent. Whatever comes in: no panic (a 500), a status
// from the documented set, a JSON answer, and nothing queued unless the
// signature is the body's under the secret.
//
//	go test ./handlers -run '^$' -fuzz '^FuzzWebhook$' -fuzztime 60s
func FuzzWebhook(f *testing.F) {
	// Seeds over maxSeed (the 100k-level nestings, the 10,000-command
	// comment) stay in TestHostileDeliveries: the fuzzer minimizes every
	// new input it finds from them, which at half a megabyte stalls it.
	const maxSeed = 64 << 10
	for _, h := range loadHostile(f) {
		if len(h.body) > maxSeed {
			continue
		}
		f.Add(h.header.Get(handlers.EventHeader), h.header.Get(handlers.DeliveryHeader), h.header.Get("Content-Type"),
			h.body, false, h.header.Get(handlers.SignatureHeader))
	}
	examples, err := filepath.Glob(filepath.Join("..", "testdata", "webhooks", "*.json"))
	if err != nil || len(examples) == 0 {
		f.Fatalf("no example payloads: %v", err)
	}
	for _, p := range examples {
		body, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		event, _, _ := strings.Cut(filepath.Base(p), ".")
		f.Add(event, "guid-"+event, "application/json", body, true, "")
	}

	// The deep-nesting cases, at just past encoding/json's depth limit.
	f.Add("pull_request", "deep", "application/json", []byte(strings.Repeat("[", 10001)), true, "")
	f.Add("star", "deep", "application/json", []byte(strings.Repeat(`{"a":`, 10001)+"1"+strings.Repeat("}", 10001)), true, "")

	s := newServer(f, secret)
	documented := map[int]bool{200: true, 202: true, 400: true, 401: true, 413: true, 415: true}
	f.Fuzz(func(t *testing.T, event, id, contentType string, body []byte, sign bool, sig string) {
		right := handlers.Sign([]byte(secret), body)
		if sign {
			sig = right
		}
		req := httptest.NewRequest(http.MethodPost, "/webhook", strings.NewReader(string(body)))
		for k, v := range map[string]string{handlers.EventHeader: event, handlers.DeliveryHeader: id,
			"Content-Type": contentType, handlers.SignatureHeader: sig} {
			// Header values a client cannot send (control characters) are
			// not the handler's problem.
			if v != "" && !strings.ContainsFunc(v, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }) {
				req.Header.Set(k, v)
			}
		}
		// One server for the whole run: keep what it accumulates small.
		s.logs.Reset()
		before := s.queue.len()
		rec := httptest.NewRecorder()
		s.handler.ServeHTTP(rec, req)
		if !documented[rec.Code] {
			t.Fatalf("status %d (body %s)", rec.Code, rec.Body)
		}
		var resp map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
			t.Fatalf("response is not JSON: %q", rec.Body)
		}
		queued := s.queue.len() > before
		if queued && !strings.EqualFold(req.Header.Get(handlers.SignatureHeader), right) {
			t.Fatalf("queued a delivery signed %q; the body's signature is %s", req.Header.Get(handlers.SignatureHeader), right)
		}
		if queued != (rec.Code == http.StatusAccepted && strings.Contains(rec.Body.String(), `"`+metrics.OutcomeQueued+`"`)) {
			t.Fatalf("queued=%v but answered %d %s", queued, rec.Code, rec.Body)
		}
		if rec.Code < 400 && !strings.EqualFold(req.Header.Get(handlers.SignatureHeader), right) {
			t.Fatalf("answered %d to a delivery without the body's signature", rec.Code)
		}
	})
}

func (q *fakeQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.calls)
}
