package review

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
)

func TestViews(t *testing.T) {
	t.Parallel()
	b := func(s string) []byte { return []byte(s) }
	in := Input{
		Files: []ChangedFile{
			{Path: "m/prod.py", Status: "modified"},
			{Path: "m/new.py", Status: "added"},
			{Path: "m/gone.py", Status: "removed"},
			{Path: "n/settings.py", PreviousPath: "m/settings.py", Status: "renamed"},
			{Path: "m/copy.py", PreviousPath: "m/prod.py", Status: "copied"},
		},
		Head: map[string][]byte{
			"m/prod.py": b("prod head"), "m/new.py": b("new"), "n/settings.py": b("renamed head"), "m/copy.py": b("copy"),
			"m/base.py":     b("unchanged, fetched at head"),
			"m/gone.py":     b("stale: removed at head"),
			"m/settings.py": b("stale: renamed away"),
		},
		Base: map[string][]byte{
			"m/prod.py": b("prod base"), "m/gone.py": b("gone"), "m/settings.py": b("renamed base"),
			"m/local.py": b("unchanged, fetched at base"),
			"m/new.py":   b("stale: added by the pull request"),
		},
	}
	head, base, renamed := views(in)
	wantHead := map[string]string{
		"m/prod.py": "prod head", "m/new.py": "new", "n/settings.py": "renamed head", "m/copy.py": "copy",
		"m/base.py": "unchanged, fetched at head", "m/local.py": "unchanged, fetched at base",
	}
	wantBase := map[string]string{
		"m/prod.py": "prod base", "m/gone.py": "gone", "m/settings.py": "renamed base",
		"m/base.py": "unchanged, fetched at head", "m/local.py": "unchanged, fetched at base",
	}
	check := func(name string, got map[string][]byte, want map[string]string) {
		t.Helper()
		if !slices.Equal(slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want))) {
			t.Errorf("%s paths = %v, want %v", name, slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
		}
		for p, w := range want {
			if string(got[p]) != w {
				t.Errorf("%s[%s] = %q, want %q", name, p, got[p], w)
			}
		}
	}
	check("head", head, wantHead)
	check("base", base, wantBase)
	if len(renamed) != 1 || renamed["m/settings.py"] != "n/settings.py" {
		t.Errorf("renamed = %v", renamed)
	}
}

// TestReviewUnchangedImportAtBaseOnly: the processor may fetch an
// unchanged star-imported module on one side only; its findings are
// neither new nor lost.
func TestReviewUnchangedImportAtBaseOnly(t *testing.T) {
	t.Parallel()
	in := loadCase(t, "split-production-changed")
	// Move the unchanged base.py from head to base.
	in.Base["mysite/settings/base.py"] = in.Head["mysite/settings/base.py"]
	delete(in.Head, "mysite/settings/base.py")
	res := Review(context.Background(), in)
	diffStrings(t, "new", brief(res.New), []string{"DJS201 mysite/settings/base.py:17"})
	if res.Conclusion != ConclusionFailure {
		t.Errorf("conclusion = %s, want failure", res.Conclusion)
	}
}

// TestReviewMissingImportIsNeutral: a star-import djsec cannot follow at
// head means it saw less than the project has; never a silent success.
func TestReviewMissingImportIsNeutral(t *testing.T) {
	t.Parallel()
	prod := "from .base import *  # noqa: F403\nfrom .missing import *  # noqa: F403\n\nDEBUG = False\n"
	in := loadCase(t, "split-base-changed")
	in.Head["mysite/settings/production.py"] = []byte(prod)
	in.Base["mysite/settings/production.py"] = []byte("from .base import *  # noqa: F403\n\nDEBUG = False\n")
	in.Files = append(in.Files, ChangedFile{Path: "mysite/settings/production.py", Status: "modified",
		Patch: "@@ -1,3 +1,4 @@\n from .base import *  # noqa: F403\n+from .missing import *  # noqa: F403\n \n DEBUG = False\n"})
	res := Review(context.Background(), in)
	if res.Conclusion != ConclusionNeutral {
		t.Fatalf("conclusion = %s (%s), want neutral; incomplete %q", res.Conclusion, res.Title, res.Incomplete)
	}
	if !strings.Contains(res.Title, "mysite/settings/production.py could not be fully read") {
		t.Errorf("title = %q", res.Title)
	}
	if !strings.Contains(res.Summary, "missing") {
		t.Errorf("summary does not explain:\n%s", res.Summary)
	}
}

// TestReviewCancelled: an analysis cut short by its context never yields
// a verdict.
func TestReviewCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res := Review(ctx, loadCase(t, "safe-to-unsafe"))
	if res.Conclusion != ConclusionNeutral || !strings.Contains(res.Summary, "interrupted") {
		t.Errorf("conclusion %s, title %q", res.Conclusion, res.Title)
	}
}

// TestReviewWeakenedInRenamedFile: a settings module renamed and weakened
// in one pull request is compared with its old self.
func TestReviewWeakenedInRenamedFile(t *testing.T) {
	t.Parallel()
	in := loadCase(t, "renamed")
	p := "config/settings.py"
	in.Head[p] = []byte(strings.Replace(string(in.Head[p]), "SECURE_HSTS_SECONDS = 31536000", "SECURE_HSTS_SECONDS = 3600", 1))
	res := Review(context.Background(), in)
	var got []string
	for _, w := range res.Weakened {
		got = append(got, w.Setting+" "+w.Path)
	}
	diffStrings(t, "weakened", got, []string{"SECURE_HSTS_SECONDS " + p})
}
