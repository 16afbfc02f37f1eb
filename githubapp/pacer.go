package githubapp

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// WritePolicy paces the content-creating requests (POST, PATCH, PUT,
// DELETE) of each installation under GitHub's secondary rate limits: "no
// more than 80 content-generating requests per minute and no more than 500
// content-generating requests per hour". A first install on a large
// organisation queues an audit per repository at once, each writing a
// label and an issue; unpaced, GitHub answers 403 within the first minute.
type WritePolicy struct {
	// PerMinute and PerHour are the most writes one installation sends in
	// any Minute and any 60 Minutes (defaults 80 and 500; negative: no
	// limit).
	PerMinute, PerHour int
	// Minute is the pacing window (default time.Minute). Tests shrink it
	// to run an hour's burst in seconds; the hour is 60 of them.
	Minute time.Duration
	// MaxSecondaryBackoff caps the wait after secondary rate limits in a
	// row (default 16 minutes): the first waits what GitHub asked
	// (Retry-After, else a minute), each next one twice the one before —
	// GitHub asks for "an exponentially increasing amount of time" when
	// limits repeat.
	MaxSecondaryBackoff time.Duration
	// Now and Sleep are the pacer's clock (defaults Config.Now and
	// Config.Sleep: tests that make retries and rate-limit waits instant
	// make pacing waits instant too, and a test of the pacer gives it a
	// fast clock of its own).
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

func (p WritePolicy) withDefaults() WritePolicy {
	if p.PerMinute == 0 {
		p.PerMinute = 80
	}
	if p.PerHour == 0 {
		p.PerHour = 500
	}
	if p.Minute <= 0 {
		p.Minute = time.Minute
	}
	if p.MaxSecondaryBackoff <= 0 {
		p.MaxSecondaryBackoff = 16 * time.Minute
	}
	return p
}

// margin widens each window a little, for clocks that disagree: GitHub
// stamps a write on its own clock.
func (p WritePolicy) margin() time.Duration { return p.Minute / 60 }

// installationPacer is one installation's write schedule, shared by every
// client of that installation (clients are re-made when their cache
// entry is dropped or the credentials change; the limits are GitHub's
// per installation).
type installationPacer struct {
	label  string
	policy WritePolicy

	mu sync.Mutex
	// sent are the send times of the writes of the last hour (and
	// reserved future ones), in order.
	sent []time.Time
	// pausedUntil holds every write after a secondary rate limit; streak
	// counts those limits in a row.
	pausedUntil time.Time
	streak      int
}

func (c *ClientCreator) pacer(label string) *installationPacer {
	if label == labelApp || label == labelAnonymous {
		return nil
	}
	p, _ := c.pacers.LoadOrStore(label, &installationPacer{label: label, policy: c.cfg.Writes})
	return p.(*installationPacer)
}

// paced: the requests GitHub counts as content-creating. The installation
// token exchange is the app's, not the installation's.
func paced(req *http.Request) bool {
	switch req.Method {
	case http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete:
		return !strings.HasSuffix(req.URL.Path, "/access_tokens")
	}
	return false
}

// reserve books the earliest send time at or after now that keeps every
// window under its limit and is not before an earlier booking (writes go
// out in the order they asked), and returns it.
func (p *installationPacer) reserve(now time.Time) time.Time {
	pol := p.policy
	p.mu.Lock()
	defer p.mu.Unlock()
	hour := 60*pol.Minute + pol.margin()
	i := 0
	for i < len(p.sent) && !p.sent[i].After(now.Add(-hour)) {
		i++
	}
	p.sent = p.sent[i:]
	at := now
	if p.pausedUntil.After(at) {
		at = p.pausedUntil
	}
	n := len(p.sent)
	if n > 0 && p.sent[n-1].After(at) {
		at = p.sent[n-1]
	}
	if pol.PerMinute > 0 && n >= pol.PerMinute {
		at = later(at, p.sent[n-pol.PerMinute].Add(pol.Minute+pol.margin()))
	}
	if pol.PerHour > 0 && n >= pol.PerHour {
		at = later(at, p.sent[n-pol.PerHour].Add(hour))
	}
	p.sent = append(p.sent, at)
	return at
}

// cancel gives back a booking that was not used.
func (p *installationPacer) cancel(at time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.remove(at)
}

// stamp replaces booking at by the time the write really left (a sleep
// may end early or late), keeping the list in order.
func (p *installationPacer) stamp(at, sent time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.remove(at) {
		return
	}
	i := sort.Search(len(p.sent), func(i int) bool { return p.sent[i].After(sent) })
	p.sent = slices.Insert(p.sent, i, sent)
}

func (p *installationPacer) remove(at time.Time) bool {
	for i := len(p.sent) - 1; i >= 0; i-- {
		if p.sent[i].Equal(at) {
			p.sent = slices.Delete(p.sent, i, i+1)
			return true
		}
	}
	return false
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// secondary records a secondary rate limit GitHub answered and returns how
// long the installation's writes now wait: what GitHub asked (a minute
// when it said nothing), doubled for each limit in a row, capped.
func (p *installationPacer) secondary(asked time.Duration) time.Duration {
	pol := p.policy
	p.mu.Lock()
	defer p.mu.Unlock()
	p.streak++
	wait := max(asked, time.Second)
	for i := 1; i < p.streak && wait < pol.MaxSecondaryBackoff; i++ {
		wait *= 2
	}
	wait = min(wait, pol.MaxSecondaryBackoff)
	p.pausedUntil = later(p.pausedUntil, pol.Now().Add(wait))
	return wait
}

// ok ends a streak of secondary rate limits: a write went through.
func (p *installationPacer) ok() {
	p.mu.Lock()
	p.streak = 0
	p.mu.Unlock()
}

// pacerTransport holds each write of one installation until the pacer's
// booking for it: below the retry layer, so every attempt counts, as it
// does for GitHub.
type pacerTransport struct {
	next  http.RoundTripper
	c     *ClientCreator
	pacer *installationPacer
}

func (t *pacerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.pacer == nil || !paced(req) {
		return t.next.RoundTrip(req)
	}
	ctx := req.Context()
	pol := t.pacer.policy
	now := pol.Now()
	at := t.pacer.reserve(now)
	if wait := at.Sub(now); wait > 0 {
		t.c.metrics.pacerWaits.Inc()
		t.c.logger(ctx).LogAttrs(ctx, slog.LevelDebug, "github api: pacing writes",
			slog.String("route", routeTemplate(req, t.c.apiURL)), slog.Duration("wait", wait))
		// The job's deadline or shutdown ends the wait: the write was not
		// sent, and the job runs again later.
		if err := pol.Sleep(ctx, wait); err != nil {
			t.pacer.cancel(at)
			return nil, fmt.Errorf("githubapp: installation %s: waiting %s to pace writes: %w", t.pacer.label, wait, err)
		}
		sent := pol.Now()
		t.pacer.stamp(at, sent)
		at = sent
	}
	resp, err := t.next.RoundTrip(req)
	// GitHub counted the write when it arrived, some time after it left:
	// the window runs from when the answer came, later still, so the
	// eighty-first write never arrives inside the first one's minute.
	t.pacer.stamp(at, later(at, pol.Now()))
	return resp, err
}
