//go:build !noserver

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/djsec/djsec/config"
	"github.com/djsec/djsec/handlers"
	"github.com/djsec/djsec/jobs"
	"github.com/djsec/djsec/server/servertest"
)

// request is what a fake endpoint received.
type request struct {
	header http.Header
	body   []byte
}

func recordingServer(t *testing.T, status int) (*httptest.Server, func() []request) {
	var mu sync.Mutex
	var got []request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, request{r.Header.Clone(), b})
		mu.Unlock()
		w.WriteHeader(status)
		io.WriteString(w, `{"outcome":"test"}`)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []request {
		mu.Lock()
		defer mu.Unlock()
		return append([]request(nil), got...)
	}
}

var deliveryLine = regexp.MustCompile(`^(\S+) ([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}) → (\S+): (.*)$`)

// What `bot dev send` puts on the wire: GitHub's headers, the example's
// body compacted, signed with --secret or else WEBHOOK_SECRET, or unsigned
// with a warning when there is neither.
func TestDevSendWire(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		env        string // WEBHOOK_SECRET
		status     int
		wantCode   int
		wantEvent  string
		wantFile   string
		wantSecret string // "" for unsigned
		wantStderr string
	}{
		{"secret from the environment", []string{"pull_request", "--action", "opened"}, "env-secret,old", 202, exitOK, "pull_request", "pull_request.opened", "env-secret", ""},
		{"--secret wins", []string{"issue_comment", "--action=created", "--secret", "flag-secret"}, "env-secret", 202, exitOK, "issue_comment", "issue_comment.created", "flag-secret", ""},
		{"one example needs no action", []string{"ping"}, "s", 200, exitOK, "ping", "ping", "s", ""},
		{"unsigned without a secret", []string{"installation", "--action", "created"}, "", 202, exitOK, "installation", "installation.created", "", "sending unsigned"},
		{"a refusal is exit 1", []string{"push", "--action", "branch"}, "s", 401, exitFindings, "push", "push.branch", "s", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(config.EnvWebhookSecret, tt.env)
			srv, got := recordingServer(t, tt.status)
			var stdout, stderr bytes.Buffer
			code := run(append([]string{"dev", "send", "--url", srv.URL + "/webhook"}, tt.args...), &stdout, &stderr)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.wantCode, stdout.String(), stderr.String())
			}
			reqs := got()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			r := reqs[0]
			m := deliveryLine.FindStringSubmatch(strings.SplitN(stdout.String(), "\n", 2)[0])
			if m == nil {
				t.Fatalf("stdout %q: want NAME GUID → URL: STATUS", stdout.String())
			}
			if m[1] != tt.wantFile || m[2] != r.header.Get("X-GitHub-Delivery") || m[3] != srv.URL+"/webhook" {
				t.Errorf("stdout %q does not name %s, the delivery %s and the URL", stdout.String(), tt.wantFile, r.header.Get("X-GitHub-Delivery"))
			}
			if !strings.Contains(m[4], http.StatusText(tt.status)) {
				t.Errorf("stdout %q lacks the status %d", stdout.String(), tt.status)
			}
			if r.header.Get("X-GitHub-Event") != tt.wantEvent || r.header.Get("Content-Type") != "application/json" {
				t.Errorf("headers %v", r.header)
			}
			want := servertest.Example(t, tt.wantFile)
			var compact bytes.Buffer
			json.Compact(&compact, want)
			if !bytes.Equal(r.body, compact.Bytes()) {
				t.Errorf("the body is not the example %s, compacted", tt.wantFile)
			}
			sig := r.header.Get(handlers.SignatureHeader)
			switch {
			case tt.wantSecret == "" && sig != "":
				t.Errorf("signed (%s) with no secret", sig)
			case tt.wantSecret != "" && sig != handlers.Sign([]byte(tt.wantSecret), r.body):
				t.Errorf("signature %q is not the body's under %q", sig, tt.wantSecret)
			}
			if tt.wantStderr != "" && !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tt.wantStderr)
			}
			if tt.wantStderr == "" && stderr.Len() > 0 {
				t.Errorf("stderr: %s", stderr.String())
			}
		})
	}
}

func TestDevSendBadInput(t *testing.T) {
	t.Setenv(config.EnvWebhookSecret, "s")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"dev"}, "Usage: bot dev send"},
		{[]string{"dev", "post"}, `unknown subcommand "post"`},
		{[]string{"dev", "send"}, "want one EVENT, got 0"},
		{[]string{"dev", "send", "ping", "push"}, "want one EVENT, got 2"},
		{[]string{"dev", "send", "pull_request"}, "pull_request has several examples: add --action with one of closed, labeled, opened, synchronize"},
		{[]string{"dev", "send", "pull_request", "--action", "merged"}, `no example of pull_request with action "merged"; there are: closed, labeled, opened, synchronize`},
		{[]string{"dev", "send", "deployment"}, `no example of the event "deployment"; there are: check_run,`},
		{[]string{"dev", "send", "ping", "--url", "localhost:3000"}, `--url "localhost:3000" is not an http(s) URL`},
		{[]string{"dev", "send", "ping", "--url", "http://127.0.0.1:1/webhook"}, "connection refused (is `bot serve` running there?)"},
		{[]string{"dev", "send", "ping", "--bogus"}, "flag provided but not defined: -bogus"},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		if code := run(tt.args, &stdout, &stderr); code != exitUsage {
			t.Errorf("%q: exit %d, want %d", tt.args, code, exitUsage)
		}
		if !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("%q: stderr %q, want %q", tt.args, stderr.String(), tt.want)
		}
	}
}

// devQueue records the jobs the real webhook handler enqueues.
type devQueue struct {
	mu   sync.Mutex
	jobs []jobs.Args
}

func (q *devQueue) Enqueue(_ context.Context, _, _ string, args jobs.Args) (jobs.Enqueued, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.jobs = append(q.jobs, args)
	return jobs.Enqueued{JobID: int64(len(q.jobs))}, nil
}

type devReady struct{}

func (devReady) Ready(context.Context) error { return nil }

// Against djsec's own webhook handler: a signed example is accepted and
// queued under the printed delivery ID; a wrong secret is refused; an
// unsigned one passes only a verifier in --insecure-dev mode.
func TestDevSendToTheWebhookHandler(t *testing.T) {
	tests := []struct {
		name       string
		secrets    []config.Secret
		insecure   bool
		args       []string
		wantCode   int
		wantStatus string
		wantKind   string
	}{
		{"signed pull request", []config.Secret{config.Secret("right")}, false, []string{"pull_request", "--action", "opened", "--secret", "right"}, exitOK, "202 Accepted", jobs.KindPullRequest},
		{"signed comment", []config.Secret{config.Secret("right")}, false, []string{"issue_comment", "--action", "created", "--secret", "right"}, exitOK, "202 Accepted", jobs.KindComment},
		{"wrong secret", []config.Secret{config.Secret("right")}, false, []string{"pull_request", "--action", "opened", "--secret", "wrong"}, exitFindings, "401 Unauthorized", ""},
		{"unsigned, --insecure-dev", nil, true, []string{"pull_request", "--action", "opened"}, exitOK, "202 Accepted", jobs.KindPullRequest},
		{"unsigned, secret configured", []config.Secret{config.Secret("right")}, true, []string{"pull_request", "--action", "opened"}, exitFindings, "401 Unauthorized", ""},
		{"ping", []config.Secret{config.Secret("right")}, false, []string{"ping", "--secret", "right"}, exitOK, "200 OK", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(config.EnvWebhookSecret, "")
			q := &devQueue{}
			srv := httptest.NewServer(handlers.New(handlers.Options{
				Verifier: handlers.NewVerifier(tt.secrets, tt.insecure),
				Queue:    q,
				Ready:    devReady{},
				Logger:   slog.New(slog.DiscardHandler),
			}))
			defer srv.Close()
			var stdout, stderr bytes.Buffer
			code := run(append([]string{"dev", "send", "--url", srv.URL + "/webhook"}, tt.args...), &stdout, &stderr)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.wantCode, stdout.String(), stderr.String())
			}
			m := deliveryLine.FindStringSubmatch(strings.SplitN(stdout.String(), "\n", 2)[0])
			if m == nil || m[4] != tt.wantStatus {
				t.Fatalf("stdout %q, want the status %s", stdout.String(), tt.wantStatus)
			}
			q.mu.Lock()
			defer q.mu.Unlock()
			if tt.wantKind == "" {
				if len(q.jobs) != 0 {
					t.Errorf("queued %v, want nothing", q.jobs)
				}
				return
			}
			if len(q.jobs) != 1 {
				t.Fatalf("queued %d jobs, want 1", len(q.jobs))
			}
			if q.jobs[0].Kind() != tt.wantKind || q.jobs[0].JobOrigin().Delivery != m[2] {
				t.Errorf("queued %s for delivery %s, want %s for %s", q.jobs[0].Kind(), q.jobs[0].JobOrigin().Delivery, tt.wantKind, m[2])
			}
		})
	}
}
