package commands

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/djsec/djsec/checks"
)

func parseOne(t *testing.T, line string) Command {
	t.Helper()
	got := Parse(line, now)
	if len(got) != 1 {
		t.Fatalf("Parse(%q) gave %d entries, want 1", line, len(got))
	}
	return got[0]
}

func TestArguments(t *testing.T) {
	t.Parallel()
	tests := []struct {
		line string
		want Command // Line, Text and Err are not compared
	}{
		{"/djsec help", Command{Name: Help}},
		{"/djsec explain DJS403", Command{Name: Explain, Rule: "DJS403"}},
		{"/djsec explain djs403", Command{Name: Explain, Rule: "DJS403"}},
		{"/djsec explain HSTS-Off", Command{Name: Explain, Rule: "DJS403"}},
		{"/djsec explain \"hsts-off\"", Command{Name: Explain, Rule: "DJS403"}},
		{"/djsec recheck", Command{Name: Recheck}},
		{"/djsec fix", Command{Name: Fix}},
		{"/djsec fix DJS409 session-cookie-insecure djs409", Command{Name: Fix, Rules: []string{"DJS406", "DJS409"}}},
		{"/djsec ignore DJS703 -- admin views are behind the VPN", Command{Name: Ignore, Rule: "DJS703", Reason: "admin views are behind the VPN"}},
		{"/djsec ignore view-allow-any legacy/** -- old", Command{Name: Ignore, Rule: "DJS703", PathGlob: "legacy/**", Reason: "old"}},
		{"/djsec ignore DJS703 ./legacy/ -- old", Command{Name: Ignore, Rule: "DJS703", PathGlob: "legacy/**", Reason: "old"}},
		{"/djsec ignore DJS703 ** -- everywhere", Command{Name: Ignore, Rule: "DJS703", Reason: "everywhere"}},
		{"/djsec ignore DJS703 **/views.py -- x", Command{Name: Ignore, Rule: "DJS703", PathGlob: "**/views.py", Reason: "x"}},
		{"/djsec ignore DJS703 'a b/*.py' -- x", Command{Name: Ignore, Rule: "DJS703", PathGlob: "a b/*.py", Reason: "x"}},
		{"/djsec ignore DJS703 \"[a-c]?/x\" -- x", Command{Name: Ignore, Rule: "DJS703", PathGlob: "[a-c]?/x", Reason: "x"}},
		{"/djsec ignore DJS703 \"-odd/**\" -- x", Command{Name: Ignore, Rule: "DJS703", PathGlob: "-odd/**", Reason: "x"}},
		{"/djsec ignore DJS703 --until 2026-03-16 -- x", Command{Name: Ignore, Rule: "DJS703", Until: day(2026, 3, 16), Reason: "x"}},
		{"/djsec ignore DJS703 --UNTIL=2027-02-28 -- x", Command{Name: Ignore, Rule: "DJS703", Until: day(2027, 2, 28), Reason: "x"}},
		{"/djsec ignore DJS703 --pr -- x", Command{Name: Ignore, Rule: "DJS703", PROnly: true, Reason: "x"}},
		{"/djsec ignore --pr DJS703 --until 2028-01-01 src/** -- x", Command{Name: Ignore, Rule: "DJS703", PathGlob: "src/**", Until: day(2028, 1, 1), PROnly: true, Reason: "x"}},
		{"/djsec ignore DJS703 -- it's a \"fixture\" -- really", Command{Name: Ignore, Rule: "DJS703", Reason: "it's a \"fixture\" -- really"}},
		{"/djsec ignore DJS703 -- \"quoted reason\"", Command{Name: Ignore, Rule: "DJS703", Reason: "quoted reason"}},
		{"/djsec ignore DJS703 -- 'single'", Command{Name: Ignore, Rule: "DJS703", Reason: "single"}},
		{"/djsec ignore DJS703 -- \"two\" \"parts\"", Command{Name: Ignore, Rule: "DJS703", Reason: "\"two\" \"parts\""}},
		{"/djsec ignore DJS703 -- 理由 ✓", Command{Name: Ignore, Rule: "DJS703", Reason: "理由 ✓"}},
		{"/djsec unignore DJS703", Command{Name: Unignore, Rule: "DJS703"}},
		{"/djsec unignore view-allow-any legacy/**", Command{Name: Unignore, Rule: "DJS703", PathGlob: "legacy/**"}},
		{"/djsec ignores", Command{Name: Ignores}},
		{"/djsec audit", Command{Name: Audit}},
		{"/djsec config", Command{Name: Config}},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			t.Parallel()
			got := parseOne(t, tt.line)
			if got.Err != nil {
				t.Fatalf("error: %v", got.Err)
			}
			got.Line, got.Text = 0, ""
			if !equalCommand(got, tt.want) {
				t.Errorf("got  %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func equalCommand(a, b Command) bool {
	return a.Name == b.Name && a.Rule == b.Rule && slices.Equal(a.Rules, b.Rules) && a.PathGlob == b.PathGlob &&
		a.Until.Equal(b.Until) && a.PROnly == b.PROnly && a.Reason == b.Reason && (a.Err == nil) == (b.Err == nil)
}

func TestArgumentErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		line    string
		name    Name // the command the error is about
		kind    error
		message string // a part of Err.Message
	}{
		{"/djsec help me", Help, ErrArguments, "`help` takes no arguments, but the line goes on with `me`"},
		{"/djsec recheck please", Recheck, ErrArguments, "`recheck` takes no arguments"},
		{"/djsec audit -- now", Audit, ErrArguments, "goes on with `--`"},
		{"/djsec ignores --pr", Ignores, ErrArguments, "takes no arguments"},
		{"/djsec config x", Config, ErrArguments, "takes no arguments"},
		{"/djsec explain", Explain, ErrArguments, "`explain` needs a rule"},
		{"/djsec explain DJS403 DJS404", Explain, ErrArguments, "unexpected `DJS404`"},
		{"/djsec explain DJS4O3", Explain, ErrArguments, "unknown rule `DJS4O3`; did you mean `DJS403` (hsts-off)?"},
		{"/djsec explain hsts-of", Explain, ErrArguments, "did you mean `DJS403` (hsts-off)?"},
		{"/djsec explain nothing-like-it", Explain, ErrArguments, "unknown rule `nothing-like-it`"},
		{"/djsec explain --verbose DJS403", Explain, ErrArguments, "`explain` has no option `--verbose`"},
		{"/djsec explain \"DJS403", Explain, ErrArguments, "a quote (`\"`) is not closed"},
		{"/djsec fix raw-sql", Fix, ErrArguments, "`DJS704` (raw-sql) has no automatic fix; `/djsec explain DJS704` tells how to fix it by hand"},
		{"/djsec fix DJS406 DJS999", Fix, ErrArguments, "unknown rule `DJS999`"},
		{"/djsec fix -- DJS406", Fix, ErrArguments, "`fix` takes no `--`"},
		{"/djsec ignore", Ignore, ErrArguments, "name the rule to ignore"},
		{"/djsec ignore -- reason", Ignore, ErrArguments, "name the rule to ignore"},
		{"/djsec ignore DJS703", Ignore, ErrArguments, "a reason is required"},
		{"/djsec ignore DJS703 legacy/**", Ignore, ErrArguments, "a reason is required"},
		{"/djsec ignore DJS703 --", Ignore, ErrArguments, "the reason after `--` is empty"},
		{"/djsec ignore DJS703 --   ", Ignore, ErrArguments, "the reason after `--` is empty"},
		{"/djsec ignore DJS703 -- \"\"", Ignore, ErrArguments, "the reason after `--` is empty"},
		{"/djsec ignore nope -- x", Ignore, ErrArguments, "unknown rule `nope`"},
		{"/djsec ignore DJS703 legacy dir/** -- x", Ignore, ErrArguments, "unexpected `dir/**` after the path glob"},
		{"/djsec ignore DJS703 \"\" -- x", Ignore, ErrArguments, "the path glob is empty"},
		{"/djsec ignore DJS703 " + strings.Repeat("**/a/", 5) + "b.py -- x", Ignore, ErrArguments, "more than 32 segments or 4 `**`"},
		{"/djsec ignore DJS703 " + strings.Repeat("a/", 33) + "b.py -- x", Ignore, ErrArguments, "more than 32 segments or 4 `**`"},
		{"/djsec ignore DJS703 " + strings.Repeat("x", 201) + " -- x", Ignore, ErrArguments, "longer than 200 characters"},
		{"/djsec ignore DJS703 /etc/** -- x", Ignore, ErrArguments, "starts with /"},
		{"/djsec ignore DJS703 a//b -- x", Ignore, ErrArguments, "empty segment"},
		{"/djsec ignore DJS703 ../x -- x", Ignore, ErrArguments, "has a `..` segment"},
		{"/djsec ignore DJS703 a/./b -- x", Ignore, ErrArguments, "has a `.` segment"},
		{"/djsec ignore DJS703 a**b -- x", Ignore, ErrArguments, "`**` must be a whole segment"},
		{"/djsec ignore DJS703 [a- -- x", Ignore, ErrArguments, "is not valid: syntax error in pattern"},
		{`/djsec ignore DJS703 x\ -- x`, Ignore, ErrArguments, "is not valid"},
		{"/djsec ignore DJS703 --until -- x", Ignore, ErrArguments, "`--until` needs a date"},
		{"/djsec ignore DJS703 --until", Ignore, ErrArguments, "`--until` needs a date"},
		{"/djsec ignore DJS703 --until tomorrow -- x", Ignore, ErrArguments, "needs a date as YYYY-MM-DD, not `tomorrow`"},
		{"/djsec ignore DJS703 --until 2026-02-30 -- x", Ignore, ErrArguments, "not `2026-02-30`"},
		{"/djsec ignore DJS703 --until 2026-4-1 -- x", Ignore, ErrArguments, "not `2026-4-1`"},
		{"/djsec ignore DJS703 --until 2026-03-15 -- x", Ignore, ErrArguments, "`--until 2026-03-15` is not in the future"},
		{"/djsec ignore DJS703 --until 2020-01-01 -- x", Ignore, ErrArguments, "is not in the future"},
		{"/djsec ignore DJS703 --until 2027-01-01 --until 2028-01-01 -- x", Ignore, ErrArguments, "`--until` is given twice"},
		{"/djsec ignore DJS703 --pr --pr -- x", Ignore, ErrArguments, "`--pr` is given twice"},
		{"/djsec ignore DJS703 --pr=yes -- x", Ignore, ErrArguments, "`--pr` takes no value"},
		{"/djsec ignore DJS703 --unitl 2027-01-01 -- x", Ignore, ErrArguments, "unknown option `--unitl`; did you mean `--until`?"},
		{"/djsec ignore DJS703 -x -- x", Ignore, ErrArguments, "unknown option `-x`"},
		{"/djsec ignore DJS703 it's -- x", Ignore, ErrArguments, "is not closed"},
		{"/djsec unignore", Unignore, ErrArguments, "needs a rule"},
		{"/djsec unignore DJS703 a b", Unignore, ErrArguments, "unexpected `b`"},
		{"/djsec unignore DJS703 --pr", Unignore, ErrArguments, "has no option `--pr`"},
		{"/djsec unignore DJS703 -- x", Unignore, ErrArguments, "takes no `--`"},
		{"/djsec unignore DJS703 a**", Unignore, ErrArguments, "whole segment"},
		{"/djsec -- x", "", ErrUnknownCommand, "a command name must come before `--`"},
		{"/djsec ignroe DJS703 -- x", "", ErrUnknownCommand, "unknown command `ignroe`"},
		{"/djsec `x`", "", ErrUnknownCommand, "unknown command `` `x` ``"},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			t.Parallel()
			got := parseOne(t, tt.line)
			if got.Err == nil {
				t.Fatalf("no error; got %v", got)
			}
			if got.Mutating() {
				t.Error("a line with an error mutates")
			}
			if !errors.Is(got.Err, tt.kind) || got.Name != tt.name || got.Err.Command != tt.name {
				t.Errorf("kind %v, name %q / %q; want %v, %q", got.Err.Kind, got.Name, got.Err.Command, tt.kind, tt.name)
			}
			if !strings.Contains(got.Err.Message, tt.message) {
				t.Errorf("message %q\ndoes not contain %q", got.Err.Message, tt.message)
			}
			if got.Err.Line != 1 || got.Err.Text != strings.TrimSpace(tt.line) {
				t.Errorf("line %d text %q", got.Err.Line, got.Err.Text)
			}
			if got.Rule != "" || got.Rules != nil || got.PathGlob != "" || got.Reason != "" || !got.Until.IsZero() || got.PROnly {
				t.Errorf("a failed command keeps arguments: %#v", got)
			}
		})
	}
}

func TestMutating(t *testing.T) {
	t.Parallel()
	want := map[Name]bool{
		Help: false, Explain: false, Ignores: false, Config: false,
		Recheck: true, Fix: true, Ignore: true, Unignore: true, Audit: true,
	}
	if len(want) != len(specs) {
		t.Fatalf("%d commands, %d expectations", len(specs), len(want))
	}
	for _, s := range specs {
		if s.name.Mutating() != want[s.name] {
			t.Errorf("%s.Mutating() = %v", s.name, !want[s.name])
		}
		c := parseOne(t, s.example)
		if c.Err != nil {
			t.Fatalf("example %q: %v", s.example, c.Err)
		}
		if c.Name != s.name || c.Mutating() != want[s.name] {
			t.Errorf("example %q: %s, mutating %v", s.example, c.Name, c.Mutating())
		}
	}
	if Name("nope").Mutating() {
		t.Error("an unknown name mutates")
	}
}

// The canonical form reads back as the same command.
func TestStringRoundTrip(t *testing.T) {
	t.Parallel()
	lines := []string{
		"/djsec EXPLAIN hsts-off",
		"/djsec fix session-cookie-insecure DJS409",
		`/djsec ignore view-allow-any "a \"q\" b/**" --pr --until=2027-01-02 -- 'it''s' -- fine`,
		`/djsec ignore DJS703 "-x/*" -- x`,
		`/djsec ignore DJS703 'back\slash/*' -- x`,
		"/djsec unignore DJS703 ./legacy/",
		"/djsec ignore DJS703 -- \"'x'\"",
		"/djsec ignore DJS703 -- \"a\" \"b\"",
		"/djsec",
	}
	for _, l := range lines {
		c := parseOne(t, l)
		if c.Err != nil {
			t.Fatalf("%q: %v", l, c.Err)
		}
		again := parseOne(t, c.String())
		if again.Err != nil || !equalCommand(c, again) || again.String() != c.String() {
			t.Errorf("%q → %q → %#v", l, c.String(), again)
		}
	}
}

// Every rule can be named by ID and by slug in any case.
func TestEveryRule(t *testing.T) {
	t.Parallel()
	for _, r := range checks.Rules() {
		for _, name := range []string{r.ID, strings.ToLower(r.ID), r.Slug, strings.ToUpper(r.Slug)} {
			c := parseOne(t, "/djsec explain "+name)
			if c.Err != nil || c.Rule != r.ID {
				t.Errorf("explain %s: %+v", name, c)
			}
			c = parseOne(t, "/djsec fix "+name)
			if r.Fixable != (c.Err == nil) {
				t.Errorf("fix %s (fixable %v): %v", name, r.Fixable, c.Err)
			}
		}
	}
}
