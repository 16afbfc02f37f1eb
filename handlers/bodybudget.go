package handlers

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"sync"
	"time"
)

// DefaultBodyBudget is how many body bytes the deliveries being read at one
// moment may hold together. GitHub's payloads are a few kilobytes to a few
// hundred; the budget exists for bodies sent to exhaust memory: each may
// be 25 MiB (MaxBody), and without a shared bound forty of them at once
// would hold a gigabyte before a single signature was checked.
const DefaultBodyBudget = 64 << 20

// chunkReserve is how much of the budget a body without a Content-Length
// takes at a time as it is read.
const chunkReserve = 1 << 20

// budgetWait is how long a delivery waits for its share of the budget
// before it is answered 503. A 503 is a delivery GitHub does not send again
// by itself (the redelivery sweep asks for it later), so a burst waits
// instead, within GitHub's 10-second timeout with room left to commit.
const budgetWait = 5 * time.Second

// bodyBudget is the shared allowance.
type bodyBudget struct {
	mu   sync.Mutex
	free int64
	// freed is closed (and replaced) whenever bytes are given back, waking
	// the deliveries waiting for a share.
	freed chan struct{}
	// wait is how long a delivery waits for its share (budgetWait).
	wait time.Duration
}

func newBodyBudget(n int64) *bodyBudget {
	return &bodyBudget{free: n, freed: make(chan struct{}), wait: budgetWait}
}

// take takes n bytes of the budget, waiting for them until deadline.
func (b *bodyBudget) take(n int64, deadline time.Time) bool {
	for {
		b.mu.Lock()
		if n <= b.free {
			b.free -= n
			b.mu.Unlock()
			return true
		}
		freed := b.freed
		b.mu.Unlock()
		wait := time.Until(deadline)
		if wait <= 0 {
			return false
		}
		timer := time.NewTimer(wait)
		select {
		case <-freed:
			timer.Stop()
		case <-timer.C:
			return false
		}
	}
}

func (b *bodyBudget) give(n int64) {
	if n == 0 {
		return
	}
	b.mu.Lock()
	b.free += n
	close(b.freed)
	b.freed = make(chan struct{})
	b.mu.Unlock()
}

// Errors of readBody, each answered with its own status.
var (
	errBodyTooLarge = errors.New("body too large")
	errBodyBusy     = errors.New("too many large deliveries are being read at once")
)

// firstReserve is the share of the budget a body takes before its first
// byte arrives; later shares double with what has arrived.
const firstReserve = 64 << 10

// readBody reads at most maxBody bytes of req's body within the budget. The
// caller must call release once it no longer holds the bytes, whatever the
// error. The budget is taken as bytes arrive — 64 KiB first, then as much
// again as has arrived, a megabyte at most at a time — never from the
// declared Content-Length: three connections declaring 25 MiB each and
// sending one byte once held the whole budget and every valid delivery got
// 503 until they timed out. A declared length over maxBody is refused unread.
func readBody(req *http.Request, maxBody int64, budget *bodyBudget) (body []byte, release func(), err error) {
	var held int64
	deadline := time.Now().Add(budget.wait)
	release = func() { budget.give(held) }
	// limit is the most ever read: the declared length, or maxBody+1 for a
	// chunked body, enough to tell one over the cap.
	limit, declared := maxBody+1, req.ContentLength
	if declared >= 0 {
		if declared > maxBody {
			return nil, release, errBodyTooLarge
		}
		limit = declared
	}
	// Read into pieces of growing size and joined once at the end: about
	// twice the body allocated in all, never a copy per growth step.
	var pieces [][]byte
	var total int64
	size := int64(32 << 10)
	for total < limit {
		if total == held {
			step := min(max(held, firstReserve), chunkReserve, limit-held)
			if !budget.take(step, deadline) {
				return nil, release, errBodyBusy
			}
			held += step
		}
		if len(pieces) == 0 || len(pieces[len(pieces)-1]) == cap(pieces[len(pieces)-1]) {
			pieces = append(pieces, make([]byte, 0, min(size, limit-total)))
			size = min(size*2, chunkReserve)
		}
		p := pieces[len(pieces)-1]
		n, err := req.Body.Read(p[len(p):min(int64(cap(p)), int64(len(p))+held-total)])
		pieces[len(pieces)-1] = p[:len(p)+n]
		total += int64(n)
		if declared < 0 && total > maxBody {
			return nil, release, errBodyTooLarge
		}
		if err == io.EOF {
			if declared >= 0 && total < declared {
				return nil, release, io.ErrUnexpectedEOF
			}
			return join(pieces), release, nil
		}
		if err != nil {
			return nil, release, err
		}
	}
	if declared < 0 {
		// limit reached without EOF: more than maxBody bytes are coming.
		return nil, release, errBodyTooLarge
	}
	return join(pieces), release, nil
}

func join(pieces [][]byte) []byte {
	switch len(pieces) {
	case 0:
		return []byte{}
	case 1:
		return pieces[0]
	}
	return bytes.Join(pieces, nil)
}
