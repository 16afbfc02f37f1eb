package review

import (
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/djsec/djsec/checks"
	"github.com/djsec/djsec/checks/advisories"
	"github.com/djsec/djsec/internal/md"
)

// MaxSummary is GitHub's limit on a check run's output.summary: longer
// ones are refused with 422 "Only 65535 characters are allowed". Bytes
// are counted, which is never fewer than characters.
const MaxSummary = 65535

// maxNamed bounds a list of file names in running text.
const maxNamed = 10

// moreHint ends a table that had to be cut.
const moreHint = "(run `bot audit` locally or see the annotations)"

// section is a part of the summary whose rows may be cut to fit.
type section struct {
	head string   // heading, table header
	rows []string // one line each, newline included
	// notes, when set, has one line per row, written under the table for
	// the rows kept: text too long for a cell (the Weakened advice).
	notes []string
	tail  string // closes the section
}

// summarize renders the check run summary, cutting table rows (least
// important sections first) until it fits MaxSummary.
func summarize(in Input, cfg *checks.Config, res *Result, unreadable []string) string {
	l := linker{web: in.WebURL, repo: in.Repo, sha: in.HeadSHA}
	top := headline(cfg, res)
	if in.Truncated {
		top += "> GitHub lists only the first 3,000 files of a pull request; djsec reviewed those. " +
			"Findings in the other files show in `bot audit` and the weekly audit.\n\n"
	}
	if in.TreeTruncated {
		top += "> Partial coverage: GitHub truncated this repository's file tree, so djsec did not read the unchanged " +
			"entry points (manage.py, wsgi.py, Dockerfile, …) that say which settings module is production's; " +
			"roles follow module names. The weekly audit walks the whole tree.\n\n"
	}
	if in.AdvisoryNote != "" {
		// Not a reason for a neutral run: the bundled data still judged
		// every pinned version.
		top += "> " + esc(in.AdvisoryNote) + "\n\n"
	}
	// Notes on the annotations follow the table of new findings.
	var notes strings.Builder
	if res.Omitted > 0 {
		fmt.Fprintf(&notes, "%s %s left out: GitHub keeps at most %s per check run, so djsec kept the most severe.\n\n",
			plural(res.Omitted, "annotation"), wasWere(res.Omitted), commas(MaxAnnotations))
	}
	if len(unreadable) > 0 {
		names := unreadable
		if len(names) > maxNamed {
			names = append(names[:maxNamed:maxNamed], fmt.Sprintf("%d more", len(unreadable)-maxNamed))
		}
		fmt.Fprintf(&notes, "GitHub's patch of %s could not be read, so findings there are listed here, not annotated.\n\n", esc(strings.Join(names, ", ")))
	}
	bottom := ""
	if line := checklistLine(res, in.Config); line != "" {
		bottom = line + "\n\n"
	}
	bottom += footer(in)

	// Sections in the order rows are kept when the summary is too long.
	sections := []section{
		incompleteSection(res),
		newSection(res, l),
		weakenedSection(res, l),
		existingSection(cfg, res, l),
		suppressedSection(res, l),
		modulesSection(res, l),
	}
	total := 0
	for _, s := range sections {
		total += len(s.rows)
	}
	render := func(k int) string {
		var b strings.Builder
		b.WriteString(top)
		for i, s := range sections {
			if i == 2 {
				b.WriteString(notes.String())
			}
			if len(s.rows) == 0 {
				continue
			}
			n := min(k, len(s.rows))
			k -= n
			b.WriteString(s.head)
			for _, r := range s.rows[:n] {
				b.WriteString(r)
			}
			if rest := len(s.rows) - n; rest > 0 {
				fmt.Fprintf(&b, "\n… and %s more %s\n", commas(rest), moreHint)
			}
			if len(s.notes) > 0 && n > 0 {
				b.WriteString("\n")
				for _, note := range s.notes[:n] {
					b.WriteString(note)
				}
			}
			b.WriteString(s.tail)
		}
		b.WriteString(bottom)
		return b.String()
	}
	out := render(total)
	if len(out) <= MaxSummary {
		return out
	}
	// The length grows with the rows kept: find the most that fit.
	lo, hi := 0, total
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if len(render(mid)) <= MaxSummary {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	out = render(lo)
	if len(out) > MaxSummary {
		// Only the fixed parts are left and still too long (an absurd
		// configuration source or rules version): cut the text itself.
		out = truncate(out, MaxSummary)
	}
	return out
}

// headline is the summary's opening: what is new, what decides the
// conclusion, and the other counts.
func headline(cfg *checks.Config, res *Result) string {
	var b strings.Builder
	if len(res.New) == 0 {
		b.WriteString("**No new findings** in the files this pull request changes.")
	} else {
		fmt.Fprintf(&b, "**%s** in the files this pull request changes: %s.",
			plural(len(res.New), "new finding"), strings.Join(severityCounts(res.New), ", "))
	}
	switch {
	case cfg.FailNever:
		b.WriteString(" The check never fails (`fail_on: never`).")
	case cfg.FailOnExisting:
		fmt.Fprintf(&b, " Findings at `%s` or above fail the check, new or not (`fail_on: %s`, `fail_on_existing: true`).", cfg.FailOn, cfg.FailOn)
	default:
		fmt.Fprintf(&b, " New findings at `%s` or above fail the check (`fail_on: %s`).", cfg.FailOn, cfg.FailOn)
	}
	b.WriteString("\n\n")
	var more []string
	if n := len(res.Outside); n > 0 {
		more = append(more, fmt.Sprintf("%s on lines the diff does not show, so %s listed here, not annotated", plural(n, "new finding")+" "+isAre(n), itThey(n)))
	}
	if n := len(res.Existing); n > 0 {
		s := fmt.Sprintf("%s already on the base branch (%s)", plural(n, "finding")+" "+wasWere(n), strings.Join(severityCounts(res.Existing), ", "))
		if !cfg.FailOnExisting {
			s += ": listed below, not counted"
		}
		more = append(more, s)
	}
	if n := len(res.Suppressed); n > 0 {
		more = append(more, plural(n, "finding")+" "+isAre(n)+" suppressed")
	}
	if n := len(res.Fixed); n > 0 {
		more = append(more, "this pull request fixes "+plural(n, "finding"))
	}
	if n := len(res.Weakened); n > 0 {
		more = append(more, plural(n, "security setting")+" got weaker")
	}
	for _, m := range more {
		b.WriteString("- " + strings.ToUpper(m[:1]) + m[1:] + ".\n")
	}
	if len(more) > 0 {
		b.WriteString("\n")
	}
	return b.String()
}

func incompleteSection(res *Result) section {
	s := section{tail: "\n"}
	if len(res.Incomplete) == 0 {
		return s
	}
	s.head = "### djsec could not read everything\n\n"
	if res.Conclusion == ConclusionNeutral {
		s.head += "The check is neutral, not green: findings may be missing until this is fixed.\n\n"
	} else {
		s.head += "Findings may be missing until this is fixed.\n\n"
	}
	for _, r := range res.Incomplete {
		s.rows = append(s.rows, "- "+esc(r)+"\n")
	}
	return s
}

func newSection(res *Result, l linker) section {
	s := section{
		head: "### New findings\n\n| Severity | Rule | Where | What to do |\n| --- | --- | --- | --- |\n",
		tail: "\n",
	}
	outside := map[string]bool{}
	for _, f := range res.Outside {
		outside[f.Fingerprint] = true
	}
	for _, f := range bySeverity(res.New) {
		where := l.where(f.Path, f.Line)
		if outside[f.Fingerprint] {
			where += " (not in the diff)"
		}
		s.rows = append(s.rows, fmt.Sprintf("| %s | %s | %s | %s |\n", f.Severity, ruleLink(f), where, esc(f.Message)))
	}
	return s
}

// Cell widths of the Weakened table: a value or a setting longer than
// this is cut (the advice under the table names it in full), so the table
// stays on screen next to the diff.
const (
	maxWeakSetting = 50
	maxWeakValue   = 48
)

// weakenedSection is a table of short cells (setting, where, before,
// after) and, under it, one line of advice per row: the advice in a fifth
// column pushed the table off the screen.
func weakenedSection(res *Result, l linker) section {
	s := section{
		head: "### Weakened\n\nSecurity settings this pull request makes weaker, whether or not a rule fires:\n\n" +
			"| Setting | Where | Base branch | This pull request |\n| --- | --- | --- | --- |\n",
		tail: "\n",
	}
	count := map[string]int{}
	for _, w := range res.Weakened {
		count[w.Setting]++
	}
	for _, w := range res.Weakened {
		where := "(not known)"
		plainWhere := ""
		switch {
		case w.Path != "" && w.Line > 0:
			where = l.where(w.Path, w.Line)
			plainWhere = fmt.Sprintf("%s:%d", w.Path, w.Line)
		case w.Path != "":
			where = l.where(w.Path, 0) + " (no longer set)"
			plainWhere = w.Path
		}
		s.rows = append(s.rows, fmt.Sprintf("| %s | %s | %s | %s |\n",
			esc(truncate(w.Setting, maxWeakSetting)), where, esc(truncate(w.Before, maxWeakValue)), esc(truncate(w.After, maxWeakValue))))
		note := "- " + esc(w.Message)
		if count[w.Setting] > 1 && plainWhere != "" {
			// The same setting weakened in two modules: say which.
			note = "- " + esc(plainWhere) + ": " + esc(w.Message)
		}
		s.notes = append(s.notes, note+"\n")
	}
	return s
}

func existingSection(cfg *checks.Config, res *Result, l linker) section {
	n := len(res.Existing)
	note := "They do not fail the check (`fail_on_existing: true` makes them count)."
	switch {
	case cfg.FailNever:
		note = "Nothing fails the check (`fail_on: never`)."
	case cfg.FailOnExisting:
		note = "They count towards the conclusion (`fail_on_existing: true`)."
	}
	s := section{
		head: fmt.Sprintf("<details><summary>%s already on the base branch (%s)</summary>\n\n%s\n\n", plural(n, "finding"), strings.Join(severityCounts(res.Existing), ", "), note) +
			"| Severity | Rule | Where | What to do |\n| --- | --- | --- | --- |\n",
		tail: "\n</details>\n\n",
	}
	for _, f := range bySeverity(res.Existing) {
		s.rows = append(s.rows, fmt.Sprintf("| %s | %s | %s | %s |\n", f.Severity, ruleLink(f), l.where(f.Path, f.Line), esc(f.Message)))
	}
	return s
}

// modulesSection says which settings modules djsec read and the role it
// judged each by (production gets every rule; development, test and example
// modules only leaked credentials): the first thing to check when a finding
// is missing or surprising.
func modulesSection(res *Result, l linker) section {
	s := section{tail: "\n</details>\n\n"}
	if res.HeadResult == nil || len(res.HeadResult.Modules) == 0 {
		return s
	}
	s.head = fmt.Sprintf("<details><summary>Settings modules djsec judged (%d)</summary>\n\n"+
		"Production modules get every rule; development, test and example modules only findings about a leaked credential.\n\n"+
		"| Module | Role | Why |\n| --- | --- | --- |\n", len(res.HeadResult.Modules))
	for _, m := range res.HeadResult.Modules {
		s.rows = append(s.rows, fmt.Sprintf("| %s | %s | %s |\n", l.where(m.Path, 0), m.Role, esc(m.Why)))
	}
	return s
}

func suppressedSection(res *Result, l linker) section {
	s := section{
		head: fmt.Sprintf("<details><summary>%s</summary>\n\n", plural(len(res.Suppressed), "suppressed finding")) +
			"| Severity | Rule | Where | Reason |\n| --- | --- | --- | --- |\n",
		tail: "\n</details>\n\n",
	}
	for _, f := range bySeverity(res.Suppressed) {
		s.rows = append(s.rows, fmt.Sprintf("| %s | %s | %s | %s |\n", f.Severity, ruleLink(f), l.where(f.Path, f.Line), esc(suppressReason(f))))
	}
	return s
}

// suppressReason says where a suppression came from.
func suppressReason(f checks.Finding) string {
	r := strings.TrimSpace(f.SuppressReason)
	switch {
	case strings.HasPrefix(r, "ignored"), strings.HasPrefix(r, "silenced in "):
		return r
	case r == "":
		return "inline comment (no reason given)"
	}
	return "inline comment: " + r
}

func footer(in Input) string {
	src := in.ConfigSource
	if src == "" {
		src = "defaults"
	}
	parts := []string{"Configuration: " + code(src)}
	if src == "defaults" {
		parts[0] += " (no `.github/djsec.yml` on the base branch)"
	}
	if in.RulesVersion != "" {
		parts = append(parts, "rules "+code(in.RulesVersion))
	}
	adv := "advisories " + code(advisories.SnapshotDate())
	if in.AdvisorySource != "" {
		adv += " + live OSV data"
	}
	parts = append(parts, adv)
	parts = append(parts, "[rule reference](https://github.com/djsec/djsec/blob/main/docs/rules.md)")
	return "---\n<sub>" + strings.Join(parts, " · ") + "</sub>\n"
}

// bySeverity orders findings most severe first, then by place.
func bySeverity(fs []checks.Finding) []checks.Finding {
	out := append([]checks.Finding(nil), fs...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Severity != b.Severity {
			return a.Severity > b.Severity
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Line < b.Line
	})
	return out
}

func ruleLink(f checks.Finding) string {
	text := esc(f.Rule + " " + f.Slug)
	if r, ok := checks.LookupRule(f.Rule); ok {
		return "[" + text + "](" + r.DocsURL() + ")"
	}
	return text
}

// linker builds links to lines at the head commit.
type linker struct{ web, repo, sha string }

// where is "path:line", linked to the line at head when the repository
// and commit are known.
func (l linker) where(p string, line int) string {
	text := p
	if line > 0 {
		text = fmt.Sprintf("%s:%d", p, line)
	}
	if l.repo == "" || l.sha == "" {
		return esc(text)
	}
	web := strings.TrimRight(l.web, "/")
	if web == "" {
		web = "https://github.com"
	}
	u := web + "/" + l.repo + "/blob/" + url.PathEscape(l.sha) + "/" + escapePath(p)
	if line > 0 {
		u += fmt.Sprintf("#L%d", line)
	}
	return "[" + esc(text) + "](" + u + ")"
}

// escapePath escapes a path for a link (md.PathURL).
func escapePath(p string) string { return md.PathURL(p) }

// esc makes text from findings (messages, paths, reasons) inert in
// Markdown and in a table cell (md.Text).
func esc(s string) string { return md.Text(s) }

// code renders s as inline code, with a fence longer than any backtick
// run inside it.
func code(s string) string {
	s = strings.NewReplacer("\n", " ", "\r", " ").Replace(s)
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") || fence != "`" {
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}

// commas writes 1000 as "1,000".
func commas(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func wasWere(n int) string {
	if n == 1 {
		return "was"
	}
	return "were"
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

func itThey(n int) string {
	if n == 1 {
		return "it is"
	}
	return "they are"
}
