// Package redeliver catches up on webhooks this server missed. GitHub
// never redelivers on its own: a delivery answered 503 (the server down
// behind its proxy, the database failing), refused or timed out is lost
// unless someone asks again. The sweep lists the App's recent deliveries
// (GET /app/hook/deliveries, as the App, with its JWT), keeps the GUIDs no
// attempt of which succeeded and no delivery row records, and asks GitHub
// to redeliver each (POST /app/hook/deliveries/{id}/attempts), a bounded
// number per sweep, never twice the same GUID in one process.
//
// It runs as a River periodic job (jobs.RedeliverArgs) at start and every
// DJSEC_REDELIVER_INTERVAL, so that with several processes on one
// database only the elected leader sweeps.
package redeliver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/go-github/v88/github"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"

	"github.com/djsec/djsec/githubapp"
	"github.com/djsec/djsec/jobs"
	"github.com/djsec/djsec/metrics"
	"github.com/djsec/djsec/store"
)

const (
	// EnvInterval names the sweep's period (a Go duration; 0 turns the
	// sweep off).
	EnvInterval = "DJSEC_REDELIVER_INTERVAL"
	// DefaultInterval is EnvInterval's default.
	DefaultInterval = 5 * time.Minute
	// DefaultMax bounds the redeliveries one sweep asks for: a long
	// outage is caught up over several sweeps instead of in one burst.
	DefaultMax = 100
	// Window is how far back GitHub lets an app redeliver (three days),
	// and so how far back the first sweep of a process looks.
	Window = 72 * time.Hour
	// overlap is how far before the last sweep's start a later sweep
	// looks again, for attempts GitHub listed late.
	overlap = 2 * time.Minute
	// maxPages bounds the listing of one sweep (100 attempts a page).
	maxPages = 50
)

// ParseInterval reads EnvInterval's value ("" is DefaultInterval, "0"
// turns the sweep off).
func ParseInterval(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return DefaultInterval, nil
	}
	if v == "0" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%s: want a duration such as 5m (0 turns the sweep off), got %q", EnvInterval, v)
	}
	if d > 0 && d < 10*time.Second {
		return 0, fmt.Errorf("%s: %v is too often (at least 10s): each sweep lists deliveries with the App's rate limit", EnvInterval, d)
	}
	return d, nil
}

// AppClients hands out clients authenticated as the App
// (githubapp.ClientCreator).
type AppClients interface {
	NewAppClient() (*github.Client, error)
}

// Options configure a Sweeper.
type Options struct {
	Clients AppClients // required
	DB      *store.DB  // required: the delivery rows
	// Max bounds the redeliveries of one sweep (default DefaultMax).
	Max int
	// Registerer receives the sweep's counters (nil: none registered).
	Registerer prometheus.Registerer
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Sweeper finds and redelivers missed webhooks. One per process: it
// remembers what it asked for.
type Sweeper struct {
	clients AppClients
	db      *store.DB
	max     int
	now     func() time.Time
	m       sweepMetrics

	mu sync.Mutex
	// asked holds, by GUID, when this process asked for a redelivery;
	// entries older than Window are forgotten (GitHub refuses those).
	asked map[string]time.Time
	// last is when this process's previous sweep started (zero: none yet).
	last time.Time
}

type sweepMetrics struct {
	found, requested, failed, sweepErrors prometheus.Counter
}

// New builds a Sweeper.
func New(o Options) (*Sweeper, error) {
	if o.Clients == nil || o.DB == nil {
		return nil, errors.New("redeliver: Clients and DB are required")
	}
	s := &Sweeper{clients: o.Clients, db: o.DB, max: o.Max, now: o.Now, asked: map[string]time.Time{}}
	if s.max <= 0 {
		s.max = DefaultMax
	}
	if s.now == nil {
		s.now = time.Now
	}
	counter := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Namespace: metrics.Namespace, Subsystem: "redelivery", Name: name, Help: help})
	}
	s.m = sweepMetrics{
		found:       counter("found_total", "Failed webhook deliveries the sweep found that this server never recorded."),
		requested:   counter("requested_total", "Redeliveries GitHub accepted to make."),
		failed:      counter("failed_total", "Redelivery requests GitHub refused or that failed."),
		sweepErrors: counter("sweep_errors_total", "Sweeps that could not list the deliveries or read the delivery rows."),
	}
	if o.Registerer != nil {
		for _, c := range []prometheus.Collector{s.m.found, s.m.requested, s.m.failed, s.m.sweepErrors} {
			if err := o.Registerer.Register(c); err != nil {
				return nil, fmt.Errorf("redeliver: metrics: %w", err)
			}
		}
	}
	return s, nil
}

// Register registers the sweep's kind.
func (s *Sweeper) Register(r *jobs.Registry) {
	jobs.Register[jobs.RedeliverArgs](r, jobs.ProcessorFunc[jobs.RedeliverArgs](func(ctx context.Context, _ jobs.Job[jobs.RedeliverArgs]) error {
		_, err := s.Sweep(ctx)
		if errors.Is(err, githubapp.ErrNoCredentials) {
			// No App yet (a development server): nothing can be listed,
			// and that is no failure of the sweep.
			return jobs.NoCredentials("missed deliveries are not asked for")
		}
		if err != nil && ctx.Err() == nil {
			// Not a lost job: the next sweep, minutes away, lists the same
			// deliveries again. Counted and logged for whoever watches.
			s.m.sweepErrors.Inc()
			jobs.Logger(ctx).WarnContext(ctx, "redelivery sweep failed; the next one tries again", slog.String("error", err.Error()))
			return nil
		}
		return err
	}))
}

// Periodic is the River periodic job: at start (once this process leads)
// and every interval.
func Periodic(interval time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(interval),
		func() (river.JobArgs, *river.InsertOpts) { return jobs.RedeliverArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true})
}

// Result is what one sweep did.
type Result struct {
	Listed    int // delivery attempts read
	Missed    int // GUIDs that failed and no delivery row records
	Requested int // redeliveries GitHub accepted
	Failed    int // redelivery requests that failed
	Deferred  int // missed GUIDs left for the next sweep (over Max)
}

// candidate is a GUID none of whose listed attempts succeeded.
type candidate struct {
	guid, event, action string
	attempt             int64 // the latest failed attempt's ID
	at                  time.Time
	status              int
}

// Sweep lists the deliveries since the previous sweep of this process
// (the last Window on its first), and asks for the missed ones again,
// oldest first, at most Max.
func (s *Sweeper) Sweep(ctx context.Context) (Result, error) {
	log := jobs.Logger(ctx)
	start := s.now()
	s.mu.Lock()
	since := start.Add(-Window)
	if !s.last.IsZero() && s.last.Add(-overlap).After(since) {
		since = s.last.Add(-overlap)
	}
	for guid, at := range s.asked {
		if start.Sub(at) > Window {
			delete(s.asked, guid)
		}
	}
	s.mu.Unlock()

	app, err := s.clients.NewAppClient()
	if err != nil {
		return Result{}, fmt.Errorf("redeliver: app client: %w", err)
	}
	var res Result
	ok := map[string]bool{}
	failed := map[string]*candidate{}
	opts := &github.ListCursorOptions{PerPage: 100}
	for page := 0; ; page++ {
		if page == maxPages {
			log.WarnContext(ctx, "redelivery sweep: listing cut short; older deliveries are not examined",
				slog.Int("pages", page), slog.Time("since", since))
			break
		}
		list, resp, err := app.Apps.ListHookDeliveries(ctx, opts)
		if err != nil {
			return res, fmt.Errorf("redeliver: list the app's webhook deliveries: %w", err)
		}
		older := false
		for _, d := range list {
			at := d.GetDeliveredAt().Time
			if at.Before(since) {
				older = true
				continue
			}
			res.Listed++
			guid := d.GetGUID()
			if code := d.GetStatusCode(); code >= 200 && code < 300 {
				ok[guid] = true
				continue
			}
			if !retryable(d.GetStatusCode()) {
				continue
			}
			// Newest first: the first failed attempt seen is the latest.
			if failed[guid] == nil {
				failed[guid] = &candidate{guid: guid, event: d.GetEvent(), action: d.GetAction(), attempt: d.GetID(), at: at, status: d.GetStatusCode()}
			} else {
				failed[guid].at = at
			}
		}
		if older || resp.Cursor == "" || len(list) == 0 {
			break
		}
		opts.Cursor = resp.Cursor
	}

	var todo []*candidate
	for guid, c := range failed {
		if ok[guid] {
			continue // a later attempt (someone's manual redelivery) succeeded
		}
		s.mu.Lock()
		_, done := s.asked[guid]
		s.mu.Unlock()
		if done {
			continue
		}
		_, err := s.db.Delivery(ctx, guid)
		switch {
		case err == nil:
			continue // the server committed it; only the answer was lost
		case !errors.Is(err, store.ErrNotFound):
			return res, fmt.Errorf("redeliver: %w", err)
		}
		todo = append(todo, c)
	}
	res.Missed = len(todo)
	s.m.found.Add(float64(len(todo)))
	// Oldest first: those are the nearest to GitHub's three days.
	slices.SortFunc(todo, func(a, b *candidate) int { return a.at.Compare(b.at) })
	if len(todo) > s.max {
		res.Deferred = len(todo) - s.max
		todo = todo[:s.max]
	}
	for _, c := range todo {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		s.mu.Lock()
		s.asked[c.guid] = start
		s.mu.Unlock()
		_, _, err := app.Apps.RedeliverHookDelivery(ctx, c.attempt)
		// go-github reports GitHub's 202 Accepted as an AcceptedError.
		var accepted *github.AcceptedError
		if err != nil && !errors.As(err, &accepted) {
			res.Failed++
			s.m.failed.Inc()
			log.WarnContext(ctx, "redelivery refused", slog.String("guid", c.guid), slog.String("event", c.event),
				slog.Int64("attempt", c.attempt), slog.String("error", err.Error()))
			continue
		}
		res.Requested++
		s.m.requested.Inc()
		log.InfoContext(ctx, "missed webhook redelivered", slog.String("guid", c.guid), slog.String("event", c.event),
			slog.String("action", c.action), slog.Int("status_code", c.status), slog.Time("delivered_at", c.at))
	}
	if res.Deferred == 0 {
		// Otherwise the next sweep looks as far back again, for what this
		// one left. A listing cut short is not looked at again: re-reading
		// maxPages every interval would cost more than the oldest attempts
		// of a very busy App are worth.
		s.mu.Lock()
		s.last = start
		s.mu.Unlock()
	}
	log.InfoContext(ctx, "redelivery sweep", slog.Time("since", since), slog.Int("listed", res.Listed),
		slog.Int("missed", res.Missed), slog.Int("requested", res.Requested), slog.Int("failed", res.Failed),
		slog.Int("deferred", res.Deferred))
	return res, nil
}

// retryable reports whether a failed attempt's answer could change on a
// redelivery of the same payload: no answer, the server or its proxy
// failing, a signature refused (a secret rotated since). 400, 413 and 415
// say the payload itself is refused; it would be again.
func retryable(code int) bool {
	switch code {
	case 400, 413, 415:
		return false
	}
	return true
}
