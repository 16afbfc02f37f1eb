package githubtest

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
)

// The Git Data API: blobs, trees and commits are stored as the client makes
// them and become visible on a branch only when a ref points at a commit.
// A tree's SHA is its content hash; the tree of a commit made with Commit
// is named by the commit's SHA (what GET git/trees/{sha} answers), so
// either serves as base_tree.

func (r *Repo) gitInit() {
	if r.blobs == nil {
		r.blobs, r.trees, r.treeModes = map[string][]byte{}, map[string]map[string][]byte{}, map[string]map[string]string{}
	}
}

// treeFiles resolves a tree SHA: one made with POST git/trees, or a
// commit's; modes are its files' modes other than 100644.
func (r *Repo) treeFiles(sha string) (files map[string][]byte, modes map[string]string, ok bool) {
	r.gitInit()
	if t, ok := r.trees[sha]; ok {
		return t, r.treeModes[sha], true
	}
	if c, ok := r.commits[sha]; ok {
		return c.files, c.modes, true
	}
	return nil, nil, false
}

func filesTreeSHA(files map[string][]byte) string {
	h := sha1.New()
	for _, p := range sortedKeys(files) {
		fmt.Fprintf(h, "%s %s\n", p, blobSHA(files[p]))
	}
	return hex.EncodeToString(h.Sum(nil))
}

func (s *Server) createBlob(c *call) (int, any) {
	r := c.repo
	r.gitInit()
	body := c.body.(map[string]any)
	content := []byte(str(body["content"]))
	if str(body["encoding"]) == "base64" {
		b, err := base64.StdEncoding.DecodeString(str(body["content"]))
		if err != nil {
			return http.StatusUnprocessableEntity, validationFailed("Blob", "content", "invalid", "content is not valid Base64")
		}
		content = b
	}
	sha := blobSHA(content)
	r.blobs[sha] = content
	return http.StatusCreated, map[string]any{"sha": sha, "url": s.URL + "/repos/" + r.FullName() + "/git/blobs/" + sha}
}

// getBlob serves a blob made with POST git/blobs or any file of any
// commit, base64-encoded as GitHub sends blobs up to 100 MB.
func (s *Server) getBlob(c *call) (int, any) {
	r := c.repo
	r.gitInit()
	sha := c.r.PathValue("file_sha")
	content, ok := r.blobs[sha]
	if !ok {
		for _, cm := range r.commits {
			for _, b := range cm.files {
				if blobSHA(b) == sha {
					content, ok = b, true
				}
			}
		}
	}
	if !ok {
		return http.StatusNotFound, notFound()
	}
	return http.StatusOK, map[string]any{"sha": sha, "node_id": "B_" + sha[:8], "size": len(content), "encoding": "base64",
		"content": base64.StdEncoding.EncodeToString(content), "url": s.URL + "/repos/" + r.FullName() + "/git/blobs/" + sha}
}

func (s *Server) createTree(c *call) (int, any) {
	r := c.repo
	r.gitInit()
	body := c.body.(map[string]any)
	files, modes := map[string][]byte{}, map[string]string{}
	if base := str(body["base_tree"]); base != "" {
		bt, bm, ok := r.treeFiles(base)
		if !ok {
			return http.StatusUnprocessableEntity, map[string]any{"message": "base_tree is not a valid tree oid", "documentation_url": docURL, "status": "422"}
		}
		for k, v := range bt {
			files[k] = v
		}
		for k, v := range bm {
			modes[k] = v
		}
	}
	entries, _ := body["tree"].([]any)
	for _, e := range entries {
		m, _ := e.(map[string]any)
		p := str(m["path"])
		switch {
		case m["content"] != nil:
			files[p] = []byte(str(m["content"]))
		case m["sha"] == nil:
			// sha null deletes the path.
			delete(files, p)
			delete(modes, p)
			continue
		default:
			b, ok := r.blobs[str(m["sha"])]
			if !ok {
				return http.StatusUnprocessableEntity, map[string]any{"message": "tree.sha " + str(m["sha"]) + " is not a valid blob", "documentation_url": docURL, "status": "422"}
			}
			files[p] = b
		}
		// The entry's mode replaces the base tree's, as on GitHub.
		if mode := str(m["mode"]); mode != "" && mode != "100644" {
			modes[p] = mode
		} else {
			delete(modes, p)
		}
	}
	sha := filesTreeSHA(files)
	r.trees[sha] = files
	r.treeModes[sha] = modes
	var out []any
	for _, p := range sortedKeys(files) {
		mode := "100644"
		if m := modes[p]; m != "" {
			mode = m
		}
		out = append(out, map[string]any{"path": p, "mode": mode, "type": "blob", "sha": blobSHA(files[p]), "size": len(files[p])})
	}
	return http.StatusCreated, map[string]any{"sha": sha, "url": s.URL + "/repos/" + r.FullName() + "/git/trees/" + sha, "tree": out, "truncated": false}
}

func (s *Server) createCommit(c *call) (int, any) {
	r := c.repo
	body := c.body.(map[string]any)
	files, modes, ok := r.treeFiles(str(body["tree"]))
	if !ok {
		return http.StatusUnprocessableEntity, map[string]any{"message": "Tree SHA does not exist", "documentation_url": docURL, "status": "422"}
	}
	parents, _ := body["parents"].([]any)
	parent := ""
	if len(parents) > 0 {
		parent = str(parents[0])
		if r.commits[parent] == nil {
			return http.StatusUnprocessableEntity, map[string]any{"message": "Parent SHA does not exist or is not a commit object", "documentation_url": docURL, "status": "422"}
		}
	}
	msg := str(body["message"])
	tree := map[string][]byte{}
	for k, v := range files {
		tree[k] = v
	}
	h := sha1.New()
	fmt.Fprintf(h, "parent %s\nmessage %s\n%d\ntree %s\n", parent, msg, len(r.commits), filesTreeSHA(tree))
	sha := hex.EncodeToString(h.Sum(nil))
	treeModes := map[string]string{}
	for k, v := range modes {
		treeModes[k] = v
	}
	r.commits[sha] = &commit{sha: sha, parent: parent, message: msg, author: s.botLogin(), files: tree, modes: treeModes, date: s.now()}
	person := map[string]any{"name": s.botLogin(), "email": "bot@example.com", "date": s.now().UTC().Format(time.RFC3339)}
	return http.StatusCreated, map[string]any{
		"sha": sha, "node_id": "C_" + sha[:8], "url": s.URL + "/repos/" + r.FullName() + "/git/commits/" + sha,
		"html_url": "https://github.com/" + r.FullName() + "/commit/" + sha,
		"author":   person, "committer": person, "message": msg,
		"tree":         map[string]any{"sha": str(body["tree"]), "url": s.URL + "/repos/" + r.FullName() + "/git/trees/" + str(body["tree"])},
		"parents":      []any{map[string]any{"sha": parent, "url": s.URL + "/repos/" + r.FullName() + "/git/commits/" + parent, "html_url": "https://github.com/" + r.FullName() + "/commit/" + parent}},
		"verification": map[string]any{"verified": false, "reason": "unsigned", "signature": nil, "payload": nil, "verified_at": nil},
	}
}

func (s *Server) refJSON(r *Repo, branch string) map[string]any {
	sha := r.branches[branch]
	return map[string]any{
		"ref": "refs/heads/" + branch, "node_id": "REF_" + sha[:8], "url": s.URL + "/repos/" + r.FullName() + "/git/refs/heads/" + branch,
		"object": map[string]any{"type": "commit", "sha": sha, "url": s.URL + "/repos/" + r.FullName() + "/git/commits/" + sha},
	}
}

// refBranch is the branch a {ref} ("heads/name") names; only branches are
// modelled.
func refBranch(c *call) (string, bool) {
	b, ok := strings.CutPrefix(c.r.PathValue("ref"), "heads/")
	if !ok {
		return "", false
	}
	_, exists := c.repo.branches[b]
	return b, exists
}

func (s *Server) getRef(c *call) (int, any) {
	b, ok := refBranch(c)
	if !ok {
		return http.StatusNotFound, notFound()
	}
	return http.StatusOK, s.refJSON(c.repo, b)
}

// moveBranch points branch at sha and moves the open pull requests whose
// head it is, as a push does.
func (r *Repo) moveBranch(branch, sha string) {
	r.branches[branch] = sha
	for _, p := range r.pulls {
		if p.State == "open" && p.HeadRef == branch {
			p.Before, p.HeadSHA = p.HeadSHA, sha
			p.UpdatedAt = r.s.now()
		}
	}
}

func (s *Server) updateRef(c *call) (int, any) {
	r := c.repo
	b, ok := refBranch(c)
	if !ok {
		return http.StatusUnprocessableEntity, map[string]any{"message": "Reference does not exist", "documentation_url": docURL, "status": "422"}
	}
	body := c.body.(map[string]any)
	sha := str(body["sha"])
	nc := r.commits[sha]
	if nc == nil {
		return http.StatusUnprocessableEntity, map[string]any{"message": "Object does not exist", "documentation_url": docURL, "status": "422"}
	}
	if body["force"] != true {
		ff := false
		for _, a := range r.ancestry(nc) {
			if a.sha == r.branches[b] {
				ff = true
				break
			}
		}
		if !ff {
			return http.StatusUnprocessableEntity, map[string]any{"message": "Update is not a fast forward", "documentation_url": docURL, "status": "422"}
		}
	}
	r.moveBranch(b, sha)
	return http.StatusOK, s.refJSON(r, b)
}

func (s *Server) deleteRef(c *call) (int, any) {
	b, ok := refBranch(c)
	if !ok {
		return http.StatusUnprocessableEntity, map[string]any{"message": "Reference does not exist", "documentation_url": docURL, "status": "422"}
	}
	delete(c.repo.branches, b)
	return http.StatusNoContent, nil
}

// listPulls filters as GitHub does: state (default open), head
// ("owner:branch") and base.
func (s *Server) listPulls(c *call) (int, any) {
	r := c.repo
	q := c.r.URL.Query()
	state := q.Get("state")
	if state == "" {
		state = "open"
	}
	var ps []*Pull
	for _, n := range sortedPullNumbers(r) {
		p := r.pulls[n]
		if state != "all" && p.State != state {
			continue
		}
		if h := q.Get("head"); h != "" {
			owner, branch, _ := strings.Cut(h, ":")
			headOwner := r.Owner
			if p.HeadRepo != "" {
				headOwner, _, _ = strings.Cut(p.HeadRepo, "/")
			}
			if !strings.EqualFold(owner, headOwner) || branch != p.HeadRef {
				continue
			}
		}
		if b := q.Get("base"); b != "" && b != p.BaseRef {
			continue
		}
		ps = append(ps, p)
	}
	out := []any{}
	for _, p := range page(c, ps) {
		out = append(out, s.pullJSON(r, p))
	}
	return http.StatusOK, out
}

func sortedPullNumbers(r *Repo) []int {
	out := make([]int, 0, len(r.pulls))
	for n := range r.pulls {
		out = append(out, n)
	}
	sort.Ints(out)
	return out
}

func (s *Server) updatePull(c *call) (int, any) {
	p, ok := s.pull(c)
	if !ok {
		return http.StatusNotFound, notFound()
	}
	body := c.body.(map[string]any)
	if tooLong(body["body"]) {
		return http.StatusUnprocessableEntity, validationFailed("PullRequest", "body", "custom", "body is too long (maximum is 65536 characters)")
	}
	if v, ok := body["title"].(string); ok {
		p.Title = v
	}
	if v, ok := body["body"].(string); ok {
		p.Body = v
	}
	if v, ok := body["state"].(string); ok {
		p.State = v
	}
	p.UpdatedAt = s.now()
	return http.StatusOK, s.pullJSON(c.repo, p)
}

// ClosePull closes pull request n, as a person pressing "Close" does.
func (r *Repo) ClosePull(n int) {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	if p := r.pulls[n]; p != nil {
		p.State, p.UpdatedAt = "closed", r.s.now()
	}
}
