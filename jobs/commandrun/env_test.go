package commandrun_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-github/v88/github"

	"github.com/djsec/djsec/githubapp/githubtest"
	"github.com/djsec/djsec/jobs"
	"github.com/djsec/djsec/jobs/commandrun"
	"github.com/djsec/djsec/server"
	"github.com/djsec/djsec/server/servertest"
	"github.com/djsec/djsec/store"
)

// env is the server side of the commands as `bot serve` wires them
// (servertest): the real webhook handler and queue, the check run and
// command processors, GitHub played by githubtest.
type env struct {
	t    testing.TB
	s    *servertest.Server
	gh   *githubtest.Server
	repo *githubtest.Repo
	db   *store.DB

	mu      sync.Mutex
	people  map[int64]bool // comments the test made
	version atomic.Int64   // the comments' updated_at, in seconds
}

type envOptions struct {
	url string
	now func() time.Time
}

func newEnv(t testing.TB, o envOptions) *env {
	t.Helper()
	s := servertest.Start(t, servertest.Options{DatabaseURL: o.url, Server: server.Options{
		Queue: jobs.Options{MaxAttempts: 3},
		Tune: server.Tune{Commandrun: func(c *commandrun.Options) {
			// The commands alone: /djsec fix and /djsec audit answer
			// that they are not available here.
			c.Fixer, c.Auditor, c.Now = nil, nil, o.now
		}},
	}})
	e := &env{t: t, s: s, gh: s.GitHub(), db: s.DB(), people: map[int64]bool{}}
	e.repo = e.gh.AddRepo(e.gh.AddInstallation(42, "octo-org"), "octo-org/mysite")
	return e
}

// deliver posts a signed webhook through the real handler; it returns the
// delivery ID and whether the handler queued a job.
func (e *env) deliver(event string, body []byte) (string, bool) {
	e.t.Helper()
	id := e.s.NewDeliveryID()
	code, reply := e.s.DeliverAs(e.t, event, id, body)
	if code != 202 && code != 200 {
		e.t.Fatalf("webhook %s: %d %s", event, code, reply)
	}
	return id, strings.Contains(reply, "queued")
}

// wait returns once delivery's job succeeded.
func (e *env) wait(delivery string) {
	e.t.Helper()
	e.s.WaitJob(e.t, delivery)
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
	// GitHub moves updated_at on every edit (to the second).
	n := e.version.Add(1)
	return servertest.IssueCommentEvent(e.t, e.gh, servertest.Comment{Repo: e.repo, Installation: 42,
		Number: c.number, PullRequest: c.pr, ID: c.id, User: c.user, Bot: c.userBot, Body: c.body, Previous: c.previous,
		Association: "OWNER", UpdatedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(n) * time.Second)})
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
	gh := e.s.InstallationClient(e.t, 42)
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
