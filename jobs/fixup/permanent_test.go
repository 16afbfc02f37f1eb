package fixup_test

import (
	"context"
	"errors"
	"testing"

	"github.com/djsec/djsec/githubapp/githubtest"
	"github.com/djsec/djsec/jobs"
	"github.com/djsec/djsec/jobs/fixup"
)

// Issue 19, bug 7: a fix-up for a repository archived since it was asked
// for meets 403 "Repository was archived so is read-only." on its first
// write, and again on the edit of its reply: the job ends at once instead
// of being retried (the old code retried it for the reply's sake).
func TestFixupOnArchivedRepositoryEndsAtOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.repo.Commit("feature", map[string]string{"mysite/settings.py": unsafeSettings})
	pr := e.repo.AddPull(githubtest.Pull{HeadRef: "feature"})
	reply := e.repo.AddComment(pr.Number, "djsec[bot]", "✅ `/djsec fix`\n\n"+fixup.Pending(true))
	e.repo.SetArchived(true)
	args := jobs.FixupArgs{Origin: jobs.Origin{Installation: 42, Repo: "octo-org/mysite", RepoID: e.repo.ID}, Number: pr.Number, PullRequest: true, Reply: reply}
	err := e.fx.Process(context.Background(), jobs.Job[jobs.FixupArgs]{Args: args, Attempt: 1, MaxAttempts: 5})
	if !errors.Is(err, jobs.ErrPermanent) {
		t.Fatalf("attempt 1 of 5: %v, want ErrPermanent\n%s", err, e.gh.BudgetReport())
	}
	if n := e.gh.Count("POST /repos/{owner}/{repo}/git/blobs", 403) + e.gh.Count("POST /repos/{owner}/{repo}/git/trees", 403) +
		e.gh.Count("POST /repos/{owner}/{repo}/git/refs", 403); n == 0 {
		t.Errorf("no write was refused: the test did not reach GitHub's answer")
	}
	if n := len(openFixups(e.repo)); n != 0 {
		t.Errorf("%d fix-up pull requests on an archived repository", n)
	}
}
