package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// fixProject is the shape from the fix-up report: settings that require
// DB_* variables, no .env.example, no .gitignore, and a literal key,
// DEBUG on and CORS open.
var fixProject = map[string]string{
	"manage.py": "import os\nimport sys\n\nif __name__ == '__main__':\n    os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'myproj.settings')\n" +
		"    from django.core.management import execute_from_command_line\n    execute_from_command_line(sys.argv)\n",
	"myproj/__init__.py": "",
	"myproj/settings.py": `import os

SECRET_KEY = 'django-insecure-9f$k2m!x@q7w#e4r5t6y8u0i-p1a3s5d7f9g2h4j6k8l0z'
DEBUG = True
ALLOWED_HOSTS = ['example.com']
INSTALLED_APPS = [
    'django.contrib.admin',
    'django.contrib.auth',
    'django.contrib.contenttypes',
    'django.contrib.sessions',
    'corsheaders',
]
MIDDLEWARE = [
    'django.middleware.security.SecurityMiddleware',
    'corsheaders.middleware.CorsMiddleware',
    'django.contrib.sessions.middleware.SessionMiddleware',
    'django.middleware.csrf.CsrfViewMiddleware',
    'django.contrib.auth.middleware.AuthenticationMiddleware',
]
ROOT_URLCONF = 'myproj.urls'
DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql', 'NAME': os.environ['DB_NAME'], 'PASSWORD': os.environ['DB_PASSWORD']}}
CORS_ALLOW_ALL_ORIGINS = True
`,
	"requirements.txt": "Django==5.2.8\ndjango-cors-headers==4.6.0\ngunicorn==23.0.0\n",
}

func readAll(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, p)
		out[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	return out
}

func TestFixWritesTheFixes(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	writeTree(t, root, fixProject)
	settings := filepath.Join(root, "myproj", "settings.py")
	if err := os.Chmod(settings, 0o755); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := run([]string{"fix", "--fail-on", "critical", root}, &out, &errb)
	if code != exitOK {
		t.Fatalf("exit %d, want 0 (no critical finding left)\nstdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
	}
	got := readAll(t, root)
	for _, want := range []string{"os.environ['DJANGO_SECRET_KEY']", "DEBUG = os.environ.get('DJANGO_DEBUG', '') == '1'",
		"CORS_ALLOW_ALL_ORIGINS = False", "'axes'", "LOGGING = {"} {
		if !strings.Contains(got["myproj/settings.py"], want) {
			t.Errorf("settings lack %q:\n%s", want, got["myproj/settings.py"])
		}
	}
	for _, v := range []string{"DJANGO_SECRET_KEY=", "DB_NAME=", "DB_PASSWORD=", "DJANGO_DEBUG=0"} {
		if !strings.Contains(got[".env.example"], v) {
			t.Errorf(".env.example lacks %s:\n%s", v, got[".env.example"])
		}
	}
	if !strings.Contains(got[".gitignore"], ".env\n") || !strings.Contains(got["requirements.txt"], "django-axes") {
		t.Errorf(".gitignore %q, requirements %q", got[".gitignore"], got["requirements.txt"])
	}
	if info, err := os.Stat(settings); err != nil || info.Mode().Perm() != 0o755 {
		t.Errorf("settings.py mode after the fix: %v %v, want 0755", info.Mode(), err)
	}
	for _, want := range []string{"myproj/settings.py: DJS101 SECRET_KEY is read", ".env.example: DJS101 documents DB_NAME, DB_PASSWORD",
		"set DJANGO_SECRET_KEY where the app runs (a secret", "5 findings fixed in 4 files; 0 need a person"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	// Nothing is left to do: a second run changes nothing.
	out.Reset()
	if code := run([]string{"fix", "--fail-on", "critical", root}, &out, &errb); code != exitOK || !strings.Contains(out.String(), "0 findings fixed in 0 files") {
		t.Errorf("second run: exit %d\n%s", code, out.String())
	}
	if again := readAll(t, root); !equalMaps(again, got) {
		t.Error("the second run changed files")
	}
	// The default threshold is high: HSTS and friends are still off.
	if code := run([]string{"fix", root}, &out, &errb); code != exitFindings {
		t.Errorf("exit %d with high findings left, want 1", code)
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestFixDiffWritesNothing(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	writeTree(t, root, fixProject)
	before := readAll(t, root)
	var out, errb bytes.Buffer
	run([]string{"fix", "--diff", root}, &out, &errb)
	if after := readAll(t, root); !equalMaps(after, before) {
		t.Fatal("--diff wrote files")
	}
	diff := out.String()
	for _, want := range []string{"diff --git a/.env.example b/.env.example\nnew file mode 100644\n--- /dev/null\n+++ b/.env.example\n",
		"--- a/myproj/settings.py\n+++ b/myproj/settings.py\n", "-DEBUG = True\n", "+DEBUG = os.environ.get("} {
		if !strings.Contains(diff, want) {
			t.Errorf("diff lacks %q:\n%s", want, diff)
		}
	}
	if strings.Contains(diff, "findings fixed") || !strings.Contains(errb.String(), "5 findings would be fixed in 4 files") {
		t.Errorf("the summary belongs on stderr with --diff; stdout:\n%s\nstderr:\n%s", diff, errb.String())
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git to apply the diff with")
	}
	cmd := exec.Command("git", "apply", "-")
	cmd.Dir, cmd.Stdin = root, strings.NewReader(diff)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git apply: %v\n%s", err, msg)
	}
	fixed := t.TempDir()
	writeTree(t, fixed, fixProject)
	run([]string{"fix", fixed}, &bytes.Buffer{}, &bytes.Buffer{})
	if a, b := readAll(t, root), readAll(t, fixed); !equalMaps(a, b) {
		t.Error("applying the diff gives other files than bot fix writes")
	}
}

func TestFixRuleFlag(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		args  []string
		fixed []string
		kept  []string
		code  int
		err   string
	}{
		{name: "by ID", args: []string{"--rule", "DJS201"}, fixed: []string{"DEBUG = os.environ.get("}, kept: []string{"django-insecure-", "CORS_ALLOW_ALL_ORIGINS = True"}},
		{name: "by slug, comma-separated", args: []string{"--rule", "debug-enabled,cors-allow-all"}, fixed: []string{"DEBUG = os.environ.get(", "CORS_ALLOW_ALL_ORIGINS = False"}, kept: []string{"django-insecure-"}},
		{name: "repeated", args: []string{"--rule", "DJS101", "--rule", "djs201"}, fixed: []string{"DJANGO_SECRET_KEY", "DEBUG = os.environ.get("}, kept: []string{"CORS_ALLOW_ALL_ORIGINS = True"}},
		{name: "unknown rule", args: []string{"--rule", "debug-enable"}, kept: []string{"DEBUG = True"}, code: exitUsage, err: `unknown rule "debug-enable"; did you mean debug-enabled (DJS201)?`},
		{name: "a rule without a fixer", args: []string{"--rule", "DJS202", "--rule", "DJS203"}, kept: []string{"DEBUG = True"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			writeTree(t, root, fixProject)
			var out, errb bytes.Buffer
			code := run(append([]string{"fix", "--fail-on", "never"}, append(tc.args, root)...), &out, &errb)
			if code != tc.code || !strings.Contains(errb.String(), tc.err) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, errb.String(), tc.code, tc.err)
			}
			s := readAll(t, root)["myproj/settings.py"]
			for _, w := range tc.fixed {
				if !strings.Contains(s, w) {
					t.Errorf("settings lack %q", w)
				}
			}
			for _, w := range tc.kept {
				if !strings.Contains(s, w) {
					t.Errorf("settings lost %q", w)
				}
			}
		})
	}
}

func TestFixNeedsAPerson(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	// A settings file that does not parse is never edited: the fixers
	// say so instead of blaming their own edit.
	broken := "SECRET_KEY = 'django-insecure-abcdefghijklmnopqrstuvwxyz0123456789abcdefghij'\nDEBUG = True\nINSTALLED_APPS = []\nX = (\n"
	writeTree(t, root, map[string]string{"settings.py": broken})
	var out, errb bytes.Buffer
	if code := run([]string{"fix", root}, &out, &errb); code != exitFindings {
		t.Fatalf("exit %d, want 1 (the critical findings are left): %s", code, errb.String())
	}
	want := "needs a person: settings.py:2: DJS201 debug-enabled: settings.py does not parse (a syntax error at line 4), so djsec does not edit it; fix the syntax first\n"
	if !strings.Contains(out.String(), want) || !strings.Contains(out.String(), "0 findings fixed in 0 files") {
		t.Errorf("report:\n%s\nwant the line\n%s", out.String(), want)
	}
	if got := readAll(t, root)["settings.py"]; got != broken {
		t.Errorf("the broken file was rewritten:\n%s", got)
	}
}

func TestFixUsageErrors(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "nope")
	for _, tc := range []struct {
		args []string
		err  string
	}{
		{[]string{"fix", missing}, "fix: cannot read " + missing},
		{[]string{"fix", "--fail-on", "loud", "."}, "fix: --fail-on: unknown level"},
		{[]string{"fix", "--config", missing, "."}, "fix: --config: cannot read"},
		{[]string{"fix", "--bogus"}, "flag provided but not defined"},
	} {
		var out, errb bytes.Buffer
		if code := run(tc.args, &out, &errb); code != exitUsage || !strings.Contains(errb.String(), tc.err) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, code, errb.String(), tc.err)
		}
	}
}

func TestFixKeepsSymlinks(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	writeTree(t, root, fixProject)
	real := filepath.Join(root, "shared", "settings.py")
	os.MkdirAll(filepath.Dir(real), 0o755)
	link := filepath.Join(root, "myproj", "settings.py")
	if err := os.Rename(link, real); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join("..", "shared", "settings.py"), link); err != nil {
		t.Skip("no symlinks here:", err)
	}
	var out, errb bytes.Buffer
	run([]string{"fix", "--rule", "DJS201", root}, &out, &errb)
	if info, err := os.Lstat(link); err != nil || info.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the symlink was replaced: %v %v\n%s%s", info.Mode(), err, out.String(), errb.String())
	}
	if b, _ := os.ReadFile(real); !strings.Contains(string(b), "DJANGO_DEBUG") {
		t.Errorf("the link's target was not fixed:\n%s\n%s", b, out.String())
	}
}

// TestFixRefusesAFile: fixes write files beside the settings (.env.example,
// .gitignore, requirements), so a file PATH gets a clear error instead of
// writes to PATH/settings.py.
func TestFixRefusesAFile(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	writeTree(t, root, fixProject)
	settings := filepath.Join(root, "myproj", "settings.py")
	var out, errb bytes.Buffer
	code := run([]string{"fix", settings}, &out, &errb)
	if want := "bot: fix: " + settings + " is a file; give the project's directory (bot audit takes a file)\n"; code != exitUsage || errb.String() != want {
		t.Errorf("exit %d, stderr %q, want 2 and %q", code, errb.String(), want)
	}
}
