package repo_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-github/v88/github"

	"github.com/djsec/djsec/checks"
	"github.com/djsec/djsec/githubapp"
	"github.com/djsec/djsec/githubapp/githubtest"
	"github.com/djsec/djsec/githubapp/repo"
	"github.com/djsec/djsec/internal/jobctx"
)

const (
	contentsRoute   = "GET /repos/{owner}/{repo}/contents/{path}"
	permissionRoute = "GET /repos/{owner}/{repo}/collaborators/{username}/permission"
	blobRoute       = "GET /repos/{owner}/{repo}/git/blobs/{file_sha}"
	treeRoute       = "GET /repos/{owner}/{repo}/git/trees/{tree_sha}"
	pullFilesRoute  = "GET /repos/{owner}/{repo}/pulls/{pull_number}/files"
)

// fixture is one repository on the fake and an installation client for it.
type fixture struct {
	gh   *githubtest.Server
	repo *githubtest.Repo
	cc   *githubapp.ClientCreator
}

func newFixture(t *testing.T, opts ...githubtest.Option) *fixture {
	t.Helper()
	gh := githubtest.New(t, opts...)
	inst := gh.AddInstallation(42, "octo-org")
	cc, err := githubapp.NewClientCreator(githubapp.Config{
		BaseURL: gh.URL, AppID: gh.AppID(), PrivateKey: gh.AppPrivateKeyPEM(),
		Sleep: func(ctx context.Context, d time.Duration) error { return ctx.Err() },
	})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{gh: gh, repo: gh.AddRepo(inst, "octo-org/mysite"), cc: cc}
}

// door is a new Repo (one job's) on the fixture's repository.
func (f *fixture) door(t *testing.T, opts ...repo.Option) *repo.Repo {
	t.Helper()
	gh, err := f.cc.NewInstallationClient(42)
	if err != nil {
		t.Fatal(err)
	}
	r, err := repo.New(gh, f.repo.FullName(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestSplitFullName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in          string
		owner, name string
	}{
		{"octo-org/mysite", "octo-org", "mysite"},
		{"octo-org", "", ""},
		{"/mysite", "", ""},
		{"octo-org/", "", ""},
		{"octo-org/mysite/extra", "", ""},
		{"", "", ""},
	} {
		owner, name, err := repo.SplitFullName(tc.in)
		if tc.owner == "" {
			if !errors.Is(err, repo.ErrBadFullName) || !errors.Is(err, jobctx.ErrPermanent) {
				t.Errorf("%q: error %v, want ErrBadFullName and jobctx.ErrPermanent", tc.in, err)
			}
			continue
		}
		if err != nil || owner != tc.owner || name != tc.name {
			t.Errorf("%q: %q, %q, %v", tc.in, owner, name, err)
		}
	}
	if _, err := repo.New(nil, "no-slash"); !errors.Is(err, repo.ErrBadFullName) {
		t.Errorf("New with a bad name: %v", err)
	}
}

// File reads raw bytes in one request, at a branch or a commit; it refuses
// a forged name without a request and a file over the one size limit
// (4 MiB for a lock file) after reading no further than it.
func TestFile(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	big := strings.Repeat("x", repo.MaxFileSize+1)
	sha := f.repo.Commit("main", map[string]string{
		"mysite/settings.py": "DEBUG = False\n",
		"big.py":             big,
		"poetry.lock":        big, // under the lock files' 4 MiB
		"bin/tool":           "\x00\x01",
	})
	tests := []struct {
		name, ref, path string
		want            string
		class           string // "", "missing", "unreadable"
		requests        int
	}{
		{"at the branch", "main", "mysite/settings.py", "DEBUG = False\n", "", 1},
		{"at the commit", sha, "mysite/settings.py", "DEBUG = False\n", "", 1},
		{"a lock file up to 4 MiB", "main", "poetry.lock", big, "", 1},
		{"missing", "main", "nope.py", "", "missing", 1},
		{"over 1 MiB", "main", "big.py", "", "unreadable", 1},
		{"forged name", "main", "mysite/../../other/repo", "", "unreadable", 0},
		{"binary, read as bytes", "main", "bin/tool", "\x00\x01", "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.door(t)
			f.gh.ResetRequests()
			data, err := r.File(context.Background(), tt.ref, tt.path)
			_, unreadable := repo.Unreadable(err)
			switch tt.class {
			case "":
				if err != nil || string(data) != tt.want {
					t.Errorf("%d bytes, %v; want %d bytes", len(data), err, len(tt.want))
				}
			case "missing":
				if !errors.Is(err, repo.ErrNotFound) {
					t.Errorf("error %v, want ErrNotFound", err)
				}
			case "unreadable":
				if !unreadable {
					t.Errorf("error %v, want an *UnreadableError", err)
				}
			}
			if n := f.gh.Count(contentsRoute, 0); n != tt.requests || r.Calls() != int64(tt.requests) {
				t.Errorf("%d requests (Calls %d), want %d", n, r.Calls(), tt.requests)
			}
		})
	}
	// Source adds the text check File leaves out.
	_, err := f.door(t).Source(context.Background(), "main", "bin/tool")
	if msg, ok := repo.Unreadable(err); !ok || !strings.Contains(msg, "binary file") {
		t.Errorf("Source of a binary file: %v", err)
	}
}

// Config reads .github/djsec.yml once per ref; none is the defaults, and
// one over the 256 KiB limit is refused, not parsed.
func TestConfig(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.repo.Commit("bare", map[string]string{"README.md": "x"})
	f.repo.Commit("main", map[string]string{".github/djsec.yml": "fix_prs: auto\n"})
	f.repo.Commit("huge", map[string]string{".github/djsec.yml": "fix_prs: auto\n#" + strings.Repeat("x", repo.MaxConfigSize)})
	ctx := context.Background()
	r := f.door(t)

	c, err := r.Config(ctx, "main")
	if err != nil || !c.Found() || c.Source() != ".github/djsec.yml@main" {
		t.Fatalf("main: %+v, %v", c, err)
	}
	if cfg, errs := c.Parse(); cfg.FixPRs != "auto" || len(errs) != 0 {
		t.Errorf("main parsed: fix_prs %q, %v", cfg.FixPRs, errs)
	}
	f.gh.ResetRequests()
	if _, err := r.Config(ctx, "main"); err != nil || f.gh.Count(contentsRoute, 0) != 0 {
		t.Errorf("read again within the job: %v, %d requests", err, f.gh.Count(contentsRoute, 0))
	}

	c, err = r.Config(ctx, "bare")
	if err != nil || c.Found() || c.Source() != "defaults" {
		t.Errorf("bare: %+v, %v", c, err)
	}
	if cfg, _ := c.Parse(); cfg.FixPRs != checks.DefaultConfig().FixPRs {
		t.Errorf("bare: fix_prs %q, want the default", cfg.FixPRs)
	}

	_, err = r.Config(ctx, "huge")
	if msg, ok := repo.Unreadable(err); !ok || msg != repo.ConfigTooLarge {
		t.Errorf("huge: %v, want %q", err, repo.ConfigTooLarge)
	}
}

// The one policy for commands and buttons: write access, then the default
// branch's allow-list when it has one. Someone without write access costs
// one call; answers are remembered for the job.
func TestCanRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		config     string
		login      string
		permission string
		refused    repo.Refusal
		why        string
		calls      int
	}{
		{"reader", "", "rita", "read", repo.RefusedPermission, "", 1},
		{"stranger", "", "sam", "", repo.RefusedPermission, "", 1},
		{"writer, no config", "", "will", "write", repo.NotRefused, "", 3},
		{"maintainer, no allow-list", "fix_prs: auto\n", "max", "maintain", repo.NotRefused, "", 3},
		{"listed writer", "commands:\n  allowed_users: [Alice]\n", "alice", "write", repo.NotRefused, "", 3},
		{"unlisted admin", "commands:\n  allowed_users: [Alice]\n", "carol", "admin", repo.RefusedAllowList,
			"this repository's `.github/djsec.yml@main` limits commands to the users `Alice`, and `carol` is not among them.", 3},
		{"allow-list too large to read", "commands:\n  allowed_users: [alice]\n#" + strings.Repeat("x", repo.MaxConfigSize), "alice", "write",
			repo.RefusedAllowList, "`.github/djsec.yml` is larger than 256 KiB; djsec does not read it.", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			files := map[string]string{"README.md": "x"}
			if tt.config != "" {
				files[".github/djsec.yml"] = tt.config
			}
			f.repo.Commit("main", files)
			if tt.permission != "" {
				f.repo.SetPermission(tt.login, tt.permission)
			}
			r := f.door(t)
			f.gh.ResetRequests()
			for range 2 { // the second answer comes from the job's memory
				acc, err := r.CanRun(context.Background(), tt.login)
				if err != nil {
					t.Fatal(err)
				}
				if acc.Refused != tt.refused || acc.Allowed() != (tt.refused == repo.NotRefused) || acc.Why != tt.why {
					t.Errorf("%+v, want refused %v why %q", acc, tt.refused, tt.why)
				}
			}
			if n := f.gh.Budget(); n != tt.calls {
				t.Errorf("%d calls, want %d:\n%s", n, tt.calls, f.gh.BudgetReport())
			}
		})
	}
}

// People shares permission answers across jobs for its TTL: a removed
// write access counts once the TTL is over.
func TestPeopleTTL(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.repo.Commit("main", map[string]string{"README.md": "x"})
	f.repo.SetPermission("writer", "write")
	var mu sync.Mutex
	clock := time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)
	people := repo.NewPeople(time.Minute, func() time.Time { mu.Lock(); defer mu.Unlock(); return clock })
	allowed := func() bool {
		acc, err := f.door(t, repo.WithPeople(people)).CanRun(context.Background(), "writer")
		if err != nil {
			t.Fatal(err)
		}
		return acc.Allowed()
	}
	if !allowed() {
		t.Fatal("a writer refused")
	}
	f.repo.SetPermission("writer", "read")
	if !allowed() || f.gh.Count(permissionRoute, 0) != 1 {
		t.Errorf("within the TTL: asked %d times, want 1 (the answer remembered)", f.gh.Count(permissionRoute, 0))
	}
	mu.Lock()
	clock = clock.Add(time.Minute + time.Second)
	mu.Unlock()
	if allowed() || f.gh.Count(permissionRoute, 0) != 2 {
		t.Errorf("past the TTL: asked %d times, want 2, and the reader refused", f.gh.Count(permissionRoute, 0))
	}
}

// A 404 of the repository itself is ErrNotFound and permanent; one of a
// file is ErrNotFound only.
func TestErrorClasses(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.repo.Commit("main", map[string]string{"README.md": "x"})
	r := f.door(t)
	_, err := r.File(context.Background(), "main", "gone.py")
	if !errors.Is(err, repo.ErrNotFound) || errors.Is(err, jobctx.ErrPermanent) {
		t.Errorf("a missing file: %v; want ErrNotFound, not permanent", err)
	}
	f.gh.RemoveRepo(f.repo.FullName())
	_, err = r.Get(context.Background())
	var re *repo.Error
	if !errors.As(err, &re) || !errors.Is(err, repo.ErrNotFound) || !errors.Is(err, jobctx.ErrPermanent) {
		t.Fatalf("a removed repository: %v; want a permanent *repo.Error", err)
	}
	if why, ok := re.Permanent(); !ok || why != githubapp.RefusedRepositoryGone {
		t.Errorf("Permanent() = %q, %v", why, ok)
	}
	if !strings.Contains(err.Error(), "get repository: the repository is gone: permanent failure") {
		t.Errorf("message %q", err.Error())
	}
}

// Follow resolves a chain of links inside the repository and says why it
// does not follow one that leaves it or dangles; WithMaxLinkReads bounds
// the link blobs one job reads.
func TestFollow(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.repo.Commit("main", map[string]string{"requirements/prod.txt": "django==5.0\n"})
	f.repo.Symlink("main", "requirements.txt", "requirements/base.txt")
	f.repo.Symlink("main", "requirements/base.txt", "prod.txt")
	f.repo.Symlink("main", "outside.txt", "../../etc/passwd")
	sha := f.repo.Symlink("main", "dangling.txt", "nowhere.txt")
	ctx := context.Background()
	tree, err := f.door(t).Tree(ctx, sha)
	if err != nil {
		t.Fatal(err)
	}
	byPath := map[string]*github.TreeEntry{}
	for _, e := range tree.Entries {
		byPath[e.GetPath()] = e
	}
	for _, tc := range []struct{ link, target, why string }{
		{"requirements.txt", "requirements/prod.txt", ""},
		{"outside.txt", "", "it points outside the repository (`../../etc/passwd`)"},
		{"dangling.txt", "", "its target `nowhere.txt` is not a file of the repository"},
	} {
		target, why, err := f.door(t).Follow(ctx, byPath, tc.link)
		if err != nil || target != tc.target || why != tc.why {
			t.Errorf("%s: %q, %q, %v; want %q, %q", tc.link, target, why, err, tc.target, tc.why)
		}
	}
	r := f.door(t, repo.WithMaxLinkReads(1))
	f.gh.ResetRequests()
	target, why, err := r.Follow(ctx, byPath, "requirements.txt")
	if err != nil || target != "" || !strings.Contains(why, "already read 1 links") || f.gh.Count(blobRoute, 0) != 1 {
		t.Errorf("past the read bound: %q, %q, %v, %d blob reads", target, why, err, f.gh.Count(blobRoute, 0))
	}
}

// Files reads entries at a branch checked against their blob SHA: a body
// in the blob cache costs no request, a body that is not the tree's blob
// is ErrMoved, a file over the limit is left out without a request.
func TestFiles(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	body := "DEBUG = False\n"
	f.repo.Commit("main", map[string]string{"mysite/settings.py": body})
	ctx := context.Background()
	cache := &memCache{m: map[string][]byte{}}
	entry := repo.Entry{Path: "mysite/settings.py", SHA: repo.GitBlobSHA([]byte(body)), Size: len(body)}

	got, unread, err := f.door(t, repo.WithBlobCache(cache)).Files(ctx, "main", []repo.Entry{entry,
		{Path: "huge.py", SHA: "0123", Size: repo.MaxFileSize + 1}})
	if err != nil || string(got["mysite/settings.py"]) != body || unread["huge.py"] == "" || f.gh.Count(contentsRoute, 0) != 1 {
		t.Fatalf("first read: %q, %v, %v, %d requests", got, unread, err, f.gh.Count(contentsRoute, 0))
	}
	f.gh.ResetRequests()
	got, _, err = f.door(t, repo.WithBlobCache(cache)).Files(ctx, "main", []repo.Entry{entry})
	if err != nil || string(got["mysite/settings.py"]) != body || f.gh.Count(contentsRoute, 0) != 0 {
		t.Errorf("from the blob cache: %q, %v, %d requests", got, err, f.gh.Count(contentsRoute, 0))
	}
	moved := entry
	moved.SHA = repo.GitBlobSHA([]byte("DEBUG = True\n"))
	if _, _, err := f.door(t).Files(ctx, "main", []repo.Entry{moved}); !errors.Is(err, repo.ErrMoved) {
		t.Errorf("bytes that are not the tree's blob: %v, want ErrMoved", err)
	}
}

type memCache struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (c *memCache) Blob(_ context.Context, sha string) ([]byte, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.m[sha]
	return b, ok, nil
}

func (c *memCache) SaveBlob(_ context.Context, sha string, body []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[sha] = body
	return nil
}

// A tree GitHub truncates is walked subtree by subtree, every file listed.
func TestWalk(t *testing.T) {
	t.Parallel()
	f := newFixture(t, githubtest.WithTreeLimit(4, 0))
	files := map[string]string{}
	for _, p := range []string{"manage.py", "a/one.py", "a/two.py", "b/three.py", "b/c/four.py", "node_modules/x/index.js"} {
		files[p] = "x\n"
	}
	sha := f.repo.Commit("main", files)
	r := f.door(t)
	tree, err := r.Tree(context.Background(), sha)
	if err != nil || !tree.GetTruncated() {
		t.Fatalf("one read: truncated %v, %v", tree.GetTruncated(), err)
	}
	entries, coverage, err := r.Walk(context.Background(), sha, 100)
	if err != nil || coverage != "" {
		t.Fatalf("walk: %v, coverage %q", err, coverage)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.GetPath())
	}
	if want := "a/one.py a/two.py b/c/four.py b/three.py manage.py"; strings.Join(slices.Sorted(slices.Values(got)), " ") != want {
		t.Errorf("walked %v, want %s (node_modules skipped)", got, want)
	}
	_, coverage, err = f.door(t).Walk(context.Background(), sha, 1)
	if err != nil || !strings.Contains(coverage, "up to 1 tree reads") {
		t.Errorf("bounded walk: %v, coverage %q", err, coverage)
	}
}

// PullFiles pages through a pull request's files, patches included.
func TestPullFiles(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.repo.Commit("main", map[string]string{"README.md": "x"})
	files := map[string]string{}
	for i := range 150 {
		files["app/m"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+string(rune('a'+i/26))+".py"] = "X = 1\n"
	}
	f.repo.Commit("feature", files)
	pr := f.repo.AddPull(githubtest.Pull{HeadRef: "feature"})
	got, err := f.door(t).PullFiles(context.Background(), pr.Number)
	if err != nil || len(got) != len(files) || f.gh.Count(pullFilesRoute, 0) != 2 {
		t.Fatalf("%d files, %v, %d pages; want %d files on 2 pages", len(got), err, f.gh.Count(pullFilesRoute, 0), len(files))
	}
	if got[0].GetPatch() == "" {
		t.Errorf("no patch on %s", got[0].GetFilename())
	}
	if _, err := f.door(t).PullFiles(context.Background(), 999); !errors.Is(err, repo.ErrNotFound) {
		t.Errorf("a missing pull request: %v, want ErrNotFound", err)
	}
}
