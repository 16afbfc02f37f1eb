package checks

import (
	"context"
	"strings"
	"testing"
	"time"
)

// analyzeFiles runs the analyzer over in-memory files (path → content) in
// audit mode with the default configuration.
func analyzeFiles(t *testing.T, files map[string]string) *Result {
	t.Helper()
	in := Input{Files: map[string][]byte{}, Now: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC), Audit: true}
	for p, s := range files {
		in.Files[p] = []byte(s)
	}
	return Analyze(context.Background(), in)
}

// analyzeSettings analyzes one settings module at mysite/settings.py.
func analyzeSettings(t *testing.T, src string) *Result {
	t.Helper()
	return analyzeFiles(t, map[string]string{"mysite/settings.py": src})
}

// findingsOf returns the unsuppressed findings of one rule.
func findingsOf(res *Result, ruleID string) []Finding {
	var out []Finding
	for _, f := range res.Findings {
		if f.Rule == ruleID && !f.Suppressed {
			out = append(out, f)
		}
	}
	return out
}

// ruleIDs lists the rule IDs of unsuppressed findings, for failure messages.
func ruleIDs(res *Result) string {
	var ids []string
	for _, f := range res.Findings {
		if !f.Suppressed {
			ids = append(ids, f.Rule+"@"+f.Path+":"+itoa(f.Line))
		}
	}
	return strings.Join(ids, " ")
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	neg := i < 0
	if neg {
		i = -i
	}
	var b []byte
	for i > 0 {
		b = append([]byte{byte('0' + i%10)}, b...)
		i /= 10
	}
	if neg {
		b = append([]byte{'-'}, b...)
	}
	return string(b)
}
