package advisories

import (
	"fmt"
	"math"
	"strings"
)

// SeverityOf rates a record, in this order of preference:
//
//  1. the vendor's own rating: Django's "low", "moderate" or "high" in the
//     Django security archive records (database_specific.django_severity)
//     becomes low, medium or high;
//  2. a CVSS v3.x vector (the record's or its affected package's
//     `severity`), else a CVSS v2 vector, scored with the specification's
//     base-score formula and banded as the CVSS v3 specification does:
//     9.0–10.0 critical, 7.0–8.9 high, 4.0–6.9 medium, 0.0–3.9 low;
//  3. the GitHub advisory database's qualitative rating
//     (database_specific.severity: CRITICAL, HIGH, MODERATE, LOW).
//
// CVSS v4 vectors are not scored (their formula is a lookup over
// macro-vectors); a record rated only that way falls through to 3. level
// is empty when nothing applies, and basis says what was used.
func SeverityOf(o OSV) (level, basis string) {
	if s, ok := o.DatabaseSpecific["django_severity"].(string); ok {
		if l := qualitative(s); l != "" {
			return l, "Django's rating: " + strings.ToLower(s)
		}
	}
	vectors := append([]OSVSeverity(nil), o.Severity...)
	for _, a := range o.Affected {
		vectors = append(vectors, a.Severity...)
	}
	for _, kind := range []string{"CVSS_V3", "CVSS_V2"} {
		for _, s := range vectors {
			if s.Type != kind {
				continue
			}
			var score float64
			var err error
			if kind == "CVSS_V3" {
				score, err = CVSS3Score(s.Score)
			} else {
				score, err = CVSS2Score(s.Score)
			}
			if err == nil {
				return ScoreLevel(score), fmt.Sprintf("%s (base score %.1f)", s.Score, score)
			}
		}
	}
	if s, ok := o.DatabaseSpecific["severity"].(string); ok {
		if l := qualitative(s); l != "" {
			return l, "GitHub's rating: " + strings.ToLower(s)
		}
	}
	return "", ""
}

// qualitative maps a vendor word to djsec's levels.
func qualitative(s string) string {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "critical":
		return "critical"
	case "high", "important":
		return "high"
	case "moderate", "medium":
		return "medium"
	case "low":
		return "low"
	}
	return ""
}

// ScoreLevel bands a CVSS base score (CVSS v3.1 specification, section 5).
func ScoreLevel(score float64) string {
	switch {
	case score >= 9.0:
		return "critical"
	case score >= 7.0:
		return "high"
	case score >= 4.0:
		return "medium"
	}
	return "low"
}

// cvssMetrics splits "CVSS:3.1/AV:N/AC:L/…" (or a v2 "AV:N/AC:L/…") into
// its metrics, refusing duplicates.
func cvssMetrics(vector string) (map[string]string, error) {
	m := map[string]string{}
	for _, part := range strings.Split(strings.Trim(strings.TrimSpace(vector), "()"), "/") {
		k, v, ok := strings.Cut(part, ":")
		if !ok {
			return nil, fmt.Errorf("CVSS vector %q: bad metric %q", vector, part)
		}
		if _, dup := m[k]; dup {
			return nil, fmt.Errorf("CVSS vector %q: metric %s twice", vector, k)
		}
		m[k] = v
	}
	return m, nil
}

// CVSS3Score computes the base score of a CVSS v3.0 or v3.1 vector.
func CVSS3Score(vector string) (float64, error) {
	m, err := cvssMetrics(vector)
	if err != nil {
		return 0, err
	}
	if v := m["CVSS"]; v != "3.0" && v != "3.1" {
		return 0, fmt.Errorf("CVSS vector %q: not version 3.x", vector)
	}
	scope := m["S"]
	pr := map[string]float64{"N": 0.85, "L": 0.62, "H": 0.27}
	if scope == "C" {
		pr = map[string]float64{"N": 0.85, "L": 0.68, "H": 0.5}
	}
	cia := map[string]float64{"H": 0.56, "L": 0.22, "N": 0}
	tables := []struct {
		metric string
		values map[string]float64
	}{
		{"AV", map[string]float64{"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2}},
		{"AC", map[string]float64{"L": 0.77, "H": 0.44}},
		{"PR", pr},
		{"UI", map[string]float64{"N": 0.85, "R": 0.62}},
		{"C", cia}, {"I", cia}, {"A", cia},
	}
	val := map[string]float64{}
	for _, t := range tables {
		x, ok := t.values[m[t.metric]]
		if !ok {
			return 0, fmt.Errorf("CVSS vector %q: metric %s missing or unknown", vector, t.metric)
		}
		val[t.metric] = x
	}
	if scope != "U" && scope != "C" {
		return 0, fmt.Errorf("CVSS vector %q: metric S missing or unknown", vector)
	}
	iss := 1 - (1-val["C"])*(1-val["I"])*(1-val["A"])
	var impact float64
	if scope == "U" {
		impact = 6.42 * iss
	} else {
		impact = 7.52*(iss-0.029) - 3.25*math.Pow(iss-0.02, 15)
	}
	if impact <= 0 {
		return 0, nil
	}
	exploitability := 8.22 * val["AV"] * val["AC"] * val["PR"] * val["UI"]
	if scope == "U" {
		return roundUp(math.Min(impact+exploitability, 10)), nil
	}
	return roundUp(math.Min(1.08*(impact+exploitability), 10)), nil
}

// roundUp is CVSS v3.1's Roundup: the smallest number with one decimal
// that is at least x, computed on integers to avoid floating-point noise.
func roundUp(x float64) float64 {
	i := int(math.Round(x * 100000))
	if i%10000 == 0 {
		return float64(i) / 100000
	}
	return float64(i/10000+1) / 10
}

// CVSS2Score computes the base score of a CVSS v2 vector.
func CVSS2Score(vector string) (float64, error) {
	m, err := cvssMetrics(vector)
	if err != nil {
		return 0, err
	}
	cia := map[string]float64{"N": 0, "P": 0.275, "C": 0.660}
	tables := []struct {
		metric string
		values map[string]float64
	}{
		{"AV", map[string]float64{"L": 0.395, "A": 0.646, "N": 1.0}},
		{"AC", map[string]float64{"H": 0.35, "M": 0.61, "L": 0.71}},
		{"Au", map[string]float64{"M": 0.45, "S": 0.56, "N": 0.704}},
		{"C", cia}, {"I", cia}, {"A", cia},
	}
	val := map[string]float64{}
	for _, t := range tables {
		x, ok := t.values[m[t.metric]]
		if !ok {
			return 0, fmt.Errorf("CVSS v2 vector %q: metric %s missing or unknown", vector, t.metric)
		}
		val[t.metric] = x
	}
	impact := 10.41 * (1 - (1-val["C"])*(1-val["I"])*(1-val["A"]))
	exploitability := 20 * val["AV"] * val["AC"] * val["Au"]
	f := 1.176
	if impact == 0 {
		f = 0
	}
	return math.Round((0.6*impact+0.4*exploitability-1.5)*f*10) / 10, nil
}
