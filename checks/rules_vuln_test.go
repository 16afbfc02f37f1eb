package checks

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/djsec/djsec/checks/advisories"
)

func TestVulnerableDependency(t *testing.T) {
	t.Parallel()
	req := func(s string) map[string]string { return map[string]string{"requirements.txt": s} }
	poetry := func(deps, lock string) map[string]string {
		return map[string]string{
			"pyproject.toml": "[tool.poetry.dependencies]\npython = \"^3.11\"\n" + deps,
			"poetry.lock":    lock,
		}
	}
	lockPkg := func(name, version string, extra string) string {
		return "[[package]]\nname = \"" + name + "\"\nversion = \"" + version + "\"\noptional = false\nfiles = []\n" + extra + "\n"
	}
	depsRunAll(t, "DJS1002", []depsCase{
		{name: "pinned Django with advisories", files: req("Django==5.2.6\n"),
			want: []string{"requirements.txt:1:1 high django"},
			msg:  "Django 5.2.6 has 38 known vulnerabilities (highest severity high): fixed in 5.2.7: CVE-2025-59681, CVE-2025-59682; fixed in 5.2.8: CVE-2025-64458"},
		{name: "one advisory, Django's own rating", files: req("Django==6.0.8\n"),
			want: []string{"requirements.txt:1:1 medium django"},
			msg:  "Django 6.0.8 has 4 known vulnerabilities (highest severity medium): fixed in 6.0.9: CVE-2026-77050, CVE-2026-84429, CVE-2026-87890, CVE-2026-87975. Upgrade to Django 6.0.9 or later, the first release that fixes all of them"},
		{name: "the upgrade is in a series past its end", files: req("django==4.2.29\n"),
			want: []string{"requirements.txt:1:1 medium django"},
			msg:  "Upgrade to Django 4.2.30 or later, the first release that fixes all of them; Django 4.2 LTS itself is past the end of security support (DJS1001), so plan a move to Django 6.1, 6.0 or 5.2 LTS"},
		{name: "CVSS rating of another package", files: req("urllib3==2.0.5\n"),
			want: []string{"requirements.txt:1:1 high urllib3"},
			msg:  "urllib3 2.0.5 has 2 known vulnerabilities (highest severity high): fixed in 2.0.6: CVE-2023-43804 (PYSEC-2023-192); fixed in 2.0.7: CVE-2023-45803 (PYSEC-2023-212). Upgrade to urllib3 2.0.7"},
		{name: "another package without a rating is medium", files: req("celery==5.2.1\n"),
			want: []string{"requirements.txt:1:1 medium celery"}, msg: "fixed in 5.2.2"},
		{name: "an unrated record takes the CVSS of its CVE's reviewed advisory", files: req("PyYAML==5.1\n"),
			want: []string{"requirements.txt:1:1 critical pyyaml"}, msg: "pyyaml 5.1 has 3 known vulnerabilities (highest severity critical)"},
		{name: "pinned by a constraints file", files: map[string]string{"requirements.txt": "Django\n-c constraints.txt\n", "constraints.txt": "Django==6.0.8\n"},
			want: []string{"requirements.txt:1:1 medium django"}},
		{name: "a lock wins over the manifest's range", files: poetry("Django = \"^6.0\"\n", lockPkg("Django", "6.0.8", "")),
			want: []string{"pyproject.toml:3:1 medium django"}, msg: "Django 6.0.8 (locked in poetry.lock) has 4 known"},
		{name: "a package only the lock lists", files: poetry("Django = \"^5.2\"\n", lockPkg("django", "5.2.18", "[package.dependencies]\nsqlparse = \">=0.3.1\"\n")+lockPkg("sqlparse", "0.4.3", "")),
			want: []string{"poetry.lock:10:1 medium sqlparse"}, msg: "sqlparse 0.4.3 (locked in poetry.lock) has a known vulnerability"},
		{name: "one package locked twice", files: map[string]string{
			"pyproject.toml": "[project]\ndependencies = [\"urllib3\"]\n",
			"uv.lock": "version = 1\n" + "[[package]]\nname = \"urllib3\"\nversion = \"2.0.5\"\nsource = { registry = \"https://pypi.org/simple\" }\n" +
				"[[package]]\nname = \"urllib3\"\nversion = \"1.26.16\"\nsource = { registry = \"https://pypi.org/simple\" }\n"},
			want: []string{"uv.lock:3:1 high urllib3==2.0.5", "uv.lock:7:1 high urllib3==1.26.16"}},
		{name: "range stopping below the fixes", files: req("Django>=6.0,<6.0.5\n"),
			want: []string{"requirements.txt:1:1 high django"},
			msg:  "Django>=6.0,<6.0.5 allows no release that fixes 19 known vulnerabilities (highest severity high), so every install gets a vulnerable version: fixed in 6.0.5: CVE-2026-35192"},
		{name: "range stopping below the fixes names the upgrade", files: req("sqlparse>=0.4,<0.4.4\n"),
			want: []string{"requirements.txt:1:1 medium sqlparse"}, msg: "Allow sqlparse 0.4.4 or later (raise the upper bound)"},
		{name: "PEP 621 range without a lock", files: map[string]string{"pyproject.toml": "[project]\ndependencies = [\n  \"sqlparse<0.4.4\",\n]\n"},
			want: []string{"pyproject.toml:3:4 medium sqlparse"}},
		{name: "input list of another project", files: map[string]string{
			"requirements.txt":                 "sqlparse==0.5.0\n",
			"services/legacy/requirements.txt": "sqlparse<0.4.4\n",
		}, want: []string{"services/legacy/requirements.txt:1:1 medium sqlparse"}},

		// Silent.
		{name: "fixed release", files: req("Django==5.2.18\nDjango==6.0.9\nurllib3==2.0.7\nsqlparse==0.4.4\n")},
		{name: "end-of-life series (DJS1001's finding)", files: req("Django==5.0.14\n")},
		{name: "pre-release the ranges do not cover", files: req("Django==6.1rc1\n")},
		{name: "package without advisories", files: req("django-environ==0.12.0\ngunicorn==23.0.0\n")},
		{name: "range excluding every affected release", files: req("Django>=5.2.18,<5.3\nurllib3>=2.0.7,<3\n")},
		// pip installs the newest release a range allows, and pip-audit
		// judges that one: older affected releases inside the range are
		// not what gets installed.
		{name: "range whose newest release is fixed", files: req("Django>=5.2,<5.3\nDjango>=6.0,<6.1\n")},
		{name: "no constraint, newest release fixed", files: req("pillow\nsqlparse>=0.4\n")},
		// An input list beside the file of exact pins compiled from it:
		// the pins are judged, the input stays silent.
		{name: "input list beside exact pins", files: map[string]string{
			"requirements-input.txt": "Django<6.0.5\nsqlparse<0.4.4\n",
			"requirements.txt":       "Django==6.0.9\nsqlparse==0.5.0\n",
		}},
		{name: "requirements folder beside a compiled file", files: map[string]string{
			"requirements/base.txt": "sqlparse<0.4.4\n",
			"requirements.txt":      "sqlparse==0.5.0\n",
		}},
		{name: "input list beside a lock of the same project", files: map[string]string{
			"requirements/base.txt": "sqlparse<0.4.4\n",
			"pyproject.toml":        "[project]\ndependencies = [\"sqlparse\"]\n",
			"uv.lock":               "version = 1\n[[package]]\nname = \"sqlparse\"\nversion = \"0.5.0\"\nsource = { registry = \"https://pypi.org/simple\" }\n",
		}},
		{name: "development manifest", files: map[string]string{"requirements-dev.txt": "Django==4.2.10\nsqlparse\n"}},
		{name: "development group", files: poetry("Django = \"^5.2\"\n[tool.poetry.group.dev.dependencies]\nsqlparse = \"0.4.3\"\n", lockPkg("django", "5.2.18", "")+lockPkg("sqlparse", "0.4.3", ""))},
		{name: "development-only lock entry", files: map[string]string{"Pipfile": "[packages]\ndjango = \"*\"\n",
			"Pipfile.lock": `{"default": {"django": {"version": "==5.2.18"}}, "develop": {"sqlparse": {"version": "==0.4.3"}}}`}},
		{name: "direct URL", files: req("Django @ https://example.com/Django-4.2.10.tar.gz\n")},
		{name: "git source in a lock", files: poetry("Django = \"^5.2\"\n", lockPkg("django", "5.2.18", "")+lockPkg("sqlparse", "0.4.3", "[package.source]\ntype = \"git\"\nurl = \"https://x.test/sqlparse.git\"\n"))},
		{name: "version djsec cannot read", files: req("Django===4.2.10-custom\n")},
		{name: "manifest whose lock lacks the package", files: poetry("sqlparse = \">=0.4\"\n", lockPkg("django", "5.2.18", ""))},
		{name: "unreadable Poetry union", files: map[string]string{"pyproject.toml": "[tool.poetry.dependencies]\nsqlparse = \"^0.3 || ^0.4\"\n"}},
		{name: "suppressed on the line", files: req("Django==6.0.8  # djsec: ignore[DJS1002] patched in our fork\n")},
	})
}

// TestVulnerableDependencyLiveRecords: records from a live source count
// alongside the bundled ones, merged with them where they share an alias.
func TestVulnerableDependencyLiveRecords(t *testing.T) {
	t.Parallel()
	live := []advisories.Record{
		{ID: "GHSA-live-1", Aliases: []string{"CVE-2099-1"}, Source: "osv", Severity: "low",
			Affected: []advisories.Affected{{Package: "tinypkg", Ranges: [][]advisories.Event{{{Introduced: "0"}, {Fixed: "1.1"}}}}}},
		{ID: "GHSA-dup", Aliases: []string{"CVE-2026-77050"}, Source: "osv",
			Affected: []advisories.Affected{{Package: "django", Ranges: [][]advisories.Event{{{Introduced: "6.0"}, {Fixed: "6.0.9"}}}}}},
	}
	res := Analyze(context.Background(), Input{
		Files:      map[string][]byte{"requirements.txt": []byte("tinypkg==1.0\nDjango==6.0.8\nranged-tiny>=0\n")},
		Now:        time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC),
		Advisories: live,
	})
	fs := findingsOf(res, "DJS1002")
	if len(fs) != 2 {
		t.Fatalf("got %d findings: %s", len(fs), ruleIDs(res))
	}
	if fs[0].Key != "tinypkg" || fs[0].Severity != Low || !strings.Contains(fs[0].Message, "fixed in 1.1: CVE-2099-1 (GHSA-live-1)") {
		t.Errorf("live record: %s %s", fs[0].Severity, fs[0].Message)
	}
	// The live record of a bundled advisory is the same advisory: counted
	// once, under its CVE, with the live ID beside it.
	if !strings.Contains(fs[1].Message, "has 4 known vulnerabilities") || !strings.Contains(fs[1].Message, "CVE-2026-77050 (GHSA-dup)") {
		t.Errorf("live duplicate of a bundled advisory: %s", fs[1].Message)
	}
}

// TestDjango4210DoneWhen is issue 8's done-when check: auditing a project
// pinning Django==4.2.10 names the end of life and every CVE fixed after
// 4.2.10 with the 4.2 release that fixed it.
func TestDjango4210DoneWhen(t *testing.T) {
	t.Parallel()
	res := analyzeFiles(t, map[string]string{"requirements.txt": "Django==4.2.10\n"})
	eol := findingsOf(res, "DJS1001")
	if len(eol) != 1 || !strings.Contains(eol[0].Message, "security support for Django 4.2 LTS ended on 2026-04-07") {
		t.Errorf("DJS1001: %s", examplesDescribe(eol))
	}
	vuln := findingsOf(res, "DJS1002")
	if len(vuln) != 1 || vuln[0].Severity != High {
		t.Fatalf("DJS1002: %s", examplesDescribe(vuln))
	}
	msg := vuln[0].Message
	for _, want := range []string{
		"Django 4.2.10 has 37 known vulnerabilities",
		"fixed in 4.2.11: CVE-2024-27351 (PYSEC-2024-47)",
		"fixed in 4.2.16: CVE-2024-45230 (PYSEC-2024-102), CVE-2024-45231;",
		"fixed in 4.2.23: CVE-2025-48432;",
		"fixed in 4.2.30: CVE-2026-33033, CVE-2026-33034, CVE-2026-3902, CVE-2026-4277, CVE-2026-4292.",
		"Upgrade to Django 4.2.30 or later",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
	if n := strings.Count(msg, "CVE-"); n != 37 {
		t.Errorf("message names %d CVEs, want 37", n)
	}
}

func TestPinnedDependencies(t *testing.T) {
	t.Parallel()
	in := Input{Files: map[string][]byte{
		"requirements.txt":        []byte("Django==5.2.8\nrequests>=2\n-r more.pip\n"),
		"more.pip":                []byte("Django==5.2.8\nsix==1.16.0\n"),
		"requirements-dev.txt":    []byte("pytest==8.0.0\n"),
		"app/Pipfile":             []byte("[packages]\ndjango = \"*\"\n"),
		"app/Pipfile.lock":        []byte(`{"default": {"django": {"version": "==4.2.10"}, "asgiref": {"version": "==3.7.2"}}, "develop": {"pytest": {"version": "==8.0.0"}}}`),
		"vendor/requirements.txt": []byte("Django==1.0\n"),
	}, Config: &Config{IgnorePaths: []string{"vendor/**"}}}
	var got []string
	for _, d := range PinnedDependencies(in) {
		got = append(got, d.Name+"=="+d.Version)
	}
	if want := "django==4.2.10 django==5.2.8 six==1.16.0 asgiref==3.7.2"; strings.Join(got, " ") != want {
		t.Errorf("PinnedDependencies = %v, want %s", got, want)
	}
}

// BenchmarkVulnerableDependency500 analyzes a requirements file of 500
// pins, a fifth of them packages with advisories (Django at many versions
// among them): parsing, matching and the messages, end to end.
//
//	go test ./checks -run '^$' -bench VulnerableDependency500 -benchmem
func BenchmarkVulnerableDependency500(b *testing.B) {
	var src strings.Builder
	pkgs := advisories.Bundled().Packages()
	for i := range 500 {
		switch {
		case i%5 == 0:
			src.WriteString("django==" + itoa(3+i%4) + "." + itoa(i%3) + "." + itoa(i%31) + "\n")
		case i%5 == 1:
			src.WriteString(pkgs[i%len(pkgs)] + "==" + itoa(i%12) + "." + itoa(i%7) + "\n")
		default:
			src.WriteString("package-" + itoa(i) + "==1.0." + itoa(i) + "\n")
		}
	}
	in := Input{Files: map[string][]byte{"requirements.txt": []byte(src.String())}, Now: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC), Audit: true}
	b.ReportAllocs()
	for b.Loop() {
		if res := Analyze(context.Background(), in); len(findingsOf(res, "DJS1002")) == 0 {
			b.Fatal("no DJS1002 finding")
		}
	}
}
