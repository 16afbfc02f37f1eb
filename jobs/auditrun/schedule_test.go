package auditrun_test

import (
	"testing"
	"time"

	"github.com/djsec/djsec/jobs/auditrun"
)

func TestCron(t *testing.T) {
	t.Parallel()
	at := func(s string) time.Time {
		v, err := time.Parse("2006-01-02 15:04", s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		expr, from, want string
	}{
		{"", "2026-11-27 07:00", "2026-11-30 06:00"},             // default: Monday 06:00 UTC
		{"0 6 * * 1", "2026-11-30 06:00", "2026-12-07 06:00"},    // strictly after
		{"0 6 * * 1", "2026-11-30 05:59", "2026-11-30 06:00"},    //
		{"*/15 * * * *", "2026-11-27 07:01", "2026-11-27 07:15"}, // steps
		{"30 2 1 * *", "2026-11-27 07:00", "2026-12-01 02:30"},   // day of month
		{"0 0 29 2 *", "2026-03-01 00:00", "2028-02-29 00:00"},   // leap day
		{"0 9 * * 7", "2026-11-27 07:00", "2026-11-29 09:00"},    // 7 is Sunday
		{"0 9 1-5 * 0", "2026-11-27 07:00", "2026-11-29 09:00"},  // either day field
		{"0 8,20 * * 1-5", "2026-11-27 09:00", "2026-11-27 20:00"},
	}
	for _, c := range cases {
		cr, err := auditrun.ParseCron(c.expr)
		if err != nil {
			t.Fatalf("%q: %v", c.expr, err)
		}
		if got := cr.Next(at(c.from)); !got.Equal(at(c.want)) {
			t.Errorf("%q after %s: %s, want %s", c.expr, c.from, got.Format("2006-01-02 15:04 Mon"), c.want)
		}
	}
	for _, bad := range []string{"0 6 * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * * 13 *", "* * * * 8", "*/0 * * * *", "a * * * *", "5-1 * * * *"} {
		if _, err := auditrun.ParseCron(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}
