package jobs_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/djsec/djsec/jobs"
	"github.com/djsec/djsec/store"
	"github.com/djsec/djsec/store/storetest"
)

// Enqueueing a pull request's job records its head in the same
// transaction; a redelivery or an older event does not move it back, and a
// closed pull request records nothing.
func TestEnqueueRecordsPRHead(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, url string) {
		rec := newRecorder()
		e := start(t, url, jobs.Options{Processors: jobs.RegistryOf[jobs.PullRequestArgs](rec)})
		ctx := context.Background()
		t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
		pr := func(delivery, action, sha string, at time.Time) jobs.PullRequestArgs {
			a := prArgs(delivery)
			a.Action, a.HeadSHA, a.UpdatedAt, a.ChangedFiles = action, sha, at, 3
			return a
		}
		steps := []struct {
			args jobs.PullRequestArgs
			want string
		}{
			{pr("d-1", "opened", "aaa", t0), "aaa"},
			{pr("d-2", "synchronize", "bbb", t0.Add(time.Minute)), "bbb"},
			{pr("d-1", "opened", "aaa", t0), "bbb"},                         // the same delivery again
			{pr("d-3", "synchronize", "aaa", t0), "bbb"},                    // an older event, delivered late
			{pr("d-4", "closed", "zzz", t0.Add(2*time.Minute)), "bbb"},      // closing checks nothing
			{pr("d-5", "reopened", "bbb", t0.Add(3*time.Minute)), "bbb"},    // reopened at the same head
			{pr("d-6", "synchronize", "ccc", t0.Add(4*time.Minute)), "ccc"}, // a newer push
		}
		for _, s := range steps {
			if _, err := e.queue.Enqueue(ctx, "pull_request", s.args.Action, s.args); err != nil {
				t.Fatal(err)
			}
			h, err := e.db.PRHead(ctx, 1, 12)
			if err != nil {
				t.Fatal(err)
			}
			if h.HeadSHA != s.want {
				t.Fatalf("after %s %s: head %s, want %s", s.args.Delivery, s.args.Action, h.HeadSHA, s.want)
			}
		}
		rec.wait(t, 6)
	})
}

// Args that do not move a head record none.
func TestEnqueueRecordsNoHeadForOtherKinds(t *testing.T) {
	t.Parallel()
	e := start(t, storetest.SQLiteURL(t), jobs.Options{})
	ctx := context.Background()
	args := jobs.CheckRerunArgs{Origin: jobs.Origin{Delivery: "r-1", Installation: 7, Repo: "octo/app", RepoID: 1},
		Event: "check_suite", Action: "rerequested", HeadSHA: "aaa", PullRequests: []int{12}}
	if _, err := e.queue.Enqueue(ctx, "check_suite", "rerequested", args); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.PRHead(ctx, 1, 12); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a rerun recorded a head: %v", err)
	}
}
