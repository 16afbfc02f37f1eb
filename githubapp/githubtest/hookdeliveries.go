package githubtest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
)

// HookDelivery is one attempt of GitHub at delivering a webhook of the
// app, as GET /app/hook/deliveries lists it. A redelivery is another
// attempt with the same GUID (Redelivery true) and an ID of its own.
type HookDelivery struct {
	ID   int64
	GUID string // X-GitHub-Delivery
	// DeliveredAt is when the attempt was made (default: now).
	DeliveredAt time.Time
	Redelivery  bool
	// StatusCode is the app server's answer; 0 when none came (connection
	// refused, timed out), as GitHub records it.
	StatusCode int
	// Status is GitHub's words for it ("OK", "Service Unavailable",
	// "failed to connect"); derived from StatusCode when empty.
	Status         string
	Event, Action  string
	InstallationID int64
	RepositoryID   int64
	// Payload is the body GitHub sent, and sends again on a redelivery.
	Payload []byte
}

// hookState is the app webhook's side of the fake: where GitHub sends the
// app's webhooks and every delivery attempt made (s.mu guards it).
type hookState struct {
	url, secret string
	deliveries  []*HookDelivery
	sends       sync.WaitGroup
}

// SetWebhook is the app's webhook configuration: the URL GitHub posts to
// and the secret it signs with. A redelivery asked through the API is
// posted there for real.
func (s *Server) SetWebhook(url, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hooks.url, s.hooks.secret = url, secret
	s.app.HookURL, s.app.WebhookSecret = url, secret
}

// AddHookDelivery records a past delivery attempt (a test's history of
// what GitHub sent while the server was down or overloaded) and returns it
// with its ID and defaults filled in.
func (s *Server) AddHookDelivery(d HookDelivery) HookDelivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *s.addHookDelivery(d)
}

func (s *Server) addHookDelivery(d HookDelivery) *HookDelivery {
	d.ID = s.id()
	if d.DeliveredAt.IsZero() {
		d.DeliveredAt = s.now()
	}
	if d.Status == "" {
		d.Status = deliveryStatus(d.StatusCode)
	}
	if d.GUID == "" {
		d.GUID = fmt.Sprintf("%08x-0000-4000-8000-%012x", d.ID, d.ID)
	}
	p := &d
	s.hooks.deliveries = append(s.hooks.deliveries, p)
	return p
}

func deliveryStatus(code int) string {
	switch {
	case code == 0:
		return "failed to connect to host"
	case code >= 200 && code < 300:
		return "OK"
	}
	return http.StatusText(code)
}

// HookDeliveries returns every delivery attempt, oldest first.
func (s *Server) HookDeliveries() []HookDelivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]HookDelivery, len(s.hooks.deliveries))
	for i, d := range s.hooks.deliveries {
		out[i] = *d
	}
	return out
}

// WaitRedeliveries waits until every redelivery asked so far has been
// posted and its answer recorded.
func (s *Server) WaitRedeliveries() { s.hooks.sends.Wait() }

// hookDeliveryJSON is a delivery as the list shows it ("hook-delivery-item").
func hookDeliveryJSON(d *HookDelivery) map[string]any {
	var action any
	if d.Action != "" {
		action = d.Action
	}
	var inst, repo any
	if d.InstallationID != 0 {
		inst = d.InstallationID
	}
	if d.RepositoryID != 0 {
		repo = d.RepositoryID
	}
	return map[string]any{
		"id": d.ID, "guid": d.GUID, "delivered_at": d.DeliveredAt.UTC().Format(time.RFC3339),
		"redelivery": d.Redelivery, "duration": 0.05, "status": d.Status, "status_code": d.StatusCode,
		"event": d.Event, "action": action, "installation_id": inst, "repository_id": repo,
	}
}

// listHookDeliveries answers GET /app/hook/deliveries (app JWT): every
// attempt, newest first, per_page at a time (at most 100), paginated with
// an opaque cursor in the Link header as GitHub does.
func (s *Server) listHookDeliveries(c *call) (int, any) {
	q := c.r.URL.Query()
	perPage, err := strconv.Atoi(q.Get("per_page"))
	if err != nil || perPage <= 0 {
		perPage = 30
	}
	perPage = min(perPage, 100)
	all := slices.Clone(s.hooks.deliveries)
	slices.SortFunc(all, func(a, b *HookDelivery) int { return int(b.ID - a.ID) })
	if cur := q.Get("cursor"); cur != "" {
		// The cursor is the ID of the last attempt of the previous page.
		before, err := strconv.ParseInt(cur, 10, 64)
		if err != nil {
			return http.StatusBadRequest, map[string]any{"message": "Bad cursor", "documentation_url": docURL, "status": "400"}
		}
		i := slices.IndexFunc(all, func(d *HookDelivery) bool { return d.ID < before })
		if i < 0 {
			i = len(all)
		}
		all = all[i:]
	}
	pageItems := all[:min(perPage, len(all))]
	if len(all) > perPage {
		u := *c.r.URL
		u.Scheme, u.Host = "http", c.r.Host
		v := u.Query()
		v.Set("per_page", strconv.Itoa(perPage))
		v.Set("cursor", strconv.FormatInt(pageItems[len(pageItems)-1].ID, 10))
		u.RawQuery = v.Encode()
		c.header.Set("Link", fmt.Sprintf("<%s>; rel=\"next\"", u.String()))
	}
	items := make([]any, 0, len(pageItems))
	for _, d := range pageItems {
		items = append(items, hookDeliveryJSON(d))
	}
	return http.StatusOK, items
}

// redeliverHook answers POST /app/hook/deliveries/{delivery_id}/attempts:
// 202, then the attempt's payload is posted again to the webhook URL (when
// SetWebhook gave one) with the same GUID, and the answer recorded as a new
// attempt with redelivery true, as GitHub does.
func (s *Server) redeliverHook(c *call) (int, any) {
	id, _ := strconv.ParseInt(c.r.PathValue("delivery_id"), 10, 64)
	i := slices.IndexFunc(s.hooks.deliveries, func(d *HookDelivery) bool { return d.ID == id })
	if i < 0 {
		return http.StatusNotFound, notFound()
	}
	orig := *s.hooks.deliveries[i]
	url, secret := s.hooks.url, s.hooks.secret
	if url != "" {
		s.hooks.sends.Add(1)
		go func() {
			defer s.hooks.sends.Done()
			code := postWebhook(url, secret, orig.Event, orig.GUID, orig.Payload)
			s.mu.Lock()
			defer s.mu.Unlock()
			d := orig
			d.Redelivery, d.StatusCode, d.Status, d.DeliveredAt = true, code, "", time.Time{}
			s.addHookDelivery(d)
		}()
	}
	return http.StatusAccepted, map[string]any{}
}

// SendWebhook posts a webhook of event to the URL SetWebhook gave, as
// GitHub delivers one, and records the attempt with the server's answer
// (0 when none came). It returns the attempt.
func (s *Server) SendWebhook(event, action string, payload []byte) HookDelivery {
	s.mu.Lock()
	url, secret := s.hooks.url, s.hooks.secret
	d := &HookDelivery{Event: event, Action: action, Payload: payload}
	d.ID = s.id()
	d.GUID = fmt.Sprintf("%08x-0000-4000-8000-%012x", d.ID, d.ID)
	s.mu.Unlock()
	d.StatusCode = postWebhook(url, secret, event, d.GUID, payload)
	s.mu.Lock()
	defer s.mu.Unlock()
	d.DeliveredAt, d.Status = s.now(), deliveryStatus(d.StatusCode)
	s.hooks.deliveries = append(s.hooks.deliveries, d)
	return *d
}

// hookClient gives up as GitHub does: ten seconds for an answer.
var hookClient = &http.Client{Timeout: 10 * time.Second}

// postWebhook sends one delivery and returns the status (0: no answer).
func postWebhook(url, secret, event, guid string, payload []byte) int {
	if url == "" {
		return 0
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(payload))
	if err != nil {
		return 0
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(payload)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "GitHub-Hookshot/fake")
	req.Header.Set("X-GitHub-Event", event)
	req.Header.Set("X-GitHub-Delivery", guid)
	req.Header.Set("X-GitHub-Hook-Installation-Target-Type", "integration")
	req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	resp, err := hookClient.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}
