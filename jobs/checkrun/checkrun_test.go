package checkrun_test

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/djsec/djsec/githubapp/githubtest"
	"github.com/djsec/djsec/jobs/checkrun/review/patch"
	"github.com/djsec/djsec/server/servertest"
	"github.com/djsec/djsec/store/storetest"
)

// hardened is a production-ready settings module (examples/hardened):
// djsec finds nothing in it.
func hardened(t testing.TB) string {
	t.Helper()
	return servertest.ExampleFile(t, "hardened/mysite/settings.py")
}

// edit replaces each old with its new in s, failing when one is missing.
func edit(t testing.TB, s string, pairs ...string) string {
	t.Helper()
	return servertest.Edit(t, s, pairs...)
}

const gitignore = ".env\n.env.*\n!.env.example\n"

// unsafe makes three lines of the hardened settings unsafe: a hardcoded
// SECRET_KEY (line 15), DEBUG on (17), any host allowed (19).
func unsafe(t testing.TB) string {
	return edit(t, hardened(t),
		`SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]`, `SECRET_KEY = "w8#x9!k2@zq$7v&m4^p1*r6(t3)y5_u0+e-s=d~f"`,
		"DEBUG = False", "DEBUG = True",
		`ALLOWED_HOSTS = ["www.example.com", "example.com"]`, `ALLOWED_HOSTS = ["*"]`)
}

// diffLines returns the head lines a patch shows (added or context).
func diffLines(t *testing.T, text string) patch.Lines {
	t.Helper()
	p, err := patch.Parse(text)
	if err != nil {
		t.Fatalf("the fake's patch does not parse: %v\n%s", err, text)
	}
	return p.Shown()
}

// A safe settings module made unsafe on three lines: the check fails with
// one annotation per offending line, each on a line of the diff, within
// the budget of four calls (compare, config, the module, the check run).
func TestUnsafeChangeAnnotatesTheOffendingLines(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, url string) {
		e := newEnv(t, envOptions{url: url})
		e.repo.Commit("main", map[string]string{"mysite/settings.py": hardened(t), ".gitignore": gitignore})
		p := e.pr("unsafe", map[string]string{"mysite/settings.py": unsafe(t)})
		e.gh.ResetRequests()
		e.open(p)

		cr := e.only(p.HeadSHA)
		if cr.Status != "completed" || cr.Conclusion != "failure" {
			t.Fatalf("run %s/%s, want completed/failure:\n%s", cr.Status, cr.Conclusion, cr.Summary)
		}
		patch := e.repo.Pull(p.Number).Files[0].Patch
		shown := diffLines(t, patch)
		var lines []int
		for _, a := range annotations(cr) {
			if a.Path != "mysite/settings.py" || !shown[a.StartLine] {
				t.Errorf("annotation off the diff: %+v", a)
			}
			if !slices.Contains(lines, a.StartLine) {
				lines = append(lines, a.StartLine)
			}
		}
		slices.Sort(lines)
		if !slices.Equal(lines, []int{15, 17, 19}) {
			t.Errorf("annotated lines %v, want [15 17 19]; annotations %+v", lines, annotations(cr))
		}
		if n := e.gh.Budget(); n > 4 {
			t.Errorf("%d calls, budget 4:\n%s", n, e.gh.BudgetReport())
		}
	})
}

// HSTS lowered from a year to an hour: the summary's Weakened section and
// a notice on the changed line say so.
func TestHSTSLoweredIsWeakened(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.repo.Commit("main", map[string]string{"mysite/settings.py": hardened(t), ".gitignore": gitignore})
	p := e.pr("hsts", map[string]string{"mysite/settings.py": edit(t, hardened(t),
		"SECURE_HSTS_SECONDS = 31536000", "SECURE_HSTS_SECONDS = 3600")})
	e.open(p)
	cr := e.only(p.HeadSHA)
	weakened := section(cr.Summary, "Weakened")
	if !strings.Contains(weakened, `SECURE\_HSTS\_SECONDS`) || !strings.Contains(weakened, "3600 (1 hour)") {
		t.Fatalf("no weakened HSTS in the summary:\n%s", cr.Summary)
	}
	found := false
	for _, a := range annotations(cr) {
		if a.Path == "mysite/settings.py" && a.StartLine == 104 {
			found = true
		}
	}
	if !found {
		t.Errorf("no annotation on line 104: %+v", annotations(cr))
	}
}

// section returns the Markdown of the summary's "### title" section.
func section(summary, title string) string {
	_, rest, ok := strings.Cut(summary, "### "+title)
	if !ok {
		return ""
	}
	if i := strings.Index(rest, "\n### "); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

// An unsafe line already on the base branch, and a pull request that
// touches other lines: success, with the finding listed as existing and
// not annotated.
func TestExistingFindingIsListedNotPunished(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	debug := edit(t, hardened(t), "DEBUG = False", "DEBUG = True")
	e.repo.Commit("main", map[string]string{"mysite/settings.py": debug, ".gitignore": gitignore})
	p := e.pr("tz", map[string]string{"mysite/settings.py": edit(t, debug, `TIME_ZONE = "UTC"`, `TIME_ZONE = "Europe/Paris"`)})
	e.open(p)
	cr := e.only(p.HeadSHA)
	if cr.Conclusion != "success" {
		t.Fatalf("conclusion %s, want success:\n%s", cr.Conclusion, cr.Summary)
	}
	if len(cr.Annotations) != 0 {
		t.Errorf("annotations on an untouched finding: %+v", annotations(cr))
	}
	if !strings.Contains(cr.Summary, "DJS201") {
		t.Errorf("the existing DEBUG finding is not listed:\n%s", cr.Summary)
	}
}

// Split settings: production.py star-imports base.py and overrides it.
func splitSettings(t testing.TB, baseDebug bool) map[string]string {
	base := hardened(t)
	if baseDebug {
		base = edit(t, base, "DEBUG = False", "DEBUG = True")
	}
	return map[string]string{
		"mysite/settings/__init__.py":   "# settings package\n",
		"mysite/settings/base.py":       base,
		"mysite/settings/production.py": "from .base import *  # noqa\n\nDEBUG = False\n",
		".gitignore":                    gitignore,
	}
}

func requested(e *env, path string) int {
	n := 0
	for _, r := range e.gh.Requests() {
		if strings.HasSuffix(r.Path, "/contents/"+path) {
			n++
		}
	}
	return n
}

// The pull request turns DEBUG on in base.py, which production.py
// overrides: production.py is read (unchanged, a sibling that imports the
// changed module), so the production view stays safe.
func TestSplitSettingsBaseChangedProductionOverrides(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.repo.Commit("main", splitSettings(t, false))
	p := e.pr("base-debug", map[string]string{"mysite/settings/base.py": edit(t, hardened(t), "DEBUG = False", "DEBUG = True")})
	e.open(p)
	cr := e.only(p.HeadSHA)
	if requested(e, "mysite/settings/production.py") != 1 {
		t.Errorf("production.py was not read once:\n%s", e.gh.BudgetReport())
	}
	if strings.Contains(cr.Summary, "DJS201") || cr.Conclusion == "failure" {
		t.Fatalf("DEBUG reported although production.py overrides it: %s\n%s", cr.Conclusion, cr.Summary)
	}
}

// The reverse: base.py has DEBUG on, and the pull request drops
// production.py's override. base.py (unchanged, star-imported) is read at
// head and serves both sides: DEBUG is newly on in production.
func TestSplitSettingsOverrideRemoved(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.repo.Commit("main", splitSettings(t, true))
	p := e.pr("drop-override", map[string]string{"mysite/settings/production.py": "from .base import *  # noqa\n\nTIME_ZONE = \"UTC\"\n"})
	e.open(p)
	cr := e.only(p.HeadSHA)
	if requested(e, "mysite/settings/base.py") != 1 {
		t.Errorf("base.py was not read once:\n%s", e.gh.BudgetReport())
	}
	if cr.Conclusion != "failure" || !strings.Contains(section(cr.Summary, "New findings"), "DJS201") {
		t.Fatalf("DEBUG newly on in production not reported: %s\n%s", cr.Conclusion, cr.Summary)
	}
}

// A settings module deleted, renamed, or moved with an edit: findings it
// had are not new, and the base version of a deleted file comes from its
// patch (no call).
func TestSettingsDeletedRenamedMoved(t *testing.T) {
	t.Parallel()
	debug := func(t testing.TB) string { return edit(t, hardened(t), "DEBUG = False", "DEBUG = True") }
	tests := []struct {
		name     string
		change   func(t testing.TB) map[string]string
		budget   int
		existing bool // DJS201 listed as existing
	}{
		{"deleted", func(t testing.TB) map[string]string {
			return map[string]string{"mysite/settings.py": ""}
		}, 3, false},
		{"renamed", func(t testing.TB) map[string]string {
			return map[string]string{"mysite/settings.py": "", "mysite/settings_production.py": debug(t)}
		}, 4, true},
		{"moved and edited", func(t testing.TB) map[string]string {
			return map[string]string{"mysite/settings.py": "", "config/settings.py": edit(t, debug(t), `TIME_ZONE = "UTC"`, `TIME_ZONE = "Europe/Paris"`)}
		}, 4, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, envOptions{})
			e.repo.Commit("main", map[string]string{"mysite/settings.py": debug(t), ".gitignore": gitignore})
			p := e.pr("change", tt.change(t))
			e.gh.ResetRequests()
			e.open(p)
			cr := e.only(p.HeadSHA)
			if cr.Conclusion != "success" {
				t.Fatalf("conclusion %s, want success:\n%s", cr.Conclusion, cr.Summary)
			}
			if strings.Contains(section(cr.Summary, "New findings"), "DJS201") || len(cr.Annotations) != 0 {
				t.Errorf("the old DEBUG finding counts as new:\n%s\n%+v", cr.Summary, annotations(cr))
			}
			if tt.existing && !strings.Contains(cr.Summary, "DJS201") {
				t.Errorf("the DEBUG finding is not listed as existing:\n%s", cr.Summary)
			}
			if n := e.gh.Budget(); n > tt.budget {
				t.Errorf("%d calls, want at most %d:\n%s", n, tt.budget, e.gh.BudgetReport())
			}
		})
	}
}

// A binary file and a file over 1 MiB: not analyzed, never a crash; the
// run completes and says which files it could not read.
func TestBinaryAndOversizedFiles(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.repo.Commit("main", map[string]string{"mysite/settings.py": hardened(t), ".gitignore": gitignore})
	huge := hardened(t) + strings.Repeat("# padding to push the module past the analyzer's 1 MiB limit\n", 20000)
	p := e.pr("blobs", map[string]string{
		"requirements.txt":      "Django==5.2\n\x00\x01\x02 binary",
		"mysite/settings.py":    huge,
		"mysite/logo-data.py":   "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
		"docs/notes/readme.txt": "not relevant\n",
	})
	e.open(p)
	cr := e.only(p.HeadSHA)
	if cr.Status != "completed" {
		t.Fatalf("run %s", cr.Status)
	}
	for _, path := range []string{"requirements.txt", "mysite/settings.py", "mysite/logo-data.py"} {
		if !strings.Contains(e.logs.String(), `"path":"`+path+`","reason":`) {
			t.Errorf("%s: no 'file not analyzed' line", path)
		}
		if !strings.Contains(cr.Summary, path) {
			t.Errorf("the summary does not name %s:\n%s", path, cr.Summary)
		}
	}
	if cr.Conclusion == "success" {
		t.Errorf("success although three files were not analyzed:\n%s", cr.Summary)
	}
	if requested(e, "docs/notes/readme.txt") != 0 {
		t.Error("an irrelevant file was downloaded")
	}
}

// A .github/djsec.yml on the base branch that does not parse: neutral,
// with the reason, never a silent success.
func TestBrokenConfigIsNeutral(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.repo.Commit("main", map[string]string{"mysite/settings.py": hardened(t), ".gitignore": gitignore,
		".github/djsec.yml": "fail_on: [high\nseverity:\n\tDJS201: low\n"})
	p := e.pr("tz", map[string]string{"mysite/settings.py": edit(t, hardened(t), `TIME_ZONE = "UTC"`, `TIME_ZONE = "Europe/Paris"`)})
	e.open(p)
	cr := e.only(p.HeadSHA)
	if cr.Conclusion != "neutral" || !strings.Contains(cr.Summary, "djsec.yml") {
		t.Fatalf("conclusion %s, want neutral with the config named:\n%s", cr.Conclusion, cr.Summary)
	}
}

// A .github/djsec.yml over the one configuration limit (256 KiB, which
// the commands already applied) is not read: every setting keeps its
// default, so its fail_on: never does not hide the new critical findings,
// and the summary says why.
func TestOversizedConfigKeepsTheDefaults(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	cfg := "fail_on: never\n" + strings.Repeat("# padding past the configuration's 256 KiB\n", 300<<10/44)
	e.repo.Commit("main", map[string]string{"mysite/settings.py": hardened(t), ".gitignore": gitignore, ".github/djsec.yml": cfg})
	p := e.pr("unsafe", map[string]string{"mysite/settings.py": unsafe(t)})
	e.open(p)
	cr := e.only(p.HeadSHA)
	if cr.Conclusion != "failure" || !strings.Contains(cr.Summary, "file is larger than 256 KiB; djsec does not read it; every setting keeps its default") {
		t.Fatalf("conclusion %s, want failure naming the 256 KiB limit:\n%s", cr.Conclusion, cr.Summary)
	}
}

// views120 is a module with 120 CSRF-exempt views that write on POST: 120
// findings.
func views120() string {
	var b strings.Builder
	b.WriteString("from django.http import HttpResponse\nfrom django.views.decorators.csrf import csrf_exempt\n")
	for i := range 120 {
		b.WriteString("\n\n@csrf_exempt\ndef view_" + strconv.Itoa(i) + "(request):\n    Note.objects.create(text=request.POST[\"text\"])\n    return HttpResponse(\"ok\")\n")
	}
	return b.String()
}

// 120 findings: three requests (50, 50, 20 annotations), every annotation
// on a line of the diff, the run completed by the last.
func TestAnnotationsInBatchesOf50(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.repo.Commit("main", map[string]string{"mysite/settings.py": hardened(t), ".gitignore": gitignore})
	p := e.pr("views", map[string]string{"app/views.py": views120()})
	e.gh.ResetRequests()
	e.open(p)
	cr := e.only(p.HeadSHA)
	var sizes []int
	for _, r := range e.gh.Requests() {
		if strings.Contains(r.Route, "check-runs") && r.Method != "GET" {
			var body struct {
				Status string `json:"status"`
				Output struct {
					Annotations []any `json:"annotations"`
				} `json:"output"`
			}
			if err := json.Unmarshal(r.Body, &body); err != nil {
				t.Fatal(err)
			}
			sizes = append(sizes, len(body.Output.Annotations))
		}
	}
	if !slices.Equal(sizes, []int{50, 50, 20}) {
		t.Fatalf("annotation batches %v, want [50 50 20]", sizes)
	}
	shown := diffLines(t, e.repo.Pull(p.Number).Files[0].Patch)
	anns := annotations(cr)
	if len(anns) != 120 || cr.Status != "completed" {
		t.Fatalf("%d annotations, status %s", len(anns), cr.Status)
	}
	for _, a := range anns {
		if a.Path != "app/views.py" || !shown[a.StartLine] {
			t.Errorf("annotation off the diff: %+v", a)
		}
	}
	// The added file came whole in its patch: no download.
	if requested(e, "app/views.py") != 0 {
		t.Errorf("app/views.py was downloaded:\n%s", e.gh.BudgetReport())
	}
}

// A pull request from a fork is checked like any other (read-only: the
// check run is on the base repository).
func TestForkPullRequest(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.repo.Commit("main", map[string]string{"mysite/settings.py": hardened(t), ".gitignore": gitignore})
	e.repo.Commit("contributor-patch", map[string]string{"mysite/settings.py": unsafe(t)})
	p := e.repo.AddPull(githubtest.Pull{HeadRef: "contributor-patch", HeadRepo: "contributor/mysite", User: "contributor"})
	body := e.gh.PullRequestEvent(t, e.repo, p.Number, "opened")
	var ev struct {
		PullRequest struct {
			Head struct {
				Repo struct {
					FullName string `json:"full_name"`
				} `json:"repo"`
			} `json:"head"`
		} `json:"pull_request"`
	}
	if err := json.Unmarshal(body, &ev); err != nil || ev.PullRequest.Head.Repo.FullName != "contributor/mysite" {
		t.Fatalf("not a fork's event: %v %+v", err, ev)
	}
	e.wait(e.deliver("pull_request", body))
	cr := e.only(p.HeadSHA)
	if cr.Conclusion != "failure" || len(cr.Annotations) < 3 {
		t.Fatalf("fork PR: %s with %d annotations", cr.Conclusion, len(cr.Annotations))
	}
	// GitHub lists no pull request in a fork's check events; the re-run
	// finds it in the run's row.
	rerun := e.gh.CheckRunEvent(t, e.repo, "rerequested", cr.ID, "")
	if strings.Contains(string(rerun), `"pull_requests":[{`) {
		t.Fatal("the fake listed the fork's pull request in the check event")
	}
	e.wait(e.deliver("check_run", rerun))
	if runs := e.runs(p.HeadSHA); len(runs) != 2 || runs[1].Status != "completed" || runs[1].Conclusion != "failure" {
		t.Fatalf("fork re-run: %+v", runs)
	}
}

// `drafts: false`: a draft is not checked (one call: the config); marked
// ready for review, it is.
func TestDraftsFalse(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.repo.Commit("main", map[string]string{"mysite/settings.py": hardened(t), ".gitignore": gitignore, ".github/djsec.yml": "drafts: false\n"})
	e.repo.Commit("wip", map[string]string{"mysite/settings.py": unsafe(t)})
	p := e.repo.AddPull(githubtest.Pull{HeadRef: "wip", Draft: true})
	e.gh.ResetRequests()
	e.wait(e.deliver("pull_request", e.gh.PullRequestEvent(t, e.repo, p.Number, "opened")))
	if runs := e.runs(p.HeadSHA); len(runs) != 0 {
		t.Fatalf("a draft was checked: %+v", runs)
	}
	if n := e.gh.Budget(); n != 1 {
		t.Errorf("%d calls for a draft, want 1 (the config):\n%s", n, e.gh.BudgetReport())
	}
	e.repo.SetDraft(p.Number, false)
	e.wait(e.deliver("pull_request", e.gh.PullRequestEvent(t, e.repo, p.Number, "ready_for_review")))
	if cr := e.only(p.HeadSHA); cr.Conclusion != "failure" {
		t.Errorf("ready for review: %s", cr.Conclusion)
	}
}

// Drafts are checked by default.
func TestDraftsCheckedByDefault(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.repo.Commit("main", map[string]string{"mysite/settings.py": hardened(t), ".gitignore": gitignore})
	e.repo.Commit("wip", map[string]string{"mysite/settings.py": unsafe(t)})
	p := e.repo.AddPull(githubtest.Pull{HeadRef: "wip", Draft: true})
	e.open(p)
	if cr := e.only(p.HeadSHA); cr.Conclusion != "failure" {
		t.Errorf("draft: %s", cr.Conclusion)
	}
}

// The same, with production.py a symbolic link to deploy/production.py
// (a directory listing says "symlink" for it, with its target): the
// sibling is read at its target, under its own path, so the production
// view stays safe. A sibling linking out of the repository is not read.
func TestSplitSettingsSymlinkedProduction(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	files := splitSettings(t, false)
	files["deploy/production.py"] = files["mysite/settings/production.py"]
	delete(files, "mysite/settings/production.py")
	e.repo.Commit("main", files)
	e.repo.Symlink("main", "mysite/settings/production.py", "../../deploy/production.py")
	e.repo.Symlink("main", "mysite/settings/local.py", "../../../etc/local_settings.py")
	p := e.pr("base-debug", map[string]string{"mysite/settings/base.py": edit(t, hardened(t), "DEBUG = False", "DEBUG = True")})
	e.open(p)
	cr := e.only(p.HeadSHA)
	if requested(e, "deploy/production.py") != 1 {
		t.Errorf("the link's target was not read once:\n%s", e.gh.BudgetReport())
	}
	if requested(e, "mysite/settings/local.py") != 0 || requested(e, "etc/local_settings.py") != 0 {
		t.Errorf("a link out of the repository was read:\n%s", e.gh.BudgetReport())
	}
	if strings.Contains(cr.Summary, "DJS201") || cr.Conclusion == "failure" {
		t.Fatalf("DEBUG reported although production.py (a link) overrides it: %s\n%s", cr.Conclusion, cr.Summary)
	}
}
