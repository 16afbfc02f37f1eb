package auditrun_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-github/v88/github"

	"github.com/djsec/djsec/jobs"
	"github.com/djsec/djsec/jobs/auditrun"
	"github.com/djsec/djsec/store/storetest"
)

// listing answers the two listings the sweep makes (the fake has neither):
// two installations, one suspended, and 150 repositories over two pages,
// one archived.
type listing struct{ url string }

func (l *listing) NewAppClient() (*github.Client, error)               { return l.client() }
func (l *listing) NewInstallationClient(int64) (*github.Client, error) { return l.client() }
func (l *listing) client() (*github.Client, error) {
	u := l.url + "/"
	return github.NewClient(github.WithURLs(&u, &u))
}

func TestSweepSpreadsEveryRepository(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	mux.HandleFunc("GET /app/installations", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `[{"id": 1}, {"id": 2, "suspended_at": "2026-01-01T00:00:00Z"}]`)
	})
	mux.HandleFunc("GET /installation/repositories", func(w http.ResponseWriter, r *http.Request) {
		page, start, n := r.URL.Query().Get("page"), 0, 100
		if page == "2" {
			start, n = 100, 50
		} else {
			w.Header().Set("Link", fmt.Sprintf(`<%s/installation/repositories?per_page=100&page=2>; rel="next"`, srv.URL))
		}
		fmt.Fprintf(w, `{"total_count": 150, "repositories": [`)
		for i := start; i < start+n; i++ {
			if i > start {
				fmt.Fprint(w, ",")
			}
			fmt.Fprintf(w, `{"id": %d, "full_name": "o/r%d", "archived": %t}`, 1000+i, i, i == 7)
		}
		fmt.Fprint(w, "]}")
	})
	now := time.Date(2026, 11, 30, 6, 0, 0, 0, time.UTC)
	r, err := auditrun.New(auditrun.Options{Clients: &listing{srv.URL}, DB: storetest.Open(t, storetest.SQLiteURL(t)), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	q := &fakeQueue{}
	r.UseQueue(q)
	if err := jobs.Lookup[jobs.AuditSweepArgs](jobs.Registered(r.Register)).Process(context.Background(), jobs.Job[jobs.AuditSweepArgs]{Args: jobs.AuditSweepArgs{Spread: time.Hour}}); err != nil {
		t.Fatal(err)
	}
	if len(q.args) != 149 {
		t.Fatalf("%d audits queued, want 149 (150 less the archived one; none of the suspended installation)", len(q.args))
	}
	distinct := map[time.Time]bool{}
	for _, a := range q.args {
		aa := a.(jobs.AuditArgs)
		if aa.Reason != "schedule" || aa.RepoID == 0 || aa.NotBefore.Before(now) || !aa.NotBefore.Before(now.Add(time.Hour)) {
			t.Fatalf("queued %+v", aa)
		}
		distinct[aa.NotBefore.Truncate(time.Minute)] = true
	}
	if len(distinct) < 20 {
		t.Errorf("audits bunched into %d minutes of the hour", len(distinct))
	}
}
