package fixes

import (
	"context"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/djsec/djsec/checks"
)

// djangoPython is the system interpreter, where Debian's python3-django lives
// (as in checks/djangodiff_test.go).
const djangoPython = "/usr/bin/python3"

var reCheckID = regexp.MustCompile(`\(security\.[WE]\d{3}\)`)

// djangoDeployIDs lays the project out in a directory, runs Django's own
// `check --deploy` on mysite.settings and returns the security IDs it reports.
func djangoDeployIDs(t *testing.T, files map[string][]byte, env []string) map[string]bool {
	t.Helper()
	dir := t.TempDir()
	for p, b := range files {
		fp := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(fp), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(fp, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The rate-limit fix installs django-axes, which Debian does not
	// package: an empty app stands in for it (check --deploy only reads the
	// middleware and backend names as settings).
	if err := os.MkdirAll(filepath.Join(dir, "axes"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "axes", "__init__.py"), []byte("# stands in for django-axes\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(djangoPython, "-m", "django", "check", "--deploy", "--pythonpath", dir, "--settings", "mysite.settings")
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "DJANGO_SETTINGS_MODULE="), env...)
	out, _ := cmd.CombinedOutput() // check exits 1 on any warning; the IDs are what counts
	if strings.Contains(string(out), "Traceback") {
		t.Fatalf("django check failed to load the settings:\n%s", out)
	}
	ids := map[string]bool{}
	for _, m := range reCheckID.FindAllString(string(out), -1) {
		ids[strings.Trim(m, "()")] = true
	}
	return ids
}

// TestDjangoCheckDeploy: Django itself agrees that the fixed settings no
// longer have the weak key (W009), DEBUG on (W018), or the HTTPS and cookie
// warnings, and reports nothing it did not report before.
func TestDjangoCheckDeploy(t *testing.T) {
	t.Parallel()
	if err := exec.Command(djangoPython, "-c", "import django").Run(); err != nil {
		t.Skipf("%s has no Django (install Debian's python3-django): %v", djangoPython, err)
	}
	for _, tc := range []struct {
		name string
		ids  []string // reported on the input, gone after the fix
	}{
		{"startproject", []string{"security.W009", "security.W018"}},
		{"crlf", []string{"security.W009", "security.W018"}},
		{"tabs", []string{"security.W009", "security.W018"}},
		{"double-quotes", []string{"security.W009", "security.W018"}},
		{"os-fallback", []string{"security.W009", "security.W018"}},
		{"https-startproject", []string{"security.W004", "security.W008", "security.W012", "security.W016"}},
		{"https-existing-false", []string{"security.W004", "security.W008", "security.W012", "security.W016"}},
	} {
		c := tc.name
		t.Run(c, func(t *testing.T) {
			t.Parallel()
			// The generated cases hold only the settings; Django also
			// imports the package and its URLconf, taken from startproject.
			files := readTree(t, filepath.Join("testdata", "startproject", "in"))
			maps.Copy(files, readTree(t, filepath.Join("testdata", c, "in")))
			res, err := Fix(context.Background(), checks.Input{Files: files, Now: now}, caseRules(filepath.Join("testdata", c)))
			if err != nil {
				t.Fatal(err)
			}
			const p = "mysite/settings.py"
			before := djangoDeployIDs(t, files, nil)
			for _, id := range tc.ids {
				if !before[id] {
					t.Fatalf("Django does not report %s on the input; the test proves nothing (got %v)", id, before)
				}
			}
			if _, ok := res.Files[p]; !ok {
				t.Fatalf("%s was not changed", p)
			}
			fixed := maps.Clone(files)
			maps.Copy(fixed, res.Files)
			// The deployment sets what the PR body asks for: a strong key
			// for the secret, the example value for the rest.
			var env []string
			for _, v := range res.EnvVars {
				val := v.Example
				if val == "" {
					val = "k9$w!2vZq@7rT#p4Lx8mN0bY6cF3hJ5sD1gA-eU_oI+yR^tE*uW&zQ%xC"
				}
				env = append(env, v.Name+"="+val)
			}
			after := djangoDeployIDs(t, fixed, env)
			for _, id := range tc.ids {
				if after[id] {
					t.Errorf("Django still reports %s after the fix", id)
				}
			}
			for id := range after {
				if !before[id] {
					t.Errorf("Django reports %s after the fix but not before", id)
				}
			}
		})
	}
}
