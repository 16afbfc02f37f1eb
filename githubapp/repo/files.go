package repo

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/djsec/djsec/internal/jobctx"
)

// ErrMoved: a file listed by the tree is not at the branch, or its bytes
// are not the tree's blob: the branch moved while it was read, and the
// job should run again on the new head.
var ErrMoved = errors.New("the branch moved while djsec read it")

// BlobCache keeps file bodies by git blob SHA across jobs (the store).
type BlobCache interface {
	Blob(ctx context.Context, sha string) ([]byte, bool, error)
	SaveBlob(ctx context.Context, sha string, body []byte) error
}

// Entry is a file of a tree for Files.
type Entry struct {
	// Path is where the file is kept; At is where it is read, when that
	// is elsewhere (a symbolic link's target, Follow).
	Path, At string
	// SHA and Size are the tree's, of the file read.
	SHA  string
	Size int
}

func (e Entry) at() string {
	if e.At != "" {
		return e.At
	}
	return e.Path
}

// Files reads entries at ref, a branch listed by a tree: a body cached
// under its blob SHA costs no request (WithBlobCache); the others are
// read by name through the ETag cache (a 304 is free), checked against the
// tree's SHA so that a push in between is never mistaken for the commit
// listed, and cached. It returns the bodies by Path and, by Path, why
// each file left out was not read (too large, not text). A file gone or
// changed is ErrMoved.
func (r *Repo) Files(ctx context.Context, ref string, entries []Entry) (map[string][]byte, map[string]string, error) {
	var mu sync.Mutex
	got, unread := map[string][]byte{}, map[string]string{}
	var todo []Entry
	for _, e := range entries {
		if limit, text := Limit(e.Path); e.Size > limit {
			// The tree says so: no request.
			unread[e.Path] = "file is larger than " + text + "; not analyzed"
			continue
		}
		todo = append(todo, e)
	}
	err := r.Each(ctx, len(todo), func(ctx context.Context, i int) error {
		e := todo[i]
		data, err := r.treeFile(ctx, ref, e)
		if msg, ok := Unreadable(err); ok {
			mu.Lock()
			unread[e.Path] = msg
			mu.Unlock()
			return nil
		}
		if err != nil {
			return err
		}
		mu.Lock()
		got[e.Path] = data
		mu.Unlock()
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return got, unread, nil
}

// treeFile reads one entry for Files.
func (r *Repo) treeFile(ctx context.Context, ref string, e Entry) ([]byte, error) {
	if data, ok := r.cached(ctx, e.SHA); ok {
		return data, nil
	}
	at := e.at()
	data, err := r.Source(ctx, ref, at)
	switch {
	case errors.Is(err, ErrNotFound):
		// In the tree but not at the branch: it moved.
		return nil, fmt.Errorf("%s: %w", at, ErrMoved)
	case err != nil:
		return nil, err
	case e.SHA != "" && GitBlobSHA(data) != e.SHA:
		return nil, fmt.Errorf("%s: %w", at, ErrMoved)
	}
	r.keep(ctx, e.SHA, data)
	return data, nil
}

// GitBlobSHA is git's object name of a file's bytes, as trees list it.
func GitBlobSHA(b []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(b))
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

// cached is a file's body from an earlier job: the same blob SHA is the
// same bytes, so an unchanged file of a changed repository costs nothing.
// A cache that fails is only logged: GitHub has the file.
func (r *Repo) cached(ctx context.Context, sha string) ([]byte, bool) {
	if r.blobs == nil || sha == "" {
		return nil, false
	}
	data, ok, err := r.blobs.Blob(ctx, sha)
	if err != nil {
		jobctx.Logger(ctx).WarnContext(ctx, "blob cache", slog.String("error", err.Error()))
		return nil, false
	}
	return data, ok && GitBlobSHA(data) == sha
}

func (r *Repo) keep(ctx context.Context, sha string, data []byte) {
	if r.blobs == nil || sha == "" {
		return
	}
	if err := r.blobs.SaveBlob(ctx, sha, data); err != nil {
		jobctx.Logger(ctx).WarnContext(ctx, "blob cache", slog.String("error", err.Error()))
	}
}

// Each runs fn for i in [0, n), the Repo's parallel at a time, and
// returns the first error (the others are cancelled), or the cause of
// ctx's end.
func (r *Repo) Each(ctx context.Context, n int, fn func(ctx context.Context, i int) error) error {
	if n == 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sem := make(chan struct{}, r.parallel)
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-sem }()
			if ctx.Err() != nil {
				return
			}
			if err := fn(ctx, i); err != nil {
				once.Do(func() { first = err; cancel() })
			}
		}()
	}
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		// The job's own context ended (shutdown, timeout).
		return context.Cause(ctx)
	}
	return first
}
