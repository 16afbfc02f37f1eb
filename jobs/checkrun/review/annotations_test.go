package review

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/djsec/djsec/checks"
	"github.com/djsec/djsec/jobs/checkrun/review/patch"
)

func TestBatches(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		n    int
		want []int
	}{
		{0, nil}, {1, []int{1}}, {50, []int{50}}, {51, []int{50, 1}}, {101, []int{50, 50, 1}}, {1000, slices.Repeat([]int{50}, 20)},
	} {
		a := make([]Annotation, tc.n)
		for i := range a {
			a[i].StartLine = i + 1
		}
		var got []int
		next := 1
		for _, b := range Batches(a) {
			got = append(got, len(b))
			for _, x := range b {
				if x.StartLine != next {
					t.Fatalf("n=%d: annotation %d out of order", tc.n, x.StartLine)
				}
				next++
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("Batches(%d) sizes = %v, want %v", tc.n, got, tc.want)
		}
	}
}

// TestReviewManyFindings is the issue's case: 120 findings on added lines
// go out in three requests, and every annotation sits on a diff line.
func TestReviewManyFindings(t *testing.T) {
	t.Parallel()
	in := manyFiles(6)
	res := Review(context.Background(), in)
	if len(res.New) != 120 {
		t.Fatalf("%d new findings, want 120: six files of twenty (did a rule change what unsafeSettings triggers?)", len(res.New))
	}
	if len(res.Annotations) != len(res.New) || len(res.Outside) != 0 {
		t.Errorf("%d annotations and %d outside for %d new findings on added lines", len(res.Annotations), len(res.Outside), len(res.New))
	}
	var sizes []int
	for _, b := range Batches(res.Annotations) {
		sizes = append(sizes, len(b))
	}
	if want := []int{50, 50, 20}; !slices.Equal(sizes, want) {
		t.Errorf("batch sizes = %v, want %v", sizes, want)
	}
	checkInvariants(t, in, res)
}

func TestCapAnnotationsKeepsMostSevere(t *testing.T) {
	t.Parallel()
	all := []Annotation{
		{Path: "b.py", StartLine: 1, Level: Notice},
		{Path: "a.py", StartLine: 9, Level: Failure},
		{Path: "a.py", StartLine: 2, Level: Warning},
		{Path: "c.py", StartLine: 1, Level: Failure},
		{Path: "a.py", StartLine: 1, Level: Notice},
	}
	got, omitted := capAnnotations(all, 3)
	if omitted != 2 {
		t.Errorf("omitted = %d, want 2", omitted)
	}
	want := []string{"a.py:2-0 warning ", "a.py:9-0 failure ", "c.py:1-0 failure "}
	diffStrings(t, "kept", briefAnnotations(got), want)
	if got, omitted := capAnnotations(all, 10); len(got) != 5 || omitted != 0 {
		t.Errorf("under the cap: %d kept, %d omitted", len(got), omitted)
	}
}

func TestLevels(t *testing.T) {
	t.Parallel()
	for s, want := range map[checks.Severity]Level{
		checks.Critical: Failure, checks.High: Failure, checks.Medium: Warning, checks.Low: Notice, checks.Info: Notice,
	} {
		if got := levelOf(s); got != want {
			t.Errorf("levelOf(%s) = %s, want %s", s, got, want)
		}
	}
}

func TestFindingAnnotation(t *testing.T) {
	t.Parallel()
	f := checks.Finding{Rule: "DJS201", Slug: "debug-enabled", Severity: checks.Critical, Path: "mysite/settings.py", Line: 4, Column: 1, EndLine: 6, Message: "DEBUG is True: turn it off"}
	lines := patch.Lines{3: true, 4: true, 5: true, 9: true}
	a, ok := findingAnnotation(f, lines)
	if !ok {
		t.Fatal("a finding starting on a diff line was not annotated")
	}
	if a.Title != "DJS201 debug-enabled" || a.Message != f.Message || a.Level != Failure {
		t.Errorf("annotation = %+v", a)
	}
	if a.StartLine != 4 || a.EndLine != 5 {
		t.Errorf("lines %d-%d, want 4-5 (clamped to the hunk)", a.StartLine, a.EndLine)
	}
	r, _ := checks.LookupRule("DJS201")
	if !strings.Contains(a.RawDetails, r.DocsURL()) || strings.Contains(a.RawDetails, "```") {
		t.Errorf("raw details %q: want the plain-text fix and the docs link", a.RawDetails)
	}
	// A statement the pull request touched in its middle.
	f.Line, f.EndLine = 7, 10
	if a, ok := findingAnnotation(f, lines); !ok || a.StartLine != 9 || a.EndLine != 9 {
		t.Errorf("multi-line finding: %+v, %t; want line 9", a, ok)
	}
	for _, tc := range []struct {
		name  string
		line  int
		lines patch.Lines
	}{
		{"outside every hunk", 7, lines},
		{"no patch", 4, nil},
	} {
		f.Line, f.EndLine = tc.line, tc.line
		if _, ok := findingAnnotation(f, tc.lines); ok {
			t.Errorf("%s: annotated", tc.name)
		}
	}
}

func TestPlainText(t *testing.T) {
	t.Parallel()
	got := plainText("Turn it **off**, see [the docs](https://example.com/x):\n\n```python\nDEBUG = False\n```\n\nUse `env()`.")
	want := "Turn it off, see the docs (https://example.com/x):\n\nDEBUG = False\n\nUse env()."
	if got != want {
		t.Errorf("plainText = %q, want %q", got, want)
	}
}

func TestActions(t *testing.T) {
	t.Parallel()
	crit := checks.Finding{Rule: "DJS201", Severity: checks.Critical, Fixable: true}
	ids := func(in Input, res *Result) string {
		var out []string
		for _, a := range actions(in, res) {
			out = append(out, a.Identifier)
		}
		return strings.Join(out, ",")
	}
	for _, tc := range []struct {
		name  string
		fixer bool
		res   Result
		want  string
	}{
		{"new fixable critical", true, Result{New: []checks.Finding{crit}}, "fix,recheck"},
		{"existing fixable critical", true, Result{Existing: []checks.Finding{crit}}, "fix,recheck"},
		{"no fixer", false, Result{New: []checks.Finding{crit}}, "recheck"},
		{"suppressed only", true, Result{Suppressed: []checks.Finding{crit}}, "recheck"},
		{"not fixable", true, Result{New: []checks.Finding{{Severity: checks.Critical}}}, "recheck"},
		{"high only", true, Result{New: []checks.Finding{{Severity: checks.High, Fixable: true}}}, "recheck"},
	} {
		if got := ids(Input{Fixer: tc.fixer}, &tc.res); got != tc.want {
			t.Errorf("%s: actions %s, want %s", tc.name, got, tc.want)
		}
	}
	for _, a := range actions(Input{Fixer: true}, &Result{New: []checks.Finding{crit}}) {
		if len(a.Label) > 20 || len(a.Description) > 40 || len(a.Identifier) > 20 {
			t.Errorf("action %+v exceeds GitHub's limits", a)
		}
	}
}

// TestReviewUnreadablePatch: a patch that does not parse is not silently
// dropped: the findings go to the summary, which says why.
func TestReviewUnreadablePatch(t *testing.T) {
	t.Parallel()
	in := manyFiles(1)
	in.Files[0].Patch = "@@ -0,0 +1,99 @@\n+only one line\n"
	res := Review(context.Background(), in)
	if len(res.Annotations) != 0 || len(res.Outside) != len(res.New) || len(res.New) == 0 {
		t.Errorf("%d annotations, %d outside, %d new", len(res.Annotations), len(res.Outside), len(res.New))
	}
	if !strings.Contains(res.Summary, "patch of site000/settings.py could not be read") {
		t.Errorf("summary does not say the patch was unreadable:\n%s", res.Summary)
	}
}

func ExampleBatches() {
	a := make([]Annotation, 120)
	for _, b := range Batches(a) {
		fmt.Print(len(b), " ")
	}
	// Output: 50 50 20
}
