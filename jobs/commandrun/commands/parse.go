// Package commands reads the /djsec commands in an issue or pull request
// comment: which lines are commands, what each asks for with its arguments
// checked, and the Markdown replies for the lines that are not right. It is
// pure: a comment body in, commands out; authorizing and running them is the
// caller's job.
package commands

import (
	"errors"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

const (
	// MaxCommands is how many commands one comment may hold; later command
	// lines are answered once, together, with ErrTooMany. It matches the
	// per-user rate limit of 10 commands a minute.
	MaxCommands = 10
	// MaxLineLength (in characters) bounds a command line: nothing a
	// person types to djsec is that long, and the cap bounds the work and
	// the replies one comment can cause.
	MaxLineLength = 1000
)

// Name names a command as it is written after /djsec.
type Name string

const (
	Help     Name = "help"
	Explain  Name = "explain"
	Recheck  Name = "recheck"
	Fix      Name = "fix"
	Ignore   Name = "ignore"
	Unignore Name = "unignore"
	Ignores  Name = "ignores"
	Audit    Name = "audit"
	Config   Name = "config"
)

// Mutating reports whether the command changes something (runs a check,
// opens a pull request, records an ignore) and so needs write permission;
// the others only read and are open to anyone who can comment.
func (n Name) Mutating() bool {
	s, ok := specFor(n)
	return ok && s.mutating
}

// Command is one /djsec line of a comment. When Err is set the line is not
// a command to run: answer it with Err.Markdown() instead; Name is then the
// command the line names, if it names one.
type Command struct {
	Name Name
	Line int    // 1-based line of the comment body
	Text string // the line as written, from /djsec on, without HTML comments

	// Rule is the rule's canonical ID (checks.Rule.ID) for explain, ignore
	// and unignore, whichever ID or slug the line used.
	Rule string
	// Rules are the rules fix is limited to (canonical IDs, sorted, no
	// repeats); none means every fixable finding.
	Rules []string
	// PathGlob narrows ignore and unignore to some files: path.Match
	// segments, ** for any number of directories, relative to the
	// repository root; "" means every file.
	PathGlob string
	// Until is when an ignore stops applying: 00:00 UTC of the date given
	// with --until, so "--until 2030-07-01" covers June but not July 1.
	// Zero means no expiry.
	Until time.Time
	// PROnly is ignore --pr: the ignore is for this pull request only.
	PROnly bool
	// Reason is why an ignore is safe, as written after --.
	Reason string

	Err *Error
}

// Mutating reports whether the command needs write permission; a line that
// failed to parse mutates nothing.
func (c Command) Mutating() bool {
	return c.Err == nil && c.Name.Mutating()
}

// String is the command in canonical form: lower-case name, canonical rule
// IDs, arguments quoted only where needed, options in a fixed order. A line
// with an error is shown as written.
func (c Command) String() string {
	if c.Err != nil {
		return strings.Join(strings.Fields(c.Text), " ")
	}
	w := []string{"/djsec", string(c.Name)}
	switch c.Name {
	case Explain:
		w = append(w, c.Rule)
	case Fix:
		w = append(w, c.Rules...)
	case Ignore, Unignore:
		w = append(w, c.Rule)
		if c.PathGlob != "" {
			w = append(w, quoteArg(c.PathGlob))
		}
		if !c.Until.IsZero() {
			w = append(w, "--until", c.Until.Format(time.DateOnly))
		}
		if c.PROnly {
			w = append(w, "--pr")
		}
		if c.Name == Ignore {
			r := c.Reason
			if reason(r) != r {
				// It would read back unquoted: quote it.
				r = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(r) + `"`
			}
			w = append(w, "--", r)
		}
	}
	return strings.Join(w, " ")
}

// Key identifies what a line asks for, so that an edited comment can be
// compared with its earlier version: lines that differ only in spacing,
// quoting, case or rule ID versus slug have the same key.
func (c Command) Key() string {
	if c.Err != nil {
		if errors.Is(c.Err, ErrTooMany) {
			// The lines past the cap never run, so editing them
			// changes nothing.
			return "!too-many"
		}
		return "!" + strings.ToLower(c.String())
	}
	return c.String()
}

// Parse finds the commands in a comment body, in order. Every /djsec line
// yields one Command, valid or carrying Err, up to MaxCommands; past that,
// one more entry with ErrTooMany stands for all the rest. now is the clock
// an ignore's --until date must be after.
func Parse(body string, now time.Time) []Command {
	var out []Command
	extra, extraLine, extraText := 0, 0, ""
	for c := range candidates(body) {
		if len(out) == MaxCommands {
			if extra == 0 {
				extraLine, extraText = c.line, truncate(c.text, 80)
			}
			extra++
			continue
		}
		out = append(out, parseLine(c, now))
	}
	if extra > 0 {
		out = append(out, Command{Line: extraLine, Text: extraText, Err: &Error{
			Line: extraLine, Text: extraText, Kind: ErrTooMany,
			Message: plural(extra, "more command was", "more commands were") +
				" not run: djsec runs at most " + itoa(MaxCommands) + " commands from one comment",
		}})
	}
	return out
}

// Changed reports whether an edited comment asks for something other than
// before, so that only such an edit runs its commands again. Validity that
// depends on the date is not compared: both versions are read at the same
// (zero) time.
func Changed(oldBody, newBody string) bool {
	o, n := Parse(oldBody, time.Time{}), Parse(newBody, time.Time{})
	return !slices.EqualFunc(o, n, func(a, b Command) bool { return a.Key() == b.Key() })
}

func parseLine(c candidate, now time.Time) Command {
	cmd := Command{Line: c.line, Text: c.text}
	fail := func(kind error, name, suggest Name, msg string) Command {
		cmd.Name = name
		cmd.Err = &Error{Line: c.line, Text: cmd.Text, Kind: kind, Command: name, Suggestion: suggest, Message: msg}
		return cmd
	}
	if n := utf8.RuneCountInString(c.raw); n > MaxLineLength {
		cmd.Text = truncate(c.text, 80)
		return fail(ErrLineTooLong, "", "", "the line is "+itoa(n)+" characters long; djsec reads command lines of at most "+itoa(MaxLineLength))
	}
	if !utf8.ValidString(c.text) || strings.ContainsFunc(c.text, func(r rune) bool { return unicode.IsControl(r) && r != '\t' }) {
		cmd.Text = strings.ToValidUTF8(strings.Map(func(r rune) rune {
			if unicode.IsControl(r) {
				return '\uFFFD'
			}
			return r
		}, c.text), "\uFFFD")
		return fail(ErrArguments, "", "", "the line holds control characters or invalid UTF-8")
	}
	if c.lazy {
		return fail(ErrQuoted, "", "", "the line carries on the quote above it, so it shows as quoted text: leave an empty line between the quote and the command")
	}
	toks, rest, sep, err := split(c.text[len("/djsec"):])
	if err != nil {
		name := Name("")
		if len(toks) > 0 {
			if s, ok := specFor(Name(strings.ToLower(toks[0].s))); ok {
				name = s.name
			}
		}
		return fail(ErrArguments, name, "", err.Error())
	}
	if len(toks) == 0 {
		if sep {
			return fail(ErrUnknownCommand, "", "", "a command name must come before `--`")
		}
		// A bare /djsec asks what djsec can do.
		cmd.Name = Help
		return cmd
	}
	word := toks[0].s
	s, ok := specFor(Name(strings.ToLower(word)))
	if !ok {
		return fail(ErrUnknownCommand, "", closestCommand(word), "unknown command "+codeSpan(truncate(word, 40)))
	}
	cmd.Name = s.name
	args := argList{toks: toks[1:], rest: rest, sep: sep}
	if msg := s.parse(&cmd, args, now); msg != "" {
		cmd = Command{Name: s.name, Line: c.line, Text: c.text}
		return fail(ErrArguments, s.name, "", msg)
	}
	return cmd
}

// token is one shell-like word of a command line.
type token struct {
	s      string
	quoted bool // some of it was in quotes: never an option or the -- separator
}

// split cuts a command line into words the way a POSIX shell would, without
// any expansion: white space separates words, "..." and '...' group them,
// and inside double quotes \" and \\ stand for " and \. It stops at the
// first bare -- and returns the rest of the line after it untouched, so
// that an ignore's reason may hold apostrophes ("it's a test fixture").
func split(s string) (toks []token, rest string, sep bool, err error) {
	var (
		b      strings.Builder
		inWord bool
		quoted bool
		quote  byte
	)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case quote == '"' && r == '\\' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\'):
			b.WriteByte(s[i+1])
			size = 2
		case quote != 0 && s[i] == quote:
			quote = 0
		case quote != 0:
			b.WriteString(s[i : i+size])
		case r == '"' || r == '\'':
			quote, inWord, quoted = s[i], true, true
		case unicode.IsSpace(r):
			if inWord {
				if !quoted && b.String() == "--" {
					return toks, strings.TrimSpace(s[i:]), true, nil
				}
				toks = append(toks, token{s: b.String(), quoted: quoted})
				b.Reset()
				inWord, quoted = false, false
			}
		default:
			inWord = true
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	if quote != 0 {
		return toks, "", false, errors.New("a quote (" + codeSpan(string(quote)) + ") is not closed")
	}
	if inWord {
		if !quoted && b.String() == "--" {
			return toks, "", true, nil
		}
		toks = append(toks, token{s: b.String(), quoted: quoted})
	}
	return toks, "", false, nil
}
