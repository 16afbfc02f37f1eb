package githubtest

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Chaos is a schedule of faults across every route, for tests that show
// djsec keeps working while GitHub misbehaves: error statuses, answers
// that never come, connections reset, secondary rate limits and slow
// answers, on a fraction of the requests drawn with a seed (or every Nth
// request). Unlike Inject's faults, which fire a set number of times on
// one route, a schedule runs until it is switched off:
//
//	gh.StartChaos(githubtest.Chaos{Seed: 1, Rate: 0.1, Faults: []githubtest.ChaosFault{
//		{Kind: githubtest.FaultStatus, Status: 502, Weight: 3},
//		{Kind: githubtest.FaultReset},
//		{Kind: githubtest.FaultLatency, Delay: 10 * time.Second, Max: 3},
//	}})
//	defer gh.SetChaos(false)
//	… gh.ChaosStats().ByFault["502"] …
//
// Requests to a route the fake does not serve are never faulted.
type Chaos struct {
	// Seed makes the draw repeatable (for one order of requests).
	Seed uint64
	// Rate is the fraction of requests that get a fault (0 to 1).
	Rate float64
	// Every, when above 0, faults every Every-th request instead of Rate.
	Every int
	// Faults is the mix a faulted request draws from, by Weight.
	Faults []ChaosFault
	// Routes limits the schedule to these routes ("METHOD /template");
	// empty means every route. Except takes routes out.
	Routes, Except []string
}

// FaultKind is one way of answering badly.
type FaultKind string

// The kinds of ChaosFault.
const (
	// FaultStatus answers Status (500, 502, 503, 504) with GitHub's
	// message, before the request is handled.
	FaultStatus FaultKind = "status"
	// FaultTimeout sends no answer for Delay (default 35 s: longer than
	// the 30 s djsec waits for response headers), then drops the
	// connection.
	FaultTimeout FaultKind = "timeout"
	// FaultReset resets the connection (TCP RST) without an answer.
	FaultReset FaultKind = "reset"
	// FaultSecondary is GitHub's secondary rate limit: 403 with
	// Retry-After and its message.
	FaultSecondary FaultKind = "secondary"
	// FaultTooMany is 429 Too Many Requests with Retry-After.
	FaultTooMany FaultKind = "429"
	// FaultLatency delays the answer by Delay; the request is then
	// answered normally.
	FaultLatency FaultKind = "latency"
)

// DefaultTimeoutHold is how long a FaultTimeout holds the answer: over the
// 30 s response-header timeout of djsec's GitHub client.
const DefaultTimeoutHold = 35 * time.Second

// ChaosFault is one entry of a schedule's mix.
type ChaosFault struct {
	Kind FaultKind
	// Status is FaultStatus's code (default 502).
	Status int
	// Weight is the entry's share of the faulted requests (default 1).
	Weight int
	// Max caps how many times the entry fires while the schedule lives
	// (0: no cap), e.g. 10-second latency on three requests only.
	Max int
	// Delay is FaultLatency's delay and FaultTimeout's hold.
	Delay time.Duration
	// RetryAfter is the Retry-After of FaultSecondary and FaultTooMany,
	// in seconds (default 1; a negative value sends none).
	RetryAfter int
	// Handled makes FaultTimeout and FaultReset lose the answer after the
	// fake handled the request (a POST did create its object, a PATCH did
	// append its check run annotations), as when GitHub did the work but
	// the answer never arrived; with FaultStatus the work is done and the
	// client gets Status instead of the answer (a gateway timing out on a
	// slow write). Without it the request is refused before it is handled.
	Handled bool
	// Methods limits the entry to requests of these methods (empty: any),
	// e.g. PATCH and PUT for lost answers of writes, which a client must
	// not blindly repeat when they append.
	Methods []string
}

// Name is the fault's key in ChaosStats.ByFault: the status ("502",
// "403", "429"), "timeout", "reset" (5xx, timeouts and resets with
// "+handled" when Handled), or "latency".
func (f ChaosFault) Name() string {
	switch f.Kind {
	case FaultStatus:
		if f.Handled {
			return strconv.Itoa(f.status()) + "+handled"
		}
		return strconv.Itoa(f.status())
	case FaultSecondary:
		return "403"
	case FaultTimeout, FaultReset:
		if f.Handled {
			return string(f.Kind) + "+handled"
		}
	}
	return string(f.Kind)
}

func (f ChaosFault) status() int {
	if f.Status == 0 {
		return http.StatusBadGateway
	}
	return f.Status
}

// ChaosStats counts what the schedule did since StartChaos.
type ChaosStats struct {
	// Seen is the number of requests the schedule considered (those on
	// its routes while it was on); Injected how many got a fault.
	Seen, Injected int
	// ByFault counts the faults by ChaosFault.Name.
	ByFault map[string]int
}

// chaos is a Server's schedule; its own lock keeps the draw off s.mu.
type chaos struct {
	mu    sync.Mutex
	cfg   Chaos
	on    bool
	rng   *rand.Rand
	used  []int
	stats ChaosStats
}

func (s *Server) chaosState() *chaos { return &s.chaos }

// StartChaos installs schedule c, switched on, with its counts at zero.
func (s *Server) StartChaos(c Chaos) {
	for i := range c.Faults {
		if c.Faults[i].Weight <= 0 {
			c.Faults[i].Weight = 1
		}
		if c.Faults[i].Kind == FaultTimeout && c.Faults[i].Delay <= 0 {
			c.Faults[i].Delay = DefaultTimeoutHold
		}
		if c.Faults[i].RetryAfter == 0 {
			c.Faults[i].RetryAfter = 1
		}
	}
	ch := s.chaosState()
	ch.mu.Lock()
	defer ch.mu.Unlock()
	ch.cfg = c
	ch.on = true
	ch.rng = rand.New(rand.NewPCG(c.Seed, c.Seed^0x9e3779b97f4a7c15))
	ch.used = make([]int, len(c.Faults))
	ch.stats = ChaosStats{ByFault: map[string]int{}}
}

// SetChaos switches the schedule on or off without forgetting it or its
// counts (a fault already under way runs its course).
func (s *Server) SetChaos(on bool) {
	ch := s.chaosState()
	ch.mu.Lock()
	defer ch.mu.Unlock()
	ch.on = on && ch.rng != nil
}

// ChaosStats returns the schedule's counts.
func (s *Server) ChaosStats() ChaosStats {
	ch := s.chaosState()
	ch.mu.Lock()
	defer ch.mu.Unlock()
	st := ch.stats
	st.ByFault = map[string]int{}
	for k, v := range ch.stats.ByFault {
		st.ByFault[k] = v
	}
	return st
}

// applies reports whether entry f may fire on a request to route.
func (f ChaosFault) applies(route string) bool {
	if len(f.Methods) == 0 {
		return true
	}
	method, _, _ := strings.Cut(route, " ")
	return slices.Contains(f.Methods, method)
}

// draw decides whether a request to route gets a fault, and which.
func (ch *chaos) draw(route string) (ChaosFault, bool) {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	c := ch.cfg
	if !ch.on || route == "" || (len(c.Routes) > 0 && !slices.Contains(c.Routes, route)) || slices.Contains(c.Except, route) {
		return ChaosFault{}, false
	}
	ch.stats.Seen++
	hit := ch.rng.Float64() < c.Rate
	if c.Every > 0 {
		hit = ch.stats.Seen%c.Every == 0
	}
	if !hit {
		return ChaosFault{}, false
	}
	live := func(i int) bool {
		f := c.Faults[i]
		return (f.Max == 0 || ch.used[i] < f.Max) && f.applies(route)
	}
	total := 0
	for i, f := range c.Faults {
		if live(i) {
			total += f.Weight
		}
	}
	if total == 0 {
		return ChaosFault{}, false // every entry is used up, or none is for route
	}
	n := ch.rng.IntN(total)
	for i, f := range c.Faults {
		if !live(i) {
			continue
		}
		if n -= f.Weight; n < 0 {
			ch.used[i]++
			ch.stats.Injected++
			ch.stats.ByFault[f.Name()]++
			return f, true
		}
	}
	return ChaosFault{}, false
}

// Bodies of the rate-limit answers, as GitHub words them.
const (
	secondaryRateLimitBody = `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 0000:0000:0000000:0000000:00000000.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits","status":"403"}`
	tooManyRequestsBody    = `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits","status":"429"}`
)

// serveChaos applies the schedule to one request. It returns true when it
// answered (or dropped) the request, false when the request is to be
// answered as usual (no fault, or a delay already waited). record notes
// the request in Requests with its status (0: no answer).
func (s *Server) serveChaos(w http.ResponseWriter, r *http.Request, route string, record func(int)) bool {
	f, ok := s.chaosState().draw(route)
	if !ok {
		return false
	}
	switch f.Kind {
	case FaultLatency:
		if !sleep(r.Context(), f.Delay) {
			record(0)
			return true
		}
		return false
	case FaultStatus, FaultSecondary, FaultTooMany:
		if f.Kind == FaultStatus && f.Handled {
			// The work is done; only the answer is replaced. The request is
			// recorded once, with the status the client saw.
			s.mux.ServeHTTP(&recorder{ResponseWriter: httptest.NewRecorder(), record: func(int) {}}, r)
		}
		status, body := f.status(), fmt.Sprintf(`{"message":%q,"status":"%d"}`, http.StatusText(f.status()), f.status())
		switch f.Kind {
		case FaultSecondary:
			status, body = http.StatusForbidden, secondaryRateLimitBody
		case FaultTooMany:
			status, body = http.StatusTooManyRequests, tooManyRequestsBody
		}
		if f.Kind != FaultStatus && f.RetryAfter >= 0 {
			w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("X-GitHub-Request-Id", fmt.Sprintf("FAKE:CHAOS:%d", time.Now().UnixNano()))
		record(status)
		w.WriteHeader(status)
		io.WriteString(w, body)
		return true
	}
	// Timeouts and resets: the client gets no answer.
	if f.Handled {
		rec := &recorder{ResponseWriter: httptest.NewRecorder(), record: record}
		s.mux.ServeHTTP(rec, r)
	} else {
		record(0)
	}
	if f.Kind == FaultTimeout && !sleep(r.Context(), f.Delay) {
		return true // the client gave up, as it should
	}
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return true // cannot happen on the fake's HTTP/1.1 server; the handler's return closes it
	}
	if tcp, ok := conn.(*net.TCPConn); ok && f.Kind == FaultReset {
		tcp.SetLinger(0) // close sends RST, not FIN
	}
	conn.Close()
	return true
}
