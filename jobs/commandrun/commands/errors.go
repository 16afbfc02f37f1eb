package commands

import (
	"errors"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/djsec/djsec/checks"
	"github.com/djsec/djsec/internal/md"
)

// What a caller may branch on; every Error wraps one of these.
var (
	ErrUnknownCommand = errors.New("unknown command")
	ErrArguments      = errors.New("bad arguments")
	ErrTooMany        = errors.New("too many commands")
	ErrLineTooLong    = errors.New("line too long")
	// ErrQuoted: the line continues a block quote's paragraph, so Markdown
	// shows it quoted; djsec does not run it, but says why.
	ErrQuoted = errors.New("command inside a quote")
)

// Error is why a /djsec line is not a command to run.
type Error struct {
	Line int
	Text string // the line as written, for the reply to quote
	Kind error  // one of the Err* values above
	// Message says what is wrong, in Markdown; whatever it quotes from the
	// comment is in code spans, so a reply cannot mention or link anyone.
	Message string
	// Command is the command the line names, when it names one.
	Command Name
	// Suggestion is the command closest to an unknown one, if any is close.
	Suggestion Name
}

func (e *Error) Error() string {
	return "line " + strconv.Itoa(e.Line) + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Kind }

// Markdown is the reply to the line: what is wrong, and for an unknown
// command or bad arguments the usage of the command meant and the help text.
func (e *Error) Markdown() string {
	var b strings.Builder
	b.WriteString(codeSpan(truncate(e.Text, 120)) + " (line " + strconv.Itoa(e.Line) + "): " + e.Message)
	if !strings.HasSuffix(e.Message, "?") {
		b.WriteString(".")
	}
	usage := e.Command
	if e.Suggestion != "" {
		b.WriteString(" Did you mean " + codeSpan(string(e.Suggestion)) + "?")
		usage = e.Suggestion
	}
	if !errors.Is(e, ErrUnknownCommand) && !errors.Is(e, ErrArguments) {
		return b.String() + "\n"
	}
	if s, ok := specFor(usage); ok {
		b.WriteString("\n\nUsage: " + codeSpan("/djsec "+usageOf(s)) + ", for example " + codeSpan(s.example))
	}
	b.WriteString("\n\n<details><summary>All djsec commands</summary>\n\n")
	b.WriteString(HelpMarkdown())
	b.WriteString("\n</details>\n")
	return b.String()
}

// closestCommand suggests the command meant by an unknown word: one it
// starts (ign → ignore), one within a typo or two of it (ignroe → ignore),
// or one it starts with (fixup → fix).
func closestCommand(word string) Name {
	w := strings.ToLower(word)
	if utf8.RuneCountInString(w) > 32 {
		return ""
	}
	var best Name
	if len(w) >= 2 {
		for _, s := range specs {
			if strings.HasPrefix(string(s.name), w) && (best == "" || len(s.name) < len(best)) {
				best = s.name
			}
		}
		if best != "" {
			return best
		}
	}
	bestD := 2
	if utf8.RuneCountInString(w) <= 4 {
		bestD = 1
	}
	bestD++
	for _, s := range specs {
		if d := distance(w, string(s.name)); d < bestD {
			best, bestD = s.name, d
		}
	}
	if best != "" {
		return best
	}
	for _, s := range specs {
		if len(s.name) >= 3 && strings.HasPrefix(w, string(s.name)) && len(s.name) > len(best) {
			best = s.name
		}
	}
	return best
}

// closestRule suggests the rule meant by an unknown ID or slug, within two
// typos of either.
func closestRule(word string) *checks.Rule {
	w := strings.ToLower(strings.TrimSpace(word))
	if w == "" || utf8.RuneCountInString(w) > 64 {
		return nil
	}
	var best *checks.Rule
	bestD := 3
	for _, r := range checks.Rules() {
		for _, name := range []string{strings.ToLower(r.ID), r.Slug} {
			if d := distance(w, name); d < bestD {
				best, bestD = r, d
			}
		}
	}
	return best
}

// distance is the optimal string alignment distance between a and b:
// insertions, deletions, substitutions and swaps of neighbours, by rune.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

// codeSpan puts s in a Markdown code span whose backtick fence is longer
// than any run of backticks inside it.
func codeSpan(s string) string { return md.Code(s) }

// quoteArg writes an argument so that split reads it back as one word.
func quoteArg(s string) string {
	if s != "" && !strings.ContainsAny(s, "\"'\\") && !strings.ContainsFunc(s, unicode.IsSpace) && s[0] != '-' {
		return s
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

func itoa(n int) string { return strconv.Itoa(n) }

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
