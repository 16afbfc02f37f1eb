package handlers

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// Readiness reports whether the server can take deliveries: the database
// answers and the job queue runs (jobs.Queue in production).
type Readiness interface {
	Ready(ctx context.Context) error
}

// healthz is GET /healthz: the process is alive and serving HTTP. Fly's
// health check; it does not touch the database, so a slow database does
// not get the machine restarted.
func healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// readyz is GET /readyz: 200 when the database answers and the queue
// runs, 503 otherwise (and during shutdown). The cause is logged, not
// sent.
func readyz(r Readiness, logger *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
		defer cancel()
		if err := r.Ready(ctx); err != nil {
			logger.WarnContext(ctx, "not ready", slog.String("error", err.Error()))
			c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable"})
			return
		}
		c.JSON(http.StatusOK, gin.H{"status": "ready"})
	}
}
