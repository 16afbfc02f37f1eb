package checks

import (
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Rule is one entry of the catalogue (shared/RULES.md). IDs and slugs are a
// public contract: never renamed, never reused.
type Rule struct {
	ID       string
	Slug     string
	Severity Severity
	// Where lists what the rule reads: S settings, E .env files,
	// R requirements/pyproject/Pipfile, C other repository files.
	Where string
	// Section is the rule's section of RULES.md (1 secrets … 10
	// dependencies; 0 for djsec's own inputs). The checklist mapping is
	// separate: a rule can serve several checklist items.
	Section int
	// Title is a short noun phrase for headings and annotation titles.
	Title string
	// FiresWhen is the condition, in the words of RULES.md.
	FiresWhen string
	// Doc explains why the rule matters, in Markdown.
	Doc string
	// Fix tells what to change, in Markdown, with an example where one helps.
	Fix string
	// DjangoChecks are the IDs Django's `check --deploy` may report for the
	// same configuration (the finding carries the single one that applies).
	DjangoChecks []string
	Fixable      bool
	// FixUp rules are repaired by the automatic fix-up pull request
	// whatever their severity: the checklist's "Critical Issues Found"
	// (SECRET_KEY, DEBUG, CORS allow-all, rate limiting, security
	// logging) and a hardcoded database password. Other fixable rules are
	// fixed when someone asks (/djsec fix DJS402).
	FixUp bool
	// AuditOnly rules need the whole repository (a missing URL route, say)
	// and run in `bot audit` and the weekly audit, never on a PR's files.
	AuditOnly bool
	// PROnly rules are review prompts about what a pull request changes (a
	// view that opts out of permissions): in a whole-repository audit the
	// same line is a long-standing decision, not news, so they stay quiet.
	PROnly bool
	Check  func(p *Project, r *Reporter)
}

var (
	catalogue []*Rule
	byID      = map[string]*Rule{}
	bySlug    = map[string]*Rule{}
)

// register adds rules to the catalogue; each rules_*.go file calls it from
// an init function so a rule's metadata and logic live side by side.
func register(rules ...*Rule) {
	for _, r := range rules {
		if _, dup := byID[r.ID]; dup {
			panic("duplicate rule ID " + r.ID)
		}
		if _, dup := bySlug[r.Slug]; dup {
			panic("duplicate rule slug " + r.Slug)
		}
		byID[r.ID] = r
		bySlug[r.Slug] = r
		catalogue = append(catalogue, r)
	}
}

// ordered is the catalogue sorted by rule number, sorted once on first use
// (after every init has registered its rules).
var ordered = sync.OnceValue(func() []*Rule {
	out := make([]*Rule, len(catalogue))
	copy(out, catalogue)
	sort.SliceStable(out, func(i, j int) bool { return ruleNumber(out[i].ID) < ruleNumber(out[j].ID) })
	return out
})

func ruleNumber(id string) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(id, "DJS"))
	return n
}

// Rules returns the catalogue ordered by ID.
func Rules() []*Rule {
	o := ordered()
	out := make([]*Rule, len(o))
	copy(out, o)
	return out
}

// LookupRule finds a rule by ID (case-insensitive) or slug.
func LookupRule(idOrSlug string) (*Rule, bool) {
	s := strings.TrimSpace(idOrSlug)
	if r, ok := byID[strings.ToUpper(s)]; ok {
		return r, true
	}
	r, ok := bySlug[strings.ToLower(s)]
	return r, ok
}

// FixUpTarget reports whether the automatic fix-up repairs f: a fixable,
// unsuppressed finding of a FixUp rule, or any fixable critical one.
func FixUpTarget(f Finding) bool {
	if !f.Fixable || f.Suppressed {
		return false
	}
	if f.Severity == Critical {
		return true
	}
	r, ok := byID[f.Rule]
	return ok && r.FixUp
}

// DocsURL is where a rule's documentation lives on the web.
func (r *Rule) DocsURL() string {
	return "https://github.com/djsec/djsec/blob/main/docs/rules.md#" + strings.ToLower(r.ID) + "-" + r.Slug
}
