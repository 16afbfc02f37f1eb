// Package logfmt holds how djsec's logs write values that slog's JSON
// handler would leave unreadable. Durations are the case: slog writes a
// time.Duration as an integer of nanoseconds ("took": 40210287), which
// nobody reads at a glance and which looks like milliseconds or seconds
// in other fields. djsec writes every duration as Go's duration string
// with at most three significant decimals of its unit ("took": "40.21ms",
// "grace": "30s", "wait": "1.5s"), which time.ParseDuration reads back.
package logfmt

import (
	"log/slog"
	"time"
)

// ReplaceAttr is a slog.HandlerOptions.ReplaceAttr that writes durations
// as strings (see the package comment); other attributes pass unchanged.
// It applies inside groups and to LogValuer results too.
func ReplaceAttr(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		a.Value = slog.StringValue(Duration(a.Value.Duration()))
	}
	return a
}

// Duration renders d readably: rounded to a millisecond from a second up,
// to a microsecond from a millisecond up ("1.234s", "40.21ms", "621µs").
func Duration(d time.Duration) string {
	abs := d.Abs()
	switch {
	case abs >= time.Second:
		d = d.Round(time.Millisecond)
	case abs >= time.Millisecond:
		d = d.Round(10 * time.Microsecond)
	case abs >= time.Microsecond:
		d = d.Round(time.Microsecond)
	}
	return d.String()
}
