// Package osvtest is a fake of the OSV API (/v1/querybatch and
// /v1/vulns/{id}) for the tests of whatever asks it: the command line, the
// check run and the audit.
package osvtest

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

// Vuln is one PyPI advisory the fake knows.
type Vuln struct {
	ID      string
	Package string
	// Version, when set, is the only version querybatch names the advisory
	// for; empty, every version asked about.
	Version    string
	Introduced string // "0" when empty
	Fixed      string
	Severity   string // CRITICAL, HIGH …
	Aliases    []string
}

// Server is the fake; Down makes it answer every request with that
// status (0: up).
type Server struct {
	*httptest.Server
	Down atomic.Int32
	// Asked counts the requests it answered, failed ones included.
	Asked atomic.Int32
}

// New starts a fake knowing vulns, closed at the end of the test.
func New(t testing.TB, vulns ...Vuln) *Server {
	t.Helper()
	s := &Server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.Asked.Add(1)
		if status := s.Down.Load(); status != 0 {
			http.Error(w, "down", int(status))
			return
		}
		if r.URL.Path == "/v1/querybatch" {
			var body struct {
				Queries []struct {
					Package struct{ Name string }
					Version string
				}
			}
			if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			results := []map[string]any{}
			for _, q := range body.Queries {
				var ids []map[string]string
				for _, v := range vulns {
					if strings.EqualFold(v.Package, q.Package.Name) && (v.Version == "" || v.Version == q.Version) {
						ids = append(ids, map[string]string{"id": v.ID})
					}
				}
				if ids == nil {
					results = append(results, map[string]any{})
				} else {
					results = append(results, map[string]any{"vulns": ids})
				}
			}
			json.NewEncoder(w).Encode(map[string]any{"results": results})
			return
		}
		for _, v := range vulns {
			if r.URL.Path == "/v1/vulns/"+v.ID {
				introduced := v.Introduced
				if introduced == "" {
					introduced = "0"
				}
				json.NewEncoder(w).Encode(map[string]any{
					"id": v.ID, "aliases": v.Aliases, "database_specific": map[string]string{"severity": v.Severity},
					"affected": []map[string]any{{
						"package": map[string]string{"ecosystem": "PyPI", "name": v.Package},
						"ranges":  []map[string]any{{"type": "ECOSYSTEM", "events": []map[string]string{{"introduced": introduced}, {"fixed": v.Fixed}}}},
					}},
				})
				return
			}
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// Client is an osv.Client for the fake: quiet, and asking again at once
// after a failure.
func (s *Server) Client(t testing.TB) *osv.Client {
	t.Helper()
	c, err := osv.New(s.URL, osv.WithLogger(slog.New(slog.DiscardHandler)), osv.WithBackoff(0))
	if err != nil {
		t.Fatal(err)
	}
	return c
}
