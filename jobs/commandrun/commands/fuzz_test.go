package commands

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"",
		"/djsec recheck",
		"/djsec ignore DJS703 \"legacy/**\" --until 2027-01-01 --pr -- it's fine",
		"```\n/djsec fix\n```\n/djsec audit",
		"~~~~\n```\n/djsec fix\n~~~\n/djsec config\n~~~~~",
		"> /djsec fix\n/djsec recheck\n\n/djsec audit",
		"<!--\n/djsec fix\n-->\n/djsec fix DJS406 <!-- x",
		"`<!--` /djsec\n/djsec ignroe\r\n/djsec explain hsts-of",
		"    /djsec fix\n\t/djsec fix\n   /djsec fix",
		"/djsec unignore DJS703 'a b/**'\r/djsec ignores",
		"/djsec ignore DJS703 \"\\\"x\\\\\" -- \"'y'\"",
		"/djsec \u00a0fix\u3000DJS406 日本",
		strings.Repeat("/djsec recheck\n", 20),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		got := Parse(body, now)
		if len(got) > MaxCommands+1 {
			t.Fatalf("%d entries", len(got))
		}
		if again := Parse(body, now); !reflect.DeepEqual(got, again) {
			t.Fatalf("not deterministic:\n%#v\n%#v", got, again)
		}
		if Changed(body, body) {
			t.Fatal("a body changed against itself")
		}
		lines := strings.Count(body, "\n") + strings.Count(body, "\r") + 1
		prev := 0
		for i, c := range got {
			if c.Line <= prev || c.Line > lines {
				t.Fatalf("entry %d on line %d after line %d (of at most %d)", i, c.Line, prev, lines)
			}
			prev = c.Line
			if utf8.RuneCountInString(c.Text) > MaxLineLength+1 {
				t.Fatalf("entry %d text of %d characters", i, utf8.RuneCountInString(c.Text))
			}
			if c.Err != nil {
				if c.Mutating() || c.Err.Message == "" || c.Err.Markdown() == "" {
					t.Fatalf("entry %d: bad error %#v", i, c.Err)
				}
				if errors.Is(c.Err, ErrTooMany) != (i == MaxCommands) {
					t.Fatalf("entry %d: ErrTooMany out of place", i)
				}
				continue
			}
			if _, ok := specFor(c.Name); !ok {
				t.Fatalf("entry %d: command %q", i, c.Name)
			}
			if !strings.HasPrefix(strings.ToLower(c.Text), "/djsec") {
				t.Fatalf("entry %d: text %q", i, c.Text)
			}
			// The canonical form reads back as itself.
			back := Parse(c.String(), now)
			if len(back) != 1 || back[0].Err != nil || back[0].String() != c.String() {
				t.Fatalf("entry %d: %q reads back as %#v", i, c.String(), back)
			}
		}
	})
}

func BenchmarkParse64KiB(b *testing.B) {
	body := largeBody(64 << 10)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		Parse(body, now)
	}
}

func BenchmarkParse10000Commands(b *testing.B) {
	body := strings.Repeat("/djsec ignore DJS703 \"legacy/**\" -- reason\n", 64<<10/43)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		Parse(body, now)
	}
}
