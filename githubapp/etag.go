package githubapp

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
)

// ETagStore keeps, per request, the ETag and body of the last 200 answer,
// so the next identical GET can be conditional (If-None-Match) and a 304 —
// which costs nothing against the rate limit — served from it. The store
// package keeps them in the database; MemoryETags is for tests and the CLI.
type ETagStore interface {
	Get(ctx context.Context, key string) (etag string, body []byte, ok bool, err error)
	Put(ctx context.Context, key, etag string, body []byte) error
}

// FromCacheHeader marks a response the ETag layer served from its store
// after GitHub answered 304 Not Modified.
const FromCacheHeader = "X-Djsec-From-Cache"

type noETagKey struct{}

// WithoutETagCache makes GETs made with ctx skip the ETag layer (neither
// conditional nor stored): for one-off reads not worth a database row.
func WithoutETagCache(ctx context.Context) context.Context {
	return context.WithValue(ctx, noETagKey{}, true)
}

// etagTransport makes GETs conditional. Keys are scoped by installation, so
// one installation's cached body is never served to another (GitHub still
// checks access on every conditional request, but the cache need not rely
// on it), and include the Accept header, which selects the representation.
type etagTransport struct {
	next  http.RoundTripper
	c     *ClientCreator
	scope string
}

func (t *etagTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if req.Method != http.MethodGet || req.Header.Get("If-None-Match") != "" || ctx.Value(noETagKey{}) != nil {
		return t.next.RoundTrip(req)
	}
	store := t.c.cfg.ETags
	log := t.c.logger(ctx)
	key := t.scope + " " + req.Header.Get("Accept") + " " + req.URL.String()
	etag, cached, ok, err := store.Get(ctx, key)
	if err != nil {
		// The cache is an optimisation: a broken one costs rate limit, not
		// correctness.
		t.c.metrics.etagCache.WithLabelValues("error").Inc()
		log.LogAttrs(ctx, slog.LevelWarn, "github api: reading the ETag cache", slog.Any("error", err))
		ok = false
	}
	r := req
	if ok && etag != "" {
		r = req.Clone(ctx)
		r.Header.Set("If-None-Match", etag)
	}
	resp, err := t.next.RoundTrip(r)
	if err != nil {
		return resp, err
	}
	switch {
	case resp.StatusCode == http.StatusNotModified && ok:
		t.c.metrics.etagCache.WithLabelValues("hit").Inc()
		discard(resp)
		h := resp.Header.Clone()
		h.Del("Content-Encoding")
		h.Set("Content-Length", strconv.Itoa(len(cached)))
		h.Set(FromCacheHeader, "1")
		if h.Get("Content-Type") == "" {
			h.Set("Content-Type", "application/json; charset=utf-8")
		}
		return &http.Response{
			Status:        "200 OK",
			StatusCode:    http.StatusOK,
			Proto:         resp.Proto,
			ProtoMajor:    resp.ProtoMajor,
			ProtoMinor:    resp.ProtoMinor,
			Header:        h,
			Body:          io.NopCloser(bytes.NewReader(cached)),
			ContentLength: int64(len(cached)),
			Request:       req,
		}, nil
	case resp.StatusCode == http.StatusOK && resp.Header.Get("ETag") != "":
		t.c.metrics.etagCache.WithLabelValues("miss").Inc()
		limit := t.c.cfg.MaxCachedBody
		body, rerr := io.ReadAll(io.LimitReader(resp.Body, int64(limit)+1))
		if rerr != nil || len(body) > limit {
			// Too big to keep (or broken): hand the caller the whole body.
			resp.Body = struct {
				io.Reader
				io.Closer
			}{io.MultiReader(bytes.NewReader(body), resp.Body), resp.Body}
			return resp, nil
		}
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		if perr := store.Put(ctx, key, resp.Header.Get("ETag"), body); perr != nil {
			t.c.metrics.etagCache.WithLabelValues("error").Inc()
			log.LogAttrs(ctx, slog.LevelWarn, "github api: writing the ETag cache", slog.Any("error", perr))
		} else {
			t.c.metrics.etagCache.WithLabelValues("stored").Inc()
		}
	}
	return resp, nil
}

// MemoryETags is an ETagStore in memory, unbounded: for tests and short
// runs.
type MemoryETags struct {
	mu      sync.Mutex
	entries map[string]memoryETag
}

type memoryETag struct {
	etag string
	body []byte
}

// NewMemoryETags returns an empty store.
func NewMemoryETags() *MemoryETags { return &MemoryETags{entries: map[string]memoryETag{}} }

// Get implements ETagStore.
func (m *MemoryETags) Get(_ context.Context, key string) (string, []byte, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.entries[key]
	return e.etag, e.body, ok, nil
}

// Put implements ETagStore.
func (m *MemoryETags) Put(_ context.Context, key, etag string, body []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.entries[key] = memoryETag{etag: etag, body: bytes.Clone(body)}
	return nil
}

// Len is the number of stored entries.
func (m *MemoryETags) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.entries)
}
