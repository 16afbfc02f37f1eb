package formats

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/djsec/djsec/checks"
)

// TestRulesMarkdownUpToDate fails when docs/rules.md is not what the code
// generates: the rule catalogue changed and nobody regenerated the docs.
func TestRulesMarkdownUpToDate(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := RulesMarkdown(&buf, checks.Rules()); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join("..", "docs", "rules.md")
	if *update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	committed, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v: generate it with `go run ./cmd/bot rules --format markdown > docs/rules.md` or `go test ./formats -update`", err)
	}
	if !bytes.Equal(committed, buf.Bytes()) {
		t.Errorf("docs/rules.md is stale: the rules in checks/ changed. Regenerate it with `go run ./cmd/bot rules --format markdown > docs/rules.md` (or `go test ./formats -update`) and commit it.\nFirst difference: %s",
			firstDiff(committed, buf.Bytes()))
	}
}

func firstDiff(a, b []byte) string {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := 0; i < len(la) || i < len(lb); i++ {
		var x, y string
		if i < len(la) {
			x = la[i]
		}
		if i < len(lb) {
			y = lb[i]
		}
		if x != y {
			return "line " + itoa(i+1) + ":\n  committed: " + x + "\n  generated: " + y
		}
	}
	return "(none)"
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// githubAnchor is how GitHub turns a Markdown heading into a fragment:
// lower-cased, punctuation other than - and _ dropped, spaces to hyphens.
func githubAnchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteByte('-')
		}
	}
	return b.String()
}

// TestRulesMarkdownAnchors checks that every rule has a heading whose
// GitHub anchor is the fragment of Rule.DocsURL, and that the index links
// to it, using a catalogue of made-up rules so the test does not depend on
// which rules exist.
func TestRulesMarkdownAnchors(t *testing.T) {
	t.Parallel()
	rules := append(checks.Rules(), &checks.Rule{ID: "DJS9901", Slug: "made-up-rule", Severity: checks.Low, Where: "S+R", Section: 99,
		Title: "A | piped title", FiresWhen: "a value has a | pipe", Doc: "Why.", Fix: "```python\nX = 1\n```", DjangoChecks: []string{"security.W001", "security.W002"}, Fixable: true, AuditOnly: true})
	var buf bytes.Buffer
	if err := RulesMarkdown(&buf, rules); err != nil {
		t.Fatal(err)
	}
	doc := buf.String()
	if !strings.HasPrefix(doc, "<!-- Code generated") {
		t.Error("docs/rules.md must start with the generated-file comment")
	}
	headings := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(doc))
	inFence := false
	for sc.Scan() {
		l := sc.Text()
		if strings.HasPrefix(l, "```") {
			inFence = !inFence
		}
		if !inFence && strings.HasPrefix(l, "#") {
			headings[githubAnchor(strings.TrimSpace(strings.TrimLeft(l, "#")))]++
		}
	}
	for _, r := range rules {
		frag := r.DocsURL()[strings.Index(r.DocsURL(), "#")+1:]
		if headings[frag] != 1 {
			t.Errorf("%s: %d headings with anchor %q, want 1", r.ID, headings[frag], frag)
		}
		if !strings.Contains(doc, "### "+r.ID+" "+r.Slug+"\n") {
			t.Errorf("%s: heading `### %s %s` missing", r.ID, r.ID, r.Slug)
		}
		if !strings.Contains(doc, "[`"+r.ID+"`](#"+frag+")") && !strings.Contains(doc, "["+r.ID+"](#"+frag+")") {
			t.Errorf("%s: index does not link to #%s", r.ID, frag)
		}
	}
	if !strings.Contains(doc, `A \| piped title`) {
		t.Error("a | inside a table cell must be escaped")
	}
	if !regexp.MustCompile(`(?m)^## 99\. Section 99$`).MatchString(doc) {
		t.Error("unknown sections still get a heading")
	}
}

func TestRulesTextAndJSON(t *testing.T) {
	t.Parallel()
	rules := checks.Rules()
	var buf bytes.Buffer
	if err := WriteRules(&buf, "text", rules); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(buf.String(), "\n"); lines != len(rules)+1 {
		t.Errorf("text: %d lines, want a header and one per rule (%d)", lines, len(rules)+1)
	}
	buf.Reset()
	if err := WriteRules(&buf, "json", rules); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Version int
		Rules   []map[string]any
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Version != 1 || len(doc.Rules) != len(rules) {
		t.Fatalf("json: version %d, %d rules; want 1, %d", doc.Version, len(doc.Rules), len(rules))
	}
	for i, r := range doc.Rules {
		if r["id"] != rules[i].ID || r["slug"] != rules[i].Slug || r["docs_url"] != rules[i].DocsURL() {
			t.Errorf("json rule %d = %v", i, r)
		}
		if _, ok := r["django_checks"].([]any); !ok {
			t.Errorf("json rule %s: django_checks must be a list, even empty", rules[i].ID)
		}
	}
	if err := WriteRules(&buf, "yaml", rules); err == nil {
		t.Error("unknown format accepted")
	}
}

func TestExplain(t *testing.T) {
	t.Parallel()
	for _, r := range checks.Rules() {
		var buf bytes.Buffer
		if err := Explain(&buf, r); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		for _, want := range []string{r.ID + " " + r.Slug + ": ", "Severity:     " + r.Severity.String(), r.DocsURL()} {
			if !strings.Contains(out, want) {
				t.Errorf("explain %s: missing %q in\n%s", r.ID, want, out)
			}
		}
	}
}
