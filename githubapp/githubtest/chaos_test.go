package githubtest

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// chaosGet sends one unauthenticated GET (answered 401 when no fault
// fires) on a fresh connection, so that net/http never replays it.
func chaosGet(t *testing.T, gh *Server, timeout time.Duration) (*http.Response, string, error) {
	t.Helper()
	c := &http.Client{Timeout: timeout, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get(gh.URL + "/repos/octo-org/mysite")
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b), nil
}

func TestChaosFaultKinds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fault ChaosFault
		// status is the answer expected (0: an error, errIs or a timeout).
		status     int
		retryAfter string
		body       string
		errIs      error
		timeout    bool
		minElapsed time.Duration
	}{
		{fault: ChaosFault{Kind: FaultStatus, Status: 500}, status: 500, body: "Internal Server Error"},
		{fault: ChaosFault{Kind: FaultStatus}, status: 502, body: "Bad Gateway"},
		{fault: ChaosFault{Kind: FaultStatus, Status: 503}, status: 503},
		{fault: ChaosFault{Kind: FaultSecondary, RetryAfter: 2}, status: 403, retryAfter: "2", body: "secondary rate limit"},
		{fault: ChaosFault{Kind: FaultTooMany}, status: 429, retryAfter: "1"},
		{fault: ChaosFault{Kind: FaultTooMany, RetryAfter: -1}, status: 429},
		{fault: ChaosFault{Kind: FaultReset}, errIs: syscall.ECONNRESET},
		{fault: ChaosFault{Kind: FaultTimeout, Delay: time.Minute}, timeout: true},
		{fault: ChaosFault{Kind: FaultLatency, Delay: 150 * time.Millisecond}, status: 401, minElapsed: 150 * time.Millisecond},
	}
	for _, tt := range tests {
		name := fmt.Sprintf("%s/%d/%d", tt.fault.Name(), tt.fault.Status, tt.fault.RetryAfter)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			gh := New(t)
			gh.StartChaos(Chaos{Every: 1, Faults: []ChaosFault{tt.fault}})
			start := time.Now()
			resp, body, err := chaosGet(t, gh, 300*time.Millisecond)
			elapsed := time.Since(start)
			switch {
			case tt.errIs != nil:
				if !errors.Is(err, tt.errIs) {
					t.Fatalf("error %v, want %v", err, tt.errIs)
				}
			case tt.timeout:
				var te interface{ Timeout() bool }
				if !errors.As(err, &te) || !te.Timeout() {
					t.Fatalf("error %v, want a client timeout", err)
				}
			case err != nil:
				t.Fatal(err)
			default:
				if resp.StatusCode != tt.status || resp.Header.Get("Retry-After") != tt.retryAfter || !strings.Contains(body, tt.body) {
					t.Fatalf("answer %d, Retry-After %q, body %s; want %d, %q, %q", resp.StatusCode, resp.Header.Get("Retry-After"), body, tt.status, tt.retryAfter, tt.body)
				}
			}
			if elapsed < tt.minElapsed {
				t.Errorf("answered after %v, want at least %v", elapsed, tt.minElapsed)
			}
			st := gh.ChaosStats()
			if st.Seen != 1 || st.Injected != 1 || st.ByFault[tt.fault.Name()] != 1 {
				t.Errorf("stats %+v, want one %s", st, tt.fault.Name())
			}
			// The request is in Requests, with no status when there was no
			// answer. A timed-out client's request is recorded once the fake
			// notices it left.
			want := tt.status
			if tt.fault.Kind == FaultLatency {
				want = 401
			}
			deadline := time.Now().Add(5 * time.Second)
			for gh.Count("GET /repos/{owner}/{repo}", 0) == 0 && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			if n := gh.Count("GET /repos/{owner}/{repo}", want); n != 1 {
				t.Errorf("%d requests recorded with status %d: %+v", n, want, gh.Requests())
			}
		})
	}
}

// A handled reset loses the answer of a request the fake carried out: the
// check run exists though the client saw only a broken connection.
func TestChaosHandledReset(t *testing.T) {
	t.Parallel()
	gh := New(t)
	inst := gh.AddInstallation(42, "octo-org")
	repo := gh.AddRepo(inst, "octo-org/mysite")
	sha := repo.Commit("main", map[string]string{"README": "hi\n"})
	tok := gh.token(t, 42)
	gh.StartChaos(Chaos{Every: 1, Routes: []string{"POST /repos/{owner}/{repo}/check-runs"},
		Faults: []ChaosFault{{Kind: FaultReset, Handled: true}}})

	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	req, _ := http.NewRequest("POST", gh.URL+"/repos/octo-org/mysite/check-runs",
		strings.NewReader(`{"name":"djsec","head_sha":"`+sha+`"}`))
	req.Header.Set("Authorization", "token "+tok)
	resp, err := c.Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("answered %d, want a reset", resp.StatusCode)
	}
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("error %v, want a reset", err)
	}
	if runs := repo.CheckRuns(); len(runs) != 1 {
		t.Fatalf("%d check runs, want the one created before the reset", len(runs))
	}
	if n := gh.Count("POST /repos/{owner}/{repo}/check-runs", 201); n != 1 {
		t.Errorf("%d requests recorded as created, want 1", n)
	}
}

func TestChaosSchedule(t *testing.T) {
	t.Parallel()
	mix := []ChaosFault{
		{Kind: FaultStatus, Status: 500},
		{Kind: FaultStatus, Status: 503, Weight: 2},
		{Kind: FaultLatency, Delay: time.Millisecond, Weight: 50, Max: 3},
	}
	run := func(c Chaos, n int) ChaosStats {
		gh := New(t)
		gh.StartChaos(c)
		for range n {
			if _, _, err := chaosGet(t, gh, 5*time.Second); err != nil {
				t.Fatal(err)
			}
		}
		return gh.ChaosStats()
	}
	t.Run("rate", func(t *testing.T) {
		t.Parallel()
		a := run(Chaos{Seed: 7, Rate: 0.3, Faults: mix}, 300)
		b := run(Chaos{Seed: 7, Rate: 0.3, Faults: mix}, 300)
		if a.Seen != 300 || a.Injected < 60 || a.Injected > 120 {
			t.Errorf("%d of %d requests faulted, want about 30%%", a.Injected, a.Seen)
		}
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Errorf("the same seed drew %+v, then %+v", a, b)
		}
		if a.ByFault["latency"] != 3 {
			t.Errorf("latency fired %d times, want its Max, 3: %+v", a.ByFault["latency"], a)
		}
		if a.ByFault["500"]+a.ByFault["503"]+3 != a.Injected || a.ByFault["503"] <= a.ByFault["500"] {
			t.Errorf("mix %+v, want 503 about twice as often as 500", a.ByFault)
		}
	})
	t.Run("every", func(t *testing.T) {
		t.Parallel()
		st := run(Chaos{Every: 4, Faults: mix[:1]}, 20)
		if st.Injected != 5 || st.ByFault["500"] != 5 {
			t.Errorf("stats %+v, want every 4th of 20 requests faulted", st)
		}
	})
	t.Run("routes", func(t *testing.T) {
		t.Parallel()
		if st := run(Chaos{Every: 1, Faults: mix[:1], Except: []string{"GET /repos/{owner}/{repo}"}}, 3); st.Seen != 0 {
			t.Errorf("an excepted route was considered: %+v", st)
		}
		if st := run(Chaos{Every: 1, Faults: mix[:1], Routes: []string{"GET /app"}}, 3); st.Seen != 0 {
			t.Errorf("a route not listed was considered: %+v", st)
		}
	})
}

func TestChaosSwitch(t *testing.T) {
	t.Parallel()
	gh := New(t)
	status := func() int {
		t.Helper()
		resp, _, err := chaosGet(t, gh, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode
	}
	if s := status(); s != 401 {
		t.Fatalf("no schedule: %d, want 401", s)
	}
	gh.SetChaos(true) // nothing installed: stays off
	if s := status(); s != 401 {
		t.Fatalf("switched on with no schedule: %d, want 401", s)
	}
	gh.StartChaos(Chaos{Every: 1, Faults: []ChaosFault{{Kind: FaultStatus, Status: 503}}})
	if s := status(); s != 503 {
		t.Fatalf("on: %d, want 503", s)
	}
	gh.SetChaos(false)
	if s := status(); s != 401 {
		t.Fatalf("off: %d, want 401", s)
	}
	gh.SetChaos(true)
	if s := status(); s != 503 {
		t.Fatalf("on again: %d, want 503", s)
	}
	if st := gh.ChaosStats(); st.Seen != 2 || st.Injected != 2 {
		t.Errorf("stats %+v: requests while off must not count", st)
	}
}
