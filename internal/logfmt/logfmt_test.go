package logfmt

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"testing"
	"time"
)

func TestDuration(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{42, "42ns"},
		{621187, "621µs"},
		{40210287, "40.21ms"},
		{1500 * time.Millisecond, "1.5s"},
		{1234567890, "1.235s"},
		{30 * time.Second, "30s"},
		{2*time.Minute + 30*time.Second, "2m30s"},
		{-1500 * time.Millisecond, "-1.5s"},
	} {
		if got := Duration(tc.d); got != tc.want {
			t.Errorf("Duration(%d) = %q, want %q", int64(tc.d), got, tc.want)
		}
		if back, err := time.ParseDuration(Duration(tc.d)); err != nil || (back-tc.d).Abs() > tc.d.Abs()/1000+time.Microsecond {
			t.Errorf("%q does not read back as about %v: %v, %v", Duration(tc.d), tc.d, back, err)
		}
	}
}

// logValuer nests a duration the way config.Config's LogValue does.
type logValuer struct{}

func (logValuer) LogValue() slog.Value {
	return slog.GroupValue(slog.Duration("job_timeout", 2*time.Minute))
}

// TestReplaceAttr: a JSON line holds durations as strings, at the top,
// in groups and in LogValuer results; other values are untouched.
func TestReplaceAttr(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{ReplaceAttr: ReplaceAttr}))
	log.Info("webhook", slog.Duration("took", 40210287*time.Nanosecond), slog.Int("status", 202),
		slog.Group("queue", slog.Duration("grace", 30*time.Second)), slog.Any("config", logValuer{}))
	var got map[string]any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got["took"] != "40.21ms" || got["status"] != float64(202) ||
		got["queue"].(map[string]any)["grace"] != "30s" || got["config"].(map[string]any)["job_timeout"] != "2m0s" {
		t.Errorf("line: %s", buf.String())
	}
}
