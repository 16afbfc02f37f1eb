package githubapp

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Labels for calls not made by one installation.
const (
	labelApp       = "app"       // signed with the app's JWT
	labelAnonymous = "anonymous" // no credentials (manifest conversion)
)

// Metrics are the collectors the transports update. Every HTTP exchange with
// GitHub is counted once, retries included, by route template (bounded: a
// route djsec does not know is "other") and status ("304" for a
// conditional hit, "error" when no answer came).
type Metrics struct {
	requests       *prometheus.CounterVec
	duration       *prometheus.HistogramVec
	rateRemaining  *prometheus.GaugeVec
	retries        *prometheus.CounterVec
	rateLimitWaits *prometheus.CounterVec
	etagCache      *prometheus.CounterVec
	pacerWaits     prometheus.Counter
}

// NewMetrics makes the collectors and registers them with reg (nil: not
// registered). Registering twice with the same registry reuses the
// collectors already there, so several ClientCreators may share one.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "djsec_github_api_requests_total",
			Help: "HTTP requests sent to GitHub's REST API, by route template and status.",
		}, []string{"route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "djsec_github_api_request_duration_seconds",
			Help:    "Time from sending a request to GitHub until its response headers arrived, by route template.",
			Buckets: prometheus.ExponentialBuckets(0.025, 2, 10),
		}, []string{"route"}),
		rateRemaining: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "djsec_github_rate_limit_remaining",
			Help: "X-RateLimit-Remaining of GitHub's last answer, by installation (\"app\" for JWT calls) and rate-limit resource.",
		}, []string{"installation", "resource"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "djsec_github_api_retries_total",
			Help: "Requests to GitHub sent again after a 5xx answer or a connection error, by route template and reason.",
		}, []string{"route", "reason"}),
		rateLimitWaits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "djsec_github_rate_limit_waits_total",
			Help: "Waits for a GitHub rate limit before trying again, by limit (primary or secondary).",
		}, []string{"limit"}),
		etagCache: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "djsec_github_etag_cache_total",
			Help: "Conditional-request cache outcomes: hit (304 served from the cache), miss, stored, error.",
		}, []string{"result"}),
		pacerWaits: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "djsec_github_write_pacer_waits_total",
			Help: "Writes (POST, PATCH, PUT, DELETE) held back to stay under GitHub's secondary rate limits of an installation, or paused after one.",
		}),
	}
	if reg != nil {
		m.requests = register(reg, m.requests)
		m.duration = register(reg, m.duration)
		m.rateRemaining = register(reg, m.rateRemaining)
		m.retries = register(reg, m.retries)
		m.rateLimitWaits = register(reg, m.rateLimitWaits)
		m.etagCache = register(reg, m.etagCache)
		m.pacerWaits = register(reg, m.pacerWaits)
	}
	return m
}

func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		panic("githubapp: registering metrics: " + err.Error())
	}
	return c
}

// instrumentTransport is the innermost layer: it sees every exchange with
// GitHub, counts it, records the rate limit left and logs one line. It logs
// the method, route and path — never headers, so never a token or a JWT.
type instrumentTransport struct {
	next         http.RoundTripper
	c            *ClientCreator
	installation string
}

func (t *instrumentTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	start := time.Now()
	resp, err := t.next.RoundTrip(req)
	elapsed := time.Since(start)
	route := routeTemplate(req, t.c.apiURL)
	status := "error"
	if err == nil {
		status = strconv.Itoa(resp.StatusCode)
	}
	m := t.c.metrics
	m.requests.WithLabelValues(route, status).Inc()
	m.duration.WithLabelValues(route).Observe(elapsed.Seconds())

	installation := t.installation
	if strings.HasPrefix(req.Header.Get("Authorization"), "Bearer ") {
		// ghinstallation mints installation tokens with the app's JWT: that
		// call spends the app's budget, not the installation's.
		installation = labelApp
	}
	attrs := []slog.Attr{
		slog.String("method", req.Method),
		slog.String("route", route),
		slog.String("path", req.URL.Path),
		slog.String("status", status),
		slog.Duration("duration", elapsed),
		slog.String("installation", installation),
	}
	level := slog.LevelDebug
	if err != nil {
		level = slog.LevelWarn
		attrs = append(attrs, slog.String("error", err.Error()))
	} else {
		if rem := resp.Header.Get("X-RateLimit-Remaining"); rem != "" {
			if n, perr := strconv.ParseFloat(rem, 64); perr == nil {
				resource := resp.Header.Get("X-RateLimit-Resource")
				if resource == "" {
					resource = "core"
				}
				m.rateRemaining.WithLabelValues(installation, resource).Set(n)
				attrs = append(attrs, slog.Float64("rate_limit_remaining", n))
			}
		}
		if id := resp.Header.Get("X-GitHub-Request-Id"); id != "" {
			attrs = append(attrs, slog.String("github_request_id", id))
		}
		if resp.StatusCode >= 500 {
			level = slog.LevelWarn
		}
	}
	t.c.logger(ctx).LogAttrs(ctx, level, "github api", attrs...)
	return resp, err
}
