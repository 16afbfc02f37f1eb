package jobs_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/djsec/djsec/jobs"
	"github.com/djsec/djsec/store/storetest"
)

// A burst of deliveries, some of them copies of one another: they are
// committed in groups, every distinct delivery gets exactly one job and
// one row, and every copy is told it is one — on SQLite and on Postgres.
func TestIntakeCommitsBurstsInGroups(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, url string) {
		rec := newRecorder()
		e := start(t, url, jobs.Options{Processors: jobs.RegistryOf[jobs.PullRequestArgs](rec)})
		const distinct, copies = 150, 2
		var mu sync.Mutex
		queued := map[string]int64{}
		duplicates := 0
		var wg sync.WaitGroup
		for i := range distinct * copies {
			wg.Add(1)
			go func() {
				defer wg.Done()
				id := fmt.Sprintf("burst-%03d", i%distinct)
				r, err := e.queue.Enqueue(context.Background(), "pull_request", "opened", prArgs(id))
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				defer mu.Unlock()
				if r.Duplicate {
					duplicates++
					return
				}
				if _, twice := queued[id]; twice {
					t.Errorf("delivery %s queued twice", id)
				}
				queued[id] = r.JobID
			}()
		}
		wg.Wait()
		if len(queued) != distinct || duplicates != distinct*(copies-1) {
			t.Fatalf("queued %d, duplicates %d; want %d and %d", len(queued), duplicates, distinct, distinct*(copies-1))
		}
		rec.wait(t, distinct)
		for id, job := range queued {
			if n := rec.count(id); n != 1 {
				t.Errorf("delivery %s ran %d times", id, n)
			}
			d, err := e.db.Delivery(context.Background(), id)
			if err != nil || d.JobID != job {
				t.Errorf("delivery row %s: %+v, %v; want job %d", id, d, err, job)
			}
		}
		if n, err := e.db.CountDeliveries(context.Background()); err != nil || n != distinct {
			t.Errorf("%d delivery rows (%v), want %d", n, err, distinct)
		}
		groups, grouped := jobs.IntakeGroups(e.queue)
		if groups == 0 {
			t.Errorf("no group commit among %d concurrent deliveries", distinct*copies)
		}
		t.Logf("%d groups held %d of %d deliveries", groups, grouped, distinct*copies)
	})
}
