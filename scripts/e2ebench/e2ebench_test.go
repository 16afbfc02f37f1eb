package e2ebench

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/djsec/djsec/githubapp/githubtest"
	"github.com/djsec/djsec/handlers"
	"github.com/djsec/djsec/internal/syncbuf"
	"github.com/djsec/djsec/server/servertest"
	"github.com/djsec/djsec/store/storetest"
)

const secret = "e2ebench-secret"

// results keeps each sub-benchmark's figures for the ratio.
var (
	resultsMu sync.Mutex
	results   = map[string]figures{}
)

type figures struct {
	p50, p99 time.Duration
	calls    float64
	peakKB   int
}

func BenchmarkEventToCheckRun(b *testing.B) {
	bot := botBinary(b)
	b.Run("djsec-sqlite", func(b *testing.B) {
		run(b, "djsec-sqlite", func(b *testing.B, gh *githubtest.Server) *server {
			return startBot(b, bot, gh, storetest.SQLiteURL(b))
		})
	})
	b.Run("djsec-postgres", func(b *testing.B) {
		run(b, "djsec-postgres", func(b *testing.B, gh *githubtest.Server) *server {
			return startBot(b, bot, gh, storetest.PostgresSchemaURL(b))
		})
	})
	b.Run("probot", func(b *testing.B) {
		dir := probotDir(b)
		run(b, "probot", func(b *testing.B, gh *githubtest.Server) *server { return startProbot(b, dir, gh) })
	})
	b.Run("ratio", func(b *testing.B) {
		resultsMu.Lock()
		d, okD := results["djsec-sqlite"]
		p, okP := results["probot"]
		resultsMu.Unlock()
		if !okD || !okP {
			b.Skip("SKIPPED: the ratio needs the djsec-sqlite and probot halves of this run")
		}
		b.ReportMetric(float64(d.p50)/float64(p.p50), "djsec/probot-p50")
		b.ReportMetric(float64(d.p99)/float64(p.p99), "djsec/probot-p99")
		b.ReportMetric(float64(d.peakKB)/float64(p.peakKB), "djsec/probot-peak-rss")
		b.ReportMetric(d.calls/p.calls, "djsec/probot-calls")
	})
}

// server is a started app server: its webhook URL and process.
type server struct {
	webhook string
	cmd     *exec.Cmd
	logs    *syncbuf.Buffer
}

func run(b *testing.B, name string, start func(*testing.B, *githubtest.Server) *server) {
	events := envInt(b, "E2EBENCH_EVENTS", 200)
	rate := envFloat(b, "E2EBENCH_RATE", 20)
	gh := githubtest.New(b)
	inst := gh.AddInstallation(42, "octo-org")
	repo := gh.AddRepo(inst, "octo-org/mysite")
	gh.SetRateLimitRemaining(42, 1_000_000)
	hardened := readFile(b, "../../examples/hardened/mysite/settings.py")
	unsafe := strings.Replace(hardened, "DEBUG = False", "DEBUG = True", 1)
	if unsafe == hardened {
		b.Fatal("examples/hardened's settings have no DEBUG = False line to turn on")
	}
	repo.Commit("main", map[string]string{"mysite/settings.py": hardened, ".gitignore": ".env\n"})
	bodies := make([][]byte, events)
	heads := make([]string, events)
	for i := range events {
		branch := fmt.Sprintf("change-%d", i)
		// Each pull request's change differs, so no answer is cached.
		repo.Commit(branch, map[string]string{"mysite/settings.py": unsafe + fmt.Sprintf("\nTIME_ZONE = \"Etc/GMT+%d\"\n", i%12)})
		p := repo.AddPull(githubtest.Pull{HeadRef: branch})
		heads[i] = p.HeadSHA
		bodies[i] = gh.PullRequestEvent(b, repo, p.Number, "opened")
	}

	srv := start(b, gh)
	// At rest: started and listening, nothing delivered.
	time.Sleep(time.Second)
	idleKB := statusKB(srv.cmd.Process.Pid, "VmRSS")
	gh.ResetRequests()

	// One poller notes when each head's run is first seen completed.
	done := map[string]time.Time{}
	var doneMu sync.Mutex
	stop := make(chan struct{})
	polled := make(chan struct{})
	go func() {
		defer close(polled)
		for {
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
			now := time.Now()
			doneMu.Lock()
			for _, cr := range repo.CheckRuns() {
				if _, ok := done[cr.HeadSHA]; !ok && cr.Status == "completed" {
					done[cr.HeadSHA] = now
				}
			}
			doneMu.Unlock()
		}
	}()

	// A connection per delivery, as GitHub sends them (and no reuse of a
	// keep-alive connection the server is closing at the same moment). No
	// 10 s timeout as GitHub's: Probot answers only once its handler ran,
	// and the clock here is the check run, not the answer.
	client := &http.Client{Timeout: 10 * time.Minute, Transport: &http.Transport{DisableKeepAlives: true}}
	due := make([]time.Time, events)
	var sent sync.WaitGroup
	errs := make(chan error, events)
	b.ResetTimer()
	begin := time.Now()
	for i := range events {
		due[i] = begin.Add(time.Duration(float64(i) * float64(time.Second) / rate))
		time.Sleep(time.Until(due[i]))
		sent.Add(1)
		go func() {
			defer sent.Done()
			if err := post(client, srv.webhook, fmt.Sprintf("e2ebench-%d-%d", i, begin.UnixNano()), bodies[i]); err != nil {
				errs <- err
			}
		}()
	}
	sent.Wait()
	close(errs)
	for err := range errs {
		b.Fatalf("delivery: %v\n%s", err, tail(srv.logs, 40))
	}
	deadline := time.Now().Add(120 * time.Second)
	for {
		doneMu.Lock()
		n := len(done)
		doneMu.Unlock()
		if n >= events {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d check runs completed 120 s after the last delivery\n%s", n, events, tail(srv.logs, 40))
		}
		time.Sleep(10 * time.Millisecond)
	}
	b.StopTimer()
	close(stop)
	<-polled
	peakKB := statusKB(srv.cmd.Process.Pid, "VmHWM")
	calls := float64(gh.Budget()) / float64(events)
	// Both apps must have found the DEBUG = True every pull request adds.
	for _, cr := range repo.CheckRuns() {
		if cr.Conclusion != "failure" {
			b.Fatalf("check run %q on %s concluded %q, want failure", cr.Name, cr.HeadSHA, cr.Conclusion)
		}
	}

	lat := make([]time.Duration, events)
	for i, h := range heads {
		lat[i] = done[h].Sub(due[i])
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[max(0, min(int(p*float64(events)+0.5)-1, events-1))] }
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(pct(.50)), "p50-ms")
	b.ReportMetric(ms(pct(.90)), "p90-ms")
	b.ReportMetric(ms(pct(.99)), "p99-ms")
	b.ReportMetric(ms(lat[events-1]), "max-ms")
	b.ReportMetric(calls, "calls/event")
	b.ReportMetric(float64(idleKB)/1024, "idle-rss-MiB")
	b.ReportMetric(float64(peakKB)/1024, "peak-rss-MiB")
	b.Logf("%s: %d pull_request events at %g/s; check runs completed: p50 %v p90 %v p99 %v max %v; %.1f REST calls an event; RSS at rest %d kB, peak %d kB",
		name, events, rate, pct(.5), pct(.9), pct(.99), lat[events-1], calls, idleKB, peakKB)
	resultsMu.Lock()
	results[name] = figures{p50: pct(.5), p99: pct(.99), calls: calls, peakKB: peakKB}
	resultsMu.Unlock()

	_ = srv.cmd.Process.Signal(syscall.SIGTERM)
}

// startBot starts `bot serve` on databaseURL with the fake as GitHub.
func startBot(b *testing.B, bot string, gh *githubtest.Server, databaseURL string) *server {
	cmd := exec.Command(bot, "serve")
	cmd.Env = append(os.Environ(),
		"DATABASE_URL="+databaseURL, "WEBHOOK_SECRET="+secret, "PORT=0", "HOST=127.0.0.1", "LOG_LEVEL=info",
		"GITHUB_API_URL="+gh.URL, "APP_ID="+strconv.FormatInt(gh.AppID(), 10), "PRIVATE_KEY="+string(gh.AppPrivateKeyPEM()))
	logs := &syncbuf.Buffer{}
	addr := make(chan string, 1)
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, logs
	go func() {
		s := bufio.NewScanner(pr)
		s.Buffer(make([]byte, 1<<20), 1<<20)
		for s.Scan() {
			logs.Write(append(s.Bytes(), '\n'))
			var l struct{ Msg, Addr string }
			if json.Unmarshal(s.Bytes(), &l) == nil && l.Msg == "listening" {
				addr <- l.Addr
			}
		}
	}()
	srv := &server{cmd: cmd, logs: logs}
	startProcess(b, srv)
	select {
	case a := <-addr:
		_, port, _ := net.SplitHostPort(a)
		srv.webhook = "http://127.0.0.1:" + port + "/webhook"
	case <-time.After(60 * time.Second):
		b.Fatalf("bot serve did not log its address within 60 s:\n%s", tail(logs, 40))
	}
	return srv
}

// startProbot starts the Probot app in dir with the fake as GitHub.
func startProbot(b *testing.B, dir string, gh *githubtest.Server) *server {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command("node", "--import", "./fake-github.js", filepath.Join(dir, "node_modules", "probot", "bin", "probot.js"), "run",
		"--base-url", gh.URL, filepath.Join(dir, "index.js"))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"APP_ID="+strconv.FormatInt(gh.AppID(), 10), "PRIVATE_KEY="+string(gh.AppPrivateKeyPEM()),
		"E2EBENCH_GITHUB_URL="+gh.URL, "WEBHOOK_SECRET="+secret, "HOST=127.0.0.1", "PORT="+strconv.Itoa(port), "LOG_LEVEL=info", "LOG_FORMAT=json")
	logs := &syncbuf.Buffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	srv := &server{cmd: cmd, logs: logs, webhook: "http://127.0.0.1:" + strconv.Itoa(port) + "/api/github/webhooks"}
	startProcess(b, srv)
	deadline := time.Now().Add(60 * time.Second)
	for {
		if c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port)); err == nil {
			c.Close()
			return srv
		}
		if time.Now().After(deadline) {
			b.Fatalf("probot did not listen within 60 s:\n%s", tail(logs, 40))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// startProcess starts srv's command and kills it when the benchmark ends
// if the SIGTERM at the end of the run did not stop it.
func startProcess(b *testing.B, srv *server) {
	if err := srv.cmd.Start(); err != nil {
		b.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = srv.cmd.Wait(); close(exited) }()
	b.Cleanup(func() {
		_ = srv.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = srv.cmd.Process.Kill()
			<-exited
		}
	})
}

func post(c *http.Client, url, id string, body []byte) error {
	req, err := servertest.NewWebhookRequest(url, "pull_request", id, body, handlers.Sign([]byte(secret), body))
	if err != nil {
		return err
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s: %d %s", id, resp.StatusCode, msg)
	}
	return nil
}

// botBinary is DJSEC_BOT, or a `bot` built for this run.
func botBinary(b *testing.B) string {
	if p := os.Getenv("DJSEC_BOT"); p != "" {
		return p
	}
	out := filepath.Join(b.TempDir(), "bot")
	build := exec.Command("go", "build", "-o", out, "github.com/djsec/djsec/cmd/bot")
	if msg, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, msg)
	}
	return out
}

// probotDir is where the Probot app and its node_modules are.
func probotDir(b *testing.B) string {
	dir := os.Getenv("E2EBENCH_PROBOT")
	if dir == "" {
		dir = "probot"
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "probot", "bin", "probot.js")); err != nil {
		b.Skipf("SKIPPED, not measured: no Probot in %s (run npm install there, or set E2EBENCH_PROBOT): %v", dir, err)
	}
	if _, err := exec.LookPath("node"); err != nil {
		b.Skipf("SKIPPED, not measured: %v", err)
	}
	return dir
}

func envInt(b *testing.B, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		b.Fatalf("%s: want a positive number, got %q", name, v)
	}
	return n
}

func envFloat(b *testing.B, name string, def float64) float64 {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f <= 0 {
		b.Fatalf("%s: want a positive number, got %q", name, v)
	}
	return f
}

func readFile(b *testing.B, path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	return string(data)
}

// statusKB reads a "kB" field of /proc/PID/status (VmRSS, VmHWM); 0 when
// it cannot.
func statusKB(pid int, field string) int {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return n
		}
	}
	return 0
}

// tail is the last n lines of a process's output, for failure messages.
func tail(s *syncbuf.Buffer, n int) string {
	lines := strings.Split(strings.TrimRight(s.String(), "\n"), "\n")
	lines = lines[max(0, len(lines)-n):]
	for i, l := range lines {
		if len(l) > 400 {
			lines[i] = l[:400] + "…"
		}
	}
	return strings.Join(lines, "\n")
}
