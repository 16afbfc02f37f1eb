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
	register(command{name: "rules", summary: "list the rules catalogue (text, json, or markdown for docs/rules.md)", run: runRules})
}

const rulesUsage = `Usage: bot rules [--format text|json|markdown]

Lists every rule djsec checks. The markdown output is docs/rules.md:
  go run ./cmd/bot rules --format markdown > docs/rules.md

Flags:
`

func runRules(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("rules", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	format := fs.String("format", "text", "output `format`: text, json or markdown")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), rulesUsage)
		fs.PrintDefaults()
	}
	rest, err := parseFlags(fs, args)
	if err != nil {
		return flagError(fs, err, stdout, stderr)
	}
	if len(rest) > 0 {
		return fail(stderr, "rules: unexpected argument %q (to read one rule, run `bot explain %s`)", rest[0], rest[0])
	}
	if !contains(formats.RulesFormats, *format) && *format != "md" {
		return fail(stderr, "rules: unknown --format %q (want %s)", *format, strings.Join(formats.RulesFormats, ", "))
	}
	if err := formats.WriteRules(stdout, *format, checks.Rules()); err != nil {
		return fail(stderr, "rules: %v", err)
	}
	return exitOK
}
