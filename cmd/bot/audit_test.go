package main

import (
	"bytes"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/djsec/djsec/checks"
)

// auditConfigError is a djsec.yml with every rule off but DJS002 and one
// unknown key on line 2: exactly one medium finding whatever rules exist.
func auditConfigError(extra string) string {
	return botOnly("DJS002") + "bogus_key: 1" + extra + "\n"
}

func TestAuditExitCodes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		config string
		args   []string
		want   int
	}{
		{"default is high", auditConfigError(""), nil, exitOK},
		{"flag medium", auditConfigError(""), []string{"--fail-on", "medium"}, exitFindings},
		{"flag upper case", auditConfigError(""), []string{"--fail-on=MEDIUM"}, exitFindings},
		{"flag info", auditConfigError(""), []string{"--fail-on", "info"}, exitFindings},
		{"flag critical", auditConfigError(""), []string{"--fail-on", "critical"}, exitOK},
		{"flag never", auditConfigError(""), []string{"--fail-on", "never"}, exitOK},
		{"config medium", "fail_on: medium\n" + auditConfigError(""), nil, exitFindings},
		{"flag beats config", "fail_on: medium\n" + auditConfigError(""), []string{"--fail-on", "high"}, exitOK},
		{"config never", "fail_on: never\n" + auditConfigError(""), nil, exitOK},
		{"suppressed never fails", auditConfigError("  # djsec: ignore[DJS002] testing the exit code"), []string{"--fail-on", "info"}, exitOK},
		{"nothing found", botOnly("DJS002"), []string{"--fail-on", "info"}, exitOK},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := botTree(t, map[string]string{checks.ConfigPath: tc.config})
			code, stdout, stderr := botRun(t, append([]string{"audit", "--format", "json", dir}, tc.args...)...)
			if code != tc.want {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.want, stdout, stderr)
			}
			if stderr != "" {
				t.Errorf("stderr = %q, want nothing", stderr)
			}
			rep := botJSON(t, stdout)
			for _, f := range rep.Findings {
				if f.Rule != "DJS002" {
					t.Errorf("unexpected finding %s: the config should leave only DJS002 on", f.Rule)
				}
			}
		})
	}
}

func TestAuditUsageErrors(t *testing.T) {
	t.Parallel()
	dir := botTree(t, map[string]string{"mysite/settings.py": "DEBUG = False\n"})
	cases := map[string][]string{
		"bad format":       {"audit", "--format", "xml", dir},
		"bad fail-on":      {"audit", "--fail-on", "urgent", dir},
		"unknown flag":     {"audit", "--colour", dir},
		"flag needs value": {"audit", dir, "--format"},
		"missing path":     {"audit", filepath.Join(dir, "does-not-exist")},
		"missing config":   {"audit", "--config", filepath.Join(dir, "nope.yml"), dir},
		"bad output dir":   {"audit", "--output", filepath.Join(dir, "no", "such", "dir", "out.json"), dir},
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := botRun(t, args...)
			if code != exitUsage {
				t.Errorf("exit %d, want 2 (stderr %q)", code, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
			botOneLine(t, stderr)
		})
	}
	code, stdout, _ := botRun(t, "audit", "-h")
	if code != exitOK || !strings.Contains(stdout, "Usage: bot audit") || !strings.Contains(stdout, "-fail-on") {
		t.Errorf("audit -h: exit %d, stdout %q", code, stdout)
	}
}

// TestAuditWalk checks which files are read: paths relative to PATH with
// slashes, and nothing from dependencies, virtualenvs, caches or migrations.
func TestAuditWalk(t *testing.T) {
	t.Parallel()
	dir := botTree(t, map[string]string{
		"project/mysite/settings.py":                   "DEBUG = False\n",
		"project/mysite/views.py":                      "def index(request): pass\n",
		"project/requirements/base.txt":                "Django==5.2.1\n",
		"project/.env.example":                         "SECRET_KEY=\n",
		"project/Dockerfile":                           "FROM python:3.12\n",
		"project/README.md":                            "# read: it may name the hosting platform\n",
		"project/docs/notes.md":                        "# not read\n",
		"project/static/app.js":                        "// not read\n",
		"project/node_modules/pkg/settings.py":         "DEBUG = True\n",
		"project/.venv/lib/settings.py":                "DEBUG = True\n",
		"project/myenv/pyvenv.cfg":                     "home = /usr/bin\n",
		"project/myenv/lib/python3.12/settings.py":     "DEBUG = True\n",
		"project/mysite/migrations/0001_initial.py":    "DEBUG = True\n",
		"project/mysite/__pycache__/settings.py":       "DEBUG = True\n",
		"project/.tox/py312/settings.py":               "DEBUG = True\n",
		"project/build/lib/mysite/settings.py":         "DEBUG = True\n",
		"project/dist/settings.py":                     "DEBUG = True\n",
		"project/.git/hooks/settings.py":               "DEBUG = True\n",
		"project/lib/site-packages/django/settings.py": "DEBUG = True\n",
	})
	code, stdout, stderr := botRun(t, "audit", "--format", "json", "--fail-on", "never", filepath.Join(dir, "project"))
	if code != exitOK || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	rep := botJSON(t, stdout)
	want := []string{".env.example", "Dockerfile", "README.md", "mysite/settings.py", "mysite/views.py", "requirements/base.txt"}
	if !reflect.DeepEqual(rep.Files, want) {
		t.Errorf("files = %v, want %v", rep.Files, want)
	}
	for _, f := range rep.Findings {
		if strings.Contains(f.Path, "\\") || strings.HasPrefix(f.Path, "/") || strings.HasPrefix(f.Path, "project/") {
			t.Errorf("finding path %q is not relative to PATH with /", f.Path)
		}
	}
	if len(rep.Errors) != 0 {
		t.Errorf("errors = %v, want none", rep.Errors)
	}
}

// TestAuditDefaultPath audits the working directory when no PATH is given.
// It changes directory, so it cannot run in parallel.
func TestAuditDefaultPath(t *testing.T) {
	dir := botTree(t, map[string]string{"mysite/settings.py": "DEBUG = False\n"})
	t.Chdir(dir)
	code, stdout, _ := botRun(t, "audit", "--format", "json", "--fail-on", "never")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	if rep := botJSON(t, stdout); !reflect.DeepEqual(rep.Files, []string{"mysite/settings.py"}) {
		t.Errorf("files = %v", rep.Files)
	}
}

func TestAuditSeveralPaths(t *testing.T) {
	t.Parallel()
	dir := botTree(t, map[string]string{
		"a/mysite/settings.py":   "DEBUG = False\n",
		"b/mysite/settings.py":   "DEBUG = False\n",
		"b/" + checks.ConfigPath: auditConfigError(""),
	})
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	code, stdout, _ := botRun(t, "audit", "--format", "json", "--fail-on", "medium", a, b)
	rep := botJSON(t, stdout)
	sa, sb := filepath.ToSlash(a), filepath.ToSlash(b)
	want := []string{sa + "/mysite/settings.py", sb + "/.github/djsec.yml", sb + "/mysite/settings.py"}
	if !reflect.DeepEqual(rep.Files, want) {
		t.Errorf("files = %v, want %v", rep.Files, want)
	}
	// b's config applies to b only: its DJS002 finding fails the run, and
	// a's findings come from every rule.
	if code != exitFindings {
		t.Errorf("exit %d, want 1 (b has a medium finding)", code)
	}
	var inB int
	for _, f := range rep.Findings {
		if strings.HasPrefix(f.Path, sb+"/") {
			inB++
		}
	}
	if inB != 1 {
		t.Errorf("%d findings in b, want only the DJS002 one", inB)
	}
}

func TestAuditPathPrefixAndSingleFile(t *testing.T) {
	t.Parallel()
	dir := botTree(t, map[string]string{"backend/mysite/settings.py": "DEBUG = False\n"})
	code, stdout, _ := botRun(t, "audit", "--format", "json", "--fail-on", "never", "--path-prefix", "backend/", filepath.Join(dir, "backend"))
	if rep := botJSON(t, stdout); code != exitOK || !reflect.DeepEqual(rep.Files, []string{"backend/mysite/settings.py"}) {
		t.Errorf("--path-prefix: exit %d, files %v", code, rep.Files)
	}
	// A file PATH is named as given, alone, beside another PATH, or
	// through a link; never as PATH/its-name, which does not exist.
	file := filepath.Join(dir, "backend", "mysite", "settings.py")
	link := filepath.Join(dir, "settings.py")
	if err := os.Symlink(file, link); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{file}, []string{filepath.ToSlash(file)}},
		{[]string{"--path-prefix", "repo", file}, []string{"repo" + filepath.ToSlash(file)}},
		{[]string{file, filepath.Join(dir, "backend")}, []string{filepath.ToSlash(file), filepath.ToSlash(file)}},
		{[]string{link}, []string{filepath.ToSlash(link)}},
	} {
		code, stdout, _ = botRun(t, append([]string{"audit", "--format", "json", "--fail-on", "never"}, tc.args...)...)
		rep := botJSON(t, stdout)
		if code != exitOK || !reflect.DeepEqual(rep.Files, tc.want) {
			t.Errorf("%v: exit %d, files %v, want %v", tc.args, code, rep.Files, tc.want)
		}
		for _, f := range rep.Findings {
			if !slices.Contains(tc.want, f.Path) {
				t.Errorf("%v: finding at %s, want one of %v", tc.args, f.Path, tc.want)
			}
		}
	}
}

// TestAuditSymlinkCopies: a link to a file the audit reads anyway is not
// analyzed a second time, which would report every finding twice; a link
// to a file read only through it still is.
func TestAuditSymlinkCopies(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"manage.py":             "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')\n",
		"mysite/settings.py":    "DEBUG = True\nSECRET_KEY = 'django-insecure-abcdefghijklmnopqrstuvwxyz0123456789'\n",
		"requirements/prod.txt": "Django==4.2.0\n",
	}
	dir := botTree(t, files)
	_, stdout, _ := botRun(t, "audit", "--format", "json", "--fail-on", "never", dir)
	before := botJSON(t, stdout)
	if len(before.Findings) < 3 {
		t.Fatalf("only %d findings without links", len(before.Findings))
	}
	for link, target := range map[string]string{
		"mysite/prod.py":   "settings.py",
		"settings_copy.py": "mysite/settings.py",
		"requirements.txt": "requirements/prod.txt",
	} {
		if err := os.Symlink(target, filepath.Join(dir, filepath.FromSlash(link))); err != nil {
			t.Skipf("cannot create symlinks here: %v", err)
		}
	}
	_, stdout, _ = botRun(t, "audit", "--format", "json", "--fail-on", "never", dir)
	after := botJSON(t, stdout)
	if len(after.Findings) != len(before.Findings) || !reflect.DeepEqual(after.Files, before.Files) {
		t.Errorf("with links: %d findings in %v, want the %d in %v", len(after.Findings), after.Files, len(before.Findings), before.Files)
	}
}

func TestAuditOutputFile(t *testing.T) {
	t.Parallel()
	dir := botTree(t, map[string]string{checks.ConfigPath: auditConfigError("")})
	out := filepath.Join(t.TempDir(), "report.sarif")
	code, stdout, stderr := botRun(t, "audit", "--format", "sarif", "--output", out, "--fail-on", "never", dir)
	if code != exitOK || stdout != "" {
		t.Errorf("exit %d, stdout %q; want 0 and nothing on stdout", code, stdout)
	}
	if want := "bot: wrote " + out + ": 1 finding (1 medium), 1 file\n"; stderr != want {
		t.Errorf("stderr = %q, want %q", stderr, want)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var log struct{ Version string }
	if err := json.Unmarshal(data, &log); err != nil || log.Version != "2.1.0" {
		t.Errorf("output file is not SARIF 2.1.0: %v", err)
	}
}

// TestAuditSARIFSuppressed: SARIF meant for upload leaves suppressed
// findings out (GitHub would open alerts for them); --sarif-suppressed
// keeps them, marked.
func TestAuditSARIFSuppressed(t *testing.T) {
	t.Parallel()
	dir := botTree(t, map[string]string{checks.ConfigPath: auditConfigError("  # djsec: ignore[DJS002] tested on purpose")})
	for _, tc := range []struct {
		flags []string
		want  int
	}{
		{nil, 0},
		{[]string{"--sarif-suppressed"}, 1},
	} {
		args := append([]string{"audit", "--format", "sarif", "--fail-on", "never"}, tc.flags...)
		code, stdout, stderr := botRun(t, append(args, dir)...)
		if code != exitOK {
			t.Fatalf("%v: exit %d, stderr %q", tc.flags, code, stderr)
		}
		var log struct {
			Runs []struct {
				Results []struct {
					Suppressions []struct{ Justification string }
				}
			}
		}
		if err := json.Unmarshal([]byte(stdout), &log); err != nil || len(log.Runs) != 1 {
			t.Fatalf("%v: not SARIF: %v", tc.flags, err)
		}
		results := log.Runs[0].Results
		if len(results) != tc.want {
			t.Fatalf("%v: %d results, want %d", tc.flags, len(results), tc.want)
		}
		if tc.want == 1 && (len(results[0].Suppressions) != 1 || results[0].Suppressions[0].Justification != "tested on purpose") {
			t.Errorf("%v: suppressions = %+v, want the reason", tc.flags, results[0].Suppressions)
		}
	}
}

func TestAuditConfigFlag(t *testing.T) {
	t.Parallel()
	dir := botTree(t, map[string]string{
		checks.ConfigPath: "fail_on: never\n", // ignored: --config wins
		"ci/djsec.yml":    "fail_on: medium\n" + auditConfigError(""),
	})
	cfg := filepath.Join(dir, "ci", "djsec.yml")
	code, stdout, _ := botRun(t, "audit", "--format", "json", "--config", cfg, dir)
	rep := botJSON(t, stdout)
	if code != exitFindings || len(rep.Findings) != 1 || rep.Findings[0].Path != "ci/djsec.yml" || rep.Findings[0].Line != 3 {
		t.Errorf("exit %d, findings %+v; want 1 and one DJS002 at ci/djsec.yml:3", code, rep.Findings)
	}
	// A config outside PATH keeps the name it was given.
	outside := filepath.Join(t.TempDir(), "djsec.yml")
	if err := os.WriteFile(outside, []byte(auditConfigError("")), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stdout, _ = botRun(t, "audit", "--format", "json", "--config", outside, dir)
	if rep := botJSON(t, stdout); len(rep.Findings) != 1 || rep.Findings[0].Path != filepath.ToSlash(outside) {
		t.Errorf("findings %+v; want one at %s", rep.Findings, outside)
	}
	// --path-prefix (the GitHub Action on a subdirectory) leaves it alone too.
	_, stdout, _ = botRun(t, "audit", "--format", "json", "--config", outside, "--path-prefix", "backend", dir)
	if rep := botJSON(t, stdout); len(rep.Findings) != 1 || rep.Findings[0].Path != filepath.ToSlash(outside) {
		t.Errorf("with --path-prefix: findings %+v; want one at %s", rep.Findings, outside)
	}
}

// TestAuditBadInput feeds the audit what it must survive: each case becomes
// an entry of errors (or a DJS002 finding for a broken config), never a
// panic, a hang or exit status 2.
func TestAuditBadInput(t *testing.T) {
	t.Parallel()
	type setup func(t *testing.T, dir string)
	write := func(name string, data []byte) setup {
		return func(t *testing.T, dir string) {
			full := filepath.Join(dir, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(full, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	symlink := func(target, name string) setup {
		return func(t *testing.T, dir string) {
			if strings.HasPrefix(target, "DIR/") {
				target = filepath.Join(dir, strings.TrimPrefix(target, "DIR/"))
			}
			full := filepath.Join(dir, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(target, full); err != nil {
				t.Skipf("cannot create symlinks here: %v", err)
			}
		}
	}
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret.env"), []byte("SECRET_KEY=outside\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, "settings.py"), []byte("DEBUG = True\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("# padding line of a generated settings file\n"), (maxFileSize/44)+10)

	cases := []struct {
		name    string
		setup   []setup
		path    string // expected error path
		message string // expected error message substring
	}{
		{"binary", []setup{write("mysite/settings.py", []byte("DEBUG = True\x00\x01\x02"))}, "mysite/settings.py", "binary file"},
		{"over 1 MiB", []setup{write("mysite/settings.py", big)}, "mysite/settings.py", "larger than 1 MiB"},
		{"exactly 1 MiB is read", []setup{write(".gitignore", append(bytes.Repeat([]byte("#"), maxFileSize-1), '\n'))}, "", ""},
		{"invalid UTF-8", []setup{write(".env", []byte("SECRET_KEY=caf\xe9\n"))}, ".env", "not valid UTF-8"},
		{"latin-1 settings", []setup{write("mysite/settings.py", []byte("# -*- coding: latin-1 -*-\nNAME = 'caf\xe9'\n"))}, "mysite/settings.py", "not valid UTF-8"},
		{"symlink to a file outside", []setup{symlink(filepath.Join(outside, "secret.env"), ".env")}, ".env", "leads outside the audited directory; not followed"},
		{"symlink to a directory outside", []setup{symlink(outside, "mysite")}, "mysite", "leads outside the audited directory"},
		{"relative symlink escaping", []setup{write("proj/README.md", nil), symlink("../../../../../../../../etc/hostname", "proj/settings.py")}, "proj/settings.py", ""},
		{"symlink loop", []setup{symlink("DIR/b.py", "a.py"), symlink("DIR/a.py", "b.py")}, "a.py", "symlink loop"},
		{"self loop directory", []setup{symlink("DIR/loop", "loop")}, "loop", "symlink loop"},
		{"broken symlink", []setup{symlink("DIR/missing.py", "mysite/settings.py")}, "mysite/settings.py", "broken symlink"},
		{"symlink inside is read", []setup{write("conf/base.py", []byte("DEBUG = False\n")), symlink("DIR/conf/base.py", "mysite/settings.py")}, "", ""},
		{"directory symlink inside is not walked twice", []setup{write("conf/settings.py", []byte("DEBUG = False\n")), symlink("DIR/conf", "alias")}, "", ""},
		{"symlink to a parent", []setup{write("mysite/settings.py", []byte("DEBUG = False\n")), symlink("DIR", "mysite/up")}, "", ""},
		{"named pipe", []setup{func(t *testing.T, dir string) {
			if err := syscall.Mkfifo(filepath.Join(dir, "settings.py"), 0o644); err != nil {
				t.Skipf("cannot create a FIFO: %v", err)
			}
		}}, "settings.py", "not a regular file (a named pipe)"},
		{"broken djsec.yml", []setup{write(checks.ConfigPath, []byte("fail_on: [high\n"))}, "", ""},
		{"binary djsec.yml", []setup{write(checks.ConfigPath, []byte("\x00\x01"))}, ".github/djsec.yml", "binary file"},
		// The analyzer reads these files but gives up on the expression.
		{"deeply nested expression", []setup{write("mysite/settings.py", []byte("X = "+strings.Repeat("[", 5000)+strings.Repeat("]", 5000)+"\nDEBUG = True\n"))}, "mysite/settings.py", ""},
		{"huge expression", []setup{write("mysite/settings.py", []byte("X = 1"+strings.Repeat(" + 1", 20000)+"\n"))}, "mysite/settings.py", ""},
		{"circular star imports", []setup{
			write("mysite/settings/__init__.py", []byte("from .base import *\n")),
			write("mysite/settings/base.py", []byte("from .prod import *\nDEBUG = True\n")),
			write("mysite/settings/prod.py", []byte("from .base import *\nDEBUG = False\n")),
		}, "mysite/settings/base.py", "circular"},
	}
	// Files the walker reads but the analyzer cannot fully judge; the rest
	// of the cases are never read.
	analyzerError := map[string]bool{"deeply nested expression": true, "huge expression": true, "circular star imports": true}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			for _, s := range tc.setup {
				s(t, dir)
			}
			done := make(chan struct{})
			var code int
			var stdout, stderr string
			go func() {
				defer close(done)
				code, stdout, stderr = botRun(t, "audit", "--format", "json", "--fail-on", "never", dir)
			}()
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				t.Fatal("audit hangs")
			}
			if code != exitOK {
				t.Fatalf("exit %d, want 0; stderr %q", code, stderr)
			}
			rep := botJSON(t, stdout)
			if tc.path == "" {
				if tc.name == "broken djsec.yml" {
					if len(rep.Findings) == 0 || rep.Findings[0].Rule != "DJS002" || !strings.Contains(rep.Findings[0].Message, "does not parse") {
						t.Errorf("findings = %+v, want DJS002 saying the file does not parse", rep.Findings)
					}
				}
				for _, e := range rep.Errors {
					if e.Path == "mysite/settings.py" || strings.Contains(e.Message, "symlink") {
						t.Errorf("unexpected error %+v", e)
					}
				}
				return
			}
			var found bool
			for _, e := range rep.Errors {
				if e.Path == tc.path && strings.Contains(e.Message, tc.message) {
					found = true
				}
			}
			if !found {
				t.Errorf("errors = %+v, want one for %s containing %q", rep.Errors, tc.path, tc.message)
			}
			if read := contains(rep.Files, tc.path); read != analyzerError[tc.name] {
				t.Errorf("%s: listed among analyzed files = %v, want %v", tc.path, read, analyzerError[tc.name])
			}
		})
	}
}

// TestAuditUnreadable uses file permissions; root reads any file, so the
// walker test below covers the same path with an injected failure.
func TestAuditUnreadable(t *testing.T) {
	t.Parallel()
	dir := botTree(t, map[string]string{"mysite/settings.py": "DEBUG = True\n", "locked/settings.py": "DEBUG = True\n"})
	if err := os.Chmod(filepath.Join(dir, "mysite", "settings.py"), 0); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(dir, "locked"), 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(filepath.Join(dir, "locked"), 0o755) })
	if f, err := os.Open(filepath.Join(dir, "mysite", "settings.py")); err == nil {
		f.Close()
		t.Skip("running as root (or without permission checks): a mode-000 file is still readable; TestWalkerReadFailure covers this path")
	}
	code, stdout, _ := botRun(t, "audit", "--format", "json", "--fail-on", "never", dir)
	rep := botJSON(t, stdout)
	if code != exitOK || len(rep.Errors) != 2 {
		t.Fatalf("exit %d, errors %+v; want 0 and two errors", code, rep.Errors)
	}
	if rep.Errors[0].Path != "locked" || !strings.Contains(rep.Errors[1].Message, "permission denied") {
		t.Errorf("errors = %+v", rep.Errors)
	}
}

func TestWalkerReadFailure(t *testing.T) {
	t.Parallel()
	dir := botTree(t, map[string]string{"mysite/settings.py": "DEBUG = True\n"})
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	w := &walker{root: root, t: &tree{files: map[string][]byte{}}, open: func(string) (io.ReadCloser, error) {
		return nil, &fs.PathError{Op: "open", Path: "x", Err: fs.ErrPermission}
	}}
	if err := filepath.WalkDir(root, w.visit); err != nil {
		t.Fatal(err)
	}
	want := []checks.FileError{{Path: "mysite/settings.py", Message: "cannot read: permission denied; not analyzed"}}
	if !reflect.DeepEqual(w.t.errors, want) || len(w.t.files) != 0 {
		t.Errorf("errors = %+v, files = %v; want %+v", w.t.errors, w.t.files, want)
	}
	// A read that fails half-way is reported the same way.
	w = &walker{root: root, t: &tree{files: map[string][]byte{}}, open: func(string) (io.ReadCloser, error) {
		return io.NopCloser(&failingReader{}), nil
	}}
	if err := filepath.WalkDir(root, w.visit); err != nil {
		t.Fatal(err)
	}
	if len(w.t.errors) != 1 || !strings.Contains(w.t.errors[0].Message, "input/output error") {
		t.Errorf("errors = %+v", w.t.errors)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, syscall.EIO }

func TestWithin(t *testing.T) {
	t.Parallel()
	cases := map[[2]string]bool{
		{"/a/b", "/a/b"}:       true,
		{"/a/b", "/a/b/c"}:     true,
		{"/a/b", "/a/bc"}:      false,
		{"/a/b", "/a"}:         false,
		{"/a/b", "/a/b/..c"}:   true,
		{"/a/b", "/etc/hosts"}: false,
	}
	for in, want := range cases {
		if got := within(in[0], in[1]); got != want {
			t.Errorf("within(%q, %q) = %v, want %v", in[0], in[1], got, want)
		}
	}
}

func TestAuditIgnorePaths(t *testing.T) {
	t.Parallel()
	dir := botTree(t, map[string]string{
		checks.ConfigPath:       "ignore_paths: [legacy/**]\n",
		"legacy/settings.py":    "DEBUG = True\x00",
		"legacy/old/.env":       "SECRET=\xff\n",
		"mysite/settings.py":    "DEBUG = False\n",
		"mysite/broken_blob.py": "\x00",
	})
	_, stdout, _ := botRun(t, "audit", "--format", "json", "--fail-on", "never", dir)
	rep := botJSON(t, stdout)
	if len(rep.Errors) != 1 || rep.Errors[0].Path != "mysite/broken_blob.py" {
		t.Errorf("errors = %+v, want only mysite/broken_blob.py (legacy/ is ignored)", rep.Errors)
	}
	for _, f := range rep.Files {
		if strings.HasPrefix(f, "legacy/") {
			t.Errorf("ignored file %s was analyzed", f)
		}
	}
}

func TestAuditSymlinkedRoot(t *testing.T) {
	t.Parallel()
	dir := botTree(t, map[string]string{"real/mysite/settings.py": "DEBUG = False\n"})
	link := filepath.Join(dir, "link")
	if err := os.Symlink(filepath.Join(dir, "real"), link); err != nil {
		t.Skipf("cannot create symlinks here: %v", err)
	}
	code, stdout, _ := botRun(t, "audit", "--format", "json", "--fail-on", "never", link)
	if rep := botJSON(t, stdout); code != exitOK || !reflect.DeepEqual(rep.Files, []string{"mysite/settings.py"}) || len(rep.Errors) != 0 {
		t.Errorf("exit %d, files %v, errors %v; want the tree behind the link", code, rep.Files, rep.Errors)
	}
}

// TestAuditExplainHint: the text report ends with one pointer to `bot
// explain`, whatever the number of findings, and none when nothing was
// found or the format is for machines.
func TestAuditExplainHint(t *testing.T) {
	t.Parallel()
	dir := botTree(t, map[string]string{"mysite/settings.py": "DEBUG = True\nSECRET_KEY = 'django-insecure-abcdefghijklmnopqrstuvwxyz0123456789'\n"})
	_, stdout, _ := botRun(t, "audit", dir)
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if n := strings.Count(stdout, "bot explain"); n != 1 || !strings.HasPrefix(lines[len(lines)-1], "Run `bot explain DJS") {
		t.Errorf("%d hints; last line %q", n, lines[len(lines)-1])
	}
	for _, args := range [][]string{{"audit", "--format", "json", dir}, {"audit", "--format", "github", dir}, {"audit", botTree(t, map[string]string{"README.md": "x\n"})}} {
		if _, stdout, _ := botRun(t, args...); strings.Contains(stdout, "bot explain") {
			t.Errorf("%v: a hint in\n%s", args, stdout)
		}
	}
}
