package githubapp

import (
	"errors"
	"net/http"
	"regexp"
	"strings"

	"github.com/google/go-github/v88/github"
)

// Refusal names an answer of GitHub's that no retry changes: the job that
// got it should end at once, logged, instead of being retried for hours.
type Refusal string

// GitHub's permanent refusals.
const (
	// RefusedInstallationGone: the installation was removed or suspended
	// (its token cannot be minted, or is refused).
	RefusedInstallationGone Refusal = "the installation is gone or suspended"
	// RefusedRepositoryGone: the repository itself answered 404 (deleted,
	// transferred away, or no longer among the installation's).
	RefusedRepositoryGone Refusal = "the repository is gone"
	// RefusedArchived: a write to an archived repository (403 "Repository
	// was archived so is read-only.").
	RefusedArchived Refusal = "the repository is archived (read-only)"
	// RefusedIssuesDisabled: the repository has issues turned off (410
	// "Issues are disabled for this repo").
	RefusedIssuesDisabled Refusal = "the repository has issues turned off"
	// RefusedBlocked: access to the repository is blocked (451, a legal
	// takedown, or 403 "Repository access blocked").
	RefusedBlocked Refusal = "access to the repository is blocked"
)

// repoPath matches the path of the repository endpoint itself, whose 404
// says the repository is gone (a 404 below it may be a file or a comment).
var repoPath = regexp.MustCompile(`^(/api/v3)?/repos/[^/]+/[^/]+/?$`)

// Permanent classifies err: which of GitHub's permanent refusals it is, if
// any. Only answers GitHub gives for a lasting state count; a 404 of a file
// or a comment, a 410 of one deleted issue and every rate limit do not.
func Permanent(err error) (Refusal, bool) {
	if err == nil {
		return "", false
	}
	if InstallationGone(err) {
		return RefusedInstallationGone, true
	}
	var er *github.ErrorResponse
	if !errors.As(err, &er) || er.Response == nil {
		return "", false
	}
	msg := strings.ToLower(er.Message)
	switch er.Response.StatusCode {
	case http.StatusGone:
		if strings.Contains(msg, "issues are disabled") {
			return RefusedIssuesDisabled, true
		}
	case http.StatusForbidden:
		switch {
		case strings.Contains(msg, "was archived"):
			return RefusedArchived, true
		case strings.Contains(msg, "access blocked"):
			return RefusedBlocked, true
		}
	case http.StatusUnavailableForLegalReasons:
		return RefusedBlocked, true
	case http.StatusNotFound:
		if req := er.Response.Request; req != nil && req.Method == http.MethodGet && repoPath.MatchString(req.URL.Path) {
			return RefusedRepositoryGone, true
		}
	}
	return "", false
}

// IsPermanent reports whether err is one of GitHub's permanent refusals
// (Permanent).
func IsPermanent(err error) bool {
	_, ok := Permanent(err)
	return ok
}
