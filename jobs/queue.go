package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/djsec/djsec/metrics"
	"github.com/djsec/djsec/store"
)

// Defaults of Options.
const (
	DefaultMaxAttempts = 10 // attempt⁴ s backoff: the 10th try comes about 4 h after the first
	DefaultJobTimeout  = 2 * time.Minute
	// DefaultRescueAfter is when a job left "running" by a process that
	// died (kill -9, a lost machine) is handed to another worker. It must
	// exceed the job timeout, or a slow job could run twice.
	DefaultRescueAfter = 5 * time.Minute
)

// ErrNotRunning is what Ready reports before Start and after Stop.
var ErrNotRunning = errors.New("job queue is not running")

// FetchCooldown is the least time between two fetches of jobs. River's
// default, 100 ms, caps a process at about ten jobs per worker per second
// whatever the jobs cost: at 200 deliveries/s the queue fell behind by
// 24 s over 15 s (scripts/ackbench, docs/BENCHMARKS.md). At 20 ms it keeps
// up (drained 0.2 s after the sending ended, acknowledgement p99 4.3-4.8 ms
// against 4.2-4.7) for a fetch query every 20 ms while jobs wait.
const FetchCooldown = 20 * time.Millisecond

// Options configure a Queue. The zero value works.
type Options struct {
	// Workers is how many jobs run at once in this process (default 10).
	Workers int
	// Processors do the work of each kind (a kind not registered: LogProcessor).
	Processors *Registry
	// Metrics receive job counts and durations (default: a private registry).
	Metrics *metrics.Metrics
	// Logger is the base of every job's logger (default slog.Default()).
	Logger *slog.Logger
	// MaxAttempts is how often a failing job runs before it is discarded.
	MaxAttempts int
	// JobTimeout cancels a job's context after this long.
	JobTimeout time.Duration
	// RescueAfter: see DefaultRescueAfter. Must exceed JobTimeout.
	RescueAfter time.Duration
	// KindTimeouts replace JobTimeout for the kinds they name (the fix-up
	// job's, FixupTimeout); each must stay under RescueAfter.
	KindTimeouts map[string]time.Duration
	// FetchPollInterval is how often an idle worker looks for jobs inserted
	// by another process (River's default, 1 s, when zero). Jobs inserted
	// by this process are picked up at once.
	FetchPollInterval time.Duration
	// RetryPolicy overrides River's backoff (tests make retries immediate).
	RetryPolicy river.ClientRetryPolicy
	// RetryAfter reads, from a failed attempt's error, how long the
	// service it called asked to be left alone (serve: githubapp.RetryAfter,
	// a secondary rate limit's Retry-After); the retry waits at least that
	// long, up to an hour, instead of River's backoff alone.
	RetryAfter func(err error) (time.Duration, bool)
	// Permanent recognises, in a failed attempt's error, an answer no
	// retry changes even when the processor did not wrap ErrPermanent
	// (serve: githubapp.IsPermanent — an archived repository, issues turned
	// off, a repository or installation gone): the job ends at once.
	Permanent func(err error) bool
	// Periodic are jobs River queues on a schedule (the weekly audit
	// sweep); the elected leader alone inserts them.
	Periodic []*river.PeriodicJob
}

// Queue is the durable job queue on a store.DB: River's client for the
// database's dialect, with djsec's workers registered.
type Queue struct {
	db      *store.DB
	backend backend
	intake  *intake
	logger  *slog.Logger

	mu      sync.Mutex
	running bool
	stopped <-chan struct{}
}

// backend hides the transaction type River's client is generic over
// (*sql.Tx for SQLite, pgx.Tx for Postgres).
type backend interface {
	start(ctx context.Context) error
	stop(ctx context.Context) error
	stopAndCancel(ctx context.Context) error
	stoppedCh() <-chan struct{}
	enqueue(ctx context.Context, d store.Delivery, args Args) (jobID int64, inserted bool, err error)
	enqueueGroup(ctx context.Context, group []*intakeRequest) error
	insert(ctx context.Context, args Args) (int64, error)
}

// NewQueue builds the queue on db. Call db.Migrate first.
func NewQueue(db *store.DB, opts Options) (*Queue, error) {
	if opts.Workers <= 0 {
		opts.Workers = 10
	}
	if opts.Metrics == nil {
		opts.Metrics = metrics.New(prometheus.NewRegistry())
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = DefaultMaxAttempts
	}
	if opts.JobTimeout == 0 {
		opts.JobTimeout = DefaultJobTimeout
	}
	if opts.RescueAfter == 0 {
		opts.RescueAfter = DefaultRescueAfter
	}

	ws := river.NewWorkers()
	for _, add := range kinds {
		add(ws, opts.Processors, opts)
	}

	cfg := &river.Config{
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: opts.Workers}},
		Workers:              ws,
		MaxAttempts:          opts.MaxAttempts,
		JobTimeout:           opts.JobTimeout,
		RescueStuckJobsAfter: opts.RescueAfter,
		FetchPollInterval:    opts.FetchPollInterval,
		RetryPolicy:          opts.RetryPolicy,
		// River's own lines (client started, leadership, …) at warn and up:
		// djsec logs what matters about each job itself.
		Logger: slog.New(levelFloor{opts.Logger.Handler(), slog.LevelWarn}),
		// A job of a kind this build does not know (a newer deploy inserted
		// it) stays queued for a process that does, instead of failing.
		FetchOnlyKnownKinds: true,
		PeriodicJobs:        opts.Periodic,
	}

	cfg.FetchCooldown = FetchCooldown
	if opts.FetchPollInterval > 0 && opts.FetchPollInterval < cfg.FetchCooldown {
		cfg.FetchCooldown = opts.FetchPollInterval
	}

	q := &Queue{db: db, logger: opts.Logger}
	switch db.Dialect() {
	case store.Postgres:
		c, err := river.NewClient(riverpgxv5.New(db.Pool()), cfg)
		if err != nil {
			return nil, fmt.Errorf("job queue: %w", err)
		}
		q.backend = &riverBackend[pgx.Tx]{client: c, begin: func(ctx context.Context) (pgx.Tx, store.Querier, func(context.Context) error, func(), error) {
			tx, err := db.Pool().Begin(ctx)
			if err != nil {
				return nil, nil, nil, nil, err
			}
			return tx, store.PgxTx(tx), tx.Commit, func() { _ = tx.Rollback(context.Background()) }, nil
		}}
	default:
		c, err := river.NewClient(riversqlite.New(db.SQL()), cfg)
		if err != nil {
			return nil, fmt.Errorf("job queue: %w", err)
		}
		q.backend = &riverBackend[*sql.Tx]{client: c, begin: func(ctx context.Context) (*sql.Tx, store.Querier, func(context.Context) error, func(), error) {
			tx, err := db.SQL().BeginTx(ctx, nil)
			if err != nil {
				return nil, nil, nil, nil, err
			}
			return tx, store.SQLTx(tx), func(context.Context) error { return tx.Commit() }, func() { _ = tx.Rollback() }, nil
		}}
	}
	q.intake = &intake{requests: make(chan *intakeRequest), stop: make(chan struct{}),
		writers: intakeWriters(db.Dialect()), commit: q.backend.enqueueGroup, one: q.backend.enqueue}
	return q, nil
}

// Start starts working jobs; it returns once the workers run.
func (q *Queue) Start(ctx context.Context) error {
	if err := q.backend.start(ctx); err != nil {
		return fmt.Errorf("start job queue: %w", err)
	}
	q.mu.Lock()
	q.running = true
	q.stopped = q.backend.stoppedCh()
	q.mu.Unlock()
	return nil
}

// Stop stops fetching jobs and lets the running ones finish within grace;
// then it cancels their contexts (River hands them back to the queue, to
// run again on the next start or on another machine) and waits at most
// HardStopTimeout more for them to return.
func (q *Queue) Stop(ctx context.Context, grace time.Duration) error {
	q.mu.Lock()
	q.running = false
	q.mu.Unlock()
	// The HTTP server stopped first: the deliveries it took are committed
	// before the writers go (a late one commits alone).
	q.intake.close()

	soft, cancel := context.WithTimeout(ctx, grace)
	defer cancel()
	err := q.backend.stop(soft)
	if err == nil {
		return nil
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("stop job queue: %w", err)
	}
	q.logger.WarnContext(ctx, "the queue did not stop within the grace period; cancelling running jobs (they will run again)",
		slog.Duration("grace", grace))
	hard, cancelHard := context.WithTimeout(ctx, HardStopTimeout)
	defer cancelHard()
	if err := q.backend.stopAndCancel(hard); err != nil {
		return fmt.Errorf("stop job queue: %w", err)
	}
	return nil
}

// HardStopTimeout bounds the wait for cancelled jobs (and River's own
// services) to return after the grace period.
const HardStopTimeout = 3 * time.Second

// Ready reports whether the queue can take and work jobs: the database
// answers and the workers are running.
func (q *Queue) Ready(ctx context.Context) error {
	q.mu.Lock()
	running, stopped := q.running, q.stopped
	q.mu.Unlock()
	if !running {
		return ErrNotRunning
	}
	select {
	case <-stopped:
		return ErrNotRunning
	default:
	}
	if err := q.db.Ping(ctx); err != nil {
		return fmt.Errorf("database: %w", err)
	}
	return nil
}

// Enqueued tells what Enqueue did.
type Enqueued struct {
	JobID int64
	// Duplicate is true when the delivery was already recorded: nothing was
	// inserted, the first copy's job stands.
	Duplicate bool
}

// Enqueue records the delivery and inserts its job in one transaction, and
// returns once both are committed. Deliveries that arrive together share
// the transaction (intake.go: group commit). A delivery ID seen before inserts
// nothing and reports Duplicate. Args that are a HeadRecorder also record
// their pull request's latest head in that transaction.
func (q *Queue) Enqueue(ctx context.Context, event, action string, args Args) (Enqueued, error) {
	o := args.JobOrigin()
	if o.Delivery == "" {
		return Enqueued{}, errors.New("enqueue: the job has no delivery ID")
	}
	d := store.Delivery{ID: o.Delivery, Event: event, Action: action, Installation: o.Installation, Repo: o.Repo}
	id, inserted, err := q.intake.submit(ctx, d, args)
	if err != nil {
		return Enqueued{}, fmt.Errorf("enqueue %s for delivery %s: %w", args.Kind(), o.Delivery, err)
	}
	return Enqueued{JobID: id, Duplicate: !inserted}, nil
}

// Insert queues a job with no delivery behind it (periodic work, tests).
func (q *Queue) Insert(ctx context.Context, args Args) (int64, error) {
	id, err := q.backend.insert(ctx, args)
	if err != nil {
		return 0, fmt.Errorf("insert %s: %w", args.Kind(), err)
	}
	return id, nil
}

// Depth counts the unfinished jobs by state, for the queue depth metric.
func (q *Queue) Depth(ctx context.Context) (map[string]int64, error) { return q.db.JobCounts(ctx) }

type riverBackend[TTx any] struct {
	client *river.Client[TTx]
	// begin opens a transaction: the native one for River, the same one as
	// a store.Querier, and its commit and rollback.
	begin func(ctx context.Context) (TTx, store.Querier, func(context.Context) error, func(), error)
}

func (b *riverBackend[TTx]) start(ctx context.Context) error { return b.client.Start(ctx) }
func (b *riverBackend[TTx]) stop(ctx context.Context) error  { return b.client.Stop(ctx) }
func (b *riverBackend[TTx]) stopAndCancel(ctx context.Context) error {
	return b.client.StopAndCancel(ctx)
}
func (b *riverBackend[TTx]) stoppedCh() <-chan struct{} { return b.client.Stopped() }

func (b *riverBackend[TTx]) enqueue(ctx context.Context, d store.Delivery, args Args) (int64, bool, error) {
	tx, q, commit, rollback, err := b.begin(ctx)
	if err != nil {
		return 0, false, fmt.Errorf("begin: %w", err)
	}
	defer rollback() // a no-op after commit
	res, err := b.client.InsertTx(ctx, tx, args, nil)
	if err != nil {
		return 0, false, fmt.Errorf("insert job: %w", err)
	}
	d.JobID = res.Job.ID
	inserted, err := store.InsertDelivery(ctx, q, d)
	if err != nil {
		return 0, false, err
	}
	if !inserted {
		return 0, false, nil // rolled back: the job goes with it
	}
	if hr, ok := args.(HeadRecorder); ok {
		if h, ok := hr.PRHead(); ok {
			if _, err := store.RecordPRHead(ctx, q, h); err != nil {
				return 0, false, err
			}
		}
	}
	if err := commit(ctx); err != nil {
		return 0, false, fmt.Errorf("commit: %w", err)
	}
	return res.Job.ID, true, nil
}

func (b *riverBackend[TTx]) insert(ctx context.Context, args Args) (int64, error) {
	res, err := b.client.Insert(ctx, args, nil)
	if err != nil {
		return 0, err
	}
	return res.Job.ID, nil
}

// levelFloor drops records below min (River's info chatter).
type levelFloor struct {
	slog.Handler
	min slog.Level
}

func (h levelFloor) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}
func (h levelFloor) WithAttrs(a []slog.Attr) slog.Handler {
	return levelFloor{h.Handler.WithAttrs(a), h.min}
}
func (h levelFloor) WithGroup(n string) slog.Handler {
	return levelFloor{h.Handler.WithGroup(n), h.min}
}
