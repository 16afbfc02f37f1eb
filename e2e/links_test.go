package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/djsec/djsec/githubfake"
)

// Issue 19, bug 2: installing the App on a repository whose
// requirements.txt is a link to requirements/prod.txt (the tree lists the
// link's blob, the contents API answers with the target's) writes the
// audit issue on the first attempt, judging the pinned packages. The old
// audit took the mismatch for a moved branch and retried for hours.
func TestStorySymlinkedRequirementsAudit(t *testing.T) {
	t.Parallel()
	env := NewEnv(t, SQLite)
	inst := env.GH.AddInstallation(installationID, owner)
	repo := env.GH.AddRepo(inst, repoName)
	files := exampleTree(t, "startproject")
	delete(files, "requirements.txt")
	files["requirements/prod.txt"] = readExample(t, "eol-django/requirements.txt")
	repo.Commit("main", files)
	sha := repo.Symlink("main", "requirements.txt", "requirements/prod.txt")
	srv := env.Start(t)

	srv.Deliver(t, "installation", InstallationCreatedEvent(t, inst, repo))
	is := waitAuditIssue(t, srv, repo)
	if !strings.Contains(is.Body, "Audited `main` at `"+sha[:12]+"`") {
		t.Errorf("the issue does not audit the head %s:\n%s", sha[:12], is.Body)
	}
	if !strings.Contains(is.Body, "DJS1001") || !strings.Contains(is.Body, "/blob/"+sha+"/requirements.txt#L") {
		t.Errorf("the end-of-life Django pinned through the link is not reported on requirements.txt:\n%s", is.Body)
	}
	// One read of the link's blob, and every contents read answered.
	if got := env.GH.Count("GET /repos/{owner}/{repo}/git/blobs/{file_sha}", 200); got != 1 {
		t.Errorf("%d blob reads, want 1 (the link)", got)
	}
	if got := env.GH.Count("GET /repos/{owner}/{repo}/git/trees/{tree_sha}", 0); got != 1 {
		t.Errorf("%d tree reads, want 1: the audit ran more than once", got)
	}
}

// Issue 19, bug 4: a repository whose tree GitHub truncates (the fake's
// limit lowered to 20 entries) and whose Django project sits past the
// cut is still audited: the tree is walked subtree by subtree.
func TestStoryTruncatedTreeAudit(t *testing.T) {
	t.Parallel()
	env := NewEnv(t, SQLite, githubfake.WithTreeLimit(20, 0))
	inst := env.GH.AddInstallation(installationID, owner)
	repo := env.GH.AddRepo(inst, repoName)
	files := map[string]string{}
	for p, c := range exampleTree(t, "startproject") {
		files["web/"+p] = c
	}
	for i := range 15 {
		files[fmt.Sprintf("docs/page%02d.md", i)] = "# page\n"
		files[fmt.Sprintf("frontend/src/c%02d.js", i)] = "export {}\n"
	}
	for i := range 40 {
		files[fmt.Sprintf("frontend/node_modules/pkg%02d/index.js", i)] = "module.exports = {}\n"
	}
	sha := repo.Commit("main", files)
	srv := env.Start(t)

	srv.Deliver(t, "installation", InstallationCreatedEvent(t, inst, repo))
	is := waitAuditIssue(t, srv, repo)
	if !strings.Contains(is.Body, "/blob/"+sha+"/web/mysite/settings.py#L") || !strings.Contains(is.Body, "- [ ] **Disable DEBUG in production**") {
		t.Errorf("the settings past the truncation were not audited:\n%s", is.Body)
	}
	if strings.Contains(is.Body, "Partial coverage") {
		t.Errorf("every directory was read, yet coverage is called partial:\n%s", is.Body)
	}
	for _, r := range env.GH.Requests() {
		if strings.Contains(r.Path, "node_modules") {
			t.Errorf("read under node_modules: %s %s", r.Method, r.Path)
		}
	}
}
