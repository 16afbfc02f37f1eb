// Package handlers is djsec's HTTP surface (gin): the webhook intake,
// health and readiness, metrics. It verifies, parses and routes; the work
// itself happens in jobs, after the 202.
package handlers

import (
	"crypto/subtle"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/djsec/djsec/metrics"
)

// Options wire the routes to the rest of the server.
type Options struct {
	// Verifier checks webhook signatures (required).
	Verifier *Verifier
	// Queue commits jobs (required).
	Queue Enqueuer
	// Ready backs GET /readyz (required).
	Ready Readiness
	// Metrics count deliveries (default: collectors on a private registry).
	Metrics *metrics.Metrics
	// Gatherer is what GET /metrics serves (default metrics.Registry).
	Gatherer prometheus.Gatherer
	// MetricsToken, when set, is the bearer token GET /metrics requires.
	MetricsToken string
	// now is the clock of log sampling (tests); time.Now when nil.
	now func() time.Time
	// Logger receives one line per delivery (default slog.Default()).
	Logger *slog.Logger
	// AppID is djsec's App ID, asked at every check event since
	// registration can set it while the server runs (default: unknown).
	AppID func() int64
	// MaxBody caps webhook bodies (default MaxBody, 25 MiB).
	MaxBody int64
	// BodyBudget caps the body bytes of all deliveries being read at once
	// (default DefaultBodyBudget, 64 MiB; at least MaxBody).
	BodyBudget int64
}

func init() {
	// Release mode before any engine exists: no debug banner, no route dump.
	gin.SetMode(gin.ReleaseMode)
	gin.DisableConsoleColor()
}

// New builds the router:
//
//	POST /webhook   GitHub's deliveries
//	GET  /healthz   alive
//	GET  /readyz    database reachable and queue running
//	GET  /metrics   Prometheus
//
// Other packages mount their own routes on it (registration's pages).
func New(o Options) *gin.Engine {
	if o.Verifier == nil || o.Queue == nil || o.Ready == nil {
		panic("handlers.New: Verifier, Queue and Ready are required")
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Metrics == nil {
		o.Metrics = metrics.New(prometheus.NewRegistry())
	}
	if o.Gatherer == nil {
		o.Gatherer = metrics.Registry()
	}
	if o.AppID == nil {
		o.AppID = func() int64 { return 0 }
	}
	if o.MaxBody <= 0 {
		o.MaxBody = MaxBody
	}
	if o.BodyBudget <= 0 {
		o.BodyBudget = DefaultBodyBudget
	}
	if o.now == nil {
		o.now = time.Now
	}
	// One delivery of the largest size must always fit.
	o.BodyBudget = max(o.BodyBudget, o.MaxBody+chunkReserve)

	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.Use(recovery(o.Logger), securityHeaders)
	r.POST("/webhook", newWebhook(o).serve)
	r.GET("/healthz", healthz)
	r.HEAD("/healthz", healthz)
	r.GET("/readyz", readyz(o.Ready, o.Logger))
	r.GET("/metrics", metricsAuth(o.MetricsToken), gin.WrapH(promhttp.HandlerFor(o.Gatherer, promhttp.HandlerOpts{})))
	return r
}

// securityHeaders go on every answer: nothing djsec serves is to be
// sniffed as another type or framed by another site, and a page reached
// over TLS tells the browser to stay on it.
func securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	if h.Get("Content-Security-Policy") == "" {
		h.Set("Content-Security-Policy", "frame-ancestors 'none'")
	}
	if c.Request.TLS != nil {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	c.Next()
}

// metricsAuth asks for METRICS_TOKEN as a bearer token when one is set:
// the metrics name installations and repositories.
func metricsAuth(token string) gin.HandlerFunc {
	return func(c *gin.Context) {
		if token == "" {
			return
		}
		got, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
			c.Header("WWW-Authenticate", `Bearer realm="djsec metrics"`)
			c.AbortWithStatus(http.StatusUnauthorized)
		}
	}
}

// recovery turns a panic in a handler into a 500 and an error log line
// (gin's own Recovery writes to stderr in its own format).
func recovery(logger *slog.Logger) gin.HandlerFunc {
	return gin.CustomRecoveryWithWriter(nil, func(c *gin.Context, err any) {
		logger.ErrorContext(c.Request.Context(), "panic in handler",
			slog.String("path", c.FullPath()), slog.String("error", fmt.Sprint(err)))
		c.AbortWithStatus(http.StatusInternalServerError)
	})
}
