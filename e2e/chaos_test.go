package e2e

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/djsec/djsec/githubapp/githubtest"
	"github.com/djsec/djsec/server/servertest"
)

// chaosMix is issue 9's faults, on 8% of GitHub calls: 5xx, connection
// resets (some after GitHub did the work: a POST's object exists though its
// answer was lost), secondary rate limits (403 and 429 with Retry-After),
// answers that never come (held past djsec's 30 s response-header
// timeout) and 10-second latency on three calls.
func chaosMix(seed uint64) githubtest.Chaos {
	return githubtest.Chaos{Seed: seed, Rate: 0.08, Faults: []githubtest.ChaosFault{
		{Kind: githubtest.FaultStatus, Status: 500, Weight: 2},
		{Kind: githubtest.FaultStatus, Status: 502, Weight: 3},
		{Kind: githubtest.FaultStatus, Status: 503, Weight: 2},
		{Kind: githubtest.FaultReset, Weight: 2},
		{Kind: githubtest.FaultReset, Handled: true, Weight: 1},
		{Kind: githubtest.FaultSecondary, RetryAfter: 1, Weight: 2},
		{Kind: githubtest.FaultTooMany, RetryAfter: 1, Weight: 1},
		// The slow ones are weighted up so their few turns come early.
		{Kind: githubtest.FaultTimeout, Weight: 2, Max: 2},
		{Kind: githubtest.FaultTimeout, Handled: true, Weight: 2, Max: 1},
		{Kind: githubtest.FaultLatency, Delay: 10 * time.Second, Weight: 3, Max: 3},
		// Lost answers of writes: GitHub appended a PATCH's annotations
		// (the runs' second and third batches) though the client saw a
		// reset or a 502.
		{Kind: githubtest.FaultReset, Handled: true, Methods: chaosWrites, Weight: 6},
		{Kind: githubtest.FaultStatus, Status: 502, Handled: true, Methods: chaosWrites, Weight: 3},
	}}
}

// chaosWrites are the methods whose answers the chaos also loses after the
// work.
var chaosWrites = []string{"PATCH", "PUT"}

// chaosEvents is issue 9's 200 pull request events: 20 repositories with
// 10 pull requests each, every one opened once; each adds 120 findings to
// the settings', so its run takes three writes (50, 50 and the rest).
var chaosLoad = loadSpec{repos: 20, pullsPerRepo: 10, views: 120}

// chaosWait bounds the wait for every check run: the slowest job meets a
// 30 s timeout or a kill's rescue (DJSEC_JOB_TIMEOUT × 2.5 after it
// started, once River's rescuer runs: every 30 s).
const chaosWait = 4 * time.Minute

// waitAllChecked waits until every pull request's head has a completed
// check run and every webhook job completed.
func waitAllChecked(t testing.TB, env *Env, cases []*pullCase, srv *Server) {
	t.Helper()
	db := openDB(t, env)
	WaitFor(t, chaosWait, "a completed check run on every pull request", func() bool {
		for _, c := range cases {
			runs := runsOn(c.repo, c.heads[len(c.heads)-1])
			if len(runs) == 0 || runs[len(runs)-1].Status != "completed" {
				return false
			}
		}
		return unfinishedJobs(t, db) == 0
	}, srv)
	checkDeliveriesAreJobs(t, db, countDeliveries(cases))
	checkRunsOncePerHead(t, cases)
	t.Logf("%d annotations on the check runs", checkNoDuplicatedAnnotations(t, cases))
	if most, slow := slowJobs(t, db); len(slow) > 0 {
		t.Logf("%d jobs took 3 attempts or more (at most %d):\n%s", len(slow), most, strings.Join(slow, "\n"))
	}
}

// faultCounts sums the fault counts of names.
func faultCounts(st githubtest.ChaosStats, names ...string) int {
	n := 0
	for _, name := range names {
		n += st.ByFault[name]
	}
	return n
}

func statsLine(st githubtest.ChaosStats) string {
	var parts []string
	for k, v := range st.ByFault {
		parts = append(parts, fmt.Sprintf("%s×%d", k, v))
	}
	sort.Strings(parts)
	return fmt.Sprintf("%d faults in %d calls (%s)", st.Injected, st.Seen, strings.Join(parts, " "))
}

// retryMetrics are the retry counters of one process.
type retryMetrics struct {
	apiRetries, rateLimitWaits, jobRetries, jobFailures float64
}

func (r *retryMetrics) add(m map[string][]servertest.Sample) {
	r.apiRetries += servertest.SumSamples(m["djsec_github_api_retries_total"], nil)
	r.rateLimitWaits += servertest.SumSamples(m["djsec_github_rate_limit_waits_total"], nil)
	r.jobRetries += servertest.SumSamples(m["djsec_jobs_retries_total"], nil)
	r.jobFailures += servertest.SumSamples(m["djsec_jobs_failures_total"], nil)
}

// deliverAll sends every script's deliveries from workers goroutines, in
// order within a script, retrying each one (same delivery ID, as GitHub
// redelivers) until the server takes it. pace spaces one worker's
// deliveries so the run lasts a while (0: as fast as possible).
func deliverAll(t *testing.T, srv *Server, cases []*pullCase, workers int, pace time.Duration) (sent, retried *atomic.Int64, done <-chan struct{}) {
	sent, retried = new(atomic.Int64), new(atomic.Int64)
	work := make(chan *pullCase, len(cases))
	for _, c := range cases {
		work <- c
	}
	close(work)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for c := range work {
				for _, w := range c.script {
					tries := 0
					err := servertest.PollEvery(time.Minute, 50*time.Millisecond, func() bool {
						tries++
						code, err := srv.Post(w.event, w.id, w.body)
						return err == nil && (code == 202 || code == 200)
					})
					if err != nil {
						t.Errorf("delivery %s never taken: %v", w.id, err)
					}
					sent.Add(1)
					retried.Add(int64(tries - 1))
					time.Sleep(pace)
				}
			}
		})
	}
	ch := make(chan struct{})
	go func() { wg.Wait(); close(ch) }()
	return sent, retried, ch
}

// While 200 pull request events arrive, the fake answers 8% of the calls
// badly (chaosMix): every event still ends in one completed check run, on
// SQLite and on Postgres. GitHub-call retries and job retries show in the
// metrics, and are bounded: no more call retries than faults that call
// for one, no more rate-limit waits than rate limits.
func TestChaos(t *testing.T) {
	t.Parallel()
	ForEachDB(t, func(t *testing.T, db DBKind) {
		start := time.Now()
		env := NewEnv(t, db)
		// Above the 30 s response-header timeout: a held answer is
		// GitHub's failure, retried by the client, not the job's deadline.
		env.Vars["DJSEC_JOB_TIMEOUT"] = "60s"
		env.Vars["LOG_LEVEL"] = "info"
		cases := buildLoad(t, env, chaosLoad)
		srv := env.Start(t)
		env.GH.StartChaos(chaosMix(1))
		_, redelivered, delivered := deliverAll(t, srv, cases, 8, 0)
		<-delivered
		waitAllChecked(t, env, cases, srv)
		env.GH.SetChaos(false)
		took := time.Since(start)

		st := env.GH.ChaosStats()
		var r retryMetrics
		r.add(srv.Metrics(t))
		t.Logf("%s: 200 events checked in %v; %s; %v call retries, %v rate-limit waits, %v job retries, %v jobs failed; %d REST calls, %d of them reading a run back; %d deliveries sent again",
			db, took.Round(time.Second), statsLine(st), r.apiRetries, r.rateLimitWaits, r.jobRetries, r.jobFailures, env.GH.Budget(),
			env.GH.Count("GET /repos/{owner}/{repo}/check-runs/{check_run_id}", 0), redelivered.Load())

		// Retried calls follow a 5xx, a reset or a timeout; a POST's are
		// not retried (the job is), nor are calls net/http replays itself.
		retriable := faultCounts(st, "500", "502", "503", "502+handled", "reset", "reset+handled", "timeout", "timeout+handled")
		if r.apiRetries == 0 || r.apiRetries > float64(retriable) {
			t.Errorf("%v GitHub call retries for %d 5xx, resets and timeouts: want some, and no more", r.apiRetries, retriable)
		}
		limits := faultCounts(st, "403", "429")
		if r.rateLimitWaits == 0 || r.rateLimitWaits > float64(limits) {
			t.Errorf("%v rate-limit waits for %d secondary rate limits: want some, and no more", r.rateLimitWaits, limits)
		}
		// A job runs again only after a fault reached it.
		if r.jobRetries > float64(st.Injected) {
			t.Errorf("%v job retries for %d faults", r.jobRetries, st.Injected)
		}
		if r.jobFailures != 0 {
			t.Errorf("%v jobs failed for good", r.jobFailures)
		}
		if st.ByFault["502+handled"] == 0 {
			t.Errorf("the schedule lost no write's answer after the work: %s", statsLine(st))
		}
		if st.ByFault["latency"] != 3 || st.ByFault["timeout"] != 2 {
			t.Errorf("the schedule did not reach the slow faults: %s", statsLine(st))
		}
	})
}

// The same chaos, and the server killed with SIGKILL at seeded random
// points while the events arrive and are checked, restarted each time on
// the same database: every event still ends in one completed check run.
// Deliveries the server could not take while it was down are redelivered
// with their ID, as GitHub does.
func TestChaosKill9(t *testing.T) {
	t.Parallel()
	ForEachDB(t, func(t *testing.T, db DBKind) {
		start := time.Now()
		env := NewEnv(t, db)
		// A job the killed process left running goes to the next one
		// after 25 s, not five minutes.
		env.Vars["DJSEC_JOB_TIMEOUT"] = loadJobTimeout
		env.Vars["LOG_LEVEL"] = "info"
		cases := buildLoad(t, env, chaosLoad)
		srv := env.Start(t)
		env.GH.StartChaos(chaosMix(2))
		run := time.Now()
		_, redelivered, delivered := deliverAll(t, srv, cases, 8, 250*time.Millisecond)

		rng := rand.New(rand.NewPCG(3, uint64(len(db))))
		var r retryMetrics
		var kills []string
		for range 3 {
			// The next kill falls 1 to 5 s after the last restart.
			time.Sleep(time.Second + time.Duration(rng.Int64N(int64(4*time.Second))))
			if m, err := srv.ScrapeMetrics(); err == nil {
				r.add(m) // what this process counted, before it dies
			}
			kills = append(kills, time.Since(run).Round(100*time.Millisecond).String())
			srv.Kill(t)
			srv.Restart(t)
		}
		<-delivered
		waitAllChecked(t, env, cases, srv)
		env.GH.SetChaos(false)
		r.add(srv.Metrics(t))
		st := env.GH.ChaosStats()
		rescued := rescuedJobs(t, openDB(t, env))
		t.Logf("%s: 200 events checked in %v (set-up included: %v) with kills at %v of the run; %d jobs rescued from killed processes; %s; at least %v call retries, %v rate-limit waits, %v job retries; %d REST calls; %d deliveries sent again",
			db, time.Since(run).Round(time.Second), time.Since(start).Round(time.Second), kills, rescued, statsLine(st),
			r.apiRetries, r.rateLimitWaits, r.jobRetries, env.GH.Budget(), redelivered.Load())
		if r.apiRetries+r.rateLimitWaits == 0 {
			t.Errorf("no retry seen in the metrics under %s", statsLine(st))
		}
		if rescued == 0 {
			t.Errorf("no job was running at any of the kills")
		}
		if n := strings.Count(srv.Logs(), "exited: signal: killed"); n != 3 {
			t.Errorf("%d kills in the log, want 3", n)
		}
	})
}
