package checklist

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// sharedDir holds the product documents the embedded copies come from. The
// package never reads it; these tests only check the copies still agree.
var sharedDir = filepath.Join("..", "..", "..", "shared")

func readShared(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(sharedDir, name))
	if os.IsNotExist(err) {
		t.Skipf("%s not present (%v): cannot compare the embedded copy with it", name, err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestEmbeddedChecklistMatchesShared(t *testing.T) {
	t.Parallel()
	if shared := readShared(t, "CHECKLIST.md"); !bytes.Equal(shared, defaultMarkdown) {
		t.Errorf("checklist/CHECKLIST.md differs from %s: copy it over, then update mapping.go", filepath.Join(sharedDir, "CHECKLIST.md"))
	}
}

// TestMappingMatchesRulesMD expands RULES.md's "Checklist → rules" table
// into one (section, label, rules) triple per row part and requires the
// table in mapping.go to hold exactly those.
func TestMappingMatchesRulesMD(t *testing.T) {
	t.Parallel()
	want := mappingTable(t, readShared(t, "RULES.md"))
	used := map[string]bool{}
	for _, e := range mapping {
		k := e.section + " | " + e.label
		spec, ok := want[k]
		switch {
		case !ok:
			t.Errorf("%s: RULES.md has no row part %q", e.id, k)
		case spec != e.spec:
			t.Errorf("%s (%s): rules %q, RULES.md says %q", e.id, k, e.spec, spec)
		}
		used[k] = true
	}
	for k, spec := range want {
		if !used[k] {
			t.Errorf("RULES.md row part %q (%s) maps no item in mapping.go", k, spec)
		}
	}
}

// mappingTable reads the table: "A / B | X / Y" and "A; B | X; Y" are two
// items; a single rules cell applies to every item of its row.
func mappingTable(t *testing.T, rulesMD []byte) map[string]string {
	t.Helper()
	section := sectionText(t, rulesMD, "## Checklist → rules")
	out := map[string]string{}
	rows := 0
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "|") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		if len(cells) != 3 {
			t.Fatalf("row %q: %d cells, want 3", line, len(cells))
		}
		sec, items, rules := strings.TrimSpace(cells[0]), strings.TrimSpace(cells[1]), strings.TrimSpace(cells[2])
		if sec == "§" || strings.HasPrefix(sec, "---") {
			continue // header, separator
		}
		rows++
		labels, specs := splitRow(items), splitRow(rules)
		if len(specs) == 1 {
			for len(specs) < len(labels) {
				specs = append(specs, specs[0])
			}
		}
		if len(labels) != len(specs) {
			t.Fatalf("row %q: %d items but %d rule parts", line, len(labels), len(specs))
		}
		for i, l := range labels {
			k := sec + " | " + l
			if _, dup := out[k]; dup {
				t.Fatalf("RULES.md lists %q twice", k)
			}
			out[k] = specs[i]
		}
	}
	if rows < 30 {
		t.Fatalf("read %d rows from RULES.md's mapping table; the table moved or changed shape", rows)
	}
	return out
}

func splitRow(cell string) []string {
	sep := " / "
	if strings.Contains(cell, ";") {
		sep = ";"
	}
	var out []string
	for _, p := range strings.Split(cell, sep) {
		out = append(out, strings.TrimSpace(p))
	}
	return out
}

// TestManualListMatchesRulesMD checks the other direction RULES.md states
// in prose: every phrase of "Checklist items no file can prove (manual)"
// names items that are manual here, and every manual item is named there or
// is one the table alone marks manual.
func TestManualListMatchesRulesMD(t *testing.T) {
	t.Parallel()
	phrases := map[string][]string{
		"rotate SECRET_KEY": {"s1.5"},
		"separate .env files per environment (partly DJS108)":                     {"s1.3"},
		"role-based access control review":                                        {"s6.2"},
		"Sharif-only email validation (a repo may configure its allowed domains)": {"s7.1"},
		"input sanitisation for all fields":                                       {"s7.2"},
		"serializer validation":                                                   {"s7.3"},
		"file upload validation":                                                  {"s7.4"},
		"CSRF tokens on API endpoints":                                            {"s8.3"},
		"email verification rate limit":                                           {"s9.4"},
		"API access pattern logging":                                              {"s10.4"},
		"custom error pages":                                                      {"s11.3"},
		"request/response logging":                                                {"s11.4"},
		"database permissions and backups":                                        {"s12.3", "s12.4"},
		"encryption of sensitive data":                                            {"s13.1"},
		"anonymisation, retention, GDPR":                                          {"s13.2", "s13.3", "s13.4"},
		"firewall, certificates, nginx, file permissions, alerting, backup and recovery": {"s14.1", "s14.4", "s14.5", "s15.2", "s15.3", "s15.4"},
		"regular audits": {"notes.audits"},
	}
	// Manual by the table's "+ manual"/"manual" though the prose omits them.
	tableOnly := []string{"s6.1", "s11.2"}

	text := sectionText(t, readShared(t, "RULES.md"), "## Checklist items no file can prove (manual)")
	text = regexp.MustCompile(`\s+`).ReplaceAllString(text, " ")
	text = strings.ReplaceAll(text, "/ ", "/")
	_, list, ok := strings.Cut(text, "across updates:")
	if !ok {
		t.Fatalf("RULES.md's manual section changed shape: %q", text)
	}
	var got []string
	for _, p := range strings.Split(strings.TrimSuffix(strings.TrimSpace(list), "."), ";") {
		got = append(got, strings.TrimSpace(p))
	}
	var want []string
	for p := range phrases {
		want = append(want, p)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("RULES.md's manual list is\n%q\nthis test knows\n%q", got, want)
	}

	named := map[string]bool{}
	for _, ids := range phrases {
		for _, id := range ids {
			named[id] = true
		}
	}
	for _, id := range tableOnly {
		named[id] = true
	}
	for _, it := range Default().Items() {
		if it.Manual != named[it.ID] {
			t.Errorf("%s %q: Manual=%v, but RULES.md names it manual: %v", it.ID, it.Text, it.Manual, named[it.ID])
		}
		delete(named, it.ID)
	}
	for id := range named {
		t.Errorf("%s is named manual but is no item", id)
	}
}

// sectionText is the body of a "## " section of a Markdown document.
func sectionText(t *testing.T, md []byte, heading string) string {
	t.Helper()
	s := string(md)
	i := strings.Index(s, "\n"+heading+"\n")
	if i < 0 {
		t.Fatalf("RULES.md has no section %q", heading)
	}
	s = s[i+len(heading)+2:]
	if j := strings.Index(s, "\n## "); j >= 0 {
		s = s[:j]
	}
	return s
}
