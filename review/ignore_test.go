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
