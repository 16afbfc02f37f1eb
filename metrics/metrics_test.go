package metrics_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/djsec/djsec/metrics"
)

func TestQueueDepth(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		fn   metrics.DepthFunc
		want string
	}{
		{"counts", func(context.Context) (map[string]int64, error) {
			return map[string]int64{"available": 3, "running": 1}, nil
		}, `
# HELP djsec_queue_depth_error 1 when the queue depth could not be read at this scrape.
# TYPE djsec_queue_depth_error gauge
djsec_queue_depth_error 0
# HELP djsec_queue_jobs Jobs in the queue that have not finished, by state.
# TYPE djsec_queue_jobs gauge
djsec_queue_jobs{state="available"} 3
djsec_queue_jobs{state="running"} 1
`},
		{"database down", func(context.Context) (map[string]int64, error) { return nil, errors.New("closed") }, `
# HELP djsec_queue_depth_error 1 when the queue depth could not be read at this scrape.
# TYPE djsec_queue_depth_error gauge
djsec_queue_depth_error 1
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			reg := prometheus.NewRegistry()
			metrics.RegisterQueueDepth(reg, tt.fn)
			if err := testutil.GatherAndCompare(reg, strings.NewReader(tt.want)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestNewRegistersOnce(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m := metrics.New(reg)
	m.Deliveries.WithLabelValues("push", "", metrics.OutcomeQueued).Inc()
	if n, err := testutil.GatherAndCount(reg, "djsec_webhook_deliveries_total"); err != nil || n != 1 {
		t.Fatalf("%d series, %v", n, err)
	}
	defer func() {
		if recover() == nil {
			t.Error("registering the collectors twice in one registry should panic")
		}
	}()
	metrics.New(reg)
}
