// Package githubtest is an httptest fake of GitHub's REST API (and of the
// github.com page that starts the app-manifest flow) that answers like
// GitHub: the status codes, JSON shapes, pagination Link headers,
// X-RateLimit-* headers (a 304 costs nothing), ETags, 401s, 404s and 422s
// djsec meets in production. Every request body is validated against
// GitHub's published OpenAPI description (the subset embedded from
// testdata/openapi/); an invalid one is answered 422 and, unless the test
// said it expects that (AllowInvalidBodies), fails the test.
//
// Faults are injected per route: N answers of 502, a secondary rate limit
// with Retry-After, latency; or on a schedule across every route
// (StartChaos, chaos.go): 5xx, timeouts, connection resets, secondary rate
// limits and slow answers on a seeded fraction of the requests.
//
// Repositories have a commit history (one parent per commit), so pull
// request files and comparisons are computed as GitHub computes them: the
// diff from the merge base, with patches as `git diff` prints them (see
// diff.go), renames, binary files and GitHub's size limits. Pull request,
// check run and check suite webhook bodies are built from GitHub's example
// payloads with the fake's state (webhooks.go). Budget counts REST calls
// as the budgets do.
//
//	gh := githubtest.New(t)
//	inst := gh.AddInstallation(42, "octo-org")
//	repo := gh.AddRepo(inst, "octo-org/mysite")
//	repo.Commit("main", map[string]string{"mysite/settings.py": "DEBUG = True\n"})
//	gh.FailTimes("GET /repos/{owner}/{repo}", 3, 502)
//	// point GITHUB_API_URL at gh.URL, the app's ID and key at gh.AppID(), gh.AppPrivateKeyPEM()
package githubtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Rate limits as GitHub states them (the minimum for installations).
const (
	DefaultRateLimit = 5000
	maxBody          = 25 << 20
)

// Server is the fake. Its exported methods are safe for concurrent use.
type Server struct {
	// URL is the REST API's base URL, without a trailing slash: what
	// GITHUB_API_URL is set to.
	URL string
	// WebURL stands for https://github.com: the app-manifest form posts
	// there and it redirects back at once with a code.
	WebURL string

	t   testing.TB
	api *httptest.Server
	web *httptest.Server
	mux *http.ServeMux
	// served lists the routes registered, for the test that checks each
	// is in the description.
	served []string
	// tokenRoutes are the routes served with an installation token.
	tokenRoutes []string

	mu            sync.Mutex
	app           *App
	apps          map[int64]*App
	installations map[int64]*Installation
	repos         map[string]*Repo // by lower-case "owner/name"
	tokens        map[string]*token
	issued        []string
	manifestCodes map[string]*App
	manifests     []map[string]any
	limits        map[string]*rateLimit // by "app" or installation ID
	nextID        int64
	faults        []*Fault
	latency       time.Duration
	requests      []Request
	invalid       []string
	allowInvalid  bool
	tokenTTL      time.Duration
	now           func() time.Time
	// teams holds team memberships: "org/team/login" (lower case) →
	// "active" or "pending" (installations.go).
	teams map[string]string
	// chaos is the fault schedule of StartChaos (chaos.go).
	chaos chaos
	// treeLimit bounds one GET git/trees answer (trees.go).
	treeLimit treeLimits
	// hooks are the app webhook's delivery attempts (hookdeliveries.go).
	hooks hookState
	// writes enforces the secondary rate limit on content-creating
	// requests (writelimit.go).
	writes writeLimit
}

// Option configures New.
type Option func(*Server)

// AllowInvalidBodies lets a test send bodies the description rejects (they
// are still answered 422) without failing.
func AllowInvalidBodies() Option { return func(s *Server) { s.allowInvalid = true } }

// WithTokenTTL sets how long installation tokens live (GitHub: one hour).
func WithTokenTTL(d time.Duration) Option { return func(s *Server) { s.tokenTTL = d } }

// Request is one request the fake answered.
type Request struct {
	Method, Path, RawQuery string
	// Route is the description's template ("GET /repos/{owner}/{repo}"),
	// "" for an unknown route.
	Route  string
	Header http.Header
	Body   []byte
	Status int
	// At is when the fake answered (its clock).
	At time.Time
}

// Fault makes the fake answer a route badly.
type Fault struct {
	// Route is "METHOD /template" as in the description; "" is every route.
	Route string
	// Times is how many requests get the fault (default 1).
	Times int
	// Status and Header and Body make the answer; Status 0 only delays.
	Status int
	Header http.Header
	Body   string
	// Delay is waited before answering (or before the normal answer).
	Delay time.Duration
}

// New starts the fake (closed when the test ends) with one app, whose ID and
// key are AppID and AppPrivateKeyPEM.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	if _, err := loadSpec(); err != nil {
		t.Fatal(err)
	}
	s := &Server{
		t:             t,
		apps:          map[int64]*App{},
		installations: map[int64]*Installation{},
		repos:         map[string]*Repo{},
		tokens:        map[string]*token{},
		manifestCodes: map[string]*App{},
		limits:        map[string]*rateLimit{},
		nextID:        1000,
		tokenTTL:      time.Hour,
		now:           time.Now,
	}
	for _, o := range opts {
		o(s)
	}
	s.app = s.newApp("djsec-test", testKey(0))
	s.mux = http.NewServeMux()
	s.routes()
	s.api = httptest.NewServer(http.HandlerFunc(s.serveAPI))
	s.web = httptest.NewServer(s.webHandler())
	s.URL = s.api.URL
	s.WebURL = s.web.URL
	t.Cleanup(func() {
		s.api.Close()
		s.web.Close()
		s.mu.Lock()
		defer s.mu.Unlock()
		if !s.allowInvalid {
			for _, msg := range s.invalid {
				t.Errorf("githubtest: the app sent a body GitHub rejects: %s", msg)
			}
		}
	})
	return s
}

// AppID is the ID of the app the fake knows (the last one registered).
func (s *Server) AppID() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.app.ID
}

// AppPrivateKeyPEM is the app's private key.
func (s *Server) AppPrivateKeyPEM() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return []byte(s.app.PEM)
}

// Requests returns a copy of every request answered so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Count is how many requests to route were answered with status (0: any).
func (s *Server) Count(route string, status int) int {
	n := 0
	for _, r := range s.Requests() {
		if r.Route == route && (status == 0 || r.Status == status) {
			n++
		}
	}
	return n
}

// TokenRoute is the installation token exchange, which the call
// budgets leave out.
const TokenRoute = "POST /app/installations/{installation_id}/access_tokens"

// CallsExcept returns, in order, the requests answered so far whose route
// is none of routes. Every answer counts: 304s (free against the rate
// limit, but a round trip all the same), errors, injected faults and
// unknown routes (Route "").
func (s *Server) CallsExcept(routes ...string) []Request {
	var out []Request
	for _, r := range s.Requests() {
		if !slices.Contains(routes, r.Route) {
			out = append(out, r)
		}
	}
	return out
}

// Budget is the number of REST calls as the budgets count them:
// every request answered except token exchanges (CallsExcept(TokenRoute)).
func (s *Server) Budget() int { return len(s.CallsExcept(TokenRoute)) }

// BudgetReport lists the calls Budget counts, one a line ("GET
// /repos/o/r/pulls/1/files?per_page=100 → 200"), for a failure message.
func (s *Server) BudgetReport() string {
	var b strings.Builder
	for _, r := range s.CallsExcept(TokenRoute) {
		q := ""
		if r.RawQuery != "" {
			q = "?" + r.RawQuery
		}
		fmt.Fprintf(&b, "%s %s%s → %d\n", r.Method, r.Path, q, r.Status)
	}
	return b.String()
}

// ResetRequests forgets the requests answered so far, so that a test can
// count one piece of work's calls after its set-up.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

// InvalidBodies returns the validation messages of every rejected body.
func (s *Server) InvalidBodies() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.invalid...)
}

// Inject adds a fault; faults fire in the order added.
func (s *Server) Inject(f Fault) {
	if f.Times <= 0 {
		f.Times = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// FailTimes answers the next n requests to route with status (502: "Bad
// Gateway" as GitHub's front end sends it).
func (s *Server) FailTimes(route string, n, status int) {
	s.Inject(Fault{Route: route, Times: n, Status: status})
}

// SecondaryRateLimit answers the next request to route with GitHub's
// secondary rate limit: 403, Retry-After: seconds, and its message.
func (s *Server) SecondaryRateLimit(route string, retryAfterSeconds int) {
	h := http.Header{}
	h.Set("Retry-After", strconv.Itoa(retryAfterSeconds))
	s.Inject(Fault{Route: route, Status: http.StatusForbidden, Header: h,
		Body: `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 0000:0000:0000000:0000000:00000000.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits","status":"403"}`})
}

// SetLatency delays every answer by d.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// SetRateLimitRemaining sets what is left of an installation's hourly
// budget (0: its next call is refused with 403 until the reset).
func (s *Server) SetRateLimitRemaining(installationID int64, remaining int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limit(strconv.FormatInt(installationID, 10)).remaining = remaining
}

// RateLimitRemaining is what is left of an installation's budget.
func (s *Server) RateLimitRemaining(installationID int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.limit(strconv.FormatInt(installationID, 10)).remaining
}

type rateLimit struct {
	limit, remaining int
	reset            time.Time
}

func (s *Server) limit(bucket string) *rateLimit {
	l, ok := s.limits[bucket]
	if !ok || s.now().After(l.reset) {
		l = &rateLimit{limit: DefaultRateLimit, remaining: DefaultRateLimit, reset: s.now().Add(time.Hour).Truncate(time.Second)}
		s.limits[bucket] = l
	}
	return l
}

func (s *Server) id() int64 {
	s.nextID++
	return s.nextID
}

// call is one request being answered.
type call struct {
	s      *Server
	w      http.ResponseWriter
	r      *http.Request
	route  string
	body   any    // decoded JSON body (json.Number for numbers), nil if none
	raw    []byte // the body as sent
	auth   authKind
	inst   *Installation // for token calls
	bucket string        // rate-limit bucket, "" for unauthenticated calls
	repo   *Repo         // for /repos/{owner}/{repo}/... routes
	header http.Header   // extra response headers (Link)
}

type authKind int

const (
	authNone authKind = iota
	authJWT
	authToken
)

type handler func(c *call) (int, any)

// handle registers a route written as the description writes it.
func (s *Server) handle(route string, auth authKind, h handler) {
	pattern := route
	// A path and a compare's basehead may hold slashes (branch names).
	if strings.HasSuffix(pattern, "{path}") || strings.HasSuffix(pattern, "{basehead}") || strings.HasSuffix(pattern, "{ref}") {
		pattern = strings.TrimSuffix(pattern, "}") + "...}"
	}
	s.handleAt(route, pattern, auth, h)
}

// handleAt registers a route under another mux pattern, for the routes
// net/http's mux cannot tell apart from a sibling as GitHub writes them.
func (s *Server) handleAt(route, pattern string, auth authKind, h handler) {
	s.served = append(s.served, route)
	if auth == authToken {
		s.tokenRoutes = append(s.tokenRoutes, route)
	}
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		s.serveRoute(w, r, route, auth, h)
	})
}

// recorder notes the status and records the request as soon as the
// status is known, before the client can see the answer: a test that
// counts calls right after its last response must find that call counted.
type recorder struct {
	http.ResponseWriter
	status int
	record func(status int)
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
		r.record(code)
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.WriteHeader(http.StatusOK)
	}
	return r.ResponseWriter.Write(b)
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(raw))
	_, pattern := s.mux.Handler(r)
	route := strings.ReplaceAll(pattern, "...}", "}")
	record := func(status int) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.requests = append(s.requests, Request{
			Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Route: route,
			Header: r.Header.Clone(), Body: raw, Status: status, At: s.now(),
		})
	}
	if s.serveChaos(w, r, route, record) {
		return
	}
	rec := &recorder{ResponseWriter: w, record: record}
	s.mu.Lock()
	latency := s.latency
	s.mu.Unlock()
	if latency > 0 && !sleep(r.Context(), latency) {
		record(0)
		return
	}
	if route == "" {
		writeJSON(rec, http.StatusNotFound, notFound())
	} else {
		s.mux.ServeHTTP(rec, r)
	}
	if rec.status == 0 {
		record(0) // the client went away before an answer
	}
}

func (s *Server) serveRoute(w http.ResponseWriter, r *http.Request, route string, auth authKind, h handler) {
	if f := s.takeFault(route); f != nil {
		if f.Delay > 0 && !sleep(r.Context(), f.Delay) {
			return
		}
		if f.Status != 0 {
			for k, vs := range f.Header {
				w.Header()[k] = vs
			}
			body := f.Body
			if body == "" {
				body = fmt.Sprintf(`{"message":%q}`, http.StatusText(f.Status))
			}
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(f.Status)
			io.WriteString(w, body)
			return
		}
	}
	raw, _ := io.ReadAll(r.Body)
	c := &call{s: s, w: w, r: r, route: route, raw: raw, auth: auth, header: http.Header{}}

	// Authentication first, as GitHub does: a bad token is 401 whatever
	// else is wrong.
	s.mu.Lock()
	status, msg := s.authenticate(c)
	s.mu.Unlock()
	if status != 0 {
		writeJSON(w, status, msg)
		return
	}
	if c.inst != nil {
		s.mu.Lock()
		ok, body := s.permitted(route)
		s.mu.Unlock()
		if !ok {
			writeJSON(w, http.StatusForbidden, body)
			return
		}
	}
	if c.bucket != "" {
		s.mu.Lock()
		l := s.limit(c.bucket)
		if l.remaining <= 0 {
			s.mu.Unlock()
			setRateHeaders(w.Header(), l, "core")
			writeJSON(w, http.StatusForbidden, map[string]any{
				"message":           "API rate limit exceeded for installation. If you reach out to GitHub Support for help, please include the request ID.",
				"documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
				"status":            "403",
			})
			return
		}
		s.mu.Unlock()
	}
	if c.inst != nil && contentCreating(c.r.Method) {
		s.mu.Lock()
		retry, over := s.overWriteLimit(c.inst.ID, s.now())
		s.mu.Unlock()
		if over {
			secondaryWriteLimit(w, retry)
			return
		}
	}

	if op := LookupOperation(route); len(bytes.TrimSpace(raw)) > 0 || (op != nil && op.RequestBody != nil && op.RequestBody.Required) {
		if len(bytes.TrimSpace(raw)) > 0 {
			v, err := decodeJSON(raw)
			if err != nil {
				s.rejectBody(route, "Problems parsing JSON")
				s.finish(c, http.StatusBadRequest, map[string]any{"message": "Problems parsing JSON", "documentation_url": docURL, "status": "400"})
				return
			}
			c.body = v
		}
		if errs := ValidateBody(route, raw); len(errs) > 0 {
			s.rejectBody(route, strings.Join(errs, " "))
			s.finish(c, http.StatusUnprocessableEntity, map[string]any{
				"message":           "Invalid request.\n\n" + strings.Join(errs, "\n"),
				"documentation_url": docURL,
				"status":            "422",
			})
			return
		}
	}

	status, body := s.dispatch(c, h)
	s.finish(c, status, body)
}

// dispatch finds the repository of a /repos route (404 when it is unknown or
// the installation cannot see it) and runs the handler with s.mu held.
func (s *Server) dispatch(c *call, h handler) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if owner := c.r.PathValue("owner"); owner != "" {
		repo := s.repos[strings.ToLower(owner+"/"+c.r.PathValue("repo"))]
		if repo == nil || (c.inst != nil && !c.inst.repos[repo.key()]) {
			return http.StatusNotFound, notFound()
		}
		c.repo = repo
		if status, body, refused := s.refuse(c); refused {
			return status, body
		}
	}
	return h(c)
}

func (s *Server) rejectBody(route, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.invalid = append(s.invalid, route+": "+msg)
}

const docURL = "https://docs.github.com/rest"

func notFound() map[string]any {
	return map[string]any{"message": "Not Found", "documentation_url": docURL, "status": "404"}
}

func validationFailed(resource, field, code, message string) map[string]any {
	e := map[string]any{"resource": resource, "code": code}
	if field != "" {
		e["field"] = field
	}
	if message != "" {
		e["message"] = message
	}
	return map[string]any{"message": "Validation Failed", "errors": []any{e}, "documentation_url": docURL, "status": "422"}
}

// finish writes the answer: ETag and 304 for GETs, rate-limit headers (a
// 304 is not counted), JSON.
func (s *Server) finish(c *call, status int, body any) {
	h := c.w.Header()
	for k, vs := range c.header {
		h[k] = vs
	}
	var data []byte
	if raw, ok := body.(rawBody); ok {
		data = raw.data
		h.Set("Content-Type", raw.contentType)
	} else if body != nil {
		data, _ = json.Marshal(body)
		h.Set("Content-Type", "application/json; charset=utf-8")
	}
	if c.r.Method == http.MethodGet && status == http.StatusOK {
		// GitHub's ETags are tied to the credential: an installation
		// token lives an hour, and a new one gets no 304 for what the
		// old one read.
		cred := c.r.Header.Get("Authorization")
		sum := sha256.Sum256(append([]byte(cred+"\x00"), data...))
		etag := `W/"` + hex.EncodeToString(sum[:16]) + `"`
		h.Set("ETag", etag)
		if inm := c.r.Header.Get("If-None-Match"); inm != "" && etagMatch(inm, etag) {
			status, data = http.StatusNotModified, nil
			h.Del("Content-Type")
		}
	}
	if c.bucket != "" {
		s.mu.Lock()
		l := s.limit(c.bucket)
		if status != http.StatusNotModified {
			l.remaining--
		}
		setRateHeaders(h, l, "core")
		s.mu.Unlock()
	}
	h.Set("X-GitHub-Request-Id", fmt.Sprintf("FAKE:%d", time.Now().UnixNano()))
	h.Set("X-GitHub-Api-Version-Selected", "2022-11-28")
	c.w.WriteHeader(status)
	if status != http.StatusNotModified && status != http.StatusNoContent {
		c.w.Write(data)
	}
}

type rawBody struct {
	data        []byte
	contentType string
}

func etagMatch(header, etag string) bool {
	for _, e := range strings.Split(header, ",") {
		e = strings.TrimSpace(e)
		if e == "*" || strings.TrimPrefix(e, "W/") == strings.TrimPrefix(etag, "W/") {
			return true
		}
	}
	return false
}

func setRateHeaders(h http.Header, l *rateLimit, resource string) {
	h.Set("X-RateLimit-Limit", strconv.Itoa(l.limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(max(l.remaining, 0)))
	h.Set("X-RateLimit-Used", strconv.Itoa(l.limit-max(l.remaining, 0)))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(l.reset.Unix(), 10))
	h.Set("X-RateLimit-Resource", resource)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (s *Server) takeFault(route string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.Route == "" || f.Route == route {
			f.Times--
			if f.Times <= 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
			return f
		}
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// page cuts items to the page the query asks for (per_page default 30, at
// most 100) and sets GitHub's Link header.
func page[T any](c *call, items []T) []T {
	q := c.r.URL.Query()
	perPage, err := strconv.Atoi(q.Get("per_page"))
	if err != nil || perPage <= 0 {
		perPage = 30
	}
	perPage = min(perPage, 100)
	p, err := strconv.Atoi(q.Get("page"))
	if err != nil || p <= 0 {
		p = 1
	}
	last := max((len(items)+perPage-1)/perPage, 1)
	link := func(n int, rel string) string {
		u := *c.r.URL
		u.Scheme, u.Host = "http", c.r.Host
		v := u.Query()
		v.Set("per_page", strconv.Itoa(perPage))
		v.Set("page", strconv.Itoa(n))
		u.RawQuery = v.Encode()
		return fmt.Sprintf("<%s>; rel=%q", u.String(), rel)
	}
	var links []string
	if p > 1 {
		links = append(links, link(p-1, "prev"))
	}
	if p < last {
		links = append(links, link(p+1, "next"), link(last, "last"))
	}
	if p > 1 {
		links = append(links, link(1, "first"))
	}
	if len(links) > 0 {
		c.header.Set("Link", strings.Join(links, ", "))
	}
	start := (p - 1) * perPage
	if start >= len(items) {
		return []T{}
	}
	return items[start:min(start+perPage, len(items))]
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
