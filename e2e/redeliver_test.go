package e2e

import (
	"testing"
	"time"

	"github.com/djsec/djsec/githubapp/githubtest"
	"github.com/djsec/djsec/jobs"
)

const redeliverRoute = "POST /app/hook/deliveries/{delivery_id}/attempts"

// Issue 19, bug 5: GitHub never redelivers a failed webhook on its own. A
// pull request opened while the server was down (its proxy answered 503)
// is asked for again by the sweep the restarted server runs at start, goes
// through the real handler and becomes exactly one job and one check run;
// a delivery the server did record (only its answer was lost) and one a
// person already redelivered are not asked for, and a later sweep asks for
// nothing twice.
func TestMissedDeliveryIsRedeliveredAtStart(t *testing.T) {
	ForEachDB(t, func(t *testing.T, db DBKind) {
		env := NewEnv(t, db)
		repo := hardenedRepo(t, env)
		pr := func(branch string) (*githubtest.Pull, []byte) {
			repo.Commit(branch, map[string]string{"README.md": branch + "\n"})
			p := repo.AddPull(githubtest.Pull{HeadRef: branch, BaseRef: "main", User: "dev"})
			return p, env.GH.PullRequestEvent(t, repo, p.Number, "opened")
		}
		srv := env.Start(t)
		env.GH.SetWebhook(srv.URL+"/webhook", env.Secret)

		// Recorded by the server, but GitHub saw no answer in time.
		recordedPR, recordedBody := pr("recorded")
		recorded := env.NewDeliveryID()
		if code, err := srv.Post("pull_request", recorded, recordedBody); err != nil || code != 202 {
			t.Fatalf("deliver: %d %v", code, err)
		}
		completedRun(t, srv, repo, recordedPR.HeadSHA)
		srv.Stop(t)

		past := time.Now().Add(-10 * time.Minute)
		env.GH.AddHookDelivery(githubtest.HookDelivery{GUID: recorded, Event: "pull_request", Action: "opened",
			StatusCode: 0, DeliveredAt: past, InstallationID: installationID, RepositoryID: repo.ID, Payload: recordedBody})
		// Answered 503 while the server was down, redelivered by hand since.
		handPR, handBody := pr("by-hand")
		env.GH.AddHookDelivery(githubtest.HookDelivery{GUID: "by-hand", Event: "pull_request", Action: "opened",
			StatusCode: 503, DeliveredAt: past, InstallationID: installationID, RepositoryID: repo.ID, Payload: handBody})
		env.GH.AddHookDelivery(githubtest.HookDelivery{GUID: "by-hand", Event: "pull_request", Action: "opened",
			StatusCode: 202, Redelivery: true, DeliveredAt: past.Add(time.Minute), InstallationID: installationID, RepositoryID: repo.ID, Payload: handBody})
		// The one lost: answered 503 and never delivered again.
		lostPR, lostBody := pr("lost")
		lost := env.GH.AddHookDelivery(githubtest.HookDelivery{Event: "pull_request", Action: "opened",
			StatusCode: 503, DeliveredAt: past.Add(2 * time.Minute), InstallationID: installationID, RepositoryID: repo.ID, Payload: lostBody})

		srv.Restart(t)
		completedRun(t, srv, repo, lostPR.HeadSHA)
		env.GH.WaitRedeliveries()

		if n := env.GH.Count(redeliverRoute, 202); n != 1 {
			t.Fatalf("%d redeliveries asked for, want 1 (the lost delivery only)", n)
		}
		var again []githubtest.HookDelivery
		for _, d := range env.GH.HookDeliveries() {
			if d.GUID == lost.GUID && d.Redelivery {
				again = append(again, d)
			}
		}
		if len(again) != 1 || again[0].StatusCode != 202 {
			t.Fatalf("redeliveries of %s: %+v, want one answered 202", lost.GUID, again)
		}
		if n := len(runsOn(repo, handPR.HeadSHA)); n != 0 {
			t.Errorf("%d check runs on the pull request redelivered by hand, want 0 (nobody asked for it again)", n)
		}
		if n := len(runsOn(repo, recordedPR.HeadSHA)); n != 1 {
			t.Errorf("%d check runs on the recorded pull request, want 1", n)
		}

		// A second sweep finds the GUID delivered and asks for nothing.
		t.Logf("inserted job %d", env.InsertJob(t, jobs.RedeliverArgs{}))
		WaitFor(t, storyTimeout, "a second redelivery sweep", func() bool {
			return srv.Metric(t, "djsec_jobs_total", map[string]string{"kind": jobs.KindRedeliver, "outcome": "succeeded"}) >= 2
		}, srv)
		if n := env.GH.Count(redeliverRoute, 0); n != 1 {
			t.Errorf("%d redeliveries asked for after the second sweep, want still 1", n)
		}
		if n := srv.Metric(t, "djsec_jobs_total", map[string]string{"kind": jobs.KindPullRequest}); n != 1 {
			t.Errorf("%v pull_request jobs after the restart, want exactly 1 (the lost delivery's)", n)
		}
		if n := len(runsOn(repo, lostPR.HeadSHA)); n != 1 {
			t.Errorf("%d check runs on the lost delivery's pull request, want 1", n)
		}
		for name, want := range map[string]float64{"djsec_redelivery_found_total": 1, "djsec_redelivery_requested_total": 1, "djsec_redelivery_failed_total": 0} {
			if got := srv.Metric(t, name, nil); got != want {
				t.Errorf("%s = %v, want %v", name, got, want)
			}
		}
	})
}
