package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/djsec/djsec/store"
	"github.com/djsec/djsec/store/storetest"
)

func TestAuditState(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, url string) {
		ctx := context.Background()
		db := storetest.Open(t, url)
		if _, err := db.Audit(ctx, 9); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown repository: %v, want ErrNotFound", err)
		}
		for _, s := range []store.AuditState{
			{RepoID: 9, Repo: "o/r", InputKey: "k1", SHA: "a", Branch: "main", IssueNumber: 3},
			{RepoID: 9, Repo: "o/r", InputKey: "k2", SHA: "b", Failing: []string{"s1.1", "s2.1"}, IssueNumber: 4},
		} {
			if err := db.SaveAudit(ctx, s); err != nil {
				t.Fatal(err)
			}
			got, err := db.Audit(ctx, 9)
			if err != nil {
				t.Fatal(err)
			}
			if got.InputKey != s.InputKey || got.SHA != s.SHA || got.Branch != s.Branch || got.IssueNumber != s.IssueNumber || !slices.Equal(got.Failing, s.Failing) {
				t.Errorf("got %+v, want %+v", got, s)
			}
		}
		t0 := time.Date(2026, 1, 5, 6, 0, 0, 0, time.UTC)
		for i := 0; i < 15; i++ {
			if err := db.AddAuditScore(ctx, 9, store.AuditScore{At: t0.AddDate(0, 0, 7*i), Pass: i, Automated: 49}); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.AddAuditScore(ctx, 10, store.AuditScore{At: t0, Pass: 1, Automated: 2}); err != nil {
			t.Fatal(err)
		}
		sc, err := db.AuditScores(ctx, 9, 12)
		if err != nil {
			t.Fatal(err)
		}
		if len(sc) != 12 || sc[0].Pass != 3 || sc[11].Pass != 14 || !sc[11].At.Equal(t0.AddDate(0, 0, 98)) {
			t.Errorf("last 12 scores oldest first: got %+v", sc)
		}
	})
}
