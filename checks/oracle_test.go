//go:build treesitter

package checks_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/djsec/djsec/checks"
	"github.com/djsec/djsec/checks/pysrc"
)

// brokenSettings are settings modules with syntax errors, the inputs on
// which the Go parser's recovery (checks/pysrc/recover.go) builds trees
// that differ from tree-sitter's.
var brokenSettings = []string{
	"DEBUG = True\nX = (\nALLOWED_HOSTS = ['*']\nSECRET_KEY = 'x'\n",
	"DEBUG = False\ndef f(:\n    pass\nALLOWED_HOSTS = ['*']\nSECRET_KEY = 'abc'\n",
	"if True:\n\tDEBUG = (\n",
	"DEBUG = True\nSECRET_KEY = 'django-insecure-x'\nALLOWED_HOSTS = ['*'\nMIDDLEWARE = []\n",
	"import os\nDEBUG = os.environ.get('DEBUG') == '1'\nif DEBUG:\n    ALLOWED_HOSTS = = []\nSECRET_KEY = os.environ['K']\n",
	"DEBUG = True\nx = 'unterminated\nSESSION_COOKIE_SECURE = False\n",
	"DEBUG = True\n    indented = 1\nCSRF_COOKIE_SECURE = False\n",
	"from .base import *\nDEBUG = True\nINSTALLED_APPS += [\n    'debug_toolbar',\n\nSECRET_KEY = 'dev'\n",
	"DEBUG = True\nclass Broken(\n    pass\nX_FRAME_OPTIONS = 'ALLOWALL'\n",
}

// oracleSettings is a realistic settings module; every prefix of it (cut
// at each line, and inside the line) is a broken module of the kind an
// editor saves mid-edit.
const oracleSettings = `import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = 'django-insecure-0123456789abcdefghijklmnopqrstuvwxyz'
DEBUG = True
ALLOWED_HOSTS = ['*']

INSTALLED_APPS = [
    'django.contrib.admin',
    'django.contrib.auth',
]

MIDDLEWARE = [
    'django.middleware.security.SecurityMiddleware',
    'django.contrib.sessions.middleware.SessionMiddleware',
]

if os.environ.get('PRODUCTION'):
    DEBUG = False
    SESSION_COOKIE_SECURE = True
else:
    CSRF_COOKIE_SECURE = False

DATABASES = {
    'default': {
        'ENGINE': 'django.db.backends.postgresql',
        'PASSWORD': 'hunter2',
    }
}
CORS_ALLOW_ALL_ORIGINS = True
`

// findingLines describes a result for comparison: every finding's rule,
// path, line and message, and every file error.
func findingLines(res *checks.Result) []string {
	var out []string
	for _, f := range res.Findings {
		out = append(out, fmt.Sprintf("%s %s:%d %s", f.Rule, f.Path, f.Line, f.Message))
	}
	for _, e := range res.Errors {
		out = append(out, "error "+e.Path+": "+e.Message)
	}
	slices.Sort(out)
	return out
}

// syntaxAt is where DJS001 says the syntax error is; the Go parser names the
// token it stopped at, tree-sitter the start of its ERROR node, which may be
// elsewhere on the line or on a line nearby.
var syntaxAt = regexp.MustCompile(`(line|column) \d+`)

// TestFindingsSameOnBothParsers runs the analyzer on broken settings with
// the Go parser and with tree-sitter: the findings must be the same but
// for where DJS001 places the syntax error. Differences are counted and
// must stay under the bound each input set states, with every differing
// case logged so a reader can judge it (docs/ANALYZER.md lists the kinds).
// Not parallel: it switches the parser for the whole process.
func TestFindingsSameOnBothParsers(t *testing.T) {
	run := func(files map[string]string) *checks.Result {
		in := checks.Input{Files: map[string][]byte{}, Now: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC), Audit: true}
		for p, s := range files {
			in.Files[p] = []byte(s)
		}
		if _, ok := in.Files["manage.py"]; !ok {
			in.Files["manage.py"] = []byte("import os\nos.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", \"mysite.settings\")\n")
		}
		return checks.Analyze(context.Background(), in)
	}
	analyze := func(files map[string]string) (goRes, tsRes []string) {
		goRes = findingLines(run(files))
		pysrc.UseTreeSitter(true)
		defer pysrc.UseTreeSitter(false)
		tsRes = findingLines(run(files))
		return goRes, tsRes
	}
	norm := func(lines []string) string {
		var b strings.Builder
		for _, l := range lines {
			if strings.HasPrefix(l, "DJS001 ") {
				// DJS001's anchor line is the error's.
				l = "DJS001 " + syntaxAt.ReplaceAllString(l[strings.Index(l, " ")+1:], "$1 N")
				if i := strings.Index(l, ":"); i > 0 {
					if j := strings.Index(l[i:], " "); j > 0 {
						l = l[:i] + l[i+j:]
					}
				}
			}
			b.WriteString(l + "\n")
		}
		return b.String()
	}
	type set struct {
		name    string
		inputs  []string
		maxDiff int // the differences this set may have; see the log
	}
	var prefixes []string
	lines := strings.SplitAfter(oracleSettings, "\n")
	for i := 1; i < len(lines); i++ {
		whole := strings.Join(lines[:i], "")
		prefixes = append(prefixes, whole, whole+lines[i][:len(lines[i])/2])
	}
	for _, s := range []set{
		{"broken settings", brokenSettings, 0},
		// Known: a compound statement cut after its colon (if x:\n at the
		// end), an empty block tree-sitter accepts and Python rejects.
		{"prefixes of a settings module", prefixes, len(prefixes) / 10},
	} {
		diffs := 0
		for _, src := range s.inputs {
			g, ts := analyze(map[string]string{"mysite/settings.py": src})
			if norm(g) == norm(ts) {
				continue
			}
			diffs++
			t.Logf("%s: %q\n  Go parser:   %q\n  tree-sitter: %q", s.name, src, g, ts)
		}
		t.Logf("%s: %d of %d inputs differ", s.name, diffs, len(s.inputs))
		if diffs > s.maxDiff {
			t.Errorf("%s: %d of %d inputs give other findings with the Go parser than with tree-sitter (bound %d)", s.name, diffs, len(s.inputs), s.maxDiff)
		}
	}
	// The hostile inputs are valid Python: identical findings.
	for _, tc := range hostileCases() {
		if strings.Contains(tc.name, "100k") || strings.Contains(tc.name, "200k") || strings.Contains(tc.name, "1,000") {
			continue // minutes under tree-sitter's slower path; TestHostileSettingsBounded covers them
		}
		g, ts := analyze(tc.files(t))
		if norm(g) != norm(ts) {
			t.Errorf("hostile %s:\n  Go parser:   %q\n  tree-sitter: %q", tc.name, g, ts)
		}
	}
}
