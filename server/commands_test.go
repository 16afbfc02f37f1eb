package server

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-github/v88/github"

	"github.com/djsec/djsec/githubapp"
	"github.com/djsec/djsec/githubapp/githubtest"
	"github.com/djsec/djsec/jobs"
	"github.com/djsec/djsec/jobs/commandrun"
	"github.com/djsec/djsec/jobs/fixup"
	"github.com/djsec/djsec/store/storetest"
)

// `/djsec fix` on an issue reaches the default-branch fix-up: a pull
// request into main, named in the reply.
func TestCommandFixerOnAnIssue(t *testing.T) {
	t.Parallel()
	gh := githubtest.New(t)
	repo := gh.AddRepo(gh.AddInstallation(7, "octo-org"), "octo-org/mysite")
	repo.Commit("main", map[string]string{"mysite/settings.py": "import os\nSECRET_KEY = os.environ['K']\nDEBUG = True\nALLOWED_HOSTS = ['example.com']\n",
		".env.example": "K=change-me\n"})
	db := storetest.Open(t, storetest.SQLiteURL(t))
	clients, err := githubapp.NewClientCreator(githubapp.Config{
		BaseURL: gh.URL, AppID: gh.AppID(), PrivateKey: gh.AppPrivateKeyPEM(), ETags: db.ETags(),
		Sleep: func(ctx context.Context, d time.Duration) error { return ctx.Err() },
	})
	if err != nil {
		t.Fatal(err)
	}
	fx, err := fixup.New(fixup.Options{Clients: clients, DB: db, Engine: fixup.Fixes})
	if err != nil {
		t.Fatal(err)
	}
	gc, err := clients.NewInstallationClient(7)
	if err != nil {
		t.Fatal(err)
	}
	is, _, err := gc.Issues.Create(context.Background(), "octo-org", "mysite", &github.IssueRequest{Title: github.Ptr("djsec: Django security audit")})
	if err != nil {
		t.Fatal(err)
	}
	issue := is.GetNumber()
	reply, err := commandFixer{fx}.Fix(context.Background(), commandrun.Request{
		Origin: jobs.Origin{Installation: 7, Repo: "octo-org/mysite", RepoID: repo.ID}, Number: issue,
	})
	if err != nil {
		t.Fatal(err)
	}
	var open []githubtest.Pull
	for _, p := range repo.Pulls() {
		if p.State == "open" {
			open = append(open, p)
		}
	}
	if len(open) != 1 || open[0].HeadRef != fixup.DefaultBranch || open[0].BaseRef != "main" {
		t.Fatalf("pull requests %+v (reply %q)", open, reply)
	}
	if !strings.Contains(reply, "#"+strconv.Itoa(open[0].Number)) {
		t.Errorf("reply does not name the pull request: %q", reply)
	}
}
