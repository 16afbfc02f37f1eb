package store_test

import (
	"context"
	"testing"

	"github.com/djsec/djsec/store"
	"github.com/djsec/djsec/store/storetest"
)

func TestClaimComment(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, url string) {
		db := storetest.Open(t, url)
		ctx := context.Background()
		step := func(version string, job int64, want store.Claim) {
			t.Helper()
			got, _, err := db.ClaimComment(ctx, 1, 10, version, job)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("claim %s by job %d: %d, want %d", version, job, got, want)
			}
		}
		step("v1", 100, store.ClaimRun)  // first answer
		step("v1", 100, store.ClaimRun)  // its retry
		step("v1", 101, store.ClaimSkip) // a replay
		step("v2", 102, store.ClaimBusy) // an edit while v1 has no reply yet
		if err := db.SaveCommandReply(ctx, 1, 10, 555); err != nil {
			t.Fatal(err)
		}
		step("v2", 102, store.ClaimRun) // then it edits the reply
		if _, reply, err := db.ClaimComment(ctx, 1, 10, "v2", 102); err != nil || reply != 555 {
			t.Errorf("the claim's reply: %d %v, want 555", reply, err)
		}
		step("v1", 103, store.ClaimSkip) // an older version arriving late
		if id, err := db.CommandReply(ctx, 1, 10); err != nil || id != 555 {
			t.Errorf("reply %d %v", id, err)
		}
	})
}
