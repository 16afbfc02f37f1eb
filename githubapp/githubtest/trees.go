package githubtest

import (
	"encoding/json"
	"strings"
)

// GET git/trees answers at most 100,000 entries or 7 MB, GitHub's
// documented limits; past them "truncated" is true and the rest is left
// out, and a client must read subtrees one at a time (each directory
// entry's SHA names its subtree). Tests lower the limits to meet this
// with a small repository.
const (
	DefaultTreeEntries = 100_000
	DefaultTreeBytes   = 7 << 20
)

type treeLimits struct{ entries, bytes int }

// WithTreeLimit sets the most entries and JSON bytes of entries one tree
// answer holds (0 keeps GitHub's).
func WithTreeLimit(entries, bytes int) Option {
	return func(s *Server) { s.treeLimit = treeLimits{entries, bytes} }
}

// SetTreeLimit is WithTreeLimit on a running fake.
func (s *Server) SetTreeLimit(entries, bytes int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.treeLimit = treeLimits{entries, bytes}
}

func (l treeLimits) get() (entries, bytes int) {
	entries, bytes = l.entries, l.bytes
	if entries <= 0 {
		entries = DefaultTreeEntries
	}
	if bytes <= 0 {
		bytes = DefaultTreeBytes
	}
	return entries, bytes
}

// subtree is a directory of a commit, what a directory entry's SHA names.
type subtree struct {
	commit, dir string
}

// subtreeSHA names dir of commit c; the name is remembered so that a
// later GET git/trees/{sha} finds the directory.
func (r *Repo) subtreeSHA(c *commit, dir string) string {
	sha := blobSHA([]byte(c.sha + dir))
	if r.subtrees == nil {
		r.subtrees = map[string]subtree{}
	}
	r.subtrees[sha] = subtree{commit: c.sha, dir: dir}
	return sha
}

// treeRoot resolves GET git/trees/{tree_sha}: a commit or branch (its root
// directory, prefix "") or a subtree listed earlier (its directory).
func (r *Repo) treeRoot(sha string) (c *commit, prefix string, ok bool) {
	if st, found := r.subtrees[sha]; found {
		return r.commits[st.commit], st.dir + "/", true
	}
	c = r.resolve(sha)
	return c, "", c != nil
}

// treeEntries lists the tree under prefix ("" or "dir/") of cm, paths
// relative to it, as GET git/trees does; truncated when over the limits.
func (s *Server) treeEntries(r *Repo, cm *commit, prefix string, recursive bool) (entries []any, truncated bool) {
	maxEntries, maxBytes := s.treeLimit.get()
	size := 0
	add := func(e map[string]any) bool {
		b, _ := json.Marshal(e)
		if len(entries) >= maxEntries || size+len(b) > maxBytes {
			truncated = true
			return false
		}
		size += len(b)
		entries = append(entries, e)
		return true
	}
	dirs := map[string]bool{}
	for _, f := range sortedKeys(cm.files) {
		if !strings.HasPrefix(f, prefix) {
			continue
		}
		rel := strings.TrimPrefix(f, prefix)
		parts := strings.Split(rel, "/")
		for i := 1; i < len(parts); i++ {
			d := strings.Join(parts[:i], "/")
			if !dirs[d] && (recursive || i == 1) {
				dirs[d] = true
				sha := r.subtreeSHA(cm, prefix+d)
				if !add(map[string]any{"path": d, "mode": "040000", "type": "tree", "sha": sha, "url": s.URL + "/repos/" + r.FullName() + "/git/trees/" + sha}) {
					return entries, true
				}
			}
		}
		if recursive || len(parts) == 1 {
			sha := blobSHA(cm.files[f])
			if !add(map[string]any{"path": rel, "mode": cm.mode(f), "type": "blob", "sha": sha, "size": len(cm.files[f]), "url": s.URL + "/repos/" + r.FullName() + "/git/blobs/" + sha}) {
				return entries, true
			}
		}
	}
	return entries, false
}
