package servertest

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// Sample is one line of the Prometheus text format.
type Sample struct {
	Labels map[string]string
	Value  float64
}

// ScrapeMetrics reads GET base/metrics: metric name → samples.
func ScrapeMetrics(base string) (map[string][]Sample, error) {
	resp, err := client.Get(base + "/metrics")
	if err != nil {
		return nil, fmt.Errorf("scrape metrics: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("scrape metrics: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("scrape metrics: status %d", resp.StatusCode)
	}
	return ParseMetrics(string(body))
}

// SumSamples adds the values of the samples whose labels include labels.
func SumSamples(samples []Sample, labels map[string]string) float64 {
	sum := 0.0
next:
	for _, sm := range samples {
		for k, v := range labels {
			if sm.Labels[k] != v {
				continue next
			}
		}
		sum += sm.Value
	}
	return sum
}

// ParseMetrics reads the Prometheus text exposition format (what
// client_golang writes: no timestamps, escaped label values).
func ParseMetrics(text string) (map[string][]Sample, error) {
	out := map[string][]Sample{}
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		name, rest := line, ""
		labels := map[string]string{}
		if i := strings.IndexByte(line, '{'); i >= 0 {
			name = line[:i]
			var err error
			if rest, err = parseLabels(line[i+1:], labels); err != nil {
				return nil, fmt.Errorf("metrics line %d: %w: %q", n+1, err, line)
			}
		} else if i := strings.IndexByte(line, ' '); i >= 0 {
			name, rest = line[:i], line[i:]
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			return nil, fmt.Errorf("metrics line %d: no value: %q", n+1, line)
		}
		v, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			return nil, fmt.Errorf("metrics line %d: %w", n+1, err)
		}
		out[name] = append(out[name], Sample{Labels: labels, Value: v})
	}
	return out, nil
}

// parseLabels reads `k="v",k2="v2"}` into labels and returns what follows
// the closing brace.
func parseLabels(s string, labels map[string]string) (string, error) {
	for {
		s = strings.TrimLeft(s, " ,")
		if strings.HasPrefix(s, "}") {
			return s[1:], nil
		}
		eq := strings.IndexByte(s, '=')
		if eq < 0 || len(s) < eq+2 || s[eq+1] != '"' {
			return "", errors.New("bad label")
		}
		key := s[:eq]
		s = s[eq+2:]
		var val strings.Builder
		i := 0
		for ; i < len(s) && s[i] != '"'; i++ {
			if s[i] == '\\' && i+1 < len(s) {
				i++
				switch s[i] {
				case 'n':
					val.WriteByte('\n')
				default:
					val.WriteByte(s[i])
				}
				continue
			}
			val.WriteByte(s[i])
		}
		if i >= len(s) {
			return "", errors.New("unterminated label value")
		}
		labels[key] = val.String()
		s = s[i+1:]
	}
}
