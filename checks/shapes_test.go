package checks

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// shapesDir holds minimal projects, each reproducing one shape seen in real
// repositories (a split settings package, an app named settings, a helper
// around os.getenv …), written in our own words. Each has a want.txt that
// says which findings the shape must and must not produce.
const shapesDir = "testdata/shapes"

// TestShapes audits every project under testdata/shapes as `bot audit`
// would and checks its want.txt. The format, one expectation a line
// ("#" starts a comment):
//
//	DJS402 mysite/settings/prod.py          must fire on that file (any line)
//	DJS402 mysite/settings/prod.py:12 high  … on that line, at that severity
//	!DJS201 mysite/settings/dev.py          must not fire on that file
//	!DJS704                                 must not fire anywhere
//	!* tests/plugins/django_settings.py     nothing at all on that file
//	count DJS108 2                          exactly that many unsuppressed findings
//	role mysite/settings/prod.py production the module's role ("none": not a settings module)
//	noerrors                                no file errors
func TestShapes(t *testing.T) {
	t.Parallel()
	entries, err := os.ReadDir(shapesDir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		n++
		name := e.Name()
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(shapesDir, name)
			want, err := os.ReadFile(filepath.Join(dir, "want.txt"))
			if err != nil {
				t.Fatalf("%s has no want.txt: %v", dir, err)
			}
			files := examplesLoad(t, dir)
			res := Analyze(context.Background(), Input{Files: files, Now: time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC), Audit: true})
			checkShape(t, res, want)
		})
	}
	if n == 0 {
		t.Fatal("no shapes under " + shapesDir)
	}
}

func checkShape(t *testing.T, res *Result, want []byte) {
	t.Helper()
	var live []Finding
	for _, f := range res.Findings {
		if !f.Suppressed {
			live = append(live, f)
		}
	}
	sc := bufio.NewScanner(bytes.NewReader(want))
	ln := 0
	for sc.Scan() {
		ln++
		line := sc.Text()
		if i := strings.Index(line, "#"); i >= 0 {
			line = line[:i]
		}
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		where := "want.txt:" + strconv.Itoa(ln)
		switch {
		case fields[0] == "noerrors":
			if len(res.Errors) > 0 {
				t.Errorf("%s: file errors %v", where, res.Errors)
			}
		case fields[0] == "count":
			if len(fields) != 3 {
				t.Fatalf("%s: count RULE N", where)
			}
			want, _ := strconv.Atoi(fields[2])
			got := 0
			for _, f := range live {
				if f.Rule == fields[1] {
					got++
				}
			}
			if got != want {
				t.Errorf("%s: %d %s findings, want %d:%s", where, got, fields[1], want, examplesDescribe(live))
			}
		case fields[0] == "role":
			if len(fields) != 3 {
				t.Fatalf("%s: role PATH ROLE", where)
			}
			got := "none"
			for _, m := range res.Modules {
				if m.Path == fields[1] {
					got = m.Role
				}
			}
			if got != fields[2] {
				t.Errorf("%s: %s has role %q, want %q (modules: %s)", where, fields[1], got, fields[2], describeModules(res.Modules))
			}
		case strings.HasPrefix(fields[0], "!"):
			rule := strings.TrimPrefix(fields[0], "!")
			file, line := "", 0
			if len(fields) > 1 {
				file, line = splitPathLine(t, fields[1])
			}
			for _, f := range live {
				if (rule == "*" || f.Rule == rule) && (file == "" || f.Path == file) && (line == 0 || f.Line == line) {
					t.Errorf("%s: unwanted %s:%d: %s %s %s", where, f.Path, f.Line, f.Severity, f.Rule, f.Message)
				}
			}
		default:
			if len(fields) < 2 {
				t.Fatalf("%s: RULE PATH[:LINE] [SEVERITY]", where)
			}
			rule := fields[0]
			file, line := splitPathLine(t, fields[1])
			found := false
			for _, f := range live {
				if f.Rule != rule || f.Path != file || (line != 0 && f.Line != line) {
					continue
				}
				found = true
				if len(fields) > 2 && f.Severity.String() != fields[2] {
					t.Errorf("%s: %s at %s:%d is %s, want %s", where, rule, f.Path, f.Line, f.Severity, fields[2])
				}
			}
			if !found {
				t.Errorf("%s: missing %s at %s; got:%s", where, rule, fields[1], examplesDescribe(live))
			}
		}
	}
}

func describeModules(ms []ModuleInfo) string {
	var b strings.Builder
	for _, m := range ms {
		b.WriteString("\n\t" + m.Path + " " + m.Role + " (" + m.Why + ")")
	}
	return b.String()
}

// splitPathLine splits "path[:line]"; a suffix that is not a line number
// fails the test rather than turning into a path no finding has.
func splitPathLine(t *testing.T, s string) (string, int) {
	t.Helper()
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return s, 0
	}
	line, err := strconv.Atoi(s[i+1:])
	if err != nil {
		t.Fatalf("want.txt: bad line number in %q", s)
	}
	return s[:i], line
}
