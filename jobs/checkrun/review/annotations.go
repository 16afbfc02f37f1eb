package review

import (
	"cmp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/djsec/djsec/checks"
	"github.com/djsec/djsec/internal/lazyre"
	"github.com/djsec/djsec/jobs/checkrun/review/patch"
)

// GitHub's limits on check run annotations.
const (
	// MaxAnnotations bounds one check run's annotations; GitHub keeps at
	// most this many (the summary says how many were left out).
	MaxAnnotations = 1000
	// BatchSize is the most annotations one request may carry: "Only 50
	// annotations can be added per request."
	BatchSize = 50
	// maxAnnotationText bounds an annotation's message and raw_details
	// (64 KB each).
	maxAnnotationText = 64 * 1024
	// maxAnnotationTitle bounds an annotation's title (255 characters).
	maxAnnotationTitle = 255
)

// levelOf maps a finding's severity to an annotation level.
func levelOf(s checks.Severity) Level {
	switch {
	case s >= checks.High:
		return Failure
	case s == checks.Medium:
		return Warning
	}
	return Notice
}

// findingAnnotation annotates a new finding whose first line is in the
// diff; ok is false otherwise.
func findingAnnotation(f checks.Finding, lines patch.Lines) (Annotation, bool) {
	start, end, ok := lines.Span(f.Line, max(f.EndLine, f.Line))
	if !ok {
		return Annotation{}, false
	}
	a := Annotation{
		Path:      f.Path,
		StartLine: start,
		EndLine:   end,
		Level:     levelOf(f.Severity),
		Title:     truncate(f.Rule+" "+f.Slug, maxAnnotationTitle),
		Message:   truncate(f.Message, maxAnnotationText),
	}
	if r, ok := checks.LookupRule(f.Rule); ok {
		details := plainText(r.Fix)
		if details != "" {
			details += "\n\n"
		}
		a.RawDetails = truncate(details+"Why and how: "+r.DocsURL(), maxAnnotationText)
	}
	return a, true
}

// weakeningAnnotation puts a notice on the line of head that weakened a
// setting, when the diff shows it.
func weakeningAnnotation(w checks.Weakening, lines patch.Lines) (Annotation, bool) {
	if w.Path == "" || w.Line <= 0 {
		return Annotation{}, false
	}
	if _, _, ok := lines.Span(w.Line, w.Line); !ok {
		return Annotation{}, false
	}
	details := "Before (base branch): " + w.Before + "\nAfter (this pull request): " + w.After
	return Annotation{
		Path:       w.Path,
		StartLine:  w.Line,
		EndLine:    w.Line,
		Level:      Notice,
		Title:      truncate("Weakened: "+w.Setting, maxAnnotationTitle),
		Message:    truncate(w.Message, maxAnnotationText),
		RawDetails: truncate(details, maxAnnotationText),
	}, true
}

// capAnnotations keeps the n most severe annotations (path and line break
// ties) and returns them in path/line order with how many were dropped.
func capAnnotations(all []Annotation, n int) ([]Annotation, int) {
	sorted := slices.Clone(all)
	slices.SortStableFunc(sorted, func(a, b Annotation) int {
		return cmp.Or(cmp.Compare(levelRank(b.Level), levelRank(a.Level)), byPosition(a, b))
	})
	omitted := 0
	if len(sorted) > n {
		omitted = len(sorted) - n
		sorted = sorted[:n]
	}
	slices.SortStableFunc(sorted, byPosition)
	return sorted, omitted
}

func byPosition(a, b Annotation) int {
	return cmp.Or(cmp.Compare(a.Path, b.Path), cmp.Compare(a.StartLine, b.StartLine), cmp.Compare(a.Title, b.Title))
}

func levelRank(l Level) int {
	switch l {
	case Failure:
		return 3
	case Warning:
		return 2
	}
	return 1
}

// Batches splits annotations into the requests GitHub accepts (BatchSize
// per request), in order.
func Batches(a []Annotation) [][]Annotation {
	var out [][]Annotation
	for len(a) > 0 {
		n := min(len(a), BatchSize)
		out = append(out, a[:n:n])
		a = a[n:]
	}
	return out
}

var (
	mdLinkRE  = lazyre.New(`\[([^\]]*)\]\(([^)\s]*)\)`)
	mdFenceRE = lazyre.New("(?m)^[ \t]*```[A-Za-z0-9_+-]*[ \t]*(?:\n|$)")
	mdEmphRE  = lazyre.New(`\*\*([^*]+)\*\*|__([^_]+)__`)
)

// plainText turns a rule's Markdown fix into the plain text raw_details
// shows verbatim: code fences and inline code marks go, links keep their
// address.
func plainText(md string) string {
	s := mdFenceRE().ReplaceAllString(md, "")
	s = mdLinkRE().ReplaceAllString(s, "$1 ($2)")
	s = mdEmphRE().ReplaceAllString(s, "$1$2")
	s = strings.ReplaceAll(s, "`", "")
	return strings.TrimSpace(s)
}

// truncate cuts s to at most n bytes on a rune boundary, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const mark = "…"
	cut := n - len(mark)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + mark
}
