package e2e

import (
	"net/http"
	"testing"
	"time"

	"github.com/djsec/djsec/server/servertest"
)

// TestHarness checks the harness itself: a server starts on each database,
// takes a signed delivery and refuses an unsigned one (counted in its
// metrics), survives kill -9 with a restart on the same database and port,
// and exits 0 on SIGTERM.
func TestHarness(t *testing.T) {
	t.Parallel()
	ForEachDB(t, func(t *testing.T, db DBKind) {
		env := NewEnv(t, db)
		srv := env.Start(t)
		ping := servertest.Marshal(t, servertest.Payload(t, "ping"))
		srv.Deliver(t, "ping", ping)
		if code, err := srv.PostSigned("ping", env.NewDeliveryID(), ping, "sha256=00"); err != nil || code != http.StatusUnauthorized {
			t.Fatalf("badly signed delivery: %d, %v; want 401", code, err)
		}
		WaitFor(t, 5*time.Second, "the ping and the refusal in the metrics", func() bool {
			m := srv.Metrics(t)["djsec_webhook_deliveries_total"]
			return servertest.SumSamples(m, map[string]string{"outcome": "ping"}) == 1 &&
				servertest.SumSamples(m, map[string]string{"outcome": "bad_signature"}) == 1
		}, srv)
		pid := srv.PID()
		srv.Kill(t)
		if srv.Running() {
			t.Fatal("running after kill -9")
		}
		srv.Restart(t)
		if srv.PID() == pid {
			t.Fatal("Restart kept the old process")
		}
		// A new process: its counters start again.
		if got := srv.Metric(t, "djsec_webhook_deliveries_total", nil); got != 0 {
			t.Fatalf("deliveries after restart = %v, want 0", got)
		}
		srv.Deliver(t, "ping", ping)
		srv.Stop(t)
	})
}
