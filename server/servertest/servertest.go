// Package servertest starts djsec's server for a test, the way policy-bot's
// pulltest and River's rivertest serve theirs: server.Run in-process on a
// fresh database, GitHub played by githubtest, signed deliveries through the
// real webhook handler and queue. It is the one harness of the worker tests
// (jobs/…), server's tests and e2e (which launches the real binary and
// shares the deliveries, waits, metrics and payloads kept here).
//
//	s := servertest.Start(t, servertest.Options{})
//	repo := s.GitHub().AddRepo(s.GitHub().AddInstallation(42, "octo-org"), "octo-org/mysite")
//	status, id := s.Deliver(t, "pull_request", s.GitHub().PullRequestEvent(t, repo, 1, "opened"))
//	s.WaitJob(t, id)
//	s.WaitIdle(t)
package servertest

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-github/v88/github"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river/rivertype"

	"github.com/djsec/djsec/config"
	"github.com/djsec/djsec/githubapp"
	"github.com/djsec/djsec/githubapp/githubtest"
	"github.com/djsec/djsec/handlers"
	"github.com/djsec/djsec/internal/syncbuf"
	"github.com/djsec/djsec/jobs"
	"github.com/djsec/djsec/osv"
	"github.com/djsec/djsec/server"
	"github.com/djsec/djsec/store"
	"github.com/djsec/djsec/store/storetest"
)

// Options of a test server; the zero value is a server on a fresh SQLite
// file, a fresh fake with no installation, the App's credentials from the
// fake and a webhook secret of its own.
type Options struct {
	// DatabaseURL is the database ("": a fresh SQLite file;
	// storetest.PostgresSchemaURL for Postgres; another server's URL to
	// start again on its database).
	DatabaseURL string
	// GitHub are the fake's options (githubtest.New).
	GitHub []githubtest.Option
	// Config adjusts the server's configuration after servertest filled
	// it (the fake's URL and App, the secret, 4 workers, a 5 s drain): a
	// test of registration clears the App, a drain test shortens the grace.
	Config func(*config.Config)
	// Server are server.Run's options: Tune, Queue, Register, InsecureDev.
	// servertest sets Listener, Logger, Registry and Ready, migrates unless
	// NoMigrate, polls the queue every 20 ms and retries after 10 ms.
	Server    server.Options
	NoMigrate bool
	// Redeliver keeps the redelivery sweep, whose first run at start asks
	// GitHub for the App's deliveries (off: a test counting calls would
	// see it).
	Redeliver bool
	// Prune keeps the periodic prune, which runs at start and deletes
	// rows by the real clock (off: a test's clock in the past would see
	// its rows vanish).
	Prune bool
	// Paused holds every job until Resume: deliveries are queued, none
	// is worked.
	Paused bool
}

// Server is a running test server.
type Server struct {
	URL string

	gh     *githubtest.Server
	cfg    config.Config
	logs   *syncbuf.Buffer
	cancel context.CancelFunc
	done   chan error
	err    error
	t      testing.TB

	dbOnce sync.Once
	db     *store.DB

	gate     chan struct{}
	gateOnce sync.Once

	mu       sync.Mutex
	stopped  bool
	attempts map[int64][]error // by job ID, one per attempt
	final    map[int64]bool    // the job failed for good
	procs    map[string]any    // kind → the server's processor, before recording
	jobOf    map[string]int64  // delivery → job ID
	nextID   atomic.Int64
}

// Secret is the webhook secret every servertest server verifies with.
const Secret = "servertest-webhook-secret"

// soon retries a failed job after 10 ms instead of River's attempt⁴ seconds.
type soon struct{}

func (soon) NextRetry(*rivertype.JobRow) time.Time { return time.Now().Add(10 * time.Millisecond) }

// Start starts the server and returns once it accepts deliveries; it stops
// when the test ends, and a failed test gets its logs.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	s := &Server{t: t, logs: &syncbuf.Buffer{}, done: make(chan error, 1), gate: make(chan struct{}),
		attempts: map[int64][]error{}, final: map[int64]bool{}, procs: map[string]any{}, jobOf: map[string]int64{}}
	if !o.Paused {
		s.Resume()
	}
	s.gh = githubtest.New(t, o.GitHub...)
	s.cfg = config.Config{
		WebhookSecrets:  []config.Secret{config.Secret(Secret)},
		DatabaseURL:     o.DatabaseURL,
		Workers:         4,
		ShutdownTimeout: 5 * time.Second,
		GitHubAPIURL:    s.gh.URL,
		AppID:           s.gh.AppID(),
		PrivateKey:      config.Secret(s.gh.AppPrivateKeyPEM()),
		Host:            "127.0.0.1",
	}
	if s.cfg.DatabaseURL == "" {
		s.cfg.DatabaseURL = storetest.SQLiteURL(t)
	}
	if o.Config != nil {
		o.Config(&s.cfg)
	}

	so := o.Server
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	so.Listener = ln
	so.Logger = slog.New(slog.NewJSONHandler(s.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	so.Registry = prometheus.NewRegistry()
	so.Migrate = !o.NoMigrate
	so.Version = cmp.Or(so.Version, "test")
	if so.Queue.FetchPollInterval == 0 {
		so.Queue.FetchPollInterval = 20 * time.Millisecond
	}
	if so.Queue.RetryPolicy == nil {
		so.Queue.RetryPolicy = soon{}
	}
	if so.Queue.MaxAttempts == 0 {
		so.Queue.MaxAttempts = 5
	}
	so.Tune.NoRedeliver = so.Tune.NoRedeliver || !o.Redeliver
	so.Tune.NoPrune = so.Tune.NoPrune || !o.Prune
	// Off the network unless the test names an OSV fake.
	if so.Tune.OSVURL == "" {
		so.Tune.OSVURL = osv.Off
	}
	// A rate limit or a secondary limit is not waited out: the test gets
	// the retry at once (a test that wants the wait sets its own Sleep).
	github := so.Tune.GitHub
	so.Tune.GitHub = func(c *githubapp.Config) {
		c.Sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
		if github != nil {
			github(c)
		}
	}
	register := so.Register
	so.Register = func(r *jobs.Registry) {
		if register != nil {
			register(r)
		}
		s.record(r)
	}
	ready := make(chan string, 1)
	so.Ready = ready

	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	go func() { s.done <- server.Run(ctx, s.cfg, so) }()
	select {
	case addr := <-ready:
		s.URL = "http://" + addr
	case err := <-s.done:
		cancel()
		t.Fatalf("server.Run returned at start: %v\n%s", err, s.logs)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatalf("the server did not start within 30s:\n%s", s.logs)
	}
	// Registered after the fake's cleanup, so it runs first: the server
	// drains while the fake still answers.
	t.Cleanup(func() {
		s.Resume()
		switch err := s.Stop(); {
		case errors.Is(err, errStopTimeout):
			t.Error(err)
		case err != nil:
			// A test that stopped the server has judged this already.
			t.Logf("server.Run: %v", err)
		}
		if t.Failed() {
			t.Logf("server logs:\n%s", s.logs)
		}
	})
	return s
}

var errStopTimeout = errors.New("server.Run did not return within 40s of its context's end")

// Stop cancels the server's context (SIGTERM) and returns what server.Run
// returned once it drained; again, it returns the same.
func (s *Server) Stop() error {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return s.err
	}
	s.stopped = true
	s.mu.Unlock()
	s.cancel()
	var err error
	select {
	case err = <-s.done:
	case <-time.After(40 * time.Second):
		err = errStopTimeout
	}
	s.mu.Lock()
	s.err = err
	s.mu.Unlock()
	return err
}

// Cancel cancels the server's context without waiting for the drain (the
// signal alone); Stop waits for it.
func (s *Server) Cancel() { s.cancel() }

// Resume lets the jobs of a Paused server run.
func (s *Server) Resume() { s.gateOnce.Do(func() { close(s.gate) }) }

// GitHub is the fake the server talks to.
func (s *Server) GitHub() *githubtest.Server { return s.gh }

// Config is the configuration the server runs with.
func (s *Server) Config() config.Config { return s.cfg }

// Logs is everything the server logged (JSON lines, debug and up).
func (s *Server) Logs() string { return s.logs.String() }

// DB is a handle of the test's own on the server's database.
func (s *Server) DB() *store.DB {
	s.dbOnce.Do(func() { s.db = storetest.Open(s.t, s.cfg.DatabaseURL) })
	return s.db
}

// NewDeliveryID returns a delivery ID no other delivery of this server had.
func (s *Server) NewDeliveryID() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("delivery-%d-%s", s.nextID.Add(1), hex.EncodeToString(b[:]))
}

// Deliver posts body as a signed webhook of event with a new delivery ID
// and returns the status and the ID; it fails the test only when the
// server cannot be reached.
func (s *Server) Deliver(t testing.TB, event string, body []byte) (status int, deliveryID string) {
	t.Helper()
	id := s.NewDeliveryID()
	status, _ = s.DeliverAs(t, event, id, body)
	return status, id
}

// DeliverAs is Deliver with the delivery ID given (a redelivery); it
// returns the status and the handler's answer.
func (s *Server) DeliverAs(t testing.TB, event, deliveryID string, body []byte) (status int, reply string) {
	t.Helper()
	status, reply, err := Post(s.URL, event, deliveryID, body, handlers.Sign([]byte(Secret), body))
	if err != nil {
		t.Fatalf("deliver %s %s: %v", event, deliveryID, err)
	}
	return status, reply
}

// Accepted is Deliver failing the test unless the server took the delivery
// (202 queued, or 200: a duplicate or an event it ignores).
func (s *Server) Accepted(t testing.TB, event string, body []byte) string {
	t.Helper()
	id := s.NewDeliveryID()
	if status, reply := s.DeliverAs(t, event, id, body); status != 202 && status != 200 {
		t.Fatalf("webhook %s: %d %s", event, status, reply)
	}
	return id
}

// Wait polls cond until it holds and fails the test after 30 s, naming
// what it waited for, with the server's logs.
func (s *Server) Wait(t testing.TB, what string, cond func() bool) {
	t.Helper()
	if err := Poll(30*time.Second, cond); err != nil {
		t.Fatalf("timed out after 30s waiting for %s", what)
	}
}

// WaitIdle returns once no job is available, running, retryable or
// pending in River's table (scheduled ones, such as an audit spread over
// the week, do not count).
func (s *Server) WaitIdle(t testing.TB) {
	t.Helper()
	s.Wait(t, "no job left to run", func() bool {
		c, err := s.DB().JobCounts(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return c["available"]+c["running"]+c["retryable"]+c["pending"] == 0
	})
}

// Insert queues args as another process (River's scheduler, a second
// machine) would; the server's workers take it.
func (s *Server) Insert(t testing.TB, args jobs.Args) int64 {
	t.Helper()
	return InsertJob(t, s.DB(), args)
}

// InsertJob queues args in db's River table.
func InsertJob(t testing.TB, db *store.DB, args jobs.Args) int64 {
	t.Helper()
	q, err := jobs.NewQueue(db, jobs.Options{})
	if err != nil {
		t.Fatalf("job queue: %v", err)
	}
	id, err := q.Insert(context.Background(), args)
	if err != nil {
		t.Fatalf("insert %s job: %v", args.Kind(), err)
	}
	return id
}

// Poll is Wait without a test: nil once cond holds (checked every 5 ms),
// an error after timeout.
func Poll(timeout time.Duration, cond func() bool) error {
	return PollEvery(timeout, 5*time.Millisecond, cond)
}

// PollEvery is Poll checking every interval.
func PollEvery(timeout, interval time.Duration, cond func() bool) error {
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("condition not met within %v", timeout)
		}
		time.Sleep(interval)
	}
}

// Metrics scrapes the server's GET /metrics.
func (s *Server) Metrics(t testing.TB) map[string][]Sample {
	t.Helper()
	m, err := ScrapeMetrics(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Metric is the sum of the samples of name whose labels include labels
// (see SumSamples); a metric never written is 0.
func (s *Server) Metric(t testing.TB, name string, labels map[string]string) float64 {
	t.Helper()
	return SumSamples(s.Metrics(t)[name], labels)
}

// InstallationClient is a go-github client of installation id on the
// fake, for a test that acts on GitHub as a person would (opens an issue).
func (s *Server) InstallationClient(t testing.TB, id int64) *github.Client {
	t.Helper()
	clients, err := githubapp.NewClientCreator(githubapp.Config{BaseURL: s.gh.URL, AppID: s.gh.AppID(), PrivateKey: s.gh.AppPrivateKeyPEM()})
	if err != nil {
		t.Fatal(err)
	}
	gh, err := clients.NewInstallationClient(id)
	if err != nil {
		t.Fatal(err)
	}
	return gh
}
