package review

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/djsec/djsec/checks"
	"github.com/djsec/djsec/jobs/checkrun/review/patch"
)

// The package's tests share one -update flag (reverse_test.go may define
// it first); golden files under testdata/golden are rewritten with it.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite the golden files")
	}
}

func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// testNow is the date every test review judges against.
var testNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// loadCase builds a review's input from testdata/cases/NAME: its base/ and
// head/ trees, the per-file patches genpatches.sh wrote with git diff, an
// optional `renames` file ("old new" per line) and `nopatch` (head paths
// GitHub sent without a patch). Like the processor, it lists only the
// files that differ and passes an unchanged file once, at head.
func loadCase(t *testing.T, name string) Input {
	t.Helper()
	dir := filepath.Join("testdata", "cases", name)
	base, head := readTree(t, filepath.Join(dir, "base")), readTree(t, filepath.Join(dir, "head"))
	renames := map[string]string{} // head path -> base path
	for _, l := range lines(t, filepath.Join(dir, "renames")) {
		f := strings.Fields(l)
		renames[f[1]] = f[0]
	}
	nopatch := map[string]bool{}
	for _, l := range lines(t, filepath.Join(dir, "nopatch")) {
		nopatch[l] = true
	}
	in := Input{
		Repo: "acme/shop", HeadSHA: "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432", BaseSHA: "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d",
		WebURL: "https://github.com", Head: head, Base: map[string][]byte{},
		ConfigSource: "defaults", Now: testNow, RulesVersion: "2026.06",
	}
	if data, ok := base[checks.ConfigPath]; ok {
		in.Config, in.ConfigErrors = checks.ParseConfig(checks.ConfigPath, data)
		in.ConfigSource = checks.ConfigPath + "@main"
	}
	renamedFrom := map[string]bool{}
	for _, from := range renames {
		renamedFrom[from] = true
	}
	for _, p := range slices.Sorted(keysOf(base, head)) {
		if renamedFrom[p] {
			continue
		}
		f := ChangedFile{Path: p}
		b, atBase := base[p]
		h, atHead := head[p]
		if from, ok := renames[p]; ok {
			f.PreviousPath, f.Status = from, "renamed"
			b, atBase = base[from], true
		}
		switch {
		case !atHead:
			f.Status = "removed"
		case !atBase:
			f.Status = "added"
		case bytes.Equal(b, h) && f.Status == "":
			continue // unchanged: not listed, given at head only
		case f.Status == "":
			f.Status = "modified"
		}
		if atBase {
			in.Base[cmpOr(f.PreviousPath, p)] = b
		}
		if !nopatch[p] && !(f.Status == "renamed" && bytes.Equal(b, h)) {
			patch, err := os.ReadFile(filepath.Join(dir, "patches", filepath.FromSlash(p)+".diff"))
			if err != nil {
				t.Fatalf("%v (run `sh review/testdata/genpatches.sh`)", err)
			}
			f.Patch = string(patch)
		}
		in.Files = append(in.Files, f)
	}
	return in
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func keysOf(ms ...map[string][]byte) func(func(string) bool) {
	return func(yield func(string) bool) {
		seen := map[string]bool{}
		for _, m := range ms {
			for k := range m {
				if !seen[k] {
					seen[k] = true
					if !yield(k) {
						return
					}
				}
			}
		}
	}
}

func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = data
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return out
}

func lines(t *testing.T, file string) []string {
	t.Helper()
	data, err := os.ReadFile(file)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// brief writes findings as "DJS201 path:line" for comparisons.
func brief(fs []checks.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%s %s:%d", f.Rule, f.Path, f.Line))
	}
	slices.Sort(out)
	return out
}

func briefAnnotations(as []Annotation) []string {
	var out []string
	for _, a := range as {
		out = append(out, fmt.Sprintf("%s:%d-%d %s %s", a.Path, a.StartLine, a.EndLine, a.Level, a.Title))
	}
	return out
}

func diffStrings(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got  %q\n want %q", what, got, want)
	}
}

func TestReviewCases(t *testing.T) {
	t.Parallel()
	future, past := testNow.AddDate(0, 1, 0), testNow.AddDate(0, -1, 0)
	cases := []struct {
		name, dir   string
		mod         func(*Input)
		conclusion  string
		annotations []string
		new         []string
		outside     []string
		existing    []string
		suppressed  []string
		fixed       []string
		incomplete  int
	}{
		{
			name: "safe to unsafe annotates exactly the offending lines", dir: "safe-to-unsafe",
			conclusion: ConclusionFailure,
			annotations: []string{
				"mysite/settings.py:17-17 failure DJS201 debug-enabled",
				"mysite/settings.py:19-19 failure DJS202 allowed-hosts-wildcard",
				"mysite/settings.py:110-110 failure DJS406 session-cookie-insecure",
			},
			new: []string{"DJS201 mysite/settings.py:17", "DJS202 mysite/settings.py:19", "DJS406 mysite/settings.py:110"},
		},
		{
			name: "fail_on never passes a critical finding", dir: "safe-to-unsafe",
			mod:        func(in *Input) { in.Config = checks.DefaultConfig(); in.Config.FailNever = true },
			conclusion: ConclusionSuccess,
			annotations: []string{
				"mysite/settings.py:17-17 failure DJS201 debug-enabled",
				"mysite/settings.py:19-19 failure DJS202 allowed-hosts-wildcard",
				"mysite/settings.py:110-110 failure DJS406 session-cookie-insecure",
			},
			new: []string{"DJS201 mysite/settings.py:17", "DJS202 mysite/settings.py:19", "DJS406 mysite/settings.py:110"},
		},
		{
			name: "fail_on critical fails on the critical one only", dir: "safe-to-unsafe",
			mod:        func(in *Input) { in.Config = checks.DefaultConfig(); in.Config.FailOn = checks.Critical },
			conclusion: ConclusionFailure,
			annotations: []string{
				"mysite/settings.py:17-17 failure DJS201 debug-enabled",
				"mysite/settings.py:19-19 failure DJS202 allowed-hosts-wildcard",
				"mysite/settings.py:110-110 failure DJS406 session-cookie-insecure",
			},
			new: []string{"DJS201 mysite/settings.py:17", "DJS202 mysite/settings.py:19", "DJS406 mysite/settings.py:110"},
		},
		{
			name: "an unsafe line already at base is listed, not punished", dir: "existing-untouched",
			conclusion: ConclusionSuccess,
			existing:   []string{"DJS201 mysite/settings.py:17"},
		},
		{
			name: "fail_on_existing fails on an inherited finding", dir: "existing-untouched",
			mod:        func(in *Input) { in.Config = checks.DefaultConfig(); in.Config.FailOnExisting = true },
			conclusion: ConclusionFailure,
			existing:   []string{"DJS201 mysite/settings.py:17"},
		},
		{
			name: "fail_on_existing below fail_on stays green", dir: "existing-untouched",
			mod: func(in *Input) {
				in.Config = checks.DefaultConfig()
				in.Config.FailOnExisting, in.Config.FailOn = true, checks.Critical
				in.Config.Severity = map[string]checks.Severity{"DJS201": checks.High}
			},
			conclusion: ConclusionSuccess,
			existing:   []string{"DJS201 mysite/settings.py:17"},
		},
		{
			name: "base.py turns DEBUG on but production.py overrides it", dir: "split-base-changed",
			conclusion: ConclusionSuccess,
		},
		{
			name: "production.py drops its override of base.py", dir: "split-production-changed",
			conclusion: ConclusionFailure,
			new:        []string{"DJS201 mysite/settings/base.py:17"},
			outside:    []string{"DJS201 mysite/settings/base.py:17"},
		},
		{
			// Development modules get no findings (DEBUG on is expected
			// there), so deleting one fixes nothing and breaks nothing.
			name: "a deleted development module is not news", dir: "deleted",
			conclusion: ConclusionSuccess,
		},
		{
			name: "a renamed file keeps its findings; the added line is new", dir: "renamed",
			conclusion:  ConclusionFailure,
			annotations: []string{"config/settings.py:19-19 failure DJS202 allowed-hosts-wildcard"},
			new:         []string{"DJS202 config/settings.py:19"},
			existing:    []string{"DJS201 config/settings.py:17"},
		},
		{
			name: "a file renamed unchanged has nothing new", dir: "renamed-unchanged",
			conclusion: ConclusionSuccess,
			existing:   []string{"DJS201 config/settings.py:17"},
		},
		{
			name: "a file without a patch goes to the summary", dir: "no-patch",
			conclusion: ConclusionFailure,
			new:        []string{"DJS201 mysite/settings.py:17"},
			outside:    []string{"DJS201 mysite/settings.py:17"},
		},
		{
			// Django would not start: a settings module that does not
			// parse is a high finding, and fails the default gate.
			name: "a syntax error fails the check", dir: "parse-error",
			conclusion:  ConclusionFailure,
			annotations: []string{"mysite/settings.py:160-160 failure DJS001 settings-parse-error"},
			new:         []string{"DJS001 mysite/settings.py:160"},
			incomplete:  1,
		},
		{
			name: "suppressed inline and by an ignore; an expired ignore no longer applies", dir: "suppressed",
			mod: func(in *Input) {
				in.Ignores = []Ignore{
					{Rule: "allowed-hosts-wildcard", PathGlob: "**/settings.py", Reason: "behind a proxy that checks Host", By: "alice", Until: future},
					{Rule: "DJS406", Reason: "until the certificate arrives", By: "bob", Until: past},
				}
			},
			conclusion:  ConclusionFailure,
			annotations: []string{"mysite/settings.py:110-110 failure DJS406 session-cookie-insecure"},
			new:         []string{"DJS406 mysite/settings.py:110"},
			suppressed:  []string{"DJS201 mysite/settings.py:17", "DJS202 mysite/settings.py:19"},
		},
		{
			name: "an ignore applies only where its glob matches", dir: "suppressed",
			mod: func(in *Input) {
				in.Ignores = []Ignore{{Rule: "DJS202", PathGlob: "legacy/**"}, {Rule: "DJS406", PathGlob: "mysite/*.py"}}
			},
			conclusion:  ConclusionFailure,
			annotations: []string{"mysite/settings.py:19-19 failure DJS202 allowed-hosts-wildcard"},
			new:         []string{"DJS202 mysite/settings.py:19"},
			suppressed:  []string{"DJS201 mysite/settings.py:17", "DJS406 mysite/settings.py:110"},
		},
		{
			name: "a broken configuration on the base branch makes the check neutral", dir: "broken-config",
			conclusion: ConclusionNeutral,
			existing:   []string{"DJS002 .github/djsec.yml:1"},
			incomplete: 1,
		},
		{
			name: "a mistake the pull request adds to the configuration is new", dir: "config-changed",
			conclusion:  ConclusionSuccess,
			annotations: []string{".github/djsec.yml:3-3 warning DJS002 config-invalid"},
			new:         []string{"DJS002 .github/djsec.yml:3"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := loadCase(t, tc.dir)
			if tc.mod != nil {
				tc.mod(&in)
			}
			res := Review(context.Background(), in)
			if res.Conclusion != tc.conclusion {
				t.Errorf("conclusion = %s, want %s (title %q)", res.Conclusion, tc.conclusion, res.Title)
			}
			diffStrings(t, "annotations", briefAnnotations(res.Annotations), tc.annotations)
			diffStrings(t, "new", brief(res.New), tc.new)
			diffStrings(t, "outside", brief(res.Outside), tc.outside)
			diffStrings(t, "existing", brief(res.Existing), tc.existing)
			diffStrings(t, "suppressed", brief(res.Suppressed), tc.suppressed)
			diffStrings(t, "fixed", brief(res.Fixed), tc.fixed)
			if len(res.Incomplete) != tc.incomplete {
				t.Errorf("incomplete = %q, want %d reasons", res.Incomplete, tc.incomplete)
			}
			checkInvariants(t, in, res)
		})
	}
}

// checkInvariants holds for every review: annotations sit on diff lines of
// new, unsuppressed findings or weakenings; the summary fits; the limits
// on actions hold.
func checkInvariants(t *testing.T, in Input, res *Result) {
	t.Helper()
	patches := map[string]patch.Lines{}
	for _, f := range in.Files {
		if p, err := patch.Parse(f.Patch); err == nil {
			patches[f.Path] = p.Shown()
		}
	}
	for _, a := range res.Annotations {
		for ln := a.StartLine; ln <= a.EndLine; ln++ {
			if !patches[a.Path][ln] {
				t.Errorf("annotation %s:%d is not on a line of the diff", a.Path, ln)
			}
		}
		if a.StartLine != a.EndLine && (a.StartColumn != 0 || a.EndColumn != 0) {
			t.Errorf("annotation %s:%d-%d has columns over several lines", a.Path, a.StartLine, a.EndLine)
		}
	}
	for _, f := range res.Suppressed {
		if f.SuppressReason == "" && !strings.Contains(res.Summary, "no reason given") {
			t.Errorf("suppressed %s %s:%d has no reason", f.Rule, f.Path, f.Line)
		}
	}
	if len(res.Annotations) > MaxAnnotations {
		t.Errorf("%d annotations, want at most %d", len(res.Annotations), MaxAnnotations)
	}
	if len(res.Summary) > MaxSummary {
		t.Errorf("summary is %d bytes, want at most %d", len(res.Summary), MaxSummary)
	}
	if !slices.IsSortedFunc(res.Annotations, byPosition) {
		t.Error("annotations are not in path/line order")
	}
	for _, a := range res.Actions {
		if len(a.Label) > 20 || len(a.Description) > 40 || len(a.Identifier) > 20 {
			t.Errorf("action %+v exceeds GitHub's limits", a)
		}
	}
	if res.Actions[len(res.Actions)-1].Identifier != "recheck" {
		t.Errorf("actions %+v: want Recheck last", res.Actions)
	}
	if res.Title == "" || strings.Contains(res.Title, "\n") {
		t.Errorf("title %q: want one line", res.Title)
	}
}

func TestRelevant(t *testing.T) {
	t.Parallel()
	for p, want := range map[string]bool{
		"mysite/settings.py":         true,
		".github/djsec.yml":          true,
		".github/djsec.yaml":         true,
		"requirements.txt":           true,
		"README.md":                  false,
		"static/app.js":              false,
		".github/workflows/ci.yml":   true, // names test settings (entry points)
		"node_modules/x/settings.py": false,
	} {
		if got := Relevant(p); got != want {
			t.Errorf("Relevant(%q) = %t, want %t", p, got, want)
		}
	}
}
