// Package smee forwards webhook deliveries from a smee.io channel to the
// local server, as Probot's smee-client does for `probot run` with
// WEBHOOK_PROXY_URL: GitHub posts to the public channel, the channel
// streams each delivery as a Server-Sent Event whose data is the JSON of
// the request's headers and body, and the client posts the body again to
// the local /webhook with GitHub's headers, signature included. A laptop
// behind NAT can then receive the App's webhooks without a tunnel.
//
// Only the standard library is used: the SSE protocol is small (WHATWG
// HTML, "Server-sent events"), and this client speaks exactly the part
// smee.io and gosmee use.
package smee

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
	"strings"
	"time"
)

// Defaults of Client's knobs.
const (
	// DefaultMinBackoff is the first wait before reconnecting; it doubles
	// after every failed attempt.
	DefaultMinBackoff = time.Second
	// DefaultMaxBackoff caps the wait: a channel that is down for an hour
	// is tried twice a minute, not once an hour.
	DefaultMaxBackoff = 30 * time.Second
	// DefaultForwardTimeout bounds one POST to the local server.
	DefaultForwardTimeout = 30 * time.Second
	// maxEventBytes caps one event's data: GitHub caps a delivery at
	// 25 MiB, and the channel adds its headers around it.
	maxEventBytes = 26 << 20
)

// Client reads one channel and forwards its deliveries to Target.
type Client struct {
	// Source is the channel, e.g. https://smee.io/abc123 (WEBHOOK_PROXY_URL).
	Source string
	// Target is where deliveries are posted, e.g. http://127.0.0.1:3000/webhook.
	Target string
	// Stream reads the channel; it must have no overall timeout, since the
	// stream stays open for hours (default: a client without one).
	Stream *http.Client
	// Forward posts to Target (default: a client with DefaultForwardTimeout).
	Forward *http.Client
	// Logger gets a line per connection, per forwarded delivery and per
	// failure (default slog.Default()).
	Logger *slog.Logger
	// MinBackoff and MaxBackoff bound the wait between reconnections
	// (defaults DefaultMinBackoff, DefaultMaxBackoff). A channel's `retry:`
	// field replaces MinBackoff, as the SSE specification says.
	MinBackoff, MaxBackoff time.Duration
}

// New checks the URLs and fills in the defaults.
func New(source, target string, logger *slog.Logger) (*Client, error) {
	for _, u := range []struct{ name, v string }{{"channel", source}, {"target", target}} {
		p, err := url.Parse(u.v)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return nil, fmt.Errorf("smee: the %s %q is not an http(s) URL", u.name, u.v)
		}
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &Client{
		Source:     source,
		Target:     target,
		Stream:     &http.Client{},
		Forward:    &http.Client{Timeout: DefaultForwardTimeout},
		Logger:     logger,
		MinBackoff: DefaultMinBackoff,
		MaxBackoff: DefaultMaxBackoff,
	}, nil
}

// ErrClosed is Run's error when the channel answers 204 No Content: the
// SSE specification's way for a server to tell clients to stop
// reconnecting.
var ErrClosed = errors.New("smee: the channel answered 204 No Content: it asks not to be reconnected")

// Run reads the channel until ctx is cancelled, reconnecting with
// exponential backoff whenever the stream ends or fails and sending the
// last event ID it saw (Last-Event-ID), so a channel that keeps history
// replays what was missed. It returns nil once ctx is cancelled.
func (c *Client) Run(ctx context.Context) error {
	minWait := cmpDuration(c.MinBackoff, DefaultMinBackoff)
	maxWait := max(cmpDuration(c.MaxBackoff, DefaultMaxBackoff), minWait)
	st := &stream{}
	wait := minWait
	c.Logger.Info("webhook proxy: forwarding the channel's deliveries", slog.String("channel", c.Source), slog.String("target", c.Target))
	for {
		st.retry = 0
		got, err := c.connect(ctx, st)
		if ctx.Err() != nil {
			c.Logger.Info("webhook proxy stopped", slog.String("channel", c.Source))
			return nil
		}
		if errors.Is(err, ErrClosed) {
			c.Logger.Warn("webhook proxy: the channel is closed; not reconnecting", slog.String("channel", c.Source))
			return err
		}
		if st.retry > 0 {
			minWait = st.retry
		}
		// A connection that delivered events was healthy: start the
		// backoff over. One that failed at once waits longer each time.
		if got {
			wait = minWait
		}
		attrs := []any{slog.String("channel", c.Source), slog.Duration("retry_in", wait)}
		if err != nil {
			attrs = append(attrs, slog.String("error", err.Error()))
		}
		if st.lastID != "" {
			attrs = append(attrs, slog.String("last_event_id", st.lastID))
		}
		c.Logger.Warn("webhook proxy: disconnected from the channel; reconnecting", attrs...)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			c.Logger.Info("webhook proxy stopped", slog.String("channel", c.Source))
			return nil
		case <-t.C:
		}
		wait = min(wait*2, maxWait)
	}
}

// stream is what survives a reconnection.
type stream struct {
	lastID string        // the last `id:` field, sent as Last-Event-ID
	retry  time.Duration // the channel's `retry:` field, 0 if none
}

// connect opens the stream once and forwards its messages until it ends.
// got says whether at least one event arrived.
func (c *Client) connect(ctx context.Context, st *stream) (got bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.Source, nil)
	if err != nil {
		return false, fmt.Errorf("smee: request: %w", err)
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Cache-Control", "no-cache")
	if st.lastID != "" {
		req.Header.Set("Last-Event-ID", st.lastID)
	}
	resp, err := c.Stream.Do(req)
	if err != nil {
		return false, fmt.Errorf("smee: connect: %w", err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNoContent:
		return false, ErrClosed
	case resp.StatusCode != http.StatusOK:
		return false, fmt.Errorf("smee: the channel answered %s", resp.Status)
	case !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream"):
		return false, fmt.Errorf("smee: the channel answered Content-Type %q, want text/event-stream", resp.Header.Get("Content-Type"))
	}
	c.Logger.Info("webhook proxy: connected to the channel", slog.String("channel", c.Source))
	p := newParser(resp.Body)
	for {
		ev, err := p.next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return got, errors.New("smee: the channel closed the stream")
			}
			return got, fmt.Errorf("smee: reading the stream: %w", err)
		}
		got = true
		if ev.idSet {
			st.lastID = ev.id
		}
		if ev.retry > 0 {
			st.retry = ev.retry
		}
		// smee.io also sends "ready" and "ping" events; only "message"
		// carries a delivery.
		if ev.typ != "message" || ev.data == "" {
			continue
		}
		c.forward(ctx, ev)
	}
}

// forwardedHeaders says which of the delivery's headers are posted again:
// GitHub's own (event, delivery ID, hook IDs), both signatures and the user
// agent. The channel's other keys (host, content-length, query, timestamp)
// describe the request to the channel, not the delivery.
func forwardedHeader(name string) bool {
	return strings.HasPrefix(name, "x-github-") || strings.HasPrefix(name, "x-hub-signature") || name == "user-agent"
}

// forward posts one message's delivery to Target. Failures are logged, not
// returned: one bad delivery must not stop the next.
func (c *Client) forward(ctx context.Context, ev event) {
	d, err := decodeDelivery(ev.data)
	if err != nil {
		c.Logger.Warn("webhook proxy: not forwarded", slog.String("error", err.Error()), slog.String("event_id", ev.id))
		return
	}
	log := c.Logger.With(slog.String("event", d.header.Get("X-GitHub-Event")), slog.String("delivery", d.header.Get("X-GitHub-Delivery")))
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Target, bytes.NewReader(d.body))
	if err != nil {
		log.Error("webhook proxy: not forwarded", slog.String("error", err.Error()))
		return
	}
	req.Header = d.header
	resp, err := c.Forward.Do(req)
	if err != nil {
		if ctx.Err() == nil {
			log.Error("webhook proxy: forwarding failed", slog.String("target", c.Target), slog.String("error", err.Error()))
		}
		return
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	log.Info("webhook proxy: forwarded", slog.String("target", c.Target), slog.Int("status", resp.StatusCode))
}

// delivery is a webhook request rebuilt from a channel message.
type delivery struct {
	header http.Header
	body   []byte
}

// decodeDelivery reads a message's data: a JSON object holding the
// original request's headers (lower-case keys) and its parsed body under
// "body". The body is re-serialised compactly with its keys in their
// order — what smee-client's JSON.stringify gives, and the bytes GitHub
// signed, since GitHub sends compact JSON.
func decodeDelivery(data string) (delivery, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal([]byte(data), &fields); err != nil {
		return delivery{}, fmt.Errorf("smee: the message is not a JSON object: %w", err)
	}
	raw, ok := fields["body"]
	if !ok {
		return delivery{}, errors.New("smee: the message has no body")
	}
	var body bytes.Buffer
	if err := json.Compact(&body, raw); err != nil {
		return delivery{}, fmt.Errorf("smee: the message's body: %w", err)
	}
	h := http.Header{}
	for k, v := range fields {
		k = strings.ToLower(k)
		if !forwardedHeader(k) {
			continue
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return delivery{}, fmt.Errorf("smee: header %s is not a string: %w", k, err)
		}
		h.Set(k, s)
	}
	if h.Get("X-GitHub-Event") == "" {
		return delivery{}, errors.New("smee: the message has no x-github-event: not a GitHub delivery")
	}
	// The channel only relays JSON, whatever content type it was sent.
	h.Set("Content-Type", "application/json")
	return delivery{header: h, body: body.Bytes()}, nil
}

func cmpDuration(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}
