package server_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/djsec/djsec/config"
	"github.com/djsec/djsec/githubapp/githubtest"
	"github.com/djsec/djsec/handlers"
	"github.com/djsec/djsec/jobs"
	"github.com/djsec/djsec/registration"
	"github.com/djsec/djsec/server"
	"github.com/djsec/djsec/server/servertest"
	"github.com/djsec/djsec/store"
	"github.com/djsec/djsec/store/storetest"
)

// testSecret is what servertest verifies deliveries with; the child
// processes get it too.
const testSecret = servertest.Secret

// testKey is a throwaway RSA key (PEM): what matters is that its text
// never reaches a log.
var testKey = func() string {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}))
}()

// keyMaterial is a stretch of the key's base64 body, searched for in logs.
func keyMaterial() string {
	lines := strings.Split(testKey, "\n")
	return lines[3]
}

// postDelivery signs body with testSecret and posts it to base (a child
// process's address).
func postDelivery(t testing.TB, base, event, id string, body []byte) int {
	t.Helper()
	code, _, err := servertest.Post(base, event, id, body, handlers.Sign([]byte(testSecret), body))
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// testConfig is the configuration of the tests that call Run themselves
// (a start that must fail).
func testConfig(t *testing.T) config.Config {
	return config.Config{
		WebhookSecrets:  []config.Secret{config.Secret(testSecret)},
		DatabaseURL:     storetest.SQLiteURL(t),
		Workers:         4,
		ShutdownTimeout: 5 * time.Second,
		GitHubAPIURL:    config.DefaultGitHubAPIURL,
	}
}

// noApp leaves the server without an App (no APP_ID, no key), as before
// registration.
func noApp(c *config.Config) { c.AppID, c.PrivateKey = 0, nil }

// unregistered is a server with neither an App nor a secret.
func unregistered(c *config.Config) { noApp(c); c.WebhookSecrets = nil }

func TestServeRefusesWithoutSecret(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.WebhookSecrets = nil
	cfg.AppID = 12345 // an App exists, but its webhook secret was not given
	err := server.Run(context.Background(), cfg, server.Options{Migrate: true, Registry: prometheus.NewRegistry()})
	if !errors.Is(err, server.ErrNoSecret) {
		t.Fatalf("serve without a secret = %v, want errNoSecret", err)
	}
	if !strings.Contains(err.Error(), "--insecure-dev") || !strings.Contains(err.Error(), "WEBHOOK_SECRET") {
		t.Errorf("the message should name the way out: %v", err)
	}
}

// With no App at all (no APP_ID, nothing stored), serve starts for the
// registration page: "/" registers the App, and webhooks are refused until
// registration has given the server a secret.
func TestServeRegistrationMode(t *testing.T) {
	t.Parallel()
	r := servertest.Start(t, servertest.Options{Config: unregistered})
	// A stranger who reaches the fresh server gets a locked page; the
	// operator uses the one-time link from the log.
	resp, err := http.Get(r.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || strings.Contains(string(page), "manifest") {
		t.Fatalf("GET / without the setup token = %d:\n%s", resp.StatusCode, page)
	}
	m := regexp.MustCompile(`/\?token=([0-9a-f]{32})`).FindStringSubmatch(r.Logs())
	if m == nil {
		t.Fatalf("no registration link with a setup token in the log:\n%s", r.Logs())
	}
	jar, _ := cookiejar.New(nil)
	operator := &http.Client{Jar: jar}
	resp, err = operator.Get(r.URL + "/?token=" + m[1])
	if err != nil {
		t.Fatal(err)
	}
	page, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), "manifest") {
		t.Fatalf("GET / with the setup token = %d:\n%s", resp.StatusCode, page)
	}
	if code := postDelivery(t, r.URL, "pull_request", "early", servertest.Example(t, "pull_request.opened")); code != 401 {
		t.Fatalf("delivery before registration: %d, want 401", code)
	}
	if err := r.Stop(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Logs(), "not registered") {
		t.Errorf("no warning about registration:\n%s", r.Logs())
	}

	// Once registered (credentials in the database), "/" is gone and the
	// stored secret verifies deliveries.
	cs := server.CredentialStore(r.DB())
	if err := cs.SaveAppCredentials(context.Background(), registration.AppCredentials{
		ID: 777, Slug: "djsec-test", PEM: testKey, WebhookSecret: testSecret, ClientID: "Iv1.abc", ClientSecret: "cs",
	}); err != nil {
		t.Fatal(err)
	}
	back, err := cs.LoadAppCredentials(context.Background())
	if err != nil || back == nil || back.ID != 777 || back.WebhookSecret != testSecret || back.PEM != testKey {
		t.Fatalf("credential store round trip: %+v, %v", back, err)
	}
	r2 := servertest.Start(t, servertest.Options{DatabaseURL: r.Config().DatabaseURL, Config: unregistered})
	resp, err = http.Get(r2.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("GET / with an App registered = %d, want 404 (no second registration)", resp.StatusCode)
	}
	if code := postDelivery(t, r2.URL, "pull_request", "after", servertest.Example(t, "pull_request.opened")); code != 202 {
		t.Fatalf("delivery signed with the stored secret: %d, want 202", code)
	}
}

func TestServeInsecureDevWarnsAtEveryStart(t *testing.T) {
	t.Parallel()
	url := storetest.SQLiteURL(t)
	for i := range 2 {
		r := servertest.Start(t, servertest.Options{DatabaseURL: url, Config: unregistered, Server: server.Options{InsecureDev: true}})
		if err := r.Stop(); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(r.Logs(), `"level":"WARN","msg":"INSECURE`) {
			t.Fatalf("start %d: no warning:\n%s", i+1, r.Logs())
		}
	}
}

func TestServeMigrateFalseNeedsMigratedDatabase(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	err := server.Run(context.Background(), cfg, server.Options{Migrate: false, Registry: prometheus.NewRegistry()})
	if err == nil {
		t.Fatal("serve --migrate=false on an empty database should fail")
	}
	db, err := store.Open(context.Background(), cfg.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(context.Background(), slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	db.Close()
	r := servertest.Start(t, servertest.Options{DatabaseURL: cfg.DatabaseURL, Config: noApp, NoMigrate: true})
	if err := r.Stop(); err != nil {
		t.Fatal(err)
	}
}

// SIGTERM, in-process: the context is cancelled while a job runs. The
// server stops accepting at once, the job finishes within the grace period,
// and serve returns nil.
func TestServeDrainsOnCancel(t *testing.T) {
	t.Parallel()
	started, release := make(chan struct{}), make(chan struct{})
	var finished bool
	var mu sync.Mutex
	p := jobs.ProcessorFunc[jobs.PullRequestArgs](func(ctx context.Context, job jobs.Job[jobs.PullRequestArgs]) error {
		close(started)
		<-release
		mu.Lock()
		finished = true
		mu.Unlock()
		return nil
	})
	r := servertest.Start(t, servertest.Options{Config: noApp, Server: server.Options{Register: func(r *jobs.Registry) { jobs.Register[jobs.PullRequestArgs](r, p) }}})
	if code, _ := r.DeliverAs(t, "pull_request", "drain-1", servertest.Example(t, "pull_request.opened")); code != 202 {
		t.Fatalf("status %d", code)
	}
	<-started
	r.Cancel() // SIGTERM
	// New connections are refused soon after.
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", strings.TrimPrefix(r.URL, "http://"), 200*time.Millisecond)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("still accepting connections 5s after shutdown began")
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	close(release) // the job finishes inside the grace period
	if err := r.Stop(); err != nil {
		t.Fatalf("serve returned %v after a clean drain", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !finished {
		t.Fatal("the running job did not finish")
	}
	if !strings.Contains(r.Logs(), `"msg":"stopped"`) {
		t.Errorf("no stopped line:\n%s", r.Logs())
	}
}

// A job that outlives the grace period is cancelled and handed back to the
// queue; serve still returns nil, within the grace period plus the hard
// stop.
func TestServeHandsBackJobsAfterGrace(t *testing.T) {
	t.Parallel()
	started := make(chan struct{})
	p := jobs.ProcessorFunc[jobs.PullRequestArgs](func(ctx context.Context, job jobs.Job[jobs.PullRequestArgs]) error {
		close(started)
		<-ctx.Done()
		return ctx.Err()
	})
	grace := 300 * time.Millisecond
	r := servertest.Start(t, servertest.Options{Config: func(c *config.Config) { noApp(c); c.ShutdownTimeout = grace },
		Server: server.Options{Register: func(r *jobs.Registry) { jobs.Register[jobs.PullRequestArgs](r, p) }}})
	if code, _ := r.DeliverAs(t, "pull_request", "stuck", servertest.Example(t, "pull_request.opened")); code != 202 {
		t.Fatalf("status %d", code)
	}
	<-started
	begin := time.Now()
	if err := r.Stop(); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(begin); took > grace+jobs.HardStopTimeout+time.Second {
		t.Errorf("shutdown took %v", took)
	}
	var state string
	if err := r.DB().Q().QueryRow(context.Background(), "SELECT state FROM river_job WHERE kind = ?", jobs.KindPullRequest).Scan(&state); err != nil {
		t.Fatal(err)
	}
	if state != "available" && state != "retryable" {
		t.Fatalf("job state %q after shutdown, want it back in the queue", state)
	}
}

// Nothing secret reaches the logs: not the webhook secret, not the private
// key, not the database password — while a delivery is handled end to end
// and a badly signed one is refused.
func TestServeNeverLogsSecrets(t *testing.T) {
	t.Parallel()
	const password = "pg-password-9c2e"
	// Postgres trusts local connections here, so any password gets in;
	// the point is that it is not printed.
	pgURL := strings.Replace(storetest.PostgresSchemaURL(t), "postgres@", "postgres:"+password+"@", 1)
	received := make(chan struct{}, 1)
	p := jobs.ProcessorFunc[jobs.PullRequestArgs](func(ctx context.Context, job jobs.Job[jobs.PullRequestArgs]) error {
		err := jobs.LogProcessor[jobs.PullRequestArgs]{}.Process(ctx, job)
		received <- struct{}{}
		return err
	})
	r := servertest.Start(t, servertest.Options{DatabaseURL: pgURL,
		Config: func(c *config.Config) {
			c.PrivateKey, c.AppID, c.LogLevel = config.Secret(testKey), 29310, slog.LevelDebug
		},
		Server: server.Options{Register: func(r *jobs.Registry) { jobs.Register[jobs.PullRequestArgs](r, p) }}})
	body := servertest.Example(t, "pull_request.opened")
	if code, _ := r.DeliverAs(t, "pull_request", "secret-test", body); code != 202 {
		t.Fatalf("status %d", code)
	}
	<-received
	// A forged delivery, and one signed with a secret the attacker guessed.
	if _, _, err := servertest.Post(r.URL, "pull_request", "forged", body, handlers.Sign([]byte("guess"), body)); err != nil {
		t.Fatal(err)
	}
	if err := r.Stop(); err != nil {
		t.Fatal(err)
	}
	logs := r.Logs()
	for _, line := range []string{`"msg":"received"`, `"delivery":"secret-test"`, `"outcome":"bad_signature"`, `"msg":"configuration"`} {
		if !strings.Contains(logs, line) {
			t.Errorf("logs lack %s (the test would prove nothing):\n%s", line, logs)
		}
	}
	for name, secret := range map[string]string{
		"webhook secret":    testSecret,
		"private key":       keyMaterial(),
		"database password": password,
		"signature":         handlers.Sign([]byte(testSecret), body)[7:],
	} {
		if strings.Contains(logs, secret) {
			t.Errorf("the %s appears in the logs:\n%s", name, logs)
		}
	}
}

// The server in a process of its own, driven as an operator would: a
// child process, SIGTERM, exit status 0 (e2e/ does the same with the
// real `bot serve` binary).
func TestServeProcessSIGTERM(t *testing.T) {
	t.Parallel()
	cmd, lines := startChild(t, "run", map[string]string{"DATABASE_URL": storetest.SQLiteURL(t)})
	base := waitListening(t, lines)
	if code := postDelivery(t, base, "pull_request", "sigterm-1", servertest.Example(t, "pull_request.opened")); code != 202 {
		t.Fatalf("status %d", code)
	}
	// No App credentials in this child: the check job ends at once, skipped,
	// saying why.
	line := waitLine(t, lines, `"msg":"job skipped"`)
	if !strings.Contains(line, `no App credentials (set APP_ID and PRIVATE_KEY, or register the App): the pull request is not checked`) {
		t.Errorf("the skipped job does not say why: %s", line)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitLine(t, lines, `"msg":"stopped"`)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("bot serve after SIGTERM: %v, want exit status 0", err)
	}
}

// The check run wired end to end: a signed pull_request webhook to `bot
// serve`, whose job reads the pull request from GitHub (the fake) and
// publishes the djsec check run there — on SQLite and on Postgres.
func TestServeChecksPullRequests(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, url string) {
		r := servertest.Start(t, servertest.Options{DatabaseURL: url})
		gh := r.GitHub()
		repo := gh.AddRepo(gh.AddInstallation(7, "octo-org"), "octo-org/mysite")
		repo.Commit("main", map[string]string{"mysite/settings.py": "DEBUG = False\nSECRET_KEY = __import__('os').environ['K']\n"})
		repo.Commit("debug", map[string]string{"mysite/settings.py": "DEBUG = True\nSECRET_KEY = __import__('os').environ['K']\n"})
		p := repo.AddPull(githubtest.Pull{HeadRef: "debug"})

		if code, _ := r.DeliverAs(t, "pull_request", "check-1", gh.PullRequestEvent(t, repo, p.Number, "opened")); code != 202 {
			t.Fatalf("status %d", code)
		}
		deadline := time.Now().Add(20 * time.Second)
		for {
			runs := repo.CheckRuns()
			if len(runs) == 1 && runs[0].Status == "completed" {
				if runs[0].Name != "djsec" || runs[0].HeadSHA != p.HeadSHA || runs[0].Conclusion != "failure" {
					t.Fatalf("check run %+v", runs[0])
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no completed check run: %+v\n%s", runs, r.Logs())
			}
			time.Sleep(10 * time.Millisecond)
		}
		if err := r.Stop(); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(r.Logs(), `"msg":"check run completed"`) {
			t.Errorf("no completion line:\n%s", r.Logs())
		}
	})
}

// kill -9 after the 202 and before the job finishes, then a restart: the
// job runs to completion, once.
func TestServeKill9AfterAck(t *testing.T) {
	t.Parallel()
	url := storetest.SQLiteURL(t)
	first, lines := startChild(t, "block", map[string]string{"DATABASE_URL": url})
	base := waitListening(t, lines)
	if code := postDelivery(t, base, "pull_request", "kill-9", servertest.Example(t, "pull_request.opened")); code != 202 {
		t.Fatalf("status %d", code)
	}
	waitLine(t, lines, `"msg":"blocking"`)
	if err := first.Process.Kill(); err != nil { // SIGKILL: no drain, no goodbye
		t.Fatal(err)
	}
	first.Wait()

	second, lines2 := startChild(t, "finish", map[string]string{"DATABASE_URL": url})
	waitListening(t, lines2)
	waitLine(t, lines2, `"msg":"finished"`)
	if err := second.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	rest := drain(lines2)
	second.Wait()
	if strings.Count(rest, `"msg":"finished"`) != 0 {
		t.Fatalf("the job ran again:\n%s", rest)
	}
	db := storetest.Open(t, url)
	var state string
	var attempt int
	if err := db.Q().QueryRow(context.Background(), "SELECT state, attempt FROM river_job").Scan(&state, &attempt); err != nil {
		t.Fatal(err)
	}
	if state != "completed" || attempt != 2 {
		t.Fatalf("job %s after %d attempts, want completed after 2", state, attempt)
	}
}

// Child processes: the test binary re-executed with DJSEC_SERVE_HELPER set
// runs `bot serve` (mode run) or serve with a processor that blocks (block)
// or logs "finished" (finish), on PORT 0.
func init() {
	mode := os.Getenv("DJSEC_SERVE_HELPER")
	if mode == "" {
		return
	}
	os.Exit(helperMain(mode))
}

func helperMain(mode string) int {
	cfg, err := config.FromEnv()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	logger := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: slog.LevelInfo}))
	o := server.Options{Migrate: true, Logger: logger}
	o.Queue.FetchPollInterval = 50 * time.Millisecond
	switch mode {
	case "block":
		o.Queue.JobTimeout = time.Hour
		o.Queue.RescueAfter = 2 * time.Hour
		o.Register = func(r *jobs.Registry) {
			jobs.Register[jobs.PullRequestArgs](r, jobs.ProcessorFunc[jobs.PullRequestArgs](func(ctx context.Context, job jobs.Job[jobs.PullRequestArgs]) error {
				jobs.Logger(ctx).Info("blocking")
				select {} // until killed
			}))
		}
	case "finish":
		o.Queue.JobTimeout = 500 * time.Millisecond
		o.Queue.RescueAfter = time.Second
		o.Register = func(r *jobs.Registry) {
			jobs.Register[jobs.PullRequestArgs](r, jobs.ProcessorFunc[jobs.PullRequestArgs](func(ctx context.Context, job jobs.Job[jobs.PullRequestArgs]) error {
				jobs.Logger(ctx).Info("finished")
				return nil
			}))
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := server.Run(ctx, cfg, o); err != nil {
		logger.Error("serve", slog.String("error", err.Error()))
		return 1
	}
	return 0
}

func startChild(t *testing.T, mode string, env map[string]string) (*exec.Cmd, <-chan string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "DJSEC_SERVE_HELPER="+mode, "PORT=0", "HOST=127.0.0.1", "WEBHOOK_SECRET="+testSecret)
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	lines := make(chan string, 1000)
	go func() {
		s := bufio.NewScanner(stdout)
		s.Buffer(make([]byte, 1<<20), 1<<20)
		for s.Scan() {
			lines <- s.Text()
		}
		close(lines)
	}()
	return cmd, lines
}

func waitLine(t *testing.T, lines <-chan string, substr string) string {
	t.Helper()
	// A restarted server waits out the dead one's leadership (~15 s)
	// before River's rescuer hands back its running job.
	timeout := time.After(60 * time.Second)
	var seen []string
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("the child exited before logging %s:\n%s", substr, strings.Join(seen, "\n"))
			}
			seen = append(seen, l)
			if strings.Contains(l, substr) {
				return l
			}
		case <-timeout:
			t.Fatalf("no %s within 60s:\n%s", substr, strings.Join(seen, "\n"))
		}
	}
}

func waitListening(t *testing.T, lines <-chan string) string {
	t.Helper()
	var l struct{ Addr string }
	if err := json.Unmarshal([]byte(waitLine(t, lines, `"msg":"listening"`)), &l); err != nil {
		t.Fatal(err)
	}
	_, port, err := net.SplitHostPort(l.Addr)
	if err != nil {
		t.Fatal(err)
	}
	return "http://127.0.0.1:" + port
}

func drain(lines <-chan string) string {
	var b strings.Builder
	for l := range lines {
		b.WriteString(l + "\n")
	}
	return b.String()
}

// WEBHOOK_SECRET without APP_ID: the operator runs an app of their own, so
// no registration page may replace that secret.
func TestServeSecretWithoutAppIDHasNoRegistration(t *testing.T) {
	t.Parallel()
	r := servertest.Start(t, servertest.Options{Config: noApp}) // a secret, no APP_ID
	resp, err := http.Get(r.URL + "/?token=anything")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("GET / = %d, want 404: no registration over an operator's secret", resp.StatusCode)
	}
	if code, _ := r.DeliverAs(t, "pull_request", "signed", servertest.Example(t, "pull_request.opened")); code != 202 {
		t.Fatalf("delivery signed with WEBHOOK_SECRET: %d, want 202", code)
	}
	if err := r.Stop(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Logs(), "registration page is off") {
		t.Errorf("no warning:\n%s", r.Logs())
	}
}

func TestInsecureDevListensOnLoopback(t *testing.T) {
	t.Parallel()
	cfg := config.Config{Host: "0.0.0.0", Port: 3000}
	if got := server.ListenAddr(cfg, true); got != "127.0.0.1:3000" {
		t.Errorf("unsigned deliveries: listening on %s, want 127.0.0.1:3000", got)
	}
	if got := server.ListenAddr(cfg, false); got != "0.0.0.0:3000" {
		t.Errorf("signed deliveries: listening on %s", got)
	}
}
