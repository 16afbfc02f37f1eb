package auditrun_test

import (
	"strings"
	"testing"
	"time"

	"github.com/djsec/djsec/githubapp"
	"github.com/djsec/djsec/jobs"
	"github.com/djsec/djsec/server/servertest"
)

// Issue 19, bug 7: GitHub's permanent answers end the job at once. The
// audit of a repository whose issues are turned off gets 410 "Issues are
// disabled for this repo" and ends on its first attempt, through the real
// queue (which would retry anything else); the next weekly sweep does not
// queue it while the repository stays that way (GitHub's listing says
// has_issues: false), and queues it again once issues are back on.
func TestIssuesDisabledEndsTheAuditAndTheSweepSkipsIt(t *testing.T) {
	t.Parallel()
	s := servertest.Start(t, servertest.Options{})
	gh := s.GitHub()
	inst := gh.AddInstallation(42, "octo-org")
	off := gh.AddRepo(inst, "octo-org/no-issues")
	off.Commit("main", example(t, "startproject"))
	off.SetIssuesDisabled(true)
	on := gh.AddRepo(inst, "octo-org/shop")
	on.Commit("main", example(t, "startproject"))

	count := func(kind, outcome string) float64 {
		return s.Metric(t, "djsec_jobs_total", map[string]string{"kind": kind, "outcome": outcome})
	}

	s.Insert(t, jobs.AuditArgs{Origin: jobs.Origin{Installation: 42, Repo: off.FullName(), RepoID: off.ID}, Reason: "installed"})
	s.Wait(t, "the audit to end", func() bool { return count(jobs.KindAudit, "failed") > 0 })
	time.Sleep(200 * time.Millisecond) // room for a wrong retry
	if n := count(jobs.KindAudit, "retried"); n != 0 {
		t.Errorf("the audit was retried %v times, want 0: issues disabled is permanent", n)
	}
	if n := gh.Count("GET /repos/{owner}/{repo}/issues", 410); n != 1 {
		t.Errorf("%d answers 410 to the issue listing, want 1 (one attempt)", n)
	}
	if !strings.Contains(s.Logs(), string(githubapp.RefusedIssuesDisabled)) {
		t.Errorf("the log does not say why the audit ended (%q)", githubapp.RefusedIssuesDisabled)
	}

	sweep := func() {
		t.Helper()
		before := count(jobs.KindAuditSweep, "succeeded")
		s.Insert(t, jobs.AuditSweepArgs{Spread: time.Nanosecond})
		s.Wait(t, "the sweep", func() bool { return count(jobs.KindAuditSweep, "succeeded") > before })
	}
	gh.ResetRequests()
	sweep()
	s.Wait(t, "the audit of the other repository", func() bool { return count(jobs.KindAudit, "succeeded") >= 1 })
	time.Sleep(200 * time.Millisecond)
	for _, r := range gh.Requests() {
		if strings.HasPrefix(r.Path, "/repos/"+off.FullName()) {
			t.Errorf("the sweep audited %s although its issues are off: %s %s", off.FullName(), r.Method, r.Path)
		}
	}
	if count(jobs.KindAudit, "failed") != 1 {
		t.Errorf("%v audits failed, want still 1", count(jobs.KindAudit, "failed"))
	}

	// Issues back on: the next sweep queues its audit again (which, on
	// any day but the audit day, reads the branch and defers itself).
	off.SetIssuesDisabled(false)
	gh.ResetRequests()
	sweep()
	s.Wait(t, "the audit of the repository with issues again", func() bool {
		for _, r := range gh.Requests() {
			if strings.HasPrefix(r.Path, "/repos/"+off.FullName()+"/") {
				return true
			}
		}
		return false
	})
}
