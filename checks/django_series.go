package checks

import (
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/djsec/djsec/checks/advisories"
)

// djangoRelease is one Django release series and its support window.
// Dates are "YYYY-MM-DD", or "YYYY-MM" where Django gave only a month.
type djangoRelease struct {
	Series          [2]int
	LTS             bool
	Released        string
	MainstreamEnds  string
	SecurityEnds    string
	LastRelease     string
	LastReleaseDate string
	// Confirmed is false for dates that are projections (planned series,
	// end dates not yet on Django's download page).
	Confirmed bool
}

// djangoReleases is Django's release-series table, oldest first: the
// django-series.json of the bundled advisory data (checks/advisories,
// built from shared/advisories; sources: Django's release notes, the
// supported-versions table of https://www.djangoproject.com/download/ as
// mirrored by endoflife.date, Django's security announcements and the 6.2
// dev release notes; see that file's README). Refresh the bundle when
// Django announces a release or an end of support.
// Decoded on first use: a `bot` command that judges no Django version
// never pays for the bundle.
var djangoReleases = sync.OnceValue(releasesFromBundle)

// releasesFromBundle converts the bundled table. A row whose series is not
// "X.Y" cannot be judged and is left out (the bundle's tests rule that out).
func releasesFromBundle() []djangoRelease {
	var out []djangoRelease
	for _, s := range advisories.DjangoSeries() {
		major, minor, ok := strings.Cut(s.Series, ".")
		ma, err1 := strconv.Atoi(major)
		mi, err2 := strconv.Atoi(minor)
		if !ok || err1 != nil || err2 != nil {
			continue
		}
		out = append(out, djangoRelease{
			Series: [2]int{ma, mi}, LTS: s.LTS, Released: s.Released, MainstreamEnds: s.MainstreamEnds,
			SecurityEnds: s.SecurityEnds, LastRelease: s.LastRelease, LastReleaseDate: s.LastReleaseDate,
			Confirmed: s.Confirmed,
		})
	}
	sort.SliceStable(out, func(i, j int) bool { return seriesLess(out[i].Series, out[j].Series) })
	return out
}

// djangoReleaseOf returns the table row of a series.
func djangoReleaseOf(series [2]int) (djangoRelease, bool) {
	for _, r := range djangoReleases() {
		if r.Series == series {
			return r, true
		}
	}
	return djangoRelease{}, false
}

// supportEnd is the first moment without security support: the day after
// SecurityEnds, or the first day of the next month when only a month is
// known (so a month-only date is never judged early).
func (r djangoRelease) supportEnd() (time.Time, bool) {
	return dateAfter(r.SecurityEnds)
}

// releasedBy reports whether the series had its first release by t.
func (r djangoRelease) releasedBy(t time.Time) bool {
	d, ok := dateAfter(r.Released)
	return ok && !t.Before(d.AddDate(0, 0, -1))
}

// dateAfter parses "YYYY-MM-DD" or "YYYY-MM" and returns the start of the
// following day or month, in UTC.
func dateAfter(s string) (time.Time, bool) {
	if d, err := time.Parse("2006-01-02", s); err == nil {
		return d.AddDate(0, 0, 1), true
	}
	if d, err := time.Parse("2006-01", s); err == nil {
		return d.AddDate(0, 1, 0), true
	}
	return time.Time{}, false
}

// seriesLess orders (major, minor) pairs.
func seriesLess(a, b [2]int) bool {
	return a[0] < b[0] || a[0] == b[0] && a[1] < b[1]
}
