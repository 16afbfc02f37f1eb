package fixup

import (
	"fmt"
	"sort"
	"strings"

	"github.com/djsec/djsec/checks"
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

func cell(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ")
}

// Body is the fix-up pull request's description: the changes, the
// environment variables to set, and what still needs a person.
func Body(pr int, res *Result) string {
	return body(fmt.Sprintf("djsec's fixes for the findings in #%d.", pr), res)
}

func body(intro string, res *Result) string {
	var sb strings.Builder
	sb.WriteString(intro + " Every edit was checked by re-running the analyzer on the result.\n\n")
	sb.WriteString("| Rule | File | Change |\n|---|---|---|\n")
	for _, c := range res.Changes {
		fmt.Fprintf(&sb, "| %s | `%s` | %s |\n", c.Rule, cell(c.Path), cell(c.Description))
	}
	if len(res.EnvVars) > 0 {
		sb.WriteString("\n### Environment variables to set\n\n| Variable | What | Example |\n|---|---|---|\n")
		for _, v := range res.EnvVars {
			fmt.Fprintf(&sb, "| `%s` | %s | `%s` |\n", v.Name, cell(v.Description), cell(v.Example))
		}
	}
	if len(res.Unfixed) > 0 {
		sb.WriteString("\n" + unfixedList(res.Unfixed))
	}
	return sb.String()
}

func unfixedList(us []Unfixed) string {
	if len(us) == 0 {
		return ""
	}
	var sb strings.Builder
	sb.WriteString("### Needs a person\n\n")
	for _, u := range us {
		fmt.Fprintf(&sb, "- %s `%s:%d`: %s\n", u.Finding.Rule, u.Finding.Path, u.Finding.Line, u.Reason)
	}
	return sb.String()
}
