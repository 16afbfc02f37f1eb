package repo

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/djsec/djsec/checks/deps"
	"github.com/djsec/djsec/checks/pysrc"
	"github.com/djsec/djsec/githubapp"
)

// Size limits.
const (
	// MaxFileSize is the largest file File reads (1 MiB, what the analyzer
	// parses); lock files are read up to MaxLockSize.
	MaxFileSize = pysrc.MaxSize
	// MaxLockSize: lock files carry a hash per artifact and are often
	// larger than any settings module; the analyzer reads them up to
	// 4 MiB.
	MaxLockSize = deps.MaxLockSize
	// MaxBlobSize bounds what Blob reads of one file (GitHub sends blobs
	// of up to 100 MB).
	MaxBlobSize = 16 << 20
	// ContentsAPILimit is the size past which the contents API sends no
	// content: a larger file is read through Blob.
	ContentsAPILimit = 1 << 20
)

// RawMediaType asks the contents API for a file's raw bytes (not base64
// in JSON, and not limited to 1 MB as the JSON form is).
const RawMediaType = "application/vnd.github.raw+json"

// UnsafePathMsg is the file error for a name that is not a plain relative
// path (githubapp.ValidRepoPath).
const UnsafePathMsg = "file name is not a relative path inside the repository; not read"

// Limit is the largest file File reads at p, and how messages name it.
func Limit(p string) (int, string) {
	if deps.IsLockFile(p) {
		return MaxLockSize, "4 MiB"
	}
	return MaxFileSize, "1 MiB"
}

// File reads the file at p at ref (a commit SHA, or a branch name read
// through the ETag cache: unchanged, GitHub answers 304, which costs
// nothing against the rate limit). A 404 is ErrNotFound; a file over
// Limit(p), or a name that is no path inside the repository (forged: git
// holds no such name, and its ".." would reach another endpoint), is an
// *UnreadableError.
func (r *Repo) File(ctx context.Context, ref, p string) ([]byte, error) {
	limit, text := Limit(p)
	if isCommit(ref) {
		ctx = noCache(ctx)
	}
	return r.raw(ctx, ref, p, limit, "file is larger than "+text+"; not analyzed")
}

// raw is one GET of a file's raw bytes, read no further than limit.
func (r *Repo) raw(ctx context.Context, ref, p string, limit int, tooLarge string) ([]byte, error) {
	if !githubapp.ValidRepoPath(p) {
		return nil, &UnreadableError{Path: p, Msg: UnsafePathMsg}
	}
	u := fmt.Sprintf("repos/%s/%s/contents/%s?ref=%s", escapePath(r.owner), escapePath(r.name), escapePath(p), url.QueryEscape(ref))
	req, err := r.gh.NewRequest(ctx, "GET", u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", RawMediaType)
	r.calls.Add(1)
	resp, err := r.gh.BareDo(req)
	if err != nil {
		return nil, Wrap("get "+p+" at "+Short(ref), err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, int64(limit)+1))
	if err != nil {
		return nil, fmt.Errorf("read %s at %s: %w", p, Short(ref), err)
	}
	if len(data) > limit {
		return nil, &UnreadableError{Path: p, Msg: tooLarge}
	}
	return data, nil
}

// Text checks that data is text the analyzer reads: nil, or an
// *UnreadableError in the words `bot audit` uses.
func Text(p string, data []byte) error {
	switch {
	case pysrc.IsText(data):
		return nil
	case strings.IndexByte(string(data), 0) >= 0:
		return &UnreadableError{Path: p, Msg: "binary file (it contains NUL bytes); not analyzed"}
	default:
		return &UnreadableError{Path: p, Msg: "not valid UTF-8 text (re-save it as UTF-8); not analyzed"}
	}
}

// Source is File for a file the analyzer reads: one that is not text is
// an *UnreadableError too.
func (r *Repo) Source(ctx context.Context, ref, p string) ([]byte, error) {
	data, err := r.File(ctx, ref, p)
	if err != nil {
		return nil, err
	}
	if err := Text(p, data); err != nil {
		return nil, err
	}
	return data, nil
}

// Blob reads a file by its blob SHA through the Git Data API, which has
// what the contents API leaves out past 1 MB (base64, up to 100 MB on
// GitHub; djsec stops at MaxBlobSize, size being the tree's). A blob never
// changes, so the ETag cache is not used.
func (r *Repo) Blob(ctx context.Context, p, sha string, size int) ([]byte, error) {
	if size > MaxBlobSize {
		return nil, &UnreadableError{Path: p, Msg: fmt.Sprintf("%s is %d bytes, more than djsec reads (%d)", p, size, MaxBlobSize)}
	}
	r.calls.Add(1)
	bl, _, err := r.gh.Git.GetBlob(noCache(ctx), r.owner, r.name, sha)
	if err != nil {
		return nil, Wrap("get the blob of "+p, err)
	}
	return githubapp.BlobBytes(bl)
}
