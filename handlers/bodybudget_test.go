package handlers

import (
	"bytes"
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// onlyReader hides bytes.Reader's other methods so the request has no
// length: a chunked body.
type onlyReader struct{ io.Reader }

func TestReadBody(t *testing.T) {
	t.Parallel()
	const max = 100 << 10
	tests := []struct {
		name     string
		size     int
		declared bool
		budget   int64
		wantErr  error
	}{
		{"declared, fits", 5000, true, 1 << 20, nil},
		{"declared, exactly max", max, true, 1 << 20, nil},
		{"declared, over max", max + 1, true, 1 << 20, errBodyTooLarge},
		{"declared, over the budget", 5000, true, 4000, errBodyBusy},
		{"chunked, fits", 5000, false, 1 << 20, nil},
		{"chunked, exactly max", max, false, 1 << 20, nil},
		{"chunked, max minus one", max - 1, false, 1 << 20, nil},
		{"chunked, over max", max + 1, false, 1 << 20, errBodyTooLarge},
		{"chunked, over the budget", 5000, false, 4000, errBodyBusy},
		{"empty", 0, false, 1 << 20, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			data := bytes.Repeat([]byte("x"), tt.size)
			var r io.Reader = bytes.NewReader(data)
			if !tt.declared {
				r = onlyReader{r}
			}
			req := httptest.NewRequest("POST", "/webhook", r)
			if !tt.declared {
				req.ContentLength = -1
			}
			budget := newBodyBudget(tt.budget)
			budget.wait = 0
			body, release, err := readBody(req, max, budget)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err %v, want %v", err, tt.wantErr)
			}
			if err == nil && !bytes.Equal(body, data) {
				t.Errorf("read %d bytes, want the %d sent", len(body), len(data))
			}
			release()
			if budget.free != tt.budget {
				t.Errorf("after release %d of the budget is free, want all %d back", budget.free, tt.budget)
			}
		})
	}
}

// TestReadBodyShared: while one delivery holds most of the budget, another
// that does not fit is refused and one that does is read.
func TestReadBodyShared(t *testing.T) {
	t.Parallel()
	budget := newBodyBudget(100 << 10)
	budget.wait = 0
	big := httptest.NewRequest("POST", "/webhook", strings.NewReader(strings.Repeat("a", 80<<10)))
	_, releaseBig, err := readBody(big, 1<<20, budget)
	if err != nil {
		t.Fatal(err)
	}
	second := httptest.NewRequest("POST", "/webhook", strings.NewReader(strings.Repeat("b", 40<<10)))
	_, release, err := readBody(second, 1<<20, budget)
	release()
	if !errors.Is(err, errBodyBusy) {
		t.Errorf("a second body past the budget: %v, want errBodyBusy", err)
	}
	small := httptest.NewRequest("POST", "/webhook", strings.NewReader(`{"zen":"ok"}`))
	if _, release, err := readBody(small, 1<<20, budget); err != nil {
		t.Errorf("a small body within the budget: %v", err)
	} else {
		release()
	}
	releaseBig()
	if _, release, err := readBody(httptest.NewRequest("POST", "/webhook", strings.NewReader(strings.Repeat("b", 40<<10))), 1<<20, budget); err != nil {
		t.Errorf("after the big body is released: %v", err)
	} else {
		release()
	}
}

// A delivery that finds the budget taken waits for its share instead of
// being refused at once: a burst is slowed down, not answered 503.
func TestReadBodyWaitsForTheBudget(t *testing.T) {
	t.Parallel()
	budget := newBodyBudget(100 << 10)
	big := httptest.NewRequest("POST", "/webhook", strings.NewReader(strings.Repeat("a", 80<<10)))
	_, releaseBig, err := readBody(big, 1<<20, budget)
	if err != nil {
		t.Fatal(err)
	}
	read := make(chan error, 1)
	go func() {
		second := httptest.NewRequest("POST", "/webhook", strings.NewReader(strings.Repeat("b", 40<<10)))
		_, release, err := readBody(second, 1<<20, budget)
		release()
		read <- err
	}()
	select {
	case err := <-read:
		t.Fatalf("the second body did not wait for the first: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	releaseBig()
	if err := <-read; err != nil {
		t.Fatalf("after the first body was released: %v", err)
	}
	if budget.free != 100<<10 {
		t.Errorf("%d of the budget free, want all of it", budget.free)
	}
}

func TestReadBodyTruncated(t *testing.T) {
	t.Parallel()
	req := httptest.NewRequest("POST", "/webhook", strings.NewReader("short"))
	req.ContentLength = 100
	budget := newBodyBudget(1 << 20)
	_, release, err := readBody(req, 1<<20, budget)
	release()
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("err %v, want io.ErrUnexpectedEOF", err)
	}
	if budget.free != 1<<20 {
		t.Errorf("budget not returned: %d free", budget.free)
	}
}

// stalled sends one byte and then nothing until it is closed: a client
// that declared a large body and keeps the connection idle.
type stalled struct {
	sent bool
	done chan struct{}
}

func (s *stalled) Read(p []byte) (int, error) {
	if !s.sent {
		s.sent = true
		p[0] = '{'
		return 1, nil
	}
	<-s.done
	return 0, io.ErrUnexpectedEOF
}

// Three connections that declare 25 + 25 + 14 MiB and send one byte hold
// a few hundred KiB of the budget, not all of it: a valid delivery read
// meanwhile is not refused.
func TestIdleBodiesDoNotStarveOthers(t *testing.T) {
	t.Parallel()
	budget := newBodyBudget(DefaultBodyBudget)
	done := make(chan struct{})
	var wg sync.WaitGroup
	for _, mib := range []int64{25, 25, 14} {
		req := httptest.NewRequest("POST", "/webhook", &stalled{done: done})
		req.ContentLength = mib << 20
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, release, _ := readBody(req, MaxBody, budget)
			release()
		}()
	}
	// Wait until the three hold their first share.
	for i := 0; ; i++ {
		budget.mu.Lock()
		free := budget.free
		budget.mu.Unlock()
		if free <= DefaultBodyBudget-3*firstReserve {
			break
		}
		if i > 5000 {
			t.Fatalf("the stalled bodies never took their share: %d free", free)
		}
		time.Sleep(time.Millisecond)
	}
	body := strings.Repeat("x", 300<<10)
	got, release, err := readBody(httptest.NewRequest("POST", "/webhook", strings.NewReader(body)), MaxBody, budget)
	if err != nil || string(got) != body {
		t.Fatalf("a valid 300 KiB delivery beside three idle ones: %v", err)
	}
	release()
	close(done)
	wg.Wait()
	if budget.free != DefaultBodyBudget {
		t.Errorf("%d of the budget free after all, want all of it", budget.free)
	}
}
