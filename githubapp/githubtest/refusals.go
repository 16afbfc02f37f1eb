package githubtest

import (
	"net/http"
	"strconv"
	"strings"
)

// GitHub's words for its permanent refusals, as the REST API sends them.
const (
	// ArchivedMessage is the 403 of any write to an archived repository.
	ArchivedMessage = "Repository was archived so is read-only."
	// IssuesDisabledMessage is the 410 of the issue endpoints of a
	// repository whose issues are turned off.
	IssuesDisabledMessage = "Issues are disabled for this repo"
)

// SetArchived archives the repository (or unarchives it): every write
// under /repos/{owner}/{repo} is then refused with 403 and ArchivedMessage,
// and the repository's JSON says "archived": true.
func (r *Repo) SetArchived(archived bool) {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	r.archived = archived
}

// SetIssuesDisabled turns the repository's issues off (or on): the issue
// endpoints answer 410 with IssuesDisabledMessage for issues (pull
// requests, which share the endpoints, still work), and the repository's
// JSON says "has_issues": false.
func (r *Repo) SetIssuesDisabled(disabled bool) {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	r.issuesDisabled = disabled
}

// refuse answers a /repos route the way GitHub refuses it for good
// (s.mu held, c.repo set): writes to an archived repository, issues of a
// repository without them.
func (s *Server) refuse(c *call) (int, any, bool) {
	r := c.repo
	write := c.r.Method != http.MethodGet && c.r.Method != http.MethodHead
	if r.archived && write {
		return http.StatusForbidden, map[string]any{"message": ArchivedMessage,
			"documentation_url": "https://docs.github.com/articles/about-archiving-repositories", "status": "403"}, true
	}
	if r.issuesDisabled && s.isIssueRoute(c) {
		return http.StatusGone, map[string]any{"message": IssuesDisabledMessage,
			"documentation_url": "https://docs.github.com/rest/issues", "status": "410"}, true
	}
	return 0, nil, false
}

// isIssueRoute reports whether c is an issue endpoint used for an issue,
// not for a pull request: listing and creating issues, an issue, its
// comments and labels, a comment on an issue.
func (s *Server) isIssueRoute(c *call) bool {
	_, p, _ := strings.Cut(c.route, " ")
	if !strings.HasPrefix(p, "/repos/{owner}/{repo}/issues") {
		return false
	}
	if id := c.r.PathValue("comment_id"); id != "" {
		n, _ := strconv.ParseInt(id, 10, 64)
		if cm := c.repo.comments[n]; cm != nil {
			return c.repo.pulls[cm.IssueNumber] == nil
		}
		return true
	}
	if num := c.r.PathValue("issue_number"); num != "" {
		n, _ := strconv.Atoi(num)
		return c.repo.pulls[n] == nil
	}
	return true
}
