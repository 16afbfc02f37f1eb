package checks

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// examplesDir is the repository's examples/ folder, seen from checks/.
const examplesDir = "../examples"

// examplesLoad reads a project under examples/ the way `bot audit` sees it:
// every file Relevant accepts, keyed by its slash path relative to root.
func examplesLoad(tb testing.TB, root string) map[string][]byte {
	tb.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel != "." && SkippedDir(d.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		if !AuditRelevant(rel) {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files[rel] = data
		return nil
	})
	if err != nil {
		tb.Fatalf("reading %s: %v", root, err)
	}
	if len(files) == 0 {
		tb.Fatalf("no files under %s", root)
	}
	return files
}

// examplesAnalyze audits one example project as `bot audit` would.
func examplesAnalyze(tb testing.TB, name string) *Result {
	tb.Helper()
	in := Input{
		Files: examplesLoad(tb, filepath.Join(examplesDir, name)),
		Now:   time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC),
		Audit: true,
	}
	return Analyze(context.Background(), in)
}

func examplesDescribe(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString("\n\t" + f.Path + ":" + itoa(f.Line) + ": " + f.Severity.String() + " " + f.Rule + " " + f.Slug + ": " + f.Message)
	}
	return b.String()
}

func TestExampleHardenedHasNothingAtMediumOrAbove(t *testing.T) {
	t.Parallel()
	res := examplesAnalyze(t, "hardened")
	var bad []Finding
	for _, f := range res.Findings {
		if !f.Suppressed && f.Severity >= Medium {
			bad = append(bad, f)
		}
	}
	if len(bad) > 0 {
		t.Errorf("examples/hardened must have no finding at medium or above; got:%s", examplesDescribe(bad))
	}
	if len(res.Errors) > 0 {
		t.Errorf("examples/hardened: file errors %v", res.Errors)
	}
	for _, f := range res.Findings {
		if f.Suppressed {
			t.Errorf("examples/hardened must not need suppressions: %s", examplesDescribe([]Finding{f}))
		}
	}
}

// The startproject example is what `django-admin startproject` writes;
// `manage.py check --deploy` on it reports W004 W008 W009 W012 W016 W018
// W020 (DJANGO_FACTS.md §1.5), so djsec must report the same IDs, plus its
// own rules for the literal key.
func TestExampleStartprojectMatchesCheckDeploy(t *testing.T) {
	t.Parallel()
	res := examplesAnalyze(t, "startproject")
	want := map[string]string{ // rule → django_check
		// The literal key is hardcoded and weak: one finding (DJS101
		// taking DJS103 in) that carries Django's W009.
		"DJS101": "security.W009",
		"DJS103": "security.W009",
		"DJS201": "security.W018",
		"DJS203": "security.W020",
		"DJS402": "security.W008",
		"DJS403": "security.W004",
		"DJS406": "security.W012",
		"DJS408": "security.W016",
	}
	for rule, dj := range want {
		fs := findingsOf(res, rule)
		if len(fs) != 1 {
			t.Errorf("%s: got %d findings, want 1; all: %s", rule, len(fs), ruleIDs(res))
			continue
		}
		f := fs[0]
		if f.Path != "mysite/settings.py" {
			t.Errorf("%s reported on %s, want mysite/settings.py", rule, f.Path)
		}
		if f.DjangoCheck != dj {
			t.Errorf("%s django_check = %q, want %q", rule, f.DjangoCheck, dj)
		}
	}
	// Every Django ID djsec reports must be one check --deploy reports.
	deploy := map[string]bool{}
	for _, id := range want {
		if id != "" {
			deploy[id] = true
		}
	}
	for _, f := range res.Findings {
		if f.DjangoCheck != "" && !deploy[f.DjangoCheck] {
			t.Errorf("%s carries %s, which check --deploy does not report on startproject", f.Rule, f.DjangoCheck)
		}
	}
	if len(res.Errors) > 0 {
		t.Errorf("file errors %v", res.Errors)
	}
}

// In the split-settings example production.py (named by wsgi.py) keeps its
// full severities while dev.py (named by manage.py) is a development module:
// DEBUG = True and a throwaway key are expected there and not reported.
func TestExampleSplitSettingsRoles(t *testing.T) {
	t.Parallel()
	res := examplesAnalyze(t, "split-settings")
	const prod, dev = "mysite/settings/production.py", "mysite/settings/dev.py"
	var prodFull bool
	for _, f := range res.Findings {
		switch f.Path {
		case dev:
			t.Errorf("finding on the development module: %s", examplesDescribe([]Finding{f}))
		case prod:
			if r, ok := LookupRule(f.Rule); ok && f.Severity >= r.Severity && f.Severity >= High {
				prodFull = true
			}
		}
	}
	if !prodFull {
		t.Errorf("expected a full-severity finding on %s; got: %s", prod, ruleIDs(res))
	}
	roles := map[string]string{}
	for _, m := range res.Modules {
		roles[m.Path] = m.Role + " (" + m.Why + ")"
	}
	for p, want := range map[string]string{
		prod:                      "production (named by mysite/asgi.py, mysite/wsgi.py)",
		dev:                       "development (its name says development; named by manage.py)",
		"mysite/settings/base.py": "production (imported by " + prod + ")",
	} {
		if roles[p] != want {
			t.Errorf("%s: %q, want %q", p, roles[p], want)
		}
	}
	// The wildcard host is production's own mistake, at the rule's severity.
	wild := findingsOf(res, "DJS202")
	if len(wild) != 1 || wild[0].Path != prod || wild[0].Severity != High {
		t.Errorf("DJS202 on production.py at high: got%s", examplesDescribe(wild))
	}
	// DEBUG = True and the literal key live only in dev.py: not reported.
	for _, rule := range []string{"DJS101", "DJS201"} {
		if fs := findingsOf(res, rule); len(fs) > 0 {
			t.Errorf("%s: want nothing, dev.py is development:%s", rule, examplesDescribe(fs))
		}
	}
	// HSTS is on but for an hour: medium on production.py, not high.
	hsts := findingsOf(res, "DJS403")
	if len(hsts) != 1 || hsts[0].Path != prod || hsts[0].Severity != Medium {
		t.Errorf("DJS403 on production.py at medium: got%s", examplesDescribe(hsts))
	}
}

// The env-config examples read everything from the environment; the
// production view takes each default, so the unsafe defaults are reported
// and the safe ones are not.
func TestExampleEnvConfig(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		fire   []string
		silent []string
	}{
		{
			name:   "env-config/decouple",
			fire:   []string{"DJS201", "DJS206"},
			silent: []string{"DJS101", "DJS102", "DJS203", "DJS402", "DJS403", "DJS406", "DJS106"},
		},
		{
			name:   "env-config/environ",
			fire:   []string{"DJS102", "DJS403"},
			silent: []string{"DJS101", "DJS201", "DJS402", "DJS406", "DJS408", "DJS106", "DJS701"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			res := examplesAnalyze(t, c.name)
			for _, rule := range c.fire {
				if len(findingsOf(res, rule)) == 0 {
					t.Errorf("%s should fire; got: %s", rule, ruleIDs(res))
				}
			}
			for _, rule := range c.silent {
				if fs := findingsOf(res, rule); len(fs) > 0 {
					t.Errorf("%s should stay silent:%s", rule, examplesDescribe(fs))
				}
			}
			if len(res.Errors) > 0 {
				t.Errorf("file errors %v", res.Errors)
			}
		})
	}
}
