// Package checklist is djsec's copy of the Django security checklist its
// users wrote (CHECKLIST.md, embedded) with each item mapped to the rules
// that prove it, as RULES.md's "Checklist → rules" says. The check run
// reports "N of M automated checklist items pass"; the weekly audit issue
// renders every item, ticked by evidence.
//
// Decisions:
//
//   - The project never reads ../shared. CHECKLIST.md here is a byte copy and
//     mapping.go a copy of RULES.md's table, one row part per item; tests
//     compare both with ../shared when it is present.
//   - Sections are the headings that hold task items ("- [ ]"); a heading
//     "3. HTTPS & SSL Security" gives Number 3, and the "## " heading above a
//     "### " section is its Group.
//   - The default checklist keeps the numbered sections 1–15 and, from the
//     notes, the one actionable line RULES.md maps ("Regular security audits
//     recommended"). "Current Status", "Critical Issues Found" and "Priority
//     Order" describe one project on one day (DEBUG enabled, no rate limiting
//     …); rendered for every repository they would state falsehoods, and the
//     audit's score and findings replace them.
//   - Default IDs ("s1.1" … "s15.4", "notes.audits") are fixed in the table,
//     never derived from positions, so inserting an item later cannot move
//     people's ticks. A repository's own checklist reuses the default ID of
//     an item whose normalised text matches, and a slug of the text
//     otherwise.
//   - An item passes only on evidence: none of its rules has an unsuppressed
//     finding, nor one suppressed without a reason (RULES.md: "nothing is
//     suppressed without a reason"). Manual items never pass by themselves
//     and are not counted in the score; "+ manual" items are automated and
//     manual at once: their rules decide Pass, people still tick the rest.
package checklist

import (
	_ "embed"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/djsec/djsec/internal/lazyre"
)

//go:embed CHECKLIST.md
var defaultMarkdown []byte

// Checklist is a checklist with its items mapped to rules.
type Checklist struct {
	Title    string
	Sections []Section
}

// Section is a heading of the checklist that holds items.
type Section struct {
	Number int    // from a "3. Title" heading; 0 when unnumbered
	Title  string // the heading without its number
	Group  string // the "## " heading a "### " section sits under ("" if none)
	Items  []Item
}

// Item is one line of the checklist.
type Item struct {
	// ID is stable across updates of the checklist; the audit issue keeps
	// people's ticks by it.
	ID string
	// Text is the item's Markdown as the checklist writes it.
	Text string
	// Rules are the IDs of the rules that prove the item (empty: manual).
	Rules []string
	// Manual: no rule proves the item, or the rules prove only part of it.
	Manual bool
	// Automated: at least one rule.
	Automated bool
	// Note is the mapping's remark for people ("DJS103/DJS104 say when it is due").
	Note string
	// OrgEmail is the part of Text that names one organisation's email
	// rule (the default checklist's "(Sharif emails only)"), "" for other
	// items and for a repository's own checklist, whose words are its own.
	// TextFor words it for the repository at hand.
	OrgEmail string
}

// TextFor is the item's text for a repository whose configuration allows
// the email domains given (allowed_email_domains): an item naming one
// organisation's email rule names those domains instead ("(example.edu
// addresses only)"), or, when none are configured, nothing, since the
// organisation the checklist was written for is not this repository's.
func (it *Item) TextFor(emailDomains []string) string {
	if it.OrgEmail == "" || !strings.Contains(it.Text, it.OrgEmail) {
		return it.Text
	}
	general := ""
	if len(emailDomains) > 0 {
		general = "(" + orList(emailDomains) + " addresses only)"
	}
	text := strings.Replace(it.Text, it.OrgEmail, general, 1)
	return strings.Join(strings.Fields(text), " ")
}

// orList joins names for a sentence: "a", "a or b", "a, b or c".
func orList(names []string) string {
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// Default is the checklist djsec enforces when a repository names none.
// Every call returns a fresh copy the caller may change.
func Default() *Checklist {
	return defaultChecklist().clone()
}

var defaultChecklist = sync.OnceValue(func() *Checklist {
	c, err := buildDefault(defaultMarkdown, mapping)
	if err != nil {
		// The markdown and the table are compiled in and tested together.
		panic("checklist: embedded default is inconsistent: " + err.Error())
	}
	return c
})

// buildDefault keeps the numbered sections' task items and the notes the
// table maps, each item taking its ID and rules from the table.
func buildDefault(md []byte, table []entry) (*Checklist, error) {
	doc := scan(md)
	byKey := make(map[string]*entry, len(table))
	for i := range table {
		e := &table[i]
		k := e.section + "\x00" + normalize(e.text)
		if _, dup := byKey[k]; dup {
			return nil, fmt.Errorf("item %q listed twice in §%s", e.text, e.section)
		}
		byKey[k] = e
	}
	used := map[string]bool{}
	c := &Checklist{Title: doc.title}
	for _, b := range doc.blocks {
		sec := Section{Number: b.number, Title: b.title, Group: b.group}
		key := strconv.Itoa(b.number)
		isNotes := b.number == 0 && normalize(b.title) == "notes"
		if isNotes {
			key = "Notes"
		} else if b.number == 0 {
			continue
		}
		for _, bl := range b.bullets {
			if !bl.task && !isNotes {
				continue
			}
			e, ok := byKey[key+"\x00"+normalize(bl.text)]
			if !ok {
				if isNotes {
					continue // prose, not an item
				}
				return nil, fmt.Errorf("line %d: §%s item %q has no mapping", bl.line, key, bl.text)
			}
			rules, manual, note, err := parseSpec(e.spec)
			if err != nil {
				return nil, fmt.Errorf("item %s: %w", e.id, err)
			}
			used[e.id] = true
			sec.Items = append(sec.Items, Item{
				ID: e.id, Text: bl.text, Rules: rules, Note: note, OrgEmail: e.orgEmail,
				Manual: manual || len(rules) == 0 || e.manualToo != "", Automated: len(rules) > 0,
			})
		}
		if len(sec.Items) > 0 {
			c.Sections = append(c.Sections, sec)
		}
	}
	for _, e := range table {
		if !used[e.id] {
			return nil, fmt.Errorf("mapping %s (%q, §%s) matches no item", e.id, e.text, e.section)
		}
	}
	for _, it := range c.Items() {
		if it.OrgEmail != "" && !strings.Contains(it.Text, it.OrgEmail) {
			return nil, fmt.Errorf("item %s: %q is not in its text %q", it.ID, it.OrgEmail, it.Text)
		}
	}
	return c, nil
}

// Parse reads a repository's own checklist: Markdown whose headings hold
// task items ("- [ ]", "- [x]", also nested or numbered). An item whose
// normalised text is a default item's takes that item's ID and rules; an
// item that names rules in parentheses ("(DJS201)", "(debug-enabled,
// DJS204)", "(DJS705 + manual)", "(manual)") takes those instead; any other
// item is manual. A parenthetical naming an unknown rule ID is an error
// rather than a silently manual item.
func Parse(md []byte) (*Checklist, error) {
	if !utf8.Valid(md) {
		return nil, errors.New("checklist: not UTF-8 text")
	}
	defaults := map[string]*Item{}
	for _, s := range defaultChecklist().Sections {
		for j := range s.Items {
			defaults[normalize(s.Items[j].Text)] = &s.Items[j]
		}
	}
	doc := scan(md)
	c := &Checklist{Title: doc.title}
	ids := map[string]bool{}
	var slugged []*Item // IDs assigned after every default ID is claimed
	for _, b := range doc.blocks {
		sec := Section{Number: b.number, Title: b.title, Group: b.group}
		for _, bl := range b.bullets {
			if !bl.task {
				continue
			}
			it := Item{Text: bl.text}
			if d, ok := defaults[normalize(bl.text)]; ok {
				it.ID, it.Rules, it.Manual, it.Note = d.ID, append([]string(nil), d.Rules...), d.Manual, d.Note
			}
			rules, manual, named, err := explicitRules(bl.text)
			if err != nil {
				return nil, fmt.Errorf("checklist line %d: %w", bl.line, err)
			}
			if named {
				it.Rules, it.Manual, it.Note = rules, manual || len(rules) == 0, ""
			}
			if len(it.Rules) == 0 {
				it.Manual = true
			}
			it.Automated = len(it.Rules) > 0
			sec.Items = append(sec.Items, it)
		}
		if len(sec.Items) > 0 {
			c.Sections = append(c.Sections, sec)
		}
	}
	if len(c.Sections) == 0 {
		return nil, errors.New(`checklist: no items (task lines such as "- [ ] Disable DEBUG in production")`)
	}
	for i := range c.Sections {
		for j := range c.Sections[i].Items {
			it := &c.Sections[i].Items[j]
			if it.ID != "" && !ids[it.ID] {
				ids[it.ID] = true
				continue
			}
			slugged = append(slugged, it)
		}
	}
	for _, it := range slugged {
		it.ID = uniqueSlug(it.Text, ids)
	}
	return c, nil
}

// refGroupRE finds parentheticals, which may name rules.
var refGroupRE = lazyre.New(`\(([^()]*)\)`)

// explicitRules reads rule references from an item's parentheticals. A
// parenthetical counts only when every word in it is a rule ID, slug, range
// or "manual", so "(set to False)" or "(Django ORM handles this)" stay prose.
func explicitRules(text string) (rules []string, manual, named bool, err error) {
	for _, m := range refGroupRE().FindAllStringSubmatch(text, -1) {
		toks := strings.FieldsFunc(m[1], func(r rune) bool {
			return unicode.IsSpace(r) || r == ',' || r == ';' || r == '/' || r == '+'
		})
		var ids []string
		isRef, isManual := len(toks) > 0, false
		var bad error
		for _, t := range toks {
			if strings.EqualFold(strings.Trim(t, "`"), "manual") {
				isManual = true
				continue
			}
			got, ok, err := resolveToken(t)
			switch {
			case err != nil:
				bad = err
			case ok:
				ids = append(ids, got...)
			default:
				isRef = false
			}
		}
		if !isRef {
			continue
		}
		if bad != nil {
			return nil, false, false, bad
		}
		named = true
		manual = manual || isManual
		rules = appendNew(rules, ids...)
	}
	return rules, manual, named, nil
}

// normalize makes texts comparable across formatting: emphasis, code
// marks, parentheticals, punctuation and case do not count.
func normalize(s string) string {
	s = refGroupRE().ReplaceAllString(s, " ")
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
			continue
		}
		space = true
	}
	return b.String()
}

// uniqueSlug derives an ID from the item's words, so it survives items
// being inserted or moved around it.
func uniqueSlug(text string, taken map[string]bool) string {
	const maxLen = 60
	words := strings.Fields(normalize(text))
	slug := ""
	for _, w := range words {
		next := w
		if slug != "" {
			next = slug + "-" + w
		}
		if len(next) > maxLen && slug != "" {
			break
		}
		slug = next
	}
	if slug == "" {
		slug = "item"
	}
	id := slug
	for n := 2; taken[id]; n++ {
		id = slug + "-" + strconv.Itoa(n)
	}
	taken[id] = true
	return id
}

func (c *Checklist) clone() *Checklist {
	out := &Checklist{Title: c.Title, Sections: make([]Section, len(c.Sections))}
	for i, s := range c.Sections {
		s.Items = append([]Item(nil), s.Items...)
		for j := range s.Items {
			s.Items[j].Rules = append([]string(nil), s.Items[j].Rules...)
		}
		out.Sections[i] = s
	}
	return out
}

// Items lists every item in order.
func (c *Checklist) Items() []*Item {
	var out []*Item
	for i := range c.Sections {
		for j := range c.Sections[i].Items {
			out = append(out, &c.Sections[i].Items[j])
		}
	}
	return out
}

// document is the Markdown's outline: headings and the bullets under them.
type document struct {
	title  string
	blocks []block
}

type block struct {
	number  int
	title   string
	group   string
	bullets []bullet
}

type bullet struct {
	task bool
	text string
	line int
}

var (
	headingRE  = lazyre.New(`^ {0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$`)
	bulletRE   = lazyre.New(`^(\s*)(?:[-*+]|\d+[.)])\s+(?:\[([ xX])\]\s+)?(.*?)\s*$`)
	numberedRE = lazyre.New(`^(\d+)\.\s+(.*)$`)
	fenceRE    = lazyre.New("^ {0,3}(```|~~~)")
)

// scan outlines Markdown. Fenced code and HTML comments are skipped so a
// bullet inside them is no item; an indented line after a bullet continues it.
func scan(md []byte) document {
	var doc document
	var cur *block
	group, fence, inComment := "", "", false
	var last *bullet
	for n, line := range strings.Split(strings.ReplaceAll(string(md), "\r\n", "\n"), "\n") {
		lineNo := n + 1
		if fence != "" {
			if strings.HasPrefix(strings.TrimSpace(line), fence) {
				fence = ""
			}
			continue
		}
		if inComment {
			if _, after, ok := strings.Cut(line, "-->"); ok {
				inComment = false
				line = after
			} else {
				continue
			}
		}
		if m := fenceRE().FindStringSubmatch(line); m != nil {
			fence, last = m[1], nil
			continue
		}
		if i := strings.Index(line, "<!--"); i >= 0 && !strings.Contains(line[i:], "-->") {
			inComment = true
			line = line[:i]
		}
		if strings.TrimSpace(line) == "" {
			last = nil
			continue
		}
		if m := headingRE().FindStringSubmatch(line); m != nil {
			last = nil
			level, text := len(m[1]), m[2]
			if level == 1 {
				if doc.title == "" {
					doc.title = text
				}
				cur = nil
				continue
			}
			b := block{title: text}
			if level == 2 {
				group = text
			} else {
				b.group = group
			}
			if nm := numberedRE().FindStringSubmatch(text); nm != nil {
				b.number, _ = strconv.Atoi(nm[1])
				b.title = nm[2]
			}
			doc.blocks = append(doc.blocks, b)
			cur = &doc.blocks[len(doc.blocks)-1]
			continue
		}
		if m := bulletRE().FindStringSubmatch(line); m != nil {
			if cur == nil {
				doc.blocks = append(doc.blocks, block{})
				cur = &doc.blocks[len(doc.blocks)-1]
			}
			cur.bullets = append(cur.bullets, bullet{task: m[2] != "", text: m[3], line: lineNo})
			last = &cur.bullets[len(cur.bullets)-1]
			continue
		}
		if last != nil && (line[0] == ' ' || line[0] == '\t') {
			last.text += " " + strings.TrimSpace(line)
			continue
		}
		last = nil
	}
	return doc
}
