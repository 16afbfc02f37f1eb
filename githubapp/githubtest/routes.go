package githubtest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/djsec/djsec/internal/gitdiff"
)

// routes registers the REST operations the fake serves, written as GitHub's
// OpenAPI description writes them.
func (s *Server) routes() {
	s.handle("GET /app", authJWT, s.getApp)
	s.handle("POST /app/installations/{installation_id}/access_tokens", authJWT, s.createToken)
	s.handle("POST /app-manifests/{code}/conversions", authNone, s.convertManifest)

	s.handle("GET /repos/{owner}/{repo}", authToken, s.getRepo)
	s.handle("GET /repos/{owner}/{repo}/contents/{path}", authToken, s.getContents)
	s.handle("PUT /repos/{owner}/{repo}/contents/{path}", authToken, s.putContents)
	s.handle("GET /repos/{owner}/{repo}/git/trees/{tree_sha}", authToken, s.getTree)
	s.handle("POST /repos/{owner}/{repo}/git/refs", authToken, s.createRef)
	s.handle("POST /repos/{owner}/{repo}/git/blobs", authToken, s.createBlob)
	s.handle("GET /repos/{owner}/{repo}/git/blobs/{file_sha}", authToken, s.getBlob)
	s.handle("POST /repos/{owner}/{repo}/git/trees", authToken, s.createTree)
	s.handle("POST /repos/{owner}/{repo}/git/commits", authToken, s.createCommit)
	s.handle("GET /repos/{owner}/{repo}/git/ref/{ref}", authToken, s.getRef)
	s.handle("PATCH /repos/{owner}/{repo}/git/refs/{ref}", authToken, s.updateRef)
	s.handle("DELETE /repos/{owner}/{repo}/git/refs/{ref}", authToken, s.deleteRef)
	s.handle("GET /repos/{owner}/{repo}/pulls", authToken, s.listPulls)
	s.handle("PATCH /repos/{owner}/{repo}/pulls/{pull_number}", authToken, s.updatePull)

	s.handle("GET /repos/{owner}/{repo}/pulls/{pull_number}", authToken, s.getPull)
	s.handle("GET /repos/{owner}/{repo}/pulls/{pull_number}/files", authToken, s.listPullFiles)
	s.handle("POST /repos/{owner}/{repo}/pulls", authToken, s.createPull)
	s.handle("POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews", authToken, s.createReview)

	s.handle("POST /repos/{owner}/{repo}/check-runs", authToken, s.createCheckRun)
	s.handle("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", authToken, s.updateCheckRun)
	s.handle("GET /repos/{owner}/{repo}/check-runs/{check_run_id}", authToken, s.getCheckRun)
	s.handle("GET /repos/{owner}/{repo}/check-runs/{check_run_id}/annotations", authToken, s.listAnnotations)
	s.handle("GET /repos/{owner}/{repo}/commits/{ref}/check-runs", authToken, s.listCheckRunsForRef)
	s.handle("GET /repos/{owner}/{repo}/compare/{basehead}", authToken, s.compare)

	s.handle("GET /repos/{owner}/{repo}/issues", authToken, s.listIssues)
	s.handle("POST /repos/{owner}/{repo}/issues", authToken, s.createIssue)
	s.handle("GET /repos/{owner}/{repo}/issues/{issue_number}", authToken, s.getIssue)
	s.handle("PATCH /repos/{owner}/{repo}/issues/{issue_number}", authToken, s.updateIssue)
	s.handle("GET /repos/{owner}/{repo}/issues/{issue_number}/comments", authToken, s.listComments)
	s.handle("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", authToken, s.createComment)
	// GET …/issues/comments/{comment_id}: net/http's mux cannot hold it
	// beside …/issues/{issue_number}/comments (neither pattern is more
	// specific), so a wildcard under the issues takes it.
	s.handleAt("GET /repos/{owner}/{repo}/issues/comments/{comment_id}", "GET /repos/{owner}/{repo}/issues/{issue_number}/{comment_id}", authToken, s.getComment)
	s.handle("PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}", authToken, s.updateComment)
	s.handle("POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions", authToken, s.createReaction)
	s.handle("POST /repos/{owner}/{repo}/issues/{issue_number}/labels", authToken, s.addIssueLabels)

	s.handle("GET /repos/{owner}/{repo}/collaborators/{username}/permission", authToken, s.getPermission)
	s.handle("GET /repos/{owner}/{repo}/labels", authToken, s.listLabels)
	s.handle("POST /repos/{owner}/{repo}/labels", authToken, s.createLabel)
	s.handle("GET /repos/{owner}/{repo}/labels/{name}", authToken, s.getLabel)

	s.handle("GET /app/installations", authJWT, s.listInstallations)
	s.handle("GET /installation/repositories", authToken, s.listInstallationRepos)
	s.handle("GET /orgs/{org}/teams/{team_slug}/memberships/{username}", authToken, s.getTeamMembership)
	s.handle("GET /app/hook/deliveries", authJWT, s.listHookDeliveries)
	s.handle("POST /app/hook/deliveries/{delivery_id}/attempts", authJWT, s.redeliverHook)
}

// Handlers run with s.mu held.

func (s *Server) appJSON(a *App) map[string]any {
	return map[string]any{
		"id": a.ID, "slug": a.Slug, "node_id": fmt.Sprintf("A_%d", a.ID), "name": a.Name,
		"owner":       s.userJSON(a.Owner, "Organization"),
		"description": a.Description, "external_url": a.URL,
		"html_url":   "https://github.com/apps/" + a.Slug,
		"created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z",
		"permissions": a.Permissions, "events": a.Events, "client_id": a.ClientID,
	}
}

// userID gives each login its own stable ID.
func userID(login string) int64 {
	h := fnv.New32a()
	h.Write([]byte(strings.ToLower(login)))
	return int64(h.Sum32()%90_000_000) + 10_000_000
}

// userJSON is a "simple user" with every field the description requires.
func (s *Server) userJSON(login, typ string) map[string]any {
	id := userID(login)
	u := s.URL + "/users/" + login
	return map[string]any{
		"login": login, "id": id, "node_id": fmt.Sprintf("U_%d", id), "type": typ, "site_admin": false,
		"avatar_url":  fmt.Sprintf("https://avatars.githubusercontent.com/u/%d?v=4", id),
		"gravatar_id": "", "html_url": "https://github.com/" + login, "url": u,
		"followers_url": u + "/followers", "following_url": u + "/following{/other_user}",
		"gists_url": u + "/gists{/gist_id}", "starred_url": u + "/starred{/owner}{/repo}",
		"subscriptions_url": u + "/subscriptions", "organizations_url": u + "/orgs",
		"repos_url": u + "/repos", "events_url": u + "/events{/privacy}",
		"received_events_url": u + "/received_events",
	}
}

func (s *Server) getApp(c *call) (int, any) {
	app, _ := s.verifyJWT(strings.TrimSpace(strings.TrimPrefix(c.r.Header.Get("Authorization"), "Bearer")))
	return http.StatusOK, s.appJSON(app)
}

func (s *Server) createToken(c *call) (int, any) {
	id, _ := strconv.ParseInt(c.r.PathValue("installation_id"), 10, 64)
	inst := s.installations[id]
	if inst == nil {
		return http.StatusNotFound, notFound()
	}
	t := &token{value: "ghs_" + randomString(36), inst: inst, expires: s.now().Add(s.tokenTTL).Truncate(time.Second)}
	s.tokens[t.value] = t
	s.issued = append(s.issued, t.value)
	return http.StatusCreated, map[string]any{
		"token":                t.value,
		"expires_at":           t.expires.UTC().Format(time.RFC3339),
		"permissions":          s.app.Permissions,
		"repository_selection": "selected",
	}
}

func (s *Server) repoJSON(r *Repo) map[string]any {
	m := s.repositoryJSON(r.ID, r.FullName(), r.Private, false, r.DefaultBranch, "Organization")
	m["archived"], m["has_issues"] = r.archived, !r.issuesDisabled
	return m
}

// repoURLs are the templated URLs every repository object carries.
var repoURLs = map[string]string{
	"archive_url": "/{archive_format}{/ref}", "assignees_url": "/assignees{/user}",
	"blobs_url": "/git/blobs{/sha}", "branches_url": "/branches{/branch}",
	"collaborators_url": "/collaborators{/collaborator}", "comments_url": "/comments{/number}",
	"commits_url": "/commits{/sha}", "compare_url": "/compare/{base}...{head}",
	"contents_url": "/contents/{+path}", "contributors_url": "/contributors",
	"deployments_url": "/deployments", "downloads_url": "/downloads", "events_url": "/events",
	"forks_url": "/forks", "git_commits_url": "/git/commits{/sha}", "git_refs_url": "/git/refs{/sha}",
	"git_tags_url": "/git/tags{/sha}", "hooks_url": "/hooks", "issue_comment_url": "/issues/comments{/number}",
	"issue_events_url": "/issues/events{/number}", "issues_url": "/issues{/number}",
	"keys_url": "/keys{/key_id}", "labels_url": "/labels{/name}", "languages_url": "/languages",
	"merges_url": "/merges", "milestones_url": "/milestones{/number}",
	"notifications_url": "/notifications{?since,all,participating}", "pulls_url": "/pulls{/number}",
	"releases_url": "/releases{/id}", "stargazers_url": "/stargazers", "statuses_url": "/statuses/{sha}",
	"subscribers_url": "/subscribers", "subscription_url": "/subscription", "tags_url": "/tags",
	"teams_url": "/teams", "trees_url": "/git/trees{/sha}",
}

// repositoryJSON is a repository with every field the description
// requires of one.
func (s *Server) repositoryJSON(id int64, fullName string, private, fork bool, defaultBranch, ownerType string) map[string]any {
	owner, name, _ := strings.Cut(fullName, "/")
	api := s.URL + "/repos/" + fullName
	m := map[string]any{
		"id": id, "node_id": fmt.Sprintf("R_%d", id), "name": name, "full_name": fullName,
		"private": private, "owner": s.userJSON(owner, ownerType), "description": nil, "fork": fork,
		"html_url": "https://github.com/" + fullName, "url": api,
		"clone_url": "https://github.com/" + fullName + ".git", "git_url": "git://github.com/" + fullName + ".git",
		"ssh_url": "git@github.com:" + fullName + ".git", "svn_url": "https://github.com/" + fullName,
		"mirror_url": nil, "homepage": nil, "language": "Python", "license": nil,
		"default_branch": defaultBranch, "archived": false, "disabled": false,
		"visibility": map[bool]string{true: "private", false: "public"}[private],
		"forks":      0, "forks_count": 0, "open_issues": 0, "open_issues_count": 0, "size": 0,
		"stargazers_count": 0, "watchers": 0, "watchers_count": 0,
		"has_downloads": true, "has_issues": true, "has_projects": true, "has_wiki": true, "has_pages": false,
		"created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z", "pushed_at": "2024-01-01T00:00:00Z",
	}
	for k, suffix := range repoURLs {
		m[k] = api + suffix
	}
	return m
}

func (s *Server) getRepo(c *call) (int, any) {
	// The full repository has a few fields more than the ones nested in
	// other objects.
	m := s.repoJSON(c.repo)
	m["has_discussions"], m["network_count"], m["subscribers_count"] = false, 0, 0
	return http.StatusOK, m
}

func (s *Server) getContents(c *call) (int, any) {
	r := c.repo
	cm := r.resolve(c.r.URL.Query().Get("ref"))
	if cm == nil {
		return http.StatusNotFound, map[string]any{"message": "No commit found for the ref " + c.r.URL.Query().Get("ref"), "documentation_url": docURL, "status": "404"}
	}
	p := strings.Trim(c.r.PathValue("path"), "/")
	if b, ok := cm.files[p]; ok {
		if cm.mode(p) == linkMode {
			return s.linkContents(c, r, cm, p)
		}
		if strings.Contains(c.r.Header.Get("Accept"), "raw") {
			return http.StatusOK, rawBody{data: b, contentType: "application/vnd.github.raw; charset=utf-8"}
		}
		return http.StatusOK, s.contentJSON(r, cm, p, b, true)
	}
	// A directory: its direct entries.
	var entries []any
	seen := map[string]bool{}
	for _, f := range sortedKeys(cm.files) {
		if !strings.HasPrefix(f, p+"/") {
			continue
		}
		rest := strings.TrimPrefix(f, p+"/")
		name, _, isDir := strings.Cut(rest, "/")
		if seen[name] {
			continue
		}
		seen[name] = true
		if isDir {
			entries = append(entries, map[string]any{"type": "dir", "name": name, "path": p + "/" + name, "sha": blobSHA([]byte(p + "/" + name)), "size": 0})
		} else if cm.mode(f) == linkMode {
			entries = append(entries, s.symlinkJSON(r, cm, f))
		} else {
			e := s.contentJSON(r, cm, f, cm.files[f], false)
			entries = append(entries, e)
		}
	}
	if entries == nil {
		return http.StatusNotFound, notFound()
	}
	return http.StatusOK, entries
}

// maxJSONContent is the largest file the JSON contents answer carries.
const maxJSONContent = 1 << 20

func (s *Server) contentJSON(r *Repo, cm *commit, p string, b []byte, withContent bool) map[string]any {
	self := s.URL + "/repos/" + r.FullName() + "/contents/" + p + "?ref=" + cm.sha
	html := "https://github.com/" + r.FullName() + "/blob/" + cm.sha + "/" + p
	git := s.URL + "/repos/" + r.FullName() + "/git/blobs/" + blobSHA(b)
	m := map[string]any{
		"type": "file", "name": path.Base(p), "path": p, "sha": blobSHA(b), "size": len(b),
		"url": self, "html_url": html, "git_url": git,
		"download_url": "https://raw.githubusercontent.com/" + r.FullName() + "/" + cm.sha + "/" + p,
		"_links":       map[string]any{"self": self, "git": git, "html": html},
	}
	if withContent && len(b) > maxJSONContent {
		// Past 1 MB the JSON answer carries no content; only the raw
		// media type (or the blobs API) has the bytes.
		m["content"], m["encoding"] = "", "none"
	} else if withContent {
		// GitHub wraps base64 at 60 characters.
		enc := base64.StdEncoding.EncodeToString(b)
		var sb strings.Builder
		for len(enc) > 60 {
			sb.WriteString(enc[:60] + "\n")
			enc = enc[60:]
		}
		sb.WriteString(enc + "\n")
		m["content"], m["encoding"] = sb.String(), "base64"
	}
	return m
}

func (s *Server) putContents(c *call) (int, any) {
	r := c.repo
	body := c.body.(map[string]any)
	p := strings.Trim(c.r.PathValue("path"), "/")
	content, err := base64.StdEncoding.DecodeString(str(body["content"]))
	if err != nil {
		return http.StatusUnprocessableEntity, map[string]any{"message": "content is not valid Base64", "documentation_url": docURL, "status": "422"}
	}
	branch := str(body["branch"])
	if branch == "" {
		branch = r.DefaultBranch
	}
	cm := r.resolve(branch)
	if cm == nil || r.branches[branch] == "" {
		return http.StatusNotFound, map[string]any{"message": "Branch " + branch + " not found", "documentation_url": docURL, "status": "404"}
	}
	old, exists := cm.files[p]
	sha, hasSHA := body["sha"].(string)
	switch {
	case exists && !hasSHA:
		return http.StatusUnprocessableEntity, map[string]any{"message": `Invalid request.` + "\n\n" + `"sha" wasn't supplied.`, "documentation_url": docURL, "status": "422"}
	case exists && sha != blobSHA(old):
		return http.StatusConflict, map[string]any{"message": fmt.Sprintf("%s does not match %s", p, sha), "documentation_url": docURL, "status": "409"}
	case !exists && hasSHA && sha != "":
		return http.StatusConflict, map[string]any{"message": fmt.Sprintf("%s does not match %s", p, sha), "documentation_url": docURL, "status": "409"}
	}
	msg := str(body["message"])
	newSHA := r.commitLocked(branch, msg, s.botLogin(), map[string][]byte{p: content}, nil)
	status := http.StatusCreated
	if exists {
		status = http.StatusOK
	}
	return status, map[string]any{
		"content": s.contentJSON(r, r.commits[newSHA], p, content, false),
		"commit": map[string]any{
			"sha": newSHA, "message": msg, "html_url": "https://github.com/" + r.FullName() + "/commit/" + newSHA,
			"parents": []any{map[string]any{"sha": cm.sha}},
		},
	}
}

func (s *Server) getTree(c *call) (int, any) {
	r := c.repo
	sha := c.r.PathValue("tree_sha")
	cm, prefix, ok := r.treeRoot(sha)
	if !ok {
		return http.StatusNotFound, notFound()
	}
	if prefix == "" {
		sha = cm.sha
	}
	recursive := c.r.URL.Query().Get("recursive") != ""
	entries, truncated := s.treeEntries(r, cm, prefix, recursive)
	if entries == nil {
		entries = []any{}
	}
	return http.StatusOK, map[string]any{"sha": sha, "url": s.URL + "/repos/" + r.FullName() + "/git/trees/" + sha, "tree": entries, "truncated": truncated}
}

func (s *Server) createRef(c *call) (int, any) {
	r := c.repo
	body := c.body.(map[string]any)
	ref, sha := str(body["ref"]), str(body["sha"])
	if !strings.HasPrefix(ref, "refs/") || strings.Count(ref, "/") < 2 {
		return http.StatusUnprocessableEntity, map[string]any{"message": "Reference name must start with 'refs/' and have at least two slashes.", "documentation_url": docURL, "status": "422"}
	}
	if r.commits[sha] == nil {
		return http.StatusUnprocessableEntity, map[string]any{"message": "Object does not exist", "documentation_url": docURL, "status": "422"}
	}
	branch := strings.TrimPrefix(ref, "refs/heads/")
	if _, exists := r.branches[branch]; exists {
		return http.StatusUnprocessableEntity, map[string]any{"message": "Reference already exists", "documentation_url": docURL, "status": "422"}
	}
	r.branches[branch] = sha
	return http.StatusCreated, map[string]any{
		"ref": ref, "node_id": "REF_" + sha[:8], "url": s.URL + "/repos/" + r.FullName() + "/git/" + ref,
		"object": map[string]any{"type": "commit", "sha": sha, "url": s.URL + "/repos/" + r.FullName() + "/git/commits/" + sha},
	}
}

// forkJSON is the repository JSON of a pull request's fork ("owner/name").
func (s *Server) forkJSON(base *Repo, fullName string) map[string]any {
	return s.repositoryJSON(base.ID*1000+userID(fullName)%1000, fullName, base.Private, true, base.DefaultBranch, "User")
}

func (s *Server) pullJSON(r *Repo, p *Pull) map[string]any {
	headRepo, headOwner, headType := s.repoJSON(r), r.Owner, "Organization"
	if p.HeadRepo != "" {
		headRepo = s.forkJSON(r, p.HeadRepo)
		headOwner, _, _ = strings.Cut(p.HeadRepo, "/")
		headType = "User"
	}
	files, commits := r.pullFiles(p)
	adds, dels := 0, 0
	for _, f := range files {
		adds += f.Additions
		dels += f.Deletions
	}
	url := fmt.Sprintf("%s/repos/%s/pulls/%d", s.URL, r.FullName(), p.Number)
	html := fmt.Sprintf("https://github.com/%s/pull/%d", r.FullName(), p.Number)
	issue := fmt.Sprintf("%s/repos/%s/issues/%d", s.URL, r.FullName(), p.Number)
	statuses := fmt.Sprintf("%s/repos/%s/statuses/%s", s.URL, r.FullName(), p.HeadSHA)
	href := func(u string) map[string]any { return map[string]any{"href": u} }
	return map[string]any{
		"commits_url": url + "/commits", "review_comments_url": url + "/comments",
		"review_comment_url": s.URL + "/repos/" + r.FullName() + "/pulls/comments{/number}",
		"comments_url":       issue + "/comments", "statuses_url": statuses,
		"_links": map[string]any{
			"self": href(url), "html": href(html), "issue": href(issue), "comments": href(issue + "/comments"),
			"review_comments": href(url + "/comments"), "review_comment": href(s.URL + "/repos/" + r.FullName() + "/pulls/comments{/number}"),
			"commits": href(url + "/commits"), "statuses": href(statuses),
		},
		"assignee": nil, "milestone": nil, "auto_merge": nil, "merged_by": nil, "active_lock_reason": nil,
		"id": int64(p.Number) + r.ID*1000, "node_id": fmt.Sprintf("PR_%d", p.Number), "number": p.Number,
		"state": p.State, "locked": false, "title": p.Title, "body": p.Body, "draft": p.Draft,
		"user":     s.userJSON(p.User, userType(p.User)),
		"html_url": html, "url": url, "diff_url": html + ".diff", "patch_url": html + ".patch",
		"issue_url":  fmt.Sprintf("%s/repos/%s/issues/%d", s.URL, r.FullName(), p.Number),
		"created_at": p.CreatedAt.UTC().Format(time.RFC3339), "updated_at": p.UpdatedAt.UTC().Format(time.RFC3339),
		"closed_at": nil, "merged_at": nil, "merge_commit_sha": nil,
		"head":   map[string]any{"label": headOwner + ":" + p.HeadRef, "ref": p.HeadRef, "sha": p.HeadSHA, "repo": headRepo, "user": s.userJSON(headOwner, headType)},
		"base":   map[string]any{"label": r.Owner + ":" + p.BaseRef, "ref": p.BaseRef, "sha": p.BaseSHA, "repo": s.repoJSON(r), "user": s.userJSON(r.Owner, "Organization")},
		"labels": []any{}, "requested_reviewers": []any{}, "requested_teams": []any{}, "assignees": []any{},
		"author_association": "CONTRIBUTOR",
		"merged":             false, "mergeable": nil, "rebaseable": nil,
		// GitHub computes mergeability in the background; until it has,
		// it says "unknown", which is all a client may rely on.
		"mergeable_state": "unknown", "maintainer_can_modify": p.HeadRepo != "",
		"commits": commits, "additions": adds, "deletions": dels, "changed_files": len(files),
		"comments": 0, "review_comments": 0,
	}
}

func (s *Server) pull(c *call) (*Pull, bool) {
	n, _ := strconv.Atoi(c.r.PathValue("pull_number"))
	p, ok := c.repo.pulls[n]
	return p, ok
}

func (s *Server) getPull(c *call) (int, any) {
	p, ok := s.pull(c)
	if !ok {
		return http.StatusNotFound, notFound()
	}
	return http.StatusOK, s.pullJSON(c.repo, p)
}

// maxPullFiles is GitHub's cap on GET .../pulls/{n}/files.
const maxPullFiles = 3000

func (s *Server) listPullFiles(c *call) (int, any) {
	p, ok := s.pull(c)
	if !ok {
		return http.StatusNotFound, notFound()
	}
	files, _ := c.repo.pullFiles(p)
	if len(files) > maxPullFiles {
		files = files[:maxPullFiles]
	}
	out := []any{}
	for _, f := range page(c, files) {
		out = append(out, s.fileJSON(c.repo, c.repo.commits[p.HeadSHA], f))
	}
	return http.StatusOK, out
}

// fileJSON is a changed file as the pull request files and compare
// answers list it, with URLs at commit head.
func (s *Server) fileJSON(r *Repo, head *commit, f PullFile) map[string]any {
	sha := ""
	if head != nil {
		if b, ok := head.files[f.Filename]; ok {
			sha = blobSHA(b)
		}
	}
	if sha == "" {
		// A removed file: GitHub names the all-zero blob.
		sha = strings.Repeat("0", 40)
	}
	headSHA := ""
	if head != nil {
		headSHA = head.sha
	}
	m := map[string]any{
		"sha": sha, "filename": f.Filename, "status": f.Status,
		"additions": f.Additions, "deletions": f.Deletions, "changes": f.Additions + f.Deletions,
		"blob_url":     fmt.Sprintf("https://github.com/%s/blob/%s/%s", r.FullName(), headSHA, f.Filename),
		"raw_url":      fmt.Sprintf("https://github.com/%s/raw/%s/%s", r.FullName(), headSHA, f.Filename),
		"contents_url": fmt.Sprintf("%s/repos/%s/contents/%s?ref=%s", s.URL, r.FullName(), f.Filename, headSHA),
	}
	if f.Patch != "" {
		m["patch"] = f.Patch
	}
	if f.PreviousFilename != "" {
		m["previous_filename"] = f.PreviousFilename
	}
	return m
}

func (s *Server) createPull(c *call) (int, any) {
	r := c.repo
	body := c.body.(map[string]any)
	if tooLong(body["body"]) {
		return http.StatusUnprocessableEntity, validationFailed("PullRequest", "body", "custom", "body is too long (maximum is 65536 characters)")
	}
	head, base := str(body["head"]), str(body["base"])
	if owner, branch, ok := strings.Cut(head, ":"); ok && strings.EqualFold(owner, r.Owner) {
		head = branch
	}
	if r.resolve(base) == nil || r.branches[base] == "" {
		return http.StatusUnprocessableEntity, validationFailed("PullRequest", "base", "invalid", "")
	}
	if r.branches[head] == "" {
		return http.StatusUnprocessableEntity, validationFailed("PullRequest", "head", "invalid", "")
	}
	for _, p := range r.pulls {
		if p.State == "open" && p.HeadRef == head && p.BaseRef == base && p.HeadRepo == "" {
			return http.StatusUnprocessableEntity, validationFailed("PullRequest", "", "custom", "A pull request already exists for "+r.Owner+":"+head+".")
		}
	}
	if r.branches[head] == r.branches[base] {
		return http.StatusUnprocessableEntity, validationFailed("PullRequest", "", "custom", "No commits between "+base+" and "+head)
	}
	hc, bc := r.resolve(head), r.resolve(base)
	r.nextNumber++
	p := &Pull{
		Number: r.nextNumber, Title: str(body["title"]), Body: str(body["body"]), State: "open",
		Draft: body["draft"] == true, User: s.app.Slug + "[bot]",
		HeadRef: head, HeadSHA: hc.sha, BaseRef: base, BaseSHA: bc.sha,
		CreatedAt: s.now(), UpdatedAt: s.now(),
	}
	r.pulls[p.Number] = p
	return http.StatusCreated, s.pullJSON(r, p)
}

func (s *Server) createReview(c *call) (int, any) {
	p, ok := s.pull(c)
	if !ok {
		return http.StatusNotFound, notFound()
	}
	body, _ := c.body.(map[string]any)
	if tooLong(body["body"]) {
		return http.StatusUnprocessableEntity, validationFailed("PullRequestReview", "body", "custom", "body is too long (maximum is 65536 characters)")
	}
	event := str(body["event"])
	if event == "" {
		event = "PENDING"
	}
	rv := &Review{ID: s.id(), CommitID: str(body["commit_id"]), Body: str(body["body"]), Event: event}
	if rv.CommitID == "" {
		rv.CommitID = p.HeadSHA
	}
	comments, _ := body["comments"].([]any)
	for _, cm := range comments {
		m := cm.(map[string]any)
		line, _ := m["line"].(json.Number)
		n, _ := line.Int64()
		if m["position"] == nil && n != 0 && !patchShows(c.repo, p, str(m["path"]), int(n)) {
			return http.StatusUnprocessableEntity, map[string]any{"message": "Unprocessable Entity", "errors": []any{"Line could not be resolved"}, "documentation_url": docURL, "status": "422"}
		}
		rv.Comments = append(rv.Comments, m)
	}
	if event == "REQUEST_CHANGES" || event == "COMMENT" {
		if rv.Body == "" && len(rv.Comments) == 0 {
			return http.StatusUnprocessableEntity, validationFailed("PullRequestReview", "body", "missing", "")
		}
	}
	c.repo.reviews[p.Number] = append(c.repo.reviews[p.Number], rv)
	state := map[string]string{"APPROVE": "APPROVED", "REQUEST_CHANGES": "CHANGES_REQUESTED", "COMMENT": "COMMENTED", "PENDING": "PENDING"}[event]
	return http.StatusOK, map[string]any{
		"id": rv.ID, "node_id": fmt.Sprintf("PRR_%d", rv.ID), "body": rv.Body, "state": state, "commit_id": rv.CommitID,
		"user":     s.userJSON(s.app.Slug+"[bot]", "Bot"),
		"html_url": fmt.Sprintf("https://github.com/%s/pull/%d#pullrequestreview-%d", c.repo.FullName(), p.Number, rv.ID),
	}
}

// patchShows reports whether a pull request's patch of file shows new line n.
func patchShows(r *Repo, p *Pull, file string, n int) bool {
	files, _ := r.pullFiles(p)
	for _, f := range files {
		if f.Filename != file {
			continue
		}
		line := 0
		for _, l := range strings.Split(f.Patch, "\n") {
			if h, ok := gitdiff.ParseHunkHeader(l); ok {
				line = h.NewStart
				continue
			}
			if strings.HasPrefix(l, "-") || strings.HasPrefix(l, `\`) {
				continue
			}
			if line == n {
				return true
			}
			line++
		}
	}
	return false
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
