package review

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/djsec/djsec/checks"
)

// golden compares got with testdata/golden/NAME, or rewrites it under -update.
func golden(t *testing.T, name string, got string) {
	t.Helper()
	file := filepath.Join("testdata", "golden", name)
	if updating() {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run `go test ./review -update` to create it)", err)
	}
	if !bytes.Equal([]byte(got), want) {
		t.Errorf("summary differs from %s (run `go test ./review -update` and review the diff):\n--- got\n%s\n--- want\n%s", file, got, want)
	}
}

// unsafeSettings is a settings module with twenty findings, most of them
// about settings it never sets (reported on line 1).
const unsafeSettings = `SECRET_KEY = "django-insecure-abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmn"
DEBUG = True
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = ["django.contrib.admin", "django.contrib.auth", "django.contrib.sessions"]
MIDDLEWARE = ["django.middleware.security.SecurityMiddleware"]
ROOT_URLCONF = "mysite.urls"
SECURE_HSTS_SECONDS = 3600
CSRF_COOKIE_SECURE = False
SESSION_COOKIE_SECURE = False
SESSION_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = False
SECURE_REFERRER_POLICY = None
DEBUG_PROPAGATE_EXCEPTIONS = True
DATA_UPLOAD_MAX_NUMBER_FIELDS = None
`

// addedPatch is GitHub's patch for a new file: every line added.
func addedPatch(src string) string {
	lines := strings.Split(strings.TrimSuffix(src, "\n"), "\n")
	var b strings.Builder
	fmt.Fprintf(&b, "@@ -0,0 +1,%d @@\n", len(lines))
	for _, l := range lines {
		b.WriteString("+" + l + "\n")
	}
	return b.String()
}

// manyFiles is a pull request adding n settings modules of unsafeSettings
// in separate projects.
func manyFiles(n int) Input {
	in := Input{
		Repo: "acme/shop", HeadSHA: "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432", WebURL: "https://github.com",
		Head: map[string][]byte{".gitignore": []byte(".env\n")}, Base: map[string][]byte{},
		ConfigSource: "defaults", Now: testNow, RulesVersion: "2026.06",
	}
	for i := range n {
		p := fmt.Sprintf("site%03d/settings.py", i)
		in.Head[p] = []byte(unsafeSettings)
		in.Files = append(in.Files, ChangedFile{Path: p, Status: "added", Patch: addedPatch(unsafeSettings), Additions: 14})
	}
	return in
}

func TestSummaryGolden(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, dir string
		mod       func(*Input)
	}{
		{name: "clean.md", dir: "split-base-changed"},
		{name: "failing.md", dir: "safe-to-unsafe", mod: func(in *Input) { in.Fixer = true }},
		{name: "existing-suppressed-weakened.md", dir: "mixed", mod: func(in *Input) {
			in.ConfigSource = ".github/djsec.yml@main"
			in.Ignores = []Ignore{{Rule: "DJS603", Reason: "numeric-only PINs are checked elsewhere", By: "alice", Until: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)}}
		}},
		{name: "outside-diff.md", dir: "split-production-changed"},
		{name: "neutral-config.md", dir: "broken-config"},
		{name: "failing-parse-error.md", dir: "parse-error"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := loadCase(t, tc.dir)
			if tc.mod != nil {
				tc.mod(&in)
			}
			res := Review(context.Background(), in)
			golden(t, tc.name, res.Summary)
		})
	}
}

// TestSummaryHuge reviews a truncated pull request with 5,000 new
// findings: the annotations stop at 1,000, the summary at GitHub's limit,
// and both say what was left out.
func TestSummaryHuge(t *testing.T) {
	t.Parallel()
	in := manyFiles(250)
	in.Truncated = true
	res := Review(context.Background(), in)
	if len(res.New) < 5000 {
		t.Fatalf("%d new findings, want at least 5,000 (did unsafeSettings change?)", len(res.New))
	}
	if len(res.Annotations) != MaxAnnotations || res.Omitted != len(res.New)-MaxAnnotations {
		t.Errorf("annotations %d, omitted %d; want %d and %d", len(res.Annotations), res.Omitted, MaxAnnotations, len(res.New)-MaxAnnotations)
	}
	// The cap keeps the most severe: no notice survives while failures
	// were dropped.
	kept := map[Level]int{}
	for _, a := range res.Annotations {
		kept[a.Level]++
	}
	if kept[Notice] > 0 && kept[Failure] < countLevel(res.New, Failure) {
		t.Errorf("kept %v: notices kept while failures were dropped", kept)
	}
	if len(res.Summary) > MaxSummary {
		t.Fatalf("summary is %d bytes, want at most %d", len(res.Summary), MaxSummary)
	}
	if len(res.Summary) < MaxSummary-2000 {
		t.Errorf("summary is %d bytes: the cut keeps far fewer rows than fit", len(res.Summary))
	}
	for _, want := range []string{
		fmt.Sprintf("%s annotations were left out", commas(res.Omitted)),
		"more (run `bot audit` locally or see the annotations)",
		"GitHub lists only the first 3,000 files",
		"</sub>\n", // the footer survives the cut
	} {
		if !strings.Contains(res.Summary, want) {
			t.Errorf("summary lacks %q", want)
		}
	}
	golden(t, "truncated-huge.md", res.Summary)
}

func countLevel(fs []checks.Finding, l Level) int {
	n := 0
	for _, f := range fs {
		if levelOf(f.Severity) == l {
			n++
		}
	}
	return n
}

func TestEscape(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"a | b":                 `a \| b`,
		"`code`":                "\\`code\\`",
		"<script>&":             "&lt;script&gt;&amp;",
		"mysite/__init__.py":    `mysite/\_\_init\_\_.py`,
		`ALLOWED_HOSTS = ["*"]`: `ALLOWED\_HOSTS = \["\*"\]`,
		"two\nlines\r\nhere":    "two lines here",
		`back\slash ~~strike~~`: `back\\slash \~\~strike\~\~`,
		"[x](javascript:alert)": `\[x\](javascript:alert)`,
	} {
		if got := esc(in); got != want {
			t.Errorf("esc(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"defaults": "`defaults`",
		"a`b":      "`` a`b ``",
		"x@main\n": "`x@main `",
	} {
		if got := code(in); got != want {
			t.Errorf("code(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLinks(t *testing.T) {
	t.Parallel()
	l := linker{web: "https://ghe.example.com/", repo: "acme/shop", sha: "abc"}
	got := l.where("my site/(old)/settings|x.py", 7)
	want := "[my site/(old)/settings\\|x.py:7](https://ghe.example.com/acme/shop/blob/abc/my%20site/%28old%29/settings%7Cx.py#L7)"
	if got != want {
		t.Errorf("where = %s\nwant    %s", got, want)
	}
	if got := (linker{}).where("a_b.py", 3); got != `a\_b.py:3` {
		t.Errorf("without a repository: %s", got)
	}
	if got := (linker{repo: "acme/shop", sha: "abc"}).where("a.py", 0); got != "[a.py](https://github.com/acme/shop/blob/abc/a.py)" {
		t.Errorf("without a line: %s", got)
	}
}

// TestSummaryNeverTooLong feeds summaries whose fixed parts alone are too
// long (thousands of configuration errors, huge messages): the result
// still fits.
func TestSummaryNeverTooLong(t *testing.T) {
	t.Parallel()
	in := manyFiles(1)
	for i := range 5000 {
		in.ConfigErrors = append(in.ConfigErrors, checks.ConfigError{Path: checks.ConfigPath, Line: i + 1, Message: strings.Repeat("bad value ", 20)})
	}
	res := Review(context.Background(), in)
	if len(res.Summary) > MaxSummary {
		t.Fatalf("summary is %d bytes", len(res.Summary))
	}
	if res.Conclusion != ConclusionFailure || !strings.Contains(res.Summary, "more (run `bot audit`") {
		t.Errorf("conclusion %s; summary does not say rows were cut", res.Conclusion)
	}
	huge := &Result{Conclusion: ConclusionSuccess, New: []checks.Finding{{Rule: "DJS201", Slug: "debug-enabled", Severity: checks.Low, Path: "a.py", Line: 1, Message: strings.Repeat("é", 40000)}}}
	if s := summarize(Input{ConfigSource: strings.Repeat("x", 70000)}, checks.DefaultConfig(), huge, nil); len(s) > MaxSummary || !utf8.ValidString(s) {
		t.Errorf("summary is %d bytes, valid UTF-8 %t", len(s), utf8.ValidString(s))
	}
}

func TestTitles(t *testing.T) {
	t.Parallel()
	f := func(s checks.Severity) checks.Finding { return checks.Finding{Rule: "DJS201", Severity: s} }
	cfg := checks.DefaultConfig()
	for _, tc := range []struct {
		name       string
		cfg        func(*checks.Config)
		res        Result
		in         Input
		conclusion string
		title      string
	}{
		{"clean", nil, Result{}, Input{}, ConclusionSuccess, "No new findings"},
		{"failing", nil, Result{New: []checks.Finding{f(checks.High), f(checks.Medium), f(checks.High)}}, Input{}, ConclusionFailure, "3 new findings (2 high, 1 medium)"},
		{"below fail_on", nil, Result{New: []checks.Finding{f(checks.Medium)}}, Input{}, ConclusionSuccess, "1 new finding (1 medium)"},
		{"never", func(c *checks.Config) { c.FailNever = true }, Result{New: []checks.Finding{f(checks.Critical)}}, Input{}, ConclusionSuccess, "1 new finding (1 critical)"},
		{"existing", func(c *checks.Config) { c.FailOnExisting = true }, Result{Existing: []checks.Finding{f(checks.High), f(checks.Low)}}, Input{}, ConclusionFailure, "No new findings; 1 existing finding at or above high"},
		{"existing but never", func(c *checks.Config) { c.FailOnExisting, c.FailNever = true, true }, Result{Existing: []checks.Finding{f(checks.High)}}, Input{}, ConclusionSuccess, "No new findings"},
		{"config broken", nil, Result{Incomplete: []string{"x"}}, Input{ConfigErrors: []checks.ConfigError{{}}}, ConclusionNeutral, "No new findings; the djsec configuration is broken"},
		{"failure beats neutral", nil, Result{New: []checks.Finding{f(checks.Critical)}, Incomplete: []string{"x"}}, Input{ConfigErrors: []checks.ConfigError{{}}}, ConclusionFailure, "1 new finding (1 critical)"},
	} {
		c := *cfg
		if tc.cfg != nil {
			tc.cfg(&c)
		}
		if tc.res.HeadResult == nil {
			tc.res.HeadResult = &checks.Result{}
		}
		conclusion, title := conclude(tc.in, &c, &tc.res)
		if conclusion != tc.conclusion || title != tc.title {
			t.Errorf("%s: %s %q, want %s %q", tc.name, conclusion, title, tc.conclusion, tc.title)
		}
	}
}

// TestWeakenedSectionShortCells: the Weakened table keeps every cell short
// and puts the advice under the table, one line per row, naming the place
// when a setting weakened in two modules.
func TestWeakenedSectionShortCells(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("rest_framework.permissions.IsAuthenticated, ", 4)
	res := &Result{Weakened: []checks.Weakening{
		{Setting: "REST_FRAMEWORK.DEFAULT_PERMISSION_CLASSES", Path: "a/settings.py", Line: 3, Before: long, After: "[]", Message: "the API is open: put IsAuthenticated back"},
		{Setting: "DEBUG", Path: "a/settings.py", Line: 9, Before: "False", After: "True", Message: "DEBUG went from False to True"},
		{Setting: "DEBUG", Path: "b/settings.py", Line: 4, Before: "False", After: "True", Message: "DEBUG went from False to True"},
	}}
	s := weakenedSection(res, linker{})
	if len(s.rows) != 3 || len(s.notes) != 3 {
		t.Fatalf("%d rows and %d notes, want 3 each", len(s.rows), len(s.notes))
	}
	if strings.Count(s.head, "|") != 10 {
		t.Errorf("header %q: want four columns, the advice under the table", s.head)
	}
	for _, row := range s.rows {
		cells := strings.Split(strings.Trim(strings.TrimSpace(row), "|"), " | ")
		if len(cells) != 4 {
			t.Errorf("row %q: %d cells, want 4", row, len(cells))
		}
		for _, c := range cells {
			if n := len([]rune(strings.ReplaceAll(c, `\`, ""))); n > maxWeakSetting {
				t.Errorf("cell %q is %d characters long", c, n)
			}
		}
	}
	want := []string{
		"- the API is open: put IsAuthenticated back\n",
		"- a/settings.py:9: DEBUG went from False to True\n",
		"- b/settings.py:4: DEBUG went from False to True\n",
	}
	if !reflect.DeepEqual(s.notes, want) {
		t.Errorf("notes = %q, want %q", s.notes, want)
	}
}
