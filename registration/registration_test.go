package registration_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/djsec/djsec"
	"github.com/djsec/djsec/githubapp"
	"github.com/djsec/djsec/githubapp/githubtest"
	"github.com/djsec/djsec/registration"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	os.Exit(m.Run())
}

func TestAppManifest(t *testing.T) {
	t.Parallel()
	m, err := registration.ParseManifest(djsec.AppManifest)
	if err != nil {
		t.Fatal(err)
	}
	if m["name"] != "djsec" || m["url"] == nil || m["description"] == nil || m["redirect_url"] == nil {
		t.Errorf("manifest keys: %v", m)
	}
	if _, ok := m["public"].(bool); !ok {
		t.Errorf("public is %v, want a boolean", m["public"])
	}
	var events []string
	for _, e := range m["default_events"].([]any) {
		events = append(events, e.(string))
	}
	slices.Sort(events)
	if want := []string{"check_run", "check_suite", "issue_comment", "merge_group", "pull_request", "push"}; !slices.Equal(events, want) {
		t.Errorf("default_events %v, want %v (no installation: it reaches every app; no schedule: not an event)", events, want)
	}
	perms := map[string]string{}
	for k, v := range m["default_permissions"].(map[string]any) {
		perms[k] = v.(string)
	}
	want := map[string]string{"checks": "write", "contents": "write", "pull_requests": "write", "issues": "write", "metadata": "read", "merge_queues": "read"}
	if len(perms) != len(want) {
		t.Errorf("permissions %v, want exactly %v", perms, want)
	}
	for k, v := range want {
		if perms[k] != v {
			t.Errorf("permission %s: %q, want %q", k, perms[k], v)
		}
	}
	if hook, _ := m["hook_attributes"].(map[string]any); hook == nil || hook["url"] == nil {
		t.Error("hook_attributes.url missing")
	}
}

func TestWebURLFromAPI(t *testing.T) {
	t.Parallel()
	for api, want := range map[string]string{
		"https://api.github.com":            "https://github.com",
		"https://api.github.com/":           "https://github.com",
		"https://ghes.corp.example/api/v3":  "https://ghes.corp.example",
		"https://ghes.corp.example/api/v3/": "https://ghes.corp.example",
		"https://api.acme.ghe.com":          "https://acme.ghe.com",
		"http://127.0.0.1:4567":             "http://127.0.0.1:4567",
	} {
		if got := registration.WebURLFromAPI(api); got != want {
			t.Errorf("%s: %s, want %s", api, got, want)
		}
	}
}

type setup struct {
	gh      *githubtest.Server
	cc      *githubapp.ClientCreator
	store   *registration.MemoryCredentials
	srv     *httptest.Server
	mu      sync.Mutex
	onReg   []registration.AppCredentials
	handler *registration.Handler
}

func newSetup(t *testing.T, mod func(*registration.Options)) *setup {
	t.Helper()
	s := &setup{gh: githubtest.New(t), store: &registration.MemoryCredentials{}}
	cc, err := githubapp.NewClientCreator(githubapp.Config{BaseURL: s.gh.URL})
	if err != nil {
		t.Fatal(err)
	}
	s.cc = cc
	opts := registration.Options{
		Clients: cc, Store: s.store, WebURL: s.gh.WebURL,
		OnRegistered: func(c registration.AppCredentials) {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.onReg = append(s.onReg, c)
		},
	}
	if mod != nil {
		mod(&opts)
	}
	s.handler = registration.New(opts)
	r := gin.New()
	s.handler.Mount(r)
	s.srv = httptest.NewServer(r)
	t.Cleanup(s.srv.Close)
	return s
}

func (s *setup) registered() []registration.AppCredentials {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]registration.AppCredentials(nil), s.onReg...)
}

func browser(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar}
}

func get(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

var (
	actionRe   = regexp.MustCompile(`<form class="box" id="register" action="([^"]+)"`)
	manifestRe = regexp.MustCompile(`name="manifest" value="([^"]+)"`)
)

func form(t *testing.T, page string) (string, map[string]any) {
	t.Helper()
	a, m := actionRe.FindStringSubmatch(page), manifestRe.FindStringSubmatch(page)
	if a == nil || m == nil {
		t.Fatalf("no registration form in:\n%s", page)
	}
	var manifest map[string]any
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &manifest); err != nil {
		t.Fatal(err)
	}
	return html.UnescapeString(a[1]), manifest
}

// TestRegistrationFlow walks the flow with Go's HTTP client as the browser;
// TestRegistrationInChromium does it with a real one.
func TestRegistrationFlow(t *testing.T) {
	t.Parallel()
	s := newSetup(t, nil)
	c := browser(t)
	resp, page := get(t, c, s.srv.URL+"/")
	if resp.StatusCode != 200 {
		t.Fatalf("page: %d", resp.StatusCode)
	}
	action, manifest := form(t, page)
	if !strings.HasPrefix(action, s.gh.WebURL+"/settings/apps/new?state=") {
		t.Errorf("form action %s", action)
	}
	if hook := manifest["hook_attributes"].(map[string]any)["url"]; hook != s.srv.URL+"/webhook" {
		t.Errorf("hook url %v", hook)
	}
	if manifest["redirect_url"] != s.srv.URL+"/setup/callback" {
		t.Errorf("redirect_url %v", manifest["redirect_url"])
	}
	// Post the form as the browser would; the fake github.com redirects to
	// the callback at once.
	resp, err := c.PostForm(action, url.Values{"manifest": {mustJSON(manifest)}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "/installations/new") || resp.Request.URL.Path != "/setup/callback" {
		t.Fatalf("callback: %d at %s\n%s", resp.StatusCode, resp.Request.URL, body)
	}
	s.assertLive(t)

	// The page now says so, and a second registration is refused.
	_, page = get(t, c, s.srv.URL+"/")
	if !strings.Contains(page, "already registered") || strings.Contains(page, `name="manifest"`) {
		t.Errorf("page after registration:\n%s", page)
	}
}

// assertLive checks the credentials were stored, handed over, and work.
func (s *setup) assertLive(t *testing.T) {
	t.Helper()
	stored, err := s.store.LoadAppCredentials(context.Background())
	if err != nil || stored == nil {
		t.Fatalf("stored credentials: %v %v", stored, err)
	}
	if stored.ID != s.gh.AppID() || stored.Slug != "djsec" || !strings.Contains(stored.PEM, "PRIVATE KEY") ||
		stored.WebhookSecret == "" || stored.ClientID == "" || stored.ClientSecret == "" || stored.HTMLURL == "" {
		t.Errorf("stored credentials incomplete: id %d slug %q", stored.ID, stored.Slug)
	}
	if got := s.registered(); len(got) != 1 || got[0].ID != stored.ID {
		t.Errorf("OnRegistered calls: %d", len(got))
	}
	// Live without a restart: the shared client factory signs with the new key.
	app, err := s.cc.NewAppClient()
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := app.Apps.Get(context.Background(), "")
	if err != nil || got.GetID() != stored.ID {
		t.Errorf("GET /app with the new credentials: %v %v", got.GetID(), err)
	}
	manifests := s.gh.Manifests()
	if len(manifests) != 1 || manifests[0]["name"] != "djsec" {
		t.Errorf("manifests GitHub received: %v", manifests)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestCallbackRejectsForgedOrReplayedState(t *testing.T) {
	t.Parallel()
	s := newSetup(t, nil)
	noFollow := browser(t)
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	_, page := get(t, noFollow, s.srv.URL+"/")
	action, manifest := form(t, page)
	resp, err := noFollow.PostForm(action, url.Values{"manifest": {mustJSON(manifest)}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	callback, _ := url.Parse(resp.Header.Get("Location"))
	code, state := callback.Query().Get("code"), callback.Query().Get("state")

	// Another browser (no state cookie): an attacker's link.
	if resp, _ := get(t, browser(t), callback.String()); resp.StatusCode != 400 {
		t.Errorf("callback without the state cookie: %d", resp.StatusCode)
	}
	// The right cookie with another state.
	forged := s.srv.URL + "/setup/callback?code=" + code + "&state=" + strings.Repeat("0", len(state))
	if resp, _ := get(t, noFollow, forged); resp.StatusCode != 400 {
		t.Errorf("callback with a forged state: %d", resp.StatusCode)
	}
	if len(s.registered()) != 0 {
		t.Fatal("registered on a forged callback")
	}
	// The real one works once.
	if resp, body := get(t, noFollow, callback.String()); resp.StatusCode != 200 {
		t.Fatalf("callback: %d %s", resp.StatusCode, body)
	}
	if resp, _ := get(t, noFollow, callback.String()); resp.StatusCode != 400 {
		t.Errorf("replayed callback: %d", resp.StatusCode)
	}
	if n := len(s.registered()); n != 1 {
		t.Errorf("%d registrations", n)
	}
}

func TestCallbackWithBadCode(t *testing.T) {
	t.Parallel()
	s := newSetup(t, nil)
	c := browser(t)
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, _ := get(t, c, s.srv.URL+"/")
	var state string
	for _, ck := range resp.Cookies() {
		state = ck.Value
		if ck.HttpOnly != true || ck.SameSite != http.SameSiteLaxMode {
			t.Errorf("state cookie attributes: %+v", ck)
		}
	}
	resp, body := get(t, c, s.srv.URL+"/setup/callback?code=never-issued&state="+state)
	if resp.StatusCode != http.StatusBadGateway || !strings.Contains(body, "did not accept") {
		t.Errorf("unknown code: %d %s", resp.StatusCode, body)
	}
	if stored, _ := s.store.LoadAppCredentials(context.Background()); stored != nil {
		t.Error("credentials stored for a refused code")
	}
}

func TestOrganisationAndPublicURL(t *testing.T) {
	t.Parallel()
	s := newSetup(t, nil)
	req, _ := http.NewRequest("GET", s.srv.URL+"/?org=acme-corp", nil)
	req.Header.Set("X-Forwarded-Proto", "https")
	req.Header.Set("X-Forwarded-Host", "djsec.example.org")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	action, manifest := form(t, string(b))
	if !strings.HasPrefix(action, s.gh.WebURL+"/organizations/acme-corp/settings/apps/new?state=") {
		t.Errorf("org action %s", action)
	}
	if manifest["redirect_url"] != "https://djsec.example.org/setup/callback" {
		t.Errorf("redirect_url behind a proxy: %v", manifest["redirect_url"])
	}
	for _, ck := range resp.Cookies() {
		if !ck.Secure {
			t.Error("state cookie not Secure behind https")
		}
	}
	if resp, _ := get(t, http.DefaultClient, s.srv.URL+"/?org=%22%3E%3Cscript%3E"); resp.StatusCode != 400 {
		t.Errorf("bad org name: %d", resp.StatusCode)
	}

	p := newSetup(t, func(o *registration.Options) {
		o.PublicURL = "https://djsec.fly.dev/"
		o.WebhookProxyURL = "https://smee.io/abc"
	})
	_, page := get(t, http.DefaultClient, p.srv.URL+"/")
	_, manifest = form(t, page)
	if manifest["redirect_url"] != "https://djsec.fly.dev/setup/callback" || manifest["hook_attributes"].(map[string]any)["url"] != "https://smee.io/abc" {
		t.Errorf("PublicURL/WebhookProxyURL ignored: %v", manifest)
	}
}

func TestAlreadyRegisteredAtStart(t *testing.T) {
	t.Parallel()
	s := newSetup(t, nil)
	s.store.SaveAppCredentials(context.Background(), registration.AppCredentials{ID: 9, Slug: "djsec-prod", HTMLURL: "https://github.com/apps/djsec-prod"})
	_, page := get(t, http.DefaultClient, s.srv.URL+"/")
	if !strings.Contains(page, "djsec-prod") || strings.Contains(page, `name="manifest"`) || !strings.Contains(page, "https://github.com/apps/djsec-prod/installations/new") {
		t.Errorf("page:\n%s", page)
	}
}

// Only the operator — the browser that opened the link with the setup
// token from the server's log — can register; a stranger who reaches a
// fresh deployment first gets a locked page, cannot complete a callback,
// and after registration learns nothing about the app.
func TestSetupTokenGuardsRegistration(t *testing.T) {
	t.Parallel()
	const token = "s3tup-t0ken-for-tests"
	s := newSetup(t, func(o *registration.Options) { o.SetupToken = token })

	stranger := browser(t)
	resp, page := get(t, stranger, s.srv.URL+"/")
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(page, `id="locked"`) || strings.Contains(page, `name="manifest"`) {
		t.Fatalf("stranger's page: %d\n%s", resp.StatusCode, page)
	}
	if resp, _ := get(t, stranger, s.srv.URL+"/?token=guess"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a wrong token: %d, want 403", resp.StatusCode)
	}
	if resp, _ := get(t, stranger, s.srv.URL+"/setup/callback?state=x&code=y"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a stranger's callback: %d, want 400", resp.StatusCode)
	}

	operator := browser(t)
	noFollow := *operator
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, _ = get(t, &noFollow, s.srv.URL+"/?token="+token+"&org=acme")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/?org=acme" {
		t.Fatalf("the token link: %d to %q, want 303 to /?org=acme (the token out of the URL)", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page = get(t, operator, s.srv.URL+"/")
	action, manifest := form(t, page)
	// A stranger holding a state from nowhere still cannot finish: the
	// callback wants the operator's cookie as well.
	resp, err := operator.PostForm(action, url.Values{"manifest": {mustJSON(manifest)}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/setup/callback" {
		t.Fatalf("operator's callback: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	s.assertLive(t)

	_, page = get(t, stranger, s.srv.URL+"/")
	if !strings.Contains(page, `id="running"`) || strings.Contains(page, "djsec</strong>") || strings.Contains(page, "/installations/new") || strings.Contains(page, fmt.Sprint(s.gh.AppID())) {
		t.Errorf("a stranger's page after registration shows the app:\n%s", page)
	}
	if _, page = get(t, operator, s.srv.URL+"/"); !strings.Contains(page, "/installations/new") {
		t.Errorf("the operator's page after registration:\n%s", page)
	}
}

// A thousand anonymous visits issue no registration state, so they cannot
// lock the operator out (the states are capped at 1,000).
func TestAnonymousVisitsDoNotLockRegistration(t *testing.T) {
	t.Parallel()
	const token = "another-setup-token-0123"
	s := newSetup(t, func(o *registration.Options) { o.SetupToken = token })
	for range 1100 {
		resp, err := http.Get(s.srv.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	operator := browser(t)
	get(t, operator, s.srv.URL+"/?token="+token)
	if resp, page := get(t, operator, s.srv.URL+"/"); resp.StatusCode != 200 || !strings.Contains(page, `name="manifest"`) {
		t.Fatalf("the operator after 1,100 anonymous visits: %d\n%s", resp.StatusCode, page)
	}
}

// X-Forwarded-Host from a peer that is not a trusted proxy is ignored, so
// nobody can make the page hand GitHub their own webhook address.
func TestForwardedHeadersOnlyFromTrustedProxies(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		trusted []netip.Prefix
		want    string
	}{
		{"untrusted peer", []netip.Prefix{}, ""},
		{"trusted peer", []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, "https://djsec.example.com/webhook"},
	} {
		s := newSetup(t, func(o *registration.Options) { o.TrustedProxies = tc.trusted })
		req, _ := http.NewRequest("GET", s.srv.URL+"/", nil)
		req.Header.Set("X-Forwarded-Host", "djsec.example.com")
		req.Header.Set("X-Forwarded-Proto", "https")
		resp, err := browser(t).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		_, manifest := form(t, string(b))
		hook := manifest["hook_attributes"].(map[string]any)["url"]
		want := tc.want
		if want == "" {
			want = s.srv.URL + "/webhook"
		}
		if hook != want {
			t.Errorf("%s: webhook URL %v, want %s", tc.name, hook, want)
		}
	}
}
