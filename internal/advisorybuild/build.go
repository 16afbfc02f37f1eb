// Package advisorybuild turns the advisory data of shared/advisories (PyPA
// OSV records, Django security archive records, django-series.json) into
// the bundle checks/advisories embeds. scripts/buildadvisories writes the
// bundle with it; checks/advisories' tests rebuild it to prove the
// committed file is current.
package advisorybuild

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/djsec/djsec/checks/advisories"
)

// Build reads dir and returns the bundle as JSON; the same input always
// gives the same bytes.
func Build(dir string) ([]byte, error) {
	b, err := Read(dir)
	if err != nil {
		return nil, err
	}
	return Marshal(b)
}

// Marshal renders a bundle the way Build does.
func Marshal(b *advisories.Bundle) ([]byte, error) {
	data, err := json.Marshal(b)
	if err != nil {
		return nil, fmt.Errorf("encoding the bundle: %w", err)
	}
	return append(data, '\n'), nil
}

// Read parses dir into a bundle.
func Read(dir string) (*advisories.Bundle, error) {
	b := &advisories.Bundle{}
	pypa, pypaDate, err := readRecords(filepath.Join(dir, "pypa", "*", "*.yaml"), "pypa")
	if err != nil {
		return nil, err
	}
	archive, archiveDate, err := readRecords(filepath.Join(dir, "django-archive", "*.yaml"), "django-archive")
	if err != nil {
		return nil, err
	}
	if len(pypa) == 0 || len(archive) == 0 {
		return nil, fmt.Errorf("%s: no records under pypa/ or django-archive/", dir)
	}
	series, generated, err := readSeries(filepath.Join(dir, "django-series.json"))
	if err != nil {
		return nil, err
	}
	commit, commitDate := pypaCommit(filepath.Join(dir, "README.md"))
	if commitDate != "" {
		pypaDate = commitDate
	}
	rated, err := rateByAlias(pypa)
	if err != nil {
		return nil, err
	}
	b.Sources = []advisories.Source{
		{Name: "Django security archive", Path: "django-archive", Date: archiveDate, Records: len(archive),
			URL: "https://docs.djangoproject.com/en/dev/releases/security/"},
		{Name: "PyPA advisory database", Path: "pypa", Date: pypaDate, Commit: commit, Records: len(pypa),
			URL: "https://github.com/pypa/advisory-database"},
		{Name: "Django release series", Path: "django-series.json", Date: generated,
			URL: "https://www.djangoproject.com/download/#supported-versions"},
		rated,
	}
	for _, s := range b.Sources {
		if s.Date > b.Snapshot {
			b.Snapshot = s.Date
		}
	}
	b.DjangoSeries = series
	b.Records = append(archive, pypa...)
	sort.SliceStable(b.Records, func(i, j int) bool {
		if b.Records[i].Source != b.Records[j].Source {
			return b.Records[i].Source < b.Records[j].Source
		}
		return b.Records[i].ID < b.Records[j].ID
	})
	ids := map[string]bool{}
	for _, r := range b.Records {
		if ids[r.ID] {
			return nil, fmt.Errorf("%s: record ID %s appears twice", dir, r.ID)
		}
		ids[r.ID] = true
	}
	return b, nil
}

// readRecords parses every OSV file matching pattern; newest is the latest
// modified date among them.
func readRecords(pattern, source string) (out []advisories.Record, newest string, err error) {
	files, err := filepath.Glob(pattern)
	if err != nil {
		return nil, "", err
	}
	sort.Strings(files)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, "", err
		}
		var o advisories.OSV
		if err := yaml.Unmarshal(data, &o); err != nil {
			return nil, "", fmt.Errorf("%s: %w", f, err)
		}
		if o.ID == "" {
			return nil, "", fmt.Errorf("%s: no id", f)
		}
		r, ok := advisories.FromOSV(o, source)
		if !ok {
			// Withdrawn, or nothing djsec can match: nothing to bundle.
			continue
		}
		if r.Modified > newest {
			newest = r.Modified
		}
		out = append(out, r)
	}
	return out, newest, nil
}

// readSeries reads django-series.json; "confirmed" is true unless the file
// says false, and JSON nulls become empty strings.
func readSeries(file string) ([]advisories.Series, string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, "", err
	}
	var doc struct {
		Generated string `json:"generated"`
		Series    []struct {
			advisories.Series
			Confirmed *bool `json:"confirmed"`
		} `json:"series"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, "", fmt.Errorf("%s: %w", file, err)
	}
	var out []advisories.Series
	for _, s := range doc.Series {
		row := s.Series
		row.Confirmed = s.Confirmed == nil || *s.Confirmed
		if row.Series == "" || row.SecurityEnds == "" && row.Released == "" {
			return nil, "", fmt.Errorf("%s: series entry without a name or dates", file)
		}
		out = append(out, row)
	}
	if doc.Generated == "" || len(out) == 0 {
		return nil, "", fmt.Errorf("%s: no generated date or no series", file)
	}
	return out, doc.Generated, nil
}

// pypaCommitRE finds the snapshot commit the README names:
// "Commit `3ccb6125…`, "Assign IDs", committed 2024-10-10 17:35:05".
var pypaCommitRE = regexp.MustCompile("(?s)Commit `([0-9a-f]{40})`.{0,200}?committed\\s+(\\d{4}-\\d{2}-\\d{2})")

func pypaCommit(readme string) (commit, date string) {
	data, err := os.ReadFile(readme)
	if err != nil {
		return "", ""
	}
	text := string(data)
	if i := strings.Index(text, "pypa/advisory-database"); i >= 0 {
		text = text[i:]
	}
	m := pypaCommitRE.FindStringSubmatch(text)
	if m == nil {
		return "", ""
	}
	return m[1], m[2]
}

// severitiesJSON rates PyPA records that carry no rating of their own:
// each entry is a GitHub-reviewed advisory (its CVSS vector and GitHub's
// word, read from github/advisory-database) for a CVE a PyPA record
// aliases. It lives in this repository, next to the code that applies
// it, because shared/advisories holds PyPA's records unchanged.
//
//go:embed severities.json
var severitiesJSON []byte

type severityEntry struct {
	ID       string   `json:"id"`
	Aliases  []string `json:"aliases"`
	Modified string   `json:"modified"`
	CVSSv3   string   `json:"cvss_v3"`
	Severity string   `json:"severity"`
	Path     string   `json:"path"`
	Commit   string   `json:"commit"`
}

// rateByAlias gives each unrated record the highest rating among the
// reviewed advisories that share an ID or alias with it (its CVE), with
// the basis naming that advisory, and describes the part as a source.
// An entry that rates no record is an error: the data went stale.
func rateByAlias(records []advisories.Record) (advisories.Source, error) {
	var doc struct {
		Name       string          `json:"name"`
		URL        string          `json:"url"`
		Advisories []severityEntry `json:"advisories"`
	}
	if err := json.Unmarshal(severitiesJSON, &doc); err != nil {
		return advisories.Source{}, fmt.Errorf("severities.json: %w", err)
	}
	byID := map[string][]int{}
	for i, e := range doc.Advisories {
		for _, id := range append([]string{e.ID}, e.Aliases...) {
			byID[id] = append(byID[id], i)
		}
	}
	used := make([]bool, len(doc.Advisories))
	src := advisories.Source{Name: doc.Name, Path: "internal/advisorybuild/severities.json", URL: doc.URL}
	for ri := range records {
		r := &records[ri]
		if r.Severity != "" {
			continue
		}
		for _, id := range r.IDs() {
			for _, i := range byID[id] {
				e := doc.Advisories[i]
				used[i] = true
				level, basis := advisories.SeverityOf(advisories.OSV{
					Severity:         []advisories.OSVSeverity{{Type: "CVSS_V3", Score: e.CVSSv3}},
					DatabaseSpecific: map[string]any{"severity": e.Severity},
				})
				if advisories.SeverityRank(level) > advisories.SeverityRank(r.Severity) {
					r.Severity, r.SeverityBasis = level, basis+", from "+e.ID
				}
			}
		}
		if r.Severity != "" {
			src.Records++
		}
	}
	for i, e := range doc.Advisories {
		if !used[i] {
			return advisories.Source{}, fmt.Errorf("severities.json: %s rates no unrated record (aliases %v)", e.ID, e.Aliases)
		}
		if e.Modified > src.Date {
			src.Date = e.Modified
		}
	}
	return src, nil
}
