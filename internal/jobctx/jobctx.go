// Package jobctx holds what a job carries that the layers under the job
// queue also need: the job's logger in its context and the mark of a
// failure no retry can fix. jobs re-exports both; githubapp/repo, which
// jobs' workers call, uses them without importing the queue above it.
package jobctx

import (
	"context"
	"errors"
	"log/slog"
)

// ErrPermanent marks an error no retry can fix (jobs.ErrPermanent).
var ErrPermanent = errors.New("permanent failure")

type loggerKey struct{}

// Logger is the job's logger (jobs.Logger); outside a job slog.Default().
func Logger(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(loggerKey{}).(*slog.Logger); ok {
		return l
	}
	return slog.Default()
}

// WithLogger returns ctx carrying l as the job's logger.
func WithLogger(ctx context.Context, l *slog.Logger) context.Context {
	return context.WithValue(ctx, loggerKey{}, l)
}
