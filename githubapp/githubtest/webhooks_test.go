package githubtest

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-github/v88/github"
)

// The embedded examples are the repository's (testdata/webhooks), copied
// because go:embed cannot reach outside the package.
func TestExamplePayloadsAreTheRepositorys(t *testing.T) {
	t.Parallel()
	entries, err := examplePayloads.ReadDir("testdata/webhooks")
	if err != nil || len(entries) == 0 {
		t.Fatalf("embedded examples: %v", err)
	}
	for _, e := range entries {
		ours, _ := examplePayloads.ReadFile("testdata/webhooks/" + e.Name())
		theirs, err := os.ReadFile(filepath.Join("..", "..", "testdata", "webhooks", e.Name()))
		if err != nil || !bytes.Equal(ours, theirs) {
			t.Errorf("testdata/webhooks/%s differs from the repository's copy (%v)", e.Name(), err)
		}
	}
}

// parse decodes a payload as go-github does, after checking nothing in it
// points at the example's repository or at GitHub itself.
func parse[T any](t *testing.T, event string, payload []byte) T {
	t.Helper()
	for _, stale := range []string{"api.github.com", "Codertocat/Hello-World", "electron/electron", "github/hello-world"} {
		if bytes.Contains(payload, []byte(stale)) {
			t.Errorf("%s payload mentions %s", event, stale)
		}
	}
	ev, err := github.ParseWebHook(event, payload)
	if err != nil {
		t.Fatalf("%s: %v", event, err)
	}
	out, ok := ev.(T)
	if !ok {
		t.Fatalf("%s parsed as %T", event, ev)
	}
	return out
}

func TestPullRequestEvent(t *testing.T) {
	t.Parallel()
	s := New(t)
	repo := s.AddRepo(s.AddInstallation(77, "o"), "o/r")
	repo.Commit("main", map[string]string{"settings.py": "DEBUG = False\n"})
	first := repo.Commit("feature", map[string]string{"settings.py": "DEBUG = True\n"})
	pr := repo.AddPull(Pull{HeadRef: "feature", User: "alice", Draft: true})

	ev := parse[*github.PullRequestEvent](t, "pull_request", s.PullRequestEvent(t, repo, pr.Number, "opened"))
	p := ev.GetPullRequest()
	if ev.GetAction() != "opened" || ev.GetNumber() != pr.Number || p.GetNumber() != pr.Number ||
		p.GetHead().GetSHA() != first || p.GetHead().GetRef() != "feature" || p.GetBase().GetSHA() != pr.BaseSHA || p.GetBase().GetRef() != "main" ||
		p.GetHead().GetRepo().GetFullName() != "o/r" || p.GetBase().GetRepo().GetFullName() != "o/r" ||
		!p.GetDraft() || p.GetChangedFiles() != 1 || p.GetAdditions() != 1 || p.GetDeletions() != 1 || p.GetCommits() != 1 ||
		ev.GetRepo().GetFullName() != "o/r" || ev.GetRepo().GetID() != repo.ID || ev.GetInstallation().GetID() != 77 ||
		ev.GetSender().GetLogin() != "alice" || ev.GetBefore() != "" || p.GetUpdatedAt().IsZero() {
		t.Errorf("opened: %s", s.PullRequestEvent(t, repo, pr.Number, "opened"))
	}

	second := repo.Commit("feature", map[string]string{"b.py": "B = 1\n"})
	repo.SetDraft(pr.Number, false)
	ev = parse[*github.PullRequestEvent](t, "pull_request", s.PullRequestEvent(t, repo, pr.Number, "synchronize", Sender("bob")))
	if ev.GetAction() != "synchronize" || ev.GetBefore() != first || ev.GetAfter() != second || ev.GetPullRequest().GetHead().GetSHA() != second ||
		ev.GetPullRequest().GetChangedFiles() != 2 || ev.GetPullRequest().GetDraft() || ev.GetSender().GetLogin() != "bob" {
		t.Errorf("synchronize: before %s after %s head %s", ev.GetBefore(), ev.GetAfter(), ev.GetPullRequest().GetHead().GetSHA())
	}
	ev = parse[*github.PullRequestEvent](t, "pull_request", s.PullRequestEvent(t, repo, pr.Number, "ready_for_review"))
	if ev.GetAction() != "ready_for_review" || ev.GetBefore() != "" {
		t.Errorf("ready_for_review: %s %s", ev.GetAction(), ev.GetBefore())
	}

	// A fork: head.repo is not base.repo.
	repo.Commit("mallory-main", map[string]string{"settings.py": "DEBUG = True\nSECRET_KEY = 'x'\n"})
	fork := repo.AddPull(Pull{HeadRef: "mallory-main", HeadRepo: "mallory/r", User: "mallory"})
	ev = parse[*github.PullRequestEvent](t, "pull_request", s.PullRequestEvent(t, repo, fork.Number, "opened"))
	head, base := ev.GetPullRequest().GetHead(), ev.GetPullRequest().GetBase()
	if head.GetRepo().GetFullName() != "mallory/r" || head.GetRepo().GetCloneURL() != "https://github.com/mallory/r.git" || !head.GetRepo().GetFork() || head.GetRepo().GetID() == base.GetRepo().GetID() ||
		base.GetRepo().GetFullName() != "o/r" || head.GetUser().GetLogin() != "mallory" || head.GetSHA() != fork.HeadSHA {
		t.Errorf("fork: head %s (%d), base %s (%d)", head.GetRepo().GetFullName(), head.GetRepo().GetID(), base.GetRepo().GetFullName(), base.GetRepo().GetID())
	}
}

func TestCheckEvents(t *testing.T) {
	t.Parallel()
	s := New(t)
	repo := s.AddRepo(s.AddInstallation(5, "o"), "o/r")
	head := repo.Commit("feature", map[string]string{"a.py": "A = 1\n"})
	pr := repo.AddPull(Pull{HeadRef: "feature"})
	c := client{t, s.URL, "token " + s.token(t, 5)}
	r, body := c.do("POST", "/repos/o/r/check-runs", `{"name":"djsec","head_sha":"`+head+`","conclusion":"failure","external_id":"djsec:x"}`)
	var run struct {
		ID         int64
		CheckSuite struct{ ID int64 } `json:"check_suite"`
	}
	if err := json.Unmarshal([]byte(body), &run); err != nil || r.StatusCode != 201 {
		t.Fatalf("create: %d %s", r.StatusCode, body)
	}

	ev := parse[*github.CheckRunEvent](t, "check_run", s.CheckRunEvent(t, repo, "requested_action", run.ID, "fix", Sender("alice")))
	cr := ev.GetCheckRun()
	if ev.GetAction() != "requested_action" || ev.GetRequestedAction().Identifier != "fix" || cr.GetID() != run.ID || cr.GetHeadSHA() != head ||
		cr.GetExternalID() != "djsec:x" || cr.GetConclusion() != "failure" || cr.GetApp().GetID() != s.AppID() ||
		cr.GetCheckSuite().GetID() != run.CheckSuite.ID || cr.GetCheckSuite().GetApp().GetID() != s.AppID() ||
		len(cr.PullRequests) != 1 || cr.PullRequests[0].GetNumber() != pr.Number ||
		ev.GetInstallation().GetID() != 5 || ev.GetSender().GetLogin() != "alice" || ev.GetRepo().GetFullName() != "o/r" || ev.GetOrg().GetLogin() != "o" {
		t.Errorf("requested_action: %s", s.CheckRunEvent(t, repo, "requested_action", run.ID, "fix"))
	}
	ev = parse[*github.CheckRunEvent](t, "check_run", s.CheckRunEvent(t, repo, "rerequested", run.ID, "", FromApp(2)))
	if ev.GetAction() != "rerequested" || ev.RequestedAction != nil || ev.GetCheckRun().GetApp().GetID() != 2 || ev.GetCheckRun().GetCheckSuite().GetApp().GetID() != 2 {
		t.Errorf("rerequested for another app: app %d", ev.GetCheckRun().GetApp().GetID())
	}

	sev := parse[*github.CheckSuiteEvent](t, "check_suite", s.CheckSuiteEvent(t, repo, "rerequested", head))
	cs := sev.GetCheckSuite()
	if sev.GetAction() != "rerequested" || cs.GetID() != run.CheckSuite.ID || cs.GetHeadSHA() != head || cs.GetHeadBranch() != "feature" ||
		cs.GetApp().GetID() != s.AppID() || cs.GetConclusion() != "failure" || len(cs.PullRequests) != 1 || sev.GetInstallation().GetID() != 5 {
		t.Errorf("check_suite: %s", s.CheckSuiteEvent(t, repo, "rerequested", head))
	}
	sev = parse[*github.CheckSuiteEvent](t, "check_suite", s.CheckSuiteEvent(t, repo, "requested", head, FromApp(9)))
	if sev.GetAction() != "requested" || sev.GetCheckSuite().GetApp().GetID() != 9 || sev.GetCheckSuite().GetID() == run.CheckSuite.ID {
		t.Errorf("another app's suite: %d", sev.GetCheckSuite().GetID())
	}
}

func TestMergeGroupEvent(t *testing.T) {
	t.Parallel()
	s := New(t)
	repo := s.AddRepo(s.AddInstallation(8, "o"), "o/r")
	base := repo.Commit("main", map[string]string{"a.py": "A = 1\n"})
	queue := MergeQueueBranch("main", 3, "abc")
	head := repo.Commit(queue, map[string]string{"a.py": "A = 2\n"})
	ev := parse[*github.MergeGroupEvent](t, "merge_group", s.MergeGroupEvent(t, repo, "checks_requested", queue, "main"))
	g := ev.GetMergeGroup()
	if ev.GetAction() != "checks_requested" || g.GetHeadSHA() != head || g.GetHeadRef() != "refs/heads/gh-readonly-queue/main/pr-3-abc" ||
		g.GetBaseSHA() != base || g.GetBaseRef() != "refs/heads/main" || g.GetHeadCommit().GetMessage() == "" ||
		ev.GetInstallation().GetID() != 8 || ev.GetRepo().GetFullName() != "o/r" || ev.GetOrg().GetLogin() != "o" {
		t.Errorf("merge_group: %s", s.MergeGroupEvent(t, repo, "checks_requested", queue, "main"))
	}
}
