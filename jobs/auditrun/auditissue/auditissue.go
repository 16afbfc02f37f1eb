// Package auditissue renders the weekly audit issue's body: the checklist's
// sections and items in order, ticked by evidence, with the score, its
// history, counts by severity, the ignore trail and how to get fixes. It is
// pure: state in, Markdown out; reading and writing the issue is auditrun's.
//
// Decisions:
//   - Each item line carries its ID in an HTML comment ("<!-- djsec:item
//     s1.2 -->"), invisible on GitHub, so Ticks can read people's ticks back
//     by ID whatever the item's text or position became.
//   - A manual-only item's box is whatever people made it; an automated item's
//     box is the evidence's (a tick on a failing automated item is undone: the
//     rules say it fails). "+ manual" items are boxed by their rules and say
//     that a person still checks the rest.
//   - The body stays within GitHub's 65,536 characters by listing fewer
//     findings per item, never by dropping items.
//   - A finding that fails several items is written out once, under its
//     home item (checklist.Homes: the first that names its rule); the other
//     items it fails stay unticked and say where it is listed.
//   - An item naming one organisation ("(Sharif emails only)") is worded
//     with the repository's allowed_email_domains, or generally.
package auditissue

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/djsec/djsec/checks"
	"github.com/djsec/djsec/checks/checklist"
	"github.com/djsec/djsec/internal/lazyre"
	"github.com/djsec/djsec/internal/md"
)

const (
	// Marker is how djsec finds its audit issue again.
	Marker = "<!-- djsec:audit v1 -->"
	// Title is the audit issue's title.
	Title = "djsec: Django security audit"
	// Label is the label the audit issue carries.
	Label = "djsec-audit"
	// MaxBody is GitHub's limit on an issue body, in characters.
	MaxBody = 65536
	// HistoryLen is how many audits the score chart shows.
	HistoryLen = 12
)

// Point is one past audit's score.
type Point struct {
	At              time.Time
	Pass, Automated int
}

// Ignore is one entry of the ignore trail (made with `/djsec ignore`).
type Ignore struct {
	Rule, PathGlob, Reason, By string
	Until                      time.Time // zero: no expiry
}

// Input is everything one rendering reads.
type Input struct {
	Repo         string // owner/name
	SHA          string // the audited default-branch commit
	Branch       string
	WebURL       string // "https://github.com"; permalinks are WebURL/owner/name/blob/SHA/path#Ln
	Checklist    *checklist.Checklist
	Findings     []checks.Finding // the whole analysis, suppressed ones included
	History      []Point          // earlier audits, oldest first (not this one)
	Ignores      []Ignore
	Ticks        map[string]bool // manual ticks read from the current body (Ticks)
	ConfigSource string          // ".github/djsec.yml@main" or "defaults"
	RulesVersion string
	Now          time.Time
	// Coverage, when set, says which part of the repository the audit
	// could not read (a tree GitHub truncated): the checklist is judged on
	// the rest.
	Coverage string
	// EmailDomains are the configuration's allowed_email_domains: the
	// checklist item that names one organisation's email rule names these
	// instead (checklist.Item.TextFor).
	EmailDomains []string
}

// Result is a rendered body with the figures it states.
type Result struct {
	Body            string
	Pass, Automated int
	// Failing are the IDs of automated items that fail, in checklist order;
	// the job reopens a closed issue only when one is not in the last audit's.
	Failing []string
}

var itemRE = lazyre.New(`(?m)^\s*[-*] \[([ xX])\] .*<!-- djsec:item (\S+) -->\s*$`)

// Ticks reads the boxes of an audit issue body by item ID.
func Ticks(body string) map[string]bool {
	out := map[string]bool{}
	for _, m := range itemRE().FindAllStringSubmatch(body, -1) {
		out[m[2]] = m[1] != " "
	}
	return out
}

// Render builds the body. It never exceeds MaxBody.
func Render(in Input) Result {
	cl := in.Checklist
	if cl == nil {
		cl = checklist.Default()
	}
	st := cl.Judge(in.Findings)
	pass, auto := checklist.Score(st)
	res := Result{Pass: pass, Automated: auto}
	for _, s := range st {
		if s.Item.Automated && !s.Pass {
			res.Failing = append(res.Failing, s.Item.ID)
		}
	}
	for _, limit := range []int{20, 5, 1, 0} {
		res.Body = render(in, cl, st, pass, auto, limit)
		if len(res.Body) <= MaxBody {
			return res
		}
	}
	// Still too long (a huge custom checklist): cut at a line and say so.
	const note = "\n\n_The rest of this audit does not fit in an issue._\n"
	cut := res.Body[:MaxBody-len(note)]
	if i := strings.LastIndexByte(cut, '\n'); i > 0 {
		cut = cut[:i]
	}
	res.Body = cut + note
	return res
}

func render(in Input, cl *checklist.Checklist, st []checklist.ItemStatus, pass, auto, limit int) string {
	var b strings.Builder
	b.WriteString(Marker + "\n")
	fmt.Fprintf(&b, "# Django security audit of `%s`\n\n", in.Repo)
	fmt.Fprintf(&b, "Audited %s at %s on %s. Config: %s. Rules %s.\n\n",
		branchName(in.Branch), code(short(in.SHA)), in.Now.UTC().Format("2006-01-02 15:04 MST"), in.ConfigSource, in.RulesVersion)
	if in.Coverage != "" {
		fmt.Fprintf(&b, "> **Partial coverage.** %s\n\n", in.Coverage)
	}

	fmt.Fprintf(&b, "**Score: %d of %d automated checklist items pass (%d%%).**", pass, auto, percent(pass, auto))
	if n := len(in.History); n > 0 {
		prev := in.History[n-1]
		d := percent(pass, auto) - percent(prev.Pass, prev.Automated)
		switch {
		case d > 0:
			fmt.Fprintf(&b, " Up %d points since the previous audit (%d of %d).", d, prev.Pass, prev.Automated)
		case d < 0:
			fmt.Fprintf(&b, " Down %d points since the previous audit (%d of %d).", -d, prev.Pass, prev.Automated)
		default:
			b.WriteString(" Unchanged since the previous audit.")
		}
	} else {
		b.WriteString(" This is the first audit.")
	}
	b.WriteString("\n\n")
	if pass == auto {
		b.WriteString("Every automated item passes. The manual items below still need a person.\n\n")
	}
	other, otherIgnored := unitemized(in.Findings, cl)
	writeCounts(&b, st, other)
	writeChart(&b, in, pass, auto)

	group := ""
	for si := range cl.Sections {
		sec := &cl.Sections[si]
		if sec.Group != "" && sec.Group != group {
			group = sec.Group
			fmt.Fprintf(&b, "## %s\n\n", group)
		}
		if sec.Number > 0 {
			fmt.Fprintf(&b, "### %d. %s\n\n", sec.Number, sec.Title)
		} else {
			fmt.Fprintf(&b, "### %s\n\n", sec.Title)
		}
		for _, s := range st {
			if !inSection(sec, s.Item) {
				continue
			}
			writeItem(&b, in, s, limit)
		}
		b.WriteString("\n")
	}
	writeOther(&b, in, other, limit)
	writeIgnores(&b, in, st, otherIgnored)
	b.WriteString("## How to get fixes\n\n")
	b.WriteString("Comment `/djsec fix` on this issue for a pull request fixing what djsec can fix, or `/djsec fix DJS406` for one rule. ")
	b.WriteString("`/djsec ignore RULE -- reason` records a finding you decided to live with; it shows above with its reason. ")
	b.WriteString("`/djsec audit` runs this audit again now.\n\n")
	b.WriteString("<sub>Tick the manual items as you check them: djsec keeps your ticks. Boxes of automated items follow the evidence.</sub>\n")
	return b.String()
}

func inSection(sec *checklist.Section, it *checklist.Item) bool {
	for i := range sec.Items {
		if sec.Items[i].ID == it.ID {
			return true
		}
	}
	return false
}

func writeItem(b *strings.Builder, in Input, s checklist.ItemStatus, limit int) {
	it := s.Item
	box := " "
	switch {
	case it.Automated && s.Pass:
		box = "x"
	case !it.Automated && in.Ticks[it.ID]:
		box = "x"
	}
	text := oneLine(it.TextFor(in.EmailDomains))
	switch {
	case !it.Automated:
		text += " _(manual)_"
	case it.Manual:
		text += " _(rules pass only part; a person checks the rest)_"
	}
	fmt.Fprintf(b, "- [%s] %s <!-- djsec:item %s -->\n", box, text, it.ID)
	fs := dedupe(s.Findings)
	for i, f := range fs {
		if i == limit {
			fmt.Fprintf(b, "  - … and %d more\n", len(fs)-limit)
			break
		}
		if home := s.Elsewhere[checklist.Key(f)]; home != nil {
			// Listed in full under its home item, which comes first.
			fmt.Fprintf(b, "  - **%s** %s, listed above under “%s”\n", f.Severity, f.Rule, itemTitle(home))
			continue
		}
		fmt.Fprintf(b, "  - **%s** %s %s — %s\n", f.Severity, f.Rule, oneLine(f.Message), link(in, f))
	}
}

// itemTitle is an item's name for a reference: its bold lead ("Add rate
// limiting for login attempts") or, without one, its whole text.
func itemTitle(it *checklist.Item) string {
	t := oneLine(it.Text)
	if rest, ok := strings.CutPrefix(t, "**"); ok {
		if title, _, ok := strings.Cut(rest, "**"); ok {
			return title
		}
	}
	return t
}

// dedupe drops repeats: the same finding can reach an item through two of
// its rules only by fingerprint collision, but a caller may pass a finding
// twice; one line each is enough.
func dedupe(fs []checks.Finding) []checks.Finding {
	seen := map[string]bool{}
	var out []checks.Finding
	for _, f := range fs {
		k := f.Fingerprint
		if k == "" {
			k = fmt.Sprintf("%s|%s|%d", f.Rule, f.Path, f.Line)
		}
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, f)
	}
	return out
}

func link(in Input, f checks.Finding) string {
	if f.Path == "" {
		return "repository-wide"
	}
	label := f.Path
	url := fmt.Sprintf("%s/%s/blob/%s/%s", strings.TrimRight(in.WebURL, "/"), in.Repo, in.SHA, md.PathURL(f.Path))
	if f.Line > 0 {
		label = fmt.Sprintf("%s:%d", f.Path, f.Line)
		url += fmt.Sprintf("#L%d", f.Line)
	}
	return fmt.Sprintf("[%s](%s)", md.Code(label), url)
}

// unitemized are the findings of rules no checklist item names (DJS103
// belongs to the manual "Rotate SECRET_KEY", the code rules to no item):
// the open ones and those suppressed with a reason. They are listed on
// their own so that a weak SECRET_KEY is never missing from the audit.
func unitemized(findings []checks.Finding, cl *checklist.Checklist) (open, ignored []checks.Finding) {
	itemized := map[string]bool{}
	for _, it := range cl.Items() {
		for _, r := range it.Rules {
			itemized[r] = true
		}
	}
	for _, f := range findings {
		switch {
		case itemized[f.Rule]:
		case f.Suppressed && f.SuppressReason != "":
			ignored = append(ignored, f)
		default:
			open = append(open, f)
		}
	}
	open = dedupe(open)
	sort.SliceStable(open, func(i, j int) bool {
		a, b := open[i], open[j]
		if a.Severity != b.Severity {
			return a.Severity > b.Severity
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Line < b.Line
	})
	return open, ignored
}

// writeOther lists the unitemized findings, most severe first; limit is
// per item elsewhere, so this section, which gathers many rules, gets five
// times as many lines.
func writeOther(b *strings.Builder, in Input, fs []checks.Finding, limit int) {
	if len(fs) == 0 {
		return
	}
	b.WriteString("## Other findings\n\n")
	b.WriteString("Findings of rules no automated checklist item covers.\n\n")
	max := limit * 5
	for i, f := range fs {
		if i == max {
			fmt.Fprintf(b, "- … and %d more\n", len(fs)-max)
			break
		}
		fmt.Fprintf(b, "- **%s** %s %s — %s\n", f.Severity, f.Rule, oneLine(f.Message), link(in, f))
	}
	b.WriteString("\n")
}

func writeCounts(b *strings.Builder, st []checklist.ItemStatus, other []checks.Finding) {
	// A finding fails every item whose rules include its rule: count it once.
	all := slices.Clone(other)
	for _, s := range st {
		all = append(all, s.Findings...)
	}
	open := dedupe(all)
	counts := map[checks.Severity]int{}
	for _, f := range open {
		counts[f.Severity]++
	}
	if len(open) == 0 {
		b.WriteString("No open findings.\n\n")
		return
	}
	b.WriteString("| Severity | Findings |\n|---|---|\n")
	for _, sev := range []checks.Severity{checks.Critical, checks.High, checks.Medium, checks.Low, checks.Info} {
		fmt.Fprintf(b, "| %s | %d |\n", sev, counts[sev])
	}
	b.WriteString("\n")
}

func writeChart(b *strings.Builder, in Input, pass, auto int) {
	pts := append(append([]Point(nil), in.History...), Point{At: in.Now, Pass: pass, Automated: auto})
	if len(pts) > HistoryLen {
		pts = pts[len(pts)-HistoryLen:]
	}
	if len(pts) < 2 {
		return
	}
	xs := make([]string, len(pts))
	ys := make([]string, len(pts))
	for i, p := range pts {
		xs[i] = fmt.Sprintf("%q", p.At.UTC().Format("01-02"))
		ys[i] = fmt.Sprint(percent(p.Pass, p.Automated))
	}
	b.WriteString("```mermaid\nxychart-beta\n    title \"Score over the last audits (%)\"\n")
	fmt.Fprintf(b, "    x-axis [%s]\n", strings.Join(xs, ", "))
	b.WriteString("    y-axis \"Passing %\" 0 --> 100\n")
	fmt.Fprintf(b, "    line [%s]\n```\n\n", strings.Join(ys, ", "))
}

func writeIgnores(b *strings.Builder, in Input, st []checklist.ItemStatus, other []checks.Finding) {
	var lines []string
	for _, ig := range in.Ignores {
		where := "every file"
		if ig.PathGlob != "" {
			where = code(ig.PathGlob)
		}
		l := fmt.Sprintf("- %s in %s: %s", md.Text(ig.Rule), where, md.Text(oneLine(ig.Reason)))
		if ig.By != "" {
			l += " (" + md.Mention(ig.By) + ")"
		}
		if !ig.Until.IsZero() {
			l += " until " + ig.Until.UTC().Format("2006-01-02")
		}
		lines = append(lines, l)
	}
	seen := map[string]bool{}
	var inline []string
	suppressed := slices.Clone(other)
	for _, s := range st {
		suppressed = append(suppressed, s.Suppressed...)
	}
	for _, f := range suppressed {
		k := f.Rule + "|" + f.Path + fmt.Sprint(f.Line)
		if seen[k] {
			continue
		}
		seen[k] = true
		inline = append(inline, fmt.Sprintf("- %s at %s: %s", f.Rule, link(in, f), md.Text(oneLine(f.SuppressReason))))
	}
	sort.Strings(inline)
	lines = append(lines, inline...)
	if len(lines) == 0 {
		return
	}
	b.WriteString("## Ignored\n\n")
	b.WriteString(strings.Join(lines, "\n"))
	b.WriteString("\n\n")
}

func percent(pass, auto int) int {
	if auto == 0 {
		return 100
	}
	return pass * 100 / auto
}

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}

func branchName(b string) string {
	if b == "" {
		return "the default branch"
	}
	return code(b)
}

func code(s string) string { return md.Code(s) }

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
