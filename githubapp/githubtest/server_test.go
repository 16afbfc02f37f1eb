package githubtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v4"
)

// fakeTB records the errors New's cleanup reports.
type fakeTB struct {
	testing.TB
	errors   []string
	cleanups []func()
}

func (f *fakeTB) Helper()           {}
func (f *fakeTB) Cleanup(fn func()) { f.cleanups = append(f.cleanups, fn) }
func (f *fakeTB) Errorf(format string, args ...any) {
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}
func (f *fakeTB) Fatal(args ...any) { panic(fmt.Sprint(args...)) }
func (f *fakeTB) finish() {
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
}

type client struct {
	t    *testing.T
	base string
	auth string
}

func (c client) do(method, path, body string, hdr ...string) (*http.Response, string) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if c.auth != "" {
		req.Header.Set("Authorization", c.auth)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func (s *Server) jwt(t *testing.T, issued time.Time, life time.Duration) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.RegisteredClaims{
		Issuer:    strconv.FormatInt(s.AppID(), 10),
		IssuedAt:  jwt.NewNumericDate(issued),
		ExpiresAt: jwt.NewNumericDate(issued.Add(life)),
	})
	signed, err := tok.SignedString(s.app.key)
	if err != nil {
		t.Fatal(err)
	}
	return signed
}

func (s *Server) token(t *testing.T, inst int64) string {
	t.Helper()
	c := client{t, s.URL, "Bearer " + s.jwt(t, time.Now().Add(-time.Second), 5*time.Minute)}
	resp, body := c.do("POST", fmt.Sprintf("/app/installations/%d/access_tokens", inst), "")
	if resp.StatusCode != 201 {
		t.Fatalf("token: %d %s", resp.StatusCode, body)
	}
	var out struct{ Token string }
	json.Unmarshal([]byte(body), &out)
	return out.Token
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	s := New(t)
	s.AddRepo(s.AddInstallation(1, "o"), "o/r")
	s.AddRepo(s.AddInstallation(2, "p"), "p/q")
	now := time.Now()
	for name, c := range map[string]struct {
		auth, path string
		want       int
	}{
		"jwt ok":             {"Bearer " + s.jwt(t, now.Add(-time.Second), 9*time.Minute), "/app", 200},
		"jwt too long":       {"Bearer " + s.jwt(t, now.Add(-time.Second), 11*time.Minute), "/app", 401},
		"jwt expired":        {"Bearer " + s.jwt(t, now.Add(-20*time.Minute), 9*time.Minute), "/app", 401},
		"jwt garbage":        {"Bearer abc.def.ghi", "/app", 401},
		"no auth":            {"", "/app", 401},
		"token for /app":     {"token " + s.token(t, 1), "/app", 401},
		"token ok":           {"token " + s.token(t, 1), "/repos/o/r", 200},
		"bearer token ok":    {"Bearer " + s.token(t, 1), "/repos/o/r", 200},
		"other installation": {"token " + s.token(t, 1), "/repos/p/q", 404},
		"unknown token":      {"token ghs_nope", "/repos/o/r", 401},
		"unknown route":      {"token " + s.token(t, 1), "/repos/o/r/nothing-here", 404},
	} {
		resp, body := client{t, s.URL, c.auth}.do("GET", c.path, "")
		if resp.StatusCode != c.want {
			t.Errorf("%s: %d %s, want %d", name, resp.StatusCode, body, c.want)
		}
		if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Errorf("%s: content type %q", name, resp.Header.Get("Content-Type"))
		}
	}
	// A deleted installation mints no more tokens and its tokens stop.
	tok := s.token(t, 1)
	s.RemoveInstallation(1)
	if resp, _ := (client{t, s.URL, "token " + tok}).do("GET", "/repos/o/r", ""); resp.StatusCode != 401 {
		t.Errorf("token of a removed installation: %d", resp.StatusCode)
	}
	c := client{t, s.URL, "Bearer " + s.jwt(t, now.Add(-time.Second), time.Minute)}
	if resp, _ := c.do("POST", "/app/installations/1/access_tokens", ""); resp.StatusCode != 404 {
		t.Errorf("token for a removed installation: %d", resp.StatusCode)
	}
}

func TestRateLimitHeaders(t *testing.T) {
	t.Parallel()
	s := New(t)
	s.AddRepo(s.AddInstallation(1, "o"), "o/r")
	c := client{t, s.URL, "token " + s.token(t, 1)}
	r1, _ := c.do("GET", "/repos/o/r", "")
	r2, _ := c.do("GET", "/repos/o/r", "", "If-None-Match", r1.Header.Get("ETag"))
	r3, _ := c.do("GET", "/repos/o/r", "")
	if r1.Header.Get("X-RateLimit-Limit") != "5000" || r1.Header.Get("X-RateLimit-Remaining") != "4999" || r1.Header.Get("X-RateLimit-Resource") != "core" {
		t.Errorf("first call headers: %v", r1.Header)
	}
	if r2.StatusCode != 304 || r2.Header.Get("X-RateLimit-Remaining") != "4999" {
		t.Errorf("conditional call: %d remaining %s, want 304 and nothing spent", r2.StatusCode, r2.Header.Get("X-RateLimit-Remaining"))
	}
	if r3.Header.Get("X-RateLimit-Remaining") != "4998" {
		t.Errorf("third call remaining %s", r3.Header.Get("X-RateLimit-Remaining"))
	}
	reset, _ := strconv.ParseInt(r1.Header.Get("X-RateLimit-Reset"), 10, 64)
	if d := time.Until(time.Unix(reset, 0)); d < 59*time.Minute || d > time.Hour {
		t.Errorf("reset in %v", d)
	}
	s.SetRateLimitRemaining(1, 0)
	r4, body := c.do("GET", "/repos/o/r", "")
	if r4.StatusCode != 403 || r4.Header.Get("X-RateLimit-Remaining") != "0" || !strings.Contains(body, "rate limit exceeded") {
		t.Errorf("exhausted: %d %s %s", r4.StatusCode, r4.Header.Get("X-RateLimit-Remaining"), body)
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	s := New(t)
	s.AddRepo(s.AddInstallation(1, "o"), "o/r")
	c := client{t, s.URL, "token " + s.token(t, 1)}
	s.FailTimes("GET /repos/{owner}/{repo}", 2, 502)
	s.SecondaryRateLimit("GET /repos/{owner}/{repo}", 2)
	var got []string
	for range 4 {
		r, _ := c.do("GET", "/repos/o/r", "")
		got = append(got, strconv.Itoa(r.StatusCode)+"/"+r.Header.Get("Retry-After"))
	}
	if strings.Join(got, " ") != "502/ 502/ 403/2 200/" {
		t.Errorf("answers %v", got)
	}
	s.Inject(Fault{Route: "GET /repos/{owner}/{repo}", Delay: 150 * time.Millisecond})
	start := time.Now()
	if r, _ := c.do("GET", "/repos/o/r", ""); r.StatusCode != 200 || time.Since(start) < 150*time.Millisecond {
		t.Errorf("latency fault: %d after %v", r.StatusCode, time.Since(start))
	}
}

func TestContentsTreesAndPagination(t *testing.T) {
	t.Parallel()
	s := New(t)
	repo := s.AddRepo(s.AddInstallation(1, "o"), "o/r")
	repo.Commit("main", map[string]string{"mysite/settings/base.py": "A = 1\n", "mysite/settings/prod.py": "from .base import *\n", "manage.py": "x\n"})
	c := client{t, s.URL, "token " + s.token(t, 1)}

	r, body := c.do("GET", "/repos/o/r/contents/mysite/settings/base.py?ref=main", "")
	var file struct{ Type, Encoding, Content, Sha string }
	json.Unmarshal([]byte(body), &file)
	if r.StatusCode != 200 || file.Type != "file" || file.Encoding != "base64" || file.Sha != blobSHA([]byte("A = 1\n")) || r.Header.Get("ETag") == "" {
		t.Errorf("file: %d %s", r.StatusCode, body)
	}
	if r, body := c.do("GET", "/repos/o/r/contents/mysite/settings/base.py", "", "Accept", "application/vnd.github.raw+json"); body != "A = 1\n" {
		t.Errorf("raw: %d %q", r.StatusCode, body)
	}
	if r, body := c.do("GET", "/repos/o/r/contents/mysite/settings", ""); r.StatusCode != 200 || strings.Count(body, `"type":"file"`) != 2 {
		t.Errorf("directory: %d %s", r.StatusCode, body)
	}
	if r, _ := c.do("GET", "/repos/o/r/contents/nope.py", ""); r.StatusCode != 404 {
		t.Errorf("missing file: %d", r.StatusCode)
	}
	if r, _ := c.do("GET", "/repos/o/r/contents/manage.py?ref=no-such-branch", ""); r.StatusCode != 404 {
		t.Errorf("missing ref: %d", r.StatusCode)
	}

	_, body = c.do("GET", "/repos/o/r/git/trees/main?recursive=1", "")
	var tree struct {
		Tree []struct{ Path, Type string }
	}
	json.Unmarshal([]byte(body), &tree)
	var paths []string
	for _, e := range tree.Tree {
		paths = append(paths, e.Type+":"+e.Path)
	}
	if strings.Join(paths, " ") != "blob:manage.py tree:mysite tree:mysite/settings blob:mysite/settings/base.py blob:mysite/settings/prod.py" {
		t.Errorf("recursive tree: %v", paths)
	}
	_, body = c.do("GET", "/repos/o/r/git/trees/main", "")
	if strings.Contains(body, "base.py") {
		t.Errorf("non-recursive tree lists nested files: %s", body)
	}

	files := map[string]string{}
	for i := range 65 {
		files[fmt.Sprintf("f%02d.py", i)] = "X = 1\n"
	}
	repo.Commit("feature", files)
	pr := repo.AddPull(Pull{HeadRef: "feature"})
	r, body = c.do("GET", fmt.Sprintf("/repos/o/r/pulls/%d/files?per_page=30&page=2", pr.Number), "")
	var page2 []map[string]any
	json.Unmarshal([]byte(body), &page2)
	link := r.Header.Get("Link")
	if len(page2) != 30 || !strings.Contains(link, `page=3&per_page=30>; rel="next"`) || !strings.Contains(link, `rel="last"`) || !strings.Contains(link, `page=1&per_page=30>; rel="prev"`) {
		t.Errorf("page 2: %d files, Link %s", len(page2), link)
	}
	if page2[0]["patch"] != "@@ -0,0 +1 @@\n+X = 1" || page2[0]["status"] != "added" {
		t.Errorf("file entry %v", page2[0])
	}
	r, body = c.do("GET", fmt.Sprintf("/repos/o/r/pulls/%d/files?per_page=30&page=3", pr.Number), "")
	json.Unmarshal([]byte(body), &page2)
	if len(page2) != 5 || strings.Contains(r.Header.Get("Link"), `rel="next"`) {
		t.Errorf("last page: %d files, Link %s", len(page2), r.Header.Get("Link"))
	}
	u, _ := url.Parse(strings.Trim(strings.Split(r.Header.Get("Link"), ";")[0], "<>"))
	if u.Host == "" || u.Path != fmt.Sprintf("/repos/o/r/pulls/%d/files", pr.Number) {
		t.Errorf("Link URL %s", u)
	}
}

func TestInvalidBodyFailsTheTestUnlessAllowed(t *testing.T) {
	t.Parallel()
	ftb := &fakeTB{TB: t}
	s := New(ftb)
	s.AddRepo(s.AddInstallation(1, "o"), "o/r")
	c := client{t, s.URL, "token " + s.token(t, 1)}
	r, body := c.do("POST", "/repos/o/r/labels", `{"name":"djsec","colour":"ff0000","color":7}`)
	if r.StatusCode != 422 || !strings.Contains(body, "Invalid request") {
		t.Errorf("invalid label: %d %s", r.StatusCode, body)
	}
	if r, _ := c.do("POST", "/repos/o/r/labels", `{"name":`); r.StatusCode != 400 {
		t.Errorf("broken JSON: %d", r.StatusCode)
	}
	ftb.finish()
	if len(ftb.errors) != 2 || !strings.Contains(ftb.errors[0], "POST /repos/{owner}/{repo}/labels") {
		t.Errorf("cleanup reported %q", ftb.errors)
	}

	ftb2 := &fakeTB{TB: t}
	s2 := New(ftb2, AllowInvalidBodies())
	s2.AddRepo(s2.AddInstallation(1, "o"), "o/r")
	client{t, s2.URL, "token " + s2.token(t, 1)}.do("POST", "/repos/o/r/labels", `{"color":"ff0000"}`)
	ftb2.finish()
	if len(ftb2.errors) != 0 || len(s2.InvalidBodies()) != 1 {
		t.Errorf("AllowInvalidBodies: reported %q, recorded %q", ftb2.errors, s2.InvalidBodies())
	}
}

func TestWritesBehaveLikeGitHub(t *testing.T) {
	t.Parallel()
	s := New(t, AllowInvalidBodies())
	repo := s.AddRepo(s.AddInstallation(1, "o"), "o/r")
	head := repo.Commit("main", map[string]string{"a.py": "A = 1\n"})
	c := client{t, s.URL, "token " + s.token(t, 1)}
	expect := func(method, path, body string, want int, fragment string) string {
		t.Helper()
		r, got := c.do(method, path, body)
		if r.StatusCode != want || !strings.Contains(got, fragment) {
			t.Errorf("%s %s: %d %s, want %d with %q", method, path, r.StatusCode, got, want, fragment)
		}
		return got
	}
	// Check runs: completed needs a conclusion; annotations add up.
	expect("POST", "/repos/o/r/check-runs", `{"name":"djsec","head_sha":"`+head+`","status":"completed"}`, 422, "conclusion")
	expect("POST", "/repos/o/r/check-runs", `{"name":"djsec","head_sha":"0000"}`, 422, "No commit found")
	out := expect("POST", "/repos/o/r/check-runs", `{"name":"djsec","head_sha":"`+head+`","status":"in_progress","external_id":"djsec:`+head+`"}`, 201, `"status":"in_progress"`)
	var run struct{ ID int64 }
	json.Unmarshal([]byte(out), &run)
	ann := `{"path":"a.py","start_line":1,"end_line":1,"annotation_level":"failure","message":"m"}`
	path := fmt.Sprintf("/repos/o/r/check-runs/%d", run.ID)
	expect("PATCH", path, `{"output":{"title":"t","summary":"s","annotations":[`+ann+`,`+ann+`]}}`, 200, `"annotations_count":2`)
	expect("PATCH", path, `{"conclusion":"failure","output":{"title":"t","summary":"done","annotations":[`+ann+`]}}`, 200, `"annotations_count":3`)
	if runs := repo.CheckRuns(); len(runs) != 1 || runs[0].Status != "completed" || runs[0].Requests != 3 {
		t.Errorf("check runs %+v", runs)
	}
	// Issues, comments, reactions, labels.
	expect("POST", "/repos/o/r/issues", `{"title":"djsec audit","body":"<!-- djsec:audit -->","labels":["security"]}`, 201, `"number":1`)
	expect("GET", "/repos/o/r/issues?creator=djsec-test%5Bbot%5D&state=open", "", 200, "djsec audit")
	expect("PATCH", "/repos/o/r/issues/1", `{"body":"updated","state":"closed"}`, 200, `"state":"closed"`)
	expect("GET", "/repos/o/r/issues", "", 200, "[]")
	expect("POST", "/repos/o/r/issues/1/comments", `{"body":"hi"}`, 201, "hi")
	expect("POST", "/repos/o/r/issues/99/comments", `{"body":"hi"}`, 404, "Not Found")
	expect("POST", "/repos/o/r/issues/1/comments", `{"body":"`+strings.Repeat("x", 65537)+`"}`, 422, "too long")
	cid := repo.AddComment(1, "alice", "/djsec fix")
	expect("POST", fmt.Sprintf("/repos/o/r/issues/comments/%d/reactions", cid), `{"content":"eyes"}`, 201, "eyes")
	expect("POST", fmt.Sprintf("/repos/o/r/issues/comments/%d/reactions", cid), `{"content":"eyes"}`, 200, "eyes")
	expect("PATCH", fmt.Sprintf("/repos/o/r/issues/comments/%d", cid), `{"body":"edited"}`, 200, "edited")
	expect("POST", "/repos/o/r/labels", `{"name":"djsec","color":"ff0000"}`, 201, "djsec")
	expect("POST", "/repos/o/r/labels", `{"name":"DJSEC"}`, 422, "already_exists")
	expect("GET", "/repos/o/r/labels", "", 200, "security")
	// Permissions.
	repo.SetPermission("alice", "maintain")
	expect("GET", "/repos/o/r/collaborators/alice/permission", "", 200, `"permission":"write"`)
	expect("GET", "/repos/o/r/collaborators/mallory/permission", "", 200, `"permission":"read"`)
	// Branches, files, pull requests, reviews.
	expect("POST", "/repos/o/r/git/refs", `{"ref":"refs/heads/djsec/fix","sha":"`+head+`"}`, 201, "refs/heads/djsec/fix")
	expect("POST", "/repos/o/r/git/refs", `{"ref":"refs/heads/djsec/fix","sha":"`+head+`"}`, 422, "Reference already exists")
	expect("POST", "/repos/o/r/pulls", `{"title":"fix","head":"djsec/fix","base":"main"}`, 422, "No commits between")
	expect("PUT", "/repos/o/r/contents/a.py", `{"message":"m","content":"QSA9IDIK","branch":"djsec/fix"}`, 422, `sha\" wasn't supplied`)
	expect("PUT", "/repos/o/r/contents/a.py", `{"message":"m","content":"QSA9IDIK","branch":"djsec/fix","sha":"0123"}`, 409, "does not match")
	expect("PUT", "/repos/o/r/contents/a.py", `{"message":"m","content":"QSA9IDIK","branch":"djsec/fix","sha":"`+blobSHA([]byte("A = 1\n"))+`"}`, 200, `"commit"`)
	expect("PUT", "/repos/o/r/contents/b.py", `{"message":"m","content":"QiA9IDEK","branch":"djsec/fix"}`, 201, `"commit"`)
	out = expect("POST", "/repos/o/r/pulls", `{"title":"fix","head":"o:djsec/fix","base":"main","draft":true}`, 201, `"draft":true`)
	expect("POST", "/repos/o/r/pulls", `{"title":"fix","head":"djsec/fix","base":"main"}`, 422, "already exists")
	if got, _ := repo.File("djsec/fix", "a.py"); got != "A = 2\n" {
		t.Errorf("a.py on the branch: %q", got)
	}
	var pr struct{ Number int }
	json.Unmarshal([]byte(out), &pr)
	expect("GET", fmt.Sprintf("/repos/o/r/pulls/%d/files", pr.Number), "", 200, `"filename":"b.py"`)
	expect("POST", fmt.Sprintf("/repos/o/r/pulls/%d/reviews", pr.Number), `{"event":"COMMENT","comments":[{"path":"a.py","line":1,"body":"suggestion"}]}`, 200, `"state":"COMMENTED"`)
	expect("POST", fmt.Sprintf("/repos/o/r/pulls/%d/reviews", pr.Number), `{"event":"COMMENT","comments":[{"path":"a.py","line":40,"body":"x"}]}`, 422, "Line could not be resolved")
	if n := len(repo.Reviews(pr.Number)); n != 1 {
		t.Errorf("%d reviews", n)
	}
	// Only the check run without a conclusion was a body GitHub refuses;
	// the other 422s answer valid requests.
	if got := s.InvalidBodies(); len(got) != 1 || !strings.Contains(got[0], "conclusion") {
		t.Errorf("invalid bodies %q", got)
	}
}

func TestManifestFlow(t *testing.T) {
	t.Parallel()
	s := New(t)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	post := func(path, manifest string) *http.Response {
		resp, err := noRedirect.PostForm(s.WebURL+path, url.Values{"manifest": {manifest}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	good := `{"name":"djsec","url":"https://djsec.example","hook_attributes":{"url":"https://djsec.example/webhook"},"redirect_url":"https://djsec.example/setup/callback","default_events":["pull_request","push"],"default_permissions":{"checks":"write","contents":"read","pull_requests":"write","metadata":"read"}}`
	// GitHub sends an event only to apps with its permission, and refuses
	// a manifest subscribing to one without it (merge_group: Merge queues).
	if r := post("/settings/apps/new", strings.Replace(good, `"push"]`, `"push","merge_group"]`, 1)); r.StatusCode != 422 {
		t.Errorf("manifest with merge_group but no merge_queues permission: %d", r.StatusCode)
	}
	if r := post("/settings/apps/new?state=s1", `{"name":"x","url":"u","hook_attributes":{"url":"h"},"redirect_url":"https://x/cb","default_events":["schedule"]}`); r.StatusCode != 422 {
		t.Errorf("manifest with the schedule event: %d", r.StatusCode)
	}
	r := post("/organizations/acme/settings/apps/new?state=s2", good)
	loc, _ := url.Parse(r.Header.Get("Location"))
	if r.StatusCode != 302 || loc.Host != "djsec.example" || loc.Path != "/setup/callback" || loc.Query().Get("state") != "s2" || loc.Query().Get("code") == "" {
		t.Fatalf("redirect: %d %s", r.StatusCode, loc)
	}
	code := loc.Query().Get("code")
	resp, body := client{t, s.URL, ""}.do("POST", "/app-manifests/"+code+"/conversions", "")
	var app struct {
		ID                  int64
		Slug, PEM, ClientID string
		WebhookSecret       string `json:"webhook_secret"`
		Owner               struct{ Login string }
		Events              []string
	}
	json.Unmarshal([]byte(body), &app)
	if resp.StatusCode != 201 || app.Slug != "djsec" || app.Owner.Login != "acme" || !strings.Contains(app.PEM, "PRIVATE KEY") || app.WebhookSecret == "" || len(app.Events) != 2 {
		t.Errorf("conversion: %d %s", resp.StatusCode, body)
	}
	if s.AppID() != app.ID {
		t.Errorf("the fake's app is %d, the conversion made %d", s.AppID(), app.ID)
	}
	if resp, _ := (client{t, s.URL, ""}).do("POST", "/app-manifests/"+code+"/conversions", ""); resp.StatusCode != 404 {
		t.Errorf("a code converted twice: %d", resp.StatusCode)
	}
}
