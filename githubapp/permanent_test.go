package githubapp_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/google/go-github/v88/github"

	"github.com/djsec/djsec/githubapp"
)

func TestPermanent(t *testing.T) {
	t.Parallel()
	answer := func(method, path string, status int, msg string) error {
		u, _ := url.Parse("https://api.github.com" + path)
		resp := &http.Response{StatusCode: status, Request: &http.Request{Method: method, URL: u}}
		return fmt.Errorf("wrapped: %w", &github.ErrorResponse{Response: resp, Message: msg})
	}
	tests := []struct {
		err  error
		want githubapp.Refusal
	}{
		{answer("POST", "/repos/o/r/issues", 410, "Issues are disabled for this repo"), githubapp.RefusedIssuesDisabled},
		{answer("POST", "/repos/o/r/check-runs", 403, "Repository was archived so is read-only."), githubapp.RefusedArchived},
		{answer("GET", "/repos/o/r", 404, "Not Found"), githubapp.RefusedRepositoryGone},
		{answer("GET", "/api/v3/repos/o/r", 404, "Not Found"), githubapp.RefusedRepositoryGone},
		{answer("GET", "/repos/o/r/contents/docs/repos/a/b", 404, "Not Found"), ""},
		{answer("GET", "/repos/o/r/issues/3", 410, "This issue was deleted"), ""},
		{answer("GET", "/repos/o/r", 451, "Repository access blocked"), githubapp.RefusedBlocked},
		{answer("GET", "/repos/o/r/issues", 403, "You have exceeded a secondary rate limit."), ""},
		{answer("GET", "/repos/o/r", 401, "Bad credentials"), githubapp.RefusedInstallationGone},
		{answer("PATCH", "/repos/o/r/issues/1", 502, "Bad Gateway"), ""},
		{nil, ""},
	}
	for _, tt := range tests {
		got, ok := githubapp.Permanent(tt.err)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("Permanent(%v) = %q, %v; want %q", tt.err, got, ok, tt.want)
		}
	}
}
