package fixup_test

import (
	"context"
	"testing"

	"github.com/djsec/djsec/githubapp/githubtest"
	"github.com/djsec/djsec/jobs/fixup"
)

// The shipped fixers end to end: the fix-up branch's files pass the
// analyzer at critical.
func TestShippedFixers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fx, err := fixup.New(fixup.Options{Clients: e.clients, DB: e.db, Engine: fixup.Fixes})
	if err != nil {
		t.Fatal(err)
	}
	e.repo.Commit("feature", map[string]string{"mysite/settings.py": unsafeSettings, ".env.example": "DJANGO_SECRET_KEY=\n"})
	pr := e.repo.AddPull(githubtest.Pull{HeadRef: "feature"})
	if err := fx.Run(context.Background(), e.request(pr.Number)); err != nil {
		t.Fatal(err)
	}
	if n := len(openFixups(e.repo)); n != 1 {
		t.Fatalf("open fix-ups: %d, want 1", n)
	}
	files := map[string][]byte{}
	for _, p := range []string{"mysite/settings.py", ".env.example", ".gitignore"} {
		if b, ok := e.repo.File(fixup.Branch(pr.Number), p); ok {
			files[p] = []byte(b)
		}
	}
	if got := criticals(t, files); len(got) != 0 {
		t.Errorf("critical findings on the fix-up branch: %v\n%s", got, files["mysite/settings.py"])
	}
}
