package commandrun_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"
)

// Only write, maintain and admin may run a mutating command; every other
// level, and no access at all, is refused and changes nothing.
func TestPermissionLevels(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		perm string // "" : not a collaborator (public repository: read)
		ok   bool
	}{
		{"", false}, {"read", false}, {"triage", false},
		{"write", true}, {"maintain", true}, {"admin", true},
	} {
		t.Run("perm="+tc.perm, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, envOptions{})
			p := e.base()
			if tc.perm != "" {
				e.repo.SetPermission("someone", tc.perm)
			}
			id := e.post(comment{number: p.Number, pr: true, user: "someone", body: "/djsec ignore DJS201 -- reviewed"})
			igs, err := e.db.Ignores(context.Background(), e.repo.ID, 0)
			if err != nil {
				t.Fatal(err)
			}
			want := "eyes,confused"
			if tc.ok {
				want = "eyes,rocket"
			}
			if got := reactions(e, id); got != want {
				t.Errorf("reactions %q, want %q", got, want)
			}
			if (len(igs) == 1) != tc.ok {
				t.Errorf("ignores %+v; allowed %v", igs, tc.ok)
			}
			if r := e.onlyReply().Body; !tc.ok && !strings.Contains(r, "Nothing was changed") {
				t.Errorf("refusal:\n%s", r)
			}
		})
	}
}

// The permission is asked once per person and repository for 5 minutes:
// a removed write access stops working after that at the latest.
func TestPermissionCachedFiveMinutes(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	clock := time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	e := newEnv(t, envOptions{now: now})
	p := e.base()
	e.repo.SetPermission("writer", "write")
	permCalls := func() int { return e.gh.Count("GET /repos/{owner}/{repo}/collaborators/{username}/permission", 0) }

	e.post(comment{number: p.Number, pr: true, user: "writer", body: "/djsec ignore DJS201 -- a"})
	e.repo.SetPermission("writer", "read")
	e.post(comment{number: p.Number, pr: true, user: "writer", body: "/djsec ignore DJS202 -- b"})
	if n := permCalls(); n != 1 {
		t.Errorf("%d permission calls within 5 minutes, want 1", n)
	}
	mu.Lock()
	clock = clock.Add(5*time.Minute + time.Second)
	mu.Unlock()
	third := e.post(comment{number: p.Number, pr: true, user: "writer", body: "/djsec ignore DJS203 -- c"})
	if n := permCalls(); n != 2 {
		t.Errorf("%d permission calls after 5 minutes, want 2", n)
	}
	if got := reactions(e, third); got != "eyes,confused" {
		t.Errorf("write access removed: reactions %q, want eyes,confused", got)
	}
	if igs, _ := e.db.Ignores(context.Background(), e.repo.ID, 0); len(igs) != 2 {
		t.Errorf("ignores %+v, want DJS201 and DJS202", igs)
	}
}

// An ignore with --until is listed as expired once the date has passed.
func TestIgnoreExpiry(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	clock := time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	e := newEnv(t, envOptions{now: now})
	p := e.base()
	e.repo.SetPermission("writer", "write")
	e.post(comment{number: p.Number, pr: true, user: "writer", body: "/djsec ignore DJS201 --until 2026-02-01 --pr -- until the release"})
	mu.Lock()
	clock = time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	mu.Unlock()
	e.post(comment{number: p.Number, pr: true, user: "reader", body: "/djsec ignores"})
	rs := e.replies()
	if len(rs) != 2 || !strings.Contains(rs[0].Body, "for pull request #1 only until 2026-02-01") ||
		!strings.Contains(rs[1].Body, "| #1 only |") || !strings.Contains(rs[1].Body, "2026-02-01 (expired)") {
		t.Errorf("replies: %+v", rs)
	}
}
