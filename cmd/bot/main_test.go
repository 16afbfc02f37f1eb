package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/djsec/djsec/checks"
)

var update = flag.Bool("update", false, "rewrite golden files")

// botRun runs the program in-process.
func botRun(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// botTree writes files (slash paths → contents) under a new temp dir.
func botTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, content := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// botOnly is a djsec.yml line disabling every rule but ids, so a test's
// findings do not depend on which rules other work adds.
func botOnly(ids ...string) string {
	keep := map[string]bool{}
	for _, id := range ids {
		keep[id] = true
	}
	var off []string
	for _, r := range checks.Rules() {
		if !keep[r.ID] {
			off = append(off, r.ID)
		}
	}
	return "disabled_rules: [" + strings.Join(off, ", ") + "]\n"
}

// botReport is the JSON report, decoded.
type botReport struct {
	Version  int                `json:"version"`
	Findings []checks.Finding   `json:"findings"`
	Files    []string           `json:"files"`
	Errors   []checks.FileError `json:"errors"`
}

func botJSON(t *testing.T, stdout string) botReport {
	t.Helper()
	var r botReport
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("output is not the JSON report: %v\n%s", err, stdout)
	}
	return r
}

// botOneLine checks the contract for exit status 2: one line on stderr,
// starting with "bot: ".
func botOneLine(t *testing.T, stderr string) {
	t.Helper()
	if !strings.HasPrefix(stderr, "bot: ") || strings.Count(stderr, "\n") != 1 || !strings.HasSuffix(stderr, "\n") {
		t.Errorf("stderr = %q, want one line starting with `bot: `", stderr)
	}
}

func TestDispatcher(t *testing.T) {
	t.Parallel()
	code, _, stderr := botRun(t)
	if code != exitUsage || !strings.Contains(stderr, "Usage: bot COMMAND") {
		t.Errorf("no arguments: exit %d, stderr %q; want 2 and the usage", code, stderr)
	}
	for _, name := range []string{"audit", "rules", "explain"} {
		if !strings.Contains(stderr, "\n  "+name+" ") {
			t.Errorf("usage does not list %s:\n%s", name, stderr)
		}
	}
	code, stdout, _ := botRun(t, "help")
	if code != exitOK || !strings.Contains(stdout, "Commands:") {
		t.Errorf("help: exit %d, stdout %q", code, stdout)
	}
	code, stdout, _ = botRun(t, "help", "audit")
	if code != exitOK || !strings.Contains(stdout, "Usage: bot audit") {
		t.Errorf("help audit: exit %d, stdout %q", code, stdout)
	}
	code, _, stderr = botRun(t, "audti")
	if code != exitUsage {
		t.Errorf("unknown command: exit %d, want 2", code)
	}
	botOneLine(t, stderr)
	if code, stdout, _ := botRun(t, "version"); code != exitOK || !strings.HasPrefix(stdout, "bot (djsec) ") {
		t.Errorf("version: exit %d, stdout %q", code, stdout)
	}
}

func TestRulesCommand(t *testing.T) {
	t.Parallel()
	code, stdout, _ := botRun(t, "rules")
	if code != exitOK || !strings.Contains(stdout, "DJS002") || !strings.HasPrefix(stdout, "ID ") {
		t.Errorf("rules: exit %d, stdout %q", code, stdout)
	}
	code, stdout, _ = botRun(t, "rules", "--format", "json")
	var doc struct{ Rules []map[string]any }
	if code != exitOK || json.Unmarshal([]byte(stdout), &doc) != nil || len(doc.Rules) != len(checks.Rules()) {
		t.Errorf("rules --format json: exit %d, %d rules", code, len(doc.Rules))
	}
	code, stdout, _ = botRun(t, "rules", "--format", "markdown")
	if code != exitOK || !strings.Contains(stdout, "### DJS002 config-invalid\n") {
		t.Errorf("rules --format markdown: exit %d", code)
	}
	committed, err := os.ReadFile(filepath.Join("..", "..", "docs", "rules.md"))
	if err == nil && string(committed) != stdout {
		t.Log("docs/rules.md differs from `bot rules --format markdown`; TestRulesMarkdownUpToDate in ./formats says how to fix it")
	}
	for _, args := range [][]string{{"rules", "--format", "yaml"}, {"rules", "DJS201"}, {"rules", "--bogus"}} {
		code, stdout, stderr := botRun(t, args...)
		if code != exitUsage || stdout != "" {
			t.Errorf("%v: exit %d, stdout %q; want 2 and nothing", args, code, stdout)
		}
		botOneLine(t, stderr)
	}
}

func TestExplainCommand(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"DJS002", "djs002", "config-invalid"} {
		code, stdout, _ := botRun(t, "explain", name)
		if code != exitOK || !strings.HasPrefix(stdout, "DJS002 config-invalid: ") || !strings.Contains(stdout, "docs/rules.md#djs002-config-invalid") {
			t.Errorf("explain %s: exit %d, stdout %q", name, code, stdout)
		}
	}
	// A name that is no rule is said to be none before anything is
	// suggested.
	for name, want := range map[string]string{
		"config-invalide": `bot: explain: there is no rule "config-invalide"; did you mean config-invalid (DJS002)? ` + "`bot rules` lists them\n",
		"DJS999":          `bot: explain: there is no rule "DJS999"; did you mean DJS109 (secret-hardcoded)? ` + "`bot rules` lists them\n",
	} {
		code, stdout, stderr := botRun(t, "explain", name)
		if code != exitUsage || stdout != "" || stderr != want {
			t.Errorf("explain %s: exit %d, stderr %q; want 2 and %q", name, code, stderr, want)
		}
	}
	for _, args := range [][]string{{"explain"}, {"explain", "a", "b"}, {"explain", "no-such-rule-at-all-anywhere"}} {
		code, _, stderr := botRun(t, args...)
		if code != exitUsage {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
		botOneLine(t, stderr)
	}
	if code, stdout, _ := botRun(t, "explain", "-h"); code != exitOK || !strings.Contains(stdout, "Usage: bot explain RULE") {
		t.Errorf("explain -h: exit %d, stdout %q", code, stdout)
	}
}

func TestParseFlags(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args []string
		want []string
		fmt  string
	}{
		{[]string{"a", "--format", "json", "b"}, []string{"a", "b"}, "json"},
		{[]string{"--format=sarif", "a"}, []string{"a"}, "sarif"},
		{[]string{"a", "--", "--format", "-x"}, []string{"a", "--format", "-x"}, "text"},
		{nil, nil, "text"},
	}
	for _, tc := range cases {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		f := fs.String("format", "text", "")
		got, err := parseFlags(fs, tc.args)
		if err != nil || strings.Join(got, "|") != strings.Join(tc.want, "|") || *f != tc.fmt {
			t.Errorf("parseFlags(%v) = %v, %v, format %s; want %v, %s", tc.args, got, err, *f, tc.want, tc.fmt)
		}
	}
}

func TestHelpListsVersion(t *testing.T) {
	t.Parallel()
	var out, errb bytes.Buffer
	if code := run([]string{"help"}, &out, &errb); code != exitOK || !strings.Contains(out.String(), "  version ") {
		t.Errorf("help (exit %d) does not list version:\n%s", code, out.String())
	}
}

// TestHelpOnce: every command's -h prints its usage once, on stdout (the
// flag package printed it on stderr too when a command's flag set wrote
// there).
func TestHelpOnce(t *testing.T) {
	t.Parallel()
	for _, name := range commandNames() {
		code, stdout, stderr := botRun(t, name, "-h")
		if strings.Contains(commands[name].summary, "not in this build") {
			continue // -tags noserver: serve and migrate only say so
		}
		if n := strings.Count(stdout+stderr, "Usage"); code != exitOK || n != 1 || stderr != "" {
			t.Errorf("%s -h: exit %d, %d usages, stderr %q", name, code, n, stderr)
		}
	}
}

// TestDevVersion: a development build is named by its commit, so SARIF
// and the rules version tell builds apart; without one, the fallback.
func TestDevVersion(t *testing.T) {
	t.Parallel()
	rev := debug.BuildSetting{Key: "vcs.revision", Value: "36d7365db98bff11b7672b1fd80df52881a344c1"}
	for _, tc := range []struct {
		settings []debug.BuildSetting
		want     string
	}{
		{[]debug.BuildSetting{rev, {Key: "vcs.modified", Value: "false"}}, "devel-36d7365db98b"},
		{[]debug.BuildSetting{{Key: "vcs", Value: "git"}, rev, {Key: "vcs.modified", Value: "true"}}, "devel-36d7365db98b-dirty"},
		{[]debug.BuildSetting{{Key: "vcs.revision", Value: "abc"}}, "devel-abc"},
		{[]debug.BuildSetting{{Key: "GOOS", Value: "linux"}}, "devel"},
		{nil, "devel"},
	} {
		if got := devVersion(tc.settings, "devel"); got != tc.want {
			t.Errorf("devVersion(%v) = %q, want %q", tc.settings, got, tc.want)
		}
	}
	// A test binary carries no commit: the SARIF report still names a
	// version.
	code, stdout, _ := botRun(t, "audit", "--format", "sarif", "--fail-on", "never", botTree(t, map[string]string{"mysite/settings.py": "DEBUG = True\n"}))
	if code != exitOK || !strings.Contains(stdout, `"name": "djsec",`) || !strings.Contains(stdout, `"version": "devel"`) {
		t.Errorf("exit %d, SARIF without a tool version:\n%s", code, stdout)
	}
}
