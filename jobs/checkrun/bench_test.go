package checkrun_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/djsec/djsec/store/storetest"
)

// BenchmarkWebhookToCheckRun is the latency figure: from a signed
// pull_request webhook (the real handler, River on the database) to the
// djsec check run completed on GitHub (the fake, answering at once), for
// a pull request that changes one settings module. It reports the median
// and 95th percentile besides the mean (ns/op). The Postgres half skips
// when no server answers (see storetest).
//
//	go test ./checkrun/ -run '^$' -bench WebhookToCheckRun -benchtime 200x
func BenchmarkWebhookToCheckRun(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchWebhookToCheckRun(b, storetest.SQLiteURL(b)) })
	b.Run("postgres", func(b *testing.B) { benchWebhookToCheckRun(b, storetest.PostgresSchemaURL(b)) })
}

func benchWebhookToCheckRun(b *testing.B, url string) {
	e := newEnv(b, envOptions{url: url})
	e.repo.Commit("main", map[string]string{"mysite/settings.py": hardened(b), ".gitignore": gitignore})
	changed := unsafe(b)
	var took []time.Duration
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		p := e.pr(fmt.Sprintf("change-%d", i), map[string]string{"mysite/settings.py": changed})
		body := e.gh.PullRequestEvent(b, e.repo, p.Number, "opened")
		b.StartTimer()
		start := time.Now()
		e.deliver("pull_request", body)
		for {
			if runs := e.runs(p.HeadSHA); len(runs) == 1 && runs[0].Status == "completed" {
				break
			}
			if time.Since(start) > 30*time.Second {
				b.Fatalf("no completed run after 30s:\n%s", e.logs)
			}
			time.Sleep(100 * time.Microsecond)
		}
		took = append(took, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(took)
	pct := func(p float64) float64 {
		return float64(took[min(int(p*float64(len(took))), len(took)-1)].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.95), "p95-ms")
}
