package patch

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
)

func sorted(l Lines) []int {
	return slices.Sorted(maps.Keys(l))
}

// TestParse pins what one reading of a patch gives each of its users: the
// head lines it shows (annotations, suggestions) and the ones it adds.
func TestParse(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, patch  string
		shown, added []int
		err          string // substring of the error; "" for none
	}{
		{"added and context", "@@ -1,3 +1,4 @@\n a\n-b\n+c\n+d\n e\n", []int{1, 2, 3, 4}, []int{2, 3}, ""},
		{"two hunks", "@@ -1,2 +1,2 @@\n-a\n+A\n b\n@@ -10,2 +10,3 @@\n x\n+y\n z\n", []int{1, 2, 10, 11, 12}, []int{1, 11}, ""},
		{"new file", "@@ -0,0 +1,2 @@\n+a\n+b", []int{1, 2}, []int{1, 2}, ""},
		{"deleted file", "@@ -1,2 +0,0 @@\n-a\n-b\n", nil, nil, ""},
		{"pure insertion", "@@ -3,0 +4,2 @@\n+x\n+y", []int{4, 5}, []int{4, 5}, ""},
		{"pure removal", "@@ -4,2 +3,0 @@\n-x\n-y", nil, nil, ""},
		{"no newline marker on both sides", "@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+b\n\\ No newline at end of file\n", []int{1}, []int{1}, ""},
		{"no newline marker after context", "@@ -1,2 +1,2 @@\n-a\n+A\n b\n\\ No newline at end of file", []int{1, 2}, []int{1}, ""},
		{"localised marker", "@@ -1 +1 @@\n-a\n+b\n\\ Kein Zeilenumbruch am Dateiende.", []int{1}, []int{1}, ""},
		{"CRLF lines", "@@ -1,2 +1,2 @@\n a\r\n-b\r\n+B\r", []int{1, 2}, []int{2}, ""},
		{"trimmed blank context", "@@ -1,3 +1,3 @@\n a\n\n-b\n+c\n", []int{1, 2, 3}, []int{3}, ""},
		{"trailing blank context cut off", "@@ -1,4 +1,4 @@\n a\n-b\n+B", []int{1, 2, 3, 4}, []int{2}, ""},
		{"header with a section", "@@ -5,2 +5,2 @@ def view(request):\n-x\n+y\n z", []int{5, 6}, []int{5}, ""},
		{"lines that look like headers", "@@ -1,2 +1,2 @@\n-@@ -1 +1 @@\n+--- a\n +++ b", []int{1, 2}, []int{1}, ""},
		{"whole git diff", "diff --git a/x b/x\nindex 1..2 100644\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n", []int{1}, []int{1}, ""},
		{"new file git diff", "diff --git a/x b/x\nnew file mode 100644\n--- /dev/null\n+++ b/x\n@@ -0,0 +1 @@\n+a", []int{1}, []int{1}, ""},

		{"empty", "", nil, nil, "has no patch"},
		{"blank", " \n\n", nil, nil, "has no patch"},
		{"truncated", "@@ -1,1 +1,3 @@\n+a\n", nil, nil, "ends inside hunk"},
		{"cut in a second hunk", "@@ -1 +1 @@\n-a\n+A\n@@ -9,3 +9,3 @@\n x\n-y", nil, nil, "ends inside hunk"},
		{"more lines than the header says", "@@ -1 +1 @@\n-a\n+b\n c", nil, nil, "want a hunk header"},
		{"garbage line", "@@ -1,1 +1,1 @@\n*a\n", nil, nil, "not a hunk line"},
		{"not a patch", `{"message": "Not Found"}`, nil, nil, "want a hunk header"},
		{"header only", "diff --git a/x b/x\n--- a/x\n+++ b/x\n", nil, nil, "no hunk"},
		{"no change in the hunk", "@@ -1,2 +1,2 @@\n a\n b", nil, nil, "no added or removed line"},
		{"marker first", "@@ -1 +1 @@\n\\ No newline at end of file\n-a\n+b", nil, nil, "marker with no line"},
		{"marker in the middle", "@@ -1,3 +1,3 @@\n a\n\\ No newline at end of file\n-b\n+B\n c", nil, nil, "middle of the file"},
		{"overlapping hunks", "@@ -1,2 +1,2 @@\n a\n-b\n+B\n@@ -2,1 +2,1 @@\n-b\n+B", nil, nil, "overlaps"},
		{"line zero", "@@ -0,1 +0,1 @@\n-a\n+a", nil, nil, "line 0"},
		{"huge numbers", "@@ -1,99999999999999999999 +1 @@\n-a\n+a", nil, nil, "bad hunk count"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := Parse(tc.patch)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("Parse = %v, want an error mentioning %q", err, tc.err)
				}
				if p != nil {
					t.Fatalf("Parse returned a patch with its error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := sorted(p.Shown()); !slices.Equal(got, tc.shown) {
				t.Errorf("Shown = %v, want %v", got, tc.shown)
			}
			if got := sorted(p.Added()); !slices.Equal(got, tc.added) {
				t.Errorf("Added = %v, want %v", got, tc.added)
			}
		})
	}
	if _, err := Parse(""); !errors.Is(err, ErrNoPatch) {
		t.Errorf("Parse(\"\") = %v, want ErrNoPatch", err)
	}
}

func TestParseKeepsText(t *testing.T) {
	t.Parallel()
	p, err := Parse("@@ -1,2 +1,2 @@\n a\r\n-b\r\n+B\n\\ No newline at end of file")
	if err != nil {
		t.Fatal(err)
	}
	want := []Line{{Op: ' ', Text: "a\r"}, {Op: '-', Text: "b\r"}, {Op: '+', Text: "B", NoEOL: true}}
	if len(p.Hunks) != 1 || !slices.Equal(p.Hunks[0].Lines, want) {
		t.Fatalf("hunks %+v, want one with %+v", p.Hunks, want)
	}
}

func TestAddedText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		patch string
		want  string
		ok    bool
	}{
		{"whole file", "@@ -0,0 +1,3 @@\n+DEBUG = False\n+\n+X = 1", "DEBUG = False\n\nX = 1\n", true},
		{"no newline at the end", "@@ -0,0 +1,2 @@\n+a\n+b\n\\ No newline at end of file", "a\nb", true},
		{"one line, count left out", "@@ -0,0 +1 @@\n+only", "only\n", true},
		{"CRLF kept", "@@ -0,0 +1,2 @@\n+a\r\n+b\r", "a\r\nb\r\n", true},
		{"hunk header with a section", "@@ -0,0 +1,1 @@ def f():\n+x", "x\n", true},
		{"fewer lines than the header says (truncated)", "@@ -0,0 +1,3 @@\n+a\n+b", "", false},
		{"more lines than the header says", "@@ -0,0 +1,1 @@\n+a\n+b", "", false},
		{"not an added file's hunk", "@@ -1,2 +1,2 @@\n-a\n+b\n c", "", false},
		{"an insertion into an existing file", "@@ -0,0 +1,1 @@\n+a\n@@ -0,0 +2,1 @@\n+b", "", false},
		{"a context line", "@@ -0,0 +1,2 @@\n+a\n b", "", false},
		{"starts past line 1", "@@ -0,0 +2,1 @@\n+a", "", false},
		{"empty", "", "", false},
	}
	for _, tt := range tests {
		got, ok := AddedText(tt.patch)
		if ok != tt.ok || string(got) != tt.want {
			t.Errorf("%s: AddedText = %q, %v; want %q, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}

// What AddedText rebuilds, ReverseApply takes back to nothing: the two
// read the patch the same way.
func TestAddedTextAgreesWithReverseApply(t *testing.T) {
	t.Parallel()
	for _, text := range []string{"@@ -0,0 +1,3 @@\n+DEBUG = False\n+\n+X = 1", "@@ -0,0 +1,2 @@\n+a\n+b\n\\ No newline at end of file", "@@ -0,0 +1 @@\n+a\r"} {
		p, err := Parse(text)
		if err != nil {
			t.Fatal(err)
		}
		head, ok := p.AddedText()
		if !ok {
			t.Fatalf("AddedText(%q) failed", text)
		}
		base, err := p.ReverseApply(head)
		if err != nil || len(base) != 0 {
			t.Errorf("ReverseApply(AddedText(%q)) = %q, %v; want empty", text, base, err)
		}
	}
}

func TestLinesSpanAndCovers(t *testing.T) {
	t.Parallel()
	l := Lines{3: true, 4: true, 5: true, 9: true}
	for _, tc := range []struct {
		start, end         int
		spanFrom, spanTo   int
		spanOK, coversWant bool
	}{
		{4, 6, 4, 5, true, false},
		{3, 5, 3, 5, true, true},
		{7, 10, 9, 9, true, false},
		{9, 9, 9, 9, true, true},
		{6, 8, 0, 0, false, false},
		{5, 4, 0, 0, false, false},
	} {
		from, to, ok := l.Span(tc.start, tc.end)
		if from != tc.spanFrom || to != tc.spanTo || ok != tc.spanOK {
			t.Errorf("Span(%d, %d) = %d, %d, %t; want %d, %d, %t", tc.start, tc.end, from, to, ok, tc.spanFrom, tc.spanTo, tc.spanOK)
		}
		if got := l.Covers(tc.start, tc.end); got != tc.coversWant {
			t.Errorf("Covers(%d, %d) = %t, want %t", tc.start, tc.end, got, tc.coversWant)
		}
	}
	var none Lines
	if _, _, ok := none.Span(1, 1); ok || none.Covers(1, 1) {
		t.Error("an empty set places a line")
	}
}
