package checkrun_test

import (
	"strings"
	"testing"
)

// A pull request turns DEBUG on in settings/common.py. The image copies
// docker/config.py to settings/config.py, names it in DJANGO_SETTINGS_MODULE
// and turns DEBUG off there: production stays safe, as `bot audit` says. The
// check reads the unchanged Dockerfile and the module it names (one tree
// read, then the files), so it agrees.
func TestEntryPointsDecideProductionInAPullRequest(t *testing.T) {
	t.Parallel()
	common := "INSTALLED_APPS = [\"django.contrib.auth\", \"django.contrib.sessions\"]\n" +
		"MIDDLEWARE = [\"django.middleware.security.SecurityMiddleware\"]\n" +
		"ROOT_URLCONF = \"board.urls\"\nDEBUG = False\n"
	e := newEnv(t, envOptions{})
	e.repo.Commit("main", map[string]string{
		"settings/__init__.py": "",
		"settings/common.py":   common,
		"docker/config.py":     "import os\n\nfrom .common import *\n\nDEBUG = os.getenv(\"BOARD_DEBUG\", \"False\") == \"True\"\nSECRET_KEY = os.environ[\"BOARD_SECRET_KEY\"]\n",
		"docker/Dockerfile":    "FROM python:3.12\nWORKDIR /board\nCOPY . /board\nRUN cp docker/config.py settings/config.py\nENV DJANGO_SETTINGS_MODULE=settings.config\n",
		"manage.py":            "import os\nos.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", \"settings.common\")\n",
		".gitignore":           gitignore,
	})
	p := e.pr("debug-in-common", map[string]string{"settings/common.py": strings.Replace(common, "DEBUG = False", "DEBUG = True", 1)})
	e.gh.ResetRequests()
	e.open(p)
	cr := e.only(p.HeadSHA)
	if cr.Conclusion != "success" || strings.Contains(cr.Summary, "DJS201") {
		t.Fatalf("conclusion %s, want success: production overrides DEBUG\n%s", cr.Conclusion, cr.Summary)
	}
	if !strings.Contains(cr.Summary, "docker/config.py") || !strings.Contains(cr.Summary, "named by docker/Dockerfile") {
		t.Errorf("the summary does not say which module is production:\n%s", cr.Summary)
	}
	for _, want := range []string{"git/trees/", "contents/docker/Dockerfile", "contents/docker/config.py"} {
		found := false
		for _, r := range e.gh.Requests() {
			found = found || strings.Contains(r.Path, want)
		}
		if !found {
			t.Errorf("no request for %s:\n%s", want, e.gh.BudgetReport())
		}
	}
}

// A lone classic settings.py that sets Django's core settings is
// production whatever names it: no tree read, the budget of four calls holds
// (TestBudget checks the count).
func TestEntryPointsNotReadForALoneSettingsModule(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.repo.Commit("main", map[string]string{"mysite/settings.py": hardened(t), ".gitignore": gitignore})
	p := e.pr("unsafe", map[string]string{"mysite/settings.py": unsafe(t)})
	e.gh.ResetRequests()
	e.open(p)
	for _, r := range e.gh.Requests() {
		if strings.Contains(r.Path, "git/trees/") {
			t.Fatalf("tree read for a lone settings.py:\n%s", e.gh.BudgetReport())
		}
	}
}

// A tree GitHub truncates (the fake's limit lowered to three entries):
// the check cannot read the unchanged entry points, and its summary says
// that coverage was partial rather than judge as if it had read them.
func TestEntryPointsTruncatedTreeSaysPartial(t *testing.T) {
	t.Parallel()
	common := "INSTALLED_APPS = [\"django.contrib.auth\", \"django.contrib.sessions\"]\n" +
		"MIDDLEWARE = [\"django.middleware.security.SecurityMiddleware\"]\n" +
		"ROOT_URLCONF = \"board.urls\"\nDEBUG = False\n"
	e := newEnv(t, envOptions{})
	e.repo.Commit("main", map[string]string{
		"settings/__init__.py": "",
		"settings/common.py":   common,
		"docker/config.py":     "import os\n\nfrom .common import *\n\nDEBUG = os.getenv(\"BOARD_DEBUG\", \"False\") == \"True\"\nSECRET_KEY = os.environ[\"BOARD_SECRET_KEY\"]\n",
		"docker/Dockerfile":    "FROM python:3.12\nWORKDIR /board\nCOPY . /board\nRUN cp docker/config.py settings/config.py\nENV DJANGO_SETTINGS_MODULE=settings.config\n",
		"manage.py":            "import os\nos.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", \"settings.common\")\n",
		".gitignore":           gitignore,
	})
	e.gh.SetTreeLimit(3, 0)
	p := e.pr("debug-in-common", map[string]string{"settings/common.py": strings.Replace(common, "DEBUG = False", "DEBUG = True", 1)})
	e.open(p)
	cr := e.only(p.HeadSHA)
	if e.gh.Count("GET /repos/{owner}/{repo}/git/trees/{tree_sha}", 200) == 0 {
		t.Fatalf("test set-up: the check read no tree:\n%s", e.gh.BudgetReport())
	}
	if !strings.Contains(cr.Summary, "Partial coverage: GitHub truncated this repository's file tree") {
		t.Errorf("the summary does not say the tree was truncated:\n%s", cr.Summary)
	}
}
