package commandrun_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/djsec/djsec/githubapp"
	"github.com/djsec/djsec/jobs/commandrun/commands"
)

// Hostile comments and pull requests through the real webhook handler, the
// queue and the processors, GitHub played by githubtest.

// 10,000 /djsec lines in one comment: MaxCommands of them run, the rest are
// answered in one line of the one reply, and the REST calls stay bounded.
func TestTenThousandCommandLines(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	p := e.base()
	e.gh.ResetRequests()
	start := time.Now()
	id := e.post(comment{number: p.Number, pr: true, user: "reader", body: strings.Repeat("/djsec explain DJS201\n", 10000)})
	took := time.Since(start)
	r := e.onlyReply()
	if n := strings.Count(r.Body, "How to fix"); n > commands.MaxCommands {
		t.Errorf("%d explanations in the reply, want at most %d", n, commands.MaxCommands)
	}
	// The lines past the cap are answered together, in one line: by the
	// parser's cap or, as here after ten commands, the per-person rate
	// limit of as many a minute.
	if want := fmt.Sprintf("at most %d commands", commands.MaxCommands); !strings.Contains(r.Body, want) {
		t.Errorf("reply does not say %q:\n…%s", want, r.Body[max(0, len(r.Body)-1500):])
	}
	if strings.Count(r.Body, "Not run") != 1 {
		t.Errorf("%d refusals in the reply, want the overflow answered once", strings.Count(r.Body, "Not run"))
	}
	if len(r.Body) > 65536 {
		t.Errorf("reply is %d bytes, over GitHub's comment limit", len(r.Body))
	}
	if got := reactions(e, id); got != "eyes,confused" {
		t.Errorf("reactions %q, want eyes,confused (not everything ran)", got)
	}
	// 👀, the reply, 🚀 and the token: a handful, not thousands.
	if b := e.gh.Budget(); b > 10 {
		t.Errorf("%d REST calls for one comment:\n%s", b, e.gh.BudgetReport())
	}
	t.Logf("10,000 lines: %v, %d REST calls, reply %d bytes", took.Round(time.Millisecond), e.gh.Budget(), len(r.Body))
}

// Someone without write access sends every mutating command, 10,000 times
// over: each is refused, and nothing is recorded, rechecked, fixed or
// audited; permission is asked once.
func TestUnauthorizedMutationsDoNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.repo.Commit("main", map[string]string{"mysite/settings.py": hardened(t), ".gitignore": ".env\n"})
	p := e.pr("debug", map[string]string{"mysite/settings.py": debugOn(t)})
	e.repo.SetPermission("mallory", "triage")
	lines := []string{"/djsec fix", "/djsec recheck", "/djsec ignore DJS201 -- trust me", "/djsec unignore DJS201",
		"/djsec audit", "/djsec fix DJS201"}
	body := strings.Repeat(strings.Join(lines, "\n")+"\n", 10000/len(lines))
	checkRuns, pulls, issues := len(e.repo.CheckRuns()), len(e.repo.Pulls()), len(e.repo.Issues())
	e.gh.ResetRequests()
	id := e.post(comment{number: p.Number, pr: true, user: "mallory", body: body})

	if got := reactions(e, id); got != "eyes,confused" {
		t.Errorf("reactions %q, want eyes,confused", got)
	}
	if r := e.onlyReply().Body; !strings.Contains(r, "Nothing was changed") {
		t.Errorf("refusal:\n%.2000s", r)
	}
	if n := len(e.repo.CheckRuns()); n != checkRuns {
		t.Errorf("%d check runs after the refusal, %d before", n, checkRuns)
	}
	if n := len(e.repo.Pulls()); n != pulls {
		t.Errorf("%d pull requests after the refusal, %d before (a fix-up was opened)", n, pulls)
	}
	if n := len(e.repo.Issues()); n != issues {
		t.Errorf("%d issues after the refusal, %d before", n, issues)
	}
	igs, err := e.db.Ignores(context.Background(), e.repo.ID, 0)
	if err != nil || len(igs) != 0 {
		t.Errorf("ignores: %+v, %v", igs, err)
	}
	perm := 0
	for _, c := range e.gh.Requests() {
		if strings.Contains(c.Path, "/permission") {
			perm++
		}
		if c.Method != "GET" && !strings.Contains(c.Path, "/reactions") && !strings.Contains(c.Path, "/comments") &&
			!strings.HasSuffix(c.Path, "/access_tokens") {
			t.Errorf("a write other than the reply and reactions: %s %s", c.Method, c.Path)
		}
	}
	if perm != 1 {
		t.Errorf("permission asked %d times, want 1", perm)
	}
}

// A comment and a pull request from an installation djsec does not know
// (forged, or of an installation since removed): each job fails once,
// permanently, and nothing is written anywhere.
func TestUnknownInstallation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	p := e.base()
	c := comment{number: p.Number, pr: true, user: "someone", body: "/djsec ignore DJS201 -- forged\n/djsec help"}
	body := e.payload(&c)
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	m["installation"] = map[string]any{"id": 987654321}
	body, _ = json.Marshal(m)
	e.gh.ResetRequests()
	id, queued := e.deliver("issue_comment", body)
	if !queued {
		t.Fatal("not queued")
	}
	e.s.WaitAttempt(t, id)
	// Let any retries happen (the test queue retries after 10ms, 3 attempts).
	e.s.WaitIdle(t)
	attempts := e.s.Attempts(id)
	if len(attempts) != 1 || attempts[0] == nil {
		t.Errorf("attempts %v, want one permanent failure", attempts)
	}
	for _, c := range e.gh.Requests() {
		if c.Method != "GET" && !strings.HasSuffix(c.Path, "/access_tokens") {
			t.Errorf("write for an unknown installation: %s %s → %d", c.Method, c.Path, c.Status)
		}
		if strings.Contains(c.Path, "/installations/") && !strings.Contains(c.Path, "987654321") {
			t.Errorf("asked for another installation's token: %s", c.Path)
		}
	}
	igs, err := e.db.Ignores(context.Background(), e.repo.ID, 0)
	if err != nil || len(igs) != 0 {
		t.Errorf("ignores: %+v, %v", igs, err)
	}
	t.Logf("attempts: %v", attempts)

	// The same for a pull request: no check run, one attempt.
	p2 := e.pr("forged", map[string]string{"mysite/settings.py": debugOn(t)})
	var pm map[string]any
	if err := json.Unmarshal(e.gh.PullRequestEvent(t, e.repo, p2.Number, "opened"), &pm); err != nil {
		t.Fatal(err)
	}
	pm["installation"] = map[string]any{"id": 987654321}
	body, _ = json.Marshal(pm)
	runs := len(e.repo.CheckRuns())
	id, queued = e.deliver("pull_request", body)
	if !queued {
		t.Fatal("pull request not queued")
	}
	e.s.WaitIdle(t)
	attempts = e.s.Attempts(id)
	if len(attempts) != 1 || attempts[0] == nil {
		t.Errorf("pull request attempts %v, want one permanent failure", attempts)
	}
	if n := len(e.repo.CheckRuns()); n != runs {
		t.Errorf("%d check runs, %d before", n, runs)
	}
}

// A pull request whose file names climb out of the repository: the check
// completes, and no request goes anywhere but this repository's API (the
// names are neither read nor used to build a URL that resolves elsewhere).
func TestPathTraversalFileNames(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.repo.Commit("main", map[string]string{"mysite/settings.py": hardened(t), ".gitignore": ".env\n"})
	evil := map[string]string{
		"../../etc/passwd":                             "root:x:0:0\n",
		"../../private/contents/settings.py":           "DEBUG = True\n",
		"a/../../x/settings.py":                        "DEBUG = True\n",
		"/etc/settings.py":                             "DEBUG = True\n",
		"mysite/../../../../../user/settings.py":       "DEBUG = True\n",
		"mysite/./settings/../../requirements.txt":     "django==1.0\n",
		"../../../../../../../../etc/shadow/.env":      "SECRET_KEY=x\n",
		"mysite/settings/..":                           "DEBUG = True\n",
		"mysite//settings.py":                          "DEBUG = True\n",
		"C:\\Windows\\settings.py":                     "DEBUG = True\n",
		"mysite/%2e%2e/%2e%2e/private/settings.py":     "DEBUG = True\n",
		"mysite/settings.py?ref=main#/../../../x.py":   "DEBUG = True\n",
		"mysite/settings/\x00/../../../../settings.py": "DEBUG = True\n",
	}
	// Without patches (as GitHub sends for big diffs) the check must
	// fetch each file by name.
	for name := range evil {
		e.repo.OmitPatch(name)
	}
	p := e.pr("evil", evil)
	e.gh.ResetRequests()
	id, queued := e.deliver("pull_request", e.gh.PullRequestEvent(t, e.repo, p.Number, "opened"))
	if !queued {
		t.Fatal("not queued")
	}
	e.wait(id)
	for _, c := range e.gh.Requests() {
		ok := strings.HasPrefix(c.Path, "/repos/octo-org/mysite/") || strings.HasPrefix(c.Path, "/app/installations/42/")
		if !ok {
			t.Errorf("request outside the repository: %s %s?%s", c.Method, c.Path, c.RawQuery)
		}
		// c.Path is decoded once: "%2e%2e" in it was sent as %252e%252e,
		// a literal file name GitHub does not resolve.
		if file, isContents := strings.CutPrefix(c.Path, "/repos/octo-org/mysite/contents/"); isContents && !githubapp.ValidRepoPath(file) {
			t.Errorf("read a file by a forged name: %s %s", c.Method, c.Path)
		}
	}
	runs := e.repo.CheckRuns()
	if len(runs) == 0 || runs[len(runs)-1].Status != "completed" {
		t.Fatalf("no completed check run: %+v", runs)
	}
	out, _ := json.Marshal(runs[len(runs)-1])
	if !strings.Contains(string(out), "not a relative path inside the repository") {
		t.Errorf("the check run does not say the forged names were not read:\n%s", out)
	}
	t.Logf("%d requests:\n%s", len(e.gh.Requests()), e.gh.BudgetReport())
}

// Settings crafted to blow up the evaluator (checks/testdata/hostile), in
// a pull request: the check run completes, in bounded time, through the
// analyzer, the base/head comparison and the annotations.
func TestHostileSettingsPullRequest(t *testing.T) {
	t.Parallel()
	paths, err := filepath.Glob(filepath.Join("..", "..", "checks", "testdata", "hostile", "*.py.txt"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no hostile settings: %v", err)
	}
	e := newEnv(t, envOptions{})
	e.repo.Commit("main", map[string]string{"mysite/settings.py": hardened(t), ".gitignore": ".env\n"})
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(filepath.Base(p), ".py.txt")
		pr := e.pr("hostile-"+name, map[string]string{"mysite/settings.py": string(src)})
		start := time.Now()
		id, queued := e.deliver("pull_request", e.gh.PullRequestEvent(t, e.repo, pr.Number, "opened"))
		if !queued {
			t.Fatalf("%s: not queued", name)
		}
		e.wait(id)
		if took := time.Since(start); took > 20*time.Second {
			t.Errorf("%s: check took %v", name, took)
		}
		var done bool
		for _, r := range e.repo.CheckRuns() {
			if r.HeadSHA == e.repo.Pull(pr.Number).HeadSHA && r.Status == "completed" {
				done = true
			}
		}
		if !done {
			t.Errorf("%s: no completed check run", name)
		}
	}
}
