// Package osv fetches live vulnerability records from an OSV API
// (https://google.github.io/osv.dev/api/) for the dependency versions a
// project pins, to add to djsec's bundled advisory data, whose records
// outside Django stop at the bundle's date. The App asks api.osv.dev by
// default (OSV_API_URL=off opts out, a URL names a mirror); the command
// line only with --online or OSV_API_URL set, so pre-commit stays
// hermetic. Every failure degrades to the bundled data with a note; none
// fails an analysis. The records it returns go into checks.Input's
// Advisories and through the same rules as the bundled ones.
package osv

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/djsec/djsec/checks"
	"github.com/djsec/djsec/checks/advisories"
	"github.com/djsec/djsec/checks/deps"
)

// EnvURL is the environment variable that configures the client: the
// API's base URL (a mirror), or "off".
const EnvURL = "OSV_API_URL"

// DefaultURL is the public OSV API, asked when OSV_API_URL is unset.
const DefaultURL = "https://api.osv.dev"

// Off is the OSV_API_URL value that turns live data off.
const Off = "off"

// Defaults.
const (
	// DefaultTTL is how long an answer for one package version is reused.
	DefaultTTL = 24 * time.Hour
	// DefaultTimeout bounds one Query (every request it makes).
	DefaultTimeout = 10 * time.Second
	// batchSize is the most queries one querybatch request carries (the
	// API accepts 1,000).
	batchSize = 1000
	// maxPages bounds the follow-up requests for a package whose answer
	// is paginated.
	maxPages = 10
	// maxResponse bounds one response body.
	maxResponse = 32 << 20
	// fetchers is how many vulnerability records are fetched at once.
	fetchers = 8
	// DefaultBackoff is how long the client stops asking after a failed
	// querybatch: when the API is down, every check run would otherwise
	// wait out the timeout before degrading to the bundle.
	DefaultBackoff = time.Minute
	// sweepEvery is how often expired cache entries are dropped, so a
	// long-running server's cache holds about one day of answers.
	sweepEvery = time.Hour
)

// Package is one dependency version to ask about (PyPI ecosystem).
type Package struct {
	Name, Version string
}

// Client queries an OSV API. The zero value is not usable; build one with
// New or FromEnv. A Client is safe for concurrent use, and its cache is
// shared by every Query.
type Client struct {
	base    string
	http    *http.Client
	timeout time.Duration
	ttl     time.Duration
	backoff time.Duration
	now     func() time.Time
	log     *slog.Logger

	mu      sync.Mutex
	answers map[Package]answer      // package version → vulnerability IDs
	records map[string]cachedRecord // ID → record
	swept   time.Time               // the last sweep of expired entries
	// downUntil: a querybatch failed with downErr; until then packages
	// not in the cache are not asked about.
	downUntil time.Time
	downErr   string
}

type answer struct {
	ids     []string
	fetched time.Time
}

type cachedRecord struct {
	rec     *advisories.Record // nil: the record is withdrawn or not about PyPI
	fetched time.Time
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sets the HTTP client (default: one without its own
// timeout; Query's timeout bounds each call).
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// WithTimeout bounds one Query.
func WithTimeout(d time.Duration) Option { return func(c *Client) { c.timeout = d } }

// WithTTL sets how long an answer is cached.
func WithTTL(d time.Duration) Option { return func(c *Client) { c.ttl = d } }

// WithBackoff sets how long the client stops asking after a failed
// querybatch (0: it asks again at the next Query).
func WithBackoff(d time.Duration) Option { return func(c *Client) { c.backoff = d } }

// WithClock replaces time.Now (tests).
func WithClock(now func() time.Time) Option { return func(c *Client) { c.now = now } }

// WithLogger sets the logger for degraded queries.
func WithLogger(l *slog.Logger) Option { return func(c *Client) { c.log = l } }

// New returns a client for the API at baseURL ("https://api.osv.dev").
func New(baseURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(strings.TrimSpace(baseURL), "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%s=%q: want an http(s) URL such as https://api.osv.dev", EnvURL, baseURL)
	}
	c := &Client{
		base:    u.String(),
		http:    &http.Client{},
		timeout: DefaultTimeout,
		ttl:     DefaultTTL,
		backoff: DefaultBackoff,
		now:     time.Now,
		log:     slog.Default(),
		answers: map[Package]answer{},
		records: map[string]cachedRecord{},
	}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// FromEnv returns the App's client: for OSV_API_URL, DefaultURL when it
// is unset, or nil when it is "off" (the bundled data alone).
func FromEnv(opts ...Option) (*Client, error) {
	return FromValue(os.Getenv(EnvURL), opts...)
}

// FromValue is FromEnv for a value of OSV_API_URL given directly.
func FromValue(v string, opts ...Option) (*Client, error) {
	v = strings.TrimSpace(v)
	switch {
	case IsOff(v):
		return nil, nil
	case v == "":
		v = DefaultURL
	}
	return New(v, opts...)
}

// IsOff reports whether an OSV_API_URL value turns live data off.
func IsOff(v string) bool { return strings.EqualFold(strings.TrimSpace(v), Off) }

// URL is the API's base URL ("" for a nil client).
func (c *Client) URL() string {
	if c == nil {
		return ""
	}
	return c.base
}

// Result is what a Query found.
type Result struct {
	// Records are the live records about the queried versions, once each.
	Records []advisories.Record
	// Note is set when some answers could not be fetched: the analysis
	// then rests on the bundled data (plus whatever was cached) for them.
	Note string
	// Queried counts the package versions asked about over the network;
	// Cached those answered from the cache.
	Queried, Cached int
	// Source is the API's URL when any answer came from it (now or from
	// the cache): the analysis used live data.
	Source string
}

// Lookup asks about the production dependencies whose version the trees
// pin (files by path, as checks.Input holds them; a pull request's head
// and base), once each, under cfg's ignore_paths. A nil client returns
// nothing: the bundled data alone.
func (c *Client) Lookup(ctx context.Context, cfg *checks.Config, trees ...map[string][]byte) Result {
	if c == nil {
		return Result{}
	}
	var pkgs []Package
	for _, files := range trees {
		for _, d := range checks.PinnedDependencies(checks.Input{Files: files, Config: cfg}) {
			pkgs = append(pkgs, Package{Name: d.Name, Version: d.Version})
		}
	}
	return c.Query(ctx, pkgs)
}

// Query returns the live records affecting pkgs. It never fails: problems
// become Result.Note and the packages concerned get no live records.
func (c *Client) Query(ctx context.Context, pkgs []Package) Result {
	if c == nil || len(pkgs) == 0 {
		return Result{}
	}
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	now := c.now()

	var res Result
	var missing []Package
	idsOf := map[Package][]string{}
	seen := map[Package]bool{}
	c.mu.Lock()
	c.sweep(now)
	down, downErr := now.Before(c.downUntil), c.downErr
	for _, p := range pkgs {
		p = Package{Name: normalize(p.Name), Version: strings.TrimSpace(p.Version)}
		if p.Name == "" || p.Version == "" || seen[p] {
			continue
		}
		seen[p] = true
		if a, ok := c.answers[p]; ok && now.Sub(a.fetched) < c.ttl {
			idsOf[p] = a.ids
			res.Cached++
			continue
		}
		missing = append(missing, p)
	}
	c.mu.Unlock()

	var problems []string
	switch {
	case len(missing) > 0 && down:
		// The API failed moments ago: do not make this analysis wait
		// for it too.
		what := fmt.Sprintf("%d package versions", len(missing))
		if len(missing) == 1 {
			what = "1 package version"
		}
		problems = append(problems, fmt.Sprintf("%s not asked after: %s", what, downErr))
	case len(missing) > 0:
		res.Queried = len(missing)
		got, err := c.queryBatch(ctx, missing)
		if err != nil {
			problems = append(problems, err.Error())
		}
		c.mu.Lock()
		for p, ids := range got {
			c.answers[p] = answer{ids: ids, fetched: now}
			idsOf[p] = ids
		}
		// Nothing answered, and not because the caller gave up: the
		// API is down or unreachable.
		if err != nil && len(got) == 0 && c.backoff > 0 && parent.Err() == nil {
			c.downUntil, c.downErr = now.Add(c.backoff), err.Error()
		}
		c.mu.Unlock()
	}
	if len(idsOf) > 0 {
		res.Source = c.base
	}

	var want []string
	wanted := map[string]bool{}
	for _, ids := range idsOf {
		for _, id := range ids {
			if !wanted[id] {
				wanted[id] = true
				want = append(want, id)
			}
		}
	}
	sort.Strings(want)
	recs, err := c.fetchRecords(ctx, want, now)
	if err != nil {
		problems = append(problems, err.Error())
	}
	res.Records = recs
	if len(problems) > 0 {
		res.Note = fmt.Sprintf("live advisory data from %s is incomplete (%s); the bundled data of %s was used for the rest",
			c.base, strings.Join(problems, "; "), advisories.SnapshotDate())
		c.log.Warn("osv: degraded to bundled advisory data", "url", c.base, "problems", strings.Join(problems, "; "))
	}
	return res
}

// sweep drops expired cache entries, at most once per sweepEvery. The
// caller holds c.mu.
func (c *Client) sweep(now time.Time) {
	if now.Sub(c.swept) < sweepEvery {
		return
	}
	c.swept = now
	for p, a := range c.answers {
		if now.Sub(a.fetched) >= c.ttl {
			delete(c.answers, p)
		}
	}
	for id, r := range c.records {
		if now.Sub(r.fetched) >= c.ttl {
			delete(c.records, id)
		}
	}
}

// queryBatch asks /v1/querybatch about pkgs and returns the vulnerability
// IDs per package for every query answered in full.
func (c *Client) queryBatch(ctx context.Context, pkgs []Package) (map[Package][]string, error) {
	out := map[Package][]string{}
	type query struct {
		Package struct {
			Name      string `json:"name"`
			Ecosystem string `json:"ecosystem"`
		} `json:"package"`
		Version   string `json:"version"`
		PageToken string `json:"page_token,omitempty"`
	}
	type batchResponse struct {
		Results []struct {
			Vulns []struct {
				ID string `json:"id"`
			} `json:"vulns"`
			NextPageToken string `json:"next_page_token"`
		} `json:"results"`
	}
	type item struct {
		pkg   Package
		token string
		pages int
	}
	var todo []item
	for _, p := range pkgs {
		todo = append(todo, item{pkg: p})
	}
	acc := map[Package][]string{}
	for len(todo) > 0 {
		n := min(batchSize, len(todo))
		chunk := todo[:n]
		todo = todo[n:]
		body := struct {
			Queries []query `json:"queries"`
		}{}
		for _, it := range chunk {
			var q query
			q.Package.Name, q.Package.Ecosystem = it.pkg.Name, "PyPI"
			q.Version, q.PageToken = it.pkg.Version, it.token
			body.Queries = append(body.Queries, q)
		}
		var resp batchResponse
		if err := c.post(ctx, "/v1/querybatch", body, &resp); err != nil {
			return out, err
		}
		if len(resp.Results) != len(chunk) {
			return out, fmt.Errorf("querybatch answered %d of %d queries", len(resp.Results), len(chunk))
		}
		for i, r := range resp.Results {
			it := chunk[i]
			for _, v := range r.Vulns {
				if v.ID != "" {
					acc[it.pkg] = append(acc[it.pkg], v.ID)
				}
			}
			switch {
			case r.NextPageToken == "":
				out[it.pkg] = acc[it.pkg]
				if out[it.pkg] == nil {
					out[it.pkg] = []string{}
				}
			case it.pages+1 >= maxPages:
				return out, fmt.Errorf("%s %s: more than %d pages of results", it.pkg.Name, it.pkg.Version, maxPages)
			default:
				todo = append(todo, item{pkg: it.pkg, token: r.NextPageToken, pages: it.pages + 1})
			}
		}
	}
	return out, nil
}

// fetchRecords returns the records for ids, from the cache or GET
// /v1/vulns/{id}. Records that cannot be fetched are left out.
func (c *Client) fetchRecords(ctx context.Context, ids []string, now time.Time) ([]advisories.Record, error) {
	var out []advisories.Record
	var todo []string
	c.mu.Lock()
	for _, id := range ids {
		if cr, ok := c.records[id]; ok && now.Sub(cr.fetched) < c.ttl {
			if cr.rec != nil {
				out = append(out, *cr.rec)
			}
			continue
		}
		todo = append(todo, id)
	}
	c.mu.Unlock()

	type fetched struct {
		id  string
		rec *advisories.Record
		err error
	}
	results := make(chan fetched)
	jobs := make(chan string)
	var wg sync.WaitGroup
	for range min(fetchers, len(todo)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range jobs {
				var o advisories.OSV
				err := c.get(ctx, "/v1/vulns/"+url.PathEscape(id), &o)
				var rec *advisories.Record
				if err == nil {
					if r, ok := advisories.FromOSV(o, "osv"); ok {
						rec = &r
					}
				}
				results <- fetched{id: id, rec: rec, err: err}
			}
		}()
	}
	go func() {
		defer close(jobs)
		for _, id := range todo {
			select {
			case jobs <- id:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() {
		wg.Wait()
		close(results)
	}()
	var errs []error
	received := 0
	for f := range results {
		received++
		if f.err != nil {
			errs = append(errs, f.err)
			continue
		}
		c.mu.Lock()
		c.records[f.id] = cachedRecord{rec: f.rec, fetched: now}
		c.mu.Unlock()
		if f.rec != nil {
			out = append(out, *f.rec)
		}
	}
	if received < len(todo) {
		// The time ran out before every record was asked for.
		errs = append(errs, fmt.Errorf("%d records not requested: %w", len(todo)-received, ctx.Err()))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	if len(errs) > 0 {
		return out, fmt.Errorf("%d of %d records not fetched: %w", len(errs), len(todo), errs[0])
	}
	return out, nil
}

func (c *Client) post(ctx context.Context, path string, body, into any) error {
	data, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(data))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	return c.do(req, into)
}

func (c *Client) get(ctx context.Context, path string, into any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return err
	}
	return c.do(req, into)
}

func (c *Client) do(req *http.Request, into any) error {
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "djsec")
	resp, err := c.http.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("%s %s: timed out", req.Method, req.URL.Path)
		}
		return fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
		return fmt.Errorf("%s %s: HTTP %d", req.Method, req.URL.Path, resp.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, err)
	}
	if len(data) > maxResponse {
		return fmt.Errorf("%s %s: response larger than %d MiB", req.Method, req.URL.Path, maxResponse>>20)
	}
	if err := json.Unmarshal(data, into); err != nil {
		return fmt.Errorf("%s %s: bad JSON: %w", req.Method, req.URL.Path, err)
	}
	return nil
}

// normalize is PEP 503's name form, which OSV's PyPI ecosystem matches.
func normalize(name string) string { return deps.NormalizeName(name) }
