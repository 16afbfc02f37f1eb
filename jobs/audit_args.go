package jobs

import (
	"log/slog"
	"time"

	"github.com/riverqueue/river"
)

// Kinds of the weekly audit.
const (
	KindAudit      = "audit"
	KindAuditSweep = "audit_sweep"
)

// AuditArgs: audit one repository's default branch and update its audit
// issue (package auditrun). Queued by the weekly sweep, by an installation
// or repositories being added, and by `/djsec audit`.
type AuditArgs struct {
	Origin
	// Reason is why the audit runs: "schedule", "installed", "command".
	Reason string `json:"reason"`
	// Force analyzes again even when nothing the audit reads changed (a
	// person asked for it).
	Force bool `json:"force,omitempty"`
	// DefaultBranch is the default branch as the sweep's repository list
	// gave it, saving a repository read ("" : look it up).
	DefaultBranch string `json:"default_branch,omitempty"`
	// NotBefore is when the audit may start (zero: now).
	NotBefore time.Time `json:"not_before,omitzero"`
}

func (AuditArgs) Kind() string { return KindAudit }
func (a AuditArgs) LogAttrs() []slog.Attr {
	return []slog.Attr{slog.String("reason", a.Reason), slog.Bool("force", a.Force)}
}

// AuditSweepArgs: the periodic job (AUDIT_SCHEDULE) that lists every
// installation's repositories and queues one AuditArgs each, spread over
// Spread so that GitHub sees no burst.
type AuditSweepArgs struct {
	Origin
	Spread time.Duration `json:"spread"`
}

func (AuditSweepArgs) Kind() string { return KindAuditSweep }
func (a AuditSweepArgs) LogAttrs() []slog.Attr {
	return []slog.Attr{slog.Duration("spread", a.Spread)}
}

// InsertOpts schedules the audit no earlier than NotBefore (the sweep's
// jitter).
func (a AuditArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{ScheduledAt: a.NotBefore}
}
