package review

import (
	"strings"
	"testing"
	"time"

	"github.com/djsec/djsec/checks"
)

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
		// ** stands for any number of directories, as in ignore_paths.
		{"** over two directories", Ignore{Rule: "DJS201", PathGlob: "mysite/**/prod.py"}, true},
		{"** over no directory", Ignore{Rule: "DJS201", PathGlob: "mysite/settings/**/prod.py"}, true},
		{"** with another file", Ignore{Rule: "DJS201", PathGlob: "mysite/**/base.py"}, false},
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
