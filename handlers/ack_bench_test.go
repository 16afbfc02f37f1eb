package handlers_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/djsec/djsec/handlers"
	"github.com/djsec/djsec/store/storetest"
)

// BenchmarkWebhookAck is the acknowledgement of a signed pull_request
// delivery over loopback HTTP, with the job committed to SQLite and the
// queue working it meanwhile (in-process; scripts/ackbench is the
// second-process load test with percentiles at a fixed rate):
//
//	go test ./handlers -run '^$' -bench WebhookAck -benchtime 2000x
func BenchmarkWebhookAck(b *testing.B) {
	l := startLiveTB(b, storetest.SQLiteURL(b), newCounting())
	body := payload(b, "pull_request.opened")
	sig := handlers.Sign([]byte(secret), body)
	lat := make([]time.Duration, 0, b.N)
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		if code := l.post(b, "pull_request", fmt.Sprintf("bench-%d", i), body, sig); code != 202 {
			b.Fatalf("status %d", code)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	}
}
