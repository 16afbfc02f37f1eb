package checkrun_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/djsec/djsec/jobs"
	"github.com/djsec/djsec/server/servertest"
)

// A pull request whose changed files go past the byte budget is checked on
// what was read — the settings first — with a neutral conclusion saying it
// was too large, instead of holding every file at once.
func TestPullRequestOverTheByteBudget(t *testing.T) {
	t.Parallel()
	// The default budget is 16 MiB; the same shape at a 1 MiB budget keeps
	// the test quick under -race.
	e := newEnv(t, envOptions{maxBytes: 1 << 20})
	e.repo.Commit("main", map[string]string{"README.md": "x\n"})
	line := "X = '" + strings.Repeat("a", 90) + "'\n"
	big := strings.Repeat(line, (64<<10)/len(line)) // ~64 KiB of Python
	files := map[string]string{"mysite/settings.py": "SECRET_KEY = 'k'\nDEBUG = True\nINSTALLED_APPS = []\nROOT_URLCONF = 'u'\n"}
	for i := range 24 { // ~1.5 MiB, over the budget
		files[fmt.Sprintf("app%03d/views.py", i)] = big
	}
	p := e.pr("feature", files)
	e.open(p)
	run := e.only(p.HeadSHA)
	if run.Conclusion != "failure" {
		t.Errorf("conclusion %q, want failure: the settings were read first and DEBUG is on", run.Conclusion)
	}
	if !strings.Contains(run.Summary, "not read: the pull request's files go past") {
		t.Errorf("the summary does not say files were left unread:\n%.3000s", run.Summary)
	}

	// Without a finding, the same size is neutral, never success.
	e2 := newEnv(t, envOptions{maxBytes: 1 << 20})
	e2.repo.Commit("main", map[string]string{"README.md": "x\n"})
	delete(files, "mysite/settings.py")
	p2 := e2.pr("feature", files)
	e2.open(p2)
	run2 := e2.only(p2.HeadSHA)
	if run2.Conclusion != "neutral" || !strings.Contains(run2.Title, "too large to check fully") {
		t.Errorf("conclusion %q title %q, want neutral and too large", run2.Conclusion, run2.Title)
	}
}

// A pull request whose check killed the server twice gets a neutral run
// saying it was not checked, and the job ends instead of killing a third.
func TestPoisonPullRequestNeutralRun(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{paused: true})
	p := e.pr("feature", map[string]string{"mysite/settings.py": "DEBUG = True\n"})
	proc := servertest.Processor[jobs.PullRequestArgs](e.s)
	err := proc.Process(context.Background(), jobs.Job[jobs.PullRequestArgs]{ID: 7, Attempt: 3, MaxAttempts: 10, Crashed: 2,
		Args: jobs.PullRequestArgs{Origin: jobs.Origin{Installation: 42, Repo: e.repo.FullName(), RepoID: e.repo.ID},
			Action: "opened", Number: p.Number, HeadSHA: p.HeadSHA, HeadRef: "feature", BaseRef: "main", BaseSHA: p.BaseSHA}})
	if err != nil {
		t.Fatal(err)
	}
	run := e.only(p.HeadSHA)
	if run.Status != "completed" || run.Conclusion != "neutral" || !strings.Contains(run.Title, "Not checked") {
		t.Errorf("run %s/%s %q, want a completed neutral run saying it was not checked", run.Status, run.Conclusion, run.Title)
	}
	if len(run.Annotations) != 0 {
		t.Errorf("annotations on an unchecked commit: %d", len(run.Annotations))
	}
}
