package auditrun_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river/rivertype"

	"github.com/djsec/djsec/config"
	"github.com/djsec/djsec/githubapp"
	"github.com/djsec/djsec/githubapp/githubtest"
	"github.com/djsec/djsec/handlers"
	"github.com/djsec/djsec/jobs"
	"github.com/djsec/djsec/jobs/auditrun"
	"github.com/djsec/djsec/jobs/auditrun/auditissue"
	"github.com/djsec/djsec/metrics"
	"github.com/djsec/djsec/store/storetest"
)

type soon struct{}

func (soon) NextRetry(*rivertype.JobRow) time.Time { return time.Now().Add(10 * time.Millisecond) }

// Repositories added to the installation, as `bot serve` wires it: the
// signed webhook through the real handler, the River queue, the
// installation job queuing an audit, the audit job making the issue.
func TestRepositoryAddedIsAuditedThroughTheQueue(t *testing.T) {
	t.Parallel()
	const secret = "audit-test-secret"
	gh := githubtest.New(t)
	inst := gh.AddInstallation(42, "octo-org")
	repo := gh.AddRepo(inst, "octo-org/shop")
	repo.Commit("main", example(t, "startproject"))
	db := storetest.Open(t, storetest.SQLiteURL(t))
	logs := &syncWriter{b: &bytes.Buffer{}}
	logger := slog.New(slog.NewTextHandler(logs, nil))
	clients, err := githubapp.NewClientCreator(githubapp.Config{BaseURL: gh.URL, AppID: gh.AppID(), PrivateKey: gh.AppPrivateKeyPEM(),
		ETags: db.ETags(), Logger: logger, Sleep: func(ctx context.Context, d time.Duration) error { return ctx.Err() }})
	if err != nil {
		t.Fatal(err)
	}
	runner, err := auditrun.New(auditrun.Options{Clients: clients, DB: db, RulesVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	queue, err := jobs.NewQueue(db, jobs.Options{Processors: jobs.Registered(runner.Register), Logger: logger,
		Metrics: metrics.New(prometheus.NewRegistry()), RetryPolicy: soon{}, FetchPollInterval: 20 * time.Millisecond, MaxAttempts: 3})
	if err != nil {
		t.Fatal(err)
	}
	runner.UseQueue(queue)
	if err := queue.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = queue.Stop(context.Background(), 5*time.Second) })
	h := handlers.New(handlers.Options{
		Verifier: handlers.NewVerifier([]config.Secret{config.Secret(secret)}, false),
		Queue:    queue, Ready: queue, Logger: logger, AppID: gh.AppID,
		Metrics: metrics.New(prometheus.NewRegistry()), Gatherer: prometheus.NewRegistry(),
	})
	body := []byte(fmt.Sprintf(`{"action":"added","installation":{"id":42,"account":{"login":"octo-org"}},
		"repository_selection":"selected","repositories_added":[{"id":%d,"full_name":"octo-org/shop"}],"repositories_removed":[],
		"sender":{"login":"octocat","type":"User"}}`, repo.ID))
	req := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(handlers.EventHeader, "installation_repositories")
	req.Header.Set(handlers.DeliveryHeader, "delivery-1")
	req.Header.Set(handlers.SignatureHeader, handlers.Sign([]byte(secret), body))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusAccepted && rec.Code != http.StatusOK {
		t.Fatalf("webhook: %d %s", rec.Code, rec.Body)
	}
	// The job saves its state after writing the issue: wait for both.
	deadline := time.Now().Add(20 * time.Second)
	for {
		st, err := db.Audit(context.Background(), repo.ID)
		if err == nil && st.IssueNumber > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no audit within 20s (state %+v, %v); logs:\n%s", st, err, logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	n := 0
	for _, i := range repo.Issues() {
		if i.Title == auditissue.Title {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d audit issues, want 1", n)
	}
}
