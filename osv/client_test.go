package osv

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/djsec/djsec/checks"
)

// fakeOSV is a local OSV API: querybatch answers from vulnsOf, vulns from
// records. It counts requests so tests can see the cache at work.
type fakeOSV struct {
	mu      sync.Mutex
	vulnsOf map[string][]string // "name@version" → IDs
	records map[string]string   // ID → JSON record
	// pageSplit makes querybatch return the IDs of these keys one page
	// at a time.
	pageSplit map[string]bool
	status    int           // non-zero: every request fails with it
	delay     time.Duration // before answering
	batches   atomic.Int32
	fetches   atomic.Int32
	queries   [][]string // name@version[#token] of each batch
}

func (f *fakeOSV) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.delay > 0 {
		select {
		case <-time.After(f.delay):
		case <-r.Context().Done():
			return
		}
	}
	if f.status != 0 {
		http.Error(w, "unavailable", f.status)
		return
	}
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/v1/querybatch":
		f.batches.Add(1)
		var body struct {
			Queries []struct {
				Package   struct{ Name, Ecosystem string }
				Version   string
				PageToken string `json:"page_token"`
			}
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		type vuln struct {
			ID       string `json:"id"`
			Modified string `json:"modified"`
		}
		type result struct {
			Vulns         []vuln `json:"vulns,omitempty"`
			NextPageToken string `json:"next_page_token,omitempty"`
		}
		var out struct {
			Results []result `json:"results"`
		}
		var seen []string
		f.mu.Lock()
		for _, q := range body.Queries {
			if q.Package.Ecosystem != "PyPI" {
				http.Error(w, "ecosystem", http.StatusBadRequest)
				f.mu.Unlock()
				return
			}
			key := q.Package.Name + "@" + q.Version
			seen = append(seen, key+"#"+q.PageToken)
			ids := f.vulnsOf[key]
			var res result
			if f.pageSplit[key] && len(ids) > 1 {
				if q.PageToken == "" {
					ids, res.NextPageToken = ids[:1], "page2"
				} else {
					ids = ids[1:]
				}
			}
			for _, id := range ids {
				res.Vulns = append(res.Vulns, vuln{ID: id, Modified: "2026-11-01T00:00:00Z"})
			}
			out.Results = append(out.Results, res)
		}
		f.queries = append(f.queries, seen)
		f.mu.Unlock()
		json.NewEncoder(w).Encode(out)
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/v1/vulns/"):
		f.fetches.Add(1)
		rec, ok := f.records[strings.TrimPrefix(r.URL.Path, "/v1/vulns/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(rec))
	default:
		http.NotFound(w, r)
	}
}

func osvRecord(id, pkg, intro, fixed string, extra string) string {
	return `{"id": "` + id + `", "modified": "2026-11-01T00:00:00Z", "aliases": ["CVE-` + id + `"],` + extra +
		`"affected": [{"package": {"ecosystem": "PyPI", "name": "` + pkg + `"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "` + intro + `"}, {"fixed": "` + fixed + `"}]}]}]}`
}

func newFake() *fakeOSV {
	return &fakeOSV{
		vulnsOf: map[string][]string{
			"django@5.2.18":   {"GHSA-new1", "GHSA-new2"},
			"requests@2.31.0": {"GHSA-req"},
			"gone@1.0":        {"GHSA-withdrawn"},
		},
		records: map[string]string{
			"GHSA-new1":      osvRecord("GHSA-new1", "Django", "5.2", "5.2.19", `"database_specific": {"severity": "HIGH"},`),
			"GHSA-new2":      osvRecord("GHSA-new2", "django", "0", "5.2.20", ""),
			"GHSA-req":       osvRecord("GHSA-req", "requests", "2.0", "2.32.0", ""),
			"GHSA-withdrawn": osvRecord("GHSA-withdrawn", "gone", "0", "2.0", `"withdrawn": "2026-11-02T00:00:00Z",`),
		},
	}
}

func ids(res Result) string {
	var out []string
	for _, r := range res.Records {
		out = append(out, r.ID)
	}
	return strings.Join(out, " ")
}

func TestQueryAndCache(t *testing.T) {
	t.Parallel()
	fake := newFake()
	srv := httptest.NewServer(fake)
	defer srv.Close()
	now := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	c, err := New(srv.URL+"/", WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	pkgs := []Package{{"Django", "5.2.18"}, {"requests", "2.31.0"}, {"six", "1.16.0"}, {"django", "5.2.18"}, {"gone", "1.0"}}
	res := c.Query(context.Background(), pkgs)
	if res.Note != "" || ids(res) != "GHSA-new1 GHSA-new2 GHSA-req" || res.Queried != 4 || res.Cached != 0 {
		t.Fatalf("first query: %q, note %q, queried %d cached %d", ids(res), res.Note, res.Queried, res.Cached)
	}
	if r := res.Records[0]; r.Severity != "high" || r.Source != "osv" || r.Affected[0].Package != "django" {
		t.Errorf("converted record: %+v", r)
	}
	if fake.batches.Load() != 1 || fake.fetches.Load() != 4 {
		t.Errorf("%d batches, %d fetches; want 1 and 4", fake.batches.Load(), fake.fetches.Load())
	}

	// Within 24 hours every answer and record comes from the cache.
	now = now.Add(23 * time.Hour)
	res = c.Query(context.Background(), pkgs)
	if ids(res) != "GHSA-new1 GHSA-new2 GHSA-req" || res.Queried != 0 || res.Cached != 4 || fake.batches.Load() != 1 || fake.fetches.Load() != 4 {
		t.Errorf("cached query: %q, queried %d cached %d, %d batches %d fetches", ids(res), res.Queried, res.Cached, fake.batches.Load(), fake.fetches.Load())
	}

	// After 24 hours the API is asked again.
	now = now.Add(2 * time.Hour)
	res = c.Query(context.Background(), pkgs[:1])
	if ids(res) != "GHSA-new1 GHSA-new2" || res.Queried != 1 || fake.batches.Load() != 2 {
		t.Errorf("expired: %q, queried %d, %d batches", ids(res), res.Queried, fake.batches.Load())
	}
}

func TestQueryPages(t *testing.T) {
	t.Parallel()
	fake := newFake()
	fake.pageSplit = map[string]bool{"django@5.2.18": true}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	c, _ := New(srv.URL)
	res := c.Query(context.Background(), []Package{{"django", "5.2.18"}, {"requests", "2.31.0"}})
	if res.Note != "" || ids(res) != "GHSA-new1 GHSA-new2 GHSA-req" {
		t.Fatalf("paged query: %q, note %q", ids(res), res.Note)
	}
	if got := fake.queries; len(got) != 2 || strings.Join(got[1], ",") != "django@5.2.18#page2" {
		t.Errorf("batches: %v", got)
	}
}

// TestQueryDegrades: failures never fail the caller; they leave a note and
// the records that could be had.
func TestQueryDegrades(t *testing.T) {
	t.Parallel()
	pkgs := []Package{{"django", "5.2.18"}}
	t.Run("server error", func(t *testing.T) {
		t.Parallel()
		fake := newFake()
		fake.status = http.StatusServiceUnavailable
		srv := httptest.NewServer(fake)
		defer srv.Close()
		now := time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC)
		c, _ := New(srv.URL, WithClock(func() time.Time { return now }))
		res := c.Query(context.Background(), pkgs)
		if len(res.Records) != 0 || res.Source != "" || !strings.Contains(res.Note, "HTTP 503") || !strings.Contains(res.Note, "bundled data of 2026-11-26") {
			t.Errorf("records %q, source %q, note %q", ids(res), res.Source, res.Note)
		}
		// For a minute the API is not asked: the next analysis degrades
		// at once instead of waiting for a server that is down.
		fake.status = 0
		now = now.Add(30 * time.Second)
		res = c.Query(context.Background(), pkgs)
		if fake.batches.Load() != 0 || len(res.Records) != 0 || !strings.Contains(res.Note, "1 package version not asked after: POST /v1/querybatch: HTTP 503") {
			t.Errorf("during the backoff: %d batches, records %q, note %q", fake.batches.Load(), ids(res), res.Note)
		}
		// A failed answer is not cached: after the backoff the API is
		// asked again.
		now = now.Add(time.Minute)
		if res := c.Query(context.Background(), pkgs); res.Note != "" || ids(res) != "GHSA-new1 GHSA-new2" || res.Source != srv.URL {
			t.Errorf("after recovery: %q, source %q, note %q", ids(res), res.Source, res.Note)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		t.Parallel()
		fake := newFake()
		fake.delay = 400 * time.Millisecond
		srv := httptest.NewServer(fake)
		defer srv.Close()
		c, _ := New(srv.URL, WithTimeout(50*time.Millisecond))
		start := time.Now()
		res := c.Query(context.Background(), pkgs)
		if time.Since(start) > 300*time.Millisecond || !strings.Contains(res.Note, "timed out") || len(res.Records) != 0 {
			t.Errorf("after %v: records %q, note %q", time.Since(start), ids(res), res.Note)
		}
	})
	t.Run("missing record", func(t *testing.T) {
		t.Parallel()
		fake := newFake()
		delete(fake.records, "GHSA-new2")
		srv := httptest.NewServer(fake)
		defer srv.Close()
		c, _ := New(srv.URL)
		res := c.Query(context.Background(), pkgs)
		if ids(res) != "GHSA-new1" || !strings.Contains(res.Note, "1 of 2 records not fetched") || !strings.Contains(res.Note, "HTTP 404") {
			t.Errorf("records %q, note %q", ids(res), res.Note)
		}
	})
	t.Run("bad JSON", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("{not json")) }))
		defer srv.Close()
		c, _ := New(srv.URL)
		if res := c.Query(context.Background(), pkgs); !strings.Contains(res.Note, "bad JSON") {
			t.Errorf("note %q", res.Note)
		}
	})
	t.Run("short answer", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"results": []}`)) }))
		defer srv.Close()
		c, _ := New(srv.URL)
		if res := c.Query(context.Background(), pkgs); !strings.Contains(res.Note, "answered 0 of 1") {
			t.Errorf("note %q", res.Note)
		}
	})
	t.Run("unreachable", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(newFake())
		srv.Close()
		c, _ := New(srv.URL)
		if res := c.Query(context.Background(), pkgs); res.Note == "" || len(res.Records) != 0 {
			t.Errorf("records %q, note %q", ids(res), res.Note)
		}
	})
}

func TestConfiguration(t *testing.T) {
	for _, bad := range []string{"api.osv.dev", "ftp://x.test", "https://", "::"} {
		if _, err := New(bad); err == nil {
			t.Errorf("New(%q) accepted", bad)
		}
	}
	for _, tc := range []struct {
		env, want string // want "": no client
		bad       bool
	}{
		{env: "", want: DefaultURL}, // live by default
		{env: "off"},
		{env: " OFF "},
		{env: "https://osv.test/", want: "https://osv.test"}, // a mirror
		{env: "osv.test", bad: true},
	} {
		t.Setenv(EnvURL, tc.env)
		c, err := FromEnv()
		if (err != nil) != tc.bad || c.URL() != tc.want {
			t.Errorf("%s=%q: client %q, error %v; want %q", EnvURL, tc.env, c.URL(), err, tc.want)
		}
	}
	var nilClient *Client
	if res := nilClient.Query(context.Background(), []Package{{"django", "1"}}); res.Note != "" || len(res.Records) != 0 {
		t.Errorf("a nil client queried: %+v", res)
	}
}

// TestLookup: only production dependencies with a known version are asked
// about, once each across a pull request's head and base; ranges,
// development manifests and ignored paths are not.
func TestLookup(t *testing.T) {
	t.Parallel()
	fake := newFake()
	srv := httptest.NewServer(fake)
	defer srv.Close()
	c, _ := New(srv.URL)
	cfg := checks.DefaultConfig()
	cfg.IgnorePaths = []string{"vendor/**"}
	head := map[string][]byte{
		"requirements.txt":        []byte("Django==5.2.18\nrequests>=2.0\n"),
		"requirements-dev.txt":    []byte("pytest==8.0.0\n"),
		"vendor/requirements.txt": []byte("six==1.16.0\n"),
	}
	base := map[string][]byte{"requirements.txt": []byte("Django==5.2.18\nrequests==2.31.0\n")}
	res := c.Lookup(context.Background(), cfg, head, base)
	if res.Note != "" || ids(res) != "GHSA-new1 GHSA-new2 GHSA-req" || res.Source != srv.URL {
		t.Errorf("records %q, source %q, note %q", ids(res), res.Source, res.Note)
	}
	if got := fake.queries; len(got) != 1 || strings.Join(got[0], ",") != "django@5.2.18#,requests@2.31.0#" {
		t.Errorf("asked %v, want django 5.2.18 and requests 2.31.0 once", got)
	}
	var nilClient *Client
	if res := nilClient.Lookup(context.Background(), cfg, head); res.Source != "" || len(res.Records) != 0 {
		t.Errorf("a nil client looked up: %+v", res)
	}
}

// TestSweep: expired answers leave the cache, so a server's memory holds
// about a day of them.
func TestSweep(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(newFake())
	defer srv.Close()
	now := time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC)
	c, _ := New(srv.URL, WithClock(func() time.Time { return now }))
	c.Query(context.Background(), []Package{{"django", "5.2.18"}})
	now = now.Add(25 * time.Hour)
	c.Query(context.Background(), []Package{{"requests", "2.31.0"}})
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.answers[Package{"django", "5.2.18"}]; ok || len(c.answers) != 1 || len(c.records) != 1 {
		t.Errorf("after a day: %d answers, %d records; want requests' alone", len(c.answers), len(c.records))
	}
}
