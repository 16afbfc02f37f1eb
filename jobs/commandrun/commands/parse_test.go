package commands

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// now is the clock of every test: --until dates are judged against it.
var now = time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)

// summarize renders what Parse found, one entry a line: "L3 /djsec fix" for
// a command in canonical form, "L3 !too many commands" for an error.
func summarize(cmds []Command) []string {
	out := []string{}
	for _, c := range cmds {
		if c.Err != nil {
			out = append(out, fmt.Sprintf("L%d !%v", c.Line, c.Err.Kind))
			continue
		}
		out = append(out, fmt.Sprintf("L%d %s", c.Line, c))
	}
	return out
}

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		want []string
	}{
		{"empty body", "", nil},
		{"blank lines only", "\n \n\t\n", nil},
		{"no command", "LGTM, thanks!\n\nShip it.", nil},
		{"one command", "/djsec recheck", []string{"L1 /djsec recheck"}},
		{"bare /djsec is help", "/djsec", []string{"L1 /djsec help"}},
		{"bare /djsec with trailing spaces", "/djsec   ", []string{"L1 /djsec help"}},
		{"prefix in upper case", "/DJSEC Recheck", []string{"L1 /djsec recheck"}},
		{"mixed case", "/DjSeC AUDIT", []string{"L1 /djsec audit"}},
		{"glued word is no command", "/djsecfoo fix", nil},
		{"punctuation after prefix is no command", "/djsec:fix\n/djsec, fix", nil},
		{"command in the middle of a line", "please /djsec fix", nil},
		{"escaped slash", `\/djsec fix`, nil},
		{"inline code", "`/djsec fix`", nil},
		{"list item", "- /djsec fix", nil},
		{"one space of indentation", " /djsec recheck", []string{"L1 /djsec recheck"}},
		{"three spaces of indentation", "   /djsec recheck", []string{"L1 /djsec recheck"}},
		{"four spaces are indented code", "    /djsec recheck", nil},
		{"a tab is indented code", "\t/djsec recheck", nil},
		{"space and tab are indented code", "  \t/djsec recheck", nil},
		{"indented code then a command", "Run this:\n\n    /djsec fix\n\n/djsec audit", []string{"L5 /djsec audit"}},
		{"paragraph continuation indented four", "Please\n    /djsec fix", nil},
		{"several commands in order", "Thanks!\n/djsec fix DJS406\nand\n/djsec recheck\n/djsec explain hsts-off",
			[]string{"L2 /djsec fix DJS406", "L4 /djsec recheck", "L5 /djsec explain DJS403"}},
		{"the same command twice", "/djsec recheck\n/djsec recheck", []string{"L1 /djsec recheck", "L2 /djsec recheck"}},

		// Fenced code.
		{"backtick fence", "```\n/djsec fix\n```\n/djsec recheck", []string{"L4 /djsec recheck"}},
		{"tilde fence", "~~~\n/djsec fix\n~~~\n/djsec recheck", []string{"L4 /djsec recheck"}},
		{"fence with info string", "```markdown title=\"x\"\n/djsec fix\n```", nil},
		{"tilde fence info may hold backticks", "~~~ a`b\n/djsec fix\n~~~\n/djsec audit", []string{"L4 /djsec audit"}},
		{"backtick fence info with a backtick is inline code", "```a```\n/djsec fix", []string{"L2 /djsec fix"}},
		{"two backticks are no fence", "``\n/djsec fix\n``", []string{"L2 /djsec fix"}},
		{"longer fence not closed by shorter", "````\n```\n/djsec fix\n````\n/djsec recheck", []string{"L5 /djsec recheck"}},
		{"closed by a longer fence", "```\n/djsec fix\n`````\n/djsec recheck", []string{"L4 /djsec recheck"}},
		{"tilde does not close backtick", "```\n~~~\n/djsec fix\n```\n/djsec audit", []string{"L5 /djsec audit"}},
		{"backtick does not close tilde", "~~~~\n```\n/djsec fix\n~~~\n/djsec audit\n~~~~~\n/djsec config", []string{"L7 /djsec config"}},
		{"closing fence takes no info string", "```\n```x\n/djsec fix\n```\n/djsec audit", []string{"L5 /djsec audit"}},
		{"closing fence may have trailing spaces", "```\n/djsec fix\n```  \t\n/djsec audit", []string{"L4 /djsec audit"}},
		{"unclosed fence runs to the end", "```\n/djsec fix\n\n/djsec audit", nil},
		{"fence indented three spaces", "   ```\n/djsec fix\n   ```\n/djsec audit", []string{"L4 /djsec audit"}},
		{"closing fence indented", "```\n/djsec fix\n  ```\n/djsec audit", []string{"L4 /djsec audit"}},
		{"fence indented four is no fence", "    ```\n/djsec fix\n    ```", []string{"L2 /djsec fix"}},
		{"fence interrupts a paragraph", "See:\n```\n/djsec fix\n```", nil},
		{"fence in a list item", "- steps:\n  ```\n  /djsec fix\n  ```\n/djsec audit", []string{"L5 /djsec audit"}},

		// Block quotes.
		{"quoted command", "> /djsec fix", nil},
		{"quote without space", ">/djsec fix", nil},
		{"indented quote", "   > /djsec fix", nil},
		{"nested quote", "> > /djsec fix", nil},
		{"quote then blank line then command", "> /djsec fix\n\n/djsec recheck", []string{"L3 /djsec recheck"}},
		{"lazy continuation of a quote", "> did you run\n/djsec recheck", []string{"L2 !command inside a quote"}},
		{"lazy continuation goes on", "> quoted\nstill quoted\n/djsec recheck", []string{"L3 !command inside a quote"}},
		{"quote closed by an empty quote line", "> quoted\n>\n/djsec recheck", []string{"L3 /djsec recheck"}},
		{"quoted heading leaves nothing open", "> # Title\n/djsec recheck", []string{"L2 /djsec recheck"}},
		{"quoted fence ends with the quote", "> ```\n> /djsec fix\n/djsec recheck", []string{"L3 /djsec recheck"}},
		{"closed quoted fence", "> ```\n> x\n> ```\n/djsec recheck", []string{"L4 /djsec recheck"}},
		{"quoted paragraph after a quoted fence", "> ```\n> ```\n> text\n/djsec recheck", []string{"L4 !command inside a quote"}},
		{"list item interrupts the quote", "> quoted\n- item\n/djsec recheck", []string{"L3 /djsec recheck"}},
		{"quoted indented code leaves nothing open", ">     code\n/djsec recheck", []string{"L2 /djsec recheck"}},

		// HTML comments.
		{"comment block", "<!--\n/djsec fix\n-->\n/djsec audit", []string{"L4 /djsec audit"}},
		{"one-line comment", "<!-- /djsec fix -->", nil},
		{"comment then command on the line", "<!-- x --> /djsec fix", nil},
		{"comment after a command is dropped", "/djsec fix <!-- DJS406 -->", []string{"L1 /djsec fix"}},
		{"comment in the middle of a command", "/djsec fix <!-- x --> DJS406", []string{"L1 /djsec fix DJS406"}},
		{"comment opened inside a paragraph", "text <!-- start\n/djsec fix\nend -->\n/djsec config", []string{"L4 /djsec config"}},
		{"comment opened on a command line", "/djsec recheck <!-- why\n/djsec fix\n-->\n/djsec audit",
			[]string{"L1 /djsec recheck", "L4 /djsec audit"}},
		{"comment marker inside a code span", "`<!--` opens a comment\n/djsec fix", []string{"L2 /djsec fix"}},
		{"comment marker inside a double code span", "``a ` <!-- b``\n/djsec fix", []string{"L2 /djsec fix"}},
		{"unmatched backticks do not hide a comment", "` <!--\n/djsec fix\n-->", nil},
		{"short comment <!-->", "<!-->\n/djsec fix", []string{"L2 /djsec fix"}},
		{"short comment <!--->", "<!--->\n/djsec fix", []string{"L2 /djsec fix"}},
		{"stray comment end", "-->\n/djsec fix", []string{"L2 /djsec fix"}},
		{"second comment opened after a closing one", "<!--\n--> <!--\n/djsec fix\n-->\n/djsec audit", []string{"L5 /djsec audit"}},
		{"comment inside a fence is text", "```\n<!--\n```\n/djsec fix", []string{"L4 /djsec fix"}},
		{"fence inside a comment is text", "<!--\n```\n-->\n/djsec fix", []string{"L4 /djsec fix"}},

		// Line endings.
		{"CRLF", "/djsec recheck\r\n/djsec fix DJS406\r\n", []string{"L1 /djsec recheck", "L2 /djsec fix DJS406"}},
		{"lone CR", "/djsec recheck\r/djsec audit", []string{"L1 /djsec recheck", "L2 /djsec audit"}},
		{"CRLF fence", "```\r\n/djsec fix\r\n```\r\n/djsec audit\r\n", []string{"L4 /djsec audit"}},
		{"CRLF quote", "> a\r\n\r\n/djsec audit\r\n", []string{"L3 /djsec audit"}},
		{"byte order mark", "\uFEFF/djsec recheck", []string{"L1 /djsec recheck"}},

		// Unicode.
		{"unicode glob and reason", "/djsec ignore DJS703 \"docs/日本語/**\" -- ça marche 🚀",
			[]string{"L1 /djsec ignore DJS703 docs/日本語/** -- ça marche 🚀"}},
		{"no-break space separates", "/djsec\u00a0recheck", []string{"L1 /djsec recheck"}},
		{"long s is not s", "/djſec recheck", nil},
		{"dotless i is no command", "/djsec ıgnore DJS703 -- x", []string{"L1 !unknown command"}},
		{"ideographic space separates", "/djsec\u3000audit", []string{"L1 /djsec audit"}},

		// Errors stay in order with the commands.
		{"unknown command among valid ones", "/djsec recheck\n/djsec ignroe DJS703 -- x\n/djsec audit",
			[]string{"L1 /djsec recheck", "L2 !unknown command", "L3 /djsec audit"}},
		{"control character", "/djsec ignore DJS703 -- a\x00b", []string{"L1 !bad arguments"}},
		{"invalid UTF-8", "/djsec ignore DJS703 -- a\xffb", []string{"L1 !bad arguments"}},
		{"line too long", "/djsec ignore DJS703 -- " + strings.Repeat("x", MaxLineLength), []string{"L1 !line too long"}},
		{"line at the limit", "/djsec ignore DJS703 -- " + strings.Repeat("é", MaxLineLength-len("/djsec ignore DJS703 -- ")),
			[]string{"L1 /djsec ignore DJS703 -- " + strings.Repeat("é", MaxLineLength-len("/djsec ignore DJS703 -- "))}},
		{"long lines that are no commands are fine", strings.Repeat("y", 5000) + "\n/djsec audit", []string{"L2 /djsec audit"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := summarize(Parse(tt.body, now))
			if !slices.Equal(got, orEmpty(tt.want)) {
				t.Errorf("Parse(%q)\n got %q\nwant %q", tt.body, got, tt.want)
			}
		})
	}
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func TestParseCap(t *testing.T) {
	t.Parallel()
	for _, n := range []int{MaxCommands, MaxCommands + 1, MaxCommands + 2, 10_000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			t.Parallel()
			body := strings.Repeat("/djsec recheck\n", n)
			got := Parse(body, now)
			if len(got) != min(n, MaxCommands+1) {
				t.Fatalf("%d lines: got %d entries, want %d", n, len(got), min(n, MaxCommands+1))
			}
			for i, c := range got[:MaxCommands] {
				if c.Err != nil || c.Name != Recheck || c.Line != i+1 {
					t.Errorf("entry %d = %+v, want recheck on line %d", i, c, i+1)
				}
			}
			if n <= MaxCommands {
				return
			}
			last := got[MaxCommands]
			if !errors.Is(last.Err, ErrTooMany) || last.Line != MaxCommands+1 {
				t.Fatalf("last entry = %+v, want ErrTooMany on line %d", last, MaxCommands+1)
			}
			want := fmt.Sprintf("%d more command", n-MaxCommands)
			if !strings.Contains(last.Err.Message, want) {
				t.Errorf("message %q does not say %q", last.Err.Message, want)
			}
		})
	}
}

// The entry standing for the lines past the cap stays small even when
// those lines are not.
func TestParseCapLongLine(t *testing.T) {
	t.Parallel()
	body := strings.Repeat("/djsec recheck\n", MaxCommands) + "/djsec " + strings.Repeat("x", 64<<10)
	got := Parse(body, now)
	last := got[len(got)-1]
	if !errors.Is(last.Err, ErrTooMany) || len(last.Text) > 200 || len(last.Err.Markdown()) > 400 {
		t.Errorf("last entry: %d bytes of text, %d of reply", len(last.Text), len(last.Err.Markdown()))
	}
}

// Errors count toward the cap: each one is answered too.
func TestParseCapCountsErrors(t *testing.T) {
	t.Parallel()
	body := strings.Repeat("/djsec nope\n", MaxCommands) + "/djsec recheck\n"
	got := summarize(Parse(body, now))
	if len(got) != MaxCommands+1 || got[MaxCommands] != fmt.Sprintf("L%d !too many commands", MaxCommands+1) {
		t.Errorf("got %q", got)
	}
}

func TestParseLargeBody(t *testing.T) {
	t.Parallel()
	body := largeBody(64 << 10)
	got := summarize(Parse(body, now))
	// largeBody puts its two real commands at the start and the end; the
	// ones in between are inside code, quotes and comments.
	lines := strings.Count(body, "\n")
	want := []string{"L3 /djsec recheck", fmt.Sprintf("L%d /djsec fix DJS406", lines)}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// Bodies built to make a naive scanner quadratic: one 64 KiB line of
// backtick runs with comment openers, and thousands of unclosed ones.
func TestParseAdversarialLines(t *testing.T) {
	t.Parallel()
	bodies := map[string]string{
		"backtick runs":       strings.Repeat("` `` ``` <!-- ", 64<<10/14),
		"comment openers":     strings.Repeat("<!--", 16<<10) + "\n/djsec fix",
		"one long command":    "/djsec " + strings.Repeat("\"a b\" ", 64<<10/6),
		"many quote lines":    strings.Repeat("> /djsec fix\n", 64<<10/13),
		"many fence openers":  strings.Repeat("```\n~~~\n", 64<<10/8),
		"many short comments": strings.Repeat("<!---->/djsec fix\n", 64<<10/18),
	}
	for name, body := range bodies {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			got := Parse(body, now)
			if len(got) > MaxCommands+1 {
				t.Errorf("%d entries", len(got))
			}
			// Generous: the benchmark shows the real cost, this only
			// catches a quadratic blow-up.
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

// largeBody is a realistic long comment: prose, code, quotes and comments
// with commands hidden in all of them, a real command near the start and
// one on the last line.
func largeBody(size int) string {
	var b strings.Builder
	b.WriteString("Thanks for the review.\n\n/djsec recheck\n\n")
	chunk := "Some prose about the settings, with `inline code` and a <b>tag</b>.\n" +
		"```python\n/djsec fix\nDEBUG = False\n```\n" +
		"> /djsec audit\n> quoted text\n\n" +
		"<!--\n/djsec ignore DJS703 -- hidden\n-->\n" +
		"~~~~\n```\n/djsec config\n~~~~\n" +
		"    /djsec ignores\n\n"
	for b.Len() < size-100 {
		b.WriteString(chunk)
	}
	b.WriteString("/djsec fix DJS406\n")
	return b.String()
}

func TestSplit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in     string
		want   []string
		rest   string
		sep    bool
		errSub string
	}{
		{"", nil, "", false, ""},
		{"  a  b\tc ", []string{"a", "b", "c"}, "", false, ""},
		{`"a b" 'c d'`, []string{"a b", "c d"}, "", false, ""},
		{`"a \"b\" \\ \c"`, []string{`a "b" \ \c`}, "", false, ""},
		{`'no \' escapes`, []string{`no \`, "escapes"}, "", false, ""},
		{`'a "b" c'`, []string{`a "b" c`}, "", false, ""},
		{`a"b c"d`, []string{"ab cd"}, "", false, ""},
		{`""`, []string{""}, "", false, ""},
		{`back\slash`, []string{`back\slash`}, "", false, ""},
		{"a -- it's fine, \"really\"", []string{"a"}, "it's fine, \"really\"", true, ""},
		{"a --", []string{"a"}, "", true, ""},
		{`a "--" b`, []string{"a", "--", "b"}, "", false, ""},
		{"a --b", []string{"a", "--b"}, "", false, ""},
		{`"unterminated`, nil, "", false, "not closed"},
		{"日本 語", []string{"日本", "語"}, "", false, ""},
	}
	for _, tt := range tests {
		toks, rest, sep, err := split(tt.in)
		if tt.errSub != "" {
			if err == nil || !strings.Contains(err.Error(), tt.errSub) {
				t.Errorf("split(%q) error = %v, want %q", tt.in, err, tt.errSub)
			}
			continue
		}
		if err != nil {
			t.Errorf("split(%q): %v", tt.in, err)
			continue
		}
		var got []string
		for _, tk := range toks {
			got = append(got, tk.s)
		}
		if !slices.Equal(got, tt.want) || rest != tt.rest || sep != tt.sep {
			t.Errorf("split(%q) = %q, %q, %v; want %q, %q, %v", tt.in, got, rest, sep, tt.want, tt.rest, tt.sep)
		}
	}
}

func TestChanged(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		old, new string
		want     bool
	}{
		{"identical", "/djsec recheck", "/djsec recheck", false},
		{"prose edited around the command", "Please\n/djsec recheck\nthanks", "Please, now:\n\n/djsec recheck\n\nthank you!", false},
		{"case and spacing", "/djsec fix djs406", "/DJSEC   FIX   DJS406  ", false},
		{"slug for ID", "/djsec explain DJS403", "/djsec explain hsts-off", false},
		{"quoting", `/djsec ignore DJS703 "legacy/**" -- x`, `/djsec ignore DJS703 legacy/** -- "x"`, false},
		{"rule order of fix", "/djsec fix DJS406 DJS409", "/djsec fix DJS409 DJS406 DJS409", false},
		{"CRLF against LF", "/djsec recheck\r\n/djsec audit", "/djsec recheck\n/djsec audit", false},
		{"a command added", "/djsec recheck", "/djsec recheck\n/djsec audit", true},
		{"a command removed", "/djsec recheck\n/djsec audit", "/djsec recheck", true},
		{"order changed", "/djsec recheck\n/djsec audit", "/djsec audit\n/djsec recheck", true},
		{"argument changed", "/djsec fix DJS406", "/djsec fix DJS409", true},
		{"reason changed", "/djsec ignore DJS703 -- a", "/djsec ignore DJS703 -- b", true},
		{"typo fixed", "/djsec ignroe DJS703 -- a", "/djsec ignore DJS703 -- a", true},
		{"one typo for another", "/djsec ignroe DJS703 -- a", "/djsec ingore DJS703 -- a", true},
		{"command moved into a code block", "/djsec recheck", "```\n/djsec recheck\n```", true},
		{"no commands either side", "hello", "hello, world", false},
		{"past date both sides", "/djsec ignore DJS703 --until 2001-01-01 -- a", "/djsec ignore DJS703 --until=2001-01-01 -- a", false},
		{"lines past the cap", strings.Repeat("/djsec recheck\n", 12), strings.Repeat("/djsec recheck\n", 11) + "/djsec audit", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Changed(tt.old, tt.new); got != tt.want {
				t.Errorf("Changed(%q, %q) = %v, want %v", tt.old, tt.new, got, tt.want)
			}
		})
	}
}
