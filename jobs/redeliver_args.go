package jobs

import (
	"log/slog"

	"github.com/riverqueue/river"
)

// KindRedeliver is the sweep that asks GitHub to redeliver the webhooks
// this server missed (package redeliver).
const KindRedeliver = "redeliver"

// RedeliverArgs: list the App's recent webhook deliveries and ask GitHub
// again for the failed ones no delivery row records. Queued by River's
// periodic scheduler (the leader alone) at start and every
// DJSEC_REDELIVER_INTERVAL.
type RedeliverArgs struct{ Origin }

func (RedeliverArgs) Kind() string          { return KindRedeliver }
func (RedeliverArgs) LogAttrs() []slog.Attr { return nil }

// InsertOpts: one attempt. The next sweep comes within minutes and lists
// the same deliveries, so a retry would only run behind it.
func (RedeliverArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 1}
}
