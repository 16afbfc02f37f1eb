// Package formats renders analysis results and the rules catalogue for
// people and tools: compiler-style text, JSON, SARIF for code scanning,
// GitHub workflow commands, and the rule documentation (docs/rules.md,
// `bot rules`, `bot explain`). It only writes; it never analyzes.
package formats

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/djsec/djsec/checks"
)

// AuditFormats are the output formats of `bot audit`, default first.
var AuditFormats = []string{"text", "json", "sarif", "github"}

// Options tune the audit writers.
type Options struct {
	// ToolVersion is reported in SARIF's tool.driver.version when not empty.
	ToolVersion string
	// SARIFSuppressed keeps suppressed findings in SARIF, marked with an
	// in-source suppression. Off by default: GitHub's SARIF upload ignores
	// `suppressions` and opens an alert for each such result.
	SARIFSuppressed bool
}

// WriteAudit renders res in the named format.
func WriteAudit(w io.Writer, format string, res *checks.Result, opt Options) error {
	switch format {
	case "text":
		return Text(w, res)
	case "json":
		return JSON(w, res)
	case "sarif":
		return SARIF(w, res, opt)
	case "github":
		return GitHub(w, res)
	}
	return fmt.Errorf("unknown format %q (want %s)", format, orList(AuditFormats))
}

// Summary is the one-line account of a result: "3 findings (1 critical,
// 2 high), 1 suppressed, 12 files", or "no findings, 12 files".
func Summary(res *checks.Result) string {
	counts := map[checks.Severity]int{}
	active, suppressed := 0, 0
	for _, f := range res.Findings {
		if f.Suppressed {
			suppressed++
			continue
		}
		active++
		counts[f.Severity]++
	}
	var parts []string
	if active == 0 {
		parts = append(parts, "no findings")
	} else {
		var levels []string
		for s := checks.Critical; s >= checks.Info; s-- {
			if counts[s] > 0 {
				levels = append(levels, fmt.Sprintf("%d %s", counts[s], s))
			}
		}
		parts = append(parts, fmt.Sprintf("%s (%s)", plural(active, "finding"), strings.Join(levels, ", ")))
	}
	if suppressed > 0 {
		parts = append(parts, fmt.Sprintf("%d suppressed", suppressed))
	}
	if n := len(res.Errors); n > 0 {
		parts = append(parts, plural(n, "error"))
	}
	if active == 0 && len(res.Modules) == 0 {
		// "No findings" alone would read as a clean project when nothing
		// was analysed as Django at all (the wrong directory, say).
		parts = append(parts, "no Django settings found")
	}
	parts = append(parts, plural(len(res.Files), "file"))
	return strings.Join(parts, ", ")
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// orList joins words as "a, b or c".
func orList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// oneLine folds a message onto one line, so that each finding stays one
// line of text output whatever a rule put in its message.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// column is a finding's 1-based column; findings on a whole file carry 1.
func column(f checks.Finding) int {
	if f.Column < 1 {
		return 1
	}
	return f.Column
}

func line(f checks.Finding) int {
	if f.Line < 1 {
		return 1
	}
	return f.Line
}

func endLine(f checks.Finding) int {
	if f.EndLine < line(f) {
		return line(f)
	}
	return f.EndLine
}

// usedRules lists the catalogue entries the findings refer to, in
// catalogue order; findings of a rule missing from the catalogue (never
// expected) get a minimal stand-in so output stays well-formed.
func usedRules(findings []checks.Finding) []*checks.Rule {
	seen := map[string]bool{}
	var out []*checks.Rule
	for _, f := range findings {
		if seen[f.Rule] {
			continue
		}
		seen[f.Rule] = true
		r, ok := checks.LookupRule(f.Rule)
		if !ok {
			r = &checks.Rule{ID: f.Rule, Slug: f.Slug, Severity: f.Severity, Title: f.Slug}
		}
		out = append(out, r)
	}
	sort.SliceStable(out, func(i, j int) bool { return ruleLess(out[i].ID, out[j].ID) })
	return out
}

// ruleLess orders IDs numerically (DJS205 before DJS1001).
func ruleLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}
