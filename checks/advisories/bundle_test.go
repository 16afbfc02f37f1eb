package advisories_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/djsec/djsec/checks/advisories"
	"github.com/djsec/djsec/internal/advisorybuild"
)

// sharedDir is ../shared/advisories seen from the repository root.
var sharedDir = filepath.Join("..", "..", "..", "shared", "advisories")

// TestBundleMatchesShared rebuilds the bundle from ../shared/advisories and
// fails when the committed file says something else: the data changed and
// `go run ./scripts/buildadvisories` was not run.
func TestBundleMatchesShared(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat(filepath.Join(sharedDir, "django-series.json")); err != nil {
		t.Skipf("%s is absent (%v): the bundle is not compared with its source; a fresh clone builds from the committed bundle alone", sharedDir, err)
	}
	want, err := advisorybuild.Build(sharedDir)
	if err != nil {
		t.Fatal(err)
	}
	got, err := advisorybuild.Marshal(advisories.BundledData())
	if err != nil {
		t.Fatal(err)
	}
	b, err := advisorybuild.Read(sharedDir)
	if err != nil {
		t.Fatal(err)
	}
	wantGo, err := advisorybuild.GoSource(b)
	if err != nil {
		t.Fatal(err)
	}
	gotGo, err := os.ReadFile("bundle_data.go")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(got, want) && bytes.Equal(gotGo, wantGo) {
		return
	}
	var g, w advisories.Bundle
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatal(err)
	}
	t.Errorf("checks/advisories/bundle_data.go is out of date with %s: run `go run ./scripts/buildadvisories` from the repository root and commit the result", sharedDir)
	if g.Snapshot != w.Snapshot {
		t.Errorf("snapshot %s, source says %s", g.Snapshot, w.Snapshot)
	}
	if len(g.Records) != len(w.Records) {
		t.Errorf("%d records, source has %d", len(g.Records), len(w.Records))
	}
	for i := 0; i < len(g.Records) && i < len(w.Records); i++ {
		gr, _ := json.Marshal(g.Records[i])
		wr, _ := json.Marshal(w.Records[i])
		if !bytes.Equal(gr, wr) {
			t.Errorf("first differing record:\n bundle: %s\n source: %s", gr, wr)
			break
		}
	}
}

func TestBundledData(t *testing.T) {
	t.Parallel()
	db := advisories.Bundled()
	if got := advisories.SnapshotDate(); got != "2026-11-26" {
		t.Errorf("SnapshotDate = %q", got)
	}
	if n := len(db.Records("django")); n != 163 {
		t.Errorf("django has %d records, want 163 (116 PyPA + 47 archive)", n)
	}
	if n := len(db.Records("DJANGO")); n != 163 {
		t.Errorf("names are normalised: DJANGO gives %d records", n)
	}
	if n := len(db.Packages()); n != 22 {
		t.Errorf("%d packages, want 22: %v", n, db.Packages())
	}
	series := advisories.DjangoSeries()
	if len(series) != 10 || series[0].Series != "3.2" || series[9].Series != "6.2" || series[9].Confirmed || !series[7].Confirmed {
		t.Errorf("Django series table: %+v", series)
	}
	src := advisories.Sources()
	if len(src) != 4 || src[1].Date != "2024-10-10" || src[1].Commit == "" || src[3].Records != 8 {
		t.Errorf("sources: %+v", src)
	}
	if line := advisories.SourcesLine(); line != "Django security archive 2026-11-26, PyPA advisory database 2024-10-10, Django release series 2026-11-26, GitHub advisory database severities 2023-09-20" {
		t.Errorf("SourcesLine = %q", line)
	}
	// PyPA records without a rating take the CVSS of the reviewed
	// advisory of their CVE: PyYAML's code-execution issues are 9.8.
	for _, r := range db.Records("PyYAML") {
		if r.Severity != "critical" || !strings.Contains(r.SeverityBasis, "base score 9.8), from GHSA-") {
			t.Errorf("%s: severity %q (%s), want critical from its GHSA", r.ID, r.Severity, r.SeverityBasis)
		}
	}
}
