package auditrun

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"strings"

	"github.com/djsec/djsec/githubapp"
	"github.com/djsec/djsec/jobs"
)

// Symbolic links. Git keeps a link as a blob holding the target path with
// mode 120000, and that blob is what the tree lists; the contents API
// answers with the target file's bytes instead. Checking those bytes
// against the link's blob SHA would take every link for a branch that
// moved, so a link is resolved in the tree to the file it names, and that
// file is read and checked. `requirements.txt -> requirements/prod.txt`
// is the common case.

// linkMode is git's mode of a symbolic link.
const linkMode = "120000"

// maxLinkHops bounds a chain of links (a loop ends there too).
const maxLinkHops = 8

// maxLinkReads bounds the link blobs one audit reads: a repository of
// thousands of links must not spend the installation's rate limit.
const maxLinkReads = 50

// maxLinkSize: a link's blob is a path; anything longer is no path a
// checkout could follow (PATH_MAX).
const maxLinkSize = 4096

// errLinkOut: the link names nothing djsec reads (it leaves the
// repository, dangles, names a directory or loops); it is left out of the
// audit, with a log line.
var errLinkOut = errors.New("symbolic link left out")

// resolve returns how to read p: its own blob, or for a link the blob of
// the regular file the chain of links ends at, inside the repository.
func (f *fetcher) resolve(ctx context.Context, all map[string]blob, p string) (blob, error) {
	b := all[p]
	if b.mode != linkMode {
		return b, nil
	}
	cur := p
	for range maxLinkHops {
		dest, err := f.linkText(ctx, cur, all[cur])
		if err != nil {
			return blob{}, err
		}
		next := path.Join(path.Dir(cur), dest)
		if path.IsAbs(dest) || next == "." || next == ".." || strings.HasPrefix(next, "../") || !githubapp.ValidRepoPath(next) {
			return blob{}, f.leftOut(ctx, p, dest, "it points outside the repository")
		}
		tb, ok := all[next]
		if !ok {
			return blob{}, f.leftOut(ctx, p, dest, "its target is not a file of the repository (dangling, or a directory)")
		}
		if tb.mode != linkMode {
			tb.target = next
			return tb, nil
		}
		cur = next
	}
	return blob{}, f.leftOut(ctx, p, "", fmt.Sprintf("more than %d links in a row", maxLinkHops))
}

func (f *fetcher) leftOut(ctx context.Context, p, dest, why string) error {
	jobs.Logger(ctx).InfoContext(ctx, "symbolic link not followed: "+why, slog.String("path", p), slog.String("target", dest))
	return errLinkOut
}

// linkText reads a link's blob: the target path (one call per link).
func (f *fetcher) linkText(ctx context.Context, p string, b blob) (string, error) {
	if b.size > maxLinkSize {
		return "", f.leftOut(ctx, p, "", "its blob is too long to be a path")
	}
	if f.linkReads >= maxLinkReads {
		return "", f.leftOut(ctx, p, "", fmt.Sprintf("the audit already read %d links", maxLinkReads))
	}
	f.linkReads++
	bl, _, err := f.gh.Git.GetBlob(ctx, f.t.Owner, f.t.Name, b.sha)
	if err != nil {
		if githubapp.NotFound(err) {
			// Listed by the tree but gone: the branch was rewritten.
			return "", fmt.Errorf("%s: %w", p, errMoved)
		}
		return "", ghError("get the link "+p, err)
	}
	data, err := githubapp.BlobBytes(bl)
	if err != nil {
		return "", fmt.Errorf("the link %s: %w", p, err)
	}
	return string(data), nil
}
