// Package githubapp talks to GitHub's REST API as djsec's GitHub App: a
// client factory built once at start (app clients signed with the app's JWT,
// installation clients whose tokens ghinstallation caches in memory until a
// minute before they expire), with transports layered as middleware — ETag
// conditional requests, rate-limit waits, retries, metrics and logging.
// Which lines of a pull request's files changed is review's business (pure).
//
// The layers, outermost first, as one request meets them:
//
//	go-github → ghinstallation (token) → ETag cache → rate-limit wait → retry → write pacer → metrics+log → net/http
//
// Installation tokens are minted through the same layers, so a 502 from the
// token endpoint is retried and counted like any other call.
package githubapp

import (
	"container/list"
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/golang-jwt/jwt/v4"
	"github.com/google/go-github/v88/github"
	"github.com/prometheus/client_golang/prometheus"
)

// DefaultAPIURL is GitHub.com's REST API. GitHub Enterprise Server's is
// https://HOST/api/v3; a test fake's is its httptest URL.
const DefaultAPIURL = "https://api.github.com"

// ErrNoCredentials is returned for app and installation clients before the
// app is registered (no APP_ID and private key yet).
var ErrNoCredentials = errors.New("githubapp: the app has no credentials yet (APP_ID and PRIVATE_KEY)")

// Config configures a ClientCreator. Only BaseURL and the credentials come
// from the environment; the rest has working defaults.
type Config struct {
	// BaseURL is GITHUB_API_URL; empty means DefaultAPIURL.
	BaseURL string
	// AppID and PrivateKey (PEM) authenticate the app. Both may be left
	// empty until the app is registered (see SetAppCredentials).
	AppID      int64
	PrivateKey []byte

	// Registerer receives the collectors of NewMetrics; nil registers
	// nothing (the transports still work).
	Registerer prometheus.Registerer
	// Logger receives one debug line per API call and warnings for retries
	// and rate-limit waits; nil discards. A logger in the request's context
	// (ContextWithLogger) takes precedence, so job lines keep their fields.
	Logger *slog.Logger
	// ETags keeps conditional-request state; nil disables the ETag layer.
	ETags ETagStore
	// MaxCachedBody is the largest response body the ETag layer stores
	// (default 1 MiB).
	MaxCachedBody int

	Retry     RetryPolicy
	RateLimit RateLimitPolicy
	// Writes paces each installation's content-creating requests under
	// GitHub's secondary rate limits (default 80 a minute, 500 an hour).
	Writes WritePolicy

	// Transport is the innermost round tripper (default: a clone of
	// http.DefaultTransport with a 30 s response-header timeout).
	Transport http.RoundTripper
	// Middleware wraps the innermost transport, before the layers above, in
	// order (the first is closest to the network).
	Middleware []func(http.RoundTripper) http.RoundTripper
	// UserAgent defaults to "djsec".
	UserAgent string
	// InstallationCacheSize bounds the installation clients kept (and so
	// the tokens cached); the least recently used is dropped. Default 1000.
	InstallationCacheSize int

	// Sleep waits for d or until ctx is done; tests replace it to make
	// retries and rate-limit waits instant. Default: a timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock used against X-RateLimit-Reset. Default time.Now.
	Now func() time.Time
}

// ClientCreator makes go-github clients. Build one in main and share it:
// installation clients (and their cached tokens) are kept per installation.
// It is safe for concurrent use.
type ClientCreator struct {
	cfg     Config
	apiURL  string // without trailing slash
	metrics *Metrics
	base    http.RoundTripper

	// pacers holds each installation's write pacing (label →
	// *installationPacer), kept across client and credential changes.
	pacers sync.Map

	mu    sync.Mutex
	appID int64
	key   *rsa.PrivateKey
	lru   *clientCache
}

// NewClientCreator checks the configuration and parses the private key (the
// key's text never appears in an error).
func NewClientCreator(cfg Config) (*ClientCreator, error) {
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultAPIURL
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("githubapp: GITHUB_API_URL %q is not an http(s) URL", cfg.BaseURL)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleepContext
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "djsec"
	}
	if cfg.MaxCachedBody <= 0 {
		cfg.MaxCachedBody = 1 << 20
	}
	if cfg.InstallationCacheSize <= 0 {
		cfg.InstallationCacheSize = 1000
	}
	cfg.Retry = cfg.Retry.withDefaults()
	cfg.RateLimit = cfg.RateLimit.withDefaults()
	cfg.Writes = cfg.Writes.withDefaults()
	if cfg.Writes.Now == nil {
		cfg.Writes.Now = cfg.Now
	}
	if cfg.Writes.Sleep == nil {
		cfg.Writes.Sleep = cfg.Sleep
	}
	base := cfg.Transport
	if base == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.ResponseHeaderTimeout = 30 * time.Second
		t.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
		base = t
	}
	for _, m := range cfg.Middleware {
		base = m(base)
	}
	c := &ClientCreator{
		cfg:     cfg,
		apiURL:  strings.TrimRight(cfg.BaseURL, "/"),
		metrics: NewMetrics(cfg.Registerer),
		base:    base,
		lru:     newClientCache(cfg.InstallationCacheSize),
	}
	if cfg.AppID != 0 || len(cfg.PrivateKey) > 0 {
		if err := c.SetAppCredentials(cfg.AppID, cfg.PrivateKey); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// SetAppCredentials (re)configures the app — after the manifest flow
// registered it, or a key rotation — and drops every cached installation
// client and token. PEM may use literal `\n` escapes, as in a .env line.
func (c *ClientCreator) SetAppCredentials(appID int64, pem []byte) error {
	if appID <= 0 {
		return errors.New("githubapp: APP_ID must be a positive integer")
	}
	if !strings.Contains(string(pem), "\n") && strings.Contains(string(pem), `\n`) {
		pem = []byte(strings.ReplaceAll(string(pem), `\n`, "\n"))
	}
	key, err := jwt.ParseRSAPrivateKeyFromPEM(pem)
	if err != nil {
		// jwt's errors name the failure, never the key's bytes.
		return fmt.Errorf("githubapp: the private key is not an RSA key in PEM form: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.appID, c.key = appID, key
	c.lru = newClientCache(c.cfg.InstallationCacheSize)
	return nil
}

// AppID is the configured app's ID, 0 before registration.
func (c *ClientCreator) AppID() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.appID
}

// APIURL is the REST API's base URL without a trailing slash.
func (c *ClientCreator) APIURL() string { return c.apiURL }

// Metrics returns the collectors the transports update.
func (c *ClientCreator) Metrics() *Metrics { return c.metrics }

// NewAppClient returns a client authenticated as the app itself (a JWT signed
// with the private key, minted per request): GET /app, installations.
func (c *ClientCreator) NewAppClient() (*github.Client, error) {
	atr, err := c.appsTransport(labelApp)
	if err != nil {
		return nil, err
	}
	return c.newClient(atr)
}

// NewInstallationClient returns the client of one installation. Clients are
// cached, so the installation token is minted once and reused until a minute
// before it expires (ghinstallation refreshes it then).
func (c *ClientCreator) NewInstallationClient(installationID int64) (*github.Client, error) {
	if installationID <= 0 {
		return nil, fmt.Errorf("githubapp: invalid installation ID %d", installationID)
	}
	c.mu.Lock()
	lru := c.lru
	c.mu.Unlock()
	if client, ok := lru.get(installationID); ok {
		return client, nil
	}
	atr, err := c.appsTransport(strconv.FormatInt(installationID, 10))
	if err != nil {
		return nil, err
	}
	itr := ghinstallation.NewFromAppsTransport(atr, installationID)
	itr.BaseURL = c.apiURL
	client, err := c.newClient(itr)
	if err != nil {
		return nil, err
	}
	return lru.add(installationID, client), nil
}

// NewAnonymousClient returns a client with no credentials, for the one call
// that needs none: exchanging a manifest code for the app's credentials
// (POST /app-manifests/{code}/conversions). It goes through the same layers.
func (c *ClientCreator) NewAnonymousClient() (*github.Client, error) {
	return c.newClient(c.layers(labelAnonymous))
}

func (c *ClientCreator) appsTransport(label string) (*ghinstallation.AppsTransport, error) {
	c.mu.Lock()
	appID, key := c.appID, c.key
	c.mu.Unlock()
	if key == nil {
		return nil, ErrNoCredentials
	}
	atr := ghinstallation.NewAppsTransportFromPrivateKey(c.layers(label), appID, key)
	atr.BaseURL = c.apiURL
	return atr, nil
}

// layers builds the middleware stack below authentication for one
// installation (label is its ID, "app" or "anonymous").
func (c *ClientCreator) layers(label string) http.RoundTripper {
	var rt http.RoundTripper = &instrumentTransport{next: c.base, c: c, installation: label}
	pacer := c.pacer(label)
	rt = &pacerTransport{next: rt, c: c, pacer: pacer}
	rt = &retryTransport{next: rt, c: c}
	rt = &rateLimitTransport{next: rt, c: c, pacer: pacer}
	if c.cfg.ETags != nil {
		rt = &etagTransport{next: rt, c: c, scope: label}
	}
	return rt
}

func (c *ClientCreator) newClient(rt http.RoundTripper) (*github.Client, error) {
	base := c.apiURL + "/"
	upload := base
	if strings.HasSuffix(c.apiURL, "/api/v3") { // GitHub Enterprise Server
		upload = strings.TrimSuffix(c.apiURL, "/api/v3") + "/api/uploads/"
	} else if c.apiURL == DefaultAPIURL {
		upload = "https://uploads.github.com/"
	}
	return github.NewClient(
		github.WithHTTPClient(&http.Client{Transport: rt}),
		github.WithURLs(&base, &upload),
		github.WithUserAgent(c.cfg.UserAgent),
	)
}

func (c *ClientCreator) logger(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(loggerKey{}).(*slog.Logger); ok && l != nil {
		return l
	}
	return c.cfg.Logger
}

type loggerKey struct{}

// ContextWithLogger makes the transports log API calls made with ctx through
// l, so a job's lines carry its delivery ID, installation and repository.
func ContextWithLogger(ctx context.Context, l *slog.Logger) context.Context {
	return context.WithValue(ctx, loggerKey{}, l)
}

func sleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// clientCache is a small LRU of installation clients.
type clientCache struct {
	mu    sync.Mutex
	max   int
	order *list.List // front: most recent; values are *cacheEntry
	byID  map[int64]*list.Element
}

type cacheEntry struct {
	id     int64
	client *github.Client
}

func newClientCache(max int) *clientCache {
	return &clientCache{max: max, order: list.New(), byID: map[int64]*list.Element{}}
}

func (c *clientCache) get(id int64) (*github.Client, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byID[id]; ok {
		c.order.MoveToFront(e)
		return e.Value.(*cacheEntry).client, true
	}
	return nil, false
}

// add stores client unless another goroutine got there first, and returns
// the one kept, so one installation never mints two tokens concurrently.
func (c *clientCache) add(id int64, client *github.Client) *github.Client {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byID[id]; ok {
		c.order.MoveToFront(e)
		return e.Value.(*cacheEntry).client
	}
	c.byID[id] = c.order.PushFront(&cacheEntry{id: id, client: client})
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.byID, last.Value.(*cacheEntry).id)
	}
	return client
}
