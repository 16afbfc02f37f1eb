// Package registration registers djsec as a GitHub App without reading any
// documentation: when the server starts with no APP_ID, "/" serves a page
// whose form posts the manifest built from app.yml to GitHub (a personal
// account or an organisation; GitHub Enterprise Server too), GitHub sends
// the browser back to /setup/callback with a one-time code, and the
// callback exchanges it (POST /app-manifests/{code}/conversions) for the
// app's ID, private key and webhook secret, stores them and hands them to
// the server, which goes live without a restart.
package registration

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"go.yaml.in/yaml/v3"

	"github.com/djsec/djsec"
	"github.com/djsec/djsec/config"
	"github.com/djsec/djsec/githubapp"
)

// AppCredentials are what GitHub returns for a newly registered app.
type AppCredentials struct {
	ID            int64
	Slug          string
	PEM           string
	WebhookSecret string
	ClientID      string
	ClientSecret  string
	HTMLURL       string
}

// CredentialStore keeps the app's credentials (the store package: the
// app_credentials table). LoadAppCredentials returns nil, nil when the app
// is not registered.
type CredentialStore interface {
	SaveAppCredentials(ctx context.Context, c AppCredentials) error
	LoadAppCredentials(ctx context.Context) (*AppCredentials, error)
}

// Options configures the registration pages.
type Options struct {
	// Clients is the server's client factory: the code is exchanged
	// through its base URL (GITHUB_API_URL) and layers, and it gets the new
	// credentials (SetAppCredentials) before OnRegistered runs.
	Clients *githubapp.ClientCreator
	Store   CredentialStore
	// OnRegistered is called once the credentials are stored, so the server
	// can go live (verify webhooks with the new secret) without a restart.
	OnRegistered func(AppCredentials)

	// Manifest is app.yml (default: the embedded one).
	Manifest []byte
	// WebURL is where the manifest form posts: https://github.com, or for
	// GitHub Enterprise Server its host (default: WebURLFromAPI of the
	// Clients' API URL).
	WebURL string
	// PublicURL is the address GitHub should send webhooks and the browser
	// to, e.g. https://djsec.fly.dev (default: the address the page was
	// opened at, honouring X-Forwarded-Proto and X-Forwarded-Host).
	PublicURL string
	// WebhookProxyURL (Probot's WEBHOOK_PROXY_URL, e.g. a smee.io channel)
	// replaces the webhook URL for local development.
	WebhookProxyURL string
	Logger          *slog.Logger
	// SetupToken, when set, is the proof that the person registering is
	// the operator: the page and the callback serve only a browser that
	// opened "/?token=SetupToken" (serve prints that link in its log at
	// start and shows it nowhere else), as Jupyter and Grafana do. Without
	// it, whoever reached a fresh deployment first could register their
	// own app into it.
	SetupToken string
	// TrustedProxies are the peers whose X-Forwarded-Proto and
	// X-Forwarded-Host are believed (nil: config.DefaultTrustedProxies).
	// Anyone else could make the page offer GitHub their own address as
	// the webhook URL.
	TrustedProxies []netip.Prefix
}

// Handler serves the registration page and its callback.
type Handler struct {
	opts     Options
	manifest map[string]any

	mu     sync.Mutex
	states map[string]time.Time // pending state → when it was issued
	done   *AppCredentials
}

const (
	setupCookie = "djsec_setup"
	stateCookie = "djsec_registration_state"
	stateTTL    = time.Hour // GitHub's manifest codes also live an hour
	maxStates   = 1000
)

// New prepares the handler. It panics when the manifest is not valid YAML,
// which only a broken build can cause.
func New(opts Options) *Handler {
	if opts.Manifest == nil {
		opts.Manifest = djsec.AppManifest
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.WebURL == "" {
		api := githubapp.DefaultAPIURL
		if opts.Clients != nil {
			api = opts.Clients.APIURL()
		}
		opts.WebURL = WebURLFromAPI(api)
	}
	opts.WebURL = strings.TrimRight(opts.WebURL, "/")
	m, err := ParseManifest(opts.Manifest)
	if err != nil {
		panic(err)
	}
	return &Handler{opts: opts, manifest: m, states: map[string]time.Time{}}
}

// Mount adds GET / (the registration page) and GET /setup/callback.
func (h *Handler) Mount(r gin.IRouter) {
	r.GET("/", h.page)
	r.GET("/setup/callback", h.callback)
}

// operator reports whether the request comes from the browser that opened
// the page with the setup token (always, when there is no token).
func (h *Handler) operator(r *http.Request) bool {
	if h.opts.SetupToken == "" {
		return true
	}
	c, err := r.Cookie(setupCookie)
	return err == nil && subtle.ConstantTimeCompare([]byte(c.Value), []byte(h.opts.SetupToken)) == 1
}

// takeToken turns "/?token=..." into the setup cookie and a redirect to a
// URL without it, so the token stays out of the address bar, the history
// and Referer headers. It reports whether it answered.
func (h *Handler) takeToken(c *gin.Context) bool {
	tok := c.Query("token")
	if tok == "" || h.opts.SetupToken == "" {
		return false
	}
	if subtle.ConstantTimeCompare([]byte(tok), []byte(h.opts.SetupToken)) != 1 {
		h.opts.Logger.WarnContext(c.Request.Context(), "registration: a wrong setup token", slog.String("remote", c.ClientIP()))
		render(c, http.StatusForbidden, pageData{Error: "That setup token is not this server's. Use the link the server printed in its log at start."})
		return true
	}
	http.SetCookie(c.Writer, &http.Cookie{
		Name: setupCookie, Value: tok, Path: "/", MaxAge: int(stateTTL / time.Second),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: strings.HasPrefix(h.publicURL(c.Request), "https://"),
	})
	q := c.Request.URL.Query()
	q.Del("token")
	target := "/"
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	c.Redirect(http.StatusSeeOther, target)
	return true
}

// ParseManifest reads app.yml into the JSON object GitHub expects.
func ParseManifest(data []byte) (map[string]any, error) {
	var m map[string]any
	if err := yaml.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("registration: app.yml: %w", err)
	}
	if m == nil {
		return nil, errors.New("registration: app.yml is empty")
	}
	return m, nil
}

// WebURLFromAPI derives GitHub's web address from its API address (see
// githubapp.WebURL): https://api.github.com → https://github.com; GitHub
// Enterprise Server's https://HOST/api/v3 → https://HOST; GHE.com's
// https://api.SUBDOMAIN.ghe.com → https://SUBDOMAIN.ghe.com; anything else
// (a test fake) is kept.
func WebURLFromAPI(api string) string { return githubapp.WebURL(api) }

// Manifest returns the manifest for an app served at publicURL.
func (h *Handler) Manifest(publicURL string) map[string]any {
	m := make(map[string]any, len(h.manifest)+2)
	for k, v := range h.manifest {
		m[k] = v
	}
	hook := map[string]any{}
	if old, ok := h.manifest["hook_attributes"].(map[string]any); ok {
		for k, v := range old {
			hook[k] = v
		}
	}
	hook["url"] = publicURL + "/webhook"
	if h.opts.WebhookProxyURL != "" {
		hook["url"] = h.opts.WebhookProxyURL
	}
	m["hook_attributes"] = hook
	m["redirect_url"] = publicURL + "/setup/callback"
	return m
}

func (h *Handler) publicURL(r *http.Request) string {
	if h.opts.PublicURL != "" {
		return strings.TrimRight(h.opts.PublicURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := r.Host
	if !h.fromProxy(r) {
		return scheme + "://" + host
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
		scheme = p
	}
	if fh := r.Header.Get("X-Forwarded-Host"); fh != "" {
		host = strings.TrimSpace(strings.Split(fh, ",")[0])
	}
	return scheme + "://" + host
}

// fromProxy reports whether the request's peer is a trusted proxy.
func (h *Handler) fromProxy(r *http.Request) bool {
	trusted := h.opts.TrustedProxies
	if trusted == nil {
		trusted = config.DefaultTrustedProxies
	}
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	a := ap.Addr().Unmap()
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// registered returns the stored credentials, if any.
func (h *Handler) registered(ctx context.Context) (*AppCredentials, error) {
	h.mu.Lock()
	done := h.done
	h.mu.Unlock()
	if done != nil {
		return done, nil
	}
	if h.opts.Store == nil {
		return nil, nil
	}
	return h.opts.Store.LoadAppCredentials(ctx)
}

func (h *Handler) newState() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	state := hex.EncodeToString(b)
	h.mu.Lock()
	defer h.mu.Unlock()
	now := time.Now()
	for s, at := range h.states {
		if now.Sub(at) > stateTTL {
			delete(h.states, s)
		}
	}
	if len(h.states) >= maxStates {
		return "", errors.New("too many registrations in progress")
	}
	h.states[state] = now
	return state, nil
}

// takeState checks the callback's state against the cookie set with the
// page and against the states issued, and spends it.
func (h *Handler) takeState(r *http.Request) bool {
	state := r.URL.Query().Get("state")
	cookie, err := r.Cookie(stateCookie)
	if state == "" || err != nil || subtle.ConstantTimeCompare([]byte(state), []byte(cookie.Value)) != 1 {
		return false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	at, ok := h.states[state]
	delete(h.states, state)
	return ok && time.Since(at) <= stateTTL
}

func (h *Handler) page(c *gin.Context) {
	ctx := c.Request.Context()
	if h.takeToken(c) {
		return
	}
	operator := h.operator(c.Request)
	creds, err := h.registered(ctx)
	if err != nil {
		h.opts.Logger.ErrorContext(ctx, "registration: reading the stored app credentials", slog.Any("error", err))
		render(c, http.StatusInternalServerError, pageData{Error: "The stored app credentials could not be read; see the server log."})
		return
	}
	if creds != nil {
		if !operator {
			// Which app this server runs is nobody else's business.
			render(c, http.StatusOK, pageData{Running: true})
			return
		}
		render(c, http.StatusOK, pageData{Registered: creds})
		return
	}
	if !operator {
		render(c, http.StatusForbidden, pageData{Locked: true})
		return
	}
	state, err := h.newState()
	if err != nil {
		render(c, http.StatusServiceUnavailable, pageData{Error: "Registration is busy: " + err.Error()})
		return
	}
	public := h.publicURL(c.Request)
	manifest, _ := json.Marshal(h.Manifest(public))
	org := strings.TrimSpace(c.Query("org"))
	if org != "" && !validOrg(org) {
		render(c, http.StatusBadRequest, pageData{Error: "That is not a GitHub organisation name."})
		return
	}
	http.SetCookie(c.Writer, &http.Cookie{
		Name: stateCookie, Value: state, Path: "/setup/", MaxAge: int(stateTTL / time.Second),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: strings.HasPrefix(public, "https://"),
	})
	action := h.opts.WebURL + "/settings/apps/new"
	if org != "" {
		action = h.opts.WebURL + "/organizations/" + url.PathEscape(org) + "/settings/apps/new"
	}
	action += "?state=" + url.QueryEscape(state)
	render(c, http.StatusOK, pageData{
		Action: action, Manifest: string(manifest), Org: org, WebURL: h.opts.WebURL,
		HookURL: h.Manifest(public)["hook_attributes"].(map[string]any)["url"].(string),
		Public:  public, Name: fmt.Sprint(h.manifest["name"]),
	})
}

func validOrg(s string) bool {
	if len(s) > 39 || strings.HasPrefix(s, "-") || strings.HasSuffix(s, "-") {
		return false
	}
	for _, r := range s {
		if !(r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

func (h *Handler) callback(c *gin.Context) {
	ctx := c.Request.Context()
	log := h.opts.Logger
	if !h.operator(c.Request) || !h.takeState(c.Request) {
		log.WarnContext(ctx, "registration: callback with a missing, unknown or spent state")
		render(c, http.StatusBadRequest, pageData{Error: "This registration was not started from this page, or it has expired. Start again from the home page."})
		return
	}
	code := c.Query("code")
	if code == "" || len(code) > 200 {
		render(c, http.StatusBadRequest, pageData{Error: "GitHub did not send a registration code."})
		return
	}
	// One registration at a time, and never a second one: a running
	// server's app must not be replaced from a web page.
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.done != nil {
		render(c, http.StatusConflict, pageData{Registered: h.done})
		return
	}
	if h.opts.Store != nil {
		if existing, err := h.opts.Store.LoadAppCredentials(ctx); err == nil && existing != nil {
			render(c, http.StatusConflict, pageData{Registered: existing})
			return
		}
	}
	if h.opts.Clients == nil {
		render(c, http.StatusInternalServerError, pageData{Error: "The server has no GitHub client configured; see the server log."})
		log.ErrorContext(ctx, "registration: Options.Clients is nil")
		return
	}
	client, err := h.opts.Clients.NewAnonymousClient()
	if err != nil {
		render(c, http.StatusInternalServerError, pageData{Error: err.Error()})
		return
	}
	cfg, _, err := client.Apps.CompleteAppManifest(ctx, code)
	if err != nil {
		log.ErrorContext(ctx, "registration: exchanging the manifest code", slog.Any("error", err))
		render(c, http.StatusBadGateway, pageData{Error: "GitHub did not accept the registration code (it works once, for an hour). Start again from the home page."})
		return
	}
	creds := AppCredentials{
		ID: cfg.GetID(), Slug: cfg.GetSlug(), PEM: cfg.GetPEM(), WebhookSecret: cfg.GetWebhookSecret(),
		ClientID: cfg.GetClientID(), ClientSecret: cfg.GetClientSecret(), HTMLURL: cfg.GetHTMLURL(),
	}
	if creds.ID == 0 || creds.PEM == "" {
		render(c, http.StatusBadGateway, pageData{Error: "GitHub's answer has no app ID or private key."})
		return
	}
	if h.opts.Store != nil {
		if err := h.opts.Store.SaveAppCredentials(ctx, creds); err != nil {
			log.ErrorContext(ctx, "registration: storing the app credentials", slog.Int64("app_id", creds.ID), slog.Any("error", err))
			render(c, http.StatusInternalServerError, pageData{Error: "The app was created on GitHub but its credentials could not be stored; see the server log."})
			return
		}
	}
	if err := h.opts.Clients.SetAppCredentials(creds.ID, []byte(creds.PEM)); err != nil {
		log.ErrorContext(ctx, "registration: using the new private key", slog.Int64("app_id", creds.ID), slog.Any("error", err))
	}
	h.done = &creds
	log.InfoContext(ctx, "registration: app registered", slog.Int64("app_id", creds.ID), slog.String("slug", creds.Slug))
	if h.opts.OnRegistered != nil {
		h.opts.OnRegistered(creds)
	}
	render(c, http.StatusOK, pageData{Registered: &creds, JustRegistered: true})
}

// MemoryCredentials is a CredentialStore in memory, for tests and
// `serve --insecure-dev` experiments.
type MemoryCredentials struct {
	mu    sync.Mutex
	creds *AppCredentials
}

// SaveAppCredentials implements CredentialStore.
func (m *MemoryCredentials) SaveAppCredentials(_ context.Context, c AppCredentials) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.creds = &c
	return nil
}

// LoadAppCredentials implements CredentialStore.
func (m *MemoryCredentials) LoadAppCredentials(context.Context) (*AppCredentials, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.creds == nil {
		return nil, nil
	}
	c := *m.creds
	return &c, nil
}
