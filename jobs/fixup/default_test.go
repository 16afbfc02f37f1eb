package fixup_test

import (
	"context"
	"strings"
	"testing"

	"github.com/djsec/djsec/jobs/fixup"
)

func (e *env) fixDefault(t *testing.T, rules ...string) string {
	t.Helper()
	reply, err := e.fx.RequestDefaultBranchFix(context.Background(), 42, "octo-org/mysite", e.repo.ID, 7, rules)
	if err != nil {
		t.Fatal(err)
	}
	return reply
}

// /djsec fix on an issue: one commit on djsec/fix/default and one pull
// request into the default branch, refreshed (never doubled) when asked
// again.
func TestDefaultBranchFix(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		engine fixup.Engine
		extra  map[string]string
	}{
		{"test engine", debugEngine, nil},
		// The real fixers document the variables they introduce in an
		// existing .env.example.
		{"package fixes", fixup.Fixes, map[string]string{".env.example": "DJANGO_SECRET_KEY=change-me\n"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			fx, err := fixup.New(fixup.Options{Clients: e.clients, DB: e.db, Engine: tt.engine})
			if err != nil {
				t.Fatal(err)
			}
			e.fx = fx
			files := map[string]string{"mysite/settings.py": unsafeSettings, "README.md": "hello\n"}
			for p, c := range tt.extra {
				files[p] = c
			}
			head := e.repo.Commit("main", files)

			reply := e.fixDefault(t)
			fixups := openFixups(e.repo)
			if len(fixups) != 1 {
				t.Fatalf("open fix-up pull requests: %d, want 1 (reply %q)", len(fixups), reply)
			}
			fp := fixups[0]
			if fp.HeadRef != fixup.DefaultBranch || fp.BaseRef != "main" {
				t.Errorf("fix-up %s → %s, want %s → main", fp.HeadRef, fp.BaseRef, fixup.DefaultBranch)
			}
			if !strings.Contains(reply, "#"+itoa(fp.Number)) || !strings.Contains(reply, "opened") {
				t.Errorf("reply does not link the pull request: %q", reply)
			}
			if !strings.Contains(fp.Title, "in main") || !strings.Contains(fp.Body, "| DJS201 | `mysite/settings.py` |") || !strings.Contains(fp.Body, "DJANGO_DEBUG") {
				t.Errorf("title %q body:\n%s", fp.Title, fp.Body)
			}
			fixed, _ := e.repo.File(fixup.DefaultBranch, "mysite/settings.py")
			if fixed == unsafeSettings {
				t.Error("settings unchanged on the fix-up branch")
			}
			if got := criticals(t, map[string][]byte{"mysite/settings.py": []byte(fixed)}); len(got) != 0 {
				t.Errorf("critical findings left after the fix: %v\n%s", got, fixed)
			}
			if got, _ := e.repo.File("main", "mysite/settings.py"); got != unsafeSettings {
				t.Error("the default branch itself was changed")
			}
			if n := e.gh.Count("POST /repos/{owner}/{repo}/git/commits", 201); n != 1 {
				t.Errorf("commits made: %d, want 1", n)
			}
			if len(e.repo.Comments()) != 0 {
				t.Errorf("comments: %+v; the reply is the command's", e.repo.Comments())
			}

			// Asked again after a push: the same pull request, rebuilt on the
			// new head.
			e.repo.Commit("main", map[string]string{"README.md": "more\n"})
			reply = e.fixDefault(t)
			fixups = openFixups(e.repo)
			if len(fixups) != 1 || fixups[0].Number != fp.Number {
				t.Fatalf("open fix-ups after asking again: %+v, want #%d alone", fixups, fp.Number)
			}
			if !strings.Contains(reply, "refreshed #"+itoa(fp.Number)) {
				t.Errorf("second reply: %q", reply)
			}
			if got, _ := e.repo.File(fixup.DefaultBranch, "README.md"); got != "more\n" {
				t.Errorf("fix-up branch not rebuilt on the new head: README %q", got)
			}
			if _, ok := e.repo.File(head, "mysite/settings.py"); !ok {
				t.Error("the first head lost")
			}

			// Fixed by hand on main: asking once more closes the fix-up.
			e.repo.Commit("main", map[string]string{"mysite/settings.py": safeSettings})
			reply = e.fixDefault(t)
			if n := len(openFixups(e.repo)); n != 0 {
				t.Errorf("open fix-ups after the findings are gone: %d", n)
			}
			if !strings.Contains(reply, "Nothing to fix") {
				t.Errorf("reply after the findings are gone: %q", reply)
			}
		})
	}
}

// Nothing fixable: no branch, no pull request, a reply that says why.
func TestDefaultBranchNothingToFix(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		files map[string]string
		rules []string
		want  string
	}{
		{"safe settings", map[string]string{"mysite/settings.py": safeSettings}, nil, "no critical finding djsec can fix"},
		{"rule named without a finding", map[string]string{"mysite/settings.py": unsafeSettings}, []string{"DJS101"}, "no fixable finding of DJS101"},
		{"fix_prs off", map[string]string{"mysite/settings.py": unsafeSettings, ".github/djsec.yml": "fix_prs: off\n"}, nil, "turned off"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.repo.Commit("main", tt.files)
			reply := e.fixDefault(t, tt.rules...)
			if !strings.Contains(reply, tt.want) {
				t.Errorf("reply %q, want %q in it", reply, tt.want)
			}
			if _, ok := e.repo.Branch(fixup.DefaultBranch); ok {
				t.Error("a fix-up branch was pushed")
			}
			if len(e.repo.Pulls()) != 0 || len(e.repo.Comments()) != 0 {
				t.Errorf("pulls %d comments %d, want none", len(e.repo.Pulls()), len(e.repo.Comments()))
			}
		})
	}
}

// A refused write: the reply says what happened and the branch made for
// the attempt is gone.
func TestDefaultBranchRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.repo.Commit("main", map[string]string{"mysite/settings.py": unsafeSettings})
	e.gh.FailTimes("POST /repos/{owner}/{repo}/pulls", 1, 403)
	reply := e.fixDefault(t)
	if !strings.Contains(reply, "403") {
		t.Errorf("reply %q", reply)
	}
	if _, ok := e.repo.Branch(fixup.DefaultBranch); ok {
		t.Error("the fix-up branch was left behind")
	}
	if len(openFixups(e.repo)) != 0 {
		t.Error("a fix-up was opened")
	}
}

// A person closed the fix-up: asking again opens a new one, still only one
// open.
func TestDefaultBranchClosedByAPerson(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.repo.Commit("main", map[string]string{"mysite/settings.py": unsafeSettings})
	e.fixDefault(t)
	first := openFixups(e.repo)
	if len(first) != 1 {
		t.Fatalf("open fix-ups: %d", len(first))
	}
	e.repo.ClosePull(first[0].Number)
	reply := e.fixDefault(t)
	now := openFixups(e.repo)
	if len(now) != 1 || now[0].Number == first[0].Number || !strings.Contains(reply, "opened #"+itoa(now[0].Number)) {
		t.Errorf("open fix-ups %+v reply %q", now, reply)
	}
}
