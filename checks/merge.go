package checks

import (
	"bytes"
	"slices"
	"strings"

	"github.com/djsec/djsec/internal/lazyre"
)

// One root cause, one finding. Some gaps trip several rules at once: no
// django-axes leaves logins unthrottled (DJS605), accounts never locked
// (DJS606) and failed logins unrecorded (DJS802); a literal SECRET_KEY is
// hardcoded (DJS101) and, being startproject's, weak (DJS103). Reviewers
// read three findings at one line as noise, and one fix closes them all, so
// the first rule of a group takes the others in: its finding names them in
// its message and in Also, which the audit checklist reads as findings of
// those rules too (an item about lockout stays unticked).
type mergeGroup struct {
	// primary absorbs the others when they are reported at the same
	// place: the same line, or the same file when wholeFile is set.
	primary   string
	others    []string
	wholeFile bool
	// note says, after the primary's message, what else the fix closes;
	// %s is the list of absorbed rules in words.
	note string
}

var mergeGroups = []mergeGroup{
	{primary: "DJS101", others: []string{"DJS103"}, note: "The key is also weak (%s)."},
	{primary: "DJS102", others: []string{"DJS103"}, note: "The default is also weak (%s)."},
	{primary: "DJS605", others: []string{"DJS606", "DJS802"},
		note: "The same fix closes %s: django-axes limits, locks out and records failed logins at once."},
	{primary: "DJS606", others: []string{"DJS802"},
		note: "The same fix closes %s: django-axes also records failed logins."},
	{primary: "DJS205", others: []string{"DJS803"}, wholeFile: true,
		note: "One error tracker closes %s as well."},
	// Preloading needs includeSubDomains: without it the preload list
	// refuses the site, so DJS405 is a consequence of DJS404.
	{primary: "DJS404", others: []string{"DJS405"}, wholeFile: true,
		note: "Preloading needs includeSubDomains first (%s)."},
}

// debugDerivedRE is an assignment whose value reads DEBUG: `X = not DEBUG`,
// `X = 3600 if not DEBUG else 0`.
var debugDerivedRE = lazyre.New(`^\s*[A-Z][A-Z0-9_]*(?:\s*\[[^]]*\])?\s*=[^=].*\bDEBUG\b`)

// assignsFromDebug reports whether line n (1-based) of src assigns a value
// computed from DEBUG.
func assignsFromDebug(src []byte, n int) bool {
	for i := 1; len(src) > 0; i++ {
		line := src
		if j := bytes.IndexByte(src, '\n'); j >= 0 {
			line, src = src[:j], src[j+1:]
		} else {
			src = nil
		}
		if i == n {
			return debugDerivedRE().Match(line)
		}
	}
	return false
}

// followsDebug are the rules about switches projects tie to DEBUG (HTTPS,
// cookies, HSTS, hosts). A secret chosen by DEBUG is not one of them: the
// literal is published whatever DEBUG is, and stays its own finding.
var followsDebug = map[string]bool{"DJS202": true, "DJS203": true, "DJS402": true, "DJS403": true, "DJS404": true,
	"DJS405": true, "DJS406": true, "DJS407": true, "DJS408": true, "DJS409": true, "DJS410": true}

// mergeRootCauses folds the findings of each group into its primary, in
// place of the separate findings. Suppressed findings are left alone: a
// person decided about each of them.
func mergeRootCauses(in []Finding) []Finding {
	absorbed := make([]bool, len(in))
	// A setting computed from DEBUG is off because DEBUG is on: DJS201
	// names it instead of a second finding with a second fix.
	for i := range in {
		p := &in[i]
		if p.Rule != "DJS201" || p.Suppressed {
			continue
		}
		var names []string
		for j := range in {
			o := in[j]
			if j == i || absorbed[j] || o.Suppressed || !o.fromDebug || !followsDebug[o.Rule] || o.Path != p.Path {
				continue
			}
			absorbed[j] = true
			p.Also = append(p.Also, Absorbed{Rule: o.Rule, DjangoCheck: o.DjangoCheck, Fingerprint: o.Fingerprint, Key: o.Key})
			p.Also = append(p.Also, o.Also...)
			names = append(names, o.Rule+" ("+o.Key+" follows DEBUG)")
		}
		if len(names) > 0 {
			p.Message = strings.TrimRight(p.Message, " .") + ". Turning DEBUG off also fixes " + strings.Join(names, " and ") + "."
		}
	}
	for _, g := range mergeGroups {
		for i := range in {
			p := &in[i]
			if absorbed[i] || p.Suppressed || p.Rule != g.primary {
				continue
			}
			var names []string
			for j := range in {
				o := in[j]
				if j == i || absorbed[j] || o.Suppressed || !slices.Contains(g.others, o.Rule) || o.Path != p.Path ||
					(!g.wholeFile && o.Line != p.Line) {
					continue
				}
				absorbed[j] = true
				p.Also = append(p.Also, Absorbed{Rule: o.Rule, DjangoCheck: o.DjangoCheck, Fingerprint: o.Fingerprint, Key: o.Key})
				p.Also = append(p.Also, o.Also...)
				if o.Severity > p.Severity {
					p.Severity = o.Severity
				}
				if p.DjangoCheck == "" {
					// Django reports the absorbed one (W009 for a weak
					// key): the merged finding carries its ID.
					p.DjangoCheck = o.DjangoCheck
				}
				names = append(names, mergeName(o))
			}
			if len(names) > 0 {
				p.Message = strings.TrimRight(p.Message, " .") + ". " + strings.ReplaceAll(g.note, "%s", strings.Join(names, " and "))
			}
		}
	}
	out := in[:0]
	for i, f := range in {
		if !absorbed[i] {
			out = append(out, f)
		}
	}
	return out
}

// mergeName names an absorbed finding for the primary's message: its rule
// and, for a weakness, why ("DJS103: starts with django-insecure-").
func mergeName(f Finding) string {
	r, ok := LookupRule(f.Rule)
	if !ok {
		return f.Rule
	}
	if f.Rule == "DJS103" {
		// Its message starts "SECRET_KEY (…) <why>: <fix>"; keep the why.
		why := f.Message
		if i := strings.Index(why, ") "); i >= 0 {
			why = why[i+2:]
		}
		if i := strings.Index(why, ":"); i >= 0 {
			why = why[:i]
		}
		return f.Rule + ", " + why
	}
	return f.Rule + " (" + strings.ToLower(r.Title) + ")"
}
