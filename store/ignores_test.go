package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/djsec/djsec/store"
	"github.com/djsec/djsec/store/storetest"
)

func TestIgnoresAddListRemove(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, url string) {
		ctx := context.Background()
		db := storetest.Open(t, url)
		until := time.Date(2030, 7, 1, 0, 0, 0, 0, time.UTC)
		add := func(ig store.Ignore, wantReplaced bool) {
			t.Helper()
			replaced, err := db.AddIgnore(ctx, ig)
			if err != nil {
				t.Fatal(err)
			}
			if replaced != wantReplaced {
				t.Errorf("add %+v: replaced %v, want %v", ig, replaced, wantReplaced)
			}
		}
		add(store.Ignore{RepoID: 1, Rule: "DJS703", PathGlob: "legacy/**", Reason: "VPN only", By: "alice", Until: until}, false)
		add(store.Ignore{RepoID: 1, Rule: "DJS201", Reason: "first", By: "alice"}, false)
		add(store.Ignore{RepoID: 1, Rule: "DJS201", Reason: "second", By: "bob"}, true)
		add(store.Ignore{RepoID: 1, Rule: "DJS201", PR: 7, Reason: "this PR", By: "bob"}, false)
		add(store.Ignore{RepoID: 2, Rule: "DJS201", Reason: "other repo", By: "carol"}, false)

		all, err := db.Ignores(ctx, 1, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 3 {
			t.Fatalf("repo 1 has %d ignores, want 3: %+v", len(all), all)
		}
		if all[0].Rule != "DJS201" || all[0].Reason != "second" || all[0].By != "bob" || all[0].PR != 0 || !all[0].Until.IsZero() {
			t.Errorf("replaced ignore = %+v", all[0])
		}
		if all[2].Rule != "DJS703" || !all[2].Until.Equal(until) || all[2].PathGlob != "legacy/**" {
			t.Errorf("ignore with glob and expiry = %+v", all[2])
		}
		for pr, want := range map[int]int{7: 3, 8: 2} {
			got, err := db.Ignores(ctx, 1, pr)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != want {
				t.Errorf("PR %d sees %d ignores, want %d: %+v", pr, len(got), want, got)
			}
		}

		// unignore on PR 7 removes the repository-wide one and PR 7's.
		n, err := db.RemoveIgnores(ctx, 1, "DJS201", "", 7)
		if err != nil || n != 2 {
			t.Fatalf("remove = %d, %v; want 2", n, err)
		}
		if n, _ := db.RemoveIgnores(ctx, 1, "DJS703", "other/**", 0); n != 0 {
			t.Errorf("a different glob removed %d", n)
		}
		if left, _ := db.Ignores(ctx, 1, 0); len(left) != 1 {
			t.Errorf("left %+v, want the DJS703 one", left)
		}
		if other, _ := db.Ignores(ctx, 2, 0); len(other) != 1 {
			t.Errorf("repo 2 lost its ignore: %+v", other)
		}
	})
}

func TestCommandLogRepliesAndUses(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, url string) {
		ctx := context.Background()
		db := storetest.Open(t, url)
		for _, e := range []store.CommandLogEntry{
			{RepoID: 1, Repo: "o/r", Number: 3, CommentID: 10, Login: "alice", Command: "/djsec recheck", OK: true, Result: "rechecked"},
			{RepoID: 1, Repo: "o/r", Number: 3, CommentID: 11, Login: "mallory", Command: "/djsec ignore DJS201 -- x", Result: "refused"},
		} {
			if err := db.LogCommand(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		log, err := db.CommandLog(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(log) != 2 || !log[0].OK || log[1].OK || log[1].Login != "mallory" || log[0].At.IsZero() {
			t.Errorf("log = %+v", log)
		}

		if _, err := db.CommandReply(ctx, 1, 10); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("no reply yet: %v, want ErrNotFound", err)
		}
		for _, id := range []int64{100, 101} {
			if err := db.SaveCommandReply(ctx, 1, 10, id); err != nil {
				t.Fatal(err)
			}
		}
		if id, err := db.CommandReply(ctx, 1, 10); err != nil || id != 101 {
			t.Errorf("reply = %d, %v; want 101", id, err)
		}

		t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
		_ = db.RecordCommandUses(ctx, 1, "alice", t0, 4, false)
		_ = db.RecordCommandUses(ctx, 1, "alice", t0.Add(30*time.Second), 6, false)
		_ = db.RecordCommandUses(ctx, 1, "bob", t0.Add(30*time.Second), 1, false)
		if n, noticed, err := db.CommandUses(ctx, 1, "alice", t0.Add(-time.Second)); err != nil || n != 10 || noticed {
			t.Errorf("uses = %d, %v, %v; want 10, false", n, noticed, err)
		}
		_ = db.RecordCommandUses(ctx, 1, "alice", t0.Add(40*time.Second), 0, true)
		if n, noticed, _ := db.CommandUses(ctx, 1, "alice", t0.Add(10*time.Second)); n != 6 || !noticed {
			t.Errorf("uses in the last window = %d, %v; want 6, true", n, noticed)
		}
		if n, err := db.PruneCommandUses(ctx, t0.Add(35*time.Second)); err != nil || n != 3 {
			t.Errorf("pruned %d, %v; want 3", n, err)
		}
	})
}
