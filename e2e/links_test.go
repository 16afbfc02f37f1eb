package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/djsec/djsec/githubapp/githubtest"
	"github.com/djsec/djsec/server/servertest"
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
	files := servertest.ExampleTree(t, "startproject")
	delete(files, "requirements.txt")
	files["requirements/prod.txt"] = servertest.ExampleFile(t, "eol-django/requirements.txt")
	repo.Commit("main", files)
	sha := repo.Symlink("main", "requirements.txt", "requirements/prod.txt")
	srv := env.Start(t)

	srv.Deliver(t, "installation", servertest.InstallationCreatedEvent(t, inst, repo))
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
	env := NewEnv(t, SQLite, githubtest.WithTreeLimit(20, 0))
	inst := env.GH.AddInstallation(installationID, owner)
	repo := env.GH.AddRepo(inst, repoName)
	files := map[string]string{}
	for p, c := range servertest.ExampleTree(t, "startproject") {
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

	srv.Deliver(t, "installation", servertest.InstallationCreatedEvent(t, inst, repo))
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

// Issue 19, bug 2, fix-ups: `/djsec fix` on a pull request in a
// repository whose production settings, shop/settings.py (named by
// wsgi.py), are a link to config/settings_shared.py writes the fixes to
// config/settings_shared.py and leaves the link a link.
// The old fix-up replaced the link with a diverging copy.
func TestStoryFixUpThroughSymlinkedSettings(t *testing.T) {
	t.Parallel()
	env := NewEnv(t, SQLite)
	inst := env.GH.AddInstallation(installationID, owner)
	repo := env.GH.AddRepo(inst, repoName)
	repo.SetPermission("maintainer", "maintain")
	repo.Commit("main", map[string]string{
		"manage.py":                 "import os\nimport sys\n\nos.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", \"shop.settings\")\nfrom django.core.management import execute_from_command_line\nexecute_from_command_line(sys.argv)\n",
		"shop/__init__.py":          "",
		"shop/wsgi.py":              "import os\n\nfrom django.core.wsgi import get_wsgi_application\n\nos.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", \"shop.settings\")\napplication = get_wsgi_application()\n",
		"config/settings_shared.py": composeSettings(false),
		"requirements.txt":          "Django==5.2.8\ndjango-cors-headers==4.6.0\ngunicorn==23.0.0\n",
		".gitignore":                "__pycache__/\n.env\n",
	})
	repo.Symlink("main", "shop/settings.py", "../config/settings_shared.py")
	repo.Commit("feature", map[string]string{"config/settings_shared.py": composeSettings(true)})
	pr := repo.AddPull(githubtest.Pull{HeadRef: "feature", Title: "Local development", User: "alice"})
	srv := env.Start(t)

	srv.Deliver(t, "pull_request", env.GH.PullRequestEvent(t, repo, pr.Number, "opened"))
	if run := completedRun(t, srv, repo, pr.HeadSHA); run.Conclusion != "failure" {
		t.Fatalf("the unsafe pull request's check: %s", run.Conclusion)
	}
	reply := command(t, env, srv, repo, pr.Number, true, "maintainer", "/djsec fix")
	reply = settledReply(t, srv, repo, reply)
	var fix githubtest.Pull
	for _, p := range repo.Pulls() {
		if p.Number != pr.Number {
			fix = p
		}
	}
	if fix.Number == 0 {
		t.Fatalf("no fix-up pull request; the reply says:\n%s\n%s", reply.Body, srv.LogTail(60))
	}
	if m := repo.Mode(fix.HeadRef, "shop/settings.py"); m != "120000" {
		t.Errorf("shop/settings.py on the fix-up branch has mode %q, want the link's 120000", m)
	}
	if link, _ := repo.File(fix.HeadRef, "shop/settings.py"); link != "../config/settings_shared.py" {
		t.Errorf("the link now holds:\n%s", link)
	}
	target, _ := repo.File(fix.HeadRef, "config/settings_shared.py")
	if !strings.Contains(target, `SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]`) {
		t.Errorf("the link's target was not fixed:\n%s\nfix-up body:\n%s", target, fix.Body)
	}
}
