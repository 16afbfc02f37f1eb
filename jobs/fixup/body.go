package fixup

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/djsec/djsec/checks"
	"github.com/djsec/djsec/internal/md"
)

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func fixedRules(res *Result) []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range res.Changes {
		if !seen[c.Rule] {
			seen[c.Rule] = true
			out = append(out, c.Rule)
		}
	}
	sort.Strings(out)
	return out
}

// Title is the fix-up pull request's title, e.g. "djsec: fix 3 critical
// settings issues in #42".
func Title(pr int, res *Result) string { return title(fmt.Sprintf("#%d", pr), res) }

// title names where the fixes go: "#42" or "main".
func title(where string, res *Result) string {
	n, crit := len(res.Fixed), true
	for _, f := range res.Fixed {
		if f.Severity < checks.Critical {
			crit = false
		}
	}
	if n == 0 {
		n = len(fixedRules(res))
	}
	kind := "settings issue"
	if crit {
		kind = "critical settings issue"
	}
	return fmt.Sprintf("djsec: fix %s in %s", plural(n, kind), where)
}

func commitMessage(where string, res *Result) string {
	return fmt.Sprintf("djsec: fix %s in %s\n\nRules fixed: %s\n", strings.Join(fixedRules(res), ", "), where, strings.Join(fixedRules(res), ", "))
}

// cell is djsec's own text with user values in it (paths, variable
// names), made inert for a table cell.
func cell(s string) string { return md.Text(s) }

// Body is the fix-up pull request's description: the changes, the
// environment variables to set, and what still needs a person.
func Body(pr int, res *Result) string {
	return body(fmt.Sprintf("djsec's fixes for the findings in #%d.", pr), res)
}

// maxBody keeps a description, review or comment under GitHub's limit of
// 65,536 characters (measured in bytes here, which are never fewer), with
// room for the notes that say what was left out.
const maxBody = 65000

// rows writes lines while the whole body stays under budget, then one line
// saying how many were left out (GitHub would refuse the whole body).
func rows(sb *strings.Builder, lines []string, budget int, leftOut func(n int) string) {
	for i, l := range lines {
		if sb.Len()+len(l) > budget {
			sb.WriteString(leftOut(len(lines) - i))
			return
		}
		sb.WriteString(l)
	}
}

func body(intro string, res *Result) string {
	var sb strings.Builder
	sb.WriteString(intro + " Every edit was checked by re-running the analyzer on the result.\n\n")
	// The budget is shared: the changes first, then the variables, then
	// what needs a person, each cut with a count when the body is full.
	budget := maxBody - 3*200
	sb.WriteString("| Rule | File | Change |\n|---|---|---|\n")
	var lines []string
	for _, c := range res.Changes {
		lines = append(lines, fmt.Sprintf("| %s | %s | %s |\n", cell(c.Rule), md.CodeCell(c.Path), cell(c.Description)))
	}
	rows(&sb, lines, budget, func(n int) string {
		return fmt.Sprintf("| … | | %s more left out of this description (GitHub's size limit); the commit holds them all |\n", plural(n, "change"))
	})
	if len(res.EnvVars) > 0 {
		sb.WriteString("\n### Environment variables to set\n\n| Variable | What | Example |\n|---|---|---|\n")
		lines = lines[:0]
		for _, v := range res.EnvVars {
			lines = append(lines, fmt.Sprintf("| %s | %s | %s |\n", md.CodeCell(v.Name), cell(v.Description), md.CodeCell(v.Example)))
		}
		rows(&sb, lines, budget, func(n int) string {
			return fmt.Sprintf("| … | %s more left out (GitHub's size limit); `.env.example` lists them all | |\n", plural(n, "variable"))
		})
	}
	if len(res.Unfixed) > 0 {
		sb.WriteString("\n")
		writeUnfixed(&sb, res.Unfixed, budget)
	}
	return sb.String()
}

func unfixedList(us []Unfixed) string {
	if len(us) == 0 {
		return ""
	}
	var sb strings.Builder
	writeUnfixed(&sb, us, maxBody-200)
	return sb.String()
}

func writeUnfixed(sb *strings.Builder, us []Unfixed, budget int) {
	if len(us) == 0 {
		return
	}
	sb.WriteString("### Needs a person\n\n")
	var lines []string
	for _, u := range us {
		lines = append(lines, fmt.Sprintf("- %s %s: %s\n", md.Text(u.Finding.Rule), md.Code(fmt.Sprintf("%s:%d", u.Finding.Path, u.Finding.Line)), md.Text(u.Reason)))
	}
	rows(sb, lines, budget, func(n int) string {
		return fmt.Sprintf("- … and %s more (GitHub's size limit); the check run lists every finding\n", plural(n, "finding"))
	})
}

// truncate is the last resort for a text built elsewhere: cut at the
// limit on a rune boundary, saying so.
func truncate(s string) string {
	if len(s) <= maxBody {
		return s
	}
	cut := maxBody
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "\n\n… (cut at GitHub's size limit)\n"
}
