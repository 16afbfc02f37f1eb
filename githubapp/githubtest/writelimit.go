package githubtest

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// GitHub's secondary rate limit on content-creating requests: "no more
// than 80 content-generating requests per minute and no more than 500
// content-generating requests per hour" for an installation. Above them it
// answers 403 with the secondary-rate-limit message and Retry-After.
const (
	DefaultWritesPerMinute = 80
	DefaultWritesPerHour   = 500
)

// writeLimit is the fake's enforcement of those limits, per installation.
type writeLimit struct {
	perMinute, perHour int
	minute             time.Duration
	disabled           bool
	// sent: the accepted writes of the last hour, by installation.
	sent map[int64][]time.Time
	// refused counts the secondary-limit answers given.
	refused int
}

// WithWriteLimits sets the secondary rate limit on content-creating
// requests (POST, PATCH, PUT, DELETE) of one installation: at most
// perMinute in any window of minute and perHour in any 60 of them (GitHub:
// 80 and 500 in a real minute, the default). A test shrinks minute to
// replay an hour in seconds; perMinute < 0 turns the limit off.
func WithWriteLimits(perMinute, perHour int, minute time.Duration) Option {
	return func(s *Server) {
		s.writes.perMinute, s.writes.perHour, s.writes.minute = perMinute, perHour, minute
		s.writes.disabled = perMinute < 0
	}
}

// SecondaryLimited is how many requests the fake refused with its write
// secondary rate limit.
func (s *Server) SecondaryLimited() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writes.refused
}

func contentCreating(method string) bool {
	switch method {
	case http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

// overWriteLimit records a write of installation inst at now, or returns
// the Retry-After (seconds) to answer when it is over a limit (s.mu held).
func (s *Server) overWriteLimit(inst int64, now time.Time) (int, bool) {
	w := &s.writes
	if w.disabled {
		return 0, false
	}
	perMinute, perHour, minute := w.perMinute, w.perHour, w.minute
	if perMinute == 0 {
		perMinute = DefaultWritesPerMinute
	}
	if perHour == 0 {
		perHour = DefaultWritesPerHour
	}
	if minute <= 0 {
		minute = time.Minute
	}
	if w.sent == nil {
		w.sent = map[int64][]time.Time{}
	}
	sent := w.sent[inst]
	i := 0
	for i < len(sent) && !sent[i].After(now.Add(-60*minute)) {
		i++
	}
	sent = sent[i:]
	w.sent[inst] = sent
	var free time.Time // when the request would be accepted
	if n := len(sent); perHour > 0 && n >= perHour {
		free = sent[n-perHour].Add(60 * minute)
	}
	inMinute := 0
	for _, t := range sent {
		if t.After(now.Add(-minute)) {
			inMinute++
		}
	}
	if n := len(sent); perMinute > 0 && inMinute >= perMinute {
		if t := sent[n-perMinute].Add(minute); t.After(free) {
			free = t
		}
	}
	if !free.IsZero() {
		w.refused++
		return max(1, int(math.Ceil(free.Sub(now).Seconds()))), true
	}
	w.sent[inst] = append(sent, now)
	return 0, false
}

// secondaryWriteLimit answers a write over the limit as GitHub does.
func secondaryWriteLimit(w http.ResponseWriter, retryAfter int) {
	w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusForbidden)
	_, _ = w.Write([]byte(strings.TrimSpace(secondaryRateLimitBody)))
}
