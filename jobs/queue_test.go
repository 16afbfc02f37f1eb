package jobs_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/riverqueue/river/rivertype"

	"github.com/djsec/djsec/internal/syncbuf"
	"github.com/djsec/djsec/jobs"
	"github.com/djsec/djsec/metrics"
	"github.com/djsec/djsec/store"
	"github.com/djsec/djsec/store/storetest"
)

// soon retries failed jobs after 10 ms instead of River's attempt⁴ seconds.
type soon struct{}

func (soon) NextRetry(*rivertype.JobRow) time.Time { return time.Now().Add(10 * time.Millisecond) }

// recorder is a PullRequest processor that counts runs per delivery and
// fails while fail returns an error.
type recorder struct {
	mu   sync.Mutex
	runs map[string]int
	done chan string
	fail func(job jobs.Job[jobs.PullRequestArgs]) error
}

func newRecorder() *recorder {
	return &recorder{runs: map[string]int{}, done: make(chan string, 1000)}
}

func (r *recorder) Process(ctx context.Context, job jobs.Job[jobs.PullRequestArgs]) error {
	r.mu.Lock()
	r.runs[job.Args.Delivery]++
	r.mu.Unlock()
	if r.fail != nil {
		if err := r.fail(job); err != nil {
			return err
		}
	}
	r.done <- job.Args.Delivery
	return nil
}

func (r *recorder) count(delivery string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.runs[delivery]
}

func (r *recorder) wait(t *testing.T, n int) []string {
	t.Helper()
	var got []string
	timeout := time.After(20 * time.Second)
	for len(got) < n {
		select {
		case d := <-r.done:
			got = append(got, d)
		case <-timeout:
			t.Fatalf("waited 20s for %d jobs, %d ran", n, len(got))
		}
	}
	return got
}

func prArgs(delivery string) jobs.PullRequestArgs {
	return jobs.PullRequestArgs{
		Origin: jobs.Origin{Delivery: delivery, Installation: 7, Repo: "octo/app", RepoID: 1},
		Action: "opened", Number: 12, HeadSHA: "0123456789abcdef0123456789abcdef01234567",
	}
}

type env struct {
	db      *store.DB
	queue   *jobs.Queue
	metrics *metrics.Metrics
	logs    *syncbuf.Buffer
}

// start opens the database at url and starts a queue on it, stopped at the
// end of the test.
func start(t *testing.T, url string, o jobs.Options) *env {
	t.Helper()
	db := storetest.Open(t, url)
	return startOn(t, db, o)
}

func startOn(t *testing.T, db *store.DB, o jobs.Options) *env {
	t.Helper()
	e := &env{db: db, logs: &syncbuf.Buffer{}}
	e.metrics = metrics.New(prometheus.NewRegistry())
	o.Metrics = e.metrics
	o.Logger = slog.New(slog.NewJSONHandler(e.logs, nil))
	if o.RetryPolicy == nil {
		o.RetryPolicy = soon{}
	}
	if o.FetchPollInterval == 0 {
		o.FetchPollInterval = 50 * time.Millisecond
	}
	q, err := jobs.NewQueue(db, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = q.Stop(context.Background(), 5*time.Second) })
	e.queue = q
	return e
}

func TestEnqueueRunsOnceAndDedupes(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, url string) {
		rec := newRecorder()
		e := start(t, url, jobs.Options{Processors: jobs.RegistryOf[jobs.PullRequestArgs](rec)})
		ctx := context.Background()
		first, err := e.queue.Enqueue(ctx, "pull_request", "opened", prArgs("d-1"))
		if err != nil {
			t.Fatal(err)
		}
		if first.Duplicate || first.JobID == 0 {
			t.Fatalf("first enqueue = %+v", first)
		}
		rec.wait(t, 1)
		again, err := e.queue.Enqueue(ctx, "pull_request", "opened", prArgs("d-1"))
		if err != nil {
			t.Fatal(err)
		}
		if !again.Duplicate {
			t.Fatalf("redelivery = %+v, want Duplicate", again)
		}
		time.Sleep(200 * time.Millisecond) // room for a wrong second run
		if n := rec.count("d-1"); n != 1 {
			t.Fatalf("ran %d times, want 1", n)
		}
		d, err := e.db.Delivery(ctx, "d-1")
		if err != nil || d.JobID != first.JobID || d.Event != "pull_request" || d.Repo != "octo/app" {
			t.Fatalf("delivery row %+v, %v", d, err)
		}
		if got := testutil.ToFloat64(e.metrics.Jobs.WithLabelValues("pull_request", metrics.JobSucceeded)); got != 1 {
			t.Errorf("succeeded metric = %v", got)
		}
	})
}

// Copies of one delivery arriving at once: exactly one job.
func TestConcurrentDuplicates(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, url string) {
		rec := newRecorder()
		e := start(t, url, jobs.Options{Processors: jobs.RegistryOf[jobs.PullRequestArgs](rec)})
		var queued, dup atomic.Int32
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := e.queue.Enqueue(context.Background(), "pull_request", "opened", prArgs("same"))
				if err != nil {
					t.Error(err)
					return
				}
				if r.Duplicate {
					dup.Add(1)
				} else {
					queued.Add(1)
				}
			}()
		}
		wg.Wait()
		if queued.Load() != 1 || dup.Load() != 7 {
			t.Fatalf("queued %d, duplicates %d; want 1 and 7", queued.Load(), dup.Load())
		}
		rec.wait(t, 1)
		time.Sleep(200 * time.Millisecond)
		if n := rec.count("same"); n != 1 {
			t.Fatalf("ran %d times", n)
		}
	})
}

func TestRetriesThenSucceeds(t *testing.T) {
	t.Parallel()
	rec := newRecorder()
	rec.fail = func(job jobs.Job[jobs.PullRequestArgs]) error {
		if job.Attempt < 3 {
			return errors.New("GitHub answered 502")
		}
		return nil
	}
	e := start(t, storetest.SQLiteURL(t), jobs.Options{Processors: jobs.RegistryOf[jobs.PullRequestArgs](rec)})
	if _, err := e.queue.Enqueue(context.Background(), "pull_request", "opened", prArgs("flaky")); err != nil {
		t.Fatal(err)
	}
	rec.wait(t, 1)
	if n := rec.count("flaky"); n != 3 {
		t.Fatalf("ran %d times, want 3", n)
	}
	if got := testutil.ToFloat64(e.metrics.JobRetries.WithLabelValues("pull_request")); got != 2 {
		t.Errorf("retries metric = %v, want 2", got)
	}
	if got := testutil.ToFloat64(e.metrics.Jobs.WithLabelValues("pull_request", metrics.JobRetried)); got != 2 {
		t.Errorf("retried metric = %v, want 2", got)
	}
	if got := testutil.ToFloat64(e.metrics.JobFailures.WithLabelValues("pull_request")); got != 0 {
		t.Errorf("failures metric = %v, want 0", got)
	}
}

// A job that keeps failing ends visibly: an error line with the delivery
// ID and the failure metric.
func TestExhaustedJobIsLoggedAndCounted(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		err      error
		wantRuns int
	}{
		{"keeps failing", errors.New("boom"), 3},
		{"permanent", fmt.Errorf("installation 7 was deleted: %w", jobs.ErrPermanent), 1},
		// Options.Permanent recognises it (serve: GitHub's permanent answers).
		{"recognised as permanent", errRefused, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var runs atomic.Int32
			p := jobs.ProcessorFunc[jobs.PullRequestArgs](func(ctx context.Context, job jobs.Job[jobs.PullRequestArgs]) error {
				runs.Add(1)
				return tt.err
			})
			e := start(t, storetest.SQLiteURL(t), jobs.Options{MaxAttempts: 3, Processors: jobs.RegistryOf[jobs.PullRequestArgs](p),
				Permanent: func(err error) bool { return errors.Is(err, errRefused) }})
			if _, err := e.queue.Enqueue(context.Background(), "pull_request", "opened", prArgs("doomed-delivery")); err != nil {
				t.Fatal(err)
			}
			failures := e.metrics.JobFailures.WithLabelValues("pull_request")
			deadline := time.Now().Add(20 * time.Second)
			for testutil.ToFloat64(failures) < 1 {
				if time.Now().After(deadline) {
					t.Fatalf("no failure counted; logs:\n%s", e.logs)
				}
				time.Sleep(20 * time.Millisecond)
			}
			time.Sleep(200 * time.Millisecond)
			if int(runs.Load()) != tt.wantRuns {
				t.Errorf("ran %d times, want %d", runs.Load(), tt.wantRuns)
			}
			logs := e.logs.String()
			if !bytes.Contains([]byte(logs), []byte(`"level":"ERROR","msg":"job failed for good`)) ||
				!bytes.Contains([]byte(logs), []byte(`"delivery":"doomed-delivery"`)) {
				t.Errorf("no error line with the delivery ID:\n%s", logs)
			}
		})
	}
}

func TestPanicIsRetried(t *testing.T) {
	t.Parallel()
	var runs atomic.Int32
	done := make(chan struct{})
	p := jobs.ProcessorFunc[jobs.PullRequestArgs](func(ctx context.Context, job jobs.Job[jobs.PullRequestArgs]) error {
		if runs.Add(1) == 1 {
			panic("nil map")
		}
		close(done)
		return nil
	})
	start(t, storetest.SQLiteURL(t), jobs.Options{Processors: jobs.RegistryOf[jobs.PullRequestArgs](p)}).
		queue.Enqueue(context.Background(), "pull_request", "opened", prArgs("panics"))
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("the job was not retried after its panic")
	}
}

// The job is committed when Enqueue returns: a process that dies right
// after answering 202, before any worker picked the job up, loses nothing.
// Reopening the database runs it, once.
func TestCommittedJobSurvivesACrash(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, url string) {
		ctx := context.Background()
		db, err := store.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Migrate(ctx, nil); err != nil {
			t.Fatal(err)
		}
		// A queue that never starts: the "process" that acknowledged.
		q, err := jobs.NewQueue(db, jobs.Options{Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := q.Enqueue(ctx, "pull_request", "opened", prArgs("crash")); err != nil {
			t.Fatal(err)
		}
		db.Close() // the crash

		rec := newRecorder()
		startOn(t, storetest.Open(t, url), jobs.Options{Processors: jobs.RegistryOf[jobs.PullRequestArgs](rec)})
		rec.wait(t, 1)
		time.Sleep(300 * time.Millisecond)
		if n := rec.count("crash"); n != 1 {
			t.Fatalf("ran %d times after the restart, want 1", n)
		}
	})
}

// A job left "running" by a process killed mid-job is rescued after
// RescueAfter and runs to completion once.
func TestStuckJobIsRescued(t *testing.T) {
	t.Parallel()
	url := storetest.SQLiteURL(t)
	ctx := context.Background()
	db := storetest.Open(t, url)
	q, err := jobs.NewQueue(db, jobs.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	r, err := q.Enqueue(ctx, "pull_request", "opened", prArgs("killed"))
	if err != nil {
		t.Fatal(err)
	}
	// What kill -9 leaves: the job running, attempted a while ago, by a
	// worker that no longer exists.
	if _, err := db.Q().Exec(ctx, `UPDATE river_job SET state = 'running', attempt = 1,
		attempted_at = ?, attempted_by = '["dead-client"]' WHERE id = ?`, time.Now().Add(-time.Minute).UTC(), r.JobID); err != nil {
		t.Fatal(err)
	}
	rec := newRecorder()
	startOn(t, db, jobs.Options{Processors: jobs.RegistryOf[jobs.PullRequestArgs](rec), JobTimeout: time.Second, RescueAfter: 2 * time.Second})
	// River's rescuer runs on the leader at an interval; give it time.
	got := rec.wait(t, 1)
	if got[0] != "killed" {
		t.Fatalf("ran %v", got)
	}
	time.Sleep(300 * time.Millisecond)
	if n := rec.count("killed"); n != 1 {
		t.Fatalf("ran %d times, want 1", n)
	}
}

// Stop lets a running job finish within the grace period; past it, the
// job's context is cancelled and the job goes back to the queue.
func TestStopGrace(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		jobTakes  time.Duration
		grace     time.Duration
		wantState string
	}{
		{"finishes within grace", 100 * time.Millisecond, 5 * time.Second, "completed"},
		{"handed back after grace", time.Hour, 200 * time.Millisecond, "available"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			started := make(chan struct{})
			p := jobs.ProcessorFunc[jobs.PullRequestArgs](func(ctx context.Context, job jobs.Job[jobs.PullRequestArgs]) error {
				close(started)
				select {
				case <-time.After(tt.jobTakes):
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			})
			ctx := context.Background()
			db := storetest.Open(t, storetest.SQLiteURL(t))
			q, err := jobs.NewQueue(db, jobs.Options{Logger: slog.New(slog.DiscardHandler), Processors: jobs.RegistryOf[jobs.PullRequestArgs](p)})
			if err != nil {
				t.Fatal(err)
			}
			if err := q.Start(ctx); err != nil {
				t.Fatal(err)
			}
			r, err := q.Enqueue(ctx, "pull_request", "opened", prArgs("slow"))
			if err != nil {
				t.Fatal(err)
			}
			<-started
			begin := time.Now()
			if err := q.Stop(ctx, tt.grace); err != nil {
				t.Fatal(err)
			}
			if took := time.Since(begin); took > tt.grace+5*time.Second {
				t.Errorf("Stop took %v with a grace of %v", took, tt.grace)
			}
			if err := q.Ready(ctx); !errors.Is(err, jobs.ErrNotRunning) {
				t.Errorf("Ready after Stop = %v", err)
			}
			var state string
			if err := db.Q().QueryRow(ctx, "SELECT state FROM river_job WHERE id = ?", r.JobID).Scan(&state); err != nil {
				t.Fatal(err)
			}
			if state != tt.wantState && !(tt.wantState == "available" && state == "retryable") {
				t.Errorf("job state %q, want %q", state, tt.wantState)
			}
		})
	}
}

// Two servers on one Postgres database never run the same job twice.
func TestTwoProcessesOnePostgres(t *testing.T) {
	t.Parallel()
	url := storetest.PostgresSchemaURL(t)
	var mu sync.Mutex
	runs := map[string]int{}
	total := make(chan struct{}, 1000)
	p := jobs.ProcessorFunc[jobs.PullRequestArgs](func(ctx context.Context, job jobs.Job[jobs.PullRequestArgs]) error {
		mu.Lock()
		runs[job.Args.Delivery]++
		mu.Unlock()
		time.Sleep(2 * time.Millisecond)
		total <- struct{}{}
		return nil
	})
	a := start(t, url, jobs.Options{Processors: jobs.RegistryOf[jobs.PullRequestArgs](p)})
	b := start(t, url, jobs.Options{Processors: jobs.RegistryOf[jobs.PullRequestArgs](p)})
	const n = 200
	for i := range n {
		q := a.queue
		if i%2 == 1 {
			q = b.queue
		}
		if _, err := q.Enqueue(context.Background(), "pull_request", "opened", prArgs(fmt.Sprintf("d-%03d", i))); err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		select {
		case <-total:
		case <-time.After(30 * time.Second):
			t.Fatalf("only %d of %d jobs ran", i, n)
		}
	}
	time.Sleep(300 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if len(runs) != n {
		t.Fatalf("%d distinct jobs ran, want %d", len(runs), n)
	}
	for d, c := range runs {
		if c != 1 {
			t.Errorf("%s ran %d times", d, c)
		}
	}
}

func TestLogProcessorLogsJobFields(t *testing.T) {
	t.Parallel()
	e := start(t, storetest.SQLiteURL(t), jobs.Options{})
	if _, err := e.queue.Enqueue(context.Background(), "pull_request", "opened", prArgs("logged")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !bytes.Contains([]byte(e.logs.String()), []byte(`"msg":"received"`)) {
		if time.Now().After(deadline) {
			t.Fatalf("no received line:\n%s", e.logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, want := range []string{`"delivery":"logged"`, `"installation":7`, `"repo":"octo/app"`, `"pr":12`, `"kind":"pull_request"`, `"head_sha":"0123456789abcdef`} {
		if !bytes.Contains([]byte(e.logs.String()), []byte(want)) {
			t.Errorf("job log lacks %s:\n%s", want, e.logs)
		}
	}
}

func TestReadyAndDepth(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storetest.Open(t, storetest.SQLiteURL(t))
	q, err := jobs.NewQueue(db, jobs.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Ready(ctx); !errors.Is(err, jobs.ErrNotRunning) {
		t.Fatalf("Ready before Start = %v", err)
	}
	if _, err := q.Enqueue(ctx, "pull_request", "opened", prArgs("waiting")); err != nil {
		t.Fatal(err)
	}
	depth, err := q.Depth(ctx)
	if err != nil || depth["available"] != 1 {
		t.Fatalf("depth = %v, %v; want 1 available", depth, err)
	}
}

// errRefused stands for an answer Options.Permanent recognises.
var errRefused = errors.New("403 Repository was archived so is read-only")

// A job that cannot do its work until an operator acts (no App
// credentials) ends at once, logged and counted as skipped — never as
// succeeded, never retried.
func TestSkippedJobIsNeitherSucceededNorRetried(t *testing.T) {
	t.Parallel()
	var runs atomic.Int32
	p := jobs.ProcessorFunc[jobs.PullRequestArgs](func(ctx context.Context, job jobs.Job[jobs.PullRequestArgs]) error {
		runs.Add(1)
		return jobs.NoCredentials("the pull request is not checked")
	})
	e := start(t, storetest.SQLiteURL(t), jobs.Options{Processors: jobs.RegistryOf[jobs.PullRequestArgs](p)})
	if _, err := e.queue.Enqueue(context.Background(), "pull_request", "opened", prArgs("no-creds")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for testutil.ToFloat64(e.metrics.Jobs.WithLabelValues("pull_request", metrics.JobSkipped)) < 1 {
		if time.Now().After(deadline) {
			t.Fatalf("the job was never counted as skipped:\n%s", e.logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // room for a wrong retry
	if n := runs.Load(); n != 1 {
		t.Errorf("ran %d times, want 1", n)
	}
	for outcome, want := range map[string]float64{metrics.JobSkipped: 1, metrics.JobSucceeded: 0, metrics.JobRetried: 0, metrics.JobFailed: 0} {
		if got := testutil.ToFloat64(e.metrics.Jobs.WithLabelValues("pull_request", outcome)); got != want {
			t.Errorf("djsec_jobs_total{outcome=%q} = %v, want %v", outcome, got, want)
		}
	}
	logs := e.logs.String()
	for _, line := range []string{`"level":"WARN","msg":"job skipped"`, `"reason":"skipped: no App credentials (set APP_ID and PRIVATE_KEY, or register the App): the pull request is not checked"`, `"delivery":"no-creds"`} {
		if !strings.Contains(logs, line) {
			t.Errorf("logs lack %s:\n%s", line, logs)
		}
	}
}
