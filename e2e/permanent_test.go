package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/djsec/djsec/githubapp/githubtest"
	"github.com/djsec/djsec/jobs"
	"github.com/djsec/djsec/server/servertest"
)

// Issue 19, bug 7, through the real binary: GitHub's permanent answers end
// the job on its first attempt instead of ten retries over four hours. A
// pull request's check on an archived repository (403 "Repository was
// archived so is read-only.") and `/djsec audit` on a repository with
// issues turned off (410) each end at once; the weekly sweep then leaves
// the repository without issues alone while auditing its neighbour.
func TestPermanentAnswersEndJobsAtOnce(t *testing.T) {
	ForEachDB(t, func(t *testing.T, db DBKind) {
		env := NewEnv(t, db)
		inst := env.GH.AddInstallation(installationID, owner)
		repo := env.GH.AddRepo(inst, repoName)
		files := servertest.ExampleTree(t, "hardened")
		files[".gitignore"] = gitignore
		repo.Commit("main", files)
		repo.SetPermission("maintainer", "maintain")
		repo.Commit("feature", map[string]string{"README.md": "feature\n"})
		pr := repo.AddPull(githubtest.Pull{HeadRef: "feature", User: "alice"})
		other := env.GH.AddRepo(inst, owner+"/archived")
		other.Commit("main", servertest.ExampleTree(t, "hardened"))
		other.Commit("feature", map[string]string{"README.md": "feature\n"})
		otherPR := other.AddPull(githubtest.Pull{HeadRef: "feature", User: "alice"})
		srv := env.Start(t)
		failed := func(kind string) float64 {
			return srv.Metric(t, "djsec_jobs_failures_total", map[string]string{"kind": kind})
		}
		retried := func(kind string) float64 {
			return srv.Metric(t, "djsec_jobs_retries_total", map[string]string{"kind": kind})
		}

		// A write to an archived repository.
		body := env.GH.PullRequestEvent(t, other, otherPR.Number, "opened")
		other.SetArchived(true)
		srv.Deliver(t, "pull_request", body)
		WaitFor(t, storyTimeout, "the check of the archived repository to end", func() bool { return failed(jobs.KindPullRequest) == 1 }, srv)

		// Issues turned off: /djsec audit on a pull request (its comments
		// still work) queues an audit that meets 410 when it looks for its
		// issue.
		repo.SetIssuesDisabled(true)
		command(t, env, srv, repo, pr.Number, true, "maintainer", "/djsec audit")
		WaitFor(t, storyTimeout, "the audit to end", func() bool { return failed(jobs.KindAudit) == 1 }, srv)
		time.Sleep(500 * time.Millisecond) // room for a wrong retry
		for _, kind := range []string{jobs.KindPullRequest, jobs.KindAudit} {
			if n := retried(kind); n != 0 {
				t.Errorf("%s jobs retried %v times, want 0: GitHub's answer was permanent", kind, n)
			}
		}
		if n := env.GH.Count("POST /repos/{owner}/{repo}/check-runs", 403); n != 1 {
			t.Errorf("%d check runs refused on the archived repository, want 1 (one attempt)", n)
		}
		if n := env.GH.Count("GET /repos/{owner}/{repo}/issues", 410); n != 1 {
			t.Errorf("%d issue listings refused, want 1 (one attempt)", n)
		}
		if !strings.Contains(srv.Logs(), "the repository has issues turned off") {
			t.Errorf("the log does not say why the audit ended")
		}

		// The weekly sweep: the archived repository and the one without
		// issues are not audited; a third, ordinary one is.
		plain := env.GH.AddRepo(inst, owner+"/plain")
		plain.Commit("main", servertest.ExampleTree(t, "hardened"))
		env.GH.ResetRequests()
		env.InsertJob(t, jobs.AuditSweepArgs{Spread: time.Nanosecond})
		WaitFor(t, storyTimeout, "the audit of the ordinary repository", func() bool {
			return srv.Metric(t, "djsec_jobs_total", map[string]string{"kind": jobs.KindAudit, "outcome": "succeeded"}) >= 1
		}, srv)
		for _, r := range env.GH.Requests() {
			if strings.HasPrefix(r.Path, "/repos/"+repo.FullName()+"/") || strings.HasPrefix(r.Path, "/repos/"+other.FullName()+"/") {
				t.Errorf("the sweep audited a repository it should skip: %s %s", r.Method, r.Path)
			}
		}
		if n := failed(jobs.KindAudit); n != 1 {
			t.Errorf("%v audits failed, want still 1", n)
		}
	})
}
