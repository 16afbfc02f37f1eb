package review

import (
	"fmt"
	"strings"
	"time"

	"github.com/djsec/djsec/checks"
)

// Ignore is a finding the project decided to live with, made with
// `/djsec ignore`. Rule is a rule ID or slug; PathGlob (checks.MatchGlob's
// dialect, the one of djsec.yml's ignore_paths) narrows it to some files,
// "" meaning every file.
type Ignore struct {
	Rule, PathGlob, Reason, By string
	Until                      time.Time // zero: no expiry
	PROnly                     bool      // made for one pull request (the caller passes it only there)
}

// active reports whether the ignore still applies at now: an expired one
// does not, so the finding comes back on its own.
func (ig Ignore) active(now time.Time) bool {
	return ig.Until.IsZero() || now.Before(ig.Until)
}

// Covers reports whether the ignore's rule (ID or slug) and path glob
// cover f, whatever its expiry; the audit issue applies ignores the same way.
func (ig Ignore) Covers(f checks.Finding) bool {
	r, ok := checks.LookupRule(ig.Rule)
	if !ok || r.ID != f.Rule {
		return false
	}
	g := strings.TrimPrefix(strings.TrimSpace(ig.PathGlob), "./")
	return g == "" || checks.MatchGlob(g, f.Path)
}

// reason is how the summary explains the suppression.
func (ig Ignore) reason() string {
	var b strings.Builder
	b.WriteString("ignored")
	if ig.By != "" {
		b.WriteString(" by @" + strings.TrimPrefix(ig.By, "@"))
	}
	if ig.PROnly {
		b.WriteString(" for this pull request")
	}
	if !ig.Until.IsZero() {
		fmt.Fprintf(&b, " until %s", ig.Until.UTC().Format("2006-01-02"))
	}
	if r := strings.TrimSpace(ig.Reason); r != "" {
		b.WriteString(": " + r)
	}
	return b.String()
}

// ignoredBy returns the first active ignore that covers f.
func ignoredBy(ignores []Ignore, f checks.Finding, now time.Time) (Ignore, bool) {
	for _, ig := range ignores {
		if ig.active(now) && ig.Covers(f) {
			return ig, true
		}
	}
	return Ignore{}, false
}
