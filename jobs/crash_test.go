package jobs

import (
	"context"
	"log/slog"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/djsec/djsec/metrics"
)

// A job rescued twice from a dead process is a poison job: a plain
// processor's job ends at once (permanent), a crash-aware one is called
// with Crashed set so it can say why.
func TestPoisonJobs(t *testing.T) {
	t.Parallel()
	rescued := []rivertype.AttemptError{{Attempt: 1, Error: rescuedError}, {Attempt: 2, Error: "boom"}, {Attempt: 3, Error: rescuedError}}
	job := &river.Job[PushArgs]{JobRow: &rivertype.JobRow{ID: 9, Kind: KindPush, Attempt: 4, MaxAttempts: 10, Errors: rescued}}
	m := metrics.New(prometheus.NewRegistry())
	ctx := context.Background()

	called := false
	plain := &worker[PushArgs]{processor: ProcessorFunc[PushArgs](func(context.Context, Job[PushArgs]) error { called = true; return nil }),
		metrics: m, logger: slog.New(slog.DiscardHandler)}
	if err := plain.Work(ctx, job); err == nil || called {
		t.Errorf("plain processor: err %v, called %v; want the job ended unrun", err, called)
	}

	var seen int
	aware := &worker[PushArgs]{processor: CrashAwareFunc[PushArgs](func(_ context.Context, j Job[PushArgs]) error { seen = j.Crashed; return nil }),
		metrics: m, logger: slog.New(slog.DiscardHandler)}
	if err := aware.Work(ctx, job); err != nil || seen != 2 {
		t.Errorf("crash-aware processor: err %v, Crashed %d; want it called with 2", err, seen)
	}

	// One crash is not yet a poison job.
	job.Errors = rescued[:2]
	called = false
	if err := plain.Work(ctx, job); err != nil || !called {
		t.Errorf("one crash: err %v, called %v", err, called)
	}
}
