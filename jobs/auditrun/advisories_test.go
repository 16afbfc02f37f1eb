package auditrun_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/djsec/djsec/jobs/auditrun"
	"github.com/djsec/djsec/osv/osvtest"
)

// The audit asks the live advisory source about the branch's pins, and its
// records are judged like the bundled ones; when it fails, the audit goes
// on with the bundle.
func TestAuditUsesLiveAdvisories(t *testing.T) {
	t.Parallel()
	for _, down := range []bool{false, true} {
		e := newEnv(t)
		fake := osvtest.New(t, osvtest.Vuln{ID: "GHSA-live-0001", Package: "gunicorn", Fixed: "23.0.1",
			Severity: "CRITICAL", Aliases: []string{"CVE-2099-0001"}})
		if down {
			fake.Down.Store(http.StatusBadGateway)
		}
		live := fake.Client(t)
		var err error
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
