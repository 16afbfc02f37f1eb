package githubapp_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-github/v88/github"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/djsec/djsec/githubapp"
	"github.com/djsec/djsec/githubapp/githubtest"
	"github.com/djsec/djsec/internal/syncbuf"
)

const instID = 42

// sleeps records the waits the transports asked for, instead of waiting.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.d = append(s.d, d)
	return ctx.Err()
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

type env struct {
	gh      *githubtest.Server
	repo    *githubtest.Repo
	cc      *githubapp.ClientCreator
	reg     *prometheus.Registry
	sleeps  *sleeps
	logs    *syncbuf.Buffer
	etags   *githubapp.MemoryETags
	headSHA string
}

func newEnv(t *testing.T, fakeOpts []githubtest.Option, mod func(*githubapp.Config)) *env {
	t.Helper()
	gh := githubtest.New(t, fakeOpts...)
	inst := gh.AddInstallation(instID, "octo-org")
	repo := gh.AddRepo(inst, "octo-org/mysite")
	head := repo.Commit("main", map[string]string{
		"mysite/settings.py": "DEBUG = True\nSECRET_KEY = 'x'\n",
		"requirements.txt":   "Django==5.2\n",
	})
	e := &env{gh: gh, repo: repo, reg: prometheus.NewRegistry(), sleeps: &sleeps{}, logs: &syncbuf.Buffer{}, etags: githubapp.NewMemoryETags(), headSHA: head}
	cfg := githubapp.Config{
		BaseURL:    gh.URL,
		AppID:      gh.AppID(),
		PrivateKey: gh.AppPrivateKeyPEM(),
		Registerer: e.reg,
		Logger:     slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		ETags:      e.etags,
		Sleep:      e.sleeps.sleep,
	}
	if mod != nil {
		mod(&cfg)
	}
	cc, err := githubapp.NewClientCreator(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.cc = cc
	return e
}

func (e *env) client(t *testing.T) *github.Client {
	t.Helper()
	c, err := e.cc.NewInstallationClient(instID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestAppClient(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, nil)
	c, err := e.cc.NewAppClient()
	if err != nil {
		t.Fatal(err)
	}
	app, _, err := c.Apps.Get(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if app.GetID() != e.gh.AppID() {
		t.Errorf("GET /app: id %d, want %d", app.GetID(), e.gh.AppID())
	}
}

func TestInstallationTokenCached(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, nil)
	ctx := context.Background()
	for range 3 {
		// A new client per call on purpose: the factory hands out the
		// cached one, so the token is minted once.
		if _, _, err := e.client(t).Repositories.Get(ctx, "octo-org", "mysite"); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(e.gh.IssuedTokens()); n != 1 {
		t.Errorf("%d tokens minted for 3 calls, want 1", n)
	}
}

func TestInstallationTokenConcurrentCallsMintOne(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, nil)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			c, err := e.cc.NewInstallationClient(instID)
			if err != nil {
				t.Error(err)
				return
			}
			if _, _, err := c.Repositories.Get(context.Background(), "octo-org", "mysite"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := len(e.gh.IssuedTokens()); n != 1 {
		t.Errorf("%d tokens minted for 20 concurrent calls, want 1", n)
	}
}

func TestInstallationTokenRefreshedNearExpiry(t *testing.T) {
	t.Parallel()
	// Tokens that expire in 30 s are inside ghinstallation's one-minute
	// margin: each call needs a fresh one.
	e := newEnv(t, []githubtest.Option{githubtest.WithTokenTTL(30 * time.Second)}, nil)
	c := e.client(t)
	for range 2 {
		if _, _, err := c.Repositories.Get(context.Background(), "octo-org", "mysite"); err != nil {
			t.Fatal(err)
		}
	}
	tokens := e.gh.IssuedTokens()
	if len(tokens) != 2 || tokens[0] == tokens[1] {
		t.Errorf("tokens minted: %d, want 2 different ones", len(tokens))
	}
	// The calls used the freshest token.
	reqs := e.gh.Requests()
	last := reqs[len(reqs)-1]
	if got := last.Header.Get("Authorization"); got != "token "+tokens[1] {
		t.Errorf("last call not made with the refreshed token")
	}
}

func TestNoCredentialsYet(t *testing.T) {
	t.Parallel()
	cc, err := githubapp.NewClientCreator(githubapp.Config{BaseURL: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cc.NewInstallationClient(1); !errors.Is(err, githubapp.ErrNoCredentials) {
		t.Errorf("installation client before registration: %v, want ErrNoCredentials", err)
	}
	if _, err := cc.NewAppClient(); !errors.Is(err, githubapp.ErrNoCredentials) {
		t.Errorf("app client before registration: %v, want ErrNoCredentials", err)
	}
	if _, err := cc.NewAnonymousClient(); err != nil {
		t.Errorf("anonymous client: %v", err)
	}
}

func TestSetAppCredentialsGoesLive(t *testing.T) {
	t.Parallel()
	gh := githubtest.New(t)
	gh.AddRepo(gh.AddInstallation(7, "octo-org"), "octo-org/x")
	cc, err := githubapp.NewClientCreator(githubapp.Config{BaseURL: gh.URL})
	if err != nil {
		t.Fatal(err)
	}
	// The .env form: one line with \n escapes.
	escaped := strings.ReplaceAll(string(gh.AppPrivateKeyPEM()), "\n", `\n`)
	if err := cc.SetAppCredentials(gh.AppID(), []byte(escaped)); err != nil {
		t.Fatal(err)
	}
	c, err := cc.NewInstallationClient(7)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Repositories.Get(context.Background(), "octo-org", "x"); err != nil {
		t.Fatal(err)
	}
}

func TestBadPrivateKeyErrorHidesKey(t *testing.T) {
	t.Parallel()
	secret := "-----BEGIN RSA PRIVATE KEY-----\nTOPSECRETMATERIAL\n-----END RSA PRIVATE KEY-----\n"
	_, err := githubapp.NewClientCreator(githubapp.Config{AppID: 1, PrivateKey: []byte(secret)})
	if err == nil {
		t.Fatal("a broken key was accepted")
	}
	if strings.Contains(err.Error(), "TOPSECRET") {
		t.Errorf("error quotes the key: %v", err)
	}
}

func TestRetry502ThenSuccess(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, nil)
	const route = "GET /repos/{owner}/{repo}"
	e.gh.FailTimes(route, 3, http.StatusBadGateway)
	repo, _, err := e.client(t).Repositories.Get(context.Background(), "octo-org", "mysite")
	if err != nil {
		t.Fatalf("after 3× 502: %v", err)
	}
	if repo.GetFullName() != "octo-org/mysite" {
		t.Errorf("full_name %q", repo.GetFullName())
	}
	if n := e.gh.Count(route, 502); n != 3 {
		t.Errorf("fake answered 502 %d times, want 3", n)
	}
	waits := e.sleeps.all()
	if len(waits) != 3 {
		t.Fatalf("waited %d times, want 3: %v", len(waits), waits)
	}
	// Bounded exponential backoff with jitter: 250–500 ms, 0.5–1 s, 1–2 s.
	for i, w := range waits {
		hi := 500 * time.Millisecond << i
		if w < hi/2 || w > hi {
			t.Errorf("wait %d = %v, want within [%v, %v]", i+1, w, hi/2, hi)
		}
	}
	if got := testutil.ToFloat64(counter(t, e.reg, "djsec_github_api_requests_total", map[string]string{"route": route, "status": "502"})); got != 3 {
		t.Errorf("metric: %v calls with 502, want 3", got)
	}
	if got := testutil.ToFloat64(counter(t, e.reg, "djsec_github_api_retries_total", map[string]string{"route": route, "reason": "Bad Gateway"})); got != 3 {
		t.Errorf("metric: %v retries, want 3", got)
	}
}

func TestRetryGivesUp(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, func(c *githubapp.Config) { c.Retry.MaxAttempts = 3 })
	e.gh.FailTimes("GET /repos/{owner}/{repo}", 10, http.StatusServiceUnavailable)
	_, resp, err := e.client(t).Repositories.Get(context.Background(), "octo-org", "mysite")
	if err == nil || resp.StatusCode != 503 {
		t.Fatalf("got %v, want the 503 after 3 attempts", err)
	}
	if n := e.gh.Count("GET /repos/{owner}/{repo}", 503); n != 3 {
		t.Errorf("%d attempts, want 3", n)
	}
}

func TestPOSTNotRetriedOn502(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, nil)
	const route = "POST /repos/{owner}/{repo}/issues"
	e.gh.FailTimes(route, 1, http.StatusBadGateway)
	_, _, err := e.client(t).Issues.Create(context.Background(), "octo-org", "mysite", &github.IssueRequest{Title: github.Ptr("djsec audit")})
	if err == nil {
		t.Fatal("a POST answered 502 was retried into success; it may have created the issue twice")
	}
	if n := e.gh.Count(route, 0); n != 1 {
		t.Errorf("POST sent %d times, want 1", n)
	}
	if n := len(e.repo.Issues()); n != 0 {
		t.Errorf("%d issues", n)
	}
}

func TestPOSTRetriedWhenConnectionRefused(t *testing.T) {
	t.Parallel()
	// A port nothing listens on: the connection is refused before a byte
	// of the request is sent, so even a POST may be sent again.
	l := httptest.NewServer(http.NotFoundHandler())
	dead := l.URL
	l.Close()
	e := newEnv(t, nil, func(c *githubapp.Config) { c.BaseURL = dead; c.Retry.MaxAttempts = 3 })
	anon, err := e.cc.NewAnonymousClient()
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = anon.Apps.CompleteAppManifest(context.Background(), "code")
	if err == nil {
		t.Fatal("no error from a dead server")
	}
	if n := len(e.sleeps.all()); n != 2 {
		t.Errorf("POST with connection refused retried %d times, want 2", n)
	}
}

func TestTokenEndpointRetriedOn502(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, nil)
	e.gh.FailTimes("POST /app/installations/{installation_id}/access_tokens", 2, http.StatusBadGateway)
	if _, _, err := e.client(t).Repositories.Get(context.Background(), "octo-org", "mysite"); err != nil {
		t.Fatal(err)
	}
}

func TestSecondaryRateLimitRetryAfter(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, nil)
	const route = "GET /repos/{owner}/{repo}/pulls/{pull_number}"
	e.repo.Commit("feature", map[string]string{"mysite/settings.py": "DEBUG = False\n"})
	pr := e.repo.AddPull(githubtest.Pull{HeadRef: "feature"})
	e.gh.SecondaryRateLimit(route, 2)
	got, _, err := e.client(t).PullRequests.Get(context.Background(), "octo-org", "mysite", pr.Number)
	if err != nil {
		t.Fatal(err)
	}
	if got.GetNumber() != pr.Number {
		t.Errorf("number %d", got.GetNumber())
	}
	if waits := e.sleeps.all(); len(waits) != 1 || waits[0] != 2*time.Second {
		t.Errorf("waits %v, want [2s] from Retry-After: 2", waits)
	}
	if n := e.gh.Count(route, 403); n != 1 {
		t.Errorf("403 answered %d times", n)
	}
	if got := testutil.ToFloat64(counter(t, e.reg, "djsec_github_rate_limit_waits_total", map[string]string{"limit": "secondary"})); got != 1 {
		t.Errorf("metric: %v waits", got)
	}
}

func TestSecondaryRateLimitOnPOSTIsRetried(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, nil)
	e.gh.SecondaryRateLimit("POST /repos/{owner}/{repo}/issues", 1)
	if _, _, err := e.client(t).Issues.Create(context.Background(), "octo-org", "mysite", &github.IssueRequest{Title: github.Ptr("audit")}); err != nil {
		t.Fatal(err)
	}
	if n := len(e.repo.Issues()); n != 1 {
		t.Errorf("%d issues, want 1", n)
	}
}

func TestSecondaryRateLimitRealWaitHonoursContext(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, func(c *githubapp.Config) { c.Sleep = nil }) // real timers
	e.gh.SecondaryRateLimit("GET /repos/{owner}/{repo}", 30)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err := e.client(t).Repositories.Get(ctx, "octo-org", "mysite")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v, want the context's deadline", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the wait ignored the context: %v", d)
	}
}

func TestSecondaryRateLimitShortRealWait(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, func(c *githubapp.Config) { c.Sleep = nil })
	e.gh.SecondaryRateLimit("GET /repos/{owner}/{repo}", 1)
	start := time.Now()
	if _, _, err := e.client(t).Repositories.Get(context.Background(), "octo-org", "mysite"); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < time.Second {
		t.Errorf("answered after %v: Retry-After: 1 was not waited for", d)
	}
}

func TestPrimaryRateLimitTooLongIsReturned(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, nil)
	c := e.client(t)
	if _, _, err := c.Repositories.Get(context.Background(), "octo-org", "mysite"); err != nil {
		t.Fatal(err)
	}
	e.gh.SetRateLimitRemaining(instID, 0)
	_, _, err := c.Repositories.Get(context.Background(), "octo-org", "mysite")
	var rle *github.RateLimitError
	if !errors.As(err, &rle) {
		t.Fatalf("got %v, want a RateLimitError", err)
	}
	if n := len(e.sleeps.all()); n != 0 {
		t.Errorf("waited %d times for a reset an hour away", n)
	}
}

func TestETag304ServedFromCacheCostsNoRateLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, nil)
	c := e.client(t)
	ctx := context.Background()
	get := func() (string, *github.Response) {
		t.Helper()
		fc, _, resp, err := c.Repositories.GetContents(ctx, "octo-org", "mysite", "mysite/settings.py", &github.RepositoryContentGetOptions{Ref: "main"})
		if err != nil {
			t.Fatal(err)
		}
		text, err := fc.GetContent()
		if err != nil {
			t.Fatal(err)
		}
		return text, resp
	}
	first, resp1 := get()
	before := e.gh.RateLimitRemaining(instID)
	second, resp2 := get()
	after := e.gh.RateLimitRemaining(instID)

	if first != second || !strings.Contains(second, "DEBUG = True") {
		t.Errorf("cached content %q differs from %q", second, first)
	}
	if resp1.Header.Get(githubapp.FromCacheHeader) != "" || resp2.Header.Get(githubapp.FromCacheHeader) != "1" {
		t.Errorf("from-cache marks: first %q, second %q", resp1.Header.Get(githubapp.FromCacheHeader), resp2.Header.Get(githubapp.FromCacheHeader))
	}
	if resp2.StatusCode != 200 {
		t.Errorf("status served %d, want 200", resp2.StatusCode)
	}
	if before != after {
		t.Errorf("the 304 cost rate limit: %d → %d", before, after)
	}
	if resp2.Rate.Remaining != after {
		t.Errorf("go-github saw remaining %d, fake says %d", resp2.Rate.Remaining, after)
	}
	const route = "GET /repos/{owner}/{repo}/contents/{path}"
	if n := e.gh.Count(route, 304); n != 1 {
		t.Errorf("fake answered 304 %d times, want 1", n)
	}
	reqs := e.gh.Requests()
	if inm := reqs[len(reqs)-1].Header.Get("If-None-Match"); inm == "" {
		t.Error("the second GET was not conditional")
	}
	if got := testutil.ToFloat64(counter(t, e.reg, "djsec_github_etag_cache_total", map[string]string{"result": "hit"})); got != 1 {
		t.Errorf("metric: %v cache hits", got)
	}
	if got := testutil.ToFloat64(counter(t, e.reg, "djsec_github_api_requests_total", map[string]string{"route": route, "status": "304"})); got != 1 {
		t.Errorf("metric: %v calls answered 304", got)
	}

	// A change makes the next GET a 200 with the new body.
	e.repo.Commit("main", map[string]string{"mysite/settings.py": "DEBUG = False\n"})
	third, resp3 := get()
	if third != "DEBUG = False\n" || resp3.Header.Get(githubapp.FromCacheHeader) != "" {
		t.Errorf("after a change: %q (from cache %q)", third, resp3.Header.Get(githubapp.FromCacheHeader))
	}
}

func TestETagCacheScopedByInstallation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, nil)
	e.gh.AddInstallation(43, "someone-else")
	if _, _, err := e.client(t).Repositories.Get(context.Background(), "octo-org", "mysite"); err != nil {
		t.Fatal(err)
	}
	c2, err := e.cc.NewInstallationClient(43)
	if err != nil {
		t.Fatal(err)
	}
	// Installation 43 has no access: GitHub says 404, and the body cached
	// for 42 must not be served to it.
	if _, resp, err := c2.Repositories.Get(context.Background(), "octo-org", "mysite"); err == nil || resp.StatusCode != 404 {
		t.Errorf("installation 43 read installation 42's repository: %v", err)
	}
}

func TestWithoutETagCache(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, nil)
	ctx := githubapp.WithoutETagCache(context.Background())
	for range 2 {
		if _, _, err := e.client(t).Repositories.Get(ctx, "octo-org", "mysite"); err != nil {
			t.Fatal(err)
		}
	}
	if e.etags.Len() != 0 || e.gh.Count("GET /repos/{owner}/{repo}", 304) != 0 {
		t.Error("the ETag layer ran although the context opted out")
	}
}

func TestPaginationFollowsLinks(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, nil)
	files := map[string]string{}
	for i := range 250 {
		files["app"+string(rune('a'+i%26))+"/f"+strconv.Itoa(i)+".py"] = "X = 1\n"
	}
	e.repo.Commit("big", files)
	pr := e.repo.AddPull(githubtest.Pull{HeadRef: "big"})
	c := e.client(t)
	opts := &github.ListOptions{PerPage: 100}
	var all []*github.CommitFile
	for {
		fs, resp, err := c.PullRequests.ListFiles(context.Background(), "octo-org", "mysite", pr.Number, opts)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, fs...)
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	if len(all) != 250 {
		t.Errorf("%d files over the pages, want 250", len(all))
	}
	if n := e.gh.Count("GET /repos/{owner}/{repo}/pulls/{pull_number}/files", 200); n != 3 {
		t.Errorf("%d pages fetched, want 3", n)
	}
}

func TestInvalidBodyRejectedWith422(t *testing.T) {
	t.Parallel()
	e := newEnv(t, []githubtest.Option{githubtest.AllowInvalidBodies()}, nil)
	c := e.client(t)
	ctx := context.Background()
	// annotation_level must be notice, warning or failure.
	_, resp, err := c.Checks.CreateCheckRun(ctx, "octo-org", "mysite", github.CreateCheckRunOptions{
		Name: "djsec", HeadSHA: e.headSHA,
		Output: &github.CheckRunOutput{
			Title: github.Ptr("djsec"), Summary: github.Ptr("1 finding"),
			Annotations: []*github.CheckRunAnnotation{{
				Path: github.Ptr("mysite/settings.py"), StartLine: github.Ptr(1), EndLine: github.Ptr(1),
				AnnotationLevel: github.Ptr("critical"), Message: github.Ptr("DEBUG is True"),
			}},
		},
	})
	if err == nil || resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("invalid annotation_level: %v, want 422", err)
	}
	if !strings.Contains(err.Error(), "annotation_level") {
		t.Errorf("422 message does not name the field: %v", err)
	}
	if len(e.gh.InvalidBodies()) != 1 || len(e.repo.CheckRuns()) != 0 {
		t.Errorf("invalid bodies %v, check runs %d", e.gh.InvalidBodies(), len(e.repo.CheckRuns()))
	}
	// The same call with a valid level goes through.
	run, _, err := c.Checks.CreateCheckRun(ctx, "octo-org", "mysite", github.CreateCheckRunOptions{
		Name: "djsec", HeadSHA: e.headSHA, Status: github.Ptr("in_progress"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Checks.UpdateCheckRun(ctx, "octo-org", "mysite", run.GetID(), github.UpdateCheckRunOptions{
		Name: "djsec", Conclusion: github.Ptr("failure"),
		Output: &github.CheckRunOutput{Title: github.Ptr("djsec"), Summary: github.Ptr("1 finding"), Annotations: []*github.CheckRunAnnotation{{
			Path: github.Ptr("mysite/settings.py"), StartLine: github.Ptr(1), EndLine: github.Ptr(1),
			AnnotationLevel: github.Ptr("failure"), Message: github.Ptr("DEBUG is True"),
		}}},
	}); err != nil {
		t.Fatal(err)
	}
	runs := e.repo.CheckRuns()
	if len(runs) != 1 || runs[0].Conclusion != "failure" || len(runs[0].Annotations) != 1 {
		t.Errorf("check runs: %+v", runs)
	}
}

func TestSecretsNeverLogged(t *testing.T) {
	t.Parallel()
	e := newEnv(t, []githubtest.Option{githubtest.AllowInvalidBodies()}, nil)
	ctx := context.Background()
	c := e.client(t)
	// Success, retries, a rate-limit wait, a 404 and a 422: every logging
	// path of the transports.
	e.gh.FailTimes("", 2, http.StatusBadGateway)
	e.gh.SecondaryRateLimit("GET /repos/{owner}/{repo}", 1)
	c.Repositories.Get(ctx, "octo-org", "mysite")
	c.Repositories.Get(ctx, "octo-org", "nope")
	c.Checks.CreateCheckRun(ctx, "octo-org", "mysite", github.CreateCheckRunOptions{Name: "djsec", HeadSHA: "zzz", Status: github.Ptr("bogus")})
	if app, err := e.cc.NewAppClient(); err == nil {
		app.Apps.Get(ctx, "")
	}

	logs := e.logs.String()
	if !strings.Contains(logs, `"msg":"github api"`) || !strings.Contains(logs, "retrying") || !strings.Contains(logs, "rate limited") {
		t.Fatalf("the transports logged too little to judge:\n%s", logs)
	}
	var secrets []string
	secrets = append(secrets, e.gh.IssuedTokens()...)
	for _, r := range e.gh.Requests() {
		if _, cred, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok {
			secrets = append(secrets, cred) // tokens and JWTs
		}
	}
	for _, line := range strings.Split(string(e.gh.AppPrivateKeyPEM()), "\n") {
		if len(line) > 20 && !strings.HasPrefix(line, "-----") {
			secrets = append(secrets, line)
		}
	}
	if len(secrets) < 5 {
		t.Fatalf("only %d secrets to look for", len(secrets))
	}
	for _, s := range secrets {
		if strings.Contains(logs, s) {
			t.Errorf("a secret (%.8s…) appears in the logs", s)
		}
	}
	if strings.Contains(logs, "ghs_") || strings.Contains(logs, "Bearer") || strings.Contains(logs, "PRIVATE KEY") {
		t.Error("the logs carry credential material")
	}
}

func TestRateLimitRemainingMetricPerInstallation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, nil)
	if _, _, err := e.client(t).Repositories.Get(context.Background(), "octo-org", "mysite"); err != nil {
		t.Fatal(err)
	}
	want := float64(e.gh.RateLimitRemaining(instID))
	if got := testutil.ToFloat64(gauge(t, e.reg, map[string]string{"installation": "42", "resource": "core"})); got != want {
		t.Errorf("installation 42 remaining: metric %v, fake %v", got, want)
	}
	// The token was minted with the app's JWT: that budget is the app's.
	if got := testutil.ToFloat64(gauge(t, e.reg, map[string]string{"installation": "app", "resource": "core"})); got != githubtest.DefaultRateLimit-1 {
		t.Errorf("app remaining: %v", got)
	}
}

func TestEnterpriseServerBaseURL(t *testing.T) {
	t.Parallel()
	gh := githubtest.New(t)
	gh.AddRepo(gh.AddInstallation(5, "corp"), "corp/site")
	target, _ := url.Parse(gh.URL)
	// GitHub Enterprise Server serves the API under /api/v3.
	ghes := httptest.NewServer(http.StripPrefix("/api/v3", httputil.NewSingleHostReverseProxy(target)))
	t.Cleanup(ghes.Close)
	reg := prometheus.NewRegistry()
	cc, err := githubapp.NewClientCreator(githubapp.Config{BaseURL: ghes.URL + "/api/v3", AppID: gh.AppID(), PrivateKey: gh.AppPrivateKeyPEM(), Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	c, err := cc.NewInstallationClient(5)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Repositories.Get(context.Background(), "corp", "site"); err != nil {
		t.Fatal(err)
	}
	if got := testutil.ToFloat64(counter(t, reg, "djsec_github_api_requests_total", map[string]string{"route": "GET /repos/{owner}/{repo}", "status": "200"})); got != 1 {
		t.Errorf("route template under /api/v3: %v calls counted", got)
	}
}

func TestContentsRoundTrip(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, nil)
	c := e.client(t)
	ctx := context.Background()
	sha, _ := e.repo.Branch("main")
	if _, _, err := c.Git.CreateRef(ctx, "octo-org", "mysite", github.CreateRef{Ref: "refs/heads/djsec/fix-1", SHA: sha}); err != nil {
		t.Fatal(err)
	}
	fc, _, _, err := c.Repositories.GetContents(ctx, "octo-org", "mysite", "mysite/settings.py", &github.RepositoryContentGetOptions{Ref: "djsec/fix-1"})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.Repositories.UpdateFile(ctx, "octo-org", "mysite", "mysite/settings.py", &github.RepositoryContentFileOptions{
		Message: github.Ptr("djsec: turn DEBUG off"), Content: []byte("DEBUG = False\n"), SHA: fc.SHA, Branch: github.Ptr("djsec/fix-1"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := e.repo.File("djsec/fix-1", "mysite/settings.py"); got != "DEBUG = False\n" {
		t.Errorf("file on the branch: %q", got)
	}
	pr, _, err := c.PullRequests.Create(ctx, "octo-org", "mysite", &github.NewPullRequest{Title: github.Ptr("djsec fixes"), Head: github.Ptr("djsec/fix-1"), Base: github.Ptr("main"), Draft: github.Ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	if !pr.GetDraft() || pr.GetHead().GetRef() != "djsec/fix-1" {
		t.Errorf("pull request %+v", pr)
	}
	// Creating the same branch again is GitHub's 422.
	_, resp, err := c.Git.CreateRef(ctx, "octo-org", "mysite", github.CreateRef{Ref: "refs/heads/djsec/fix-1", SHA: sha})
	if err == nil || resp.StatusCode != 422 {
		t.Errorf("duplicate ref: %v", err)
	}
}

func TestInstallationGoneAndNotFound(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, nil)
	ctx := context.Background()
	_, _, err := e.client(t).Repositories.Get(ctx, "octo-org", "removed")
	if !githubapp.NotFound(err) || githubapp.InstallationGone(err) {
		t.Errorf("missing repository: NotFound %v, InstallationGone %v (%v)", githubapp.NotFound(err), githubapp.InstallationGone(err), err)
	}
	// The cached client's token dies with the installation.
	e.gh.RemoveInstallation(instID)
	if _, _, err := e.client(t).Repositories.Get(ctx, "octo-org", "mysite"); !githubapp.InstallationGone(err) {
		t.Errorf("token of a deleted installation: %v", err)
	}
	c, err := e.cc.NewInstallationClient(99) // never installed
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.Repositories.Get(ctx, "octo-org", "mysite")
	if !githubapp.InstallationGone(err) {
		t.Errorf("deleted installation: %v", err)
	}
}
