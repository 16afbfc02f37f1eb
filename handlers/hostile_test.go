package handlers_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/djsec/djsec/handlers"
	"github.com/djsec/djsec/internal/race"
	"github.com/djsec/djsec/metrics"
	"github.com/djsec/djsec/store/storetest"
)

// hostile is one delivery of testdata/hostile (see its README for the
// format).
type hostile struct {
	name       string
	wantStatus int
	wantOut    string
	header     http.Header
	body       []byte
}

var (
	repeatRE = regexp.MustCompile(`\{\{repeat:(\d+):(.*?)\}\}`)
	signRE   = regexp.MustCompile(`\{\{sign(?:-([a-z-]+))?(?::(.*?))?\}\}`)
)

// loadHostile reads every case of testdata/hostile.
func loadHostile(t testing.TB) []hostile {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "hostile", "*.http"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no hostile corpus: %v", err)
	}
	var out []hostile
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, parseHostile(t, strings.TrimSuffix(filepath.Base(p), ".http"), raw))
	}
	return out
}

func parseHostile(t testing.TB, name string, raw []byte) hostile {
	t.Helper()
	head, body, ok := bytes.Cut(raw, []byte("\n\n"))
	if !ok {
		t.Fatalf("%s: no empty line after the headers", name)
	}
	body = repeatRE.ReplaceAllFunc(body, func(m []byte) []byte {
		sm := repeatRE.FindSubmatch(m)
		n, _ := strconv.Atoi(string(sm[1]))
		return bytes.Repeat(sm[2], n)
	})
	h := hostile{name: name, header: http.Header{}, body: body}
	sc := bufio.NewScanner(bytes.NewReader(head))
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), ":")
		v = strings.TrimPrefix(v, " ")
		if k == "want" {
			status, outcome, _ := strings.Cut(v, " ")
			h.wantStatus, _ = strconv.Atoi(status)
			h.wantOut = outcome
			continue
		}
		v = strings.ReplaceAll(v, "hostile-DELIVERY", "hostile-"+name)
		v = signRE.ReplaceAllStringFunc(v, func(m string) string {
			sm := signRE.FindStringSubmatch(m)
			right := handlers.Sign([]byte(secret), body)
			switch sm[1] {
			case "":
				return right
			case "with":
				return handlers.Sign([]byte(sm[2]), body)
			case "body":
				return handlers.Sign([]byte(secret), []byte(sm[2]))
			case "truncated":
				return right[:len(right)-2]
			case "upper-prefix":
				return "SHA256=" + strings.TrimPrefix(right, "sha256=")
			}
			t.Fatalf("%s: unknown placeholder %s", name, m)
			return ""
		})
		h.header.Add(k, v)
	}
	if h.wantStatus == 0 || h.wantOut == "" {
		t.Fatalf("%s: no want line", name)
	}
	return h
}

func (h hostile) request() *http.Request {
	req := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(h.body))
	req.Header = h.header.Clone()
	return req
}

// Every hostile delivery gets its documented status and outcome, nothing
// unverified or malformed is queued, nothing panics (a panic is a 500),
// and a replay of a queued one is a duplicate.
func TestHostileDeliveries(t *testing.T) {
	t.Parallel()
	for _, h := range loadHostile(t) {
		t.Run(h.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t, secret)
			rec := httptest.NewRecorder()
			s.handler.ServeHTTP(rec, h.request())
			if rec.Code != h.wantStatus {
				t.Fatalf("status %d, want %d; body %s", rec.Code, h.wantStatus, rec.Body)
			}
			if !strings.Contains(s.logs.String(), `"outcome":"`+h.wantOut+`"`) {
				t.Errorf("log lacks outcome %s:\n%s", h.wantOut, truncateLog(s.logs.String()))
			}
			var resp map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
				t.Errorf("response is not JSON: %s", rec.Body)
			}
			queued := h.wantOut == metrics.OutcomeQueued
			want := 0
			if queued {
				want = 1
			}
			if n := len(s.queue.enqueued()); n != want {
				t.Fatalf("%d jobs queued, want %d", n, want)
			}
			if rec.Code == http.StatusUnauthorized && s.count("unverified", "", metrics.OutcomeBadSignature) != 1 {
				t.Errorf("bad signature not counted under event=unverified")
			}
			if !queued {
				return
			}
			// The same delivery again: GitHub's redelivery or a replay.
			for range 3 {
				rec := httptest.NewRecorder()
				s.handler.ServeHTTP(rec, h.request())
				if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), metrics.OutcomeDuplicate) {
					t.Fatalf("replay: %d %s, want 200 duplicate", rec.Code, rec.Body)
				}
			}
			if n := len(s.queue.enqueued()); n != 1 {
				t.Fatalf("%d jobs after three replays, want 1", n)
			}
		})
	}
}

func truncateLog(s string) string {
	if len(s) > 2000 {
		return s[:2000] + "…"
	}
	return s
}

// A replayed delivery sent many times at once, on the real store: one
// delivery row, one job, one 202 and the rest 200.
func TestConcurrentReplayOneJob(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, url string) {
		l := startLive(t, url, newCounting(), false)
		body := payload(t, "pull_request.opened")
		sig := handlers.Sign([]byte(secret), body)
		const n = 20
		codes := make(chan int, n)
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() { codes <- l.post(t, "pull_request", "replayed", body, sig) })
		}
		wg.Wait()
		close(codes)
		got := map[int]int{}
		for c := range codes {
			got[c]++
		}
		if got[202] != 1 || got[200] != n-1 {
			t.Errorf("statuses %v, want one 202 and %d 200", got, n-1)
		}
		if c := count(t, l.db, "deliveries"); c != 1 {
			t.Errorf("%d delivery rows, want 1", c)
		}
		if c := count(t, l.db, "river_job"); c != 1 {
			t.Errorf("%d jobs, want 1", c)
		}
	})
}

// endless yields a body of n bytes without holding it, and counts what the
// handler read.
type endless struct {
	n, read int64
}

func (e *endless) Read(p []byte) (int, error) {
	if e.read >= e.n {
		return 0, io.EOF
	}
	if int64(len(p)) > e.n-e.read {
		p = p[:e.n-e.read]
	}
	for i := range p {
		p[i] = ' '
	}
	e.read += int64(len(p))
	return len(p), nil
}

// Oversized bodies are refused with 413 without buffering more than the
// limit: a declared Content-Length over it is refused before a byte is
// read; a chunked body is read no further than MaxBody+1 bytes, and what
// the handler allocates for it stays within a small multiple of the limit.
// Not parallel: the allocation figures are the process's.
func TestOversizeBodyMemoryBounded(t *testing.T) {
	tests := []struct {
		name          string
		size          int64
		contentLength int64 // -1: chunked
		maxRead       int64
		maxAlloc      uint64
	}{
		{"25 MiB + 1, declared", handlers.MaxBody + 1, handlers.MaxBody + 1, 0, 1 << 20},
		{"1 GiB, declared", 1 << 30, 1 << 30, 0, 1 << 20},
		{"25 MiB + 1, chunked", handlers.MaxBody + 1, -1, handlers.MaxBody + 1, 3 * handlers.MaxBody / 2},
		{"1 GiB, chunked", 1 << 30, -1, handlers.MaxBody + 1, 3 * handlers.MaxBody / 2},
	}
	s := newServer(t, secret)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := &endless{n: tt.size}
			req := httptest.NewRequest(http.MethodPost, "/webhook", body)
			req.ContentLength = tt.contentLength
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set(handlers.EventHeader, "pull_request")
			req.Header.Set(handlers.DeliveryHeader, "big")
			req.Header.Set(handlers.SignatureHeader, "sha256="+strings.Repeat("0", 64))
			rec := httptest.NewRecorder()
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			s.handler.ServeHTTP(rec, req)
			runtime.ReadMemStats(&after)
			alloc := after.TotalAlloc - before.TotalAlloc
			t.Logf("read %d bytes of %d, allocated %.1f MiB", body.read, tt.size, float64(alloc)/(1<<20))
			if rec.Code != http.StatusRequestEntityTooLarge {
				t.Fatalf("status %d, want 413", rec.Code)
			}
			if body.read > tt.maxRead {
				t.Errorf("read %d bytes of the body, limit %d", body.read, tt.maxRead)
			}
			bound := tt.maxAlloc
			if race.Enabled {
				bound *= 2 // the race runtime allocates about twice as much here
			}
			if alloc > bound {
				t.Errorf("allocated %d bytes, bound %d", alloc, bound)
			}
		})
	}
	if n := len(s.queue.enqueued()); n != 0 {
		t.Fatalf("%d oversized deliveries queued", n)
	}
}

// Over a real connection, a declared 25 MiB + 1 body is answered 413
// without the server waiting for it.
func TestOversizeBodyOverTCP(t *testing.T) {
	t.Parallel()
	s := newServer(t, secret)
	srv := httptest.NewServer(s.handler)
	defer srv.Close()
	body := &endless{n: handlers.MaxBody + 1}
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/webhook", body)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = handlers.MaxBody + 1
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(handlers.EventHeader, "pull_request")
	req.Header.Set(handlers.DeliveryHeader, "big-tcp")
	req.Header.Set(handlers.SignatureHeader, "sha256="+strings.Repeat("0", 64))
	resp, err := srv.Client().Do(req)
	if err != nil {
		// The server may close the connection while the client still
		// writes the body; the client then sees a write error, which is
		// a refusal too.
		t.Logf("client: %v", err)
	} else {
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("status %d, want 413", resp.StatusCode)
		}
	}
	if n := len(s.queue.enqueued()); n != 0 {
		t.Fatalf("%d queued", n)
	}
	if got := fmt.Sprint(s.count("unverified", "", metrics.OutcomeTooLarge)); got != "1" {
		t.Errorf("too_large counted %s times, want 1", got)
	}
}
