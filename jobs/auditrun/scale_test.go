package auditrun_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
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

// fleet is one installation with many repositories on githubtest, audited
// as `bot serve` audits them: the sweep lists the installation's
// repositories through the fake and queues one audit each; the audits run
// workers at a time (the River worker count), through the real client
// stack and the ETag cache in the store.
type fleet struct {
	tb      testing.TB
	gh      *githubtest.Server
	runner  *auditrun.Runner
	django  map[string]bool // full name → a Django project
	repos   []*githubtest.Repo
	workers int
}

const fleetInstallation = 42

func newFleet(tb testing.TB, django, other, workers int) *fleet {
	tb.Helper()
	f := &fleet{tb: tb, gh: githubtest.New(tb), django: map[string]bool{}, workers: workers}
	inst := f.gh.AddInstallation(fleetInstallation, "octo-org")
	project := example(tb, "startproject")
	for i := range django + other {
		name := fmt.Sprintf("octo-org/repo%04d", i)
		r := f.gh.AddRepo(inst, name)
		if i < django {
			f.django[name] = true
			r.Commit("main", project)
		} else {
			r.Commit("main", map[string]string{"README.md": "# " + name + "\n", "package.json": `{"name": "web"}` + "\n", "src/index.js": "export default 1;\n"})
		}
		f.repos = append(f.repos, r)
	}
	// The budget is measured, not enforced: a first audit of a thousand
	// repositories may well spend more than one hour's 5,000.
	f.gh.SetRateLimitRemaining(fleetInstallation, 1_000_000)
	db := storetest.Open(tb, storetest.SQLiteURL(tb))
	clients, err := githubapp.NewClientCreator(githubapp.Config{
		BaseURL: f.gh.URL, AppID: f.gh.AppID(), PrivateKey: f.gh.AppPrivateKeyPEM(),
		ETags: db.ETags(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Sleep: func(ctx context.Context, d time.Duration) error { return ctx.Err() },
	})
	if err != nil {
		tb.Fatal(err)
	}
	// A Monday, the default audit day: on another day a scheduled audit
	// of a Django project is deferred to it.
	f.runner, err = auditrun.New(auditrun.Options{Clients: clients, DB: db, RulesVersion: "test", Now: func() time.Time { return clock }})
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

// round is what one sweep and its audits cost.
type round struct {
	queued int
	wall   time.Duration
	// per repository (full name): REST calls and charged ones (a 304 is
	// free), token exchanges left out.
	calls, charged map[string]int
	// the sweep's listings
	sweepCalls, sweepCharged int
	// what the installation's rate limit went down by
	rateLimitSpent int
	// calls by route and kind of repository ("django GET /repos/...")
	routes map[string]int
}

// run sweeps and audits every queued repository, ignoring the spread
// (NotBefore): it measures the work, not the schedule.
func (f *fleet) run() round {
	f.tb.Helper()
	ctx := jobs.WithLogger(context.Background(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	f.gh.ResetRequests()
	before := f.gh.RateLimitRemaining(fleetInstallation)
	pushed(f.tb, f.runner, f.repos...)
	q := &fakeQueue{}
	f.runner.UseQueue(q)
	procs := jobs.Registered(f.runner.Register)
	start := time.Now()
	if err := jobs.Lookup[jobs.AuditSweepArgs](procs).Process(ctx, jobs.Job[jobs.AuditSweepArgs]{Args: jobs.AuditSweepArgs{Spread: time.Hour}}); err != nil {
		f.tb.Fatal(err)
	}
	work := make(chan jobs.AuditArgs)
	var wg sync.WaitGroup
	errs := make(chan error, len(q.args))
	for range f.workers {
		wg.Go(func() {
			for a := range work {
				a.NotBefore = time.Time{}
				if err := jobs.Lookup[jobs.AuditArgs](procs).Process(ctx, jobs.Job[jobs.AuditArgs]{ID: 1, Attempt: 1, Args: a}); err != nil {
					errs <- fmt.Errorf("%s: %w", a.Repo, err)
				}
			}
		})
	}
	queued := append([]jobs.Args(nil), q.args...)
	for _, a := range queued {
		work <- a.(jobs.AuditArgs)
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		f.tb.Fatal(err)
	}
	if testing.Verbose() {
		for _, req := range f.gh.Requests() {
			if !strings.HasPrefix(req.Path, "/repos/") {
				f.tb.Logf("sweep: %s %s?%s → %d", req.Method, req.Path, req.RawQuery, req.Status)
			}
		}
	}
	if len(q.args) != len(queued) {
		f.tb.Fatalf("the audits queued %d more jobs (deferred?)", len(q.args)-len(queued))
	}
	r := round{queued: len(queued), wall: time.Since(start), calls: map[string]int{}, charged: map[string]int{}, routes: map[string]int{}}
	r.rateLimitSpent = before - f.gh.RateLimitRemaining(fleetInstallation)
	for _, req := range f.gh.CallsExcept(githubtest.TokenRoute) {
		charged := 0
		if req.Status != http.StatusNotModified {
			charged = 1
		}
		parts := strings.SplitN(strings.TrimPrefix(req.Path, "/repos/"), "/", 3)
		if !strings.HasPrefix(req.Path, "/repos/") || len(parts) < 2 {
			r.sweepCalls++
			r.sweepCharged += charged
			continue
		}
		full := parts[0] + "/" + parts[1]
		r.routes[map[bool]string{true: "Django ", false: "other  "}[f.django[full]]+req.Route+" → "+strconv.Itoa(req.Status)]++
		r.calls[full]++
		r.charged[full] += charged
	}
	return r
}

// stats sums a round over the repositories in names.
func (r round) stats(names []string) (repos, calls, charged, maxCharged int) {
	for _, n := range names {
		repos++
		calls += r.calls[n]
		charged += r.charged[n]
		maxCharged = max(maxCharged, r.charged[n])
	}
	return
}

func (f *fleet) names(django bool, changed map[string]bool, wantChanged bool) []string {
	var out []string
	for _, r := range f.repos {
		if f.django[r.FullName()] == django && changed[r.FullName()] == wantChanged {
			out = append(out, r.FullName())
		}
	}
	return out
}

// change pushes a commit to every tenth repository: a settings edit to a
// Django project, a README edit elsewhere.
func (f *fleet) change() map[string]bool {
	changed := map[string]bool{}
	for i, r := range f.repos {
		if i%10 != 0 {
			continue
		}
		changed[r.FullName()] = true
		if f.django[r.FullName()] {
			r.Commit("main", map[string]string{"mysite/settings.py": example(f.tb, "startproject")["mysite/settings.py"] + "\nSECURE_HSTS_SECONDS = 3600\n"})
		} else {
			r.Commit("main", map[string]string{"README.md": "# changed\n"})
		}
	}
	return changed
}

func (f *fleet) report(label string, r round, changed map[string]bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d audits queued, wall %s, installation rate limit spent %d, sweep listings %d calls (%d charged)\n",
		label, r.queued, r.wall.Round(time.Millisecond), r.rateLimitSpent, r.sweepCalls, r.sweepCharged)
	for _, g := range []struct {
		name           string
		django, change bool
	}{{"Django, unchanged", true, false}, {"Django, changed", true, true}, {"other, unchanged", false, false}, {"other, changed", false, true}} {
		n, calls, charged, maxCharged := r.stats(f.names(g.django, changed, g.change))
		if n == 0 {
			continue
		}
		fmt.Fprintf(&b, "  %-18s %4d repos: %6d calls (%.2f/repo), %6d charged (%.2f/repo, max %d)\n",
			g.name, n, calls, float64(calls)/float64(n), charged, float64(charged)/float64(n), maxCharged)
	}
	for _, k := range slices.Sorted(maps.Keys(r.routes)) {
		fmt.Fprintf(&b, "    %5d %s\n", r.routes[k], k)
	}
	return b.String()
}

// TestSweepAuditsAnInstallationWithinBudget sweeps a 150-repository
// installation on githubtest (the listings paginated as GitHub paginates
// them) and audits every repository; the second sweep finds nothing
// changed and may spend at most one charged request a repository, and a
// pushed-to repository is audited again in full.
func TestSweepAuditsAnInstallationWithinBudget(t *testing.T) {
	t.Parallel()
	f := newFleet(t, 30, 120, 10)
	first := f.run()
	if first.queued != 150 {
		t.Fatalf("%d audits queued, want 150", first.queued)
	}
	for _, r := range f.repos {
		var issues int
		for _, i := range r.Issues() {
			if i.Title == auditissue.Title {
				issues++
			}
		}
		if want := map[bool]int{true: 1, false: 0}[f.django[r.FullName()]]; issues != want {
			t.Errorf("%s: %d audit issues, want %d", r.FullName(), issues, want)
		}
		if first.calls[r.FullName()] == 0 {
			t.Errorf("%s: never audited", r.FullName())
		}
	}
	// one installation listing and two pages of 100 repositories
	if first.sweepCalls != 3 {
		t.Errorf("sweep made %d listing calls, want 3", first.sweepCalls)
	}

	second := f.run()
	for _, r := range f.repos {
		// Push events recorded the heads: an unchanged repository costs
		// no request at all, not even a 304.
		if c := second.calls[r.FullName()]; c > 0 {
			t.Errorf("%s unchanged: %d requests, want none", r.FullName(), c)
		}
	}

	changed := f.change()
	third := f.run()
	for _, r := range f.repos {
		name := r.FullName()
		switch {
		case !changed[name] && third.calls[name] > 0:
			t.Errorf("%s unchanged: %d requests, want none", name, third.calls[name])
		case changed[name] && f.django[name] && third.charged[name] <= 2:
			t.Errorf("%s changed: only %d charged requests, the audit cannot have read the new settings", name, third.charged[name])
		}
	}
	t.Log("\n" + f.report("first", first, nil) + f.report("unchanged", second, nil) + f.report("10% pushed to", third, changed))
}

// BenchmarkAuditScale is issue 7's scale figure: 1,000 repositories in one
// installation (300 Django projects, 700 others) on githubtest with 50 ms
// of latency on every call, audited by 10 workers (DJSEC_WORKERS'
// default). It reports the calls and charged calls (a 304 is free) of the
// first audit, of an unchanged second one, and of a third after a push to
// every tenth repository, per repository. Run it once:
//
//	go test ./auditrun -run '^$' -bench AuditScale -benchtime 1x
//
// DJSEC_SCALE_REPOS, DJSEC_SCALE_LATENCY and DJSEC_WORKERS change the size,
// the latency and the worker count.
func BenchmarkAuditScale(b *testing.B) {
	repos, workers, latency := 1000, 10, 50*time.Millisecond
	if v, err := strconv.Atoi(os.Getenv("DJSEC_SCALE_REPOS")); err == nil && v > 0 {
		repos = v
	}
	if v, err := strconv.Atoi(os.Getenv("DJSEC_WORKERS")); err == nil && v > 0 {
		workers = v
	}
	if v, err := time.ParseDuration(os.Getenv("DJSEC_SCALE_LATENCY")); err == nil {
		latency = v
	}
	django := repos * 3 / 10
	for b.Loop() {
		f := newFleet(b, django, repos-django, workers)
		f.gh.SetLatency(latency)
		first := f.run()
		second := f.run()
		changed := f.change()
		third := f.run()
		b.Logf("%d repositories (%d Django), %d workers, %s latency\n%s%s%s", repos, django, workers, latency,
			f.report("first", first, nil), f.report("unchanged", second, nil), f.report("10% pushed to", third, changed))

		_, calls, charged, _ := first.stats(f.names(true, nil, false))
		_, ocalls, ocharged, _ := first.stats(f.names(false, nil, false))
		b.ReportMetric(float64(calls+ocalls+first.sweepCalls), "first-calls")
		b.ReportMetric(float64(charged+ocharged+first.sweepCharged), "first-charged")
		b.ReportMetric(first.wall.Seconds(), "first-s")
		_, calls, charged, _ = second.stats(f.names(true, nil, false))
		_, ocalls, ocharged, _ = second.stats(f.names(false, nil, false))
		b.ReportMetric(float64(calls+ocalls+second.sweepCalls), "unchanged-calls")
		b.ReportMetric(float64(charged+ocharged+second.sweepCharged), "unchanged-charged")
		b.ReportMetric(second.wall.Seconds(), "unchanged-s")
		b.ReportMetric(third.wall.Seconds(), "pushed-s")
	}
}
