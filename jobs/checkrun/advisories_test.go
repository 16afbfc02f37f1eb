package checkrun_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/djsec/djsec/osv"
)

// fakeOSV answers querybatch with one critical advisory for gunicorn
// 23.0.0 (fixed in 23.0.1), or fails with down's status.
func fakeOSV(t *testing.T, down *atomic.Int32) *osv.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s := down.Load(); s != 0 {
			http.Error(w, "down", int(s))
			return
		}
		switch r.URL.Path {
		case "/v1/querybatch":
			var body struct {
				Queries []struct {
					Package struct{ Name string }
					Version string
				}
			}
			json.NewDecoder(r.Body).Decode(&body)
			results := []map[string]any{}
			for _, q := range body.Queries {
				if q.Package.Name == "gunicorn" && q.Version == "23.0.0" {
					results = append(results, map[string]any{"vulns": []map[string]string{{"id": "GHSA-live-0001"}}})
				} else {
					results = append(results, map[string]any{})
				}
			}
			json.NewEncoder(w).Encode(map[string]any{"results": results})
		case "/v1/vulns/GHSA-live-0001":
			w.Write([]byte(`{"id": "GHSA-live-0001", "aliases": ["CVE-2099-0001"], "database_specific": {"severity": "CRITICAL"},
				"affected": [{"package": {"ecosystem": "PyPI", "name": "gunicorn"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "23.0.0"}, {"fixed": "23.0.1"}]}]}]}`))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	c, err := osv.New(srv.URL, osv.WithLogger(slog.New(slog.DiscardHandler)), osv.WithBackoff(0))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A pull request that pins a version the live OSV data knows to be
// vulnerable fails on that finding; when the API is down, the run is
// judged on the bundled data and its summary says so.
func TestLiveAdvisoriesInTheCheckRun(t *testing.T) {
	t.Parallel()
	var down atomic.Int32
	e := newEnv(t, envOptions{advisories: fakeOSV(t, &down)})
	e.repo.Commit("main", map[string]string{"mysite/settings.py": hardened(t), ".gitignore": gitignore,
		"requirements.txt": "Django==5.2.18\ngunicorn==22.0.0\n"})

	p := e.pr("bump", map[string]string{"requirements.txt": "Django==5.2.18\ngunicorn==23.0.0\n"})
	e.open(p)
	cr := e.only(p.HeadSHA)
	if cr.Conclusion != "failure" || !strings.Contains(cr.Summary, "CVE-2099-0001") || !strings.Contains(cr.Summary, "+ live OSV data") {
		t.Errorf("live: conclusion %s, summary:\n%s", cr.Conclusion, cr.Summary)
	}

	// A second server whose OSV API is down (the first one's answers
	// are cached for 24 hours).
	down.Store(http.StatusServiceUnavailable)
	e = newEnv(t, envOptions{advisories: fakeOSV(t, &down)})
	e.repo.Commit("main", map[string]string{"mysite/settings.py": hardened(t), ".gitignore": gitignore,
		"requirements.txt": "Django==5.2.18\ngunicorn==22.0.0\n"})
	p = e.pr("bump", map[string]string{"requirements.txt": "Django==5.2.18\ngunicorn==23.0.0\n"})
	e.open(p)
	cr = e.only(p.HeadSHA)
	if cr.Status != "completed" || cr.Conclusion == "failure" || strings.Contains(cr.Summary, "+ live OSV data") ||
		!strings.Contains(cr.Summary, "is incomplete (POST /v1/querybatch: HTTP 503); the bundled data of 2026-11-26 was used for the rest") {
		t.Errorf("degraded: %s/%s, summary:\n%s", cr.Status, cr.Conclusion, cr.Summary)
	}
}
