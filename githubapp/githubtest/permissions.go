package githubtest

// routePermissions is the App permission each served route needs with an
// installation token ("Permissions required for GitHub Apps" in GitHub's
// REST documentation). A route djsec starts calling without its
// permission in app.yml then fails in the tests as it would on GitHub:
// 403 "Resource not accessible by integration".
var routePermissions = map[string]struct{ perm, level string }{
	"GET /repos/{owner}/{repo}":                                         {"metadata", "read"},
	"GET /repos/{owner}/{repo}/collaborators/{username}/permission":     {"metadata", "read"},
	"GET /repos/{owner}/{repo}/check-runs/{check_run_id}":               {"checks", "read"},
	"GET /repos/{owner}/{repo}/check-runs/{check_run_id}/annotations":   {"checks", "read"},
	"GET /repos/{owner}/{repo}/commits/{ref}/check-runs":                {"checks", "read"},
	"POST /repos/{owner}/{repo}/check-runs":                             {"checks", "write"},
	"PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}":             {"checks", "write"},
	"GET /repos/{owner}/{repo}/compare/{basehead}":                      {"contents", "read"},
	"GET /repos/{owner}/{repo}/contents/{path}":                         {"contents", "read"},
	"PUT /repos/{owner}/{repo}/contents/{path}":                         {"contents", "write"},
	"GET /repos/{owner}/{repo}/git/blobs/{file_sha}":                    {"contents", "read"},
	"GET /repos/{owner}/{repo}/git/ref/{ref}":                           {"contents", "read"},
	"GET /repos/{owner}/{repo}/git/trees/{tree_sha}":                    {"contents", "read"},
	"POST /repos/{owner}/{repo}/git/blobs":                              {"contents", "write"},
	"POST /repos/{owner}/{repo}/git/commits":                            {"contents", "write"},
	"POST /repos/{owner}/{repo}/git/refs":                               {"contents", "write"},
	"POST /repos/{owner}/{repo}/git/trees":                              {"contents", "write"},
	"PATCH /repos/{owner}/{repo}/git/refs/{ref}":                        {"contents", "write"},
	"DELETE /repos/{owner}/{repo}/git/refs/{ref}":                       {"contents", "write"},
	"GET /repos/{owner}/{repo}/issues":                                  {"issues", "read"},
	"GET /repos/{owner}/{repo}/issues/{issue_number}":                   {"issues", "read"},
	"GET /repos/{owner}/{repo}/issues/{issue_number}/comments":          {"issues", "read"},
	"GET /repos/{owner}/{repo}/issues/comments/{comment_id}":            {"issues", "read"},
	"GET /repos/{owner}/{repo}/labels":                                  {"issues", "read"},
	"GET /repos/{owner}/{repo}/labels/{name}":                           {"issues", "read"},
	"POST /repos/{owner}/{repo}/issues":                                 {"issues", "write"},
	"PATCH /repos/{owner}/{repo}/issues/{issue_number}":                 {"issues", "write"},
	"POST /repos/{owner}/{repo}/issues/{issue_number}/comments":         {"issues", "write"},
	"PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}":          {"issues", "write"},
	"POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions": {"issues", "write"},
	"POST /repos/{owner}/{repo}/issues/{issue_number}/labels":           {"issues", "write"},
	"POST /repos/{owner}/{repo}/labels":                                 {"issues", "write"},
	"GET /repos/{owner}/{repo}/pulls":                                   {"pull_requests", "read"},
	"GET /repos/{owner}/{repo}/pulls/{pull_number}":                     {"pull_requests", "read"},
	"GET /repos/{owner}/{repo}/pulls/{pull_number}/files":               {"pull_requests", "read"},
	"POST /repos/{owner}/{repo}/pulls":                                  {"pull_requests", "write"},
	"PATCH /repos/{owner}/{repo}/pulls/{pull_number}":                   {"pull_requests", "write"},
	"POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews":            {"pull_requests", "write"},
	"GET /orgs/{org}/teams/{team_slug}/memberships/{username}":          {"members", "read"},
	"GET /installation/repositories":                                    {"metadata", "read"},
}

// GrantPermission gives the App a permission app.yml does not ask for, as
// an organisation owner who edits the App and accepts it on the
// installation does (Members: read for allowed_teams).
func (s *Server) GrantPermission(perm, level string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.app.Permissions[perm] = level
}

// permitted reports whether the App's permissions allow route; the 403
// body is GitHub's.
func (s *Server) permitted(route string) (bool, map[string]any) {
	need, ok := routePermissions[route]
	if !ok {
		return true, nil
	}
	have := s.app.Permissions[need.perm]
	if have == "write" || (have == "read" && need.level == "read") {
		return true, nil
	}
	return false, map[string]any{"message": "Resource not accessible by integration",
		"documentation_url": "https://docs.github.com/rest", "status": "403"}
}
