package review

import (
	"strings"
	"testing"
	"time"

	"github.com/djsec/djsec/checks"
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
		{"**/settings.py", "settings.py", true},
		{"**/settings.py", "a/b/c/settings.py", true},
		{"**/settings.py", "a/b/c/settings.pyc", false},
		{"legacy/**", "legacy/x/y.py", true},
		{"legacy/**", "legacy2/x.py", false},
		{"a/**/b.py", "a/b.py", true},
		{"a/**/b.py", "a/x/y/b.py", true},
		{"a/**/b.py", "x/a/b.py", false},
		{"mysite/settings/*", "mysite/settings/prod.py", true},
		{"[", "[", false}, // a bad pattern matches nothing
	} {
		if got := matchGlob(tc.glob, tc.path); got != tc.want {
			t.Errorf("matchGlob(%q, %q) = %t, want %t", tc.glob, tc.path, got, tc.want)
		}
	}
}

func TestIgnores(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	f := checks.Finding{Rule: "DJS201", Slug: "debug-enabled", Path: "mysite/settings/prod.py"}
	for _, tc := range []struct {
		name string
		ig   Ignore
		want bool
	}{
		{"by ID", Ignore{Rule: "DJS201"}, true},
		{"by ID, lower case", Ignore{Rule: "djs201"}, true},
		{"by slug", Ignore{Rule: "debug-enabled"}, true},
		{"another rule", Ignore{Rule: "DJS202"}, false},
		{"unknown rule", Ignore{Rule: "debug"}, false},
		{"no rule matches nothing", Ignore{PathGlob: "**"}, false},
		{"path glob", Ignore{Rule: "DJS201", PathGlob: "mysite/**"}, true},
		{"path glob with ./", Ignore{Rule: "DJS201", PathGlob: "./mysite/settings/prod.py"}, true},
		{"other path", Ignore{Rule: "DJS201", PathGlob: "other/**"}, false},
		{"not expired", Ignore{Rule: "DJS201", Until: now.Add(time.Hour)}, true},
		{"expired", Ignore{Rule: "DJS201", Until: now.Add(-time.Hour)}, false},
		{"expires now", Ignore{Rule: "DJS201", Until: now}, false},
	} {
		if _, got := ignoredBy([]Ignore{tc.ig}, f, now); got != tc.want {
			t.Errorf("%s: ignored = %t, want %t", tc.name, got, tc.want)
		}
	}
	r := Ignore{Rule: "DJS201", Reason: " staging only ", By: "@alice", Until: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), PROnly: true}.reason()
	if want := "ignored by @alice for this pull request until 2026-07-01: staging only"; r != want {
		t.Errorf("reason = %q, want %q", r, want)
	}
	if r := (Ignore{Rule: "DJS201"}).reason(); !strings.HasPrefix(r, "ignored") {
		t.Errorf("reason = %q", r)
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
// linear now.
func TestMatchGlobHostile(t *testing.T) {
	t.Parallel()
	glob := strings.Repeat("**/a/", 200) + "never.py"
	p := strings.Repeat("a/", 400) + "x.py"
	if matchGlob(glob, p) {
		t.Error("matched")
	}
	if !matchGlob(glob, strings.Repeat("a/", 400)+"never.py") {
		t.Error("did not match")
	}
}
