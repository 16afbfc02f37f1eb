package fixup_test

import (
	"context"
	"strings"
	"testing"

	"github.com/djsec/djsec/checks"
	"github.com/djsec/djsec/githubapp/githubtest"
	"github.com/djsec/djsec/jobs/fixup"
)

// A settings module that is a symbolic link: the fix is written to the
// file the link names and the link stays a link, as git would have it
// after editing the file through the link in a checkout.
func TestFixupWritesThroughSymlink(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.repo.Commit("feature", map[string]string{"config/prod.py": unsafeSettings})
	e.repo.Symlink("feature", "mysite/settings.py", "../config/prod.py")
	pr := e.repo.AddPull(githubtest.Pull{HeadRef: "feature"})
	if err := e.fx.Run(context.Background(), e.request(pr.Number)); err != nil {
		t.Fatal(err)
	}
	branch := fixup.Branch(pr.Number)
	if m := e.repo.Mode(branch, "mysite/settings.py"); m != "120000" {
		t.Errorf("mysite/settings.py on the fix-up branch has mode %q, want the link's 120000", m)
	}
	if link, _ := e.repo.File(branch, "mysite/settings.py"); link != "../config/prod.py" {
		t.Errorf("the link now holds %q", link)
	}
	if got, _ := e.repo.File(branch, "config/prod.py"); got != safeSettings {
		t.Errorf("the link's target on the fix-up branch:\n%s\nwant:\n%s", got, safeSettings)
	}
	fixups := openFixups(e.repo)
	if len(fixups) != 1 {
		t.Fatalf("%d fix-up pull requests, want 1", len(fixups))
	}
	// The fixers saw the file twice (link and target): one change listed.
	if n := strings.Count(fixups[0].Body, "| DJS201 | `config/prod.py` |"); n != 1 {
		t.Errorf("%d rows for the change of config/prod.py, want 1:\n%s", n, fixups[0].Body)
	}
}

// An edit of a link that leaves the repository cannot be written
// anywhere honest: it is refused, listed for a person, and the link stays.
func TestFixupRefusesLinkOutsideRepository(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.repo.Commit("feature", map[string]string{"mysite/settings.py": unsafeSettings})
	e.repo.Symlink("feature", ".env.example", "../shared/env.example")
	pr := e.repo.AddPull(githubtest.Pull{HeadRef: "feature"})
	e.fx = newFixup(t, e, fixup.EngineFunc(func(ctx context.Context, in checks.Input, rules []string) (*fixup.Result, error) {
		res, err := debugEngine(ctx, in, rules)
		if err != nil {
			return nil, err
		}
		// As the real fixers do when the settings read a new variable
		// and no .env.example was read.
		res.Files[".env.example"] = []byte("DJANGO_DEBUG=0\n")
		res.Changes = append(res.Changes, fixup.Change{Rule: "DJS201", Path: ".env.example", Description: "documents DJANGO_DEBUG"})
		return res, nil
	}))
	if err := e.fx.Run(context.Background(), e.request(pr.Number)); err != nil {
		t.Fatal(err)
	}
	branch := fixup.Branch(pr.Number)
	if m := e.repo.Mode(branch, ".env.example"); m != "120000" {
		t.Errorf(".env.example on the fix-up branch has mode %q, want the link's 120000", m)
	}
	if got, _ := e.repo.File(branch, "mysite/settings.py"); got != safeSettings {
		t.Errorf("the other edit was not kept:\n%s", got)
	}
	fixups := openFixups(e.repo)
	if len(fixups) != 1 {
		t.Fatalf("%d fix-up pull requests, want 1", len(fixups))
	}
	body := fixups[0].Body
	if !strings.Contains(body, "### Needs a person") || !strings.Contains(body, ".env.example\\` is a symbolic link") {
		t.Errorf("the refused edit is not listed for a person:\n%s", body)
	}
}
