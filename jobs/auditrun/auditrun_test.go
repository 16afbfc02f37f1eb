package auditrun_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-github/v88/github"

	"github.com/djsec/djsec/githubapp"
	"github.com/djsec/djsec/githubapp/githubtest"
	"github.com/djsec/djsec/jobs"
	"github.com/djsec/djsec/jobs/auditrun"
	"github.com/djsec/djsec/jobs/auditrun/auditissue"
	"github.com/djsec/djsec/server/servertest"
	"github.com/djsec/djsec/store"
	"github.com/djsec/djsec/store/storetest"
)

// env is GitHub played by githubtest, a fresh database and the Runner with
// the real client stack (ETag cache in the store) in between.
type env struct {
	t      *testing.T
	gh     *githubtest.Server
	inst   *githubtest.Installation
	repo   *githubtest.Repo
	db     *store.DB
	runner *auditrun.Runner
	client *github.Client
	queue  *fakeQueue
	logs   bytes.Buffer
	// clients and now are what the Runner was built with.
	clients *githubapp.ClientCreator
	now     func() time.Time
	// logger writes to logs; the jobs' logger too.
	logger *slog.Logger
}

type fakeQueue struct {
	mu   sync.Mutex
	args []jobs.Args
}

func (q *fakeQueue) Insert(_ context.Context, a jobs.Args) (int64, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.args = append(q.args, a)
	return int64(len(q.args)), nil
}

var clock = time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC)

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, queue: &fakeQueue{}}
	e.gh = githubtest.New(t)
	e.inst = e.gh.AddInstallation(42, "octo-org")
	e.repo = e.gh.AddRepo(e.inst, "octo-org/shop")
	e.db = storetest.Open(t, storetest.SQLiteURL(t))
	logger := slog.New(slog.NewTextHandler(&e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e.logger = logger
	clients, err := githubapp.NewClientCreator(githubapp.Config{
		BaseURL: e.gh.URL, AppID: e.gh.AppID(), PrivateKey: e.gh.AppPrivateKeyPEM(),
		ETags: e.db.ETags(), Logger: logger,
		Sleep: func(ctx context.Context, d time.Duration) error { return ctx.Err() },
	})
	if err != nil {
		t.Fatal(err)
	}
	e.client, err = clients.NewInstallationClient(42)
	if err != nil {
		t.Fatal(err)
	}
	week := 0
	e.clients, e.now = clients, func() time.Time { week++; return clock.AddDate(0, 0, 7*week) }
	e.runner, err = auditrun.New(auditrun.Options{Clients: clients, DB: e.db, RulesVersion: "test", Now: e.now})
	if err != nil {
		t.Fatal(err)
	}
	e.runner.UseQueue(e.queue)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("logs:\n%s", e.logs.String())
		}
	})
	return e
}

// example is the files of examples/dir (servertest.ExampleTree).
func example(t testing.TB, dir string) map[string]string { return servertest.ExampleTree(t, dir) }

// audit runs one audit job of the repository as the queue would.
func (e *env) audit(force bool) {
	e.t.Helper()
	pushed(e.t, e.runner, e.repo)
	p := jobs.Lookup[jobs.AuditArgs](jobs.Registered(e.runner.Register))
	err := p.Process(jobs.WithLogger(context.Background(), e.logger), jobs.Job[jobs.AuditArgs]{ID: 1, Attempt: 1, Args: jobs.AuditArgs{
		Origin: jobs.Origin{Installation: 42, Repo: e.repo.FullName(), RepoID: e.repo.ID}, Reason: "schedule", Force: force,
	}})
	if err != nil {
		e.t.Fatal(err)
	}
}

// issues returns the audit issues djsec made.
func (e *env) issues() []githubtest.Issue {
	var out []githubtest.Issue
	for _, i := range e.repo.Issues() {
		if i.Title == auditissue.Title {
			out = append(out, i)
		}
	}
	return out
}

func (e *env) only() githubtest.Issue {
	e.t.Helper()
	is := e.issues()
	if len(is) != 1 {
		e.t.Fatalf("%d audit issues, want 1: %+v", len(is), is)
	}
	return is[0]
}

// edit changes the issue as a person would (through the API).
func (e *env) edit(number int, req *github.IssueRequest) {
	e.t.Helper()
	if _, _, err := e.client.Issues.Edit(githubapp.WithoutETagCache(context.Background()), e.repo.Owner, e.repo.Name, number, req); err != nil {
		e.t.Fatal(err)
	}
}

func patches(e *env) int { return e.gh.Count("PATCH /repos/{owner}/{repo}/issues/{issue_number}", 200) }

func TestFirstAuditThenUnchanged(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.repo.Commit("main", example(t, "startproject"))
	e.audit(false)
	is := e.only()
	if !strings.HasPrefix(is.Body, auditissue.Marker) || !strings.Contains(is.Body, "- [ ] **Disable DEBUG in production**") {
		t.Fatalf("body:\n%s", is.Body)
	}
	if len(is.Labels) != 1 || is.Labels[0] != auditissue.Label {
		t.Errorf("labels %v", is.Labels)
	}
	found := false
	for _, l := range e.repo.Labels() {
		found = found || l.Name == auditissue.Label
	}
	if !found {
		t.Error("label not created")
	}
	sha, _ := e.repo.Branch("main")
	if !strings.Contains(is.Body, "/octo-org/shop/blob/"+sha+"/mysite/settings.py#L") {
		t.Errorf("no permalink at the audited commit:\n%s", is.Body)
	}

	e.gh.ResetRequests()
	e.audit(false)
	if n := e.gh.Budget(); n > 1 {
		t.Errorf("unchanged repository: %d calls, budget 1:\n%s", n, e.gh.BudgetReport())
	}
	if patches(e) != 0 || e.only().Body != is.Body {
		t.Error("unchanged repository: the issue was edited")
	}
}

func TestChangeFlipsItemsAndTickSurvives(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	files := example(t, "startproject")
	e.repo.Commit("main", files)
	e.audit(false)
	first := e.only()
	ticks := auditissue.Ticks(first.Body)
	if ticks["s2.1"] || ticks["s1.5"] {
		t.Fatalf("ticks before anyone ticked: %v", ticks)
	}
	// A person ticks "Rotate SECRET_KEY" (manual).
	e.edit(first.Number, &github.IssueRequest{Body: github.Ptr(strings.Replace(first.Body,
		"- [ ] **Rotate SECRET_KEY** (generate new one) _(manual)_ <!-- djsec:item s1.5 -->",
		"- [x] **Rotate SECRET_KEY** (generate new one) _(manual)_ <!-- djsec:item s1.5 -->", 1))})
	if !auditissue.Ticks(e.only().Body)["s1.5"] {
		t.Fatal("test set-up: the tick did not land")
	}
	settings := files["mysite/settings.py"]
	if !strings.Contains(settings, "DEBUG = True") {
		t.Fatal("test set-up: no DEBUG = True in the example")
	}
	e.repo.Commit("main", map[string]string{"mysite/settings.py": strings.Replace(settings, "DEBUG = True", `DEBUG = os.environ.get("DJANGO_DEBUG") == "1"`, 1)})
	e.audit(false)
	second := e.only()
	got := auditissue.Ticks(second.Body)
	if !got["s2.1"] {
		t.Errorf("DEBUG fixed but s2.1 unticked:\n%s", second.Body)
	}
	if !got["s1.5"] {
		t.Error("the person's tick on s1.5 was lost")
	}
	if !strings.Contains(second.Body, "Up ") {
		t.Errorf("no score change stated:\n%s", second.Body[:600])
	}
	if !strings.Contains(second.Body, "xychart-beta") {
		t.Error("no chart after two audits")
	}
}

func TestClosedIssueReopensOnlyWhenSomethingNewFails(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	files := example(t, "startproject")
	e.repo.Commit("main", files)
	e.audit(false)
	is := e.only()
	e.edit(is.Number, &github.IssueRequest{State: github.Ptr("closed")})

	// Fixing something fails nothing new: the issue stays closed.
	settings := files["mysite/settings.py"]
	fixed := strings.Replace(settings, "DEBUG = True", "DEBUG = False", 1)
	e.repo.Commit("main", map[string]string{"mysite/settings.py": fixed})
	e.audit(false)
	if got := e.only(); got.State != "closed" {
		t.Fatalf("reopened although nothing new fails")
	} else if !auditissue.Ticks(got.Body)["s2.1"] {
		t.Error("the closed issue's body was not brought up to date")
	}

	// CORS opened to every origin: a new failing item reopens it.
	e.repo.Commit("main", map[string]string{"mysite/settings.py": fixed + "\nCORS_ALLOW_ALL_ORIGINS = True\nINSTALLED_APPS += [\"corsheaders\"]\n"})
	e.audit(false)
	got := e.only()
	if auditissue.Ticks(got.Body)["s2.3"] {
		t.Fatalf("test set-up: CORS item still passes:\n%s", got.Body)
	}
	if got.State != "open" {
		t.Error("something new fails but the issue stayed closed")
	}
}

func TestNotDjangoGetsNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.repo.Commit("main", map[string]string{"README.md": "# tool\n", "main.go": "package main\n", "scrapy.cfg": "[settings]\n",
		"crawler/settings.py": "BOT_NAME = 'crawler'\n", "requirements.txt": "scrapy==2.11\n"})
	e.audit(false)
	if len(e.repo.Issues()) != 0 || len(e.repo.Labels()) != 0 {
		t.Fatalf("a non-Django repository got an issue or a label")
	}
	for _, r := range e.gh.Requests() {
		if r.Method != "GET" && r.Route != githubtest.TokenRoute {
			t.Errorf("non-Django repository: %s %s", r.Method, r.Path)
		}
	}
	e.gh.ResetRequests()
	e.audit(false)
	if n := e.gh.Budget(); n > 1 {
		t.Errorf("unchanged non-Django repository: %d calls:\n%s", n, e.gh.BudgetReport())
	}
}

func TestDjangoFoundInManifest(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.repo.Commit("main", map[string]string{"requirements.txt": "Django==5.1\n", "config/settings.py": "DEBUG = True\nSECRET_KEY = 'x' * 60\n"})
	e.audit(false)
	if len(e.issues()) != 1 {
		t.Fatal("a Django project without manage.py got no issue")
	}
}

func TestIgnoreAppearsWithItsReason(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.repo.Commit("main", example(t, "startproject"))
	e.audit(false)
	if _, err := e.db.AddIgnore(context.Background(), store.Ignore{RepoID: e.repo.ID, Rule: "DJS201", Reason: "the demo site runs with DEBUG on purpose", By: "octocat", CreatedAt: clock}); err != nil {
		t.Fatal(err)
	}
	e.audit(false) // same commit, new ignore: analyzed again
	body := e.only().Body
	if !strings.Contains(body, "## Ignored") || !strings.Contains(body, "the demo site runs with DEBUG on purpose") {
		t.Errorf("no ignore trail:\n%s", body)
	}
	if !auditissue.Ticks(body)["s2.1"] {
		t.Error("the ignored finding still fails its item")
	}
}

func TestDuplicatesClosed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.repo.Commit("main", example(t, "startproject"))
	ctx := githubapp.WithoutETagCache(context.Background())
	for i := 0; i < 2; i++ {
		if _, _, err := e.client.Issues.Create(ctx, e.repo.Owner, e.repo.Name, &github.IssueRequest{Title: github.Ptr(auditissue.Title),
			Body: github.Ptr(auditissue.Marker + "\nold"), Labels: &[]string{auditissue.Label}}); err != nil {
			t.Fatal(err)
		}
	}
	e.audit(false)
	open := 0
	for _, i := range e.issues() {
		if i.State == "open" {
			open++
			if !strings.Contains(i.Body, "djsec:item") {
				t.Error("the kept issue was not updated")
			}
		}
	}
	if open != 1 || len(e.issues()) != 2 {
		t.Errorf("%d open of %d audit issues, want 1 of 2 (no third)", open, len(e.issues()))
	}
}

func TestForceAnalyzesAgainWithoutEditing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.repo.Commit("main", example(t, "startproject"))
	e.audit(false)
	before := e.only().Body
	e.gh.ResetRequests()
	e.audit(true)
	if e.gh.Budget() <= 1 {
		t.Error("a forced audit did not read the branch again")
	}
	// The score history grew (same score): the body says "Unchanged" now.
	if b := e.only().Body; b == before || !strings.Contains(b, "Unchanged since the previous audit.") {
		t.Errorf("forced audit body:\n%s", b[:400])
	}
}

func TestInstallationQueuesFirstAudits(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	other := e.gh.AddRepo(e.inst, "octo-org/other")
	p := jobs.Lookup[jobs.InstallationArgs](jobs.Registered(e.runner.Register))
	run := func(a jobs.InstallationArgs) []jobs.Args {
		e.queue.mu.Lock()
		e.queue.args = nil
		e.queue.mu.Unlock()
		a.Installation = 42
		if err := p.Process(context.Background(), jobs.Job[jobs.InstallationArgs]{Args: a}); err != nil {
			t.Fatal(err)
		}
		e.queue.mu.Lock()
		defer e.queue.mu.Unlock()
		return append([]jobs.Args(nil), e.queue.args...)
	}
	if got := run(jobs.InstallationArgs{Event: "installation", Action: "created", Added: []string{e.repo.FullName(), other.FullName()}}); len(got) != 2 {
		t.Errorf("installation created: %d audits queued, want 2", len(got))
	}
	got := run(jobs.InstallationArgs{Event: "installation_repositories", Action: "added", Added: []string{other.FullName()}})
	if len(got) != 1 || got[0].JobOrigin().Repo != other.FullName() {
		t.Errorf("repositories added: %+v", got)
	}
	for _, a := range []jobs.InstallationArgs{{Event: "installation", Action: "deleted"}, {Event: "installation_repositories", Action: "removed", Removed: []string{"octo-org/shop"}}} {
		if got := run(a); len(got) != 0 {
			t.Errorf("%s %s queued %d audits", a.Event, a.Action, len(got))
		}
	}
	// The queued first audit finds the repository's ID itself.
	e.repo.Commit("main", example(t, "startproject"))
	first := got[0].(jobs.AuditArgs)
	first.Repo = e.repo.FullName()
	if err := jobs.Lookup[jobs.AuditArgs](jobs.Registered(e.runner.Register)).Process(context.Background(), jobs.Job[jobs.AuditArgs]{Args: first}); err != nil {
		t.Fatal(err)
	}
	if len(e.issues()) != 1 {
		t.Error("the first audit made no issue")
	}
	if st, err := e.db.Audit(context.Background(), e.repo.ID); err != nil || st.IssueNumber != e.issues()[0].Number {
		t.Errorf("state under the repository's ID: %+v %v", st, err)
	}
	if err := e.runner.AuditNow(context.Background(), 42, e.repo.ID, e.repo.FullName()); err != nil {
		t.Fatal(err)
	}
	e.queue.mu.Lock()
	last := e.queue.args[len(e.queue.args)-1].(jobs.AuditArgs)
	e.queue.mu.Unlock()
	if !last.Force || last.Repo != e.repo.FullName() {
		t.Errorf("AuditNow queued %+v", last)
	}
}

func TestAuditDay(t *testing.T) {
	t.Parallel()
	e := newEnv(t) // the clock's first audit is on Monday 2026-11-30
	files := example(t, "startproject")
	files[".github/djsec.yml"] = "audit: wednesday\n"
	e.repo.Commit("main", files)
	e.audit(false)
	if len(e.issues()) != 0 {
		t.Fatal("audited on Monday although the repository chose Wednesday")
	}
	e.queue.mu.Lock()
	q := append([]jobs.Args(nil), e.queue.args...)
	e.queue.mu.Unlock()
	if len(q) != 1 || !q[0].(jobs.AuditArgs).NotBefore.Equal(clock.AddDate(0, 0, 7+2)) || q[0].(jobs.AuditArgs).Reason != "audit_day" {
		t.Fatalf("deferred audit: %+v", q)
	}
	e.repo.Commit("main", map[string]string{".github/djsec.yml": "audit: off\n"})
	e.audit(false)
	if len(e.issues()) != 0 {
		t.Error("audited although audit is off")
	}
	e.audit(true) // forced but scheduled: still off
	if len(e.issues()) != 0 {
		t.Error("a scheduled audit ran although audit is off")
	}
	if err := jobs.Lookup[jobs.AuditArgs](jobs.Registered(e.runner.Register)).Process(context.Background(), jobs.Job[jobs.AuditArgs]{Args: jobs.AuditArgs{
		Origin: jobs.Origin{Installation: 42, Repo: e.repo.FullName(), RepoID: e.repo.ID}, Reason: "command", Force: true}}); err != nil {
		t.Fatal(err)
	}
	if len(e.issues()) != 1 {
		t.Error("/djsec audit did not run with audit: off")
	}
}

// pushed delivers, as GitHub does after every push, a push event for the
// default branch's current head: the audit trusts these to skip unchanged
// repositories without a request.
func pushed(t testing.TB, r *auditrun.Runner, repos ...*githubtest.Repo) {
	t.Helper()
	p := jobs.Lookup[jobs.PushArgs](jobs.Registered(r.Register))
	for _, repo := range repos {
		sha, ok := repo.Branch(repo.DefaultBranch)
		if !ok {
			continue
		}
		err := p.Process(context.Background(), jobs.Job[jobs.PushArgs]{Args: jobs.PushArgs{
			Origin: jobs.Origin{Installation: 42, Repo: repo.FullName(), RepoID: repo.ID},
			Ref:    "refs/heads/" + repo.DefaultBranch, After: sha, DefaultBranch: repo.DefaultBranch,
		}})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// The label is created only when the repository lacks it: a POST that
// GitHub answers 422 still counts against its secondary limit on
// content-creating requests.
func TestExistingLabelNotCreatedAgain(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.repo.Commit("main", example(t, "startproject"))
	ctx := githubapp.WithoutETagCache(context.Background())
	if _, _, err := e.client.Issues.CreateLabel(ctx, e.repo.Owner, e.repo.Name, &github.Label{Name: github.Ptr(auditissue.Label), Color: github.Ptr("00ff00")}); err != nil {
		t.Fatal(err)
	}
	e.gh.ResetRequests()
	e.audit(false)
	const create = "POST /repos/{owner}/{repo}/labels"
	if n := e.gh.Count(create, 0); n != 0 {
		t.Errorf("%d label creations for a label the repository has", n)
	}
	if len(e.issues()) != 1 {
		t.Fatalf("%d audit issues, want 1", len(e.issues()))
	}
	// Without it, one creation.
	other := e.gh.AddRepo(e.inst, "octo-org/blog")
	other.Commit("main", example(t, "startproject"))
	e.repo = other
	e.gh.ResetRequests()
	e.audit(false)
	if n := e.gh.Count(create, 201); n != 1 || e.gh.Count(create, 0) != 1 {
		t.Errorf("%d label creations (%d answered 201) for a repository without it, want 1", e.gh.Count(create, 0), n)
	}
}
