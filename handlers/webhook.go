package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/djsec/djsec/jobs"
	"github.com/djsec/djsec/metrics"
)

// MaxBody is the largest webhook body accepted: GitHub caps payloads at
// 25 MB and drops larger ones itself, so anything bigger is not GitHub.
const MaxBody = 25 << 20

// Headers GitHub sends with every delivery.
const (
	EventHeader    = "X-GitHub-Event"
	DeliveryHeader = "X-GitHub-Delivery"
)

// Enqueuer commits a delivery's job (jobs.Queue in production).
type Enqueuer interface {
	Enqueue(ctx context.Context, event, action string, args jobs.Args) (jobs.Enqueued, error)
}

// webhook is POST /webhook. It answers GitHub within milliseconds and does
// no work itself: in this order it
//
//  1. reads the body, at most MaxBody bytes (413 past that, 400 when the
//     body ends before its Content-Length, 503 when the deliveries being
//     read at once would hold more than BodyBudget bytes);
//  2. checks X-Hub-Signature-256 (401, nothing stored, nothing parsed);
//  3. checks the content type is JSON (415: set the webhook's content type
//     to application/json) and that the GitHub headers are there (400);
//  4. parses the JSON (400 when malformed);
//  5. answers ping 200 and events djsec does not handle 202;
//  6. maps the event to a job, or ignores it (202, e.g. a bot's comment);
//  7. commits the delivery row and its job in one transaction, then
//     answers 202 — or 200 when the delivery ID was seen before.
type webhook struct {
	verifier *Verifier
	queue    Enqueuer
	metrics  *metrics.Metrics
	logger   *slog.Logger
	appID    func() int64
	maxBody  int64
	budget   *bodyBudget
	handlers map[string]eventHandler
	rejected *rejectionSampler
}

func newWebhook(o Options) *webhook {
	w := &webhook{
		verifier: o.Verifier,
		queue:    o.Queue,
		metrics:  o.Metrics,
		logger:   o.Logger,
		appID:    o.AppID,
		maxBody:  o.MaxBody,
		budget:   newBodyBudget(o.BodyBudget),
		handlers: map[string]eventHandler{},
		rejected: newRejectionSampler(o.now),
	}
	for _, h := range []eventHandler{pullRequest{}, issueComment{}, check{}, push{}, installationEvents{}, mergeGroup{}} {
		for _, e := range h.Handles() {
			w.handlers[e] = h
		}
	}
	return w
}

// HandledEvents lists the events djsec turns into jobs.
func HandledEvents() []string {
	var out []string
	for _, h := range []eventHandler{pullRequest{}, issueComment{}, check{}, push{}, installationEvents{}, mergeGroup{}} {
		out = append(out, h.Handles()...)
	}
	return out
}

// result is what one delivery came to, for the response, the log line and
// the metric.
type result struct {
	status  int
	outcome string
	event   string // "unverified" until the signature checks out
	action  string
	message string // for the response and the log
	jobID   int64
	args    jobs.Args
	err     error // logged, never sent
}

func (w *webhook) serve(c *gin.Context) {
	start := time.Now()
	r := w.handle(c.Request)
	w.respond(c, r)
	w.metrics.Deliveries.WithLabelValues(r.event, r.action, r.outcome).Inc()
	w.metrics.AckSeconds.WithLabelValues(strconv.Itoa(r.status)).Observe(time.Since(start).Seconds())
	w.log(c.Request, r, time.Since(start))
}

func (w *webhook) handle(req *http.Request) result {
	unverified := func(status int, outcome, msg string, err error) result {
		return result{status: status, outcome: outcome, event: "unverified", message: msg, err: err}
	}

	// 1. The body, capped, before anything else, within the budget all
	// deliveries being read share.
	body, release, err := readBody(req, w.maxBody, w.budget)
	defer release()
	if err != nil {
		var tooBig *http.MaxBytesError
		switch {
		case errors.Is(err, errBodyTooLarge), errors.As(err, &tooBig):
			return unverified(http.StatusRequestEntityTooLarge, metrics.OutcomeTooLarge, "body over "+strconv.FormatInt(w.maxBody, 10)+" bytes", nil)
		case errors.Is(err, errBodyBusy):
			return unverified(http.StatusServiceUnavailable, metrics.OutcomeBusy, "too many large deliveries are being read at once; redeliver later", nil)
		}
		return unverified(http.StatusBadRequest, metrics.OutcomeBadRequest, "could not read the body (truncated?)", err)
	}

	// 2. The signature, before the body is looked at.
	if err := w.verifier.Verify(body, req.Header.Get(SignatureHeader)); err != nil {
		msg := "signature verification failed"
		if errors.Is(err, ErrNoSecret) {
			msg = "no webhook secret is configured yet: register the App first"
		}
		return unverified(http.StatusUnauthorized, metrics.OutcomeBadSignature, msg, err)
	}

	// 3. What GitHub always sends.
	event := req.Header.Get(EventHeader)
	r := result{event: labelValue(event)}
	if mt, _, err := mime.ParseMediaType(req.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		r.status, r.outcome = http.StatusUnsupportedMediaType, metrics.OutcomeBadMediaType
		r.message = "content type must be application/json (the webhook's content type setting on GitHub)"
		return r
	}
	id := req.Header.Get(DeliveryHeader)
	if event == "" || !validDeliveryID(id) {
		r.status, r.outcome = http.StatusBadRequest, metrics.OutcomeBadRequest
		r.message = "missing " + EventHeader + " or " + DeliveryHeader + " header"
		return r
	}

	// 4. The JSON, parsed once: by the event's handler into its own shape,
	// or into the envelope for ping and the events djsec does not handle.
	badJSON := func(err error) result {
		r.status, r.outcome, r.message, r.err = http.StatusBadRequest, metrics.OutcomeBadRequest, "malformed JSON payload", err
		return r
	}
	h, handled := w.handlers[event]
	if !handled {
		var env envelope
		d := &delivery{Body: body}
		if err := decode(d, &env); err != nil {
			return badJSON(err)
		}
		r.action = labelValue(d.Action)
		// 5. Hello, and events djsec does not subscribe to.
		if event == "ping" {
			r.status, r.outcome, r.message = http.StatusOK, metrics.OutcomePing, "pong"
			return r
		}
		r.status, r.outcome, r.message = http.StatusAccepted, metrics.OutcomeUnhandled, "event not handled by djsec"
		return r
	}

	// 6. Which job, if any.
	d := &delivery{ID: id, Event: event, Body: body, AppID: w.appID()}
	args, ignored, err := h.route(d)
	r.action = labelValue(d.Action)
	if err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) || errors.Is(err, errNotObject) || errors.Is(err, io.ErrUnexpectedEOF) {
			return badJSON(err)
		}
		r.status, r.outcome = http.StatusBadRequest, metrics.OutcomeBadRequest
		r.message, r.err = "payload does not match the "+event+" event", err
		return r
	}
	if args == nil {
		r.status, r.outcome, r.message = http.StatusAccepted, metrics.OutcomeIgnored, "ignored: "+ignored
		return r
	}
	r.args = args

	// 7. Commit, then answer. The request's context is not used: a client
	// that hangs up must not roll back a job GitHub may think was taken.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(req.Context()), 10*time.Second)
	defer cancel()
	res, err := w.queue.Enqueue(ctx, event, d.Action, args)
	switch {
	case err != nil:
		r.status, r.outcome, r.message, r.err = http.StatusServiceUnavailable, metrics.OutcomeError, "could not queue the delivery; redeliver it later", err
	case res.Duplicate:
		r.status, r.outcome, r.message = http.StatusOK, metrics.OutcomeDuplicate, "delivery already received"
	default:
		r.status, r.outcome, r.message, r.jobID = http.StatusAccepted, metrics.OutcomeQueued, "queued", res.JobID
	}
	return r
}

func (w *webhook) respond(c *gin.Context, r result) {
	body := gin.H{"outcome": r.outcome, "message": r.message}
	if r.jobID != 0 {
		body["job_id"] = r.jobID
	}
	if r.status >= 400 {
		body = gin.H{"error": r.message}
	}
	if r.status == http.StatusUnauthorized {
		c.Header("WWW-Authenticate", `HMAC-SHA256 header="`+SignatureHeader+`"`)
	}
	c.JSON(r.status, body)
}

func (w *webhook) log(req *http.Request, r result, took time.Duration) {
	attrs := []slog.Attr{
		slog.String("delivery", truncate(req.Header.Get(DeliveryHeader), 64)),
		slog.String("event", r.event),
		slog.String("outcome", r.outcome),
		slog.Int("status", r.status),
		slog.Duration("took", took),
	}
	if r.action != "" {
		attrs = append(attrs, slog.String("action", r.action))
	}
	if r.args != nil {
		o := r.args.JobOrigin()
		attrs = append(attrs, slog.Int64("installation", o.Installation))
		if o.Repo != "" {
			attrs = append(attrs, slog.String("repo", o.Repo))
		}
		attrs = append(attrs, slog.String("kind", r.args.Kind()))
		for _, a := range r.args.LogAttrs() {
			if a.Key == "pr" || a.Key == "issue" {
				attrs = append(attrs, a)
			}
		}
	}
	if r.jobID != 0 {
		attrs = append(attrs, slog.Int64("job_id", r.jobID))
	}
	if r.message != "" && r.outcome != metrics.OutcomeQueued {
		attrs = append(attrs, slog.String("reason", r.message))
	}
	if r.err != nil {
		attrs = append(attrs, slog.String("error", r.err.Error()))
	}
	level := slog.LevelInfo
	switch {
	case r.outcome == metrics.OutcomeError:
		level = slog.LevelError
	case r.status >= 400:
		if !w.rejected.allow(req.Context(), w.logger, r.outcome) {
			return
		}
		level = slog.LevelWarn
		attrs = append(attrs, slog.String("remote", req.RemoteAddr))
	}
	w.logger.LogAttrs(req.Context(), level, "webhook", attrs...)
}

// validDeliveryID accepts what GitHub sends (a GUID) and keeps junk out of
// the database and the logs.
func validDeliveryID(id string) bool {
	if id == "" || len(id) > 100 {
		return false
	}
	for _, r := range id {
		if !(r == '-' || r == '_' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// labelValue keeps metric labels to GitHub's names (lower case and
// underscores) so a sender cannot mint label values.
func labelValue(s string) string {
	if s == "" {
		return ""
	}
	if len(s) > 40 {
		return "invalid"
	}
	for _, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z') {
			return "invalid"
		}
	}
	return s
}

func isObject(body []byte) bool {
	b := bytes.TrimLeft(body, " \t\r\n")
	return len(b) > 0 && b[0] == '{'
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
