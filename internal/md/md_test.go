package md

import (
	"strings"
	"testing"
)

// hostile are strings a fork's file names, a commenter's reason or a
// branch name can hold.
var hostile = []string{
	"a`b\n# Heading\n[link](https://evil.example)\n@octo-org/admins",
	"settings.py`\n\n## Pwned\n\n<img src=x onerror=alert(1)>",
	"x|y|z",
	"```\ncode\n```",
	"<h1>big</h1>",
	"@everyone please look at ![img](https://evil.example/x.png)",
	"  ",
	"\r\n- item\r\n",
}

func TestTextIsInert(t *testing.T) {
	t.Parallel()
	for _, s := range hostile {
		got := Text(s)
		if strings.ContainsAny(got, "\r\n") {
			t.Errorf("Text(%q) spans lines: %q", s, got)
		}
		if strings.Count(got, "](") != strings.Count(got, `\](`) {
			t.Errorf("Text(%q) = %q keeps a link", s, got)
		}
		for _, bad := range []string{"<img", "<h1", "@octo", "@every"} {
			if strings.Contains(got, bad) {
				t.Errorf("Text(%q) = %q keeps %q", s, got, bad)
			}
		}
		if strings.Contains(strings.ReplaceAll(got, `\|`, ""), "|") {
			t.Errorf("Text(%q) = %q keeps a table break", s, got)
		}
	}
}

func TestCodeCannotBeClosed(t *testing.T) {
	t.Parallel()
	for _, s := range hostile {
		got := Code(s)
		if strings.ContainsAny(got, "\r\n") {
			t.Errorf("Code(%q) spans lines: %q", s, got)
		}
		// The span opens and closes with the same fence, longer than
		// any run of backticks inside.
		fence := got[:strings.IndexFunc(got, func(r rune) bool { return r != '`' })]
		inner := strings.TrimSuffix(strings.TrimPrefix(got, fence), fence)
		if strings.Contains(inner, fence) {
			t.Errorf("Code(%q) = %q: the fence %q appears inside", s, got, fence)
		}
	}
	if got := Code("mysite/settings_prod.py"); got != "`mysite/settings_prod.py`" {
		t.Errorf("a plain path: %q", got)
	}
	if got := CodeCell("a|b"); got != "`a\\|b`" {
		t.Errorf("CodeCell: %q", got)
	}
}

func TestMentionDoesNotNotify(t *testing.T) {
	t.Parallel()
	if got := Mention("alice"); got != "@\u200dalice" {
		t.Errorf("Mention: %q", got)
	}
}

func TestPathURL(t *testing.T) {
	t.Parallel()
	if got := PathURL("a b/(x).py"); got != "a%20b/%28x%29.py" {
		t.Errorf("PathURL: %q", got)
	}
}

func TestOutsideCode(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"a `b` c":           "a  c",
		"a ``x`y`` c":       "a  c",
		"unclosed `x":       "unclosed `x",
		"a \\` b `c`":       "a \\` b ",
		"- " + Code("x`@y"): "- ",
	} {
		if got := OutsideCode(in); got != want {
			t.Errorf("OutsideCode(%q) = %q, want %q", in, got, want)
		}
	}
}
