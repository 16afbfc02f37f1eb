package githubtest

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// maxCompareCommits is how many commits the compare answer lists when
// asked without paging parameters: the most recent ones.
const maxCompareCommits = 250

// splitBasehead cuts "BASE...HEAD" (the merge base's diff, GitHub's
// default) or "BASE..HEAD" (the direct diff). Git forbids ".." in ref
// names, so the first run of dots is the separator.
func splitBasehead(bh string) (base, head string, threeDot, ok bool) {
	if base, head, ok = strings.Cut(bh, "..."); ok {
		return base, head, true, base != "" && head != ""
	}
	base, head, ok = strings.Cut(bh, "..")
	return base, head, false, ok && base != "" && head != ""
}

// compareRef resolves one side of a comparison. "owner:branch" names a
// branch of a fork, whose commits the fake keeps in this repository's
// store (see Pull.HeadRepo).
func compareRef(r *Repo, ref string) *commit {
	if _, branch, ok := strings.Cut(ref, ":"); ok {
		ref = branch
	}
	return r.resolve(ref)
}

func (s *Server) compare(c *call) (int, any) {
	r := c.repo
	bh := c.r.PathValue("basehead")
	baseRef, headRef, threeDot, ok := splitBasehead(bh)
	if !ok {
		return http.StatusNotFound, notFound()
	}
	base, head := compareRef(r, baseRef), compareRef(r, headRef)
	if base == nil || head == nil {
		return http.StatusNotFound, notFound()
	}
	mb, ahead, behind := r.mergeBase(base, head)
	if mb == nil {
		return http.StatusNotFound, map[string]any{"message": fmt.Sprintf("No common ancestor between %s and %s.", baseRef, headRef), "documentation_url": docURL, "status": "404"}
	}
	status := "diverged"
	switch {
	case ahead == 0 && behind == 0:
		status = "identical"
	case behind == 0:
		status = "ahead"
	case ahead == 0:
		status = "behind"
	}
	commits := r.ancestry(head)[:ahead]
	slices.Reverse(commits) // oldest first, as GitHub lists them
	q := c.r.URL.Query()
	paged := q.Has("page") || q.Has("per_page")
	if paged {
		commits = page(c, commits)
	} else if len(commits) > maxCompareCommits {
		commits = commits[len(commits)-maxCompareCommits:]
	}
	commitList := make([]any, 0, len(commits))
	for _, cm := range commits {
		commitList = append(commitList, s.commitJSON(r, cm))
	}
	html := "https://github.com/" + r.FullName() + "/compare/" + bh
	out := map[string]any{
		"url":               s.URL + "/repos/" + r.FullName() + "/compare/" + bh,
		"html_url":          html,
		"permalink_url":     fmt.Sprintf("https://github.com/%s/compare/%s:%s...%s:%s", r.FullName(), r.Owner, base.sha[:7], r.Owner, head.sha[:7]),
		"diff_url":          html + ".diff",
		"patch_url":         html + ".patch",
		"base_commit":       s.commitJSON(r, base),
		"merge_base_commit": s.commitJSON(r, mb),
		"status":            status,
		"ahead_by":          ahead,
		"behind_by":         behind,
		"total_commits":     ahead,
		"commits":           commitList,
	}
	// The files are on the first page only.
	if p, _ := strconv.Atoi(q.Get("page")); p <= 1 {
		from := mb
		if !threeDot {
			from = base
		}
		files := diffTrees(from.files, head.files, r.omitPatch)
		if len(files) > MaxCompareFiles {
			files = files[:MaxCompareFiles]
		}
		list := make([]any, 0, len(files))
		for _, f := range files {
			list = append(list, s.fileJSON(r, head, f))
		}
		out["files"] = list
	}
	return http.StatusOK, out
}

// commitJSON is a commit as the commits and compare answers show it.
func (s *Server) commitJSON(r *Repo, c *commit) map[string]any {
	date := c.date.UTC().Format(time.RFC3339)
	person := map[string]any{"name": c.author, "email": c.author + "@users.noreply.github.com", "date": date}
	parents := []any{}
	if c.parent != "" {
		parents = append(parents, map[string]any{
			"sha": c.parent, "url": s.URL + "/repos/" + r.FullName() + "/commits/" + c.parent,
			"html_url": "https://github.com/" + r.FullName() + "/commit/" + c.parent,
		})
	}
	tree := treeSHA(c)
	return map[string]any{
		"sha": c.sha, "node_id": "C_" + c.sha[:16],
		"url":          s.URL + "/repos/" + r.FullName() + "/commits/" + c.sha,
		"html_url":     "https://github.com/" + r.FullName() + "/commit/" + c.sha,
		"comments_url": s.URL + "/repos/" + r.FullName() + "/commits/" + c.sha + "/comments",
		"commit": map[string]any{
			"author": person, "committer": person, "message": c.message,
			"tree":          map[string]any{"sha": tree, "url": s.URL + "/repos/" + r.FullName() + "/git/trees/" + tree},
			"url":           s.URL + "/repos/" + r.FullName() + "/git/commits/" + c.sha,
			"comment_count": 0,
			"verification":  map[string]any{"verified": false, "reason": "unsigned", "signature": nil, "payload": nil, "verified_at": nil},
		},
		"author":    s.userJSON(c.author, userType(c.author)),
		"committer": s.userJSON(c.author, userType(c.author)),
		"parents":   parents,
	}
}

func treeSHA(c *commit) string {
	h := sha1.New()
	for _, p := range sortedKeys(c.files) {
		fmt.Fprintf(h, "%s %s\n", p, blobSHA(c.files[p]))
	}
	return hex.EncodeToString(h.Sum(nil))
}
