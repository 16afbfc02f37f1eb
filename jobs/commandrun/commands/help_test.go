package commands

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

func golden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test ./commands/ -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the output (go test ./commands/ -update rewrites it):\n%s", p, got)
	}
}

func TestHelpGolden(t *testing.T) {
	t.Parallel()
	h := HelpMarkdown()
	golden(t, "help.md", h)
	for _, s := range specs {
		row := "| " + codeSpan(usageOf(s)) + " |"
		if !strings.Contains(h, row) || !strings.Contains(h, codeSpan(s.example)) {
			t.Errorf("help lacks %s or its example", s.name)
		}
		// A | in a cell would break the table.
		for _, cell := range []string{usageOf(s), s.summary, s.example} {
			if strings.Contains(cell, "|") {
				t.Errorf("%s: %q holds a |", s.name, cell)
			}
		}
	}
}

func TestUsage(t *testing.T) {
	t.Parallel()
	for n, want := range map[Name]string{
		Help:     "/djsec help",
		Explain:  "/djsec explain RULE",
		Ignore:   "/djsec ignore RULE [PATH-GLOB] [--until YYYY-MM-DD] [--pr] -- REASON",
		Unignore: "/djsec unignore RULE [PATH-GLOB]",
		"nope":   "",
	} {
		if got := Usage(n); got != want {
			t.Errorf("Usage(%q) = %q, want %q", n, got, want)
		}
	}
}

// The replies a person reads, one golden file each.
func TestReplyGolden(t *testing.T) {
	t.Parallel()
	tests := []struct{ file, body string }{
		{"unknown-command.md", "/djsec ignroe DJS703 -- fine"},
		{"unknown-command-no-suggestion.md", "/djsec deploy"},
		{"bad-arguments.md", "/djsec ignore DJS703 legacy/**"},
		{"bad-rule.md", "/djsec explain hsts-of"},
		{"backticks-in-line.md", "/djsec `rm` ``x``"},
		{"quoted.md", "> did you try\n/djsec recheck"},
		{"too-long.md", "/djsec ignore DJS703 -- " + strings.Repeat("why ", 300)},
		{"too-many.md", strings.Repeat("/djsec recheck\n", MaxCommands+3)},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			cmds := Parse(tt.body, now)
			last := cmds[len(cmds)-1]
			if last.Err == nil {
				t.Fatalf("no error for %q", tt.body)
			}
			golden(t, filepath.Join("replies", tt.file), last.Err.Markdown())
		})
	}
}

func TestSuggestions(t *testing.T) {
	t.Parallel()
	tests := map[string]Name{
		"ignroe":                     Ignore, // a swap
		"ingore":                     Ignore,
		"ignor":                      Ignore, // a prefix of ignore and ignores: the shorter
		"IGNORED":                    Ignore,
		"ign":                        Ignore,
		"ignoress":                   Ignores,
		"unignroe":                   Unignore,
		"un":                         Unignore,
		"hlep":                       Help,
		"he":                         Help,
		"explian":                    Explain,
		"ex":                         Explain,
		"expalin":                    Explain,
		"rechek":                     Recheck,
		"re-check":                   Recheck,
		"rerun":                      "",
		"fixx":                       Fix,
		"fox":                        Fix,
		"fixup":                      Fix, // starts with a command
		"audti":                      Audit,
		"confg":                      Config,
		"configure":                  Config,
		"co":                         Config,
		"x":                          "",
		"deploy":                     "",
		"merge":                      "",
		"ıgnore":                     Ignore, // a dotless i is one substitution away
		"":                           "",
		"aaaaaaaaaa":                 "",
		strings.Repeat("ignore", 20): "",
	}
	for word, want := range tests {
		if got := closestCommand(word); got != want {
			t.Errorf("closestCommand(%q) = %q, want %q", word, got, want)
		}
	}
}

func TestDistance(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"abc", "", 3},
		{"ignore", "ignore", 0},
		{"ignroe", "ignore", 1},
		{"ignore", "ignores", 1},
		{"kitten", "sitting", 3},
		{"ca", "abc", 3}, // optimal string alignment, not full Damerau
		{"日本", "本日", 1},
	}
	for _, tt := range tests {
		if got := distance(tt.a, tt.b); got != tt.want {
			t.Errorf("distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestCodeSpan(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"a":      "`a`",
		"a`b":    "`` a`b ``",
		"``x":    "``` ``x ```",
		" a ":    "`  a  `",
		"":       "` `",
		"@alice": "`@alice`",
	} {
		if got := codeSpan(in); got != want {
			t.Errorf("codeSpan(%q) = %q, want %q", in, got, want)
		}
	}
}
