package checkrun_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/djsec/djsec/osv/osvtest"
)

// gunicornVuln is one critical advisory for gunicorn 23.0.0, fixed in
// 23.0.1.
var gunicornVuln = osvtest.Vuln{ID: "GHSA-live-0001", Package: "gunicorn", Version: "23.0.0",
	Introduced: "23.0.0", Fixed: "23.0.1", Severity: "CRITICAL", Aliases: []string{"CVE-2099-0001"}}

// A pull request that pins a version the live OSV data knows to be
// vulnerable fails on that finding; when the API is down, the run is
// judged on the bundled data and its summary says so.
func TestLiveAdvisoriesInTheCheckRun(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{advisories: osvtest.New(t, gunicornVuln).Client(t)})
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
	down := osvtest.New(t, gunicornVuln)
	down.Down.Store(http.StatusServiceUnavailable)
	e = newEnv(t, envOptions{advisories: down.Client(t)})
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
