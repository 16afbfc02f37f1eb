package checks

import (
	"errors"
	"strings"
	"testing"
)

func TestMatchGlob(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		glob, path string
		want       bool
	}{
		{"mysite/settings.py", "mysite/settings.py", true},
		{"mysite/*.py", "mysite/settings.py", true},
		{"mysite/*.py", "mysite/settings/base.py", false},
		{"*.py", "manage.py", true},
		{"*.py", "mysite/manage.py", false},
		{"**/settings.py", "settings.py", true},
		{"**/settings.py", "a/b/c/settings.py", true},
		{"**/settings.py", "a/b/c/settings.pyc", false},
		{"**/*.py", "a/b.py", true},
		{"legacy/**", "legacy/x/y.py", true},
		{"legacy/**", "legacy2/x.py", false},
		{"legacy/", "legacy/x/y.py", true},
		{"legacy/", "legacy2/x.py", false},
		{"./legacy/**", "legacy/x.py", true},
		{" legacy/** ", "legacy/x.py", true},
		{"a/**/b.py", "a/b.py", true},
		{"a/**/b.py", "a/x/b.py", true},
		{"a/**/b.py", "a/x/y/b.py", true},
		{"a/**/b.py", "x/a/b.py", false},
		{"a/**/b.py", "a/x/y/c.py", false},
		{"a/**/x/**/b.py", "a/x/b.py", true},
		{"a/**/x/**/b.py", "a/1/2/x/3/b.py", true},
		{"a/**/x/**/b.py", "a/1/2/y/3/b.py", false},
		{"mysite/settings/*", "mysite/settings/prod.py", true},
		{"legacy[12]/**", "legacy1/x.py", true},
		{"[", "[", false}, // a bad pattern matches nothing
	} {
		if got := MatchGlob(tc.glob, tc.path); got != tc.want {
			t.Errorf("MatchGlob(%q, %q) = %t, want %t", tc.glob, tc.path, got, tc.want)
		}
	}
}

// TestIgnorePathsAnyDepth pins ** at any depth in djsec.yml, read and
// applied: it once matched exactly one directory there (path.Match read
// ** as *) while `/djsec ignore` matched any number.
func TestIgnorePathsAnyDepth(t *testing.T) {
	t.Parallel()
	cfg, errs := ParseConfig(ConfigPath, []byte("ignore_paths: [\"a/**/b.py\", \"**/fixtures/\"]\n"))
	if len(errs) != 0 {
		t.Fatalf("config errors: %v", errs)
	}
	for p, want := range map[string]bool{
		"a/b.py": true, "a/x/b.py": true, "a/x/y/b.py": true, "a/x/y/z/b.py": true,
		"a/x/y/c.py": false, "b.py": false,
		"fixtures/x.py": true, "app/tests/fixtures/x.py": true, "app/fixtures.py": false,
	} {
		if got := cfg.Ignores(p); got != want {
			t.Errorf("ignore_paths a/**/b.py, **/fixtures/: Ignores(%q) = %t, want %t", p, got, want)
		}
	}
}

func TestCleanGlob(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		glob, want, problem string
	}{
		{"legacy/**", "legacy/**", ""},
		{"./legacy/", "legacy/**", ""},
		{" a/**/b.py ", "a/**/b.py", ""},
		{"**", "**", ""},
		{"", "", "is empty"},
		{"./", "", "is empty"},
		{"/etc/**", "", "starts with /"},
		{strings.Repeat("x", MaxGlobLen+1), "", "longer than 200 characters"},
		{strings.Repeat("a/", MaxGlobSegments) + "b.py", "", "more than 32 segments"},
		{strings.Repeat("**/a/", MaxGlobStars+1) + "b.py", "", "4 `**`"},
		{"a//b", "", "empty segment"},
		{"a/../b", "", "`..` segment"},
		{"a**b", "", "`**` must be a whole segment"},
		{"[a-", "", "is not valid: syntax error in pattern"},
	} {
		got, err := CleanGlob(tc.glob)
		if tc.problem == "" {
			if err != nil || got != tc.want {
				t.Errorf("CleanGlob(%q) = %q, %v; want %q", tc.glob, got, err, tc.want)
			}
			continue
		}
		var ge *GlobError
		if !errors.As(err, &ge) || !strings.Contains(ge.Problem, tc.problem) || got != "" {
			t.Errorf("CleanGlob(%q) = %q, %v; want a GlobError saying %q", tc.glob, got, err, tc.problem)
		}
	}
}

// matchRecursive is the definition matchSegments must agree with: the
// plain recursive reading of **, exponential on hostile globs.
func matchRecursive(glob, p []string) bool {
	if len(glob) == 0 {
		return len(p) == 0
	}
	if glob[0] == "**" {
		for i := 0; i <= len(p); i++ {
			if matchRecursive(glob[1:], p[i:]) {
				return true
			}
		}
		return false
	}
	return len(p) > 0 && segmentMatch(glob[0], p[0]) && matchRecursive(glob[1:], p[1:])
}

func TestMatchGlobAgreesWithDefinition(t *testing.T) {
	t.Parallel()
	// Every glob of up to four segments over a small alphabet, against
	// every path of up to four segments.
	segs := []string{"**", "a", "b", "*"}
	paths := []string{"a", "b", "ab"}
	var globs, ps [][]string
	var grow func(cur []string, alphabet []string, out *[][]string, n int)
	grow = func(cur []string, alphabet []string, out *[][]string, n int) {
		*out = append(*out, append([]string(nil), cur...))
		if n == 0 {
			return
		}
		for _, s := range alphabet {
			grow(append(cur, s), alphabet, out, n-1)
		}
	}
	grow(nil, segs, &globs, 4)
	grow(nil, paths, &ps, 4)
	for _, g := range globs {
		for _, p := range ps {
			if got, want := matchSegments(g, p), matchRecursive(g, p); got != want {
				t.Errorf("glob %q path %q: %t, want %t", strings.Join(g, "/"), strings.Join(p, "/"), got, want)
			}
		}
	}
}

// A glob of many ** segments against a deep path that almost matches:
// exponential for the recursive matcher (this test would not finish),
// linear now. MatchGlob itself has no bound on its glob: config files
// built in code and stored ignores reach it without CleanGlob.
func TestMatchGlobHostile(t *testing.T) {
	t.Parallel()
	glob := strings.Repeat("**/a/", 200) + "never.py"
	p := strings.Repeat("a/", 400) + "x.py"
	if MatchGlob(glob, p) {
		t.Error("matched")
	}
	if !MatchGlob(glob, strings.Repeat("a/", 400)+"never.py") {
		t.Error("did not match")
	}
}
