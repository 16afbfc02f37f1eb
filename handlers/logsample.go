package handlers

import (
	"context"
	"log/slog"
	"sort"
	"sync"
	"time"
)

// rejectionWindow is how often rejected deliveries of one kind are logged:
// the first of each window, then a count when the next one begins. One
// client sending junk at full speed otherwise wrote a megabyte of log a
// second; the metrics still count every rejection.
const rejectionWindow = time.Minute

// rejectionSampler decides which rejected deliveries are logged.
type rejectionSampler struct {
	now func() time.Time

	mu         sync.Mutex
	start      time.Time
	logged     map[string]bool
	suppressed map[string]int
}

func newRejectionSampler(now func() time.Time) *rejectionSampler {
	return &rejectionSampler{now: now, logged: map[string]bool{}, suppressed: map[string]int{}}
}

// allow reports whether a rejection with this outcome is logged; when a new
// window begins it first logs how many the last one left out.
func (s *rejectionSampler) allow(ctx context.Context, logger *slog.Logger, outcome string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if now.Sub(s.start) >= rejectionWindow {
		if len(s.suppressed) > 0 {
			keys := make([]string, 0, len(s.suppressed))
			for k := range s.suppressed {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			attrs := []slog.Attr{slog.Duration("window", rejectionWindow)}
			for _, k := range keys {
				attrs = append(attrs, slog.Int(k, s.suppressed[k]))
			}
			logger.LogAttrs(ctx, slog.LevelWarn, "webhook rejections not logged one by one", attrs...)
		}
		s.start, s.logged, s.suppressed = now, map[string]bool{}, map[string]int{}
	}
	if !s.logged[outcome] {
		s.logged[outcome] = true
		return true
	}
	s.suppressed[outcome]++
	return false
}
