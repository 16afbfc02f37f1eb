// Command ackbench measures how fast `bot serve` acknowledges webhook
// deliveries, from a second process, and checks that none is lost: every
// delivery acknowledged with 202 must have become exactly one job, worked
// to completion.
//
// It sends signed deliveries (GitHub's example payloads from
// testdata/webhooks, each with a fresh X-GitHub-Delivery) at a fixed rate —
// open loop: each request's latency counts from when it was due, so a
// stall is not hidden by the sender waiting for it — and reports the
// percentiles.
//
//	go build -o /tmp/bot ./cmd/bot
//	go run ./scripts/ackbench -bot /tmp/bot -rate 200 -duration 30s
//
// With -bot it starts the server itself on a new database and stops it with
// SIGTERM at the end: -database sqlite (the default) is a new SQLite file,
// -database postgres a new schema on the Postgres server named by
// -database-url or DATABASE_URL (default 127.0.0.1:5432, database test),
// dropped at the end. It also reads the server's memory from
// /proc/PID/status: VmRSS at rest after start, and at the end VmHWM, the
// peak resident set of the whole run. The loss check waits up to -drain
// for the queue to empty first (at 1,000/s that takes minutes with the
// default DJSEC_WORKERS; the server inherits this process's environment).
// With -url it loads a server that is already running (then -database-url,
// if given, is read to check for lost deliveries). compare.sh runs it
// against `bot serve` and against a minimal Probot app, one after the
// other.
//
//	go run ./scripts/ackbench -bot /tmp/bot -database postgres -rate 1000 -duration 15s
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/djsec/djsec/handlers"
	"github.com/djsec/djsec/store"
)

type sample struct {
	id      string
	event   string
	status  int
	latency time.Duration
	err     error
}

func main() { os.Exit(run()) }

func run() int {
	bot := flag.String("bot", "", "path to a built `bot` binary to start (go build -o /tmp/bot ./cmd/bot)")
	target := flag.String("url", "", "base URL of a running server, instead of -bot")
	database := flag.String("database", "sqlite", "with -bot: sqlite (a new file) or postgres (a new schema on -database-url, DATABASE_URL or "+defaultPostgresURL+")")
	dbURL := flag.String("database-url", "", "DATABASE_URL for the server started with -bot (default: a new SQLite file), the Postgres server to make a schema on with -database postgres, or the database to check with -url")
	secret := flag.String("secret", "ackbench-secret", "webhook secret to sign with (and to give the server started with -bot)")
	rate := flag.Int("rate", 200, "deliveries per second")
	duration := flag.Duration("duration", 30*time.Second, "how long to send")
	warmup := flag.Duration("warmup", 2*time.Second, "deliveries sent before measuring, at the same rate")
	payloads := flag.String("payloads", "testdata/webhooks", "directory of example payloads")
	path := flag.String("path", "/webhook", "webhook path (Probot's is /api/github/webhooks)")
	drain := flag.Duration("drain", 60*time.Second, "how long to wait for the queue to drain before checking for lost deliveries")
	keepAlive := flag.Bool("keepalive", true, "reuse connections (false: one TCP connection per delivery)")
	checkEvent := flag.String("events", "pull_request.opened,pull_request.synchronize,issue_comment.created,push.branch,installation_repositories.added",
		"example payloads to cycle through (file names without .json)")
	flag.Parse()
	if (*bot == "") == (*target == "") {
		fmt.Fprintln(os.Stderr, "ackbench: give either -bot PATH or -url URL")
		os.Exit(2)
	}

	bodies, events, err := loadPayloads(*payloads, strings.Split(*checkEvent, ","))
	if err != nil {
		return fail(err)
	}

	base := *target
	var server *exec.Cmd
	var idleRSS string
	if *bot != "" {
		switch {
		case *database == "postgres":
			pg := *dbURL
			if pg == "" {
				pg = os.Getenv("DATABASE_URL")
			}
			if pg == "" {
				pg = defaultPostgresURL
			}
			u, drop, err := postgresSchema(pg)
			if err != nil {
				return fail(err)
			}
			defer drop()
			*dbURL = u
		case *database != "sqlite":
			return fail(fmt.Errorf("-database %q: want sqlite or postgres", *database))
		case *dbURL == "":
			dir, err := os.MkdirTemp("", "ackbench")
			if err != nil {
				return fail(err)
			}
			defer os.RemoveAll(dir)
			*dbURL = "sqlite://" + filepath.Join(dir, "djsec.db")
		}
		server, base, err = startServer(*bot, *dbURL, *secret)
		if err != nil {
			return fail(err)
		}
		defer server.Process.Kill()
		// At rest: started, migrated, listening, nothing delivered yet.
		time.Sleep(time.Second)
		idleRSS = procStatus(server.Process.Pid, "VmRSS")
		fmt.Printf("server: %s (%s), at rest after start: VmRSS %s\n", *database, redactURL(*dbURL), idleRSS)
	}

	transport := &http.Transport{MaxIdleConnsPerHost: 256, DisableKeepAlives: !*keepAlive,
		DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext}
	client := &http.Client{Transport: transport, Timeout: 30 * time.Second}

	send := func(n int, prefix string) []sample {
		out := make([]sample, n)
		var wg sync.WaitGroup
		interval := time.Second / time.Duration(*rate)
		start := time.Now()
		for i := range n {
			due := start.Add(time.Duration(i) * interval)
			time.Sleep(time.Until(due))
			wg.Add(1)
			go func() {
				defer wg.Done()
				k := i % len(bodies)
				id := fmt.Sprintf("%s-%06d-%d", prefix, i, start.UnixNano())
				status, err := post(client, base+*path, events[k], id, bodies[k], []byte(*secret))
				out[i] = sample{id: id, event: events[k], status: status, latency: time.Since(due), err: err}
			}()
		}
		wg.Wait()
		return out
	}

	fmt.Fprintf(os.Stderr, "ackbench: warming up for %v\n", *warmup)
	warm := send(int(warmup.Seconds()*float64(*rate)), "warm")
	fmt.Fprintf(os.Stderr, "ackbench: %d deliveries/s for %v against %s\n", *rate, *duration, base)
	samples := send(int(duration.Seconds()*float64(*rate)), "bench")

	report(samples, *rate, *duration)
	serverSide(client, base)
	if server != nil {
		fmt.Printf("server memory: at rest VmRSS %s; after the run VmRSS %s, peak VmHWM %s\n",
			idleRSS, procStatus(server.Process.Pid, "VmRSS"), procStatus(server.Process.Pid, "VmHWM"))
	}
	if os.Getenv("ACKBENCH_SLOWEST") != "" {
		idx := make([]int, len(samples))
		for i := range idx {
			idx[i] = i
		}
		slices.SortFunc(idx, func(a, b int) int { return int(samples[b].latency - samples[a].latency) })
		for _, i := range idx[:min(30, len(idx))] {
			fmt.Printf("  slow: #%d at %v: %v\n", i, time.Duration(i)*time.Second/time.Duration(*rate), samples[i].latency)
		}
	}

	// A loss is reported after the server is stopped and the database
	// removed (the deferred calls), not by an os.Exit that skips them.
	var lost error
	if *dbURL != "" {
		acked := map[string]bool{}
		for _, s := range append(warm, samples...) {
			if s.status == http.StatusAccepted {
				acked[s.id] = true
			}
		}
		if lost = checkLost(*dbURL, acked, *drain); lost != nil {
			fmt.Printf("LOST: %v\n", lost)
		}
	} else {
		fmt.Println("lost: not checked (no -database-url)")
	}
	if server != nil {
		server.Process.Signal(syscall.SIGTERM)
		if err := server.Wait(); err != nil {
			fmt.Printf("server exit after SIGTERM: %v\n", err)
		} else {
			fmt.Println("server exit after SIGTERM: 0")
		}
	}
	if lost != nil {
		return 1
	}
	return 0
}

func loadPayloads(dir string, names []string) ([][]byte, []string, error) {
	var bodies [][]byte
	var events []string
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(dir, n+".json"))
		if err != nil {
			return nil, nil, err
		}
		// Compact, as GitHub sends it.
		var buf bytes.Buffer
		if err := json.Compact(&buf, b); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", n, err)
		}
		bodies = append(bodies, buf.Bytes())
		event, _, _ := strings.Cut(n, ".")
		events = append(events, event)
	}
	return bodies, events, nil
}

func post(c *http.Client, url, event, id string, body, secret []byte) (int, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "GitHub-Hookshot/ackbench")
	req.Header.Set("X-GitHub-Event", event)
	req.Header.Set("X-GitHub-Delivery", id)
	req.Header.Set("X-Hub-Signature-256", handlers.Sign(secret, body))
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

func startServer(bot, dbURL, secret string) (*exec.Cmd, string, error) {
	cmd := exec.Command(bot, "serve")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "WEBHOOK_SECRET="+secret, "PORT=0", "HOST=127.0.0.1", "LOG_LEVEL=info")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	// Logs at info, as in production (a line per delivery and per job):
	// read the address from the "listening" line, discard the rest.
	addr := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(stdout)
		s.Buffer(make([]byte, 1<<20), 1<<20)
		for s.Scan() {
			var l struct{ Msg, Addr string }
			if json.Unmarshal(s.Bytes(), &l) == nil && l.Msg == "listening" {
				addr <- l.Addr
			}
		}
	}()
	select {
	case a := <-addr:
		_, port, _ := net.SplitHostPort(a)
		return cmd, "http://127.0.0.1:" + port, nil
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		return nil, "", errors.New("the server did not log its address within 30s")
	}
}

func report(samples []sample, rate int, d time.Duration) {
	var lat []time.Duration
	codes := map[int]int{}
	errs := 0
	for _, s := range samples {
		if s.err != nil {
			errs++
			continue
		}
		codes[s.status]++
		lat = append(lat, s.latency)
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		i := int(p*float64(len(lat))+0.5) - 1
		return lat[max(0, min(i, len(lat)-1))]
	}
	fmt.Printf("deliveries: %d at %d/s for %v; responses %v; transport errors %d\n", len(samples), rate, d, codes, errs)
	fmt.Printf("ack latency: p50 %v  p90 %v  p99 %v  p99.9 %v  max %v\n",
		round(pct(.50)), round(pct(.90)), round(pct(.99)), round(pct(.999)), round(pct(1)))
}

// serverSide prints the server's own view: its acknowledgement histogram
// (request read to response written, without the network and the client).
func serverSide(c *http.Client, base string) {
	resp, err := c.Get(base + "/metrics")
	if err != nil {
		return
	}
	defer resp.Body.Close()
	s := bufio.NewScanner(resp.Body)
	var lines []string
	for s.Scan() {
		if l := s.Text(); strings.HasPrefix(l, `djsec_webhook_ack_seconds_bucket{code="202"`) {
			lines = append(lines, strings.TrimPrefix(l, `djsec_webhook_ack_seconds_bucket{code="202",`))
		}
	}
	if len(lines) > 0 {
		fmt.Printf("server-side histogram (202s, warm-up included): %s\n", strings.Join(lines, "  "))
	}
}

func round(d time.Duration) time.Duration { return d.Round(10 * time.Microsecond) }

// checkLost waits for the queue to drain and checks every acknowledged
// delivery became exactly one completed job.
func checkLost(dbURL string, acked map[string]bool, drain time.Duration) error {
	ctx := context.Background()
	db, err := store.Open(ctx, dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	deadline := start.Add(drain)
	for {
		counts, err := db.JobCounts(ctx)
		if err != nil {
			return err
		}
		pending := int64(0)
		for _, n := range counts {
			pending += n
		}
		if pending == 0 {
			fmt.Printf("queue drained %v after the sending ended\n", time.Since(start).Round(100*time.Millisecond))
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d jobs still unfinished after %v (-drain): %v", pending, drain, counts)
		}
		time.Sleep(200 * time.Millisecond)
	}
	missing, notCompleted := 0, 0
	jobOf := map[int64]string{} // job ID → delivery
	shared := 0
	for id := range acked {
		d, err := db.Delivery(ctx, id)
		if err != nil {
			missing++
			continue
		}
		if _, dup := jobOf[d.JobID]; dup {
			shared++
		}
		jobOf[d.JobID] = id
		var state string
		if err := db.Q().QueryRow(ctx, "SELECT state FROM river_job WHERE id = ?", d.JobID).Scan(&state); err != nil || state != "completed" {
			notCompleted++
		}
	}
	// The workers queue jobs of their own (an installation_repositories
	// delivery's first audits) and serve declares periodic ones (the audit
	// sweep, the pruning): counted apart, by kind.
	var jobs int64
	if err := db.Q().QueryRow(ctx, "SELECT COUNT(*) FROM river_job").Scan(&jobs); err != nil {
		return err
	}
	rows, err := db.Q().Query(ctx, "SELECT id, kind FROM river_job")
	if err != nil {
		return err
	}
	other := map[string]int{}
	for rows.Next() {
		var id int64
		var kind string
		if err := rows.Scan(&id, &kind); err != nil {
			rows.Close()
			return err
		}
		if _, ok := jobOf[id]; !ok {
			other[kind]++
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	fmt.Printf("lost: %d acknowledged deliveries, %d jobs in the queue table (%d of deliveries; not of a delivery, by kind: %v), %d without a delivery row, %d sharing a job, %d jobs not completed\n",
		len(acked), jobs, len(jobOf), other, missing, shared, notCompleted)
	if missing > 0 || notCompleted > 0 || shared > 0 || len(jobOf) != len(acked) {
		return fmt.Errorf("%d missing, %d not completed, %d sharing a job, %d jobs for %d acknowledged deliveries", missing, notCompleted, shared, len(jobOf), len(acked))
	}
	return nil
}

// defaultPostgresURL is the server -database postgres uses when neither
// -database-url nor DATABASE_URL names one (the tests' default).
const defaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// postgresSchema creates a new schema on the Postgres server at base and
// returns a DATABASE_URL whose search_path selects it, and a function that
// drops it.
func postgresSchema(base string) (string, func(), error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return "", nil, fmt.Errorf("postgres at %s: %w", redactURL(base), err)
	}
	defer conn.Close(context.Background())
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "ackbench_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		return "", nil, fmt.Errorf("create schema: %w", err)
	}
	drop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			fmt.Fprintf(os.Stderr, "ackbench: drop schema %s: %v\n", schema, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			fmt.Fprintf(os.Stderr, "ackbench: drop schema %s: %v\n", schema, err)
		}
	}
	u, err := url.Parse(base)
	if err != nil {
		drop()
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}

func redactURL(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	return "(bad URL)"
}

// procStatus reads one field of /proc/PID/status ("VmRSS", "VmHWM"), as
// the kernel prints it ("52344 kB"); "?" when it cannot.
func procStatus(pid int, field string) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "?"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}

// fail reports err and returns run's exit status, so that the deferred
// clean-up (the server, the database) still runs.
func fail(err error) int {
	fmt.Fprintln(os.Stderr, "ackbench:", err)
	return 1
}
