package jobs

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/djsec/djsec/store"
)

// A group whose transaction fails is committed one delivery at a time:
// the bad delivery gets its error, the others their jobs.
func TestIntakeFailedGroupCommitsEachAlone(t *testing.T) {
	t.Parallel()
	entered, release := make(chan struct{}), make(chan struct{})
	var mu sync.Mutex
	var alone []string
	var groups []int
	in := &intake{requests: make(chan *intakeRequest), stop: make(chan struct{}), writers: 1,
		commit: func(ctx context.Context, group []*intakeRequest) error {
			mu.Lock()
			groups = append(groups, len(group))
			mu.Unlock()
			return errors.New("database is locked")
		},
		one: func(ctx context.Context, d store.Delivery, args Args) (int64, bool, error) {
			if d.ID == "first" {
				close(entered)
				<-release // hold the writer so the others gather into one group
			}
			mu.Lock()
			alone = append(alone, d.ID)
			mu.Unlock()
			if d.ID == "bad" {
				return 0, false, errors.New("constraint failed")
			}
			return int64(len(d.ID)), true, nil
		}}
	defer in.close()
	type outcome struct {
		id  string
		job int64
		err error
	}
	out := make(chan outcome, 4)
	send := func(id string) {
		job, _, err := in.submit(context.Background(), store.Delivery{ID: id}, PullRequestArgs{})
		out <- outcome{id, job, err}
	}
	// "first" is alone in its group (nothing else waited): committed by one.
	go send("first")
	<-entered
	for _, id := range []string{"ok-1", "bad", "ok-22"} {
		go send(id)
	}
	// Room for the three to reach the hand-over; should one be late it
	// commits in a group of its own and the check on groups below says so.
	time.Sleep(50 * time.Millisecond)
	close(release)
	got := map[string]outcome{}
	for range 4 {
		o := <-out
		got[o.id] = o
	}
	if got["bad"].err == nil {
		t.Errorf("the bad delivery reported no error")
	}
	for _, id := range []string{"first", "ok-1", "ok-22"} {
		if got[id].err != nil || got[id].job != int64(len(id)) {
			t.Errorf("%s: %+v", id, got[id])
		}
	}
	if !slices.Equal(groups, []int{3}) {
		t.Errorf("groups tried: %v, want one of three", groups)
	}
	if len(alone) != 4 {
		t.Errorf("committed alone: %v, want all four", alone)
	}
}

// After the queue stops, a late delivery is committed alone at once.
func TestIntakeAfterCloseCommitsAlone(t *testing.T) {
	t.Parallel()
	in := &intake{requests: make(chan *intakeRequest), stop: make(chan struct{}), writers: 1,
		commit: func(context.Context, []*intakeRequest) error { t.Error("a group after close"); return nil },
		one:    func(context.Context, store.Delivery, Args) (int64, bool, error) { return 7, true, nil }}
	in.close()
	if job, inserted, err := in.submit(context.Background(), store.Delivery{ID: "late"}, PullRequestArgs{}); err != nil || job != 7 || !inserted {
		t.Fatalf("late delivery: %d %v %v", job, inserted, err)
	}
}
