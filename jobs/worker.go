package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/djsec/djsec/metrics"
)

// worker runs one kind of job: it builds the job's logger, calls the kind's
// Processor, and turns the outcome into metrics and, on the last failed
// attempt, an error log line with the delivery ID.
type worker[T Args] struct {
	river.WorkerDefaults[T]
	processor  Processor[T]
	metrics    *metrics.Metrics
	logger     *slog.Logger
	retryAfter func(error) (time.Duration, bool)
	backoff    river.ClientRetryPolicy
	timeouts   map[string]time.Duration
	permanent  func(error) bool
	// notBefore holds, by job ID, the earliest retry the service asked for
	// (Options.RetryAfter), from the failed attempt to River's NextRetry.
	notBefore sync.Map
}

// maxRetryAfter caps a wait a service asks for (GitHub's primary rate
// limit resets within the hour).
const maxRetryAfter = time.Hour

func addWorker[T Args](ws *river.Workers, p Processor[T], o Options) {
	if p == nil {
		p = LogProcessor[T]{}
	}
	backoff := o.RetryPolicy
	if backoff == nil {
		backoff = &river.DefaultClientRetryPolicy{}
	}
	river.AddWorker(ws, &worker[T]{processor: p, metrics: o.Metrics, logger: o.Logger, retryAfter: o.RetryAfter, backoff: backoff, timeouts: o.KindTimeouts, permanent: o.Permanent})
}

// Timeout is River's per-kind deadline: Options.KindTimeouts, else the
// client's JobTimeout (zero).
func (w *worker[T]) Timeout(job *river.Job[T]) time.Duration {
	return w.timeouts[job.Kind]
}

// NextRetry is River's hook after a failed attempt: the time the service
// asked for when it is later than River's backoff would retry (zero: the
// backoff decides).
func (w *worker[T]) NextRetry(job *river.Job[T]) time.Time {
	at, ok := w.notBefore.LoadAndDelete(job.ID)
	if !ok {
		return time.Time{}
	}
	if t := at.(time.Time); t.After(w.backoff.NextRetry(job.JobRow)) {
		return t
	}
	return time.Time{}
}

func (w *worker[T]) Work(ctx context.Context, job *river.Job[T]) (err error) {
	kind := job.Kind
	o := job.Args.JobOrigin()
	attrs := []any{
		slog.Int64("job_id", job.ID),
		slog.String("kind", kind),
		slog.Int("attempt", job.Attempt),
		slog.String("delivery", o.Delivery),
		slog.Int64("installation", o.Installation),
	}
	if o.Repo != "" {
		attrs = append(attrs, slog.String("repo", o.Repo))
	}
	for _, a := range job.Args.LogAttrs() {
		attrs = append(attrs, a)
	}
	logger := w.logger.With(attrs...)
	ctx = WithLogger(ctx, logger)

	if job.Attempt > 1 {
		w.metrics.JobRetries.WithLabelValues(kind).Inc()
	}
	start := time.Now()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
		}
		w.metrics.JobSeconds.WithLabelValues(kind).Observe(time.Since(start).Seconds())
		err = w.finish(ctx, logger, job, err)
	}()

	crashed := 0
	for _, e := range job.Errors {
		if e.Error == rescuedError {
			crashed++
		}
	}
	if crashed >= MaxCrashes {
		logger.ErrorContext(ctx, "this job's process died while running it twice; ending it", slog.Int("crashed", crashed))
		if _, handles := any(w.processor).(interface{ HandlesCrashes() bool }); !handles {
			return fmt.Errorf("the process died running this job %d times: %w", crashed, ErrPermanent)
		}
	}
	return w.processor.Process(ctx, Job[T]{
		ID:          job.ID,
		Args:        job.Args,
		Attempt:     job.Attempt,
		MaxAttempts: job.MaxAttempts,
		CreatedAt:   job.CreatedAt,
		Crashed:     crashed,
	})
}

// finish counts the attempt and decides what River does next.
func (w *worker[T]) finish(ctx context.Context, logger *slog.Logger, job *river.Job[T], err error) error {
	kind := job.Kind
	switch {
	case err == nil:
		w.metrics.Jobs.WithLabelValues(kind, metrics.JobSucceeded).Inc()
		return nil
	case errors.Is(err, ErrSkipped):
		// Done, but not done: counted apart from succeeded, never retried.
		w.metrics.Jobs.WithLabelValues(kind, metrics.JobSkipped).Inc()
		logger.WarnContext(ctx, "job skipped", slog.String("reason", err.Error()))
		return nil
	case ctx.Err() != nil && errors.Is(err, ctx.Err()):
		// Shutdown or the job timeout: River retries it (the attempt counts).
		w.metrics.Jobs.WithLabelValues(kind, metrics.JobCancelled).Inc()
		logger.WarnContext(ctx, "job interrupted; it will run again", slog.String("error", err.Error()))
		return err
	case errors.Is(err, ErrPermanent) || job.Attempt >= job.MaxAttempts || (w.permanent != nil && w.permanent(err)):
		w.metrics.Jobs.WithLabelValues(kind, metrics.JobFailed).Inc()
		w.metrics.JobFailures.WithLabelValues(kind).Inc()
		logger.ErrorContext(ctx, "job failed for good; the delivery's work is lost",
			slog.String("error", err.Error()), slog.Int("max_attempts", job.MaxAttempts))
		if job.Attempt < job.MaxAttempts {
			return river.JobCancel(err)
		}
		return err
	default:
		w.metrics.Jobs.WithLabelValues(kind, metrics.JobRetried).Inc()
		attrs := []any{slog.String("error", err.Error()), slog.Int("max_attempts", job.MaxAttempts)}
		if w.retryAfter != nil {
			if d, ok := w.retryAfter(err); ok {
				d = min(d, maxRetryAfter)
				w.notBefore.Store(job.ID, time.Now().Add(d))
				attrs = append(attrs, slog.Duration("retry_after", d))
			}
		}
		logger.WarnContext(ctx, "job failed; it will be retried", attrs...)
		return err
	}
}
