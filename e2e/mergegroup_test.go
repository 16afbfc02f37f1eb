package e2e

import (
	"strings"
	"testing"

	"github.com/djsec/djsec/githubapp/githubtest"
	"github.com/djsec/djsec/server/servertest"
)

// A repository requires djsec and merges through a merge queue: the queue
// builds a group on its read-only branch and asks for checks
// (merge_group checks_requested). The real `bot serve` answers with a
// completed djsec run on the group's head commit, judged against the
// queue's base — so the queue can merge, or holds back the group that adds
// a finding. Before, the event was not handled and the queue waited
// forever.
func TestStoryMergeQueueGetsACheckRun(t *testing.T) {
	t.Parallel()
	env := NewEnv(t, SQLite)
	repo := hardenedRepo(t, env)
	settings := servertest.ExampleFile(t, "hardened/mysite/settings.py")
	unsafe := servertest.Edit(t, settings, "DEBUG = False", "DEBUG = True")
	prHead := repo.Commit("feature", map[string]string{"mysite/settings.py": unsafe})
	pr := repo.AddPull(githubtest.Pull{HeadRef: "feature", Title: "Debug in production", User: "alice"})
	srv := env.Start(t)

	queue := githubtest.MergeQueueBranch("main", pr.Number, prHead)
	head := repo.Commit(queue, map[string]string{"mysite/settings.py": unsafe})
	srv.Deliver(t, "merge_group", env.GH.MergeGroupEvent(t, repo, "checks_requested", queue, "main"))
	run := completedRun(t, srv, repo, head)
	if run.Conclusion != "failure" {
		t.Fatalf("merge group run: %s, want failure:\n%s", run.Conclusion, run.Summary)
	}
	if !hasAnnotation(run, annotation{Path: "mysite/settings.py", Level: "failure", Title: "DJS201 debug-enabled", Line: 17}) {
		t.Errorf("merge group run lacks the DEBUG annotation; has %+v", annotationsOf(run))
	}
	if !strings.Contains(run.Summary, "Merge queue") {
		t.Errorf("summary does not name the merge queue:\n%s", run.Summary)
	}

	// A group that adds nothing unsafe passes.
	queue2 := githubtest.MergeQueueBranch("main", pr.Number+1, strings.Repeat("b", 40))
	head2 := repo.Commit(queue2, map[string]string{"README.md": "# shop\n"})
	srv.Deliver(t, "merge_group", env.GH.MergeGroupEvent(t, repo, "checks_requested", queue2, "main"))
	if run := completedRun(t, srv, repo, head2); run.Conclusion != "success" {
		t.Errorf("clean merge group run: %s, want success:\n%s", run.Conclusion, run.Summary)
	}
}
