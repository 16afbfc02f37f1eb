package auditrun_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/djsec/djsec/githubapp"
	"github.com/djsec/djsec/githubapp/githubtest"
	"github.com/djsec/djsec/jobs/auditrun/auditissue"
)

// A tree whose file names climb out of the repository (git refuses such
// names, so they can only be forged): the audit completes, reads none of
// them and asks nothing of any other repository or endpoint.
func TestAuditPathTraversalFileNames(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	files := example(t, "startproject")
	for _, p := range []string{"../../etc/passwd/settings.py", "a/../../x/settings.py", "/etc/settings.py",
		"mysite/../../../../../user/settings.py", "../../../../../../etc/shadow/.env", "mysite//settings.py", "requirements/../../../x/requirements.txt"} {
		files[p] = "DEBUG = True\n"
	}
	e.repo.Commit("main", files)
	e.audit(false)
	e.only()
	for _, c := range e.gh.Requests() {
		if c.Path != "/repos/octo-org/shop" && !strings.HasPrefix(c.Path, "/repos/octo-org/shop/") && !strings.HasPrefix(c.Path, "/app/installations/42/") {
			t.Errorf("request outside the repository: %s %s?%s", c.Method, c.Path, c.RawQuery)
		}
		if file, ok := strings.CutPrefix(c.Path, "/repos/octo-org/shop/contents/"); ok && !githubapp.ValidRepoPath(file) {
			t.Errorf("read a file by a forged name: %s %s", c.Method, c.Path)
		}
	}
}

// Settings crafted to blow up the evaluator (checks/testdata/hostile) in
// the audited repository: each audit completes within bounds, through the
// analyzer, the checklist and the issue body.
func TestAuditHostileSettings(t *testing.T) {
	t.Parallel()
	paths, err := filepath.Glob(filepath.Join("..", "..", "checks", "testdata", "hostile", "*.py.txt"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no hostile settings: %v", err)
	}
	for _, p := range paths {
		t.Run(filepath.Base(p), func(t *testing.T) {
			t.Parallel()
			src, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			e := newEnv(t)
			files := example(t, "startproject")
			files["mysite/settings.py"] = string(src)
			e.repo.Commit("main", files)
			start := time.Now()
			e.audit(false)
			if took := time.Since(start); took > 20*time.Second {
				t.Errorf("audit took %v", took)
			}
			if body := e.only().Body; len(body) > 65536 {
				t.Errorf("issue body %d bytes, over GitHub's limit", len(body))
			}
		})
	}
}

// An issue with the audit issue's title and marker, filed by another App's
// bot, is not adopted: djsec keeps its findings in an issue it created.
func TestForeignBotIssueNotAdopted(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.repo.Commit("main", example(t, "startproject"))
	body := "Looks like djsec's.\n" + auditissue.Marker + "\n"
	foreign := e.repo.AddIssue(githubtest.Issue{Title: auditissue.Title, Body: body, User: "impostor[bot]", Labels: []string{auditissue.Label}})
	e.audit(false)
	var ours []githubtest.Issue
	for _, i := range e.issues() {
		if i.Number == foreign {
			if i.Body != body || i.State != "open" {
				t.Errorf("the foreign issue was edited: %+v", i)
			}
			continue
		}
		ours = append(ours, i)
	}
	if len(ours) != 1 || ours[0].User != "djsec-test[bot]" {
		t.Fatalf("djsec's own audit issues: %+v", ours)
	}
}

// A changed repository's audit reads only the files whose blob SHAs
// changed: the others come from the cache of earlier audits' bodies.
func TestChangedRepositoryReadsOnlyChangedBlobs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	files := example(t, "startproject")
	files["requirements.txt"] = "Django==5.2.8\ngunicorn==23.0.0\n"
	e.repo.Commit("main", files)
	e.audit(false)
	const contents = "GET /repos/{owner}/{repo}/contents/{path}"
	first := e.gh.Count(contents, 0)
	if first < 2 {
		t.Fatalf("the first audit read %d files", first)
	}
	e.gh.ResetRequests()
	e.repo.Commit("main", map[string]string{"requirements.txt": "Django==5.2.9\ngunicorn==23.0.0\n"})
	e.audit(false)
	if got := e.gh.Count(contents, 0); got != 1 {
		t.Errorf("the audit after one file changed read %d files, want 1 (the others are cached by blob SHA)", got)
	}
}
