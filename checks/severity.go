package checks

import (
	"fmt"
	"strings"
)

// Severity orders findings; a higher value is more urgent.
type Severity int

const (
	Info Severity = iota + 1
	Low
	Medium
	High
	Critical
)

var severityNames = map[Severity]string{
	Info:     "info",
	Low:      "low",
	Medium:   "medium",
	High:     "high",
	Critical: "critical",
}

func (s Severity) String() string {
	if n, ok := severityNames[s]; ok {
		return n
	}
	return fmt.Sprintf("severity(%d)", int(s))
}

// ParseSeverity accepts the lower-case names used in RULES.md, the CLI and djsec.yml.
func ParseSeverity(name string) (Severity, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	for s, sn := range severityNames {
		if sn == n {
			return s, nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q (want critical, high, medium, low or info)", name)
}

// MarshalText lets severities appear as words in JSON.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText is the inverse of MarshalText.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}
