package handlers

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"sync"
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

// bodyBudget is the shared allowance.
type bodyBudget struct {
	mu   sync.Mutex
	free int64
}

func newBodyBudget(n int64) *bodyBudget { return &bodyBudget{free: n} }

func (b *bodyBudget) take(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if n > b.free {
		return false
	}
	b.free -= n
	return true
}

func (b *bodyBudget) give(n int64) {
	b.mu.Lock()
	b.free += n
	b.mu.Unlock()
}

// Errors of readBody, each answered with its own status.
var (
	errBodyTooLarge = errors.New("body too large")
	errBodyBusy     = errors.New("too many large deliveries are being read at once")
)

// readBody reads at most max bytes of req's body within the budget. The
// caller must call release once it no longer holds the bytes, whatever the
// error. A declared Content-Length is reserved whole and read into one
// buffer of that size; a chunked body is reserved a megabyte at a time.
func readBody(req *http.Request, max int64, budget *bodyBudget) (body []byte, release func(), err error) {
	var held int64
	release = func() { budget.give(held) }
	if n := req.ContentLength; n >= 0 {
		if n > max {
			return nil, release, errBodyTooLarge
		}
		if !budget.take(n) {
			return nil, release, errBodyBusy
		}
		held = n
		body = make([]byte, n)
		if _, err := io.ReadFull(req.Body, body); err != nil {
			return nil, release, err
		}
		return body, release, nil
	}
	// Read into pieces of growing size and joined once at the end: about
	// twice the body allocated in all, never a copy per growth step.
	var pieces [][]byte
	var total int64
	size := int64(32 << 10)
	for {
		if total == held {
			// The reserve is used up: take the next part of it. max+1 is
			// the most ever held, enough to tell a body over the cap.
			step := min(int64(chunkReserve), max+1-held)
			if step <= 0 {
				return nil, release, errBodyTooLarge
			}
			if !budget.take(step) {
				return nil, release, errBodyBusy
			}
			held += step
		}
		if len(pieces) == 0 || len(pieces[len(pieces)-1]) == cap(pieces[len(pieces)-1]) {
			pieces = append(pieces, make([]byte, 0, size))
			size = min(size*2, chunkReserve)
		}
		p := pieces[len(pieces)-1]
		n, err := req.Body.Read(p[len(p):min(int64(cap(p)), int64(len(p))+held-total)])
		pieces[len(pieces)-1] = p[:len(p)+n]
		total += int64(n)
		if total > max {
			return nil, release, errBodyTooLarge
		}
		if err == io.EOF {
			if len(pieces) == 1 {
				return pieces[0], release, nil
			}
			return bytes.Join(pieces, nil), release, nil
		}
		if err != nil {
			return nil, release, err
		}
	}
}
