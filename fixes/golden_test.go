package fixes

import (
	"context"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/djsec/djsec/checks"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// readTree loads dir's files keyed by slash path.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		t.Fatalf("reading %s: %v", dir, err)
	}
	return files
}

// caseRules reads an optional rules file: the rules to fix, one line.
func caseRules(dir string) []string {
	b, err := os.ReadFile(filepath.Join(dir, "rules"))
	if err != nil {
		return nil
	}
	return strings.Fields(string(b))
}

func summary(r *Result) string {
	var b strings.Builder
	for _, c := range r.Changes {
		fmt.Fprintf(&b, "change %s %s: %s\n", c.Rule, c.Path, c.Description)
	}
	for _, v := range r.EnvVars {
		fmt.Fprintf(&b, "env %s=%s (%s)\n", v.Name, v.Example, v.Description)
	}
	for _, f := range r.Fixed {
		fmt.Fprintf(&b, "fixed %s %s:%d\n", f.Rule, f.Path, f.Line)
	}
	for _, u := range r.Unfixed {
		fmt.Fprintf(&b, "unfixed %s %s:%d: %s\n", u.Finding.Rule, u.Finding.Path, u.Finding.Line, u.Reason)
	}
	return b.String()
}

var now = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func TestGolden(t *testing.T) {
	t.Parallel()
	cases, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range cases {
		if !c.IsDir() {
			continue
		}
		n++
		dir := filepath.Join("testdata", c.Name())
		t.Run(c.Name(), func(t *testing.T) {
			t.Parallel()
			in := checks.Input{Files: readTree(t, filepath.Join(dir, "in")), Now: now}
			// An "audit" file marks a case judged as a whole-repository audit.
			if _, err := os.Stat(filepath.Join(dir, "audit")); err == nil {
				in.Audit = true
			}
			rules := caseRules(dir)
			res, err := Fix(context.Background(), in, rules)
			if err != nil {
				t.Fatal(err)
			}
			outDir := filepath.Join(dir, "out")
			if *update {
				os.RemoveAll(outDir)
				for p, b := range res.Files {
					fp := filepath.Join(outDir, filepath.FromSlash(p))
					if err := os.MkdirAll(filepath.Dir(fp), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(fp, b, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				if err := os.WriteFile(filepath.Join(dir, "result.txt"), []byte(summary(res)), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want := map[string][]byte{}
			if _, err := os.Stat(outDir); err == nil {
				want = readTree(t, outDir)
			}
			for p, b := range want {
				if got, ok := res.Files[p]; !ok {
					t.Errorf("%s: not changed, want the golden content", p)
				} else if string(got) != string(b) {
					t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", p, got, b)
				}
			}
			for p := range res.Files {
				if _, ok := want[p]; !ok {
					t.Errorf("%s changed, but there is no golden file for it", p)
				}
			}
			wantSum, _ := os.ReadFile(filepath.Join(dir, "result.txt"))
			if got := summary(res); got != string(wantSum) {
				t.Errorf("result differs:\n--- got\n%s--- want\n%s", got, wantSum)
			}
			// Independently of Fix's own proof: the targeted findings are
			// gone from the fixed project and nothing new appeared.
			after := in
			after.Files = map[string][]byte{}
			for p, b := range in.Files {
				after.Files[p] = b
			}
			for p, b := range res.Files {
				after.Files[p] = b
			}
			before := live(checks.Analyze(context.Background(), in))
			got := live(checks.Analyze(context.Background(), after))
			for _, f := range res.Fixed {
				if _, still := got[f.Fingerprint]; still {
					t.Errorf("%s at %s:%d is reported as fixed but re-analysis still finds it", f.Rule, f.Path, f.Line)
				}
			}
			for fp, f := range got {
				if _, ok := before[fp]; !ok {
					t.Errorf("new finding after the fix: %s at %s:%d: %s", f.Rule, f.Path, f.Line, f.Message)
				}
			}
			for _, u := range res.Unfixed {
				if _, ok := got[u.Finding.Fingerprint]; !ok && !slices.ContainsFunc(res.Fixed, func(f checks.Finding) bool { return f.Fingerprint == u.Finding.Fingerprint }) {
					t.Errorf("%s is listed as unfixed but is gone", u.Finding.Rule)
				}
			}
		})
	}
	if n < 30 {
		t.Errorf("%d golden cases, want at least 30", n)
	}
}
