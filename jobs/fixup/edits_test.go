package fixup_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/djsec/djsec/checks"
	"github.com/djsec/djsec/githubapp/githubtest"
	"github.com/djsec/djsec/internal/md"
	"github.com/djsec/djsec/jobs"
	"github.com/djsec/djsec/jobs/fixup"
)

// A rewritten file keeps its mode: an executable stays executable.
func TestFixupKeepsFileMode(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.repo.Commit("feature", map[string]string{"mysite/settings.py": unsafeSettings})
	e.repo.SetMode("feature", "mysite/settings.py", "100755")
	pr := e.repo.AddPull(githubtest.Pull{HeadRef: "feature"})
	if err := e.fx.Run(context.Background(), e.request(pr.Number)); err != nil {
		t.Fatal(err)
	}
	if got := e.repo.Mode(fixup.Branch(pr.Number), "mysite/settings.py"); got != "100755" {
		t.Errorf("mode on the fix-up branch %q, want 100755", got)
	}
}

// A file over 1 MB (the contents API sends none of it) is read through the
// blobs API, whole, so a fixer extends it instead of replacing it.
func TestFixupReadsLargeFilesAsBlobs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	big := "# generated\n" + strings.Repeat("/build/artifact-0123456789abcdef/\n", 40000) // ~1.3 MB
	e.repo.Commit("feature", map[string]string{"mysite/settings.py": unsafeSettings, ".gitignore": big})
	pr := e.repo.AddPull(githubtest.Pull{HeadRef: "feature"})
	var seen []byte
	e.fx = newFixup(t, e, fixup.EngineFunc(func(ctx context.Context, in checks.Input, rules []string) (*fixup.Result, error) {
		seen = in.Files[".gitignore"]
		return debugEngine(ctx, in, rules)
	}))
	if err := e.fx.Run(context.Background(), e.request(pr.Number)); err != nil {
		t.Fatal(err)
	}
	if string(seen) != big {
		t.Errorf("the engine saw %d bytes of .gitignore, want all %d", len(seen), len(big))
	}
	if n := e.gh.Count("GET /repos/{owner}/{repo}/git/blobs/{file_sha}", 200); n != 1 {
		t.Errorf("blob reads %d, want 1 (the large file only)", n)
	}
}

// Fix-up descriptions and fork reviews stay under GitHub's 65,536
// characters, saying how much was left out.
func TestFixupBodiesFitGitHub(t *testing.T) {
	t.Parallel()
	for _, fork := range []bool{false, true} {
		t.Run(fmt.Sprint("fork=", fork), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.repo.Commit("main", map[string]string{"mysite/settings.py": safeSettings})
			head := "feature"
			p := githubtest.Pull{HeadRef: head}
			if fork {
				head = "fork-feature"
				p = githubtest.Pull{HeadRef: head, HeadRepo: "someone/mysite"}
			}
			files := map[string]string{"mysite/settings.py": unsafeSettings}
			for i := range 150 {
				files[fmt.Sprintf("app%03d/settings.py", i)] = "X = 1\n"
			}
			e.repo.Commit(head, files)
			pr := e.repo.AddPull(p)
			long := strings.Repeat("a very long description of an edit ", 12)
			e.fx = newFixup(t, e, fixup.EngineFunc(func(ctx context.Context, in checks.Input, rules []string) (*fixup.Result, error) {
				res, err := debugEngine(ctx, in, rules)
				if err != nil {
					return nil, err
				}
				for i := range 150 {
					path := fmt.Sprintf("app%03d/settings.py", i)
					res.Files[path] = []byte("X = 2\n")
					res.Changes = append(res.Changes, fixup.Change{Rule: "DJS201", Path: path, Description: long})
					res.Unfixed = append(res.Unfixed, fixup.Unfixed{Finding: checks.Finding{Rule: "DJS402", Path: path, Line: 1}, Reason: long})
				}
				return res, nil
			}))
			if err := e.fx.Run(context.Background(), e.request(pr.Number)); err != nil {
				t.Fatal(err)
			}
			var body string
			if fork {
				rv := e.repo.Reviews(pr.Number)
				if len(rv) != 1 {
					t.Fatalf("%d reviews, want 1; comments: %v", len(rv), e.repo.Comments())
				}
				body = rv[0].Body
				// Every changed file was looked at, not only the first 100.
				if len(rv[0].Comments) < 120 {
					t.Errorf("%d suggestions; the files past the first page of 100 were not considered", len(rv[0].Comments))
				}
			} else {
				fps := openFixups(e.repo)
				if len(fps) != 1 {
					t.Fatalf("%d fix-ups, want 1; comments: %v", len(fps), e.repo.Comments())
				}
				body = fps[0].Body
			}
			if n := len([]rune(body)); n > 65536 {
				t.Errorf("body of %d characters", n)
			}
			if !strings.Contains(body, "more") || !strings.Contains(body, "GitHub's size limit") {
				t.Errorf("the body does not say what was left out:\n…%s", body[max(0, len(body)-600):])
			}
		})
	}
}

// A suggestion that deletes lines is an empty suggestion block, which
// GitHub applies as a deletion (a blank line would be left otherwise).
func TestForkSuggestionDeletes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	withExtra := unsafeSettings + "EXTRA = 1\nMORE = 2\n"
	e.repo.Commit("main", map[string]string{"mysite/settings.py": safeSettings})
	e.repo.Commit("fork-feature", map[string]string{"mysite/settings.py": withExtra})
	pr := e.repo.AddPull(githubtest.Pull{HeadRef: "fork-feature", HeadRepo: "someone/mysite"})
	e.fx = newFixup(t, e, fixup.EngineFunc(func(ctx context.Context, in checks.Input, rules []string) (*fixup.Result, error) {
		p := "mysite/settings.py"
		return &fixup.Result{Files: map[string][]byte{p: []byte(strings.Replace(string(in.Files[p]), "EXTRA = 1\nMORE = 2\n", "", 1))},
			Changes: []fixup.Change{{Rule: "DJS201", Path: p, Description: "drops two lines"}}}, nil
	}))
	if err := e.fx.Run(context.Background(), e.request(pr.Number)); err != nil {
		t.Fatal(err)
	}
	rv := e.repo.Reviews(pr.Number)
	if len(rv) != 1 || len(rv[0].Comments) != 1 {
		t.Fatalf("reviews %+v", rv)
	}
	c := rv[0].Comments[0]
	lines := strings.Count(withExtra, "\n")
	if c["body"] != "djsec suggests:\n\n```suggestion\n```\n" || fmt.Sprint(c["line"]) != fmt.Sprint(lines) || fmt.Sprint(c["start_line"]) != fmt.Sprint(lines-1) {
		t.Errorf("suggestion %q on lines %v-%v, want an empty block on %d-%d", c["body"], c["start_line"], c["line"], lines-1, lines)
	}
}

// The fix-up job edits djsec's reply to `/djsec fix` with the link, and
// after the last failed attempt says it failed instead of promising.
func TestFixupJobEditsTheReply(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.repo.Commit("feature", map[string]string{"mysite/settings.py": unsafeSettings})
	pr := e.repo.AddPull(githubtest.Pull{HeadRef: "feature"})
	reply := e.repo.AddComment(pr.Number, "djsec[bot]", "✅ `/djsec fix`\n\n"+fixup.Pending(true)+"\n---\n\n✅ `/djsec help`\n\nhelp text\n")
	args := jobs.FixupArgs{Origin: jobs.Origin{Installation: 42, Repo: "octo-org/mysite", RepoID: e.repo.ID}, Number: pr.Number, PullRequest: true, Reply: reply}
	if err := e.fx.Process(context.Background(), jobs.Job[jobs.FixupArgs]{Args: args, Attempt: 1, MaxAttempts: 5}); err != nil {
		t.Fatal(err)
	}
	fps := openFixups(e.repo)
	if len(fps) != 1 {
		t.Fatalf("%d fix-ups", len(fps))
	}
	body := commentBody(e.repo, reply)
	if strings.Contains(body, fixup.PendingMarker) || !strings.Contains(body, fmt.Sprintf("djsec opened #%d", fps[0].Number)) ||
		!strings.HasPrefix(body, "✅ `/djsec fix`\n\n") || !strings.HasSuffix(body, "help text\n") {
		t.Errorf("reply after the job:\n%s", body)
	}
	// The link is in the reply: no second comment says it on the pull request.
	for _, c := range e.repo.Comments() {
		if c.ID != reply && c.IssueNumber == pr.Number {
			t.Errorf("an extra comment on #%d: %s", pr.Number, c.Body)
		}
	}

	// A job that fails on its last attempt says so in the reply.
	e2 := newEnv(t)
	e2.repo.Commit("feature", map[string]string{"mysite/settings.py": unsafeSettings})
	pr2 := e2.repo.AddPull(githubtest.Pull{HeadRef: "feature"})
	reply2 := e2.repo.AddComment(pr2.Number, "djsec[bot]", "✅ `/djsec fix`\n\n"+fixup.Pending(true))
	broken := errors.New("engine exploded")
	e2.fx = newFixup(t, e2, fixup.EngineFunc(func(context.Context, checks.Input, []string) (*fixup.Result, error) { return nil, broken }))
	args.RepoID, args.Number, args.Reply = e2.repo.ID, pr2.Number, reply2
	if err := e2.fx.Process(context.Background(), jobs.Job[jobs.FixupArgs]{Args: args, Attempt: 2, MaxAttempts: 5}); !errors.Is(err, broken) {
		t.Fatalf("attempt 2 of 5: %v, want the engine's error (retried)", err)
	}
	if body := commentBody(e2.repo, reply2); !strings.Contains(body, fixup.PendingMarker) {
		t.Errorf("the reply changed before the last attempt:\n%s", body)
	}
	if err := e2.fx.Process(context.Background(), jobs.Job[jobs.FixupArgs]{Args: args, Attempt: 5, MaxAttempts: 5}); !errors.Is(err, broken) {
		t.Fatalf("last attempt: %v", err)
	}
	if body := commentBody(e2.repo, reply2); strings.Contains(body, fixup.PendingMarker) || !strings.Contains(body, "could not build the fix-up pull request") {
		t.Errorf("reply after the last failed attempt:\n%s", body)
	}
}

func commentBody(r *githubtest.Repo, id int64) string {
	for _, c := range r.Comments() {
		if c.ID == id {
			return c.Body
		}
	}
	return ""
}

func newFixup(t *testing.T, e *env, engine fixup.Engine) *fixup.Fixup {
	t.Helper()
	fx, err := fixup.New(fixup.Options{Clients: e.clients, DB: e.db, Engine: engine})
	if err != nil {
		t.Fatal(err)
	}
	return fx
}

// `/djsec fix` on an issue: the job fixes the default branch and edits the
// reply on the issue with the link.
func TestFixupJobDefaultBranch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.repo.Commit("main", map[string]string{"mysite/settings.py": unsafeSettings})
	issue := 7
	reply := e.repo.AddComment(issue, "djsec[bot]", "✅ `/djsec fix`\n\n"+fixup.Pending(false))
	if !strings.Contains(commentBody(e.repo, reply), "into the default branch") {
		t.Fatalf("pending text: %s", commentBody(e.repo, reply))
	}
	args := jobs.FixupArgs{Origin: jobs.Origin{Installation: 42, Repo: "octo-org/mysite", RepoID: e.repo.ID}, Number: issue, Reply: reply}
	if err := e.fx.Process(context.Background(), jobs.Job[jobs.FixupArgs]{Args: args, Attempt: 1, MaxAttempts: 5}); err != nil {
		t.Fatal(err)
	}
	fps := openFixups(e.repo)
	if len(fps) != 1 || fps[0].BaseRef != "main" {
		t.Fatalf("fix-ups %+v", fps)
	}
	if body := commentBody(e.repo, reply); strings.Contains(body, fixup.PendingMarker) || !strings.Contains(body, "#"+itoa(fps[0].Number)) {
		t.Errorf("reply after the job:\n%s", body)
	}
}

// A fork's crafted file name cannot inject Markdown into the review.
func TestForkReviewHostilePath(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	evil := "x`\n# Pwned\n[click](https://evil.example) @octo-org/admins <img src=x>.py"
	e.repo.Commit("main", map[string]string{"mysite/settings.py": safeSettings})
	e.repo.Commit("fork-feature", map[string]string{"mysite/settings.py": unsafeSettings})
	pr := e.repo.AddPull(githubtest.Pull{HeadRef: "fork-feature", HeadRepo: "someone/mysite"})
	e.fx = newFixup(t, e, fixup.EngineFunc(func(ctx context.Context, in checks.Input, rules []string) (*fixup.Result, error) {
		res, err := debugEngine(ctx, in, rules)
		if err != nil {
			return nil, err
		}
		res.Files[evil] = []byte("X = 1\n")
		res.Changes = append(res.Changes, fixup.Change{Rule: "DJS201", Path: evil, Description: "edits " + evil})
		res.Unfixed = append(res.Unfixed, fixup.Unfixed{Finding: checks.Finding{Rule: "DJS402", Path: evil, Line: 3}, Reason: "see " + evil})
		return res, nil
	}))
	if err := e.fx.Run(context.Background(), e.request(pr.Number)); err != nil {
		t.Fatal(err)
	}
	rv := e.repo.Reviews(pr.Number)
	if len(rv) != 1 {
		t.Fatalf("%d reviews", len(rv))
	}
	for _, bad := range []string{"\n# Pwned", "[click](", "@octo-org", "<img"} {
		if strings.Contains(md.OutsideCode(rv[0].Body), bad) {
			t.Errorf("the review holds %q:\n%s", bad, rv[0].Body)
		}
	}
}
