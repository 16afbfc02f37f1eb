package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/djsec/djsec/internal/jobctx"
)

// Job is what a Processor gets: the typed arguments and where the job
// stands in its retries.
type Job[T Args] struct {
	ID          int64
	Args        T
	Attempt     int // 1 on the first run
	MaxAttempts int
	CreatedAt   time.Time
	// Crashed counts the earlier attempts whose process died while running
	// them (River rescued the job). A job that keeps killing its process —
	// a pull request whose files exhaust memory — is a poison job: at
	// MaxCrashes the processor should end it, saying why.
	Crashed int
}

// MaxCrashes is how many crashed attempts make a job a poison job.
const MaxCrashes = 2

// rescuedError is River's error on an attempt its rescuer took back from a
// process that stopped answering.
const rescuedError = "Stuck job rescued by JobRescuer"

// Processor does the work of one kind of job: the check run for
// PullRequestArgs, commands for CommentArgs …, each feature registering its
// own (Register) in the Registry NewQueue takes.
//
// Returning an error retries the job with River's backoff (attempt⁴
// seconds, ±10% jitter) until MaxAttempts; wrap ErrPermanent to give up at
// once. The context is cancelled on shutdown after the grace period and at
// the job timeout: honour it, the job runs again later.
type Processor[T Args] interface {
	Process(ctx context.Context, job Job[T]) error
}

// ProcessorFunc adapts a function to Processor.
type ProcessorFunc[T Args] func(ctx context.Context, job Job[T]) error

// Process calls f.
func (f ProcessorFunc[T]) Process(ctx context.Context, job Job[T]) error { return f(ctx, job) }

// ErrPermanent marks an error no retry can fix (the installation is gone,
// the repository was removed): wrap it, `fmt.Errorf("…: %w", jobs.ErrPermanent)`,
// and the job ends at once, logged and counted as failed.
var ErrPermanent = jobctx.ErrPermanent

// ErrSkipped marks a job that could not do its work and that no retry
// would help until an operator acts: the App has no credentials on this
// server yet (`serve --insecure-dev` with no APP_ID and PRIVATE_KEY).
// Wrap it with the reason (or use NoCredentials): the job ends without a
// retry, logged at warn level as "job skipped" with the reason and counted
// with outcome "skipped" — neither the logs nor the metrics then claim the
// delivery was handled.
var ErrSkipped = errors.New("skipped")

// NoCredentials is the job's error when the App has no credentials:
// undone says what was not done ("the pull request is not checked").
func NoCredentials(undone string) error {
	return fmt.Errorf("%w: no App credentials (set APP_ID and PRIVATE_KEY, or register the App): %s", ErrSkipped, undone)
}

// LogProcessor is every kind's processor until its feature lands: it logs
// "received" (the job's logger already carries the delivery, installation,
// repository and the kind's own fields) and succeeds.
type LogProcessor[T Args] struct{}

// Process logs the job.
func (LogProcessor[T]) Process(ctx context.Context, job Job[T]) error {
	Logger(ctx).InfoContext(ctx, "received")
	return nil
}

// Logger is the job's logger: JSON lines carrying job_id, kind, attempt,
// delivery, installation, repo and the kind's fields (pr, head_sha, …).
// Outside a job it is slog.Default().
func Logger(ctx context.Context) *slog.Logger { return jobctx.Logger(ctx) }

// WithLogger returns ctx carrying l as the job's logger.
func WithLogger(ctx context.Context, l *slog.Logger) context.Context {
	return jobctx.WithLogger(ctx, l)
}

// CrashAwareFunc is a ProcessorFunc that ends its own poison jobs: it is
// called even after MaxCrashes crashed attempts (Job.Crashed says so), to
// leave a word for the people waiting (a check run saying why), where
// other processors' jobs just end.
type CrashAwareFunc[T Args] func(ctx context.Context, job Job[T]) error

// Process calls f.
func (f CrashAwareFunc[T]) Process(ctx context.Context, job Job[T]) error { return f(ctx, job) }

// HandlesCrashes marks f as ending its own poison jobs.
func (CrashAwareFunc[T]) HandlesCrashes() bool { return true }
