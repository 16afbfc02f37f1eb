package githubapp

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// Routes are the REST routes djsec calls, as GitHub's OpenAPI description
// writes them. Metrics label calls by these templates, so the label values
// stay few whatever the owners, repositories and numbers.
var Routes = []string{
	"GET /app",
	"GET /app/installations",
	"GET /app/installations/{installation_id}",
	"POST /app/installations/{installation_id}/access_tokens",
	"GET /app/hook/deliveries",
	"POST /app/hook/deliveries/{delivery_id}/attempts",
	"POST /app-manifests/{code}/conversions",
	"GET /installation/repositories",
	"GET /repos/{owner}/{repo}",
	"GET /repos/{owner}/{repo}/pulls",
	"POST /repos/{owner}/{repo}/pulls",
	"GET /repos/{owner}/{repo}/pulls/{pull_number}",
	"PATCH /repos/{owner}/{repo}/pulls/{pull_number}",
	"GET /repos/{owner}/{repo}/pulls/{pull_number}/files",
	"GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews",
	"POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews",
	"GET /repos/{owner}/{repo}/contents/{path}",
	"PUT /repos/{owner}/{repo}/contents/{path}",
	"GET /repos/{owner}/{repo}/git/trees/{tree_sha}",
	"GET /repos/{owner}/{repo}/git/ref/{ref}",
	"POST /repos/{owner}/{repo}/git/refs",
	"DELETE /repos/{owner}/{repo}/git/refs/{ref}",
	"POST /repos/{owner}/{repo}/git/blobs",
	"GET /repos/{owner}/{repo}/git/blobs/{file_sha}",
	"POST /repos/{owner}/{repo}/git/trees",
	"POST /repos/{owner}/{repo}/git/commits",
	"PATCH /repos/{owner}/{repo}/git/refs/{ref}",
	"GET /repos/{owner}/{repo}/branches/{branch}",
	"GET /repos/{owner}/{repo}/commits/{ref}",
	"GET /repos/{owner}/{repo}/compare/{basehead}",
	"POST /repos/{owner}/{repo}/check-runs",
	"PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}",
	"GET /repos/{owner}/{repo}/check-runs/{check_run_id}",
	"GET /repos/{owner}/{repo}/commits/{ref}/check-runs",
	"GET /repos/{owner}/{repo}/issues",
	"POST /repos/{owner}/{repo}/issues",
	"GET /repos/{owner}/{repo}/issues/{issue_number}",
	"PATCH /repos/{owner}/{repo}/issues/{issue_number}",
	"GET /repos/{owner}/{repo}/issues/{issue_number}/comments",
	"POST /repos/{owner}/{repo}/issues/{issue_number}/comments",
	"PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}",
	"POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions",
	"POST /repos/{owner}/{repo}/issues/{issue_number}/labels",
	"GET /repos/{owner}/{repo}/collaborators/{username}/permission",
	"GET /orgs/{org}/teams/{team_slug}/memberships/{username}",
	"GET /repos/{owner}/{repo}/labels",
	"POST /repos/{owner}/{repo}/labels",
}

// routeMux matches a request to its template with net/http's own pattern
// matching (a {path} may hold slashes, so it is {path...} there).
// Built on first use: bot commands other than serve never need it.
var routeMux = sync.OnceValue(func() *http.ServeMux {
	mux := http.NewServeMux()
	nop := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	for _, r := range Routes {
		mux.Handle(muxPattern(r), nop)
	}
	return mux
})

func muxPattern(route string) string {
	for _, rest := range []string{"{path}", "{ref}", "{basehead}"} {
		if strings.HasSuffix(route, rest) {
			return strings.TrimSuffix(route, "}") + "...}"
		}
	}
	return route
}

// routeTemplate returns "METHOD /template" for req, "METHOD other" for a
// route not in Routes. apiURL's path (GitHub Enterprise Server's /api/v3)
// is taken off first.
func routeTemplate(req *http.Request, apiURL string) string {
	p := req.URL.Path
	if u, err := url.Parse(apiURL); err == nil && u.Path != "" && u.Path != "/" {
		p = strings.TrimPrefix(p, strings.TrimRight(u.Path, "/"))
	}
	probe := &http.Request{Method: req.Method, URL: &url.URL{Path: p}, Host: req.URL.Host}
	_, pattern := routeMux().Handler(probe)
	if pattern == "" {
		return req.Method + " other"
	}
	return strings.ReplaceAll(pattern, "...}", "}")
}
