package advisories

import (
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/djsec/djsec/checks/deps"
)

// Bundle is the embedded file: the data's date, where it came from, Django's
// release series and the advisory records.
type Bundle struct {
	// Snapshot is the date of the newest data in the bundle (YYYY-MM-DD).
	Snapshot     string   `json:"snapshot"`
	Sources      []Source `json:"sources"`
	DjangoSeries []Series `json:"django_series"`
	Records      []Record `json:"records"`
}

// Source describes one part of the bundle.
type Source struct {
	Name string `json:"name"`
	// Path is the part's place in shared/advisories, or in this
	// repository for the severities of internal/advisorybuild.
	Path string `json:"path"`
	// Date is how recent the part is: the snapshot commit's date for the
	// PyPA database, the newest record or table date otherwise.
	Date    string `json:"date"`
	Commit  string `json:"commit,omitempty"`
	Records int    `json:"records,omitempty"`
	URL     string `json:"url,omitempty"`
}

// Series is one Django release series of django-series.json. Dates are
// YYYY-MM-DD, or YYYY-MM where Django gave only a month; empty when not
// known yet.
type Series struct {
	Series          string `json:"series"`
	LTS             bool   `json:"lts"`
	Released        string `json:"release_date"`
	MainstreamEnds  string `json:"end_of_mainstream_support"`
	SecurityEnds    string `json:"end_of_security_support"`
	LastRelease     string `json:"last_release"`
	LastReleaseDate string `json:"last_release_date"`
	Status          string `json:"status"`
	// Confirmed is false for projected dates (a planned series, end
	// dates Django has not published).
	Confirmed bool `json:"confirmed"`
}

// DB indexes records by package for matching. Each package's records are
// compiled (versions parsed, ranges sorted) the first time something asks
// about that package: an audit that names Django alone never parses the
// other packages' ranges. A DB is safe for concurrent use.
type DB struct {
	bundle *Bundle
	pkgs   map[string]*pkgIndex
}

// pkgIndex is one package's part of a DB.
type pkgIndex struct {
	sources []recAffected
	once    sync.Once
	entries []*entry
	// fixes lists every fixed version of every record in ascending
	// order: the candidates for the smallest safe upgrade, sorted only
	// when an upgrade is asked for.
	fixesOnce sync.Once
	fixes     []deps.Version
}

// recAffected is one record's Affected entry for the package, before it is
// compiled.
type recAffected struct {
	rec *Record
	aff *Affected
}

func (p *pkgIndex) compiled() *pkgIndex {
	p.once.Do(func() {
		p.entries = make([]*entry, 0, len(p.sources))
		for _, s := range p.sources {
			p.entries = append(p.entries, compileAffected(s.rec, *s.aff))
		}
	})
	return p
}

// entries are the compiled records of a normalised package name.
func (db *DB) entries(name string) []*entry {
	if p := db.pkgs[name]; p != nil {
		return p.compiled().entries
	}
	return nil
}

func (db *DB) fixes(name string) []deps.Version {
	p := db.pkgs[name]
	if p == nil {
		return nil
	}
	p.compiled()
	p.fixesOnce.Do(func() { p.fixes = fixesOf(p.entries) })
	return p.fixes
}

// entry is one record's ranges for one package, with versions parsed.
type entry struct {
	rec      *Record
	ranges   [][]cEvent
	versions []deps.Version
	raw      []string // listed versions that are not PEP 440, matched as text
}

type cEvent struct {
	kind byte          // 'i' introduced, 'l' last_affected, 'f' fixed
	zero bool          // introduced "0": from the first release
	v    *deps.Version // nil for zero
	k    vkey
	raw  string
}

var bundled = sync.OnceValue(func() *DB { return New(&bundledData) })

// Bundled is the embedded data (bundle_data.go): a Go literal the linker
// lays out, so using it costs no decoding at start-up.
func Bundled() *DB { return bundled() }

// BundledData is the embedded bundle itself, for the test that rebuilds it
// from its sources. Callers must not modify it.
func BundledData() *Bundle { return &bundledData }

// SnapshotDate is the date of the newest bundled data (YYYY-MM-DD), for
// `bot version` and the check run's footer.
func SnapshotDate() string { return Bundled().bundle.Snapshot }

// Sources describes the parts of the bundled data and their dates.
func Sources() []Source { return slices.Clone(Bundled().bundle.Sources) }

// DjangoSeries is Django's release-series table, oldest first.
func DjangoSeries() []Series { return slices.Clone(Bundled().bundle.DjangoSeries) }

// SourcesLine summarises the sources for one line of text: "Django
// security archive 2026-11-26, PyPA advisory database 2024-10-10, …".
func SourcesLine() string {
	var parts []string
	for _, s := range Bundled().bundle.Sources {
		parts = append(parts, s.Name+" "+s.Date)
	}
	return strings.Join(parts, ", ")
}

// New indexes a bundle; the DB keeps b.
func New(b *Bundle) *DB {
	db := &DB{bundle: b, pkgs: map[string]*pkgIndex{}}
	for i := range b.Records {
		r := &b.Records[i]
		for j := range r.Affected {
			name := r.Affected[j].Package
			p := db.pkgs[name]
			if p == nil {
				p = &pkgIndex{}
				db.pkgs[name] = p
			}
			p.sources = append(p.sources, recAffected{rec: r, aff: &r.Affected[j]})
		}
	}
	return db
}

func fixesOf(entries []*entry) []deps.Version {
	var out []deps.Version
	for _, e := range entries {
		for _, rg := range e.ranges {
			for _, ev := range rg {
				if ev.kind == 'f' {
					out = append(out, *ev.v)
				}
			}
		}
	}
	slices.SortFunc(out, deps.Compare)
	return slices.CompactFunc(out, func(a, b deps.Version) bool { return deps.Compare(a, b) == 0 })
}

// With returns a DB that also holds extra records (from the live OSV API);
// the receiver is unchanged. Bundled records keep precedence when both
// describe the same advisory.
func (db *DB) With(extra []Record) *DB {
	if len(extra) == 0 {
		return db
	}
	out := &DB{bundle: db.bundle, pkgs: make(map[string]*pkgIndex, len(db.pkgs))}
	for k, v := range db.pkgs {
		out.pkgs[k] = v
	}
	touched := map[string]*pkgIndex{}
	recs := slices.Clone(extra)
	for i := range recs {
		r := &recs[i]
		for j := range r.Affected {
			name := r.Affected[j].Package
			p := touched[name]
			if p == nil {
				// Copy-on-write: the receiver's index is shared, never
				// appended to.
				p = &pkgIndex{}
				if old := db.pkgs[name]; old != nil {
					p.sources = slices.Clone(old.sources)
				}
				touched[name] = p
				out.pkgs[name] = p
			}
			p.sources = append(p.sources, recAffected{rec: r, aff: &r.Affected[j]})
		}
	}
	return out
}

// Snapshot is the bundle date of the DB.
func (db *DB) Snapshot() string { return db.bundle.Snapshot }

func compileAffected(r *Record, a Affected) *entry {
	e := &entry{rec: r}
	for _, rg := range a.Ranges {
		var evs []cEvent
		ok := true
		for _, ev := range rg {
			var c cEvent
			switch {
			case ev.Introduced != "":
				c = cEvent{kind: 'i', raw: ev.Introduced, zero: ev.Introduced == "0"}
			case ev.Fixed != "":
				c = cEvent{kind: 'f', raw: ev.Fixed}
			case ev.LastAffected != "":
				c = cEvent{kind: 'l', raw: ev.LastAffected}
			default:
				continue
			}
			if !c.zero {
				v, err := deps.ParseVersion(c.raw)
				if err != nil {
					// A boundary djsec cannot place makes the whole range
					// unknowable: drop it rather than guess.
					ok = false
					break
				}
				c.v, c.k = &v, keyOf(v)
			}
			evs = append(evs, c)
		}
		if !ok || len(evs) == 0 {
			continue
		}
		// Records list events in any order (Django's newest series
		// first): OSV's evaluation needs them sorted. FromOSV sorts them
		// already, so the bundled ones pass the check and are not sorted
		// again in every process.
		if !slices.IsSortedFunc(evs, compareEvents) {
			slices.SortStableFunc(evs, compareEvents)
		}
		e.ranges = append(e.ranges, evs)
	}
	for _, s := range a.Versions {
		if v, err := deps.ParseVersion(s); err == nil {
			e.versions = append(e.versions, v)
		} else {
			e.raw = append(e.raw, strings.TrimSpace(s))
		}
	}
	return e
}

// compareEvents sorts "0" first, then by version; at one version
// introduced comes before last_affected and fixed, so [x, x) is empty.
func compareEvents(a, b cEvent) int {
	switch {
	case a.zero && b.zero:
		return 0
	case a.zero:
		return -1
	case b.zero:
		return 1
	}
	if c := deps.Compare(*a.v, *b.v); c != 0 {
		return c
	}
	return eventRank(a.kind) - eventRank(b.kind)
}

func eventRank(kind byte) int {
	switch kind {
	case 'i':
		return 0
	case 'l':
		return 1
	}
	return 2
}

// rangeAffectsKeyed is OSV's evaluation of one sorted range; k is v's key.
func rangeAffectsKeyed(evs []cEvent, v *deps.Version, k vkey) bool {
	// Quick rejects first: most ranges of a package lie wholly above or
	// below the version (another Django series).
	if first := evs[0]; first.kind == 'i' && !first.zero && compareKeyed(v, k, first.v, first.k) < 0 {
		return false
	}
	switch end := evs[len(evs)-1]; end.kind {
	case 'f':
		if compareKeyed(v, k, end.v, end.k) >= 0 {
			return false
		}
	case 'l':
		if compareKeyed(v, k, end.v, end.k) > 0 {
			return false
		}
	}
	vuln := false
	for _, e := range evs {
		if e.zero {
			vuln = true
			continue
		}
		c := compareKeyed(v, k, e.v, e.k)
		if c < 0 {
			// Sorted: no later event applies to v.
			break
		}
		switch e.kind {
		case 'i':
			vuln = true
		case 'f':
			vuln = false
		case 'l':
			vuln = vuln && c <= 0
		}
	}
	return vuln
}

func (e *entry) inRanges(v deps.Version) bool { return e.inRangesKeyed(v, keyOf(v)) }

func (e *entry) inRangesKeyed(v deps.Version, k vkey) bool {
	for _, rg := range e.ranges {
		if rangeAffectsKeyed(rg, &v, k) {
			return true
		}
	}
	return false
}

func (e *entry) affects(v deps.Version, k vkey) bool {
	if e.inRangesKeyed(v, k) {
		return true
	}
	for _, lv := range e.versions {
		if deps.Compare(lv, v) == 0 {
			return true
		}
	}
	if len(e.raw) > 0 {
		s := v.String()
		for _, r := range e.raw {
			if strings.EqualFold(r, s) {
				return true
			}
		}
	}
	return false
}

// Vuln is one advisory affecting a version: the records describing it
// (grouped by shared IDs and aliases) and the release that fixes it.
type Vuln struct {
	// Name is the advisory's CVE, or its first ID without one.
	Name string
	// IDs are every ID and alias of its records, Name first.
	IDs     []string
	Records []*Record
	// Fixed is the first release after the affected version that the
	// records say is not affected: for Django, the fix in the same
	// series. Empty when no fix is known.
	Fixed string
	// LastAffected names the last affected release when a record gives
	// that instead of a fix.
	LastAffected string
	// Severity is the highest rating among the records ("" when none
	// rates itself).
	Severity string
	fixed    deps.Version
}

// Match returns the advisories affecting version v of package name (any
// spelling; it is normalised), ordered by fixed version, then name.
func (db *DB) Match(name string, v deps.Version) []Vuln {
	name = normalName(name)
	type hit struct {
		fixed, last deps.Version
		hasFix      bool
		hasLast     bool
	}
	var recs []*Record
	hits := map[*Record]*hit{}
	k := keyOf(v)
	for _, e := range db.entries(name) {
		if !e.affects(v, k) {
			continue
		}
		h, seen := hits[e.rec]
		if !seen {
			h = &hit{}
			hits[e.rec] = h
			recs = append(recs, e.rec)
		}
		for _, rg := range e.ranges {
			if !rangeAffectsKeyed(rg, &v, k) {
				continue
			}
			for _, ev := range rg {
				if ev.kind == 'f' && compareKeyed(ev.v, ev.k, &v, k) > 0 {
					if !h.hasFix || deps.Compare(*ev.v, h.fixed) > 0 {
						h.fixed, h.hasFix = *ev.v, true
					}
					break
				}
				if ev.kind == 'l' && deps.Compare(*ev.v, v) >= 0 {
					if !h.hasLast || deps.Compare(*ev.v, h.last) > 0 {
						h.last, h.hasLast = *ev.v, true
					}
					break
				}
			}
		}
	}
	groups := group(recs)
	out := make([]Vuln, 0, len(groups))
	for _, g := range groups {
		vu := newVuln(g)
		var fixed, last deps.Version
		var hasFix, hasLast bool
		for _, r := range g {
			h := hits[r]
			if h.hasFix && (!hasFix || deps.Compare(h.fixed, fixed) > 0) {
				fixed, hasFix = h.fixed, true
			}
			if h.hasLast && (!hasLast || deps.Compare(h.last, last) > 0) {
				last, hasLast = h.last, true
			}
		}
		if hasFix {
			vu.Fixed, vu.fixed = fixed.String(), fixed
		}
		if hasLast && !hasFix {
			vu.LastAffected = last.String()
		}
		out = append(out, vu)
	}
	sortVulns(out)
	return out
}

// Upgrade is the smallest release above v that no record of the package
// affects, among the fixed versions the records name. ok is false when
// there is none (an advisory without a fix, or only last_affected).
func (db *DB) Upgrade(name string, v deps.Version) (deps.Version, bool) {
	name = normalName(name)
	// Nothing below the latest next fix of the advisories affecting v can
	// clear them all: start the search there.
	start, fromFix := v, false
	k := keyOf(v)
	for _, e := range db.entries(name) {
		for _, rg := range e.ranges {
			if !rangeAffectsKeyed(rg, &v, k) {
				continue
			}
			for _, ev := range rg {
				if ev.kind == 'f' && compareKeyed(ev.v, ev.k, &v, k) > 0 {
					if deps.Compare(*ev.v, start) > 0 {
						start, fromFix = *ev.v, true
					}
					break
				}
			}
		}
	}
	fixes := db.fixes(name)
	i := sort.Search(len(fixes), func(i int) bool {
		c := deps.Compare(fixes[i], start)
		return c > 0 || c == 0 && fromFix
	})
	for ; i < len(fixes); i++ {
		if !db.affected(name, fixes[i]) {
			return fixes[i], true
		}
	}
	return deps.Version{}, false
}

func (db *DB) affected(name string, v deps.Version) bool {
	k := keyOf(v)
	for _, e := range db.entries(name) {
		if e.affects(v, k) {
			return true
		}
	}
	return false
}

// Bound is a lower limit on versions: ">= Version", or "> Version" when
// not Inclusive.
type Bound struct {
	Version   deps.Version
	Inclusive bool
}

func (b Bound) String() string {
	if b.Inclusive {
		return ">=" + b.Version.String()
	}
	return ">" + b.Version.String()
}

// MatchNewest returns the advisories that affect the newest release a
// specifier set allows, which is what a resolver installs from it (pip,
// and pip-audit when it audits a requirements file, pick the newest
// match): those whose affected versions reach the set's upper end, so
// that no release the set admits fixes them. An advisory the set's
// releases include a fix for is not returned, however old the affected
// releases the set also admits. Each Vuln's Fixed is the fix beyond the
// set (empty for an advisory without one). Ranges are treated as
// intervals of versions; "!=" exclusions are not subtracted.
func (db *DB) MatchNewest(name string, set deps.SpecifierSet) []Vuln {
	name = normalName(name)
	lb, lbIncl, hasLB := set.LowerBound()
	ub, ubIncl, hasUB := set.UpperBound()
	type hit struct {
		fixed, last     deps.Version
		hasFix, hasLast bool
	}
	var recs []*Record
	hits := map[*Record]*hit{}
	mark := func(r *Record) *hit {
		h, ok := hits[r]
		if !ok {
			h = &hit{}
			hits[r] = h
			recs = append(recs, r)
		}
		return h
	}
	for _, e := range db.entries(name) {
		for _, rg := range e.ranges {
			for _, iv := range intervals(rg) {
				if !overlaps(iv, lb, lbIncl, hasLB, ub, ubIncl, hasUB) {
					continue
				}
				switch {
				case iv.open:
					mark(e.rec)
				case !hasUB:
					// The set reaches the fix.
				case iv.endIncl:
					// Affected up to and including iv.end: the newest allowed
					// is affected unless the set allows something above it.
					if deps.Compare(ub, iv.end) <= 0 {
						h := mark(e.rec)
						if !h.hasLast || deps.Compare(iv.end, h.last) > 0 {
							h.last, h.hasLast = iv.end, true
						}
					}
				default:
					// Fixed in iv.end: affected unless the set allows it.
					if c := deps.Compare(ub, iv.end); c < 0 || c == 0 && !ubIncl {
						h := mark(e.rec)
						if !h.hasFix || deps.Compare(iv.end, h.fixed) > 0 {
							h.fixed, h.hasFix = iv.end, true
						}
					}
				}
			}
		}
		if hasUB && ubIncl {
			for _, v := range e.versions {
				if deps.Compare(v, ub) == 0 && set.Contains(v) {
					mark(e.rec)
				}
			}
		}
	}
	var out []Vuln
	for _, g := range group(recs) {
		vu := newVuln(g)
		var fixed, last deps.Version
		var hasFix, hasLast, open bool
		for _, r := range g {
			h := hits[r]
			switch {
			case h.hasFix:
				if !hasFix || deps.Compare(h.fixed, fixed) > 0 {
					fixed, hasFix = h.fixed, true
				}
			case h.hasLast:
				if !hasLast || deps.Compare(h.last, last) > 0 {
					last, hasLast = h.last, true
				}
			default:
				open = true // no fix known, or a listed version
			}
		}
		if hasFix && !open {
			vu.Fixed, vu.fixed = fixed.String(), fixed
		}
		if hasLast && !hasFix && !open {
			vu.LastAffected = last.String()
		}
		out = append(out, vu)
	}
	sortVulns(out)
	return out
}

// interval is one stretch of affected versions: [start, end) or
// [start, end] (endIncl, from last_affected), open-ended when open.
type interval struct {
	start    deps.Version
	fromZero bool
	end      deps.Version
	endIncl  bool
	open     bool
}

// intervals turns a sorted range into affected stretches.
func intervals(evs []cEvent) []interval {
	var out []interval
	var cur *interval
	for _, e := range evs {
		switch e.kind {
		case 'i':
			if cur == nil {
				cur = &interval{fromZero: e.zero}
				if !e.zero {
					cur.start = *e.v
				}
			}
		case 'f', 'l':
			if cur != nil {
				cur.end, cur.endIncl = *e.v, e.kind == 'l'
				out = append(out, *cur)
				cur = nil
			}
		}
	}
	if cur != nil {
		cur.open = true
		out = append(out, *cur)
	}
	return out
}

// overlaps reports whether an affected interval and the set's bounds share
// a version.
func overlaps(iv interval, lb deps.Version, lbIncl, hasLB bool, ub deps.Version, ubIncl, hasUB bool) bool {
	// Start of the intersection: the higher of the two lower limits.
	lo, loIncl, hasLo := iv.start, true, !iv.fromZero
	if hasLB && (!hasLo || deps.Compare(lb, lo) > 0 || deps.Compare(lb, lo) == 0 && !lbIncl) {
		lo, loIncl, hasLo = lb, lbIncl, true
	}
	// End: the lower of the two upper limits.
	hi, hiIncl, hasHi := iv.end, iv.endIncl, !iv.open
	if hasUB && (!hasHi || deps.Compare(ub, hi) < 0 || deps.Compare(ub, hi) == 0 && !ubIncl) {
		hi, hiIncl, hasHi = ub, ubIncl, true
	}
	if !hasLo || !hasHi {
		return true
	}
	c := deps.Compare(lo, hi)
	return c < 0 || c == 0 && loIncl && hiIncl
}

// Records lists the package's records, newest first.
func (db *DB) Records(name string) []*Record {
	name = normalName(name)
	seen := map[*Record]bool{}
	var out []*Record
	for _, e := range db.entries(name) {
		if !seen[e.rec] {
			seen[e.rec] = true
			out = append(out, e.rec)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Published != out[j].Published {
			return out[i].Published > out[j].Published
		}
		return out[i].ID > out[j].ID
	})
	return out
}

// Packages lists the packages the DB has records for.
func (db *DB) Packages() []string {
	out := make([]string, 0, len(db.pkgs))
	for name := range db.pkgs {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// group puts records that share an ID or alias together (a PYSEC record
// and a GHSA record of the same CVE are one advisory), keeping the order of
// first appearance.
func group(recs []*Record) [][]*Record {
	var groups [][]*Record
	index := map[string]int{} // ID or alias → group
	for _, r := range recs {
		target := -1
		for _, id := range r.IDs() {
			if g, ok := index[id]; ok {
				target = g
				break
			}
		}
		if target < 0 {
			target = len(groups)
			groups = append(groups, nil)
		}
		groups[target] = append(groups[target], r)
		for _, id := range r.IDs() {
			if _, ok := index[id]; !ok {
				index[id] = target
			}
		}
	}
	return groups
}

func newVuln(g []*Record) Vuln {
	v := Vuln{Records: g}
	seen := map[string]bool{}
	for _, r := range g {
		if v.Name == "" || !strings.HasPrefix(v.Name, "CVE-") && r.CVE() != "" {
			v.Name = r.Name()
		}
		if severityRank[r.Severity] > severityRank[v.Severity] {
			v.Severity = r.Severity
		}
	}
	v.IDs = append(v.IDs, v.Name)
	seen[v.Name] = true
	for _, r := range g {
		for _, id := range r.IDs() {
			if !seen[id] {
				seen[id] = true
				v.IDs = append(v.IDs, id)
			}
		}
	}
	return v
}

var severityRank = map[string]int{"": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}

// SeverityRank orders levels: "" 0, low 1 … critical 4.
func SeverityRank(level string) int { return severityRank[level] }

func sortVulns(vs []Vuln) {
	sort.SliceStable(vs, func(i, j int) bool {
		a, b := vs[i], vs[j]
		if (a.Fixed == "") != (b.Fixed == "") {
			return a.Fixed != ""
		}
		if a.Fixed != b.Fixed {
			if c := deps.Compare(a.fixed, b.fixed); c != 0 {
				return c < 0
			}
		}
		return a.Name < b.Name
	})
}

// AffectedText describes the versions of pkg a record affects, oldest
// first, in specifier form: ">=4.2,<4.2.25", "<1.0.5", ">=2.0,<=2.0.3",
// ">=7.1" (no fix), "==3.0.1" (listed versions).
func (r *Record) AffectedText(pkg string) []string {
	pkg = normalName(pkg)
	var out []string
	for _, a := range r.Affected {
		if a.Package != pkg {
			continue
		}
		e := compileAffected(r, a)
		type item struct {
			v    deps.Version
			zero bool
			text string
		}
		var items []item
		for _, rg := range e.ranges {
			for _, iv := range intervals(rg) {
				var parts []string
				if !iv.fromZero {
					parts = append(parts, ">="+iv.start.String())
				}
				switch {
				case iv.open:
				case iv.endIncl:
					parts = append(parts, "<="+iv.end.String())
				default:
					parts = append(parts, "<"+iv.end.String())
				}
				text := strings.Join(parts, ",")
				if text == "" {
					text = "every version"
				}
				items = append(items, item{v: iv.start, zero: iv.fromZero, text: text})
			}
		}
		for _, v := range e.versions {
			items = append(items, item{v: v, text: "==" + v.String()})
		}
		for _, s := range e.raw {
			items = append(items, item{text: "===" + s, zero: true})
		}
		sort.SliceStable(items, func(i, j int) bool {
			if items[i].zero != items[j].zero {
				return items[i].zero
			}
			return deps.Compare(items[i].v, items[j].v) < 0
		})
		for _, it := range items {
			out = append(out, it.text)
		}
	}
	return out
}

// normalName is deps.NormalizeName without its regular expression for
// names already in PEP 503 form, which is how callers pass them.
func normalName(name string) string {
	for i := 0; i < len(name); i++ {
		c := name[i]
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' && i > 0 && i < len(name)-1 && name[i-1] != '-'
		if !ok {
			return deps.NormalizeName(name)
		}
	}
	return name
}
