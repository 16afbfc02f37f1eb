package repo

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/google/go-github/v88/github"

	"github.com/djsec/djsec/githubapp"
)

// Symbolic links. Git keeps a link as a blob holding the target path with
// mode 120000, and that blob is what a tree lists; the contents API
// answers with the target file's bytes instead, and only when the target
// is a file inside the repository. A link is therefore resolved in the
// tree to the file it names, and that file is read (and checked against
// its own blob SHA). `requirements.txt -> requirements/prod.txt` is the
// common case.
const (
	// LinkMode is git's mode of a symbolic link.
	LinkMode = "120000"
	// maxLinkHops bounds a chain of links (a loop ends there too).
	maxLinkHops = 8
	// maxLinkSize: a link's blob is a path, no longer than PATH_MAX.
	maxLinkSize = 4096
)

// WithMaxLinkReads bounds the link blobs Follow reads for the Repo's job
// (default: no bound): a repository of thousands of links must not spend
// the installation's rate limit.
func WithMaxLinkReads(n int) Option { return func(r *Repo) { r.maxLinkReads = n } }

// Follow resolves the link at p to the regular file its chain of links
// ends at, inside the repository; tree holds the tree's entries by path.
// When target is "", why says why the link is not followed (it leaves the
// repository, dangles, names a directory, loops, or the job read its share
// of links). A link blob GitHub no longer has (the branch was rewritten)
// is ErrNotFound.
func (r *Repo) Follow(ctx context.Context, tree map[string]*github.TreeEntry, p string) (target, why string, err error) {
	cur := p
	for range maxLinkHops {
		e := tree[cur]
		if e.GetSize() > maxLinkSize {
			return "", "its blob is too long to be a path", nil
		}
		r.mu.Lock()
		over := r.maxLinkReads > 0 && r.linkReads >= r.maxLinkReads
		if !over {
			r.linkReads++
		}
		r.mu.Unlock()
		if over {
			return "", fmt.Sprintf("djsec already read %d links in this job", r.maxLinkReads), nil
		}
		data, err := r.Blob(ctx, cur, e.GetSHA(), e.GetSize())
		if err != nil {
			return "", "", fmt.Errorf("the link %s: %w", cur, err)
		}
		dest := string(data)
		next := path.Join(path.Dir(cur), dest)
		if path.IsAbs(dest) || next == "." || next == ".." || strings.HasPrefix(next, "../") || !githubapp.ValidRepoPath(next) {
			return "", "it points outside the repository (`" + dest + "`)", nil
		}
		te, ok := tree[next]
		if !ok || te.GetType() != "blob" {
			return "", "its target `" + next + "` is not a file of the repository", nil
		}
		if te.GetMode() != LinkMode {
			return next, "", nil
		}
		cur = next
	}
	return "", fmt.Sprintf("more than %d links in a row", maxLinkHops), nil
}

// LinkTarget is the file a symbolic link names, from a directory
// listing's target (relative to the link), or false for a link that
// leaves the repository. A dangling one answers 404 when read.
func LinkTarget(p, target string) (string, bool) {
	next := path.Join(path.Dir(p), target)
	if target == "" || path.IsAbs(target) || next == ".." || strings.HasPrefix(next, "../") || !githubapp.ValidRepoPath(next) {
		return "", false
	}
	return next, true
}
