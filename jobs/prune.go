package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/djsec/djsec/store"
)

// KindPrune is the daily clean-up of bookkeeping rows nothing reads any more.
const KindPrune = "prune"

// PruneArgs: delete old deliveries, PR heads, check-run records, command
// rate-limit uses and unused ETag entries (River deletes its own finished
// jobs).
type PruneArgs struct{ Origin }

func (PruneArgs) Kind() string          { return KindPrune }
func (PruneArgs) LogAttrs() []slog.Attr { return nil }
func (PruneArgs) InsertOpts() river.InsertOpts {
	// One prune at a time is plenty: a second one queued while the first
	// waits would delete nothing more.
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: time.Hour}}
}

// Retention says how long each kind of row is kept. GitHub lets people
// redeliver a webhook for three days, so a delivery ID must be remembered
// longer than that to stay deduplicated; the rest outlives any pull
// request push worth re-checking.
type Retention struct {
	Deliveries, PRHeads, CheckRuns, CommandUses, ETags, Blobs time.Duration
}

// DefaultRetention is what serve uses.
var DefaultRetention = Retention{
	Deliveries:  14 * 24 * time.Hour,
	PRHeads:     90 * 24 * time.Hour,
	CheckRuns:   90 * 24 * time.Hour,
	CommandUses: 24 * time.Hour,
	ETags:       30 * 24 * time.Hour,
	// Five weekly audits: a file unread that long is from a repository
	// that left.
	Blobs: 35 * 24 * time.Hour,
}

// Pruner deletes rows older than its Retention.
type Pruner struct {
	DB        *store.DB
	Retention Retention
	Now       func() time.Time
}

// Process implements Processor[PruneArgs].
func (p Pruner) Process(ctx context.Context, _ Job[PruneArgs]) error {
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	t := now()
	steps := []struct {
		what  string
		keep  time.Duration
		prune func(context.Context, time.Time) (int64, error)
	}{
		{"deliveries", p.Retention.Deliveries, p.DB.PruneDeliveries},
		{"pr_heads", p.Retention.PRHeads, p.DB.PrunePRHeads},
		{"check_runs", p.Retention.CheckRuns, p.DB.PruneCheckRuns},
		{"command_uses", p.Retention.CommandUses, p.DB.PruneCommandUses},
		{"etags", p.Retention.ETags, p.DB.ETags().Prune},
		{"blobs", p.Retention.Blobs, p.DB.PruneBlobs},
	}
	log := Logger(ctx)
	for _, s := range steps {
		if s.keep <= 0 {
			continue
		}
		n, err := s.prune(ctx, t.Add(-s.keep))
		if err != nil {
			return fmt.Errorf("prune %s: %w", s.what, err)
		}
		log.InfoContext(ctx, "pruned", slog.String("table", s.what), slog.Int64("rows", n), slog.Duration("kept", s.keep))
	}
	return nil
}

// PrunePeriodic queues the prune once a day (and once at start).
func PrunePeriodic() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(24*time.Hour),
		func() (river.JobArgs, *river.InsertOpts) { return PruneArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true})
}
