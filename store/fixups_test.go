package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/djsec/djsec/store"
	"github.com/djsec/djsec/store/storetest"
)

func TestFixups(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, url string) {
		ctx := context.Background()
		db := storetest.Open(t, url)
		if _, err := db.Fixup(ctx, 7, 1); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing fix-up: %v, want ErrNotFound", err)
		}
		f := store.Fixup{RepoID: 7, PR: 1, FixupPR: 2, Branch: "djsec/fix/pr-1", State: "open", HeadSHA: "abc"}
		if err := db.SaveFixup(ctx, f); err != nil {
			t.Fatal(err)
		}
		// One row per pull request: a second save replaces it.
		f.State, f.HeadSHA = "closed", "def"
		if err := db.SaveFixup(ctx, f); err != nil {
			t.Fatal(err)
		}
		got, err := db.Fixup(ctx, 7, 1)
		if err != nil || got != f {
			t.Errorf("Fixup = %+v, %v; want %+v", got, err, f)
		}
		if _, err := db.Fixup(ctx, 8, 1); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("another repository's pull request 1: %v", err)
		}
	})
}
