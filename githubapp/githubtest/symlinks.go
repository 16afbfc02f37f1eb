package githubtest

import (
	"net/http"
	"path"
	"strings"
)

// Symbolic links as GitHub serves them. Git stores a link as a blob whose
// bytes are the target path, with mode 120000 in its tree: the trees API
// lists exactly that (the blob's SHA is the target string's, not the
// target file's). The contents API instead follows a link whose target is
// a regular file of the repository and answers with that file's content;
// any other link (dangling, a directory, outside the repository) comes
// back as a "symlink" object naming its target.

// linkMode is git's mode of a symbolic link.
const linkMode = "120000"

// maxLinkHops bounds a chain of links, as the kernel's MAXSYMLINKS does.
const maxLinkHops = 40

// Symlink commits a symbolic link at p pointing at target (relative to
// p's directory, as `ln -s` writes it) on branch and returns the commit's
// SHA.
func (r *Repo) Symlink(branch, p, target string) string {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	sha := r.commitLocked(branch, "Link "+p, "octocat", map[string][]byte{p: []byte(target)}, nil)
	c := r.commits[sha]
	if c.modes == nil {
		c.modes = map[string]string{}
	}
	c.modes[p] = linkMode
	return sha
}

// linkTarget follows the link at p in c to the regular file it names;
// ok is false when the chain leaves the repository, dangles, loops or
// ends at a directory.
func linkTarget(c *commit, p string) (target string, ok bool) {
	for range maxLinkHops {
		dest := string(c.files[p])
		if strings.HasPrefix(dest, "/") {
			return "", false
		}
		next := path.Join(path.Dir(p), dest)
		if next == ".." || strings.HasPrefix(next, "../") || next == "." {
			return "", false
		}
		if _, isFile := c.files[next]; !isFile {
			return "", false
		}
		if c.mode(next) != linkMode {
			return next, true
		}
		p = next
	}
	return "", false
}

// linkContents answers GET contents for the link at p.
func (s *Server) linkContents(c *call, r *Repo, cm *commit, p string) (int, any) {
	raw := strings.Contains(c.r.Header.Get("Accept"), "raw")
	if target, ok := linkTarget(cm, p); ok {
		b := cm.files[target]
		if raw {
			return http.StatusOK, rawBody{data: b, contentType: "application/vnd.github.raw; charset=utf-8"}
		}
		return http.StatusOK, s.contentJSON(r, cm, target, b, true)
	}
	if raw {
		// What git holds at the path: the link's own blob.
		return http.StatusOK, rawBody{data: cm.files[p], contentType: "application/vnd.github.raw; charset=utf-8"}
	}
	return http.StatusOK, s.symlinkJSON(r, cm, p)
}

// symlinkJSON is the content-symlink object (a link the contents API does
// not follow, and a link in a directory listing).
func (s *Server) symlinkJSON(r *Repo, cm *commit, p string) map[string]any {
	m := s.contentJSON(r, cm, p, cm.files[p], false)
	m["type"], m["target"] = "symlink", string(cm.files[p])
	return m
}
