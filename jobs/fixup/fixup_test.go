package fixup_test

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/djsec/djsec/checks"
	"github.com/djsec/djsec/githubapp"
	"github.com/djsec/djsec/githubapp/githubtest"
	"github.com/djsec/djsec/jobs"
	"github.com/djsec/djsec/jobs/checkrun"
	"github.com/djsec/djsec/jobs/checkrun/review"
	"github.com/djsec/djsec/jobs/fixup"
	"github.com/djsec/djsec/store"
	"github.com/djsec/djsec/store/storetest"
)

const unsafeSettings = `import os

SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
DEBUG = True
ALLOWED_HOSTS = ["example.com"]
LOGGING = {
    "version": 1,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.security": {"handlers": ["console"], "level": "WARNING"}},
}
`

const safeSettings = `import os

SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
DEBUG = os.environ.get("DJANGO_DEBUG", "") == "1"
ALLOWED_HOSTS = ["example.com"]
LOGGING = {
    "version": 1,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.security": {"handlers": ["console"], "level": "WARNING"}},
}
`

// debugEngine is a one-rule fixer for the tests (package fixes is the
// real one): DEBUG = True becomes an environment read with a false default.
var debugEngine = fixup.EngineFunc(func(ctx context.Context, in checks.Input, rules []string) (*fixup.Result, error) {
	res := &fixup.Result{Files: map[string][]byte{}}
	for p, b := range in.Files {
		if !bytes.Contains(b, []byte("DEBUG = True\n")) {
			continue
		}
		res.Files[p] = bytes.Replace(b, []byte("DEBUG = True\n"), []byte(`DEBUG = os.environ.get("DJANGO_DEBUG", "") == "1"`+"\n"), 1)
		res.Changes = append(res.Changes, fixup.Change{Rule: "DJS201", Path: p, Description: "DEBUG from DJANGO_DEBUG, false by default"})
		res.EnvVars = append(res.EnvVars, fixup.EnvVar{Name: "DJANGO_DEBUG", Description: "1 turns DEBUG on (development only)", Example: "0"})
	}
	return res, nil
})

type env struct {
	gh      *githubtest.Server
	repo    *githubtest.Repo
	fx      *fixup.Fixup
	clients *githubapp.ClientCreator
	db      *store.DB
}

func newEnv(t *testing.T) *env {
	t.Helper()
	// GitHub's write limits (80 a minute) on a 250 ms minute, and the
	// client pacing its writes to them for real: a fix-up of 150 files
	// writes 150 blobs.
	gh := githubtest.New(t, githubtest.WithWriteLimits(githubtest.DefaultWritesPerMinute, githubtest.DefaultWritesPerHour, writeMinute))
	inst := gh.AddInstallation(42, "octo-org")
	repo := gh.AddRepo(inst, "octo-org/mysite")
	db := storetest.Open(t, storetest.SQLiteURL(t))
	clients, err := githubapp.NewClientCreator(githubapp.Config{
		BaseURL: gh.URL, AppID: gh.AppID(), PrivateKey: gh.AppPrivateKeyPEM(), ETags: db.ETags(),
		Sleep:  func(ctx context.Context, d time.Duration) error { return ctx.Err() },
		Writes: githubapp.WritePolicy{Minute: writeMinute, Sleep: realSleep},
	})
	if err != nil {
		t.Fatal(err)
	}
	fx, err := fixup.New(fixup.Options{Clients: clients, DB: db, Engine: debugEngine})
	if err != nil {
		t.Fatal(err)
	}
	return &env{gh: gh, repo: repo, fx: fx, clients: clients, db: db}
}

func (e *env) request(pr int) fixup.Request {
	return fixup.Request{Installation: 42, Repo: "octo-org/mysite", RepoID: e.repo.ID, PR: pr}
}

func criticals(t *testing.T, files map[string][]byte) []string {
	t.Helper()
	var out []string
	for _, f := range checks.Analyze(context.Background(), checks.Input{Files: files, Audit: true}).Findings {
		if f.Severity >= checks.Critical {
			out = append(out, f.Rule)
		}
	}
	return out
}

func TestSameRepoPullRequest(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	e.repo.Commit("main", map[string]string{"mysite/settings.py": safeSettings})
	head := e.repo.Commit("feature", map[string]string{"mysite/settings.py": unsafeSettings})
	pr := e.repo.AddPull(githubtest.Pull{HeadRef: "feature"})
	if got := criticals(t, map[string][]byte{"mysite/settings.py": []byte(unsafeSettings)}); len(got) == 0 {
		t.Fatal("the test's settings have no critical finding")
	}

	if err := e.fx.Run(ctx, e.request(pr.Number)); err != nil {
		t.Fatal(err)
	}
	fixups := openFixups(e.repo)
	if len(fixups) != 1 {
		t.Fatalf("open fix-up pull requests: %d, want 1", len(fixups))
	}
	fp := fixups[0]
	if fp.BaseRef != "feature" || fp.HeadRef != fixup.Branch(pr.Number) {
		t.Errorf("fix-up %s → %s, want %s → feature", fp.HeadRef, fp.BaseRef, fixup.Branch(pr.Number))
	}
	if !strings.Contains(fp.Title, "djsec: fix 1 ") || !strings.Contains(fp.Title, "#1") || !strings.Contains(fp.Body, "| DJS201 | `mysite/settings.py` |") || !strings.Contains(fp.Body, "DJANGO_DEBUG") {
		t.Errorf("title %q body %q", fp.Title, fp.Body)
	}
	fixed, _ := e.repo.File(fixup.Branch(pr.Number), "mysite/settings.py")
	if fixed != safeSettings {
		t.Errorf("fixed settings:\n%s", fixed)
	}
	if got := criticals(t, map[string][]byte{"mysite/settings.py": []byte(fixed)}); len(got) != 0 {
		t.Errorf("critical findings left after the fix: %v", got)
	}
	// One commit on top of the pull request's head.
	if n := e.gh.Count("POST /repos/{owner}/{repo}/git/commits", 201); n != 1 {
		t.Errorf("commits made: %d", n)
	}
	if _, ok := e.repo.File(head, "mysite/settings.py"); !ok {
		t.Error("head lost")
	}
	if !commented(e.repo, pr.Number, "#"+itoa(fp.Number)) {
		t.Error("no comment on the original pull request linking the fix-up")
	}

	// A second event: no second pull request.
	if err := e.fx.Run(ctx, e.request(pr.Number)); err != nil {
		t.Fatal(err)
	}
	// The fix-up's own events: no fix-up of the fix-up.
	if err := e.fx.Run(ctx, e.request(fp.Number)); err != nil {
		t.Fatal(err)
	}
	if n := len(openFixups(e.repo)); n != 1 {
		t.Errorf("open fix-up pull requests after a second event: %d, want 1", n)
	}

	// The author fixes it themselves: the fix-up is closed.
	e.repo.Commit("feature", map[string]string{"mysite/settings.py": safeSettings})
	if err := e.fx.Run(ctx, e.request(pr.Number)); err != nil {
		t.Fatal(err)
	}
	if n := len(openFixups(e.repo)); n != 0 {
		t.Errorf("open fix-up pull requests after the findings are gone: %d, want 0", n)
	}
	if !commented(e.repo, fp.Number, "Closing") {
		t.Error("no closing comment on the fix-up")
	}
}

func TestNothingToFixStaysQuiet(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.repo.Commit("feature", map[string]string{"mysite/settings.py": safeSettings})
	pr := e.repo.AddPull(githubtest.Pull{HeadRef: "feature"})
	if err := e.fx.Run(context.Background(), e.request(pr.Number)); err != nil {
		t.Fatal(err)
	}
	if len(e.repo.Pulls()) != 1 || len(e.repo.Comments()) != 0 {
		t.Errorf("pulls %d comments %d, want 1 and 0", len(e.repo.Pulls()), len(e.repo.Comments()))
	}
}

func TestAutoNeedsConfig(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.repo.Commit("feature", map[string]string{"mysite/settings.py": unsafeSettings})
	pr := e.repo.AddPull(githubtest.Pull{HeadRef: "feature"})
	r := e.request(pr.Number)
	r.Auto = true
	// The default is "command": a push alone opens nothing.
	if err := e.fx.Run(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if n := len(openFixups(e.repo)); n != 0 {
		t.Errorf("fix-up opened without fix_prs: auto")
	}
	e.repo.Commit("main", map[string]string{".github/djsec.yml": "fix_prs: auto\n"})
	if err := e.fx.Run(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if n := len(openFixups(e.repo)); n != 1 {
		t.Errorf("open fix-ups with fix_prs: auto: %d, want 1", n)
	}
}

func TestRefusedLeavesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.repo.Commit("feature", map[string]string{"mysite/settings.py": unsafeSettings})
	pr := e.repo.AddPull(githubtest.Pull{HeadRef: "feature"})
	e.gh.FailTimes("POST /repos/{owner}/{repo}/pulls", 1, 403)
	if err := e.fx.Run(context.Background(), e.request(pr.Number)); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.repo.Branch(fixup.Branch(pr.Number)); ok {
		t.Error("the fix-up branch was left behind")
	}
	if !commented(e.repo, pr.Number, "403") {
		t.Error("no comment saying what happened")
	}
}

func TestForkGetsSuggestions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.repo.Commit("main", map[string]string{"mysite/settings.py": safeSettings, "other/settings.py": unsafeSettings})
	e.repo.Commit("fork-feature", map[string]string{"mysite/settings.py": unsafeSettings})
	pr := e.repo.AddPull(githubtest.Pull{HeadRef: "fork-feature", HeadRepo: "someone/mysite"})
	if err := e.fx.Run(context.Background(), e.request(pr.Number)); err != nil {
		t.Fatal(err)
	}
	if n := len(openFixups(e.repo)); n != 0 {
		t.Errorf("a fork got a fix-up pull request")
	}
	if _, ok := e.repo.Branch(fixup.Branch(pr.Number)); ok {
		t.Error("pushed a branch for a fork")
	}
	rv := e.repo.Reviews(pr.Number)
	if len(rv) != 1 {
		t.Fatalf("reviews: %d, want 1", len(rv))
	}
	if len(rv[0].Comments) != 1 || rv[0].Comments[0]["path"] != "mysite/settings.py" ||
		!strings.Contains(rv[0].Comments[0]["body"].(string), "```suggestion\nDEBUG = os.environ.get") {
		t.Errorf("review comments: %v", rv[0].Comments)
	}
	// The unchanged file's fix is outside the diff: in the body only.
	if !strings.Contains(rv[0].Body, "other/settings.py") {
		t.Errorf("review body: %s", rv[0].Body)
	}
	// Later pushes post no second review unless a person asks.
	e.repo.Commit("fork-feature", map[string]string{"README.md": "more\n"})
	auto := e.request(pr.Number)
	auto.Auto = true
	e.repo.Commit("main", map[string]string{".github/djsec.yml": "fix_prs: auto\n"})
	if err := e.fx.Run(context.Background(), auto); err != nil {
		t.Fatal(err)
	}
	if n := len(e.repo.Reviews(pr.Number)); n != 1 {
		t.Errorf("reviews after a push: %d, want 1", n)
	}
}

func openFixups(r *githubtest.Repo) []githubtest.Pull {
	var out []githubtest.Pull
	for _, p := range r.Pulls() {
		if p.State == "open" && strings.HasPrefix(p.HeadRef, "djsec/fix/") {
			out = append(out, p)
		}
	}
	return out
}

func commented(r *githubtest.Repo, n int, want string) bool {
	for _, c := range r.Comments() {
		if c.IssueNumber == n && strings.Contains(c.Body, want) {
			return true
		}
	}
	return false
}

func itoa(n int) string { return strconv.Itoa(n) }

// movingEngine pushes to the head branch while the first moves fixes are
// being made, as an author pushing during the build would.
func movingEngine(repo *githubtest.Repo, moves int) fixup.Engine {
	n := 0
	return fixup.EngineFunc(func(ctx context.Context, in checks.Input, rules []string) (*fixup.Result, error) {
		if n < moves {
			n++
			repo.Commit("feature", map[string]string{"README.md": "push " + strconv.Itoa(n) + "\n"})
		}
		return debugEngine(ctx, in, rules)
	})
}

func TestHeadMoved(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		moves  int
		opened bool
	}{
		{"once: rebuilt on the new head", 1, true},
		{"twice: given up with a comment", 2, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.repo.Commit("feature", map[string]string{"mysite/settings.py": unsafeSettings})
			pr := e.repo.AddPull(githubtest.Pull{HeadRef: "feature"})
			fx, err := fixup.New(fixup.Options{Clients: e.clients, DB: e.db, Engine: movingEngine(e.repo, tt.moves)})
			if err != nil {
				t.Fatal(err)
			}
			if err := fx.Run(context.Background(), e.request(pr.Number)); err != nil {
				t.Fatal(err)
			}
			fixups := openFixups(e.repo)
			if got := len(fixups) == 1; got != tt.opened {
				t.Fatalf("fix-up opened: %v, want %v", got, tt.opened)
			}
			if tt.opened {
				// Built on the latest head: the pushed README is there.
				if got, _ := e.repo.File(fixup.Branch(pr.Number), "README.md"); got != "push 1\n" {
					t.Errorf("fix-up not built on the new head: README %q", got)
				}
				return
			}
			if !commented(e.repo, pr.Number, "moved twice") {
				t.Error("no comment after giving up")
			}
			if _, ok := e.repo.Branch(fixup.Branch(pr.Number)); ok {
				t.Error("a fix-up branch was left behind")
			}
		})
	}
}

// A fix-up opened on request (fix_prs: command) follows later pushes.
func TestRequestedFixupFollowsPushes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	e.repo.Commit("feature", map[string]string{"mysite/settings.py": unsafeSettings})
	pr := e.repo.AddPull(githubtest.Pull{HeadRef: "feature"})
	if err := e.fx.Run(ctx, e.request(pr.Number)); err != nil {
		t.Fatal(err)
	}
	e.repo.Commit("feature", map[string]string{"README.md": "more\n"})
	auto := e.request(pr.Number)
	auto.Auto = true
	if err := e.fx.Run(ctx, auto); err != nil {
		t.Fatal(err)
	}
	if n := len(openFixups(e.repo)); n != 1 {
		t.Fatalf("open fix-ups: %d, want 1", n)
	}
	if got, _ := e.repo.File(fixup.Branch(pr.Number), "README.md"); got != "more\n" {
		t.Errorf("fix-up branch not refreshed on the new head: README %q", got)
	}
	if got, _ := e.repo.File(fixup.Branch(pr.Number), "mysite/settings.py"); got != safeSettings {
		t.Errorf("refreshed settings:\n%s", got)
	}
}

// The check run's button reaches the fix-up through checkrun.FixRequester.
func TestFixButton(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.repo.Commit("feature", map[string]string{"mysite/settings.py": unsafeSettings})
	pr := e.repo.AddPull(githubtest.Pull{HeadRef: "feature"})
	var req checkrun.FixRequester = e.fx
	o := jobs.Origin{Installation: 42, Repo: "octo-org/mysite", RepoID: e.repo.ID}
	// A commit no pull request is known for: nothing to do.
	if err := req.RequestFix(context.Background(), jobs.FixRequest{Origin: o}); err != nil {
		t.Fatal(err)
	}
	if n := len(openFixups(e.repo)); n != 0 {
		t.Fatalf("open fix-ups without a pull request: %d", n)
	}
	if err := req.RequestFix(context.Background(), jobs.FixRequest{Origin: o, PR: pr.Number, HeadSHA: pr.HeadSHA}); err != nil {
		t.Fatal(err)
	}
	if n := len(openFixups(e.repo)); n != 1 {
		t.Errorf("open fix-ups after the button: %d, want 1", n)
	}
}

// /djsec fix RULE fixes only the rules named.
func TestRulesNamed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.repo.Commit("feature", map[string]string{"mysite/settings.py": unsafeSettings})
	pr := e.repo.AddPull(githubtest.Pull{HeadRef: "feature"})
	if err := e.fx.RequestFixRules(context.Background(), 42, "octo-org/mysite", e.repo.ID, pr.Number, []string{"DJS101"}); err != nil {
		t.Fatal(err)
	}
	if n := len(openFixups(e.repo)); n != 0 {
		t.Errorf("a fix-up for a rule with no finding")
	}
	if err := e.fx.RequestFixRules(context.Background(), 42, "octo-org/mysite", e.repo.ID, pr.Number, []string{"djs201"}); err != nil {
		t.Fatal(err)
	}
	if n := len(openFixups(e.repo)); n != 1 {
		t.Errorf("open fix-ups for DJS201: %d, want 1", n)
	}
}

// After the check of a push, fix_prs: auto opens the fix-up when the review
// holds a fixable critical finding; otherwise nothing is asked of GitHub.
func TestAfterReview(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.repo.Commit("main", map[string]string{".github/djsec.yml": "fix_prs: auto\n"})
	e.repo.Commit("feature", map[string]string{"mysite/settings.py": unsafeSettings})
	pr := e.repo.AddPull(githubtest.Pull{HeadRef: "feature"})
	o := jobs.Origin{Installation: 42, Repo: "octo-org/mysite", RepoID: e.repo.ID}
	critical := &review.Result{New: []checks.Finding{{Rule: "DJS201", Severity: checks.Critical, Fixable: true, Path: "mysite/settings.py", Line: 3}}}
	auto := checks.DefaultConfig()
	auto.FixPRs = "auto"
	ctx := context.Background()

	before := e.gh.Budget()
	for _, c := range []struct {
		name string
		cfg  *checks.Config
		res  *review.Result
	}{
		{"fix_prs: command", checks.DefaultConfig(), critical},
		{"no fixable critical finding", auto, &review.Result{New: []checks.Finding{{Rule: "DJS402", Severity: checks.High, Fixable: true}}}},
		{"suppressed", auto, &review.Result{Suppressed: critical.New}},
		{"no config", nil, critical},
	} {
		if err := e.fx.AfterReview(ctx, o, pr.Number, c.cfg, c.res); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
	}
	if calls := e.gh.Budget() - before; calls != 0 {
		t.Fatalf("AfterReview with nothing to do made %d GitHub calls:\n%s", calls, e.gh.BudgetReport())
	}
	if n := len(openFixups(e.repo)); n != 0 {
		t.Fatalf("fix-ups opened with nothing to do: %d", n)
	}
	if err := e.fx.AfterReview(ctx, o, pr.Number, auto, critical); err != nil {
		t.Fatal(err)
	}
	if n := len(openFixups(e.repo)); n != 1 {
		t.Errorf("open fix-ups %d, want 1", n)
	}
}

// A fix-up a person closed stays closed on later pushes; asking again
// opens a new one.
func TestClosedByAPerson(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	e.repo.Commit("main", map[string]string{".github/djsec.yml": "fix_prs: auto\n"})
	e.repo.Commit("feature", map[string]string{"mysite/settings.py": unsafeSettings})
	pr := e.repo.AddPull(githubtest.Pull{HeadRef: "feature"})
	auto := e.request(pr.Number)
	auto.Auto = true
	if err := e.fx.Run(ctx, auto); err != nil {
		t.Fatal(err)
	}
	fixups := openFixups(e.repo)
	if len(fixups) != 1 {
		t.Fatalf("open fix-ups: %d, want 1", len(fixups))
	}
	e.repo.ClosePull(fixups[0].Number)
	e.repo.Commit("feature", map[string]string{"README.md": "more\n"})
	if err := e.fx.Run(ctx, auto); err != nil {
		t.Fatal(err)
	}
	if n := len(openFixups(e.repo)); n != 0 {
		t.Errorf("a push reopened a fix-up a person closed: %d open", n)
	}
	if err := e.fx.Run(ctx, e.request(pr.Number)); err != nil {
		t.Fatal(err)
	}
	if n := len(openFixups(e.repo)); n != 1 {
		t.Errorf("open fix-ups after asking again: %d, want 1", n)
	}
}

// writeMinute is the fake's and the pacer's minute in these tests.
const writeMinute = 250 * time.Millisecond

func realSleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
