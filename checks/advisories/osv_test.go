package advisories_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/djsec/djsec/checks/advisories"
)

func TestCVSSScores(t *testing.T) {
	t.Parallel()
	tests := []struct {
		vector string
		v2     bool
		score  float64
		level  string
	}{
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", false, 7.5, "high"},
		{"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N", false, 8.1, "high"},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", false, 6.1, "medium"},
		{"CVSS:3.1/AV:A/AC:H/PR:H/UI:N/S:U/C:H/I:N/A:N", false, 4.2, "medium"},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:L/A:N", false, 5.3, "medium"},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", false, 9.8, "critical"},
		{"CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", false, 10.0, "critical"},
		{"CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", false, 1.6, "low"},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", false, 0, "low"},
		{"AV:N/AC:L/Au:N/C:P/I:P/A:P", true, 7.5, "high"},
		{"AV:N/AC:M/Au:N/C:N/I:P/A:N", true, 4.3, "medium"},
		{"(AV:L/AC:L/Au:N/C:C/I:C/A:C)", true, 7.2, "high"},
	}
	for _, tc := range tests {
		var got float64
		var err error
		if tc.v2 {
			got, err = advisories.CVSS2Score(tc.vector)
		} else {
			got, err = advisories.CVSS3Score(tc.vector)
		}
		if err != nil || got != tc.score || advisories.ScoreLevel(got) != tc.level {
			t.Errorf("%s = %.1f (%s), %v; want %.1f (%s)", tc.vector, got, advisories.ScoreLevel(got), err, tc.score, tc.level)
		}
	}
	for _, bad := range []string{"", "CVSS:3.1/AV:N", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"} {
		if _, err := advisories.CVSS3Score(bad); err == nil {
			t.Errorf("CVSS3Score(%q) accepted", bad)
		}
	}
}

func TestSeverityOf(t *testing.T) {
	t.Parallel()
	v3 := []advisories.OSVSeverity{{Type: "CVSS_V3", Score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}}
	tests := []struct {
		name  string
		o     advisories.OSV
		level string
	}{
		{"Django's own rating wins", advisories.OSV{Severity: v3, DatabaseSpecific: map[string]any{"django_severity": "moderate"}}, "medium"},
		{"CVSS v3", advisories.OSV{Severity: v3, DatabaseSpecific: map[string]any{"severity": "LOW"}}, "high"},
		{"CVSS on the affected package", advisories.OSV{Affected: []advisories.OSVAffected{{Severity: v3}}}, "high"},
		{"v4 only falls through to GitHub's word", advisories.OSV{Severity: []advisories.OSVSeverity{{Type: "CVSS_V4", Score: "CVSS:4.0/AV:N"}}, DatabaseSpecific: map[string]any{"severity": "MODERATE"}}, "medium"},
		{"nothing", advisories.OSV{}, ""},
		{"unknown word", advisories.OSV{DatabaseSpecific: map[string]any{"django_severity": "severe"}}, ""},
	}
	for _, tc := range tests {
		if got, _ := advisories.SeverityOf(tc.o); got != tc.level {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.level)
		}
	}
}

func TestFromOSV(t *testing.T) {
	t.Parallel()
	const src = `{
  "id": "GHSA-abcd", "modified": "2025-01-02T03:04:05Z", "published": "2024-12-01T00:00:00Z",
  "aliases": ["CVE-2024-9", ""],
  "details": "Django_Thing before 1.2.3 lets attackers in. More text follows here.",
  "affected": [
    {"package": {"ecosystem": "PyPI", "name": "Django_Thing"},
     "ranges": [
       {"type": "GIT", "repo": "https://x.test/r", "events": [{"introduced": "0"}, {"fixed": "abc123"}]},
       {"type": "ECOSYSTEM", "events": [{"introduced": "1.0"}, {"fixed": "1.2.3"}]}],
     "versions": ["1.0", "1.2.2", "0.9rc1", "0.9rc1"]},
    {"package": {"ecosystem": "npm", "name": "thing"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}]}
  ],
  "references": [{"type": "WEB", "url": "https://w.test"}, {"type": "ADVISORY", "url": "https://a.test"}]
}`
	var o advisories.OSV
	if err := json.Unmarshal([]byte(src), &o); err != nil {
		t.Fatal(err)
	}
	r, ok := advisories.FromOSV(o, "osv")
	if !ok {
		t.Fatal("not converted")
	}
	got, _ := json.Marshal(r)
	want := `{"id":"GHSA-abcd","aliases":["CVE-2024-9"],"source":"osv","published":"2024-12-01","modified":"2025-01-02",` +
		`"summary":"Django_Thing before 1.2.3 lets attackers in.","url":"https://a.test",` +
		`"affected":[{"package":"django-thing","ranges":[[{"introduced":"1.0"},{"fixed":"1.2.3"}]],"versions":["0.9rc1"]}]}`
	if string(got) != want {
		t.Errorf("FromOSV:\n got %s\nwant %s", got, want)
	}
	if r.Name() != "CVE-2024-9" {
		t.Errorf("Name = %s", r.Name())
	}
	o.Withdrawn = "2025-02-01T00:00:00Z"
	if _, ok := advisories.FromOSV(o, "osv"); ok {
		t.Error("a withdrawn record was kept")
	}
	if _, ok := advisories.FromOSV(advisories.OSV{ID: "X", Affected: []advisories.OSVAffected{{Package: advisories.OSVPackage{Ecosystem: "PyPI", Name: "p"},
		Ranges: []advisories.OSVRange{{Type: "GIT", Events: []advisories.OSVEvent{{Introduced: "0"}}}}}}}, "osv"); ok {
		t.Error("a record with only a GIT range was kept")
	}
	long := advisories.OSV{ID: "L", Summary: strings.Repeat("word ", 100), Affected: []advisories.OSVAffected{{Package: advisories.OSVPackage{Ecosystem: "PyPI", Name: "p"}, Versions: []string{"1"}}}}
	if r, _ := advisories.FromOSV(long, "osv"); len(r.Summary) > 244 || !strings.HasSuffix(r.Summary, "…") {
		t.Errorf("long summary kept whole: %d bytes", len(r.Summary))
	}
}
