package djsec_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

var (
	// [text](target) and ![alt](target), target without spaces; an
	// optional "title" after it.
	mdLink = regexp.MustCompile(`!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)
	// <a id="x"> / <a name="x"> anchors.
	htmlAnchor = regexp.MustCompile(`<a\s+(?:id|name)="([^"]+)"`)
	inlineCode = regexp.MustCompile("`[^`]*`")
)

// markdownText is a file's lines outside fenced code blocks, with inline
// code removed: links and headings are only read there.
func markdownText(b []byte) []string {
	var out []string
	fence := ""
	for _, line := range strings.Split(string(b), "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case fence == "" && (strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~")):
			fence = trimmed[:3]
			continue
		case fence != "" && strings.HasPrefix(trimmed, fence):
			fence = ""
			continue
		case fence != "":
			continue
		}
		out = append(out, line)
	}
	return out
}

// anchors are the fragment IDs GitHub gives a Markdown file's headings:
// lower case, punctuation other than - and _ dropped, spaces to -, a
// repeated heading suffixed -1, -2 …; plus explicit HTML anchors.
func anchors(b []byte) map[string]bool {
	ids := map[string]bool{}
	seen := map[string]int{}
	for _, line := range markdownText(b) {
		for _, m := range htmlAnchor.FindAllStringSubmatch(line, -1) {
			ids[m[1]] = true
		}
		if !strings.HasPrefix(line, "#") {
			continue
		}
		text := strings.TrimSpace(strings.TrimLeft(line, "#"))
		if len(line)-len(strings.TrimLeft(line, "#")) > 6 || text == "" && line != strings.TrimLeft(line, "#") {
			continue
		}
		var slug strings.Builder
		for _, r := range strings.ToLower(text) {
			switch {
			case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_':
				slug.WriteRune(r)
			case r == ' ':
				slug.WriteRune('-')
			}
		}
		id := slug.String()
		if n := seen[id]; n > 0 {
			ids[fmt.Sprintf("%s-%d", id, n)] = true
		} else {
			ids[id] = true
		}
		seen[id]++
	}
	return ids
}

// Every relative link of README.md and docs/*.md names a file or
// directory of the repository, and every #fragment a heading (or HTML
// anchor) of the Markdown file it points into.
func TestDocsRelativeLinksResolve(t *testing.T) {
	files, err := filepath.Glob("docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	files = append([]string{"README.md"}, files...)
	cache := map[string]map[string]bool{}
	anchorsOf := func(path string) map[string]bool {
		if a, ok := cache[path]; ok {
			return a
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		cache[path] = anchors(b)
		return cache[path]
	}
	checked := 0
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range markdownText(b) {
			line = inlineCode.ReplaceAllString(line, "")
			for _, m := range mdLink.FindAllStringSubmatch(line, -1) {
				target := m[1]
				if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
					continue
				}
				checked++
				path, frag, _ := strings.Cut(target, "#")
				resolved := file
				if path != "" {
					resolved = filepath.Join(filepath.Dir(file), filepath.FromSlash(path))
					if _, err := os.Stat(resolved); err != nil {
						t.Errorf("%s (line %d outside code): %s: no such file", file, i+1, target)
						continue
					}
				}
				if frag != "" && strings.HasSuffix(resolved, ".md") && !anchorsOf(resolved)[frag] {
					t.Errorf("%s: %s: %s has no heading #%s", file, target, resolved, frag)
				}
			}
		}
	}
	if checked < 50 {
		t.Errorf("only %d relative links checked: is the link pattern still right?", checked)
	}
}

func TestAnchors(t *testing.T) {
	got := anchors([]byte("# djsec\n## `bot audit`\n### Requiring `djsec`, with or without a merge queue\n## Flags\n## Flags\n```\n# not a heading\n```\n<a id=\"x-y\"></a>\n## Security: who can do what to a djsec server\n"))
	for _, want := range []string{"djsec", "bot-audit", "requiring-djsec-with-or-without-a-merge-queue", "flags", "flags-1", "x-y", "security-who-can-do-what-to-a-djsec-server"} {
		if !got[want] {
			t.Errorf("no anchor %q in %v", want, got)
		}
	}
	if got["not-a-heading"] {
		t.Error("a line in a code block became a heading")
	}
}
