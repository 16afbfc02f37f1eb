package checks

import (
	"testing"

	"github.com/djsec/djsec/checks/settings"
)

func TestSettingsDiscoveryAndRoles(t *testing.T) {
	t.Parallel()
	files := map[string][]byte{
		"manage.py":                      []byte(`os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings.dev")`),
		"mysite/settings/__init__.py":    []byte(""),
		"mysite/settings/base.py":        []byte("INSTALLED_APPS = []\nMIDDLEWARE = []\n"),
		"mysite/settings/dev.py":         []byte("from .base import *\nDEBUG = True\n"),
		"mysite/settings/production.py":  []byte("from .base import *\nDEBUG = False\n"),
		"mysite/settings/test_runner.py": []byte("x = 1\n"),
		"app/views.py":                   []byte("def index(request): pass\n"),
		"other/conf.py":                  []byte("SECRET_KEY = 'x'\nINSTALLED_APPS = []\n"),
	}
	p := NewProject(Input{Files: files})
	got := map[string]settings.Role{}
	for _, m := range p.Settings {
		got[m.Path] = m.Role
	}
	want := map[string]settings.Role{
		"mysite/settings/dev.py":        settings.Development,
		"mysite/settings/production.py": settings.Production,
		"other/conf.py":                 settings.Production,
	}
	if len(got) != len(want) {
		t.Fatalf("entries = %v, want %v", got, want)
	}
	for path, role := range want {
		if r, ok := got[path]; !ok || r != role {
			t.Errorf("%s: role %v (present %v), want %v", path, r, ok, role)
		}
	}
	if p.Settings[0].Role != settings.Production {
		t.Errorf("production modules must come first, got %s", p.Settings[0].Path)
	}
}

func TestConfiguredProductionModuleWins(t *testing.T) {
	t.Parallel()
	cfg := DefaultConfig()
	cfg.ProductionSettings = "mysite/settings/local.py"
	p := NewProject(Input{Config: cfg, Files: map[string][]byte{
		"mysite/settings/local.py": []byte("DEBUG = True\n"),
	}})
	if len(p.Settings) != 1 || p.Settings[0].Role != settings.Production {
		t.Fatalf("configured module should be production: %+v", p.Settings)
	}
}

func TestSingleSettingsModuleIsProduction(t *testing.T) {
	t.Parallel()
	p := NewProject(Input{Files: map[string][]byte{"mysite/settings.py": []byte("DEBUG = True\nINSTALLED_APPS = []\n")}})
	if len(p.Settings) != 1 || p.Settings[0].Role != settings.Production {
		t.Fatalf("got %+v", p.Settings)
	}
}

func TestNonProductionModulesGetOnlyLeaks(t *testing.T) {
	t.Parallel()
	p := NewProject(Input{Files: map[string][]byte{"mysite/settings/dev.py": []byte("DEBUG = True\nINSTALLED_APPS = []\n")}})
	if len(p.Settings) != 1 || p.Settings[0].Role != settings.Development {
		t.Fatalf("got %+v", p.Settings)
	}
	r := &Reporter{p: p}
	rule := &Rule{ID: "DJS999", Slug: "test-rule", Severity: Critical}
	r.AtSetting(rule, p.Settings[0], "DEBUG", "msg")
	if len(r.findings) != 0 {
		t.Fatalf("DEBUG on in a development module is expected, got %+v", r.findings)
	}
	r.AtSetting(rule, p.Settings[0], "DEBUG", "a live credential", Leak())
	if len(r.findings) != 1 || r.findings[0].Severity != Critical || r.findings[0].Line != 1 {
		t.Fatalf("a leak is reported whatever the role, got %+v", r.findings)
	}
}

func TestSuppressionComments(t *testing.T) {
	t.Parallel()
	src := []byte("A = 1  # djsec: ignore[DJS201] staging only\nB = 2  # djsec: ignore[DJS101]\nC = 3  # nosec: demo\nD = 4  # djsec: ignore[debug-enabled, DJS999]\nE = 5  # djsec: ignore\n")
	tests := []struct {
		line   int
		rule   string
		want   bool
		reason string
	}{
		{1, "DJS201", true, "staging only"},
		{2, "DJS201", false, ""},
		{3, "DJS201", true, "demo"},
		{4, "DJS201", true, ""},
		{5, "DJS301", true, ""},
	}
	for _, tt := range tests {
		f := Finding{Rule: tt.rule, Slug: "debug-enabled", Line: tt.line, EndLine: tt.line}
		reason, ok := suppression(src, f)
		if ok != tt.want || reason != tt.reason {
			t.Errorf("line %d: got (%q, %v), want (%q, %v)", tt.line, reason, ok, tt.reason, tt.want)
		}
	}
}

func TestSkippedLocalSettingsIsNotAnEntry(t *testing.T) {
	t.Parallel()
	p := NewProject(Input{Files: map[string][]byte{
		"proj/settings.py":        []byte("INSTALLED_APPS = []\ntry:\n    from .local_settings import *\nexcept ImportError:\n    pass\n"),
		"proj/local_settings.py":  []byte("SECRET_KEY = 'x'\n"),
		"other/local_settings.py": []byte("DEBUG = True\nDATABASES = {}\n"),
	}})
	var paths []string
	for _, m := range p.Settings {
		paths = append(paths, m.Path)
		if m.Path == "other/local_settings.py" && !m.Opaque {
			t.Errorf("a stand-alone local settings fragment must be opaque")
		}
	}
	if len(paths) != 2 || paths[0] == "proj/local_settings.py" || paths[1] == "proj/local_settings.py" {
		t.Fatalf("entries = %v", paths)
	}
}

func TestSilencedSystemChecksSuppress(t *testing.T) {
	t.Parallel()
	res := analyzeSettings(t, "MIDDLEWARE = ['django.middleware.security.SecurityMiddleware']\nSILENCED_SYSTEM_CHECKS = ['security.W004']\n")
	var found bool
	for _, f := range res.Findings {
		if f.DjangoCheck == "security.W004" {
			found = true
			if !f.Suppressed || f.SuppressReason != "silenced in SILENCED_SYSTEM_CHECKS (mysite/settings.py:2)" {
				t.Errorf("W004 finding should be suppressed by SILENCED_SYSTEM_CHECKS: %+v", f)
			}
		}
		if f.DjangoCheck == "security.W008" && f.Suppressed {
			t.Errorf("W008 is not silenced: %+v", f)
		}
	}
	if !found {
		t.Fatalf("no W004 finding: %s", ruleIDs(res))
	}
}

func TestGlobalSettingsIsNotASettingsModule(t *testing.T) {
	t.Parallel()
	if IsSettingsCandidate("vendor/django/conf/global_settings.py", []byte("DEBUG = False\nSECRET_KEY = ''\nINSTALLED_APPS = []\n")) {
		t.Fatal("Django's global_settings.py is not a project's settings module")
	}
}
