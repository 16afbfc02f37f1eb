package githubapp

import (
	"errors"
	"net/http"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/google/go-github/v88/github"
)

// InstallationGone reports whether err says the installation no longer
// exists or is suspended: GitHub refused to mint its token (404 Not Found,
// 403 for a suspended installation, 401 when the app itself was deleted),
// or refused a token it had minted (401 Bad credentials: tokens die with
// their installation; a live one is refreshed before it expires). A job
// for it should end cleanly, not be retried.
func InstallationGone(err error) bool {
	var he *ghinstallation.HTTPError
	if errors.As(err, &he) && he.Response != nil {
		switch he.Response.StatusCode {
		case http.StatusNotFound, http.StatusForbidden, http.StatusUnauthorized:
			return true
		}
	}
	var er *github.ErrorResponse
	return errors.As(err, &er) && er.Response != nil && er.Response.StatusCode == http.StatusUnauthorized
}

// NotFound reports whether err is GitHub's 404 for the resource asked for
// (a repository removed or made inaccessible, a deleted comment).
func NotFound(err error) bool {
	var er *github.ErrorResponse
	return errors.As(err, &er) && er.Response != nil && er.Response.StatusCode == http.StatusNotFound
}

// Status is the HTTP status of a failed go-github call (0: not an HTTP
// answer, or no error).
func Status(err error) int {
	var er *github.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		return er.Response.StatusCode
	}
	return 0
}
