package auditrun_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/djsec/djsec/jobs/auditrun"
)

// A repository keeping `requirements.txt -> requirements/prod.txt` (the
// common layout): the tree lists the link's own blob while the contents
// API answers with the target's bytes. The audit reads the target, checks
// it against the target's blob, and writes the issue on its first
// attempt, with what the pinned packages say.
func TestAuditFollowsSymlinks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	files := example(t, "startproject")
	delete(files, "requirements.txt")
	files["requirements/prod.txt"] = example(t, "eol-django")["requirements.txt"]
	e.repo.Commit("main", files)
	e.repo.Symlink("main", "requirements.txt", "requirements/prod.txt")
	// Links djsec must not follow: out of the repository, and dangling.
	e.repo.Symlink("main", "mysite/local_settings.py", "../../../etc/django/settings.py")
	e.repo.Symlink("main", "requirements-dev.txt", "requirements/dev.txt")
	sha := e.repo.Symlink("main", "mysite/prod_settings.py", "settings.py")

	e.audit(false) // fails the test on an error: no retry
	is := e.only()
	if !strings.Contains(is.Body, "DJS1001") {
		t.Errorf("the pinned Django 4.2 (end of life) is not in the issue:\n%s", is.Body)
	}
	// Keyed under the link's own path, as a checkout holds it.
	if !strings.Contains(is.Body, "/blob/"+sha+"/requirements.txt#L") {
		t.Errorf("no finding on requirements.txt (the link):\n%s", is.Body)
	}
	logs := e.logs.String()
	for _, p := range []string{"mysite/local_settings.py", "requirements-dev.txt"} {
		if !strings.Contains(logs, "symbolic link") || !strings.Contains(logs, p) {
			t.Errorf("no log line about the link %s left out:\n%s", p, logs)
		}
	}
	if got := e.gh.Count("GET /repos/{owner}/{repo}/contents/{path}", 404); got != 0 {
		t.Errorf("%d contents reads answered 404", got)
	}
}

// truncatedRepo is a Django project in web/ beside directories that make
// the recursive tree answer overflow the fake's lowered limit before it
// reaches web/.
func truncatedRepo(e *env) {
	files := map[string]string{}
	for p, c := range example(e.t, "startproject") {
		files["web/"+p] = c
	}
	for i := range 15 {
		files[fmt.Sprintf("docs/page%02d.md", i)] = "# page\n"
		files[fmt.Sprintf("frontend/src/c%02d.js", i)] = "export {}\n"
		files[fmt.Sprintf("zz_tools/t%02d.sh", i)] = "true\n"
	}
	for i := range 40 {
		files[fmt.Sprintf("node_modules/pkg%02d/index.js", i)] = "module.exports = {}\n"
	}
	e.repo.Commit("main", files)
	e.gh.SetTreeLimit(20, 0)
}

// A tree GitHub truncates is walked subtree by subtree (node_modules and
// the like left out): the settings in web/ are found and judged.
func TestAuditTruncatedTree(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	truncatedRepo(e)
	e.audit(false)
	is := e.only()
	if !strings.Contains(is.Body, "- [ ] **Disable DEBUG in production**") || !strings.Contains(is.Body, "/web/mysite/settings.py#L") {
		t.Errorf("the settings in web/ were not audited:\n%s", is.Body)
	}
	if strings.Contains(is.Body, "Partial coverage") {
		t.Errorf("every subtree was read, yet the issue says coverage was partial:\n%s", is.Body)
	}
	for _, r := range e.gh.Requests() {
		if strings.Contains(r.Path, "/git/trees/") && strings.Contains(r.Path, "node_modules") {
			t.Errorf("read a skipped directory: %s", r.Path)
		}
	}
	// The truncated answer, the root, and docs, frontend, web and zz_tools.
	if got := e.gh.Count("GET /repos/{owner}/{repo}/git/trees/{tree_sha}", 200); got != 6 {
		t.Errorf("%d tree reads, want 6", got)
	}
}

// With the bound on tree reads hit (zz_tools/ left unread), the audit
// still reports what it read and says in the issue that coverage was
// partial.
func TestAuditTruncatedTreeBound(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	truncatedRepo(e)
	var err error
	e.runner, err = auditrun.New(auditrun.Options{Clients: e.clients, DB: e.db, RulesVersion: "test", Now: e.now, MaxTreeReads: 4})
	if err != nil {
		t.Fatal(err)
	}
	e.runner.UseQueue(e.queue)
	e.audit(false)
	is := e.only()
	if !strings.Contains(is.Body, "/web/mysite/settings.py#L") {
		t.Errorf("the settings in web/ were not audited:\n%s", is.Body)
	}
	if !strings.Contains(is.Body, "Partial coverage") {
		t.Errorf("the issue does not say coverage was partial:\n%s", is.Body)
	}
}
