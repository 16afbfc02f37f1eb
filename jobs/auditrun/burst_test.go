package auditrun_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/djsec/djsec/githubapp"
	"github.com/djsec/djsec/githubapp/githubtest"
	"github.com/djsec/djsec/jobs"
	"github.com/djsec/djsec/jobs/auditrun"
	"github.com/djsec/djsec/jobs/auditrun/auditissue"
	"github.com/djsec/djsec/store/storetest"
)

// burstMinute stands for GitHub's minute (its hour is 60 of them), so the
// test replays an hour of writes in seconds.
const burstMinute = 100 * time.Millisecond

func sleepFor(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// The first install on a large organisation: every repository's first
// audit at once (the worst case: their spread lost to downtime), ten
// workers, each Django project writing a label and an issue — 520 writes,
// above both of GitHub's secondary limits on content-creating requests
// (80 a minute, 500 an hour per installation, which githubtest enforces on
// a scaled clock). The client's pacer keeps every window under them:
// GitHub never answers "secondary rate limit", and every issue is written.
// Unpaced, the writes went out as fast as the audits produced them, and
// the fake refused them within the first (scaled) minute.
func TestFirstInstallBurstStaysUnderSecondaryLimits(t *testing.T) {
	t.Parallel()
	const django, other, workers = 260, 40, 10
	gh := githubtest.New(t, githubtest.WithWriteLimits(githubtest.DefaultWritesPerMinute, githubtest.DefaultWritesPerHour, burstMinute))
	inst := gh.AddInstallation(fleetInstallation, "octo-org")
	gh.SetRateLimitRemaining(fleetInstallation, 1_000_000)
	project := example(t, "startproject")
	var names []string
	var repos []*githubtest.Repo
	for i := range django + other {
		name := fmt.Sprintf("octo-org/repo%04d", i)
		r := gh.AddRepo(inst, name)
		if i < django {
			r.Commit("main", project)
		} else {
			r.Commit("main", map[string]string{"README.md": "# " + name + "\n"})
		}
		names = append(names, name)
		repos = append(repos, r)
	}
	db := storetest.Open(t, storetest.SQLiteURL(t))
	clients, err := githubapp.NewClientCreator(githubapp.Config{
		BaseURL: gh.URL, AppID: gh.AppID(), PrivateKey: gh.AppPrivateKeyPEM(),
		ETags: db.ETags(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		// Retries and rate-limit waits instant, as everywhere in the
		// tests; the pacer waits for real on the scaled minute.
		Sleep:  func(ctx context.Context, d time.Duration) error { return ctx.Err() },
		Writes: githubapp.WritePolicy{Minute: burstMinute, Sleep: sleepFor},
	})
	if err != nil {
		t.Fatal(err)
	}
	runner, err := auditrun.New(auditrun.Options{Clients: clients, DB: db, RulesVersion: "test", Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	q := &fakeQueue{}
	runner.UseQueue(q)
	procs := jobs.Registered(runner.Register)
	ctx := jobs.WithLogger(context.Background(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := jobs.Lookup[jobs.InstallationArgs](procs).Process(ctx, jobs.Job[jobs.InstallationArgs]{ID: 1, Attempt: 1, Args: jobs.InstallationArgs{
		Origin: jobs.Origin{Delivery: "install", Installation: fleetInstallation}, Event: "installation", Action: "created",
		Account: "octo-org", Added: names,
	}}); err != nil {
		t.Fatal(err)
	}
	if len(q.args) != django+other {
		t.Fatalf("%d first audits queued, want %d", len(q.args), django+other)
	}

	start := time.Now()
	work := make(chan jobs.AuditArgs)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failed []error
	for range workers {
		wg.Go(func() {
			for a := range work {
				a.NotBefore = time.Time{}
				if err := jobs.Lookup[jobs.AuditArgs](procs).Process(ctx, jobs.Job[jobs.AuditArgs]{ID: 2, Attempt: 1, Args: a}); err != nil {
					mu.Lock()
					failed = append(failed, fmt.Errorf("%s: %w", a.Repo, err))
					mu.Unlock()
				}
			}
		})
	}
	for _, a := range q.args {
		work <- a.(jobs.AuditArgs)
	}
	close(work)
	wg.Wait()
	took := time.Since(start)

	// Count the writes GitHub accepted, per sliding window, from the
	// fake's own record of when each arrived.
	var writes []time.Time
	for _, r := range gh.Requests() {
		switch r.Method {
		case "POST", "PATCH", "PUT", "DELETE":
			if r.Route != githubtest.TokenRoute && r.Status < 400 {
				writes = append(writes, r.At)
			}
		}
	}
	maxIn := func(window time.Duration) int {
		most, j := 0, 0
		for i := range writes {
			for writes[i].Sub(writes[j]) >= window {
				j++
			}
			most = max(most, i-j+1)
		}
		return most
	}
	perMinute, perHour := maxIn(burstMinute), maxIn(60*burstMinute)
	t.Logf("%d repositories (%d Django), %d workers: %d writes in %s (%.1f scaled minutes); most in one minute %d, in one hour %d; secondary limits %d",
		django+other, django, workers, len(writes), took.Round(time.Millisecond), float64(took)/float64(burstMinute), perMinute, perHour, gh.SecondaryLimited())
	if n := gh.SecondaryLimited(); n != 0 {
		t.Errorf("GitHub answered %d writes with its secondary rate limit", n)
	}
	if perMinute > githubtest.DefaultWritesPerMinute || perHour > githubtest.DefaultWritesPerHour {
		t.Errorf("writes per minute %d (limit 80), per hour %d (limit 500)", perMinute, perHour)
	}
	if len(writes) <= githubtest.DefaultWritesPerHour {
		t.Errorf("only %d writes: the burst does not reach the hourly limit", len(writes))
	}
	for _, err := range failed[:min(len(failed), 5)] {
		t.Errorf("audit failed: %v", err)
	}
	issues := 0
	for _, r := range repos[:django] {
		for _, i := range r.Issues() {
			if i.Title == auditissue.Title {
				issues++
			}
		}
	}
	if issues != django {
		t.Errorf("%d audit issues, want %d", issues, django)
	}
}
