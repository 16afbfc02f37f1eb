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

// The prune deletes what is older than its retention and keeps the rest,
// on both databases.
func TestPrunerDeletesOnlyOldRows(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, url string) {
		db := storetest.Open(t, url)
		ctx := context.Background()
		now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
		for id, at := range map[string]time.Time{"old": now.Add(-20 * 24 * time.Hour), "recent": now.Add(-time.Hour)} {
			if _, err := store.InsertDelivery(ctx, db.Q(), store.Delivery{ID: id, Event: "ping", JobID: 1, ReceivedAt: at}); err != nil {
				t.Fatal(err)
			}
		}
		p := jobs.Pruner{DB: db, Retention: jobs.DefaultRetention, Now: func() time.Time { return now }}
		if err := p.Process(ctx, jobs.Job[jobs.PruneArgs]{}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Delivery(ctx, "old"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a 20-day-old delivery survived the prune (err %v)", err)
		}
		if _, err := db.Delivery(ctx, "recent"); err != nil {
			t.Errorf("an hour-old delivery was pruned: %v", err)
		}
	})
}
