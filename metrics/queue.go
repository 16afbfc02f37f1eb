package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// DepthFunc counts the jobs waiting in the queue by state (available,
// scheduled, retryable, running).
type DepthFunc func(ctx context.Context) (map[string]int64, error)

// queueDepth asks the database at every scrape, so the gauge is never stale.
type queueDepth struct {
	count   DepthFunc
	timeout time.Duration
	desc    *prometheus.Desc
	errDesc *prometheus.Desc
}

// RegisterQueueDepth adds djsec_queue_jobs{state} to reg, computed by count
// at scrape time (bounded by two seconds). When the count fails the scrape
// reports djsec_queue_depth_errors instead of a wrong number.
func RegisterQueueDepth(reg prometheus.Registerer, count DepthFunc) {
	reg.MustRegister(&queueDepth{
		count:   count,
		timeout: 2 * time.Second,
		desc: prometheus.NewDesc(Namespace+"_queue_jobs",
			"Jobs in the queue that have not finished, by state.", []string{"state"}, nil),
		errDesc: prometheus.NewDesc(Namespace+"_queue_depth_error",
			"1 when the queue depth could not be read at this scrape.", nil, nil),
	})
}

func (q *queueDepth) Describe(ch chan<- *prometheus.Desc) {
	ch <- q.desc
	ch <- q.errDesc
}

func (q *queueDepth) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), q.timeout)
	defer cancel()
	counts, err := q.count(ctx)
	failed := 0.0
	if err != nil {
		failed = 1
	}
	ch <- prometheus.MustNewConstMetric(q.errDesc, prometheus.GaugeValue, failed)
	for state, n := range counts {
		ch <- prometheus.MustNewConstMetric(q.desc, prometheus.GaugeValue, float64(n), state)
	}
}
