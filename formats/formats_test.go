package formats

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/djsec/djsec/checks"
)

var update = flag.Bool("update", false, "rewrite golden files and docs/rules.md")

// fmtGolden compares got with testdata/NAME, or rewrites it under -update.
func fmtGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	file := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run `go test ./formats -update` to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run `go test ./formats -update` and review the diff):\n--- got\n%s\n--- want\n%s", file, got, want)
	}
}

// fmtResult is a hand-made result that exercises every branch of the
// writers. It uses only the meta rules DJS001/DJS002, whose metadata other
// work does not change, with per-finding severities covering every level.
func fmtResult() *checks.Result {
	return &checks.Result{
		Findings: []checks.Finding{
			{Rule: "DJS002", Slug: "config-invalid", Severity: checks.Critical, Path: ".github/djsec.yml", Line: 3, Column: 1, EndLine: 3,
				Message: "unknown key fail-on (did you mean fail_on?); it is ignored", Fingerprint: "0123456789abcdef"},
			{Rule: "DJS001", Slug: "settings-parse-error", Severity: checks.High, DjangoCheck: "security.W018", Path: "my site/settings, prod.py", Line: 7, Column: 5, EndLine: 9,
				Message: "100% broken:\nline two\r\nand a, comma: here", Fixable: true, Fingerprint: "fedcba9876543210"},
			{Rule: "DJS002", Slug: "config-invalid", Severity: checks.Medium, Path: "mysite/settings.py", Line: 0, Column: 0, EndLine: 0,
				Message: "a medium finding on a whole file", Fingerprint: "1111111111111111"},
			{Rule: "DJS001", Slug: "settings-parse-error", Severity: checks.Low, Path: "mysite/settings.py", Line: 12, Column: 1, EndLine: 12,
				Message: "a low finding", Fingerprint: "2222222222222222"},
			{Rule: "DJS001", Slug: "settings-parse-error", Severity: checks.Info, Path: "mysite/settings.py", Line: 14, Column: 1, EndLine: 14,
				Message: "an info finding", Fingerprint: "3333333333333333"},
			{Rule: "DJS002", Slug: "config-invalid", Severity: checks.High, Path: "mysite/local.py", Line: 2, Column: 1, EndLine: 2,
				Message: "a suppressed finding", Fingerprint: "4444444444444444", Suppressed: true, SuppressReason: "accepted risk, see #12"},
			{Rule: "DJS002", Slug: "config-invalid", Severity: checks.High, Path: "mysite/local.py", Line: 4, Column: 1, EndLine: 4,
				Message: "suppressed with no reason", Fingerprint: "5555555555555555", Suppressed: true},
		},
		Files: []string{".github/djsec.yml", "my site/settings, prod.py", "mysite/local.py", "mysite/settings.py"},
		Errors: []checks.FileError{
			{Path: "big.py", Message: "file is larger than 1 MiB (2.0 MiB); not analyzed"},
			{Path: "data/blob.env", Message: "binary file (it contains NUL bytes); not analyzed"},
		},
	}
}

func fmtEmpty() *checks.Result {
	return &checks.Result{Files: []string{"mysite/settings.py"},
		Modules: []checks.ModuleInfo{{Path: "mysite/settings.py", Role: "production", Why: "the only settings module"}}}
}

func TestAuditGolden(t *testing.T) {
	t.Parallel()
	for _, format := range AuditFormats {
		for name, res := range map[string]*checks.Result{"sample": fmtResult(), "empty": fmtEmpty()} {
			var buf bytes.Buffer
			if err := WriteAudit(&buf, format, res, Options{}); err != nil {
				t.Fatalf("%s: %v", format, err)
			}
			fmtGolden(t, name+"."+format+".golden", buf.Bytes())
		}
	}
}

func TestWriteAuditUnknownFormat(t *testing.T) {
	t.Parallel()
	err := WriteAudit(&bytes.Buffer{}, "xml", fmtResult(), Options{})
	if err == nil || !strings.Contains(err.Error(), "text, json, sarif or github") {
		t.Errorf("err = %v, want the list of formats", err)
	}
}

func TestSummary(t *testing.T) {
	t.Parallel()
	cases := []struct {
		res  *checks.Result
		want string
	}{
		{fmtResult(), "5 findings (1 critical, 1 high, 1 medium, 1 low, 1 info), 2 suppressed, 2 errors, 4 files"},
		{fmtEmpty(), "no findings, 1 file"},
		{&checks.Result{}, "no findings, no Django settings found, 0 files"},
		{&checks.Result{Modules: []checks.ModuleInfo{{Path: "s.py", Role: "production"}}}, "no findings, 0 files"},
		{&checks.Result{Findings: []checks.Finding{{Severity: checks.High}}, Files: []string{"a", "b"}, Errors: []checks.FileError{{}}},
			"1 finding (1 high), 1 error, 2 files"},
		{&checks.Result{Findings: []checks.Finding{{Severity: checks.High, Suppressed: true}}}, "no findings, 1 suppressed, no Django settings found, 0 files"},
	}
	for _, tc := range cases {
		if got := Summary(tc.res); got != tc.want {
			t.Errorf("Summary = %q, want %q", got, tc.want)
		}
	}
}

func TestTextOneLinePerFinding(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := Text(&buf, fmtResult()); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	// 5 unsuppressed findings, 2 errors, 1 summary.
	if len(lines) != 8 {
		t.Fatalf("got %d lines, want 8:\n%s", len(lines), buf.String())
	}
	re := regexp.MustCompile(`^[^:]+:\d+:\d+: (critical|high|medium|low|info) DJS\d+ [a-z0-9-]+: .+$`)
	for _, l := range lines[:5] {
		if !re.MatchString(l) {
			t.Errorf("finding line %q does not match %s", l, re)
		}
	}
	if strings.Contains(buf.String(), "suppressed finding") {
		t.Error("text output prints a suppressed finding")
	}
	if want := "mysite/settings.py:1:1: medium DJS002 config-invalid: a medium finding on a whole file"; lines[2] != want {
		t.Errorf("whole-file finding = %q, want %q", lines[2], want)
	}
}

func TestJSONShape(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := JSON(&buf, fmtResult()); err != nil {
		t.Fatal(err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if got := sortedKeys(doc); !reflect.DeepEqual(got, []string{"errors", "files", "findings", "modules", "version"}) {
		t.Errorf("top-level keys = %v", got)
	}
	if string(doc["version"]) != "1" {
		t.Errorf("version = %s, want 1", doc["version"])
	}
	var findings []map[string]any
	if err := json.Unmarshal(doc["findings"], &findings); err != nil {
		t.Fatal(err)
	}
	wantKeys := []string{"column", "django_check", "end_line", "fingerprint", "fixable", "line", "message", "path", "rule", "severity", "slug", "suppress_reason", "suppressed"}
	for i, f := range findings {
		if got := sortedKeys(f); !reflect.DeepEqual(got, wantKeys) {
			t.Errorf("finding %d keys = %v, want %v", i, got, wantKeys)
		}
	}
	if len(findings) != 7 || findings[5]["suppressed"] != true || findings[5]["suppress_reason"] != "accepted risk, see #12" {
		t.Errorf("suppressed findings must be listed and marked: %v", findings)
	}
	if findings[0]["django_check"] != "" || findings[0]["severity"] != "critical" {
		t.Errorf("finding 0 = %v: want django_check \"\" and severity as a word", findings[0])
	}
	var errs []map[string]any
	if err := json.Unmarshal(doc["errors"], &errs); err != nil {
		t.Fatal(err)
	}
	if len(errs) != 2 || !reflect.DeepEqual(sortedKeys(errs[0]), []string{"message", "path"}) {
		t.Errorf("errors = %v", errs)
	}

	buf.Reset()
	if err := JSON(&buf, &checks.Result{}); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"findings", "files", "errors"} {
		if string(doc[k]) != "[]" {
			t.Errorf("empty result: %s = %s, want []", k, doc[k])
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestGitHubCommands(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := GitHub(&buf, fmtResult()); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	want := []string{
		"::error file=.github/djsec.yml,line=3,col=1,endLine=3,title=DJS002 config-invalid::unknown key fail-on (did you mean fail_on?); it is ignored",
		"::error file=my site/settings%2C prod.py,line=7,col=5,endLine=9,title=DJS001 settings-parse-error::100%25 broken:%0Aline two%0D%0Aand a, comma: here",
		"::warning file=mysite/settings.py,line=1,col=1,endLine=1,title=DJS002 config-invalid::a medium finding on a whole file",
		"::notice file=mysite/settings.py,line=12,col=1,endLine=12,title=DJS001 settings-parse-error::a low finding",
		"::notice file=mysite/settings.py,line=14,col=1,endLine=14,title=DJS001 settings-parse-error::an info finding",
		"::warning file=big.py,title=djsec could not read this file::file is larger than 1 MiB (2.0 MiB); not analyzed",
		"::warning file=data/blob.env,title=djsec could not read this file::binary file (it contains NUL bytes); not analyzed",
		"djsec: 5 findings (1 critical, 1 high, 1 medium, 1 low, 1 info), 2 suppressed, 2 errors, 4 files",
	}
	if !reflect.DeepEqual(lines, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

func TestGitHubEscaping(t *testing.T) {
	t.Parallel()
	if got, want := escapeData("a%b\r\nc:d,e"), "a%25b%0D%0Ac:d,e"; got != want {
		t.Errorf("escapeData = %q, want %q", got, want)
	}
	if got, want := escapeProperty("a%b\r\nc:d,e"), "a%25b%0D%0Ac%3Ad%2Ce"; got != want {
		t.Errorf("escapeProperty = %q, want %q", got, want)
	}
}

// TestSARIFValid checks the properties GitHub code scanning requires or
// reads (docs.github.com "SARIF support for code scanning") and the
// constraints of the SARIF 2.1.0 schema on them.
func TestSARIFValid(t *testing.T) {
	t.Parallel()
	for name, res := range map[string]*checks.Result{"sample": fmtResult(), "empty": fmtEmpty()} {
		var buf bytes.Buffer
		if err := SARIF(&buf, res, Options{ToolVersion: "v1.2.3"}); err != nil {
			t.Fatal(err)
		}
		for _, problem := range sarifProblems(buf.Bytes()) {
			t.Errorf("%s: %s", name, problem)
		}
	}
}

// sarifProblems validates a SARIF log; it returns what is wrong.
func sarifProblems(data []byte) []string {
	var probs []string
	bad := func(format string, args ...any) {
		probs = append(probs, sprintf(format, args...))
	}
	var log struct {
		Schema  string `json:"$schema"`
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string `json:"name"`
					Rules []struct {
						ID               string                          `json:"id"`
						Name             string                          `json:"name"`
						ShortDescription struct{ Text string }           `json:"shortDescription"`
						FullDescription  struct{ Text string }           `json:"fullDescription"`
						Help             struct{ Text, Markdown string } `json:"help"`
						HelpURI          string                          `json:"helpUri"`
						Default          struct{ Level string }          `json:"defaultConfiguration"`
						Properties       map[string]any                  `json:"properties"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Invocations []struct {
				ExecutionSuccessful *bool `json:"executionSuccessful"`
			} `json:"invocations"`
			Results []struct {
				RuleID    string                 `json:"ruleId"`
				RuleIndex *int                   `json:"ruleIndex"`
				Level     string                 `json:"level"`
				Message   struct{ Text *string } `json:"message"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI       string `json:"uri"`
							URIBaseID string `json:"uriBaseId"`
						} `json:"artifactLocation"`
						Region struct {
							StartLine   int `json:"startLine"`
							StartColumn int `json:"startColumn"`
							EndLine     int `json:"endLine"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
				PartialFingerprints map[string]string `json:"partialFingerprints"`
				Suppressions        []struct {
					Kind          string `json:"kind"`
					Justification string `json:"justification"`
				} `json:"suppressions"`
			} `json:"results"`
		} `json:"runs"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&log); err != nil {
		return []string{"not JSON: " + err.Error()}
	}
	if log.Version != "2.1.0" {
		bad("version = %q, want 2.1.0", log.Version)
	}
	if !strings.Contains(log.Schema, "sarif-schema-2.1.0") && !strings.Contains(log.Schema, "sarif-2.1.0") {
		bad("$schema = %q", log.Schema)
	}
	if len(log.Runs) != 1 {
		return append(probs, sprintf("%d runs, want 1", len(log.Runs)))
	}
	run := log.Runs[0]
	if run.Tool.Driver.Name != "djsec" {
		bad("tool.driver.name = %q", run.Tool.Driver.Name)
	}
	for _, inv := range run.Invocations {
		if inv.ExecutionSuccessful == nil {
			bad("invocation without executionSuccessful (required by the schema)")
		}
	}
	levels := map[string]bool{"none": true, "note": true, "warning": true, "error": true}
	ids := map[string]bool{}
	for i, r := range run.Tool.Driver.Rules {
		if r.ID == "" || ids[r.ID] {
			bad("rule %d: empty or duplicate id %q", i, r.ID)
		}
		ids[r.ID] = true
		if r.Name == "" || r.ShortDescription.Text == "" || r.FullDescription.Text == "" {
			bad("rule %s: name, shortDescription and fullDescription are needed", r.ID)
		}
		if r.Help.Text == "" || r.Help.Markdown == "" {
			bad("rule %s: help needs text (required with markdown) and markdown", r.ID)
		}
		if !strings.HasPrefix(r.HelpURI, "https://") || !strings.Contains(r.HelpURI, "#"+strings.ToLower(r.ID)+"-"+r.Name) {
			bad("rule %s: helpUri %q does not point at the rule's anchor", r.ID, r.HelpURI)
		}
		if !levels[r.Default.Level] {
			bad("rule %s: defaultConfiguration.level %q", r.ID, r.Default.Level)
		}
		ss, _ := r.Properties["security-severity"].(string)
		if v, err := strconv.ParseFloat(ss, 64); err != nil || v < 0 || v > 10 {
			bad("rule %s: security-severity %q must be a number 0.0–10.0 in a string", r.ID, ss)
		}
		if tags, _ := r.Properties["tags"].([]any); len(tags) == 0 || tags[0] != "security" {
			bad("rule %s: tags %v must start with security", r.ID, r.Properties["tags"])
		}
		if r.Properties["precision"] != "high" {
			bad("rule %s: precision %v", r.ID, r.Properties["precision"])
		}
	}
	for i, res := range run.Results {
		if res.Message.Text == nil || *res.Message.Text == "" {
			bad("result %d: message.text is required", i)
		}
		if res.RuleIndex == nil || *res.RuleIndex < 0 || *res.RuleIndex >= len(run.Tool.Driver.Rules) || run.Tool.Driver.Rules[*res.RuleIndex].ID != res.RuleID {
			bad("result %d: ruleIndex does not point at rule %s", i, res.RuleID)
		}
		if !levels[res.Level] {
			bad("result %d: level %q", i, res.Level)
		}
		if len(res.Locations) != 1 {
			bad("result %d: %d locations, want 1", i, len(res.Locations))
			continue
		}
		pl := res.Locations[0].PhysicalLocation
		if pl.ArtifactLocation.URI == "" || strings.HasPrefix(pl.ArtifactLocation.URI, "/") || strings.Contains(pl.ArtifactLocation.URI, " ") {
			bad("result %d: uri %q must be a relative URI reference", i, pl.ArtifactLocation.URI)
		}
		if pl.ArtifactLocation.URIBaseID != "%SRCROOT%" {
			bad("result %d: uriBaseId %q", i, pl.ArtifactLocation.URIBaseID)
		}
		if pl.Region.StartLine < 1 || pl.Region.StartColumn < 1 || pl.Region.EndLine < pl.Region.StartLine {
			bad("result %d: region %+v", i, pl.Region)
		}
		if res.PartialFingerprints["djsecFingerprint/v1"] == "" {
			bad("result %d: partialFingerprints lacks djsecFingerprint/v1", i)
		}
		for _, s := range res.Suppressions {
			if s.Kind != "inSource" && s.Kind != "external" {
				bad("result %d: suppression kind %q", i, s.Kind)
			}
		}
	}
	return probs
}

// TestSARIFSuppressed: asked for, suppressed findings come back marked
// with an in-source suppression and their reason, and the log stays valid.
func TestSARIFSuppressed(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := SARIF(&buf, fmtResult(), Options{SARIFSuppressed: true}); err != nil {
		t.Fatal(err)
	}
	for _, problem := range sarifProblems(buf.Bytes()) {
		t.Error(problem)
	}
	var log struct {
		Runs []struct {
			Results []struct {
				Fingerprints map[string]string `json:"partialFingerprints"`
				Suppressions []struct{ Kind, Justification string }
			}
		}
	}
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range log.Runs[0].Results {
		for _, s := range r.Suppressions {
			got[r.Fingerprints["djsecFingerprint/v1"]] = s.Kind + ": " + s.Justification
		}
	}
	want := map[string]string{"4444444444444444": "inSource: accepted risk, see #12", "5555555555555555": "inSource: "}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("suppressions = %v, want %v", got, want)
	}
}

func sprintf(format string, args ...any) string {
	return strings.ReplaceAll(fmt.Sprintf(format, args...), "\n", " ")
}

func TestSARIFMapping(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := SARIF(&buf, fmtResult(), Options{}); err != nil {
		t.Fatal(err)
	}
	var log map[string]any
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	run := log["runs"].([]any)[0].(map[string]any)
	var levels []string
	var suppressed int
	for _, r := range run["results"].([]any) {
		res := r.(map[string]any)
		levels = append(levels, res["level"].(string))
		if s, ok := res["suppressions"].([]any); ok {
			suppressed++
			if s[0].(map[string]any)["kind"] != "inSource" {
				t.Errorf("suppression = %v", s)
			}
		}
	}
	// Suppressed findings are left out by default: GitHub's upload would
	// open an alert for each, whatever `suppressions` says.
	if want := []string{"error", "error", "warning", "note", "note"}; !reflect.DeepEqual(levels, want) {
		t.Errorf("levels = %v, want %v", levels, want)
	}
	if suppressed != 0 {
		t.Errorf("%d suppressed results, want none without SARIFSuppressed", suppressed)
	}
	uri := run["results"].([]any)[1].(map[string]any)["locations"].([]any)[0].(map[string]any)["physicalLocation"].(map[string]any)["artifactLocation"].(map[string]any)["uri"]
	if uri != "my%20site/settings,%20prod.py" {
		t.Errorf("uri = %v, want the path percent-encoded", uri)
	}
	for sev, want := range map[checks.Severity]string{checks.Critical: "9.0", checks.High: "7.0", checks.Medium: "5.0", checks.Low: "3.0", checks.Info: "1.0"} {
		if got := securitySeverity(sev); got != want {
			t.Errorf("securitySeverity(%s) = %s, want %s", sev, got, want)
		}
	}
	if _, has := run["tool"].(map[string]any)["driver"].(map[string]any)["version"]; has {
		t.Error("driver.version must be absent when no version is known")
	}
}
