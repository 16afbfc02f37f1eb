package githubapp_test

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// metricValue is a gathered sample as a Collector for testutil.ToFloat64.
type metricValue float64

func (metricValue) Describe(chan<- *prometheus.Desc) {}
func (v metricValue) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(prometheus.NewDesc("v", "v", nil, nil), prometheus.UntypedValue, float64(v))
}

// counter finds one sample of a metric family by its labels (0 if absent).
func counter(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) prometheus.Collector {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if matches(m, labels) {
				switch {
				case m.Counter != nil:
					return metricValue(m.GetCounter().GetValue())
				case m.Gauge != nil:
					return metricValue(m.GetGauge().GetValue())
				}
			}
		}
	}
	return metricValue(0)
}

func gauge(t *testing.T, reg *prometheus.Registry, labels map[string]string) prometheus.Collector {
	return counter(t, reg, "djsec_github_rate_limit_remaining", labels)
}

func matches(m *dto.Metric, labels map[string]string) bool {
	n := 0
	for _, lp := range m.GetLabel() {
		if v, ok := labels[lp.GetName()]; ok {
			if v != lp.GetValue() {
				return false
			}
			n++
		}
	}
	return n == len(labels)
}
