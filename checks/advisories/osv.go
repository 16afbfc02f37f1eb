// Package advisories holds djsec's bundled vulnerability data for Python
// packages (OSV records from the PyPA advisory database and Django's
// security archive, plus Django's release-series table) and matches
// dependency versions against it with PEP 440 ordering. The data is
// embedded in the binary: nothing here reads files or the network.
package advisories

import (
	"strings"

	"github.com/djsec/djsec/checks/deps"
)

// OSV is one record of the OSV schema (https://ossf.github.io/osv-schema/),
// as the PyPA advisory database stores it in YAML and the OSV API returns
// it in JSON. Only the fields djsec reads are declared.
type OSV struct {
	ID               string         `json:"id" yaml:"id"`
	Modified         string         `json:"modified" yaml:"modified"`
	Published        string         `json:"published" yaml:"published"`
	Withdrawn        string         `json:"withdrawn" yaml:"withdrawn"`
	Aliases          []string       `json:"aliases" yaml:"aliases"`
	Summary          string         `json:"summary" yaml:"summary"`
	Details          string         `json:"details" yaml:"details"`
	Severity         []OSVSeverity  `json:"severity" yaml:"severity"`
	Affected         []OSVAffected  `json:"affected" yaml:"affected"`
	References       []OSVReference `json:"references" yaml:"references"`
	DatabaseSpecific map[string]any `json:"database_specific" yaml:"database_specific"`
}

// OSVSeverity is a scored severity: type CVSS_V2, CVSS_V3 or CVSS_V4 and a
// vector string.
type OSVSeverity struct {
	Type  string `json:"type" yaml:"type"`
	Score string `json:"score" yaml:"score"`
}

// OSVAffected is one affected package with its version ranges.
type OSVAffected struct {
	Package          OSVPackage     `json:"package" yaml:"package"`
	Severity         []OSVSeverity  `json:"severity" yaml:"severity"`
	Ranges           []OSVRange     `json:"ranges" yaml:"ranges"`
	Versions         []string       `json:"versions" yaml:"versions"`
	DatabaseSpecific map[string]any `json:"database_specific" yaml:"database_specific"`
}

// OSVPackage names a package in an ecosystem.
type OSVPackage struct {
	Ecosystem string `json:"ecosystem" yaml:"ecosystem"`
	Name      string `json:"name" yaml:"name"`
}

// OSVRange is a list of events over one version scheme.
type OSVRange struct {
	Type   string     `json:"type" yaml:"type"`
	Events []OSVEvent `json:"events" yaml:"events"`
}

// OSVEvent is one boundary of a range; exactly one field is set.
type OSVEvent struct {
	Introduced   string `json:"introduced,omitempty" yaml:"introduced"`
	Fixed        string `json:"fixed,omitempty" yaml:"fixed"`
	LastAffected string `json:"last_affected,omitempty" yaml:"last_affected"`
	Limit        string `json:"limit,omitempty" yaml:"limit"`
}

// OSVReference is a link of a record.
type OSVReference struct {
	Type string `json:"type" yaml:"type"`
	URL  string `json:"url" yaml:"url"`
}

// Record is the compact form djsec keeps of an OSV record: what matching,
// severity and messages need. The bundle is a list of these.
type Record struct {
	ID      string   `json:"id"`
	Aliases []string `json:"aliases,omitempty"`
	// Source says where the record came from: "pypa" (PyPA advisory
	// database), "django-archive" (Django's security archive) or "osv"
	// (the live OSV API).
	Source    string `json:"source"`
	Published string `json:"published,omitempty"` // YYYY-MM-DD
	Modified  string `json:"modified,omitempty"`  // YYYY-MM-DD
	Summary   string `json:"summary,omitempty"`
	// Severity is critical, high, medium or low when the record rates
	// itself (see SeverityOf); empty otherwise.
	Severity string `json:"severity,omitempty"`
	// SeverityBasis says what Severity was derived from: a CVSS vector
	// with its base score, or the vendor's own rating.
	SeverityBasis string     `json:"severity_basis,omitempty"`
	URL           string     `json:"url,omitempty"`
	Affected      []Affected `json:"affected"`
}

// Affected is one PyPI package a record affects.
type Affected struct {
	Package string    `json:"package"` // PEP 503 name
	Ranges  [][]Event `json:"ranges,omitempty"`
	// Versions lists affected releases that no range covers (OSV's
	// `versions`, minus what the ranges already say).
	Versions []string `json:"versions,omitempty"`
}

// Event is one boundary of an ECOSYSTEM or SEMVER range, as written in the
// record (compared with PEP 440 ordering).
type Event struct {
	Introduced   string `json:"introduced,omitempty"`
	Fixed        string `json:"fixed,omitempty"`
	LastAffected string `json:"last_affected,omitempty"`
}

// IDs are the record's ID and aliases.
func (r *Record) IDs() []string {
	return append([]string{r.ID}, r.Aliases...)
}

// CVE is the record's CVE ID (its own ID or the first CVE alias), or "".
func (r *Record) CVE() string {
	for _, id := range r.IDs() {
		if strings.HasPrefix(id, "CVE-") {
			return id
		}
	}
	return ""
}

// Name is how messages call the record: its CVE when it has one (people
// search for those), else its own ID.
func (r *Record) Name() string {
	if c := r.CVE(); c != "" {
		return c
	}
	return r.ID
}

// FromOSV converts an OSV record for the PyPI ecosystem. ok is false when
// nothing of it applies: withdrawn, or no PyPI package with a usable range
// or version list. GIT ranges are dropped (their events are commits, not
// releases); `limit` events only bound GIT ranges in practice and are
// ignored.
func FromOSV(o OSV, source string) (Record, bool) {
	if o.Withdrawn != "" {
		return Record{}, false
	}
	r := Record{
		ID:        o.ID,
		Aliases:   nonEmpty(o.Aliases),
		Source:    source,
		Published: day(o.Published),
		Modified:  day(o.Modified),
		Summary:   summaryOf(o),
		URL:       referenceOf(o),
	}
	r.Severity, r.SeverityBasis = SeverityOf(o)
	for _, a := range o.Affected {
		if !strings.EqualFold(a.Package.Ecosystem, "PyPI") || a.Package.Name == "" {
			continue
		}
		aff := Affected{Package: deps.NormalizeName(a.Package.Name)}
		for _, rg := range a.Ranges {
			if rg.Type != "ECOSYSTEM" && rg.Type != "SEMVER" {
				continue
			}
			var evs []Event
			for _, e := range rg.Events {
				switch {
				case e.Introduced != "":
					evs = append(evs, Event{Introduced: e.Introduced})
				case e.Fixed != "":
					evs = append(evs, Event{Fixed: e.Fixed})
				case e.LastAffected != "":
					evs = append(evs, Event{LastAffected: e.LastAffected})
				}
			}
			if len(evs) > 0 {
				aff.Ranges = append(aff.Ranges, sortedEvents(evs))
			}
		}
		// Keep only the listed versions the ranges do not already cover:
		// matching is "in a range or in the list", so dropping the rest
		// changes no answer and keeps the bundle small.
		c := compileAffected(nil, aff)
		seen := map[string]bool{}
		for _, v := range a.Versions {
			v = strings.TrimSpace(v)
			if v == "" || seen[v] {
				continue
			}
			seen[v] = true
			if pv, err := deps.ParseVersion(v); err == nil && c.inRanges(pv) {
				continue
			}
			aff.Versions = append(aff.Versions, v)
		}
		if len(aff.Ranges) > 0 || len(aff.Versions) > 0 {
			r.Affected = append(r.Affected, aff)
		}
	}
	return r, len(r.Affected) > 0
}

func nonEmpty(list []string) []string {
	var out []string
	for _, s := range list {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// day keeps the date of an RFC 3339 timestamp.
func day(ts string) string {
	if len(ts) >= 10 {
		return ts[:10]
	}
	return ts
}

// summaryOf is the record's summary, or the first sentence of its details
// (PyPA records have no summary), at most 240 characters.
func summaryOf(o OSV) string {
	s := strings.TrimSpace(o.Summary)
	if s == "" {
		s = strings.TrimSpace(o.Details)
		if i := strings.Index(s, ". "); i >= 0 {
			s = s[:i+1]
		}
	}
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 240 {
		cut := strings.LastIndexByte(s[:237], ' ')
		if cut < 100 {
			cut = 237
		}
		s = s[:cut] + "…"
	}
	return s
}

// referenceOf picks the link that explains the issue best: an ADVISORY
// (other than the index of Django's security archive, which lists every
// issue), then the vendor's post (ARTICLE), then the first WEB link.
func referenceOf(o OSV) string {
	for _, kind := range []string{"ADVISORY", "ARTICLE", "WEB"} {
		for _, ref := range o.References {
			if ref.Type == kind && ref.URL != "" && !strings.HasSuffix(ref.URL, "/releases/security/") {
				return ref.URL
			}
		}
	}
	return ""
}

// sortedEvents puts a range's events in the order OSV's evaluation reads
// them (compileAffected's), so that matching need not sort them: the
// bundle is built sorted once instead of sorted in every process. A range
// with a boundary that is not a version is left as written (compileAffected
// drops it).
func sortedEvents(evs []Event) []Event {
	c := compileAffected(nil, Affected{Ranges: [][]Event{evs}})
	if len(c.ranges) != 1 || len(c.ranges[0]) != len(evs) {
		return evs
	}
	out := make([]Event, 0, len(evs))
	for _, ce := range c.ranges[0] {
		switch ce.kind {
		case 'i':
			out = append(out, Event{Introduced: ce.raw})
		case 'f':
			out = append(out, Event{Fixed: ce.raw})
		case 'l':
			out = append(out, Event{LastAffected: ce.raw})
		}
	}
	return out
}
