package e2e

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/djsec/djsec/githubapp/githubtest"
	"github.com/djsec/djsec/jobs"
	"github.com/djsec/djsec/jobs/fixup"
	"github.com/djsec/djsec/server/servertest"
	"github.com/djsec/djsec/store"
)

// Issue 9's load: many pull requests on many repositories of one
// installation, each walked by a script of webhook deliveries built up
// front, with the fake's state at each step (a push moves the head before
// its synchronize event is built).

// loadJobTimeout is DJSEC_JOB_TIMEOUT for the servers of these tests: a
// job a killed process left running goes to another 2.5 times later
// (25 s) instead of after five minutes, so a kill costs a test seconds.
const loadJobTimeout = "10s"

// webhook is one delivery to make: its event, body and delivery ID.
type webhook struct {
	event, id string
	body      []byte
}

// pullCase is one pull request and the deliveries that walk it, in order.
type pullCase struct {
	repo   *githubtest.Repo
	number int
	// heads are the pull request's successive head commits; the last one
	// is its head when every delivery is made.
	heads []string
	// auto is true on repositories whose base branch says fix_prs: auto.
	auto bool
	// commands are the IDs of the comments holding a /djsec command.
	commands []int64
	script   []webhook
}

// loadSpec shapes a load.
type loadSpec struct {
	repos, pullsPerRepo int
	// pushes is how many synchronize events follow each opened event.
	pushes int
	// comments adds, per pull request, a plain comment after the opened
	// event and a `/djsec help` after the first push.
	comments bool
	// autoEvery makes every autoEvery-th repository say fix_prs: auto
	// (0: none).
	autoEvery int
	// views adds to each pull request a views module with that many
	// findings (0: none), so its run is written by several updates.
	views int
}

// unsafeSettings is examples/hardened's settings with a hardcoded secret
// key and DEBUG on: two critical findings djsec can fix.
func unsafeSettings(t testing.TB) string {
	t.Helper()
	return servertest.Edit(t, servertest.ExampleFile(t, "hardened/mysite/settings.py"),
		`SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]`, `SECRET_KEY = "w8#x9!k2@zq$7v&m4^p1*r6(t3)y5_u0+e-s=d~f"`,
		"DEBUG = False", "DEBUG = True")
}

// buildLoad creates the repositories and pull requests of spec on
// installation 42 and returns their scripts.
func buildLoad(t testing.TB, env *Env, spec loadSpec) []*pullCase {
	t.Helper()
	inst := env.GH.AddInstallation(installationID, owner)
	base := servertest.ExampleTree(t, "hardened")
	base[".gitignore"] = gitignore
	unsafe := unsafeSettings(t)
	var cases []*pullCase
	for r := range spec.repos {
		repo := env.GH.AddRepo(inst, fmt.Sprintf("%s/app-%02d", owner, r))
		files := copyFiles(base)
		auto := spec.autoEvery > 0 && r%spec.autoEvery == 0
		if auto {
			files[".github/djsec.yml"] = "fix_prs: auto\n"
		}
		repo.Commit("main", files)
		for p := range spec.pullsPerRepo {
			branch := fmt.Sprintf("feature-%d", p)
			change := map[string]string{"mysite/settings.py": unsafe}
			if spec.views > 0 {
				change["app/views.py"] = manyViews(spec.views)
			}
			repo.Commit(branch, change)
			pr := repo.AddPull(githubtest.Pull{HeadRef: branch, Title: "Local development settings", User: fmt.Sprintf("dev%d", p)})
			c := &pullCase{repo: repo, number: pr.Number, heads: []string{pr.HeadSHA}, auto: auto}
			add := func(event string, body []byte) {
				c.script = append(c.script, webhook{event: event, id: env.NewDeliveryID(), body: body})
			}
			add("pull_request", env.GH.PullRequestEvent(t, repo, pr.Number, "opened"))
			for push := range spec.pushes {
				if spec.comments && push == 0 {
					id := repo.AddComment(pr.Number, pr.User, "Thanks, having a look.")
					add("issue_comment", servertest.IssueCommentEvent(t, env.GH, servertest.Comment{Repo: repo, Installation: installationID,
						Number: pr.Number, PullRequest: true, ID: id, User: pr.User, Body: "Thanks, having a look."}))
				}
				if spec.comments && push == 1 {
					id := repo.AddComment(pr.Number, pr.User, "/djsec help")
					c.commands = append(c.commands, id)
					add("issue_comment", servertest.IssueCommentEvent(t, env.GH, servertest.Comment{Repo: repo, Installation: installationID,
						Number: pr.Number, PullRequest: true, ID: id, User: pr.User, Body: "/djsec help"}))
				}
				head := repo.Commit(branch, map[string]string{"NOTES.md": fmt.Sprintf("push %d\n", push+1)})
				c.heads = append(c.heads, head)
				add("pull_request", env.GH.PullRequestEvent(t, repo, pr.Number, "synchronize"))
			}
			cases = append(cases, c)
		}
	}
	return cases
}

func copyFiles(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func countDeliveries(cases []*pullCase) int {
	n := 0
	for _, c := range cases {
		n += len(c.script)
	}
	return n
}

// openDB opens the Env's database for the test's own reads.
func openDB(t testing.TB, env *Env) *store.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := store.Open(ctx, env.DatabaseURL)
	if err != nil {
		t.Fatalf("open %s database: %v", env.DB, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// count runs a COUNT query.
func count(t testing.TB, db *store.DB, query string, args ...any) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var n int
	if err := db.Q().QueryRow(ctx, query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// webhookKinds are the job kinds deliveries queue here (River's periodic
// jobs, the sweep and the pruning, are left out).
const webhookKinds = "kind IN ('" + jobs.KindPullRequest + "', '" + jobs.KindComment + "')"

// unfinishedJobs counts the webhook jobs not completed yet.
func unfinishedJobs(t testing.TB, db *store.DB) int {
	return count(t, db, "SELECT COUNT(*) FROM river_job WHERE "+webhookKinds+" AND state <> 'completed'")
}

// slowJobs describes the webhook jobs that took three attempts or more:
// River waits attempt⁴ seconds between them (1 s, 16 s, 81 s), so they
// set how long a run under faults lasts.
func slowJobs(t testing.TB, db *store.DB) (maxAttempt int, lines []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rows, err := db.Q().Query(ctx, "SELECT id, attempt, CAST(errors AS TEXT) FROM river_job WHERE "+webhookKinds+" AND attempt >= 3 ORDER BY attempt DESC")
	if err != nil {
		t.Fatalf("slow jobs: %v", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var attempt int
		var errs string
		if err := rows.Scan(&id, &attempt, &errs); err != nil {
			t.Fatalf("slow jobs: %v", err)
		}
		maxAttempt = max(maxAttempt, attempt)
		lines = append(lines, fmt.Sprintf("job %d: %d attempts: %.600s", id, attempt, errs))
	}
	return maxAttempt, lines
}

// rescuedJobs counts the webhook jobs River's rescuer handed on after the
// process running them died.
func rescuedJobs(t testing.TB, db *store.DB) int {
	return count(t, db, "SELECT COUNT(*) FROM river_job WHERE "+webhookKinds+" AND CAST(errors AS TEXT) LIKE '%rescued%'")
}

// checkDeliveriesAreJobs asserts that every delivery became exactly one
// job, and every job came from one delivery: want rows in deliveries, as
// many distinct job IDs, each a webhook job of River's table, and no other.
func checkDeliveriesAreJobs(t testing.TB, db *store.DB, want int) {
	t.Helper()
	if n := count(t, db, "SELECT COUNT(*) FROM deliveries"); n != want {
		t.Errorf("%d deliveries recorded, want %d", n, want)
	}
	if n := count(t, db, "SELECT COUNT(DISTINCT job_id) FROM deliveries"); n != want {
		t.Errorf("%d distinct jobs in deliveries, want %d (one per delivery)", n, want)
	}
	if n := count(t, db, "SELECT COUNT(*) FROM river_job WHERE "+webhookKinds); n != want {
		t.Errorf("%d webhook jobs in river_job, want %d", n, want)
	}
	if n := count(t, db, "SELECT COUNT(*) FROM deliveries d JOIN river_job j ON j.id = d.job_id"); n != want {
		t.Errorf("%d deliveries point at their job, want %d", n, want)
	}
	if n := count(t, db, "SELECT COUNT(*) FROM river_job WHERE "+webhookKinds+" AND state <> 'completed'"); n != 0 {
		t.Errorf("%d webhook jobs did not complete", n)
	}
}

// checkRunsOncePerHead asserts that no head commit got two djsec check
// runs, and that each pull request's last head has a completed one. It
// returns how many check runs there are.
func checkRunsOncePerHead(t testing.TB, cases []*pullCase) int {
	t.Helper()
	total := 0
	seen := map[*githubtest.Repo]bool{}
	for _, c := range cases {
		if seen[c.repo] {
			continue
		}
		seen[c.repo] = true
		per := map[string]int{}
		for _, cr := range c.repo.CheckRuns() {
			if cr.Name == "djsec" {
				per[cr.HeadSHA]++
				total++
			}
		}
		for sha, n := range per {
			if n > 1 {
				t.Errorf("%s: %d check runs on %s, want one", c.repo.FullName(), n, sha)
			}
		}
	}
	for _, c := range cases {
		last := c.heads[len(c.heads)-1]
		runs := runsOn(c.repo, last)
		if len(runs) == 0 || runs[len(runs)-1].Status != "completed" {
			t.Errorf("%s#%d: no completed check run on its head %s: %+v", c.repo.FullName(), c.number, last, runs)
		}
	}
	return total
}

// fixupsOnce asserts no pull request got two fix-up pull requests, and
// that each one on a fix_prs: auto repository got one. It returns how many
// there are.
func fixupsOnce(t testing.TB, cases []*pullCase) int {
	t.Helper()
	total := 0
	for _, c := range cases {
		n := 0
		for _, p := range c.repo.Pulls() {
			if p.HeadRef == fixup.Branch(c.number) {
				n++
			}
		}
		total += n
		if n > 1 || (c.auto && n != 1) || (!c.auto && n != 0) {
			t.Errorf("%s#%d: %d fix-up pull requests, want %d", c.repo.FullName(), c.number, n, map[bool]int{true: 1, false: 0}[c.auto])
		}
	}
	return total
}

// commandsAnswered reports whether every /djsec comment has djsec's
// final reaction.
func commandsAnswered(cases []*pullCase) bool {
	for _, c := range cases {
		for _, id := range c.commands {
			rs := c.repo.Reactions(id)
			if !slices.Contains(rs, "rocket") && !slices.Contains(rs, "confused") {
				return false
			}
		}
	}
	return true
}

// Two `bot serve` processes on one Postgres database take 500 deliveries
// between them — 100 pull requests on 10 repositories, each opened, pushed
// to twice and commented on twice, half the repositories with fix_prs:
// auto — while one of them is killed with SIGKILL halfway through. 50
// deliveries are sent to both processes at once, and every delivery the
// dead process did not answer is redelivered to the other with its ID, as
// GitHub does. Every delivery becomes exactly one job and every job
// completes; no commit gets two check runs and no pull request two fix-ups.
func TestMultiProcess(t *testing.T) {
	t.Parallel()
	start := time.Now()
	env := NewEnv(t, Postgres)
	env.Vars["DJSEC_JOB_TIMEOUT"] = loadJobTimeout
	env.Vars["LOG_LEVEL"] = "info"
	cases := buildLoad(t, env, loadSpec{repos: 10, pullsPerRepo: 10, pushes: 2, comments: true, autoEvery: 2})
	total := countDeliveries(cases)
	if total != 500 {
		t.Fatalf("the load has %d deliveries, want issue 9's 500", total)
	}
	servers := env.StartN(t, 2)
	a, b := servers[0], servers[1]
	db := openDB(t, env)
	t.Logf("set-up: %v", time.Since(start))

	// The pull requests' scripts run in parallel, each in order (a push's
	// event after the one before it, as GitHub sends them). Deliveries
	// alternate between the processes; every 10th goes to both at once.
	rng := rand.New(rand.NewPCG(9, 9))
	dup := map[string]bool{}
	for _, c := range cases {
		for _, w := range c.script {
			if rng.IntN(10) == 0 {
				dup[w.id] = true
			}
		}
	}
	var sent, redelivered, duplicates atomic.Int64
	// Halfway through the deliveries, once the first process has done
	// some of the work and is doing more: kill -9. GitHub answers slowly
	// until then, so jobs pile up; more running than the other process has
	// workers means the first one is running some.
	env.GH.SetLatency(100 * time.Millisecond)
	killed := make(chan float64)
	go func() {
		var done float64
		_ = servertest.PollEvery(time.Minute, 50*time.Millisecond, func() bool {
			if m, err := a.ScrapeMetrics(); err == nil {
				done = servertest.SumSamples(m["djsec_jobs_total"], map[string]string{"outcome": "succeeded"})
			}
			var running int
			err := db.Q().QueryRow(context.Background(), "SELECT COUNT(*) FROM river_job WHERE state = 'running'").Scan(&running)
			return sent.Load() >= int64(total/2) && done >= 25 && err == nil && running > 4
		})
		a.signal(syscall.SIGKILL)
		a.wait(10 * time.Second)
		env.GH.SetLatency(0)
		killed <- done
	}()
	post := func(s *Server, w webhook) (int, error) { return s.Post(w.event, w.id, w.body) }
	deliver := func(t *testing.T, i int, w webhook) {
		first := servers[i%2]
		if dup[w.id] {
			var wg sync.WaitGroup
			codes := make([]int, 2)
			for j, s := range servers {
				wg.Go(func() { codes[j], _ = post(s, w) })
			}
			wg.Wait()
			if slices.Contains(codes, 202) {
				duplicates.Add(1)
				sent.Add(1)
				return
			}
		} else if code, err := post(first, w); err == nil && (code == 202 || code == 200) {
			sent.Add(1)
			return
		}
		// No answer from a dead process (or a refusal): GitHub redelivers,
		// here to the survivor.
		if code, err := post(b, w); err != nil || (code != 202 && code != 200) {
			t.Errorf("delivery %s to %s: %d, %v", w.id, b.Name, code, err)
			return
		}
		redelivered.Add(1)
		sent.Add(1)
	}
	var wg sync.WaitGroup
	work := make(chan *pullCase)
	deliveryStart := time.Now()
	for range 10 {
		wg.Go(func() {
			for c := range work {
				for i, w := range c.script {
					deliver(t, i+c.number, w)
					// Pacing, not synchronisation: the deliveries span
					// about ten seconds, so the kill falls among them.
					time.Sleep(200 * time.Millisecond)
				}
			}
		})
	}
	for _, c := range cases {
		work <- c
	}
	close(work)
	wg.Wait()
	doneBeforeKill := <-killed
	t.Logf("delivered %d in %v (%d sent to both processes at once, %d redelivered to the survivor); %s was killed after %v jobs",
		sent.Load(), time.Since(deliveryStart), duplicates.Load(), redelivered.Load(), a.Name, doneBeforeKill)

	// The survivor finishes everything, the dead one's running jobs
	// included (River rescues them after DJSEC_JOB_TIMEOUT × 2.5).
	WaitFor(t, 3*time.Minute, "every job completed by the surviving process", func() bool {
		return unfinishedJobs(t, db) == 0 && commandsAnswered(cases)
	}, b)
	t.Logf("all jobs done after %v", time.Since(start))

	checkDeliveriesAreJobs(t, db, total)
	runs := checkRunsOncePerHead(t, cases)
	fixups := fixupsOnce(t, cases)
	m := b.Metrics(t)
	rescued := rescuedJobs(t, db)
	if rescued == 0 {
		t.Errorf("no job of the killed process was rescued: it was killed with none running")
	}
	t.Logf("%d check runs, %d fix-up pull requests; %d jobs of the killed process finished by the survivor; survivor: %v jobs succeeded, %v duplicates refused; %d REST calls",
		runs, fixups, rescued,
		servertest.SumSamples(m["djsec_jobs_total"], map[string]string{"outcome": "succeeded"}),
		servertest.SumSamples(m["djsec_webhook_deliveries_total"], map[string]string{"outcome": "duplicate"}),
		env.GH.Budget())
	if failed := servertest.SumSamples(m["djsec_jobs_failures_total"], nil); failed != 0 {
		t.Errorf("%v jobs failed for good on the survivor", failed)
	}
	if duplicates.Load() == 0 || redelivered.Load() == 0 || !strings.Contains(a.Logs(), "exited: signal: killed") {
		t.Errorf("the test did not exercise what it claims: %d duplicates, %d redeliveries, kill: %v",
			duplicates.Load(), redelivered.Load(), a.ExitErr())
	}
}
