package handlers_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/djsec/djsec/config"
	"github.com/djsec/djsec/handlers"
	"github.com/djsec/djsec/jobs"
	"github.com/djsec/djsec/metrics"
	"github.com/djsec/djsec/store"
	"github.com/djsec/djsec/store/storetest"
)

// counting is a PullRequest processor that counts runs per delivery.
type counting struct {
	mu   sync.Mutex
	runs map[string]int
	done chan struct{}
}

func newCounting() *counting {
	return &counting{runs: map[string]int{}, done: make(chan struct{}, 10000)}
}

func (c *counting) Process(_ context.Context, job jobs.Job[jobs.PullRequestArgs]) error {
	c.mu.Lock()
	c.runs[job.Args.Delivery]++
	c.mu.Unlock()
	select {
	case c.done <- struct{}{}:
	default: // a benchmark that does not wait
	}
	return nil
}

func (c *counting) get(id string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.runs[id]
}

// live is the intake on a real database and queue, over real HTTP.
type live struct {
	db    *store.DB
	queue *jobs.Queue
	srv   *httptest.Server
}

func startLive(t *testing.T, url string, p *counting, startQueue bool) *live {
	return startLiveWith(t, url, p, startQueue)
}

func startLiveTB(t testing.TB, url string, p *counting) *live { return startLiveWith(t, url, p, true) }

func startLiveWith(t testing.TB, url string, p *counting, startQueue bool, tune ...func(*handlers.Options)) *live {
	t.Helper()
	db := storetest.Open(t, url)
	reg := prometheus.NewRegistry()
	m := metrics.New(reg)
	q, err := jobs.NewQueue(db, jobs.Options{Metrics: m, Logger: slog.New(slog.DiscardHandler),
		FetchPollInterval: 50 * time.Millisecond, Processors: jobs.RegistryOf[jobs.PullRequestArgs](p)})
	if err != nil {
		t.Fatal(err)
	}
	if startQueue {
		if err := q.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = q.Stop(context.Background(), time.Second) })
	}
	o := handlers.Options{
		Verifier: handlers.NewVerifier([]config.Secret{config.Secret(secret)}, false),
		Queue:    q, Ready: q, Metrics: m, Gatherer: reg, Logger: slog.New(slog.DiscardHandler),
		AppID: func() int64 { return ourApp },
	}
	for _, f := range tune {
		f(&o)
	}
	h := handlers.New(o)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &live{db: db, queue: q, srv: srv}
}

func (l *live) post(t testing.TB, event, id string, body []byte, signature string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, l.srv.URL+"/webhook", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", event)
	req.Header.Set("X-GitHub-Delivery", id)
	if signature != "" {
		req.Header.Set("X-Hub-Signature-256", signature)
	}
	resp, err := l.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func count(t testing.TB, db *store.DB, table string) int64 {
	t.Helper()
	var n int64
	if err := db.Q().QueryRow(context.Background(), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestDuplicateDeliveryRunsOnce(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, url string) {
		p := newCounting()
		l := startLive(t, url, p, true)
		body := payload(t, "pull_request.opened")
		sig := handlers.Sign([]byte(secret), body)
		if code := l.post(t, "pull_request", "dup-guid", body, sig); code != 202 {
			t.Fatalf("first: %d", code)
		}
		<-p.done
		for range 3 { // GitHub's "Redeliver", pressed three times
			if code := l.post(t, "pull_request", "dup-guid", body, sig); code != 200 {
				t.Fatalf("redelivery: %d, want 200", code)
			}
		}
		time.Sleep(300 * time.Millisecond)
		if n := p.get("dup-guid"); n != 1 {
			t.Fatalf("ran %d times", n)
		}
		if n := count(t, l.db, "river_job"); n != 1 {
			t.Fatalf("%d jobs in the queue table, want 1", n)
		}
	})
}

// The job row is committed when the 202 goes out: read it back before any
// worker could run it, then "crash" and restart — it runs exactly once.
func TestJobCommittedBefore202(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, url string) {
		l := startLive(t, url, newCounting(), false) // no workers: the process dies before any
		body := payload(t, "pull_request.synchronize")
		if code := l.post(t, "pull_request", "acked", body, handlers.Sign([]byte(secret), body)); code != 202 {
			t.Fatalf("status %d", code)
		}
		ctx := context.Background()
		d, err := l.db.Delivery(ctx, "acked")
		if err != nil {
			t.Fatalf("delivery row not committed with the 202: %v", err)
		}
		var state string
		if err := l.db.Q().QueryRow(ctx, "SELECT state FROM river_job WHERE id = ?", d.JobID).Scan(&state); err != nil {
			t.Fatalf("job not committed with the 202: %v", err)
		}
		if state != "available" {
			t.Fatalf("job state %q", state)
		}
		l.srv.Close()
		l.db.Close() // the crash

		p := newCounting()
		startLive(t, url, p, true)
		select {
		case <-p.done:
		case <-time.After(20 * time.Second):
			t.Fatal("the acknowledged job did not run after the restart")
		}
		time.Sleep(300 * time.Millisecond)
		if n := p.get("acked"); n != 1 {
			t.Fatalf("ran %d times", n)
		}
	})
}

// A flood of badly signed deliveries stores nothing, and a good delivery
// in the middle of it is still acknowledged quickly.
func TestBadSignatureFloodStoresNothing(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, url string) {
		p := newCounting()
		l := startLive(t, url, p, true)
		body := payload(t, "pull_request.opened")
		const workers, perWorker = 16, 60
		var wg sync.WaitGroup
		var not401 atomic.Int32
		stop := make(chan struct{})
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range perWorker {
					select {
					case <-stop:
						return
					default:
					}
					var sig string
					switch i % 3 {
					case 0:
						sig = handlers.Sign([]byte("wrong secret"), body)
					case 1:
						sig = "sha256=deadbeef"
					}
					if code := l.post(t, "pull_request", fmt.Sprintf("flood-%d-%d", w, i), body, sig); code != 401 {
						not401.Add(1)
					}
				}
			}()
		}
		// Meanwhile, GitHub's genuine delivery.
		time.Sleep(20 * time.Millisecond)
		start := time.Now()
		if code := l.post(t, "pull_request", "genuine", body, handlers.Sign([]byte(secret), body)); code != 202 {
			t.Errorf("genuine delivery during the flood: %d", code)
		}
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("genuine delivery took %v during the flood", took)
		}
		wg.Wait()
		close(stop)
		if n := not401.Load(); n != 0 {
			t.Fatalf("%d badly signed deliveries were not refused", n)
		}
		<-p.done
		if n := count(t, l.db, "deliveries"); n != 1 {
			t.Errorf("%d delivery rows, want 1 (the genuine one)", n)
		}
		if n := count(t, l.db, "river_job"); n != 1 {
			t.Errorf("%d jobs, want 1", n)
		}
	})
}

// A burst far over what the body budget lets the server read at once:
// the deliveries wait for their turn instead of being answered 503, and
// each is worked exactly once.
func TestBurstOverBudgetWaitsAndRunsEachOnce(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, url string) {
		p := newCounting()
		// The smallest budget the options allow: a 1 MiB share for the
		// body being read plus 64 KiB, about 17 deliveries at a time.
		l := startLiveWith(t, url, p, true, func(o *handlers.Options) { o.MaxBody, o.BodyBudget = 64<<10, 1 })
		body := payload(t, "pull_request.opened")
		sig := handlers.Sign([]byte(secret), body)
		const burst = 300
		codes := make(chan int, burst)
		var wg sync.WaitGroup
		for i := range burst {
			wg.Add(1)
			go func() {
				defer wg.Done()
				codes <- l.post(t, "pull_request", fmt.Sprintf("burst-%d", i), body, sig)
			}()
		}
		wg.Wait()
		close(codes)
		refused := 0
		for code := range codes {
			if code != http.StatusAccepted {
				refused++
			}
		}
		if refused > 0 {
			t.Fatalf("%d of %d deliveries not accepted", refused, burst)
		}
		for range burst {
			select {
			case <-p.done:
			case <-time.After(30 * time.Second):
				t.Fatal("not every accepted delivery was worked")
			}
		}
		time.Sleep(200 * time.Millisecond) // room for a wrong second run
		for i := range burst {
			if n := p.get(fmt.Sprintf("burst-%d", i)); n != 1 {
				t.Fatalf("burst-%d ran %d times", i, n)
			}
		}
	})
}

func TestReadyzFailsWhenDatabaseCloses(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, url string) {
		l := startLive(t, url, newCounting(), true)
		get := func() int {
			resp, err := l.srv.Client().Get(l.srv.URL + "/readyz")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		if code := get(); code != 200 {
			t.Fatalf("readyz with the database up: %d", code)
		}
		_ = l.queue.Stop(context.Background(), time.Second)
		if code := get(); code != 503 {
			t.Fatalf("readyz with the queue stopped: %d, want 503", code)
		}
		// A queue that runs on a closed database is not ready either. (Its
		// stop at the end of the test takes the grace period plus River's
		// hard-stop wait: its leader cannot resign from a closed database.)
		l2 := startLive(t, url, newCounting(), true)
		l2.db.Close()
		resp, err := l2.srv.Client().Get(l2.srv.URL + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 503 {
			t.Fatalf("readyz with the database closed: %d, want 503", resp.StatusCode)
		}
		if code := l2.post(t, "pull_request", "lost", payload(t, "pull_request.opened"),
			handlers.Sign([]byte(secret), payload(t, "pull_request.opened"))); code != 503 {
			t.Fatalf("delivery with the database closed: %d, want 503 (GitHub shows it failed; redeliver)", code)
		}
	})
}
