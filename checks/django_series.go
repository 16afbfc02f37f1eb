package checks

import (
	"time"
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

// djangoReleases is the table of shared/advisories/django-series.json,
// generated 2026-11-26 (sources: Django's release notes in nessita/django
// main @ f8665b1a, the supported-versions table of
// https://www.djangoproject.com/download/ as mirrored by the endoflife.date
// snapshot of 2026-04-10, Django's security announcements, and the 6.2 dev
// release notes; see that file's README). It is copied here so that djsec
// never reads files outside the analyzed repository at run time; refresh it
// when Django announces a release or an end of support.
var djangoReleases = []djangoRelease{
	{Series: [2]int{3, 2}, LTS: true, Released: "2021-04-06", MainstreamEnds: "2021-12", SecurityEnds: "2024-04-01", LastRelease: "3.2.25", LastReleaseDate: "2024-03-04", Confirmed: true},
	{Series: [2]int{4, 0}, Released: "2021-12-07", MainstreamEnds: "2022-08-03", SecurityEnds: "2023-04-01", LastRelease: "4.0.10", LastReleaseDate: "2023-02-14", Confirmed: true},
	{Series: [2]int{4, 1}, Released: "2022-08-03", MainstreamEnds: "2023-04-05", SecurityEnds: "2023-12-01", LastRelease: "4.1.13", LastReleaseDate: "2023-11-01", Confirmed: true},
	{Series: [2]int{4, 2}, LTS: true, Released: "2023-04-03", MainstreamEnds: "2023-12-04", SecurityEnds: "2026-04-07", LastRelease: "4.2.30", LastReleaseDate: "2026-04-07", Confirmed: true},
	{Series: [2]int{5, 0}, Released: "2023-12-04", MainstreamEnds: "2024-08-07", SecurityEnds: "2025-04-02", LastRelease: "5.0.14", LastReleaseDate: "2025-04-02", Confirmed: true},
	{Series: [2]int{5, 1}, Released: "2024-08-07", MainstreamEnds: "2025-04-02", SecurityEnds: "2025-12-03", LastRelease: "5.1.15", LastReleaseDate: "2025-12-02", Confirmed: true},
	{Series: [2]int{5, 2}, LTS: true, Released: "2025-04-02", MainstreamEnds: "2025-12-03", SecurityEnds: "2028-04-30", LastRelease: "5.2.18", LastReleaseDate: "2026-10-06", Confirmed: true},
	{Series: [2]int{6, 0}, Released: "2025-12-03", MainstreamEnds: "2026-08-31", SecurityEnds: "2027-04-30", LastRelease: "6.0.9", LastReleaseDate: "2026-10-06", Confirmed: true},
	{Series: [2]int{6, 1}, Released: "2026-08-05", MainstreamEnds: "2027-04", SecurityEnds: "2027-12", LastRelease: "6.1.3", LastReleaseDate: "2026-11", Confirmed: false},
	{Series: [2]int{6, 2}, LTS: true, Released: "2027-04", SecurityEnds: "2030-04", Confirmed: false},
}

// djangoReleaseOf returns the table row of a series.
func djangoReleaseOf(series [2]int) (djangoRelease, bool) {
	for _, r := range djangoReleases {
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
