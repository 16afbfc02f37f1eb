package githubtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// fixture is a fake with installation 1 on repository o/r and a client
// holding a token for it.
type fixture struct {
	t    *testing.T
	s    *Server
	repo *Repo
	c    client
}

func newFixture(t *testing.T, opts ...Option) *fixture {
	t.Helper()
	s := New(t, opts...)
	repo := s.AddRepo(s.AddInstallation(1, "o"), "o/r")
	return &fixture{t: t, s: s, repo: repo, c: client{t, s.URL, "token " + s.token(t, 1)}}
}

// do sends a request and decodes the JSON answer into out (if not nil).
func (f *fixture) do(method, path, body string, out any) (int, http.Header) {
	f.t.Helper()
	r, got := f.c.do(method, path, body)
	if out != nil && got != "" {
		if err := json.Unmarshal([]byte(got), out); err != nil {
			f.t.Fatalf("%s %s: %v: %s", method, path, err, got)
		}
	}
	return r.StatusCode, r.Header
}

type comparison struct {
	Status          string
	AheadBy         int       `json:"ahead_by"`
	BehindBy        int       `json:"behind_by"`
	TotalCommits    int       `json:"total_commits"`
	BaseCommit      commitRef `json:"base_commit"`
	MergeBaseCommit commitRef `json:"merge_base_commit"`
	Commits         []struct{ SHA string }
	Files           *[]struct {
		Filename, Status, Patch string
		Previous                string `json:"previous_filename"`
		Additions, Deletions    int
		Changes                 int
	}
}

type commitRef struct {
	SHA     string
	Parents []struct{ SHA string }
}

func (c comparison) shas() []string {
	var out []string
	for _, cm := range c.Commits {
		out = append(out, cm.SHA)
	}
	return out
}

func (c comparison) files() string {
	if c.Files == nil {
		return "<none>"
	}
	var out []string
	for _, f := range *c.Files {
		s := f.Status + " " + f.Filename
		if f.Previous != "" {
			s += " from " + f.Previous
		}
		out = append(out, s)
	}
	return strings.Join(out, ", ")
}

func TestCompare(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	settings := "from .base import *\n\nDEBUG = False\nALLOWED_HOSTS = [\"example.com\"]\nSECURE_HSTS_SECONDS = 31536000\n"
	fork := f.repo.Commit("main", map[string]string{"mysite/settings.py": settings, "old/name.py": settings + "X = 1\n"})
	f1 := f.repo.Commit("feature", map[string]string{"mysite/settings.py": strings.Replace(settings, "DEBUG = False", "DEBUG = True", 1)})
	f2 := f.repo.Commit("feature", map[string]string{"old/name.py": "", "new/name.py": settings + "X = 2\n"})
	m1 := f.repo.Commit("main", map[string]string{"README.md": "hello\n"})

	var c comparison
	if st, _ := f.do("GET", "/repos/o/r/compare/main...feature", "", &c); st != 200 {
		t.Fatalf("compare: %d", st)
	}
	if c.Status != "diverged" || c.AheadBy != 2 || c.BehindBy != 1 || c.TotalCommits != 2 ||
		c.MergeBaseCommit.SHA != fork || c.BaseCommit.SHA != m1 || strings.Join(c.shas(), " ") != f1+" "+f2 {
		t.Errorf("main...feature: %+v", c)
	}
	// Three dots: the merge base's diff, without main's later README.
	if got := c.files(); got != "modified mysite/settings.py, renamed new/name.py from old/name.py" {
		t.Errorf("files: %s", got)
	}
	if p := (*c.Files)[0].Patch; p != "@@ -1,5 +1,5 @@\n from .base import *\n \n-DEBUG = False\n+DEBUG = True\n ALLOWED_HOSTS = [\"example.com\"]\n SECURE_HSTS_SECONDS = 31536000" {
		t.Errorf("patch %q", p)
	}
	// Two dots: the direct diff, so README.md shows as removed.
	c = comparison{}
	f.do("GET", "/repos/o/r/compare/main..feature", "", &c)
	if got := c.files(); got != "removed README.md, modified mysite/settings.py, renamed new/name.py from old/name.py" || c.MergeBaseCommit.SHA != fork {
		t.Errorf("main..feature: %s %+v", got, c.MergeBaseCommit)
	}
	for _, tc := range []struct {
		basehead, status string
		ahead, behind    int
	}{
		{"feature...main", "diverged", 1, 2},
		{fork + "..." + f2, "ahead", 2, 0},
		{f2[:7] + "..." + f1[:12], "behind", 0, 1},
		{"main...main", "identical", 0, 0},
		{"o:main...o:feature", "diverged", 2, 1},
		{"refs/heads/main...feature", "diverged", 2, 1},
	} {
		c = comparison{}
		st, _ := f.do("GET", "/repos/o/r/compare/"+tc.basehead, "", &c)
		if st != 200 || c.Status != tc.status || c.AheadBy != tc.ahead || c.BehindBy != tc.behind || c.TotalCommits != tc.ahead || len(c.Commits) != tc.ahead {
			t.Errorf("%s: %d %+v", tc.basehead, st, c)
		}
		if tc.status == "identical" && c.files() != "" {
			t.Errorf("identical: files %s", c.files())
		}
	}
	for _, bad := range []string{"main", "main...nope", "nope..feature", "...feature", "main..."} {
		if st, _ := f.do("GET", "/repos/o/r/compare/"+bad, "", nil); st != 404 {
			t.Errorf("%s: %d, want 404", bad, st)
		}
	}
	// Branch names with slashes.
	f.repo.Commit("user/topic", map[string]string{"a.py": "A = 1\n"})
	c = comparison{}
	if st, _ := f.do("GET", "/repos/o/r/compare/main...user/topic", "", &c); st != 200 || c.files() != "added a.py" {
		t.Errorf("slashed branch: %d %s", st, c.files())
	}
}

func TestCompareLimits(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	files := map[string]string{}
	for i := range MaxCompareFiles + 5 {
		files[fmt.Sprintf("f%03d.py", i)] = fmt.Sprintf("N = %d\n", i)
	}
	f.repo.Commit("wide", files)
	var c comparison
	f.do("GET", "/repos/o/r/compare/main...wide", "", &c)
	if c.Files == nil || len(*c.Files) != MaxCompareFiles || (*c.Files)[0].Filename != "f000.py" {
		t.Errorf("%d files listed, want %d", len(*c.Files), MaxCompareFiles)
	}
	// A pull request lists all of them (up to its own cap of 3,000).
	pr := f.repo.AddPull(Pull{HeadRef: "wide"})
	if len(pr.Files) != MaxCompareFiles+5 {
		t.Errorf("pull request files: %d", len(pr.Files))
	}

	var heads []string
	for i := range maxCompareCommits + 10 {
		heads = append(heads, f.repo.Commit("long", map[string]string{"n.py": fmt.Sprintf("N = %d\n", i)}))
	}
	c = comparison{}
	f.do("GET", "/repos/o/r/compare/main...long", "", &c)
	if len(c.Commits) != maxCompareCommits || c.TotalCommits != len(heads) || c.shas()[len(c.Commits)-1] != heads[len(heads)-1] || c.shas()[0] != heads[10] {
		t.Errorf("unpaged: %d commits of %d", len(c.Commits), c.TotalCommits)
	}
	if c.files() != "added n.py" || (*c.Files)[0].Patch != fmt.Sprintf("@@ -0,0 +1 @@\n+N = %d", len(heads)-1) {
		t.Errorf("files %s", c.files())
	}
	// Paged: commits by page, files on the first page only.
	c = comparison{}
	_, h := f.do("GET", "/repos/o/r/compare/main...long?per_page=100&page=2", "", &c)
	if len(c.Commits) != 100 || c.shas()[0] != heads[100] || c.Files != nil || !strings.Contains(h.Get("Link"), `rel="next"`) {
		t.Errorf("page 2: %d commits, files %s, Link %q", len(c.Commits), c.files(), h.Get("Link"))
	}
	c = comparison{}
	f.do("GET", "/repos/o/r/compare/main...long?per_page=100", "", &c)
	if len(c.Commits) != 100 || c.shas()[0] != heads[0] || c.files() != "added n.py" {
		t.Errorf("page 1: %d commits, files %s", len(c.Commits), c.files())
	}
}

func TestPullRequestFollowsItsBranch(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.repo.Commit("main", map[string]string{"settings.py": "DEBUG = False\nA = 1\n", "logo.png": "\x89PNG\x00"})
	f.repo.Commit("feature", map[string]string{"settings.py": "DEBUG = True\nA = 1\n"})
	f.repo.Commit("main", map[string]string{"other.py": "O = 1\n"})
	pr := f.repo.AddPull(Pull{HeadRef: "feature", Draft: true})
	first := pr.HeadSHA

	type pull struct {
		Draft      bool
		Head, Base struct {
			SHA, Ref, Label string
			Repo            struct {
				ID       int64
				FullName string `json:"full_name"`
				Fork     bool
			}
		}
		UpdatedAt      string `json:"updated_at"`
		MergeableState string `json:"mergeable_state"`
	}
	get := func(n int) (pull, map[string]any) {
		var p pull
		var raw map[string]any
		f.do("GET", fmt.Sprintf("/repos/o/r/pulls/%d", n), "", &p)
		f.do("GET", fmt.Sprintf("/repos/o/r/pulls/%d", n), "", &raw)
		return p, raw
	}
	p, raw := get(pr.Number)
	if !p.Draft || p.Head.SHA != first || p.MergeableState != "unknown" || p.UpdatedAt == "" ||
		raw["changed_files"] != 1.0 || raw["additions"] != 1.0 || raw["deletions"] != 1.0 || raw["commits"] != 1.0 {
		t.Errorf("pull: %+v %v", p, raw)
	}
	var files []struct{ Filename, Patch string }
	f.do("GET", fmt.Sprintf("/repos/o/r/pulls/%d/files", pr.Number), "", &files)
	if len(files) != 1 || files[0].Patch != "@@ -1,2 +1,2 @@\n-DEBUG = False\n+DEBUG = True\n A = 1" {
		t.Errorf("files before the push: %+v", files)
	}

	// A push to the branch moves the pull request's head.
	second := f.repo.Commit("feature", map[string]string{"logo.png": "\x89PNG\x00\x01", "b.py": "B = 1\n"})
	f.repo.OmitPatch("b.py")
	if got := f.repo.Pull(pr.Number); got.HeadSHA != second || got.Before != first || len(got.Files) != 3 {
		t.Errorf("after the push: head %s before %s, %d files", got.HeadSHA, got.Before, len(got.Files))
	}
	var list []struct {
		Filename, Status string
		Patch            *string
		Changes          int
	}
	f.do("GET", fmt.Sprintf("/repos/o/r/pulls/%d/files", pr.Number), "", &list)
	var got []string
	for _, e := range list {
		got = append(got, fmt.Sprintf("%s %s patch:%v changes:%d", e.Status, e.Filename, e.Patch != nil, e.Changes))
	}
	if want := "added b.py patch:false changes:1, modified logo.png patch:false changes:0, modified settings.py patch:true changes:2"; strings.Join(got, ", ") != want {
		t.Errorf("files after the push:\n%s\nwant\n%s", strings.Join(got, ", "), want)
	}
	_, raw = get(pr.Number)
	if raw["changed_files"] != 3.0 || raw["commits"] != 2.0 {
		t.Errorf("after the push: %v", raw)
	}

	// A fork's pull request: head.repo is the fork.
	f.repo.Commit("alice-patch", map[string]string{"settings.py": "DEBUG = True\nA = 2\n"})
	fp := f.repo.AddPull(Pull{HeadRef: "alice-patch", HeadRepo: "alice/r", User: "alice"})
	p, _ = get(fp.Number)
	if p.Head.Repo.FullName != "alice/r" || !p.Head.Repo.Fork || p.Head.Repo.ID == p.Base.Repo.ID || p.Base.Repo.FullName != "o/r" || p.Head.Label != "alice:alice-patch" {
		t.Errorf("fork pull: %+v", p)
	}
	f.repo.SetDraft(pr.Number, false)
	if p, _ := get(pr.Number); p.Draft {
		t.Error("SetDraft(false) left a draft")
	}
}
