package commandrun_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-github/v88/github"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river/rivertype"

	"github.com/djsec/djsec/config"
	"github.com/djsec/djsec/githubapp"
	"github.com/djsec/djsec/githubapp/githubtest"
	"github.com/djsec/djsec/handlers"
	"github.com/djsec/djsec/internal/syncbuf"
	"github.com/djsec/djsec/jobs"
	"github.com/djsec/djsec/jobs/checkrun"
	"github.com/djsec/djsec/jobs/checkrun/review"
	"github.com/djsec/djsec/jobs/commandrun"
	"github.com/djsec/djsec/metrics"
	"github.com/djsec/djsec/store"
	"github.com/djsec/djsec/store/storetest"
)

const webhookSecret = "commandrun-test-secret"

type soon struct{}

func (soon) NextRetry(*rivertype.JobRow) time.Time { return time.Now().Add(10 * time.Millisecond) }

// env is the server side of the commands as `bot serve` wires them: the
// real webhook handler and queue, the check run and command processors,
// GitHub played by githubtest.
type env struct {
	t       testing.TB
	gh      *githubtest.Server
	repo    *githubtest.Repo
	db      *store.DB
	queue   *jobs.Queue
	handler http.Handler
	clients *githubapp.ClientCreator
	logs    *syncbuf.Buffer

	mu       sync.Mutex
	outcomes map[string][]error
	people   map[int64]bool // comments the test made
	nextID   atomic.Int64
	version  atomic.Int64 // the comments' updated_at, in seconds
}

type envOptions struct {
	url string
	now func() time.Time
}

func newEnv(t testing.TB, o envOptions) *env {
	t.Helper()
	if o.url == "" {
		o.url = storetest.SQLiteURL(t)
	}
	e := &env{t: t, logs: &syncbuf.Buffer{}, outcomes: map[string][]error{}, people: map[int64]bool{}}
	e.gh = githubtest.New(t)
	inst := e.gh.AddInstallation(42, "octo-org")
	e.repo = e.gh.AddRepo(inst, "octo-org/mysite")
	e.db = storetest.Open(t, o.url)
	logger := slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var err error
	e.clients, err = githubapp.NewClientCreator(githubapp.Config{
		BaseURL: e.gh.URL, AppID: e.gh.AppID(), PrivateKey: e.gh.AppPrivateKeyPEM(),
		ETags: e.db.ETags(), Logger: logger,
		Sleep: func(ctx context.Context, d time.Duration) error { return ctx.Err() },
	})
	if err != nil {
		t.Fatal(err)
	}
	checker, err := checkrun.New(checkrun.Options{
		Clients: e.clients, DB: e.db, RulesVersion: "test+00000000", Registerer: prometheus.NewRegistry(),
		Ignores: func(ctx context.Context, repoID int64, pr int) ([]review.Ignore, error) {
			return commandrun.ReviewIgnores(ctx, e.db, repoID, pr)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	commander, err := commandrun.New(commandrun.Options{Clients: e.clients, DB: e.db, Rechecker: checker, Now: o.now})
	if err != nil {
		t.Fatal(err)
	}
	procs := jobs.Registered(checker.Register, commander.Register)
	jobs.Register(procs, record(e, jobs.Lookup[jobs.PullRequestArgs](procs)))
	jobs.Register(procs, record(e, jobs.Lookup[jobs.CommentArgs](procs)))
	e.queue, err = jobs.NewQueue(e.db, jobs.Options{
		Processors: procs, Logger: logger, Metrics: metrics.New(prometheus.NewRegistry()),
		RetryPolicy: soon{}, FetchPollInterval: 20 * time.Millisecond, MaxAttempts: 3,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.handler = handlers.New(handlers.Options{
		Verifier: handlers.NewVerifier([]config.Secret{config.Secret(webhookSecret)}, false),
		Queue:    e.queue, Ready: e.queue, Logger: logger, AppID: e.gh.AppID,
		Metrics: metrics.New(prometheus.NewRegistry()), Gatherer: prometheus.NewRegistry(),
	})
	if err := e.queue.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = e.queue.Stop(context.Background(), 5*time.Second)
		if t.Failed() {
			t.Logf("logs:\n%s", e.logs)
		}
	})
	return e
}

func record[T jobs.Args](e *env, p jobs.Processor[T]) jobs.Processor[T] {
	return jobs.ProcessorFunc[T](func(ctx context.Context, job jobs.Job[T]) error {
		err := p.Process(ctx, job)
		e.mu.Lock()
		d := job.Args.JobOrigin().Delivery
		e.outcomes[d] = append(e.outcomes[d], err)
		e.mu.Unlock()
		return err
	})
}

// deliver posts a signed webhook through the real handler; it returns the
// delivery ID and whether the handler queued a job.
func (e *env) deliver(event string, body []byte) (string, bool) {
	e.t.Helper()
	id := fmt.Sprintf("delivery-%d", e.nextID.Add(1))
	req := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(handlers.EventHeader, event)
	req.Header.Set(handlers.DeliveryHeader, id)
	req.Header.Set(handlers.SignatureHeader, handlers.Sign([]byte(webhookSecret), body))
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	if rec.Code != http.StatusAccepted && rec.Code != http.StatusOK {
		e.t.Fatalf("webhook %s: %d %s", event, rec.Code, rec.Body)
	}
	return id, strings.Contains(rec.Body.String(), "queued")
}

// wait returns once delivery's job succeeded.
func (e *env) wait(delivery string) {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		e.mu.Lock()
		got := append([]error(nil), e.outcomes[delivery]...)
		e.mu.Unlock()
		for _, err := range got {
			if err == nil {
				return
			}
		}
		if len(got) >= 3 {
			e.t.Fatalf("job %s failed %d times: %v", delivery, len(got), got)
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("job %s did not finish within 30s (failed attempts: %v)", delivery, got)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// comment is a person's comment on issue or pull request number.
type comment struct {
	number  int
	pr      bool
	id      int64
	user    string
	userBot bool
	body    string
	// previous makes it an edit from that body.
	previous *string
}

// post adds c to the fake (when new), delivers its issue_comment event
// and waits for the job. It returns the comment's ID.
func (e *env) post(c comment) int64 {
	e.t.Helper()
	id, queued := e.send(&c)
	if !queued {
		e.t.Fatalf("comment %q was not queued", c.body)
	}
	e.wait(id)
	return c.id
}

func (e *env) send(c *comment) (string, bool) {
	e.t.Helper()
	return e.deliver("issue_comment", e.payload(c))
}

func (e *env) payload(c *comment) []byte {
	e.t.Helper()
	if c.id == 0 {
		c.id = e.repo.AddComment(c.number, c.user, c.body)
		e.mu.Lock()
		e.people[c.id] = true
		e.mu.Unlock()
	}
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "webhooks", "issue_comment.created.json"))
	if err != nil {
		e.t.Fatal(err)
	}
	var p map[string]any
	if err := json.Unmarshal(data, &p); err != nil {
		e.t.Fatal(err)
	}
	typ := "User"
	if c.userBot {
		typ = "Bot"
	}
	p["action"] = "created"
	if c.previous != nil {
		p["action"] = "edited"
		p["changes"] = map[string]any{"body": map[string]any{"from": *c.previous}}
	}
	issue := p["issue"].(map[string]any)
	issue["number"] = c.number
	delete(issue, "pull_request")
	if c.pr {
		issue["pull_request"] = map[string]any{"url": fmt.Sprintf("%s/repos/%s/pulls/%d", e.gh.URL, e.repo.FullName(), c.number)}
	}
	cm := p["comment"].(map[string]any)
	cm["id"], cm["body"], cm["author_association"] = c.id, c.body, "OWNER"
	// GitHub moves updated_at on every edit (to the second).
	n := e.version.Add(1)
	cm["updated_at"] = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(n) * time.Second).Format(time.RFC3339)
	cm["user"] = map[string]any{"login": c.user, "type": typ}
	p["sender"] = map[string]any{"login": c.user, "type": typ}
	p["repository"] = map[string]any{"id": e.repo.ID, "full_name": e.repo.FullName(), "name": e.repo.Name,
		"owner": map[string]any{"login": e.repo.Owner}, "default_branch": e.repo.DefaultBranch}
	p["installation"] = map[string]any{"id": 42}
	out, err := json.Marshal(p)
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

// replies are djsec's comments, oldest first.
func (e *env) replies() []githubtest.Comment {
	var out []githubtest.Comment
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, c := range e.repo.Comments() {
		if !e.people[c.ID] {
			out = append(out, c)
		}
	}
	return out
}

// onlyReply returns djsec's one reply, failing when there is not one.
func (e *env) onlyReply() githubtest.Comment {
	e.t.Helper()
	r := e.replies()
	if len(r) != 1 {
		e.t.Fatalf("%d replies, want 1: %+v", len(r), r)
	}
	return r[0]
}

// issue opens an issue through the API and returns its number.
func (e *env) issue(title string) int {
	e.t.Helper()
	gh, err := e.clients.NewInstallationClient(42)
	if err != nil {
		e.t.Fatal(err)
	}
	is, _, err := gh.Issues.Create(context.Background(), e.repo.Owner, e.repo.Name, &github.IssueRequest{Title: github.Ptr(title)})
	if err != nil {
		e.t.Fatal(err)
	}
	return is.GetNumber()
}

// pr opens a pull request from branch head and returns it.
func (e *env) pr(head string, files map[string]string) *githubtest.Pull {
	e.t.Helper()
	e.repo.Commit(head, files)
	return e.repo.AddPull(githubtest.Pull{HeadRef: head})
}
