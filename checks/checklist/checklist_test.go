package checklist

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/djsec/djsec/checks"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestDefaultCoversChecklist reads the embedded CHECKLIST.md line by line,
// independently of scan, and requires every item of a numbered section to
// appear exactly once in Default, in its section, and nothing else to be
// left out except what the package doc says is left out.
func TestDefaultCoversChecklist(t *testing.T) {
	t.Parallel()
	// Task items under this group are one project's status on one day.
	const statusGroup = "## 📋 Current Status"
	// Notes that are prose, not something to tick.
	proseNotes := []string{
		"Current setup is suitable for development only",
		"Production deployment requires significant security improvements",
		"Consider using django-security package for additional protection",
	}
	const notesHeading = "## 📝 Notes"

	type want struct {
		section int
		text    string
	}
	var items []want
	section, group := 0, ""
	numbered := regexp.MustCompile(`^### (\d+)\. `)
	sc := bufio.NewScanner(bytes.NewReader(defaultMarkdown))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "## "):
			group, section = line, 0
		case strings.HasPrefix(line, "### "):
			section = 0
			if m := numbered.FindStringSubmatch(line); m != nil {
				section, _ = strconv.Atoi(m[1])
			}
		case strings.HasPrefix(line, "- [ ] ") || strings.HasPrefix(line, "- [x] "):
			text := line[len("- [ ] "):]
			switch {
			case section > 0:
				items = append(items, want{section, text})
			case group != statusGroup:
				t.Errorf("task item %q under %q is neither mapped nor excluded", text, group)
			}
		case strings.HasPrefix(line, "- ") && group == notesHeading:
			text := line[2:]
			if !slices.Contains(proseNotes, text) {
				items = append(items, want{0, text})
			}
		}
	}
	if len(items) < 60 {
		t.Fatalf("read only %d items from CHECKLIST.md; the line scan is broken", len(items))
	}

	c := Default()
	total := 0
	for _, s := range c.Sections {
		total += len(s.Items)
	}
	if total != len(items) {
		t.Errorf("Default has %d items, CHECKLIST.md %d", total, len(items))
	}
	for _, w := range items {
		n := 0
		for _, s := range c.Sections {
			for _, it := range s.Items {
				if it.Text == w.text {
					n++
					if s.Number != w.section {
						t.Errorf("item %q is in section %d, want %d", w.text, s.Number, w.section)
					}
				}
			}
		}
		if n != 1 {
			t.Errorf("item %q appears %d times in Default, want once", w.text, n)
		}
	}
}

func TestDefaultItemsAreConsistent(t *testing.T) {
	t.Parallel()
	ids := map[string]bool{}
	texts := map[string]string{}
	idRE := regexp.MustCompile(`^(s\d+\.\d+|notes\.[a-z]+)$`)
	for _, it := range Default().Items() {
		if !idRE.MatchString(it.ID) {
			t.Errorf("item %q: ID %q is not in the s<section>.<n> style", it.Text, it.ID)
		}
		if ids[it.ID] {
			t.Errorf("ID %s used twice", it.ID)
		}
		ids[it.ID] = true
		if other, dup := texts[normalize(it.Text)]; dup {
			t.Errorf("items %s and %s normalise alike; Parse could not tell them apart", other, it.ID)
		}
		texts[normalize(it.Text)] = it.ID
		if it.Automated != (len(it.Rules) > 0) {
			t.Errorf("%s: Automated=%v with rules %v", it.ID, it.Automated, it.Rules)
		}
		if len(it.Rules) == 0 && !it.Manual {
			t.Errorf("%s: no rules but not manual", it.ID)
		}
		for _, id := range it.Rules {
			r, ok := checks.LookupRule(id)
			if !ok {
				t.Errorf("%s: rule %s is not in checks.Rules()", it.ID, id)
				continue
			}
			if r.ID != id {
				t.Errorf("%s: rule %q is not canonical (%s)", it.ID, id, r.ID)
			}
		}
	}
	for id, why := range pendingRules {
		if _, ok := checks.LookupRule(id); ok {
			t.Logf("pending rule %s is registered now (%s); drop it from pendingRules", id, why)
		}
	}
}

// TestDefaultGolden pins every ID, text and mapping in one reviewable file:
// an ID that moves would move people's ticks.
func TestDefaultGolden(t *testing.T) {
	t.Parallel()
	golden(t, "default.golden", render(Default()))
}

func TestDefaultReturnsACopy(t *testing.T) {
	t.Parallel()
	c := Default()
	c.Sections[0].Items[0].Rules[0] = "changed"
	c.Sections[0].Items = nil
	if d := Default(); len(d.Sections[0].Items) == 0 || d.Sections[0].Items[0].Rules[0] != "DJS101" {
		t.Fatalf("changing one Default() changed the next: %+v", d.Sections[0])
	}
}

func TestBuildDefaultRejectsGaps(t *testing.T) {
	t.Parallel()
	md := []byte("## Group\n### 1. One\n- [ ] **Alpha**\n- [ ] **Beta**\n")
	tests := []struct {
		name  string
		table []entry
		want  string
	}{
		{"item without mapping", []entry{{id: "s1.1", section: "1", text: "Alpha", spec: "DJS201"}}, `"**Beta**" has no mapping`},
		{"mapping without item", []entry{
			{id: "s1.1", section: "1", text: "Alpha", spec: "DJS201"},
			{id: "s1.2", section: "1", text: "Beta", spec: "manual"},
			{id: "s1.3", section: "1", text: "Gamma", spec: "manual"},
		}, "s1.3"},
		{"unknown rule", []entry{
			{id: "s1.1", section: "1", text: "Alpha", spec: "DJS9999"},
			{id: "s1.2", section: "1", text: "Beta", spec: "manual"},
		}, "no rule DJS9999"},
		{"wrong section", []entry{
			{id: "s1.1", section: "1", text: "Alpha", spec: "DJS201"},
			{id: "s1.2", section: "2", text: "Beta", spec: "manual"},
		}, "has no mapping"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := buildDefault(md, tt.table)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestParseSpec(t *testing.T) {
	t.Parallel()
	tests := []struct {
		spec   string
		rules  []string
		manual bool
		note   string
		err    string
	}{
		{spec: "DJS101, DJS102", rules: []string{"DJS101", "DJS102"}},
		{spec: "DJS108 + manual", rules: []string{"DJS108"}, manual: true},
		{spec: "manual", manual: true},
		{spec: "manual (DJS103/DJS104 say when it is due)", manual: true, note: "DJS103/DJS104 say when it is due"},
		{spec: "DJS409–DJS411", rules: []string{"DJS409", "DJS410", "DJS411"}},
		{spec: "debug-enabled, DJS201", rules: []string{"DJS201"}},
		{spec: "DJS1001, DJS1002", rules: []string{"DJS1001", "DJS1002"}},
		{spec: "DJS411–DJS409", err: "backwards"},
		{spec: "DJS9999", err: "no rule DJS9999"},
		{spec: "whatever", err: "names no rule"},
		{spec: "", err: "names no rule"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			t.Parallel()
			rules, manual, note, err := parseSpec(tt.spec)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(rules, tt.rules) || manual != tt.manual || note != tt.note {
				t.Errorf("got %v %v %q, want %v %v %q", rules, manual, note, tt.rules, tt.manual, tt.note)
			}
		})
	}
}

func TestParse(t *testing.T) {
	t.Parallel()
	md, err := os.ReadFile(filepath.Join("testdata", "custom.md"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse(md)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "custom.golden", render(c))

	// The golden file shows everything; these are the decisions it encodes.
	type want struct {
		id        string
		rules     []string
		manual    bool
		automated bool
	}
	wants := map[string]want{
		"Disable DEBUG in production":                   {"s2.1", []string{"DJS201", "DJS204"}, false, true},
		"**Enable HSTS** (DJS403, hsts-subdomains-off)": {"enable-hsts", []string{"DJS403", "DJS404"}, false, true},
		"Keep uploads small (DJS705 + manual)":          {"keep-uploads-small", []string{"DJS705"}, true, true},
		"Rotate the signing key every quarter (manual)": {"rotate-the-signing-key-every-quarter", nil, true, false},
		"Add `.env` to `.gitignore` (manual)":           {"s1.4", nil, true, false},
		"Set up error monitoring (DJS803)":              {"s10.5", []string{"DJS803"}, false, true},
		"Turn on dependency alerts (DJS1002)":           {"turn-on-dependency-alerts", []string{"DJS1002"}, false, true},
		"Remember the HSTS preload list (set to True)":  {"remember-the-hsts-preload-list", nil, true, false},
		"ADD MINIMUM PASSWORD LENGTH VALIDATION!":       {"s5.1", []string{"DJS601", "DJS602"}, false, true},
		"Review who has admin access (quarterly)":       {"review-who-has-admin-access", nil, true, false},
		"**Disable DEBUG in production**":               {"disable-debug-in-production", []string{"DJS201", "DJS204"}, false, true},
		"Prevent SQL injection":                         {"s7.5", []string{"DJS704"}, false, true},
	}
	got := c.Items()
	if len(got) != len(wants) {
		for _, it := range got {
			t.Logf("item %q", it.Text)
		}
		t.Fatalf("%d items, want %d", len(got), len(wants))
	}
	for _, it := range got {
		w, ok := wants[it.Text]
		if !ok {
			t.Errorf("unexpected item %q", it.Text)
			continue
		}
		if it.ID != w.id || !slices.Equal(it.Rules, w.rules) || it.Manual != w.manual || it.Automated != w.automated {
			t.Errorf("%q: got %s %v manual=%v automated=%v, want %s %v manual=%v automated=%v",
				it.Text, it.ID, it.Rules, it.Manual, it.Automated, w.id, w.rules, w.manual, w.automated)
		}
	}
	if c.Title != "Acme security checklist" {
		t.Errorf("title %q", c.Title)
	}
	var heads []string
	for _, s := range c.Sections {
		heads = append(heads, fmt.Sprintf("%d|%s|%s", s.Number, s.Title, s.Group))
	}
	if want := []string{"0|Settings|", "2|Passwords|", "0|People|Nothing to tick here"}; !slices.Equal(heads, want) {
		t.Errorf("sections %q, want %q", heads, want)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, md, want string
	}{
		{"no items", "# Title\n\n- a plain list\n- of notes\n", "no items"},
		{"only in code", "```\n- [ ] hidden\n```\n", "no items"},
		{"unknown rule ID", "## A\n- [ ] fine\n- [ ] Keep it safe (DJS9999)\n", "line 3: no rule DJS9999"},
		{"unknown rule in a range", "## A\n- [ ] Headers (DJS409-DJS420)\n", "no rule DJS415"},
		{"not UTF-8", "## A\n- [ ] \xff\n", "not UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse([]byte(tt.md))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// TestParseStaysSilentOnProse: parentheticals that are prose, or that mix
// a rule ID with words, are no rule references and no errors.
func TestParseStaysSilentOnProse(t *testing.T) {
	t.Parallel()
	for _, text := range []string{
		"Upgrade Django (DJS9999 is not a rule yet)",
		"Prevent SQL injection (Django ORM handles this)",
		"Check the proxy (nginx)",
		"Odd () parentheses",
	} {
		c, err := Parse([]byte("- [ ] " + text + "\n"))
		if err != nil {
			t.Errorf("%q: %v", text, err)
			continue
		}
		it := c.Items()[0]
		rules, _, named, _ := explicitRules(text)
		if named || len(rules) > 0 {
			t.Errorf("%q: read as naming rules %v", text, rules)
		}
		if strings.HasPrefix(text, "Prevent SQL") {
			if it.ID != "s7.5" || !slices.Equal(it.Rules, []string{"DJS704"}) {
				t.Errorf("%q: got %s %v, want the default item", text, it.ID, it.Rules)
			}
		} else if !it.Manual || it.Automated {
			t.Errorf("%q: want a manual item, got %+v", text, it)
		}
	}
}

// TestParseIDsStable: inserting, reordering and regrouping items leaves
// every other item's ID alone, so ticks stay where people put them.
func TestParseIDsStable(t *testing.T) {
	t.Parallel()
	before := "## A\n- [ ] Disable DEBUG in production\n- [ ] Rotate keys quarterly\n- [ ] Train the team\n"
	after := "## New\n- [ ] Brand new item\n## B\n- [ ] Train the team\n## A\n- [ ] Rotate keys quarterly (manual)\n" +
		"- [ ] Another new one\n- [x] **Disable DEBUG in production** (set to False)\n"
	ids := func(md string) map[string]string {
		c, err := Parse([]byte(md))
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, it := range c.Items() {
			out[normalize(it.Text)] = it.ID
		}
		return out
	}
	b, a := ids(before), ids(after)
	for text, id := range b {
		if a[text] != id {
			t.Errorf("%q: ID %s became %s", text, id, a[text])
		}
	}
	if b["disable debug in production"] != "s2.1" {
		t.Errorf("default item got ID %s", b["disable debug in production"])
	}
}

// TestParseDefaultMarkdown: a repository that commits the default
// checklist as its own gets the default's IDs and rules.
func TestParseDefaultMarkdown(t *testing.T) {
	t.Parallel()
	c, err := Parse(defaultMarkdown)
	if err != nil {
		t.Fatal(err)
	}
	parsed := map[string]*Item{}
	for _, it := range c.Items() {
		parsed[it.ID] = it
	}
	for _, d := range Default().Items() {
		if d.ID == "notes.audits" {
			continue // a plain bullet in the notes, not a task item
		}
		p, ok := parsed[d.ID]
		if !ok {
			t.Errorf("%s %q missing", d.ID, d.Text)
			continue
		}
		if p.Text != d.Text || !slices.Equal(p.Rules, d.Rules) || p.Manual != d.Manual {
			t.Errorf("%s: parsed %+v, default %+v", d.ID, *p, *d)
		}
	}
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"**Add .env to .gitignore** (already done)":             "add env to gitignore",
		"Add `.env` to `.gitignore`":                            "add env to gitignore",
		"  Disable DEBUG   in production!  ":                    "disable debug in production",
		"Create separate .env files for development/production": "create separate env files for development production",
		"Проверить DEBUG":                                       "проверить debug",
		"🔒":                                                     "",
	}
	for in, want := range tests {
		if got := normalize(in); got != want {
			t.Errorf("normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

// render writes a checklist the way a reviewer wants to read it.
func render(c *Checklist) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n", c.Title)
	for _, s := range c.Sections {
		fmt.Fprintf(&b, "\n## %d. %s", s.Number, s.Title)
		if s.Group != "" {
			fmt.Fprintf(&b, "  [group: %s]", s.Group)
		}
		b.WriteString("\n")
		for _, it := range s.Items {
			rules := strings.Join(it.Rules, ",")
			switch {
			case rules == "":
				rules = "manual"
			case it.Manual:
				rules += " + manual"
			}
			fmt.Fprintf(&b, "%s | %s | %s", it.ID, rules, it.Text)
			if it.Note != "" {
				fmt.Fprintf(&b, "  // %s", it.Note)
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test -update rewrites it); got:\n%s", path, got)
	}
}

// TestTextForOrganisation: the default checklist's "(Sharif emails only)"
// names one organisation; each repository sees its own allowed domains, or
// a general wording, while a repository's own checklist keeps its words.
func TestTextForOrganisation(t *testing.T) {
	t.Parallel()
	var email *Item
	for _, it := range Default().Items() {
		if it.ID == "s7.1" {
			email = it
		}
		if it.ID != "s7.1" && it.TextFor(nil) != it.Text {
			t.Errorf("%s: TextFor changed %q to %q", it.ID, it.Text, it.TextFor(nil))
		}
	}
	if email == nil {
		t.Fatal("no item s7.1")
	}
	for _, tc := range []struct {
		domains []string
		want    string
	}{
		{nil, "**Add proper email validation**"},
		{[]string{"example.edu"}, "**Add proper email validation** (example.edu addresses only)"},
		{[]string{"a.edu", "b.edu", "c.org"}, "**Add proper email validation** (a.edu, b.edu or c.org addresses only)"},
	} {
		if got := email.TextFor(tc.domains); got != tc.want {
			t.Errorf("TextFor(%v) = %q, want %q", tc.domains, got, tc.want)
		}
	}
	own, err := Parse([]byte("## Ours\n- [ ] **Add proper email validation** (Sharif emails only)\n"))
	if err != nil {
		t.Fatal(err)
	}
	it := own.Items()[0]
	if it.ID != "s7.1" || it.TextFor([]string{"example.edu"}) != it.Text {
		t.Errorf("own checklist: %s %q, want s7.1 with its own words", it.ID, it.TextFor([]string{"example.edu"}))
	}
}
