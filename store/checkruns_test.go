package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/djsec/djsec/store"
	"github.com/djsec/djsec/store/storetest"
)

func TestPRHeadsMoveForwardOnly(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, url string) {
		ctx := context.Background()
		db := storetest.Open(t, url)
		if _, err := db.PRHead(ctx, 1, 7); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown PR: %v, want ErrNotFound", err)
		}
		t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
		steps := []struct {
			sha     string
			at      time.Time
			want    bool
			current string
		}{
			{"aaa", t0, true, "aaa"},
			{"bbb", t0.Add(time.Minute), true, "bbb"},
			{"old", t0.Add(30 * time.Second), false, "bbb"}, // a late redelivery
			{"ccc", t0.Add(time.Minute), true, "ccc"},       // same second: the later event wins
		}
		for _, s := range steps {
			got, err := store.RecordPRHead(ctx, db.Q(), store.PRHead{RepoID: 1, Number: 7, HeadSHA: s.sha, UpdatedAt: s.at})
			if err != nil {
				t.Fatal(err)
			}
			if got != s.want {
				t.Errorf("record %s at %v = %v, want %v", s.sha, s.at, got, s.want)
			}
			h, err := db.PRHead(ctx, 1, 7)
			if err != nil {
				t.Fatal(err)
			}
			if h.HeadSHA != s.current {
				t.Errorf("after %s: head %s, want %s", s.sha, h.HeadSHA, s.current)
			}
		}
		// Another PR of the same repository is separate.
		if _, err := store.RecordPRHead(ctx, db.Q(), store.PRHead{RepoID: 1, Number: 8, HeadSHA: "zzz", UpdatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		if h, _ := db.PRHead(ctx, 1, 7); h.HeadSHA != "ccc" || !h.UpdatedAt.Equal(t0.Add(time.Minute)) {
			t.Errorf("PR 7 = %+v", h)
		}
		if n, err := db.PrunePRHeads(ctx, time.Now().Add(time.Hour)); err != nil || n != 2 {
			t.Errorf("prune = %d, %v; want 2", n, err)
		}
	})
}

func TestCheckRunClaims(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, url string) {
		ctx := context.Background()
		db := storetest.Open(t, url)
		key := store.CheckRunState{RepoID: 5, HeadSHA: "abc", Repo: "o/r", PR: 3}
		if _, err := db.CheckRun(ctx, 5, "abc"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("no row yet: %v", err)
		}

		s, claimed, fresh, err := db.ClaimCheckRun(ctx, key, "job:1:1", time.Minute)
		if err != nil || !claimed || !fresh {
			t.Fatalf("first claim = %v %v %v", claimed, fresh, err)
		}
		if s.PR != 3 || s.Repo != "o/r" || s.LeaseOwner != "job:1:1" || time.Until(s.LeaseUntil) < 50*time.Second {
			t.Errorf("claimed row %+v", s)
		}
		// Another job cannot take it while the lease runs; the owner can again.
		if _, claimed, _, err := db.ClaimCheckRun(ctx, key, "job:2:1", time.Minute); err != nil || claimed {
			t.Fatalf("second owner claimed a leased row: %v %v", claimed, err)
		}
		if _, claimed, fresh, err := db.ClaimCheckRun(ctx, key, "job:1:1", time.Minute); err != nil || !claimed || fresh {
			t.Fatalf("owner re-claim = %v %v %v", claimed, fresh, err)
		}

		s.CheckRunID, s.ExternalID, s.Status, s.Conclusion, s.AnnotationsSent = 99, "djsec:v1:x", "completed", "success", 50
		if err := db.SaveCheckRun(ctx, "job:2:1", s); !errors.Is(err, store.ErrLeaseLost) {
			t.Fatalf("save by a non-owner: %v, want ErrLeaseLost", err)
		}
		if err := db.SaveCheckRun(ctx, "job:1:1", s); err != nil {
			t.Fatal(err)
		}
		if err := db.ReleaseCheckRun(ctx, 5, "abc", "job:1:1"); err != nil {
			t.Fatal(err)
		}
		back, err := db.CheckRun(ctx, 5, "abc")
		if err != nil {
			t.Fatal(err)
		}
		if back.CheckRunID != 99 || back.ExternalID != "djsec:v1:x" || back.Status != "completed" || back.Conclusion != "success" ||
			back.AnnotationsSent != 50 || back.LeaseOwner != "" {
			t.Errorf("read back %+v", back)
		}

		// Released: another job takes it; the row is not fresh.
		if _, claimed, fresh, err := db.ClaimCheckRun(ctx, key, "job:2:1", time.Millisecond); err != nil || !claimed || fresh {
			t.Fatalf("claim after release = %v %v %v", claimed, fresh, err)
		}
		// An expired lease is taken over.
		time.Sleep(5 * time.Millisecond)
		if _, claimed, _, err := db.ClaimCheckRun(ctx, key, "job:3:1", time.Minute); err != nil || !claimed {
			t.Fatalf("claim of an expired lease = %v %v", claimed, err)
		}
		if err := db.SaveCheckRun(ctx, "job:2:1", back); !errors.Is(err, store.ErrLeaseLost) {
			t.Errorf("save after the lease expired: %v, want ErrLeaseLost", err)
		}
		if n, err := db.PruneCheckRuns(ctx, time.Now().Add(time.Hour)); err != nil || n != 1 {
			t.Errorf("prune = %d, %v", n, err)
		}
	})
}

// Many jobs racing for one commit: exactly one holds the lease.
func TestCheckRunClaimRace(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, url string) {
		ctx := context.Background()
		db := storetest.Open(t, url)
		key := store.CheckRunState{RepoID: 9, HeadSHA: "def", Repo: "o/r", PR: 1}
		var wg sync.WaitGroup
		var mu sync.Mutex
		winners := 0
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, claimed, _, err := db.ClaimCheckRun(ctx, key, "job:"+string(rune('a'+i)), time.Minute)
				if err != nil {
					t.Error(err)
					return
				}
				if claimed {
					mu.Lock()
					winners++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if winners != 1 {
			t.Fatalf("%d jobs claimed the row, want 1", winners)
		}
	})
}
