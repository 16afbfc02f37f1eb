package checks

import (
	"context"
	"strings"
	"testing"
	"time"
)

// analyzeFiles runs the analyzer over in-memory files (path → content) in
// audit mode with the default configuration.
func analyzeFiles(t *testing.T, files map[string]string) *Result {
	t.Helper()
	in := Input{Files: withManage(files), Now: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC), Audit: true}
	return Analyze(context.Background(), in)
}

// testManagePy is the manage.py of a test project whose settings module is
// mysite.settings.
const testManagePy = "import os\nos.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", \"mysite.settings\")\n"

// withManage turns test files into a project: a lone mysite/settings.py
// gets the manage.py every Django project has, which names it, so a test
// module that sets only the setting under test (DEBUG = True, no
// INSTALLED_APPS) is still the project's settings. Tests that give their
// own manage.py keep it.
func withManage(files map[string]string) map[string][]byte {
	out := map[string][]byte{}
	hasManage := false
	for p, s := range files {
		out[p] = []byte(s)
		if p == "manage.py" || strings.HasSuffix(p, "/manage.py") {
			hasManage = true
			if s == "" {
				// An empty manage.py stands for the usual one.
				out[p] = []byte(testManagePy)
			}
		}
	}
	_, single := files["mysite/settings.py"]
	_, pkg := files["mysite/settings/__init__.py"]
	if !hasManage && (single || pkg) {
		out["manage.py"] = []byte(testManagePy)
	}
	return out
}

// analyzeSettings analyzes one settings module at mysite/settings.py.
func analyzeSettings(t *testing.T, src string) *Result {
	t.Helper()
	return analyzeFiles(t, map[string]string{"mysite/settings.py": src})
}

// findingsOf returns the unsuppressed findings of one rule, merged ones
// that stand for it included (a DJS101 finding that took DJS103 in).
func findingsOf(res *Result, ruleID string) []Finding {
	var out []Finding
	for _, f := range res.Findings {
		if f.StandsFor(ruleID) && !f.Suppressed {
			out = append(out, f)
		}
	}
	return out
}

// ruleIDs lists the rule IDs of unsuppressed findings, for failure messages.
func ruleIDs(res *Result) string {
	var ids []string
	for _, f := range res.Findings {
		if !f.Suppressed {
			ids = append(ids, f.Rule+"@"+f.Path+":"+itoa(f.Line))
		}
	}
	return strings.Join(ids, " ")
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	neg := i < 0
	if neg {
		i = -i
	}
	var b []byte
	for i > 0 {
		b = append([]byte{byte('0' + i%10)}, b...)
		i /= 10
	}
	if neg {
		b = append([]byte{'-'}, b...)
	}
	return string(b)
}

type ruleCase struct {
	name   string
	files  map[string]string // mysite/settings.py when only src is given
	src    string
	rule   string
	want   int
	sev    Severity // of the first finding, when set
	line   int      // of the first finding, when set
	path   string   // of the first finding, when set
	key    string   // of the first finding, when set
	django string   // of the first finding: "" unchecked, "none" empty
	msg    string   // substring of the first finding's message
	noMsg  string   // must not appear in any finding's message
	pr     bool     // analyze as a pull request (not audit mode)
}

func runRuleCases(t *testing.T, cases []ruleCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			files := tc.files
			if files == nil {
				files = map[string]string{"mysite/settings.py": tc.src}
			}
			var res *Result
			if tc.pr {
				in := Input{Files: withManage(files), Now: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)}
				res = Analyze(context.Background(), in)
			} else {
				res = analyzeFiles(t, files)
			}
			got := findingsOf(res, tc.rule)
			if len(got) != tc.want {
				var msgs []string
				for _, f := range got {
					msgs = append(msgs, f.Key+": "+f.Message)
				}
				t.Fatalf("%s: got %d findings, want %d; all findings: %s\n%s", tc.rule, len(got), tc.want, ruleIDs(res), strings.Join(msgs, "\n"))
			}
			if tc.noMsg != "" {
				for _, f := range got {
					if strings.Contains(f.Message, tc.noMsg) {
						t.Errorf("message %q contains %q", f.Message, tc.noMsg)
					}
				}
			}
			if len(got) == 0 {
				return
			}
			f := got[0]
			if tc.sev != 0 && f.Severity != tc.sev {
				t.Errorf("severity %v, want %v", f.Severity, tc.sev)
			}
			if tc.line != 0 && f.Line != tc.line {
				t.Errorf("line %d, want %d (%s)", f.Line, tc.line, f.Message)
			}
			if tc.path != "" && f.Path != tc.path {
				t.Errorf("path %q, want %q", f.Path, tc.path)
			}
			if tc.key != "" && f.Key != tc.key {
				t.Errorf("key %q, want %q", f.Key, tc.key)
			}
			switch tc.django {
			case "":
			case "none":
				if f.DjangoCheck != "" {
					t.Errorf("django_check %q, want empty", f.DjangoCheck)
				}
			default:
				if f.DjangoCheck != tc.django {
					t.Errorf("django_check %q, want %q", f.DjangoCheck, tc.django)
				}
			}
			if tc.msg != "" && !strings.Contains(f.Message, tc.msg) {
				t.Errorf("message %q lacks %q", f.Message, tc.msg)
			}
		})
	}
}
