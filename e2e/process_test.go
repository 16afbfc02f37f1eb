package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/djsec/djsec/githubapp/githubtest"
	"github.com/djsec/djsec/handlers"
	"github.com/djsec/djsec/internal/syncbuf"
	"github.com/djsec/djsec/jobs"
	"github.com/djsec/djsec/server/servertest"
	"github.com/djsec/djsec/store"
	"github.com/djsec/djsec/store/storetest"
)

// DBKind is the database backend a server runs on.
type DBKind string

// The two backends bot serve supports.
const (
	SQLite   DBKind = "sqlite"
	Postgres DBKind = "postgres"
)

// ForEachDB runs f as two parallel subtests, "sqlite" and "postgres". The
// Postgres one skips with a message when no server answers (storetest's
// rules: DJSEC_TEST_POSTGRES_URL, DJSEC_REQUIRE_POSTGRES).
func ForEachDB(t *testing.T, f func(t *testing.T, db DBKind)) {
	t.Helper()
	for _, kind := range []DBKind{SQLite, Postgres} {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			f(t, kind)
		})
	}
}

// DatabaseURL returns a DATABASE_URL for a fresh database of kind: a SQLite
// file under t.TempDir(), or a schema of its own on the Postgres server,
// dropped when the test ends (it skips when there is no Postgres).
func DatabaseURL(t testing.TB, kind DBKind) string {
	t.Helper()
	if kind == Postgres {
		return storetest.PostgresSchemaURL(t)
	}
	return storetest.SQLiteURL(t)
}

var (
	buildOnce sync.Once
	buildDir  string
	buildPath string
	buildErr  error
)

// BotBinary builds ./cmd/bot once per test binary and returns its path.
// CleanupBinary (from TestMain) removes it.
func BotBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		root, err := moduleRoot()
		if err != nil {
			buildErr = err
			return
		}
		if buildDir, err = os.MkdirTemp("", "djsec-e2e-"); err != nil {
			buildErr = err
			return
		}
		buildPath = filepath.Join(buildDir, "bot")
		cmd := exec.Command(goTool(), "build", "-o", buildPath, "./cmd/bot")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/bot: %w\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildPath
}

// CleanupBinary removes what BotBinary built; TestMain calls it after the
// tests.
func CleanupBinary() {
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
}

// ModuleRoot is the directory holding djsec's go.mod.
func ModuleRoot(t testing.TB) string {
	t.Helper()
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && bytes.Contains(b, []byte("module github.com/djsec/djsec\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("e2e: djsec's go.mod not found above the working directory")
		}
		dir = parent
	}
}

// goTool is the go command that runs this test (GOROOT is set by go test),
// else the one on PATH.
func goTool() string {
	if root := os.Getenv("GOROOT"); root != "" {
		if p := filepath.Join(root, "bin", "go"); fileExists(p) {
			return p
		}
	}
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return "go"
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// Env is what the servers of one test share: the fake GitHub, the database
// and the webhook secret.
type Env struct {
	GH          *githubtest.Server
	DB          DBKind
	DatabaseURL string
	Secret      string
	// Vars are extra environment variables for every server started after
	// they are set (LOG_LEVEL, DJSEC_WORKERS, AUDIT_SCHEDULE, …); they win
	// over the harness's own.
	Vars map[string]string

	deliveries atomic.Int64
	mu         sync.Mutex
	servers    []*Server
}

// WriteMinute is GitHub's minute for the write limits in the stories.
const WriteMinute = 100 * time.Millisecond

// NewEnv makes a fresh fake GitHub (githubtest.New's options apply) and a
// fresh database of kind.
func NewEnv(t *testing.T, kind DBKind, opts ...githubtest.Option) *Env {
	t.Helper()
	url := DatabaseURL(t, kind) // first: a Postgres skip should cost nothing
	BotBinary(t)
	var b [8]byte
	_, _ = rand.Read(b[:])
	// GitHub's secondary limits on writes (80 a minute, 500 an hour per
	// installation) hold in every story, on a minute of WriteMinute so
	// that hundreds of deliveries take seconds: the servers pace their
	// writes on the same minute. A later option overrides.
	opts = append([]githubtest.Option{githubtest.WithWriteLimits(githubtest.DefaultWritesPerMinute, githubtest.DefaultWritesPerHour, WriteMinute)}, opts...)
	e := &Env{GH: githubtest.New(t, opts...), DB: kind, DatabaseURL: url, Secret: "e2e-" + hex.EncodeToString(b[:]),
		Vars: map[string]string{"DJSEC_GITHUB_WRITE_MINUTE": WriteMinute.String()}}
	// Registered after the fake's own cleanup, so it runs first: the servers
	// stop while the fake still answers, and their logs are printed before
	// the fake reports bad bodies.
	t.Cleanup(func() { e.cleanup(t) })
	return e
}

func (e *Env) cleanup(t *testing.T) {
	e.mu.Lock()
	servers := append([]*Server(nil), e.servers...)
	e.mu.Unlock()
	for _, s := range servers {
		// A process that died by itself during the test is a failure
		// even when every assertion held.
		if err := s.crashed(); err != nil {
			t.Error(err)
		}
		s.shutdown(10 * time.Second)
	}
	if t.Failed() {
		for _, s := range servers {
			if rest := s.unshownLog(200); rest != "" {
				t.Logf("%s", rest)
			}
		}
	}
}

// Server is one `bot serve` process (and, after Restart, its successors).
type Server struct {
	// Name tells servers apart in logs: "bot-1", "bot-2", …
	Name string
	// URL is http://127.0.0.1:PORT.
	URL  string
	Port int

	env  *Env
	vars map[string]string

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
	// exitErr is the process's wait error once exited is closed.
	exitErr error
	logs    *syncbuf.Buffer
	starts  int
	// shown is how much of logs a failure message already carries.
	shown int
	// signalled is set when the harness sent the process SIGTERM or
	// SIGKILL: any other exit is a crash, which fails the test.
	signalled bool
}

// Start starts one server on the Env's database and waits until /readyz
// answers 200.
func (e *Env) Start(t testing.TB) *Server {
	t.Helper()
	return e.StartWith(t, nil)
}

// StartWith is Start with extra environment variables for this server.
func (e *Env) StartWith(t testing.TB, vars map[string]string) *Server {
	t.Helper()
	e.mu.Lock()
	s := &Server{Name: fmt.Sprintf("bot-%d", len(e.servers)+1), env: e, vars: vars, logs: &syncbuf.Buffer{}}
	e.servers = append(e.servers, s)
	e.mu.Unlock()
	s.Port = freePort(t)
	s.URL = "http://127.0.0.1:" + strconv.Itoa(s.Port)
	s.start(t)
	return s
}

// StartN starts n servers on the Env's database, in parallel (they take
// turns at the migrations), and waits until every one is ready.
func (e *Env) StartN(t testing.TB, n int) []*Server {
	t.Helper()
	out := make([]*Server, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		e.mu.Lock()
		s := &Server{Name: fmt.Sprintf("bot-%d", len(e.servers)+1), env: e, logs: &syncbuf.Buffer{}}
		e.servers = append(e.servers, s)
		e.mu.Unlock()
		s.Port = freePort(t)
		s.URL = "http://127.0.0.1:" + strconv.Itoa(s.Port)
		out[i] = s
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.launch()
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("%s: %v\n%s", out[i].Name, err, out[i].LogTail(100))
		}
	}
	return out
}

// Servers are every server started in the Env, in order.
func (e *Env) Servers() []*Server {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]*Server(nil), e.servers...)
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func (s *Server) environ() []string {
	e := s.env
	vars := map[string]string{
		"APP_ID":                 strconv.FormatInt(e.GH.AppID(), 10),
		"PRIVATE_KEY":            string(e.GH.AppPrivateKeyPEM()),
		"WEBHOOK_SECRET":         e.Secret,
		"GITHUB_API_URL":         e.GH.URL,
		"DATABASE_URL":           e.DatabaseURL,
		"HOST":                   "127.0.0.1",
		"PORT":                   strconv.Itoa(s.Port),
		"LOG_LEVEL":              "debug",
		"DJSEC_WORKERS":          "4",
		"DJSEC_SHUTDOWN_TIMEOUT": "5s",
		// Hermetic: the bundled advisory data only, never api.osv.dev.
		"OSV_API_URL": "off",
	}
	e.mu.Lock()
	for k, v := range e.Vars {
		vars[k] = v
	}
	e.mu.Unlock()
	for k, v := range s.vars {
		vars[k] = v
	}
	// Only what a process needs from the test's environment: a DATABASE_URL
	// or APP_ID of the developer's shell must not leak in.
	var env []string
	for _, k := range []string{"PATH", "HOME", "TMPDIR", "LANG"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	return env
}

func (s *Server) start(t testing.TB) {
	t.Helper()
	if err := s.launch(); err != nil {
		t.Fatalf("%s: %v\n%s", s.Name, err, s.LogTail(100))
	}
}

// launch starts the process and waits for /readyz.
func (s *Server) launch() error {
	cmd := exec.Command(buildPath, "serve")
	cmd.Env = s.environ()
	s.mu.Lock()
	s.starts++
	fmt.Fprintf(s.logs, "=== %s start %d (port %d)\n", s.Name, s.starts, s.Port)
	s.mu.Unlock()
	cmd.Stdout = s.logs
	cmd.Stderr = s.logs
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start bot serve: %w", err)
	}
	exited := make(chan struct{})
	s.mu.Lock()
	s.cmd, s.exited, s.exitErr, s.signalled = cmd, exited, nil, false
	s.mu.Unlock()
	go func() {
		err := cmd.Wait()
		s.mu.Lock()
		s.exitErr = err
		s.mu.Unlock()
		fmt.Fprintf(s.logs, "=== %s exited: %v\n", s.Name, exitText(err))
		close(exited)
	}()
	deadline := time.Now().Add(60 * time.Second)
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		select {
		case <-exited:
			return fmt.Errorf("bot serve exited before it was ready: %s", exitText(s.ExitErr()))
		default:
		}
		resp, err := client.Get(s.URL + "/readyz")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			s.signal(syscall.SIGKILL)
			<-exited
			return errors.New("bot serve was not ready within 60s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func exitText(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}

// ExitErr is the last process's wait error (nil while it runs or after a
// clean exit).
func (s *Server) ExitErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.exitErr
}

// Running reports whether the process is alive.
func (s *Server) Running() bool {
	s.mu.Lock()
	ch := s.exited
	s.mu.Unlock()
	if ch == nil {
		return false
	}
	select {
	case <-ch:
		return false
	default:
		return true
	}
}

// PID is the current process's ID (0 when none was started).
func (s *Server) PID() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil || s.cmd.Process == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

func (s *Server) signal(sig syscall.Signal) {
	s.mu.Lock()
	cmd := s.cmd
	s.mu.Unlock()
	if cmd != nil && cmd.Process != nil {
		s.mu.Lock()
		s.signalled = true
		s.mu.Unlock()
		_ = cmd.Process.Signal(sig)
	}
}

// crashed returns the exit of a process that ended without the harness
// asking it to, or nil.
func (s *Server) crashed() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.exited == nil || s.signalled {
		return nil
	}
	select {
	case <-s.exited:
		return fmt.Errorf("%s exited on its own: %s", s.Name, exitText(s.exitErr))
	default:
		return nil
	}
}

// Stop sends SIGTERM and waits for the process to exit; it fails the test
// when the exit is not clean (status 0) within 40 seconds.
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	if err := s.crashed(); err != nil {
		t.Fatalf("%v\n%s", err, s.LogTail(100))
	}
	if !s.Running() {
		return
	}
	s.signal(syscall.SIGTERM)
	if !s.wait(40 * time.Second) {
		s.signal(syscall.SIGKILL)
		s.wait(10 * time.Second)
		t.Fatalf("%s did not exit within 40s of SIGTERM\n%s", s.Name, s.LogTail(100))
	}
	if err := s.ExitErr(); err != nil {
		t.Fatalf("%s after SIGTERM: %v, want exit status 0\n%s", s.Name, err, s.LogTail(100))
	}
}

// Kill sends SIGKILL (kill -9) and waits for the process to be gone.
func (s *Server) Kill(t testing.TB) {
	t.Helper()
	if !s.Running() {
		return
	}
	s.signal(syscall.SIGKILL)
	if !s.wait(10 * time.Second) {
		t.Fatalf("%s survived SIGKILL", s.Name)
	}
}

// Restart starts a new process on the same port, database and environment
// (a running one is stopped first) and waits until it is ready. It fails
// the test when the previous process crashed instead of being stopped or
// killed.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	if err := s.crashed(); err != nil {
		t.Fatalf("%v\n%s", err, s.LogTail(100))
	}
	if s.Running() {
		s.Stop(t)
	}
	s.start(t)
}

func (s *Server) wait(d time.Duration) bool {
	s.mu.Lock()
	ch := s.exited
	s.mu.Unlock()
	if ch == nil {
		return true
	}
	select {
	case <-ch:
		return true
	case <-time.After(d):
		return false
	}
}

// shutdown stops the process at the end of a test: SIGTERM, then SIGKILL
// after grace.
func (s *Server) shutdown(grace time.Duration) {
	if !s.Running() {
		return
	}
	s.signal(syscall.SIGTERM)
	if !s.wait(grace) {
		s.signal(syscall.SIGKILL)
		s.wait(5 * time.Second)
	}
}

// Logs is everything the server's processes wrote (JSON lines on stdout,
// anything on stderr), with a "===" line at each start and exit.
func (s *Server) Logs() string { return s.logs.String() }

// LogTail is the last n lines of Logs, headed by the server's name. What
// it returns counts as shown: a failed test's cleanup prints only the
// lines written after it.
func (s *Server) LogTail(n int) string {
	all := s.Logs()
	s.mu.Lock()
	s.shown = len(all)
	s.mu.Unlock()
	return tail("log of "+s.Name, all, n)
}

// unshownLog is the tail of what LogTail has not shown yet ("" when
// nothing new was written).
func (s *Server) unshownLog(n int) string {
	all := s.Logs()
	s.mu.Lock()
	from := s.shown
	s.shown = len(all)
	s.mu.Unlock()
	if from == 0 {
		return tail("log of "+s.Name, all, n)
	}
	if from >= len(all) {
		return ""
	}
	return tail("rest of the log of "+s.Name, all[from:], n)
}

func tail(title, text string, n int) string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	cut := ""
	if len(lines) > n {
		cut = fmt.Sprintf(" (last %d of %d lines)", n, len(lines))
		lines = lines[len(lines)-n:]
	}
	return fmt.Sprintf("----- %s%s -----\n%s\n----- end -----", title, cut, strings.Join(lines, "\n"))
}

// NewDeliveryID returns a unique X-GitHub-Delivery value.
func (e *Env) NewDeliveryID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("e2e-%d-%s", e.deliveries.Add(1), hex.EncodeToString(b[:]))
}

// Deliver posts body as a webhook of event, signed with the Env's secret
// and with a new delivery ID, and fails the test unless the server answers
// 2xx. It returns the delivery ID.
func (s *Server) Deliver(t testing.TB, event string, body []byte) string {
	t.Helper()
	id := s.env.NewDeliveryID()
	code, err := s.Post(event, id, body)
	if err != nil {
		t.Fatalf("%s: deliver %s %s: %v\n%s", s.Name, event, id, err, s.LogTail(60))
	}
	if code < 200 || code > 299 {
		t.Fatalf("%s: deliver %s %s: status %d\n%s", s.Name, event, id, code, s.LogTail(60))
	}
	return id
}

// Post sends one webhook (signed with the Env's secret) with the delivery
// ID given and returns the status; it fails nothing, for tests that expect
// refusals or redeliver.
func (s *Server) Post(event, deliveryID string, body []byte) (int, error) {
	return s.PostSigned(event, deliveryID, body, handlers.Sign([]byte(s.env.Secret), body))
}

// PostSigned sends one webhook with the X-Hub-Signature-256 header given
// ("" leaves it out).
func (s *Server) PostSigned(event, deliveryID string, body []byte, signature string) (int, error) {
	code, _, err := servertest.Post(s.URL, event, deliveryID, body, signature)
	return code, err
}

// WaitFor polls cond every 50 ms until it holds, and fails the test after
// timeout, naming what it waited for and attaching the tail of the logs of
// the servers given.
func WaitFor(t testing.TB, timeout time.Duration, what string, cond func() bool, servers ...*Server) {
	t.Helper()
	if err := servertest.PollEvery(timeout, 50*time.Millisecond, cond); err != nil {
		var logs []string
		for _, s := range servers {
			logs = append(logs, s.LogTail(150))
		}
		t.Fatalf("timed out after %v waiting for %s\n%s", timeout, what, strings.Join(logs, "\n"))
	}
}

// Metrics scrapes GET /metrics and returns every sample: metric name →
// samples with their labels.
func (s *Server) Metrics(t testing.TB) map[string][]servertest.Sample {
	t.Helper()
	m, err := s.ScrapeMetrics()
	if err != nil {
		t.Fatalf("%s: %v", s.Name, err)
	}
	return m
}

// ScrapeMetrics is Metrics returning its error.
func (s *Server) ScrapeMetrics() (map[string][]servertest.Sample, error) {
	return servertest.ScrapeMetrics(s.URL)
}

// Metric is the sum of the samples of name (a counter or gauge; for a
// histogram use name_count or name_sum) whose labels include every pair of
// labels (nil: all samples). A metric never written is 0.
func (s *Server) Metric(t testing.TB, name string, labels map[string]string) float64 {
	t.Helper()
	return servertest.SumSamples(s.Metrics(t)[name], labels)
}

// InsertJob queues args in the Env's database as another process (River's
// periodic scheduler, a second machine) would: the servers' workers pick it
// up. This is how a test triggers the weekly audit sweep without waiting
// for AUDIT_SCHEDULE: jobs.AuditSweepArgs{Spread: time.Nanosecond}.
func (e *Env) InsertJob(t testing.TB, args jobs.Args) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := store.Open(ctx, e.DatabaseURL)
	if err != nil {
		t.Fatalf("open %s database: %v", e.DB, err)
	}
	defer db.Close()
	return servertest.InsertJob(t, db, args)
}
