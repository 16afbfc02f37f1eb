package checkrun_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river/rivertype"

	"github.com/djsec/djsec/checks"
	"github.com/djsec/djsec/config"
	"github.com/djsec/djsec/githubapp"
	"github.com/djsec/djsec/githubapp/githubtest"
	"github.com/djsec/djsec/handlers"
	"github.com/djsec/djsec/internal/syncbuf"
	"github.com/djsec/djsec/jobs"
	"github.com/djsec/djsec/jobs/checkrun"
	"github.com/djsec/djsec/jobs/checkrun/review"
	"github.com/djsec/djsec/metrics"
	"github.com/djsec/djsec/osv"
	"github.com/djsec/djsec/store"
	"github.com/djsec/djsec/store/storetest"
)

const webhookSecret = "checkrun-test-secret"

// soon retries failed jobs after 10 ms instead of River's attempt⁴ seconds.
type soon struct{}

func (soon) NextRetry(*rivertype.JobRow) time.Time { return time.Now().Add(10 * time.Millisecond) }

// env is the whole server side of the check, as `bot serve` wires it: the
// real webhook handler and River queue on a fresh database, the checkrun
// processor, and GitHub played by githubtest.
type env struct {
	t       testing.TB
	gh      *githubtest.Server
	repo    *githubtest.Repo
	db      *store.DB
	queue   *jobs.Queue
	handler http.Handler
	proc    *checkrun.Processor
	reg     *prometheus.Registry
	logs    *syncbuf.Buffer
	started bool

	mu       sync.Mutex
	outcomes map[string][]error // by delivery, one per attempt
	nextID   atomic.Int64
}

type envOptions struct {
	url   string // DATABASE_URL (default: a fresh SQLite file)
	fixer checkrun.FixRequester
	// paused leaves the queue stopped until env.start.
	paused bool
	fake   []githubtest.Option
	// maxBytes is checkrun.Options.MaxBytes (0: the default).
	maxBytes int64
	// afterCheck is checkrun.Options.AfterCheck.
	afterCheck func(ctx context.Context, origin jobs.Origin, pr int, cfg *checks.Config, res *review.Result) error
	// advisories is checkrun.Options.Advisories.
	advisories *osv.Client
}

func newEnv(t testing.TB, o envOptions) *env {
	t.Helper()
	if o.url == "" {
		o.url = storetest.SQLiteURL(t)
	}
	e := &env{t: t, logs: &syncbuf.Buffer{}, outcomes: map[string][]error{}, reg: prometheus.NewRegistry()}
	e.gh = githubtest.New(t, o.fake...)
	inst := e.gh.AddInstallation(42, "octo-org")
	e.repo = e.gh.AddRepo(inst, "octo-org/mysite")
	e.db = storetest.Open(t, o.url)
	logger := slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	clients, err := githubapp.NewClientCreator(githubapp.Config{
		BaseURL: e.gh.URL, AppID: e.gh.AppID(), PrivateKey: e.gh.AppPrivateKeyPEM(),
		ETags: e.db.ETags(), Logger: logger,
		Sleep: func(ctx context.Context, d time.Duration) error { return ctx.Err() },
	})
	if err != nil {
		t.Fatal(err)
	}
	e.proc, err = checkrun.New(checkrun.Options{
		Clients: clients, DB: e.db, WebURL: "https://github.com", RulesVersion: "test+00000000",
		Fixer: o.fixer, Registerer: e.reg, AfterCheck: o.afterCheck, MaxBytes: o.maxBytes, Advisories: o.advisories,
	})
	if err != nil {
		t.Fatal(err)
	}
	procs := jobs.Registered(e.proc.Register)
	jobs.Register(procs, record(e, jobs.Lookup[jobs.PullRequestArgs](procs)))
	jobs.Register(procs, record(e, jobs.Lookup[jobs.CheckRerunArgs](procs)))
	jobs.Register(procs, record(e, jobs.Lookup[jobs.CheckActionArgs](procs)))
	jobs.Register(procs, record(e, jobs.Lookup[jobs.MergeGroupArgs](procs)))
	e.queue, err = jobs.NewQueue(e.db, jobs.Options{
		Processors: procs, Logger: logger, Metrics: metrics.New(prometheus.NewRegistry()),
		RetryPolicy: soon{}, FetchPollInterval: 20 * time.Millisecond, MaxAttempts: 5,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.handler = handlers.New(handlers.Options{
		Verifier: handlers.NewVerifier([]config.Secret{config.Secret(webhookSecret)}, false),
		Queue:    e.queue, Ready: e.queue, Logger: logger, AppID: e.gh.AppID,
		Metrics: metrics.New(prometheus.NewRegistry()), Gatherer: prometheus.NewRegistry(),
	})
	t.Cleanup(func() {
		if e.started {
			_ = e.queue.Stop(context.Background(), 5*time.Second)
		}
		if t.Failed() {
			t.Logf("logs:\n%s", e.logs)
		}
	})
	if !o.paused {
		e.start()
	}
	return e
}

func (e *env) start() {
	e.t.Helper()
	if err := e.queue.Start(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	e.started = true
}

// record wraps a processor to report every attempt's outcome.
func record[T jobs.Args](e *env, p jobs.Processor[T]) jobs.Processor[T] {
	return jobs.ProcessorFunc[T](func(ctx context.Context, job jobs.Job[T]) error {
		err := p.Process(ctx, job)
		e.mu.Lock()
		d := job.Args.JobOrigin().Delivery
		e.outcomes[d] = append(e.outcomes[d], err)
		e.mu.Unlock()
		return err
	})
}

// deliver posts a signed webhook through the real handler and returns the
// delivery ID.
func (e *env) deliver(event string, body []byte) string {
	e.t.Helper()
	id := fmt.Sprintf("delivery-%d", e.nextID.Add(1))
	e.deliverAs(event, id, body)
	return id
}

func (e *env) deliverAs(event, id string, body []byte) {
	e.t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(handlers.EventHeader, event)
	req.Header.Set(handlers.DeliveryHeader, id)
	req.Header.Set(handlers.SignatureHeader, handlers.Sign([]byte(webhookSecret), body))
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	if rec.Code != http.StatusAccepted && rec.Code != http.StatusOK {
		e.t.Fatalf("webhook %s: %d %s", event, rec.Code, rec.Body)
	}
}

// attempts returns the outcomes of delivery's job attempts so far.
func (e *env) attempts(delivery string) []error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]error(nil), e.outcomes[delivery]...)
}

// wait returns once the job of delivery succeeded, with the errors of the
// attempts before (retried); it fails the test when the job fails for good
// or takes too long.
func (e *env) wait(delivery string) []error {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := e.attempts(delivery)
		for i, err := range got {
			if err == nil {
				return got[:i]
			}
		}
		if len(got) >= 5 {
			e.t.Fatalf("job %s failed %d times: %v", delivery, len(got), got)
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("job %s did not finish within 30s (failed attempts: %v)", delivery, got)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// waitAttempt returns the outcome of delivery's first attempt.
func (e *env) waitAttempt(delivery string) error {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if got := e.attempts(delivery); len(got) > 0 {
			return got[0]
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("job %s did not run within 30s", delivery)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// ours returns the check runs djsec made on sha.
func (e *env) runs(sha string) []githubtest.CheckRun {
	var out []githubtest.CheckRun
	for _, cr := range e.repo.CheckRuns() {
		if cr.HeadSHA == sha && cr.Name == checkrun.Name {
			out = append(out, cr)
		}
	}
	return out
}

// only returns the one check run on sha, failing when there is not one.
func (e *env) only(sha string) githubtest.CheckRun {
	e.t.Helper()
	runs := e.runs(sha)
	if len(runs) != 1 {
		e.t.Fatalf("%d check runs on %s, want 1: %+v", len(runs), sha, runs)
	}
	return runs[0]
}

// pr opens a pull request from branch head (committed with files on top of
// main) and returns it.
func (e *env) pr(head string, files map[string]string) *githubtest.Pull {
	e.t.Helper()
	e.repo.Commit(head, files)
	return e.repo.AddPull(githubtest.Pull{HeadRef: head})
}

// open delivers pull_request opened for p and waits for its job.
func (e *env) open(p *githubtest.Pull) string {
	e.t.Helper()
	id := e.deliver("pull_request", e.gh.PullRequestEvent(e.t, e.repo, p.Number, "opened"))
	e.wait(id)
	return id
}

// annotations decodes a run's annotations.
type ann struct {
	Path               string
	StartLine, EndLine int
	Level, Title, Msg  string
}

func annotations(cr githubtest.CheckRun) []ann {
	var out []ann
	for _, a := range cr.Annotations {
		n := func(k string) int {
			var v int
			fmt.Sscan(fmt.Sprint(a[k]), &v)
			return v
		}
		out = append(out, ann{Path: fmt.Sprint(a["path"]), StartLine: n("start_line"), EndLine: n("end_line"),
			Level: fmt.Sprint(a["annotation_level"]), Title: fmt.Sprint(a["title"]), Msg: fmt.Sprint(a["message"])})
	}
	return out
}
