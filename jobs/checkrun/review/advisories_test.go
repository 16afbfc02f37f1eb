package review

import (
	"context"
	"strings"
	"testing"

	"github.com/djsec/djsec/checks"
	"github.com/djsec/djsec/checks/advisories"
)

// TestLiveAdvisories: live records reach both sides of the review through
// the same rule as the bundled ones (a new pin of an affected version is a
// new finding; a range is judged as before), the footer says live data was
// used, and a note about missing live data is shown without making the run
// neutral.
func TestLiveAdvisories(t *testing.T) {
	t.Parallel()
	live := []advisories.Record{{
		ID: "GHSA-live-0001", Aliases: []string{"CVE-2099-0001"}, Source: "osv", Severity: "critical",
		Affected: []advisories.Affected{{Package: "gunicorn", Ranges: [][]advisories.Event{{{Introduced: "23.0.0"}, {Fixed: "23.0.1"}}}}},
	}}
	const req = "requirements.txt"
	in := Input{
		Repo: "acme/shop", HeadSHA: "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432", WebURL: "https://github.com",
		Files: []ChangedFile{{Path: req, Status: "modified", Patch: "@@ -1,2 +1,2 @@\n Django==5.2.18\n-gunicorn==22.0.0\n+gunicorn==23.0.0\n"}},
		Head:  map[string][]byte{req: []byte("Django==5.2.18\ngunicorn==23.0.0\n")},
		Base:  map[string][]byte{req: []byte("Django==5.2.18\ngunicorn==22.0.0\n")},
		Now:   testNow,
	}
	bundled := Review(context.Background(), in)
	for _, f := range bundled.New {
		if f.Rule == "DJS1002" && strings.Contains(f.Message, "gunicorn") {
			t.Fatalf("the bundled data alone already flags gunicorn 23.0.0: %s", f.Message)
		}
	}
	if strings.Contains(bundled.Summary, "live OSV") {
		t.Errorf("summary claims live data without it:\n%s", bundled.Summary)
	}

	in.Advisories, in.AdvisorySource = live, "https://api.osv.dev"
	res := Review(context.Background(), in)
	var found *checks.Finding
	for i, f := range res.New {
		if f.Rule == "DJS1002" && strings.Contains(f.Message, "gunicorn 23.0.0") {
			found = &res.New[i]
		}
	}
	if found == nil || found.Severity != checks.Critical || !strings.Contains(found.Message, "CVE-2099-0001") {
		t.Fatalf("new findings %v; want a critical DJS1002 for gunicorn 23.0.0 naming CVE-2099-0001", brief(res.New))
	}
	if res.Conclusion != ConclusionFailure || !strings.Contains(res.Summary, "advisories `2026-11-26` + live OSV data") {
		t.Errorf("conclusion %s; summary:\n%s", res.Conclusion, res.Summary)
	}

	// The API failed: the bundle judged alone, the summary says so, and
	// the run is not neutral for it.
	in.Advisories, in.AdvisorySource = nil, ""
	in.AdvisoryNote = "live advisory data from https://api.osv.dev is incomplete (POST /v1/querybatch: HTTP 503); the bundled data of 2026-11-26 was used for the rest"
	res = Review(context.Background(), in)
	if res.Conclusion != ConclusionSuccess || len(res.Incomplete) != 0 || !strings.Contains(res.Summary, "> live advisory data from https://api.osv.dev is incomplete (POST /v1/querybatch: HTTP 503)") {
		t.Errorf("degraded: conclusion %s, incomplete %v; summary:\n%s", res.Conclusion, res.Incomplete, res.Summary)
	}
}
