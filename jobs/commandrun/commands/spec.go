package commands

import (
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/djsec/djsec/checks"
)

// spec describes one command: how it is written, what it does, and how its
// arguments are read. The table's order is the order of the help text.
type spec struct {
	name     Name
	args     string // the usage after the name
	summary  string // Markdown, for the help text
	example  string // a whole line that parses
	mutating bool
	// parse reads the arguments into c and returns "" or what is wrong,
	// in Markdown with every piece of user input in a code span.
	parse func(c *Command, a argList, now time.Time) string
}

var specs = []spec{
	{
		name: Help, summary: "Show this list.",
		example: "/djsec help", parse: noArgs(Help),
	},
	{
		name: Explain, args: "RULE",
		summary: "Explain a rule: what it looks for, why it matters and how to fix it. RULE is an ID or a slug.",
		example: "/djsec explain hsts-off", parse: parseExplain,
	},
	{
		name: Recheck, summary: "Run the check again on the pull request's head commit.",
		example: "/djsec recheck", mutating: true, parse: noArgs(Recheck),
	},
	{
		name: Fix, args: "[RULE...]",
		summary: "Open or refresh the fix-up pull request (on a pull request), or a fix-up of the default branch (on the audit issue), " +
			"for every fixable finding or only those of the rules named.",
		example: "/djsec fix DJS406 DJS409", mutating: true, parse: parseFix,
	},
	{
		name: Ignore, args: "RULE [PATH-GLOB] [--until YYYY-MM-DD] [--pr] -- REASON",
		summary: "Stop reporting a rule, in the whole repository or in the files the glob matches (`**` for any directories). " +
			"The reason after `--` is required. `--until` ends the ignore at the start of that day (UTC); `--pr` limits it to this pull request.",
		example: `/djsec ignore DJS703 "legacy/**" -- internal admin views, reachable only through the VPN`, mutating: true, parse: parseIgnore,
	},
	{
		name: Unignore, args: "RULE [PATH-GLOB]",
		summary: "Remove the ignore made with the same rule and glob.",
		example: `/djsec unignore DJS703 "legacy/**"`, mutating: true, parse: parseUnignore,
	},
	{
		name: Ignores, summary: "List the ignores: who made them, when, why and until when.",
		example: "/djsec ignores", parse: noArgs(Ignores),
	},
	{
		name: Audit, summary: "Audit the whole repository now and update the audit issue.",
		example: "/djsec audit", mutating: true, parse: noArgs(Audit),
	},
	{
		name: Config, summary: "Show the effective configuration and where each value comes from.",
		example: "/djsec config", parse: noArgs(Config),
	},
}

func specFor(n Name) (spec, bool) {
	for _, s := range specs {
		if s.name == n {
			return s, true
		}
	}
	return spec{}, false
}

// argList is what follows the command name: the words up to a bare --, and
// the rest of the line after it.
type argList struct {
	toks []token
	rest string
	sep  bool
}

func noArgs(n Name) func(*Command, argList, time.Time) string {
	return func(_ *Command, a argList, _ time.Time) string {
		switch {
		case len(a.toks) > 0:
			return codeSpan(string(n)) + " takes no arguments, but the line goes on with " + codeSpan(truncate(a.toks[0].s, 40))
		case a.sep:
			return codeSpan(string(n)) + " takes no arguments, but the line goes on with `--`"
		}
		return ""
	}
}

func parseExplain(c *Command, a argList, _ time.Time) string {
	pos, msg := positionals(Explain, a, 1, 1)
	if msg != "" {
		return msg
	}
	c.Rule, msg = lookupRule(pos[0])
	return msg
}

func parseFix(c *Command, a argList, _ time.Time) string {
	pos, msg := positionals(Fix, a, 0, -1)
	if msg != "" {
		return msg
	}
	for _, p := range pos {
		id, msg := lookupRule(p)
		if msg != "" {
			return msg
		}
		if r, _ := checks.LookupRule(id); !r.Fixable {
			return codeSpan(id) + " (" + r.Slug + ") has no automatic fix; " + codeSpan("/djsec explain "+id) + " tells how to fix it by hand"
		}
		c.Rules = append(c.Rules, id)
	}
	slices.Sort(c.Rules)
	c.Rules = slices.Compact(c.Rules)
	return ""
}

func parseUnignore(c *Command, a argList, _ time.Time) string {
	pos, msg := positionals(Unignore, a, 1, 2)
	if msg != "" {
		return msg
	}
	return ruleAndGlob(c, pos)
}

func parseIgnore(c *Command, a argList, now time.Time) string {
	var pos []string
	until, pr := false, false
	for i := 0; i < len(a.toks); i++ {
		t := a.toks[i]
		if !isOption(t) {
			pos = append(pos, t.s)
			continue
		}
		name, val, hasVal := strings.Cut(t.s, "=")
		switch strings.ToLower(name) {
		case "--until":
			if until {
				return "`--until` is given twice"
			}
			until = true
			if !hasVal {
				if i+1 == len(a.toks) {
					return "`--until` needs a date, as YYYY-MM-DD"
				}
				i++
				val = a.toks[i].s
			}
			d, err := time.Parse(time.DateOnly, val)
			if err != nil {
				return "`--until` needs a date as YYYY-MM-DD, not " + codeSpan(truncate(val, 40))
			}
			if !d.After(now) {
				return "`--until " + val + "` is not in the future: the ignore would never apply"
			}
			c.Until = d
		case "--pr":
			if hasVal {
				return "`--pr` takes no value"
			}
			if pr {
				return "`--pr` is given twice"
			}
			pr = true
			c.PROnly = true
		default:
			return unknownOption(t.s, "--until", "--pr")
		}
	}
	switch {
	case len(pos) == 0:
		return "name the rule to ignore, by ID or slug"
	case len(pos) > 2:
		return "unexpected " + codeSpan(truncate(pos[2], 40)) + " after the path glob; a glob with spaces needs quotes, and the reason goes after `--`"
	}
	if msg := ruleAndGlob(c, pos); msg != "" {
		return msg
	}
	if !a.sep {
		return "a reason is required: end the line with `--` followed by why the finding is acceptable"
	}
	c.Reason = reason(a.rest)
	if c.Reason == "" {
		return "the reason after `--` is empty; say why the finding is acceptable"
	}
	return ""
}

// reason is the text after --, unquoted when it is one quoted word.
func reason(rest string) string {
	rest = strings.TrimSpace(rest)
	if rest == "" || (rest[0] != '"' && rest[0] != '\'') || rest[len(rest)-1] != rest[0] {
		return rest
	}
	toks, _, sep, err := split(rest)
	if err != nil || sep || len(toks) != 1 {
		return rest
	}
	return strings.TrimSpace(toks[0].s)
}

func ruleAndGlob(c *Command, pos []string) string {
	var msg string
	if c.Rule, msg = lookupRule(pos[0]); msg != "" {
		return msg
	}
	if len(pos) == 2 {
		c.PathGlob, msg = checkGlob(pos[1])
	}
	return msg
}

// positionals returns the words of a command that takes only plain
// arguments, between min and max of them (max < 0: no limit).
func positionals(n Name, a argList, min, max int) ([]string, string) {
	var pos []string
	for _, t := range a.toks {
		if isOption(t) {
			return nil, codeSpan(string(n)) + " has no option " + codeSpan(truncate(t.s, 40))
		}
		pos = append(pos, t.s)
	}
	switch {
	case a.sep:
		return nil, codeSpan(string(n)) + " takes no `--`"
	case len(pos) < min:
		return nil, codeSpan(string(n)) + " needs a rule, by ID or slug"
	case max >= 0 && len(pos) > max:
		return nil, "unexpected " + codeSpan(truncate(pos[max], 40))
	}
	return pos, ""
}

// isOption: an unquoted word starting with - (a glob that starts with - can
// be quoted).
func isOption(t token) bool {
	return !t.quoted && len(t.s) > 1 && t.s[0] == '-'
}

// lookupRule resolves an ID or slug to the rule's ID.
func lookupRule(s string) (string, string) {
	if r, ok := checks.LookupRule(s); ok {
		return r.ID, ""
	}
	msg := "unknown rule " + codeSpan(truncate(s, 40))
	if r := closestRule(s); r != nil {
		msg += "; did you mean " + codeSpan(r.ID) + " (" + r.Slug + ")?"
	}
	return "", msg
}

// checkGlob validates a path glob in the dialect every ignore speaks
// (checks.CleanGlob) and returns it in canonical form, "" for a glob that
// matches every file, or the reply saying why it was refused.
func checkGlob(g string) (string, string) {
	if strings.TrimSpace(g) == "" {
		return "", "the path glob is empty; leave it out to cover every file"
	}
	clean, err := checks.CleanGlob(g)
	var ge *checks.GlobError
	switch {
	case errors.As(err, &ge):
		return "", "the path glob " + codeSpan(truncate(g, 60)) + " " + ge.Problem
	case err != nil:
		return "", err.Error()
	case clean == "**":
		return "", ""
	}
	return clean, ""
}

func unknownOption(opt string, known ...string) string {
	msg := "unknown option " + codeSpan(truncate(opt, 40))
	name, _, _ := strings.Cut(strings.ToLower(opt), "=")
	best, bestD := "", 3
	for _, k := range known {
		if d := distance(name, k); d < bestD {
			best, bestD = k, d
		}
	}
	if best != "" {
		msg += "; did you mean " + codeSpan(best) + "?"
	}
	return msg + "; a path glob that starts with `-` needs quotes"
}
