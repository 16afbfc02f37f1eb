package checkrun_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/djsec/djsec/checks"
	"github.com/djsec/djsec/githubapp/githubtest"
	"github.com/djsec/djsec/jobs"
	"github.com/djsec/djsec/jobs/checkrun"
	"github.com/djsec/djsec/jobs/checkrun/review"
	"github.com/djsec/djsec/osv"
	"github.com/djsec/djsec/server"
	"github.com/djsec/djsec/server/servertest"
	"github.com/djsec/djsec/store"
)

// env is the server as `bot serve` wires it (servertest): the real webhook
// handler and River queue on a fresh database, the check run processor,
// and GitHub played by githubtest, with octo-org/mysite installed.
type env struct {
	t    testing.TB
	s    *servertest.Server
	gh   *githubtest.Server
	repo *githubtest.Repo
	db   *store.DB
	logs logs
}

// logs reads the server's log when printed or searched.
type logs struct{ s *servertest.Server }

func (l logs) String() string { return l.s.Logs() }

type envOptions struct {
	url   string // DATABASE_URL (default: a fresh SQLite file)
	fixer checkrun.FixRequester
	// paused holds the jobs until env.start.
	paused bool
	fake   []githubtest.Option
	// maxBytes is checkrun.Options.MaxBytes (0: the default).
	maxBytes int64
	// afterCheck is checkrun.Options.AfterCheck.
	afterCheck func(ctx context.Context, origin jobs.Origin, pr int, cfg *checks.Config, res *review.Result) error
	// advisories is checkrun.Options.Advisories (nil: the bundle only).
	advisories *osv.Client
}

func newEnv(t testing.TB, o envOptions) *env {
	t.Helper()
	s := servertest.Start(t, servertest.Options{DatabaseURL: o.url, GitHub: o.fake, Paused: o.paused,
		Server: server.Options{Tune: server.Tune{Checkrun: func(c *checkrun.Options) {
			// The check alone: no fix button or fix-up unless the test
			// asks, links to github.com, a fixed rules version.
			c.Fixer, c.AfterCheck, c.MaxBytes, c.Advisories = o.fixer, o.afterCheck, o.maxBytes, o.advisories
			c.WebURL, c.RulesVersion = "https://github.com", "test+00000000"
		}}}})
	e := &env{t: t, s: s, gh: s.GitHub(), db: s.DB(), logs: logs{s}}
	e.repo = e.gh.AddRepo(e.gh.AddInstallation(42, "octo-org"), "octo-org/mysite")
	return e
}

// start lets a paused env's jobs run.
func (e *env) start() { e.s.Resume() }

// deliver posts a signed webhook through the real handler and returns the
// delivery ID.
func (e *env) deliver(event string, body []byte) string {
	e.t.Helper()
	return e.s.Accepted(e.t, event, body)
}

func (e *env) deliverAs(event, id string, body []byte) {
	e.t.Helper()
	if code, reply := e.s.DeliverAs(e.t, event, id, body); code != 202 && code != 200 {
		e.t.Fatalf("webhook %s: %d %s", event, code, reply)
	}
}

// attempts returns the outcomes of delivery's job attempts so far.
func (e *env) attempts(delivery string) []error { return e.s.Attempts(delivery) }

// wait returns once the job of delivery succeeded, with the errors of the
// attempts before (retried); it fails the test when the job fails for good
// or takes too long.
func (e *env) wait(delivery string) []error {
	e.t.Helper()
	return e.s.WaitJob(e.t, delivery)
}

// waitAttempt returns the outcome of delivery's first attempt.
func (e *env) waitAttempt(delivery string) error {
	e.t.Helper()
	return e.s.WaitAttempt(e.t, delivery)
}

// ours returns the check runs djsec made on sha.
func (e *env) runs(sha string) []githubtest.CheckRun {
	var out []githubtest.CheckRun
	for _, cr := range e.repo.CheckRuns() {
		if cr.HeadSHA == sha && cr.Name == checkrun.Name {
			out = append(out, cr)
		}
	}
	return out
}

// only returns the one check run on sha, failing when there is not one.
func (e *env) only(sha string) githubtest.CheckRun {
	e.t.Helper()
	runs := e.runs(sha)
	if len(runs) != 1 {
		e.t.Fatalf("%d check runs on %s, want 1: %+v", len(runs), sha, runs)
	}
	return runs[0]
}

// pr opens a pull request from branch head (committed with files on top of
// main) and returns it.
func (e *env) pr(head string, files map[string]string) *githubtest.Pull {
	e.t.Helper()
	e.repo.Commit(head, files)
	return e.repo.AddPull(githubtest.Pull{HeadRef: head})
}

// open delivers pull_request opened for p and waits for its job.
func (e *env) open(p *githubtest.Pull) string {
	e.t.Helper()
	id := e.deliver("pull_request", e.gh.PullRequestEvent(e.t, e.repo, p.Number, "opened"))
	e.wait(id)
	return id
}

// annotations decodes a run's annotations.
type ann struct {
	Path               string
	StartLine, EndLine int
	Level, Title, Msg  string
}

func annotations(cr githubtest.CheckRun) []ann {
	var out []ann
	for _, a := range cr.Annotations {
		n := func(k string) int {
			var v int
			fmt.Sscan(fmt.Sprint(a[k]), &v)
			return v
		}
		out = append(out, ann{Path: fmt.Sprint(a["path"]), StartLine: n("start_line"), EndLine: n("end_line"),
			Level: fmt.Sprint(a["annotation_level"]), Title: fmt.Sprint(a["title"]), Msg: fmt.Sprint(a["message"])})
	}
	return out
}
