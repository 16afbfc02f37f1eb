package auditissue

import (
	"context"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/djsec/djsec/checks"
	"github.com/djsec/djsec/checks/checklist"
	"github.com/djsec/djsec/internal/md"
)

var update = flag.Bool("update", false, "rewrite the golden files and docs/AUDIT_ISSUE.md")

var now = time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC)

const sha = "3f2a9c1d0b7e4f5a6c8d9e0f1a2b3c4d5e6f7a8b"

// analyze runs the real analyzer over one of the repository's examples so the
// golden bodies show what a real audit says.
func analyze(t *testing.T, dir string) []checks.Finding {
	t.Helper()
	files := map[string][]byte{}
	root := filepath.Join("..", "..", "..", "examples", dir)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		files[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return checks.Analyze(context.Background(), checks.Input{Files: files, Now: now, Audit: true}).Findings
}

func history(scores ...int) []Point {
	var out []Point
	for i, s := range scores {
		out = append(out, Point{At: now.AddDate(0, 0, -7*(len(scores)-i)), Pass: s, Automated: 49})
	}
	return out
}

func TestGolden(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, example string
		in            Input
		docs          bool
	}{
		{name: "startproject", example: "startproject", docs: true, in: Input{
			History: history(20, 22, 22, 23),
			Ignores: []Ignore{{Rule: "DJS703", PathGlob: "tests/**", Reason: "test fixtures, never deployed", By: "octocat"}},
			Ticks:   map[string]bool{"s1.5": true},
		}},
		{name: "hardened-first", example: "hardened", in: Input{EmailDomains: []string{"example.edu"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			in := c.in
			in.Repo, in.SHA, in.Branch, in.WebURL = "octo-org/shop", sha, "main", "https://github.com"
			in.Findings = analyze(t, c.example)
			in.ConfigSource, in.RulesVersion, in.Now = "defaults", "test", now
			got := Render(in).Body
			golden := filepath.Join("testdata", c.name+".golden.md")
			doc := filepath.Join("..", "..", "..", "docs", "AUDIT_ISSUE.md")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				if c.docs {
					if err := os.WriteFile(doc, []byte(docHeader+got), 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("body differs from %s (run with -update):\n%s", golden, got)
			}
			if c.docs {
				d, err := os.ReadFile(doc)
				if err != nil {
					t.Fatal(err)
				}
				if string(d) != docHeader+got {
					t.Errorf("%s is stale (run with -update)", doc)
				}
			}
		})
	}
}

const docHeader = `# The weekly audit issue

This is the body djsec writes into the issue "djsec: Django security audit" of a
repository made with ` + "`django-admin startproject`" + ` (examples/startproject), produced
by auditissue's golden test (` + "`go test ./jobs/auditrun/auditissue -update`" + ` rewrites it). djsec
finds the issue again by its hidden marker and keeps the ticks of manual items.

**Each finding once.** A finding can fail several checklist items: DEBUG = True fails both
"Disable DEBUG in production" and "Disable detailed error messages in production". It is
written out once, under its home item: the first item, in checklist order, whose rules in the
checklist → rules map (RULES.md's table, ` + "`checks/checklist/mapping.go`" + `) name the finding's
own rule. Every other item it fails says "listed above under …" instead of repeating it: items
naming the same rule, items of a rule the finding absorbed (DJS605 stands for DJS606 and
DJS802, one django-axes fixes all three) and items of a rule it implies (DJS605 fires only when
nothing limits any request rate, so the API rate-limiting items of DJS702 fail with it).

**Ticks follow the evidence.** An automated item is ticked only when none of its rules has a
finding that counts (unsuppressed, or suppressed without a reason), those reaching it through an
absorbed or implied rule included. Manual items keep the ticks people make.

**Worded for the repository.** The checklist was written for one organisation: its "(Sharif
emails only)" becomes "(example.edu addresses only)" when ` + "`.github/djsec.yml`" + ` sets
` + "`allowed_email_domains: [example.edu]`" + `, and is left out otherwise. A repository's own
checklist (` + "`checklist:`" + `) is shown in its own words.

---

`

func TestItemsInChecklistOrder(t *testing.T) {
	t.Parallel()
	body := Render(Input{Repo: "o/r", SHA: sha, Now: now}).Body
	last := -1
	for _, it := range checklist.Default().Items() {
		i := strings.Index(body, "<!-- djsec:item "+it.ID+" -->")
		if i < 0 || i < last {
			t.Fatalf("item %s missing or out of order", it.ID)
		}
		last = i
	}
}

func TestEveryAutomatedItemPasses(t *testing.T) {
	t.Parallel()
	r := Render(Input{Repo: "o/r", SHA: sha, Now: now})
	if r.Pass != r.Automated || r.Automated == 0 || len(r.Failing) != 0 {
		t.Fatalf("score %d/%d failing %v", r.Pass, r.Automated, r.Failing)
	}
	if !strings.Contains(r.Body, "Every automated item passes.") {
		t.Error("a clean audit does not say so")
	}
	if strings.Contains(r.Body, "```mermaid") {
		t.Error("a chart of one point")
	}
	// One failing finding: it must not say so.
	r = Render(Input{Repo: "o/r", SHA: sha, Now: now, Findings: []checks.Finding{{Rule: "DJS201", Severity: checks.High, Path: "s.py", Line: 3, Message: "DEBUG"}}})
	if strings.Contains(r.Body, "Every automated item passes") || len(r.Failing) == 0 {
		t.Errorf("failing audit claims it passes (failing %v)", r.Failing)
	}
	if !strings.Contains(r.Body, "(https://github.com/o/r/blob/"+sha+"/s.py#L3)") && !strings.Contains(r.Body, "/o/r/blob/"+sha+"/s.py#L3)") {
		t.Error("no permalink to the finding's line")
	}
}

func TestTicksSurvive(t *testing.T) {
	t.Parallel()
	var manual, auto string
	for _, it := range checklist.Default().Items() {
		if !it.Automated && manual == "" {
			manual = it.ID
		}
		if it.Automated && !it.Manual && auto == "" && contains(it.Rules, "DJS201") {
			auto = it.ID
		}
	}
	first := Render(Input{Repo: "o/r", SHA: sha, Now: now, Findings: []checks.Finding{{Rule: "DJS201", Severity: checks.High, Path: "s.py", Line: 1}}}).Body
	if Ticks(first)[manual] {
		t.Fatalf("manual item %s ticked before anyone ticked it", manual)
	}
	// A person ticks the manual item and, wrongly, an automated one.
	edited := tick(t, first, manual)
	edited = tick(t, edited, auto)
	ticks := Ticks(edited)
	if !ticks[manual] {
		t.Fatal("Ticks does not read the person's tick")
	}
	second := Render(Input{Repo: "o/r", SHA: sha, Now: now, Ticks: ticks, History: history(30), Findings: []checks.Finding{{Rule: "DJS201", Severity: checks.High, Path: "s.py", Line: 1}}}).Body
	got := Ticks(second)
	if !got[manual] {
		t.Errorf("manual tick on %s lost by the update", manual)
	}
	if got[auto] {
		t.Errorf("automated item %s boxed by a person, not by evidence", auto)
	}
	if len(got) != len(checklist.Default().Items()) {
		t.Errorf("Ticks read %d items, want %d", len(got), len(checklist.Default().Items()))
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func tick(t *testing.T, body, id string) string {
	t.Helper()
	lines := strings.Split(body, "\n")
	for i, l := range lines {
		if strings.HasSuffix(l, "<!-- djsec:item "+id+" -->") {
			lines[i] = strings.Replace(l, "- [ ]", "- [x]", 1)
			return strings.Join(lines, "\n")
		}
	}
	t.Fatalf("no line for %s", id)
	return ""
}

func TestScoreChange(t *testing.T) {
	t.Parallel()
	in := Input{Repo: "o/r", SHA: sha, Now: now}
	r := Render(in)
	for _, c := range []struct {
		prev int
		want string
	}{
		{r.Pass - 6, "Up "}, {r.Pass, "Unchanged since the previous audit."}, {0, "Up "},
	} {
		in.History = []Point{{At: now.AddDate(0, 0, -7), Pass: c.prev, Automated: r.Automated}}
		if b := Render(in).Body; !strings.Contains(b, c.want) {
			t.Errorf("previous %d: want %q", c.prev, c.want)
		}
	}
	in.History = history(60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60)
	b := Render(in).Body
	if !strings.Contains(b, "xychart-beta") || strings.Count(strings.SplitN(strings.SplitN(b, "line [", 2)[1], "]", 2)[0], ",") != HistoryLen-1 {
		t.Errorf("chart does not hold the last %d audits", HistoryLen)
	}
}

func TestBodyLimit(t *testing.T) {
	t.Parallel()
	var fs []checks.Finding
	for i := 0; i < 5000; i++ {
		fs = append(fs, checks.Finding{Rule: "DJS201", Severity: checks.High, Path: fmt.Sprintf("app%d/settings/very/long/path/production_settings.py", i), Line: i + 1, Fingerprint: fmt.Sprint(i), Message: strings.Repeat("DEBUG is on ", 10)})
	}
	b := Render(Input{Repo: "o/r", SHA: sha, Now: now, Findings: fs}).Body
	if len(b) > MaxBody {
		t.Fatalf("body %d characters", len(b))
	}
	if len(Ticks(b)) != len(checklist.Default().Items()) {
		t.Error("items dropped to fit")
	}
	if !strings.Contains(b, "more") {
		t.Error("no note of the findings left out")
	}
}

// TestOtherFindings: a finding of a rule no automated item names (DJS103
// belongs to the manual "Rotate SECRET_KEY") is listed and counted, never
// dropped; suppressed with a reason it moves to the ignore trail; findings
// that an item lists are not repeated.
func TestOtherFindings(t *testing.T) {
	t.Parallel()
	weak := checks.Finding{Rule: "DJS103", Severity: checks.High, Path: "mysite/settings.py", Line: 23, Message: "SECRET_KEY is weak", Fingerprint: "f103"}
	debug := checks.Finding{Rule: "DJS201", Severity: checks.Critical, Path: "mysite/settings.py", Line: 26, Message: "DEBUG is on", Fingerprint: "f201"}
	for _, c := range []struct {
		name       string
		findings   []checks.Finding
		wantOther  bool
		wantIgnore bool
		wantHigh   string
	}{
		{"open", []checks.Finding{weak, debug}, true, false, "| high | 1 |"},
		{"ignored with a reason", []checks.Finding{func() checks.Finding {
			f := weak
			f.Suppressed, f.SuppressReason = true, "rotated by the platform team"
			return f
		}(), debug}, false, true, "| high | 0 |"},
		{"only itemized findings", []checks.Finding{debug}, false, false, "| high | 0 |"},
	} {
		body := Render(Input{Repo: "o/r", SHA: sha, Now: now, Findings: c.findings}).Body
		other := strings.Contains(body, "## Other findings")
		if other != c.wantOther || strings.Contains(body, "**high** DJS103") != c.wantOther {
			t.Errorf("%s: Other findings section %v, want %v:\n%s", c.name, other, c.wantOther, body)
		}
		if got := strings.Contains(body, "DJS103 at "); got != c.wantIgnore {
			t.Errorf("%s: DJS103 in the ignore trail %v, want %v", c.name, got, c.wantIgnore)
		}
		if !strings.Contains(body, c.wantHigh) {
			t.Errorf("%s: counts lack %q", c.name, c.wantHigh)
		}
		if n := strings.Count(body, "**critical** DJS201"); n != 2 {
			// DEBUG fails two items ("Disable DEBUG", "detailed error
			// messages") and must not appear a third time under Other.
			t.Errorf("%s: DJS201 listed %d times, want 2 (its two items)", c.name, n)
		}
	}
}

// User text in the audit issue (ignore reasons, globs, logins, inline
// suppression reasons, paths) cannot add headings, HTML, links or
// mentions.
func TestHostileTextIsInert(t *testing.T) {
	t.Parallel()
	hostile := "ok\n# Pwned\n<img src=x onerror=alert(1)> [click](https://evil.example) @octo-org/admins"
	in := Input{Repo: "octo-org/shop", SHA: sha, Branch: "main", WebURL: "https://github.com", ConfigSource: "defaults", RulesVersion: "test", Now: now,
		Ignores:  []Ignore{{Rule: "DJS703", PathGlob: "tests/`**`\n# x", Reason: hostile, By: "mallory"}},
		Findings: analyze(t, "startproject")}
	body := Render(in).Body
	for _, bad := range []string{"\n# Pwned", "<img", "[click](", "@octo-org", "@mallory", "\n# x"} {
		if strings.Contains(md.OutsideCode(body), bad) {
			t.Errorf("the audit issue holds %q:\n%s", bad, body)
		}
	}
}
