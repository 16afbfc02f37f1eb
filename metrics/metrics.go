// Package metrics holds djsec's Prometheus registry and the collectors of
// the webhook intake and the job queue. Other packages (the GitHub client
// middleware in githubapp) register their own collectors into Registry;
// `bot serve` exposes it on GET /metrics.
package metrics

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Namespace prefixes every djsec metric.
const Namespace = "djsec"

// Registry is the process-wide registry GET /metrics serves. It holds the
// Go runtime and process collectors; New registers djsec's own into it when
// `bot serve` starts. Tests use their own prometheus.NewRegistry. It is
// built on first use, not at package init, so that `bot audit` — the same
// binary, run on every commit — does not pay for collectors it never uses.
var Registry = sync.OnceValue(func() *prometheus.Registry {
	r := prometheus.NewRegistry()
	r.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return r
})

// Delivery outcomes, the `outcome` label of djsec_webhook_deliveries_total.
const (
	OutcomeQueued       = "queued"        // a job was committed
	OutcomeDuplicate    = "duplicate"     // the delivery ID was seen before
	OutcomeIgnored      = "ignored"       // a handled event djsec has nothing to do for (action, bot sender, another app)
	OutcomeUnhandled    = "unhandled"     // an event djsec does not subscribe to
	OutcomePing         = "ping"          // GitHub's hello
	OutcomeBadSignature = "bad_signature" // missing or wrong X-Hub-Signature-256
	OutcomeTooLarge     = "too_large"     // body over the cap
	OutcomeBusy         = "busy"          // the bodies being read at once hold the whole budget: 503
	OutcomeBadRequest   = "bad_request"   // unreadable body, malformed JSON, missing headers
	OutcomeBadMediaType = "bad_media_type"
	OutcomeError        = "error" // the database failed; GitHub sees a 503 and may redeliver
)

// Job outcomes, the `outcome` label of djsec_jobs_total.
const (
	JobSucceeded = "succeeded"
	JobSkipped   = "skipped"   // could not do its work until an operator acts (no App credentials): not retried
	JobRetried   = "retried"   // failed, will run again
	JobFailed    = "failed"    // failed its last attempt: discarded
	JobCancelled = "cancelled" // the context was cancelled (shutdown): handed back
)

// Metrics are the collectors of the webhook intake and the job workers.
type Metrics struct {
	// Deliveries counts webhook deliveries by event, action and outcome.
	// Before the signature is verified the event is "unverified", so an
	// unsigned flood cannot create label values.
	Deliveries *prometheus.CounterVec
	// AckSeconds is the time from the request to the response of POST /webhook.
	AckSeconds *prometheus.HistogramVec
	// Jobs counts job attempts by kind and outcome.
	Jobs *prometheus.CounterVec
	// JobSeconds is the run time of job attempts by kind.
	JobSeconds *prometheus.HistogramVec
	// JobRetries counts attempts after the first, by kind.
	JobRetries *prometheus.CounterVec
	// JobFailures counts jobs that exhausted their attempts, by kind.
	JobFailures *prometheus.CounterVec
}

// New creates the collectors and registers them into reg.
func New(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Subsystem: "webhook", Name: "deliveries_total",
			Help: "Webhook deliveries received, by event, action and outcome.",
		}, []string{"event", "action", "outcome"}),
		AckSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Subsystem: "webhook", Name: "ack_seconds",
			Help:    "Time to acknowledge a webhook delivery (request received to response written), by status code.",
			Buckets: []float64{.0005, .001, .0025, .005, .0075, .01, .025, .05, .1, .25, 1},
		}, []string{"code"}),
		Jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Subsystem: "jobs", Name: "total",
			Help: "Job attempts, by kind and outcome (succeeded, retried, failed, cancelled).",
		}, []string{"kind", "outcome"}),
		JobSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Subsystem: "jobs", Name: "duration_seconds",
			Help:    "Run time of job attempts, by kind.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2.5, 10),
		}, []string{"kind"}),
		JobRetries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Subsystem: "jobs", Name: "retries_total",
			Help: "Job attempts after the first, by kind.",
		}, []string{"kind"}),
		JobFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Subsystem: "jobs", Name: "failures_total",
			Help: "Jobs that failed their last attempt and were discarded, by kind.",
		}, []string{"kind"}),
	}
	reg.MustRegister(m.Deliveries, m.AckSeconds, m.Jobs, m.JobSeconds, m.JobRetries, m.JobFailures)
	return m
}
