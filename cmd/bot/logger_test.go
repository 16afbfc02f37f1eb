//go:build !noserver

package main

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestLoggerDurations: serve's and migrate's logs write durations as
// "1.5s", not as integers of nanoseconds.
func TestLoggerDurations(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	newLogger(&buf, slog.LevelInfo).Info("stopped", slog.Duration("took", 1500*time.Millisecond))
	if !strings.Contains(buf.String(), `"took":"1.5s"`) {
		t.Errorf("log line %s", buf.String())
	}
}
