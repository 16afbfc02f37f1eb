package redeliver_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/djsec/djsec/githubapp"
	"github.com/djsec/djsec/githubapp/githubtest"
	"github.com/djsec/djsec/jobs"
	"github.com/djsec/djsec/jobs/redeliver"
	"github.com/djsec/djsec/store"
	"github.com/djsec/djsec/store/storetest"
)

// A long outage is caught up over several sweeps, at most Max a sweep,
// oldest first, across pages of the listing; a payload the server refused
// as such (413) is not asked for again, nor is a GUID the store records.
func TestSweepIsBoundedAndCatchesUp(t *testing.T) {
	t.Parallel()
	gh := githubtest.New(t)
	db := storetest.Open(t, storetest.SQLiteURL(t))
	clients, err := githubapp.NewClientCreator(githubapp.Config{BaseURL: gh.URL, AppID: gh.AppID(), PrivateKey: gh.AppPrivateKeyPEM()})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(-2 * time.Hour)
	// Attempts are added in time order, as GitHub's IDs grow: beyond
	// GitHub's three days, too old to redeliver.
	gh.AddHookDelivery(githubtest.HookDelivery{GUID: "stale", Event: "push", StatusCode: 503, DeliveredAt: time.Now().Add(-4 * 24 * time.Hour)})
	for i := range 150 {
		gh.AddHookDelivery(githubtest.HookDelivery{GUID: fmt.Sprintf("g-%03d", i), Event: "issues", StatusCode: 503, DeliveredAt: start.Add(time.Duration(i) * time.Second)})
	}
	gh.AddHookDelivery(githubtest.HookDelivery{GUID: "too-large", Event: "push", StatusCode: 413, DeliveredAt: start})
	gh.AddHookDelivery(githubtest.HookDelivery{GUID: "recorded", Event: "push", StatusCode: 0, DeliveredAt: start})
	if _, err := store.InsertDelivery(context.Background(), db.Q(), store.Delivery{ID: "recorded", Event: "push", JobID: 1}); err != nil {
		t.Fatal(err)
	}
	ctx := jobs.WithLogger(context.Background(), slog.New(slog.DiscardHandler))
	reg := prometheus.NewRegistry()
	s, err := redeliver.New(redeliver.Options{Clients: clients, DB: db, Max: 100, Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	asked := func() map[string]int {
		byID := map[int64]string{}
		for _, d := range gh.HookDeliveries() {
			byID[d.ID] = d.GUID
		}
		out := map[string]int{}
		for _, r := range gh.Requests() {
			if r.Route == "POST /app/hook/deliveries/{delivery_id}/attempts" {
				var id int64
				fmt.Sscanf(r.Path, "/app/hook/deliveries/%d/attempts", &id)
				out[byID[id]]++
			}
		}
		return out
	}
	for i, want := range []redeliver.Result{
		{Missed: 150, Requested: 100, Deferred: 50},
		{Missed: 50, Requested: 50},
		{},
	} {
		got, err := s.Sweep(ctx)
		if err != nil {
			t.Fatalf("sweep %d: %v", i+1, err)
		}
		got.Listed = 0
		if got != want {
			t.Fatalf("sweep %d: %+v, want %+v", i+1, got, want)
		}
		if i == 0 {
			a := asked()
			if a["g-000"] != 1 || a["g-099"] != 1 || a["g-100"] != 0 {
				t.Fatalf("the first sweep did not take the oldest hundred: %v", a)
			}
		}
	}
	a := asked()
	if len(a) != 150 {
		t.Errorf("%d GUIDs asked for, want the 150 failed ones", len(a))
	}
	for guid, n := range a {
		if n != 1 {
			t.Errorf("%s asked for %d times, want once", guid, n)
		}
	}
	for _, guid := range []string{"too-large", "stale", "recorded"} {
		if a[guid] != 0 {
			t.Errorf("%s asked for", guid)
		}
	}
}

func TestParseInterval(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]time.Duration{"": redeliver.DefaultInterval, "0": 0, "90s": 90 * time.Second, " 1h ": time.Hour} {
		if got, err := redeliver.ParseInterval(in); err != nil || got != want {
			t.Errorf("ParseInterval(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"5", "-1m", "1s", "soon"} {
		if _, err := redeliver.ParseInterval(in); err == nil {
			t.Errorf("ParseInterval(%q): no error", in)
		}
	}
}

// A server with no App yet (serve --insecure-dev on a laptop) has nothing
// to sweep: the job ends skipped, saying why, instead of a failed sweep.
func TestSweepWithoutCredentialsIsSkipped(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t, storetest.SQLiteURL(t))
	clients, err := githubapp.NewClientCreator(githubapp.Config{BaseURL: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	s, err := redeliver.New(redeliver.Options{Clients: clients, DB: db, Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	p := jobs.Lookup[jobs.RedeliverArgs](jobs.Registered(s.Register))
	err = p.Process(context.Background(), jobs.Job[jobs.RedeliverArgs]{ID: 1, Attempt: 1, MaxAttempts: 1})
	if !errors.Is(err, jobs.ErrSkipped) || !strings.Contains(err.Error(), "no App credentials") {
		t.Fatalf("Process = %v, want jobs.ErrSkipped for the missing credentials", err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "djsec_redelivery_sweep_errors_total" && mf.GetMetric()[0].GetCounter().GetValue() != 0 {
			t.Error("counted as a failed sweep")
		}
	}
}
