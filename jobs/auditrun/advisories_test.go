package auditrun_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/djsec/djsec/jobs/auditrun"
	"github.com/djsec/djsec/osv"
)

// The audit asks the live advisory source about the branch's pins, and its
// records are judged like the bundled ones; when it fails, the audit goes
// on with the bundle.
func TestAuditUsesLiveAdvisories(t *testing.T) {
	t.Parallel()
	for _, down := range []bool{false, true} {
		e := newEnv(t)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if down {
				http.Error(w, "down", http.StatusBadGateway)
				return
			}
			switch r.URL.Path {
			case "/v1/querybatch":
				var body struct {
					Queries []struct{ Package struct{ Name string } }
				}
				json.NewDecoder(r.Body).Decode(&body)
				results := []map[string]any{}
				for _, q := range body.Queries {
					if q.Package.Name == "gunicorn" {
						results = append(results, map[string]any{"vulns": []map[string]string{{"id": "GHSA-live-0001"}}})
					} else {
						results = append(results, map[string]any{})
					}
				}
				json.NewEncoder(w).Encode(map[string]any{"results": results})
			case "/v1/vulns/GHSA-live-0001":
				w.Write([]byte(`{"id": "GHSA-live-0001", "aliases": ["CVE-2099-0001"], "database_specific": {"severity": "CRITICAL"},
					"affected": [{"package": {"ecosystem": "PyPI", "name": "gunicorn"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "23.0.1"}]}]}]}`))
			default:
				http.NotFound(w, r)
			}
		}))
		defer srv.Close()
		live, err := osv.New(srv.URL, osv.WithLogger(slog.New(slog.DiscardHandler)))
		if err != nil {
			t.Fatal(err)
		}
		if e.runner, err = auditrun.New(auditrun.Options{Clients: e.clients, DB: e.db, RulesVersion: "test", Now: e.now, Advisories: live}); err != nil {
			t.Fatal(err)
		}
		e.runner.UseQueue(e.queue)
		files := example(t, "startproject")
		files["requirements.txt"] = "Django==5.2.18\ngunicorn==23.0.0\n"
		e.repo.Commit("main", files)
		e.audit(false)
		body := e.only().Body
		if got := strings.Contains(body, "CVE-2099-0001"); got == down {
			t.Errorf("API down %v: the live advisory in the issue = %v:\n%s", down, got, body)
		}
		if down && !strings.Contains(e.logs.String(), "HTTP 502); the bundled data of") {
			t.Errorf("no note in the log:\n%s", e.logs.String())
		}
	}
}
