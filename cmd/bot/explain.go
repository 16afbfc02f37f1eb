package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/djsec/djsec/checks"
	"github.com/djsec/djsec/formats"
)

func init() {
	register(command{name: "explain", summary: "show one rule's documentation: why it matters and how to fix it", run: runExplain})
}

const explainUsage = `Usage: bot explain RULE

Prints the documentation of one rule, named by ID (DJS201) or slug
(debug-enabled).
`

func runExplain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("explain", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() { fmt.Fprint(fs.Output(), explainUsage) }
	rest, err := parseFlags(fs, args)
	if err != nil {
		return flagError(fs, err, stdout, stderr)
	}
	if len(rest) != 1 {
		return fail(stderr, "explain: want exactly one rule ID or slug, e.g. `bot explain debug-enabled`")
	}
	r, ok := checks.LookupRule(rest[0])
	if !ok {
		if s, ok := checks.SuggestRule(rest[0]); ok {
			// Named the way the user named it: an ID for an ID.
			first, second := s.Slug, s.ID
			if strings.HasPrefix(strings.ToUpper(rest[0]), "DJS") {
				first, second = s.ID, s.Slug
			}
			return fail(stderr, "explain: there is no rule %q; did you mean %s (%s)? `bot rules` lists them", rest[0], first, second)
		}
		return fail(stderr, "explain: there is no rule %q; `bot rules` lists them", rest[0])
	}
	if err := formats.Explain(stdout, r); err != nil {
		return fail(stderr, "explain: %v", err)
	}
	return exitOK
}
