package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/djsec/djsec/osv"
	"github.com/djsec/djsec/osv/osvtest"
)

func TestAdvisoriesList(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := botRun(t, "advisories", "list", "Gunicorn")
	if code != exitOK || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	for _, want := range []string{
		"gunicorn: 1 advisory, newest first (advisory data of 2026-11-26: Django security archive 2026-11-26, PyPA advisory database 2024-10-10",
		"CVE-2018-1000164 (PYSEC-2018-55, GHSA-32pc-xphx-q4f6)  unrated  2018-04-18",
		"  affected: <19.5.0\n",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}

	code, stdout, _ = botRun(t, "advisories", "list", "--format", "json", "django")
	var doc struct {
		Package    string
		Snapshot   string
		Advisories []struct {
			ID       string
			Severity string
			Versions []string `json:"affected_versions"`
		}
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil || code != exitOK {
		t.Fatalf("json: exit %d, %v", code, err)
	}
	if doc.Package != "django" || doc.Snapshot != "2026-11-26" || len(doc.Advisories) != 163 {
		t.Errorf("json: %s, %s, %d advisories", doc.Package, doc.Snapshot, len(doc.Advisories))
	}
	if a := doc.Advisories[0]; a.ID != "CVE-2026-87975" || a.Severity != "medium" || strings.Join(a.Versions, " ") != ">=5.2,<5.2.18 >=6.0,<6.0.9 >=6.1,<6.1.2" {
		t.Errorf("newest advisory: %+v", a)
	}

	code, stdout, _ = botRun(t, "advisories", "list", "django-environ")
	if code != exitOK || !strings.Contains(stdout, "django-environ: no advisory in the bundled data") || !strings.Contains(stdout, "No record is no proof") {
		t.Errorf("unknown package: exit %d\n%s", code, stdout)
	}
}

func TestAdvisoriesUsage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		code int
		err  string
	}{
		{nil, exitUsage, ""},
		{[]string{"list"}, exitUsage, "want one PACKAGE"},
		{[]string{"list", "a", "b"}, exitUsage, "want one PACKAGE"},
		{[]string{"list", "--format", "xml", "django"}, exitUsage, `unknown --format "xml"`},
		{[]string{"frobnicate"}, exitUsage, `unknown subcommand "frobnicate"`},
		{[]string{"check", "--format", "xml"}, exitUsage, `unknown --format "xml"`},
		{[]string{"check", "/nonexistent/djsec"}, exitUsage, "cannot read"},
		{[]string{"-h"}, exitOK, ""},
	} {
		code, _, stderr := botRun(t, append([]string{"advisories"}, tc.args...)...)
		if code != tc.code || !strings.Contains(stderr, tc.err) {
			t.Errorf("advisories %v: exit %d, stderr %q; want %d and %q", tc.args, code, stderr, tc.code, tc.err)
		}
	}
}

// TestAdvisoriesCheck reports only the dependency rules, and judges lock
// files the walker read.
func TestAdvisoriesCheck(t *testing.T) {
	t.Parallel()
	dir := botTree(t, map[string]string{
		"mysite/settings.py": "DEBUG = True\nSECRET_KEY = \"x\"\n",
		"requirements.txt":   "Django==5.2.18\ngunicorn==23.0.0\n",
		"api/pyproject.toml": "[tool.poetry.dependencies]\npython = \"^3.11\"\ndjango = \"^5.2\"\n",
		"api/poetry.lock": "[[package]]\nname = \"django\"\nversion = \"5.2.6\"\n\n[package.dependencies]\nsqlparse = \">=0.3\"\n\n" +
			"[[package]]\nname = \"sqlparse\"\nversion = \"0.4.3\"\n",
	})
	code, stdout, stderr := botRun(t, "advisories", "check", dir)
	if code != exitFindings || stderr != "" {
		t.Errorf("exit %d, stderr %q; want 1 and nothing", code, stderr)
	}
	for _, want := range []string{
		"api/pyproject.toml:3:1: high DJS1002 vulnerable-dependency: Django 5.2.6 (locked in api/poetry.lock) has 38 known vulnerabilities",
		"api/poetry.lock:9:1: medium DJS1002 vulnerable-dependency: sqlparse 0.4.3 (locked in api/poetry.lock) has a known vulnerability",
		"2 findings (1 high, 1 medium), 3 files\nadvisory data of 2026-11-26 (",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "DJS101") || strings.Contains(stdout, "settings.py") {
		t.Errorf("settings findings in a dependency check:\n%s", stdout)
	}
	if code, _, _ := botRun(t, "advisories", "check", "--fail-on", "never", dir); code != exitOK {
		t.Errorf("--fail-on never: exit %d", code)
	}
}

// TestAuditReadsLargeLockFiles: lock files up to 4 MiB are read (a
// manifest's limit is 1 MiB); a bigger one is an error entry and the rest
// of the project is still audited.
func TestAuditReadsLargeLockFiles(t *testing.T) {
	t.Parallel()
	entry := "[[package]]\nname = \"pkg-%d\"\nversion = \"1.0\"\nfiles = [\n" + strings.Repeat("    {file = \"pkg-1.0-py3-none-any.whl\", hash = \"sha256:0000000000000000000000000000000000000000000000000000000000000000\"},\n", 20) + "]\n\n"
	var big strings.Builder
	for i := 0; big.Len() < 2<<20; i++ {
		big.WriteString(strings.Replace(entry, "%d", itoa(i), 1))
	}
	big.WriteString("[[package]]\nname = \"sqlparse\"\nversion = \"0.4.3\"\n")
	dir := botTree(t, map[string]string{
		"requirements.txt":    "gunicorn==23.0.0\nDjango==4.2.10\n",
		"app/pyproject.toml":  "[project]\ndependencies = [\"sqlparse\"]\n",
		"app/poetry.lock":     big.String(),
		"huge/pyproject.toml": "[project]\ndependencies = [\"sqlparse<0.4.4\"]\n",
		"huge/uv.lock":        strings.Repeat("# padding\n", 10<<20/10),
	})
	code, stdout, _ := botRun(t, "advisories", "check", "--format", "json", dir)
	var res struct {
		Findings []struct{ Rule, Path, Message string }
		Errors   []struct{ Path, Message string }
	}
	if err := json.Unmarshal([]byte(stdout), &res); err != nil || code != exitFindings {
		t.Fatalf("exit %d, %v\n%s", code, err, stdout)
	}
	var got []string
	for _, f := range res.Findings {
		got = append(got, f.Rule+" "+f.Path+" "+strings.Fields(f.Message)[0])
	}
	if want := "DJS1002 app/pyproject.toml sqlparse DJS1002 huge/pyproject.toml sqlparse<0.4.4 DJS1001 requirements.txt Django DJS1002 requirements.txt Django"; strings.Join(got, " ") != want {
		t.Errorf("findings %v\nwant %s", got, want)
	}
	if len(res.Errors) != 1 || res.Errors[0].Path != "huge/uv.lock" || !strings.Contains(res.Errors[0].Message, "larger than 4 MiB (10.0 MiB)") {
		t.Errorf("errors %+v", res.Errors)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// TestVersionShowsAdvisoryData: `bot version` names the bundled data's date.
func TestVersionShowsAdvisoryData(t *testing.T) {
	t.Parallel()
	code, stdout, _ := botRun(t, "version")
	if code != exitOK || !strings.Contains(stdout, "\nadvisory data 2026-11-26 (Django security archive 2026-11-26, PyPA advisory database 2024-10-10, Django release series 2026-11-26, GitHub advisory database severities 2023-09-20)\n") {
		t.Errorf("version: exit %d\n%s", code, stdout)
	}
}

// TestAuditDjango4210Golden is issue 8's done-when check through the
// binary: `bot audit` on examples/eol-django (Django==4.2.10) names the
// end of support and every CVE fixed after 4.2.10 with its 4.2 release.
// Not parallel: it pins the audit date. Rewrite the golden with
// `go test ./cmd/bot -update` and review the diff.
func TestAuditDjango4210Golden(t *testing.T) {
	defer func(old func() time.Time) { auditNow = old }(auditNow)
	auditNow = func() time.Time { return time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC) }
	root := filepath.Join("..", "..", "examples", "eol-django")
	code, stdout, stderr := botRun(t, "audit", root)
	if code != exitFindings || stderr != "" {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	file := filepath.Join("testdata", "audit-eol-django.text.golden")
	if *update {
		if err := os.WriteFile(file, []byte(stdout), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run `go test ./cmd/bot -update` to create it)", err)
	}
	if !bytes.Equal([]byte(stdout), want) {
		t.Errorf("output differs from %s (run `go test ./cmd/bot -update` and review the diff):\n--- got\n%s\n--- want\n%s", file, stdout, want)
	}
}

// TestAuditLiveAdvisories: offline by default; with --online (or
// OSV_API_URL naming an API) audits add the live records, judged by the
// same rule; when the API fails, a note says the bundled data was used and
// the audit goes on; OSV_API_URL=off and --online contradict each other.
// Not parallel: it sets the environment and swaps the process's client.
func TestAuditLiveAdvisories(t *testing.T) {
	srv := osvtest.New(t, osvtest.Vuln{ID: "GHSA-live-gunicorn", Package: "gunicorn", Fixed: "23.0.1",
		Severity: "CRITICAL", Aliases: []string{"CVE-2099-0001"}})
	client := srv.Client(t)
	defer func(old func() (*osv.Client, error)) { sharedLiveClient = old }(sharedLiveClient)
	sharedLiveClient = func() (*osv.Client, error) { return client, nil }
	const want = "critical DJS1002 vulnerable-dependency: gunicorn 23.0.0 has a known vulnerability (highest severity critical): fixed in 23.0.1: CVE-2099-0001 (GHSA-live-gunicorn)"
	// gunicorn 23.0.0 is pinned, and 22.0.0 only allowed by a range: the
	// live record affects both, but only the pin is judged by version.
	dir := botTree(t, map[string]string{"requirements.txt": "Django==5.2.18\ngunicorn==23.0.0\n", "other/requirements.txt": "Django==5.2.18\ngunicorn>=22.0\n"})

	// Offline by default, so pre-commit stays hermetic.
	t.Setenv(osv.EnvURL, "")
	code, stdout, stderr := botRun(t, "advisories", "check", dir)
	if srv.Asked.Load() != 0 || strings.Contains(stdout, "GHSA-live") || stderr != "" {
		t.Errorf("offline: %d requests, exit %d, stderr %q\n%s", srv.Asked.Load(), code, stderr, stdout)
	}

	code, stdout, stderr = botRun(t, "advisories", "check", "--online", dir)
	if code != exitFindings || stderr != "" || !strings.Contains(stdout, want) || strings.Count(stdout, "GHSA-live") != 1 {
		t.Errorf("--online: exit %d, stderr %q\n%s", code, stderr, stdout)
	}
	// A URL in OSV_API_URL (a mirror) is a choice to go online too.
	t.Setenv(osv.EnvURL, srv.URL)
	if code, stdout, _ = botRun(t, "audit", dir); code != exitFindings || !strings.Contains(stdout, want) {
		t.Errorf("%s=URL: exit %d\n%s", osv.EnvURL, code, stdout)
	}

	t.Setenv(osv.EnvURL, "off")
	if code, _, stderr = botRun(t, "audit", "--online", dir); code != exitUsage || stderr != "bot: audit: --online asks the OSV API, but OSV_API_URL=off turns it off\n" {
		t.Errorf("off and --online: exit %d, stderr %q", code, stderr)
	}

	srv.Down.Store(http.StatusBadGateway)
	client2 := srv.Client(t) // a fresh cache
	sharedLiveClient = func() (*osv.Client, error) { return client2, nil }
	t.Setenv(osv.EnvURL, "")
	code, stdout, stderr = botRun(t, "audit", "--online", "--fail-on", "high", dir)
	if code != exitOK || !strings.Contains(stderr, "bot: note: live advisory data from "+srv.URL+" is incomplete (POST /v1/querybatch: HTTP 502); the bundled data of 2026-11-26 was used for the rest") {
		t.Errorf("degraded: exit %d, stderr %q\n%s", code, stderr, stdout)
	}
}
