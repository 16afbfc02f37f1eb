package githubtest

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

func (s *Server) issueJSON(r *Repo, i *Issue) map[string]any {
	labels := []any{}
	for _, l := range i.Labels {
		if lb := r.labels[strings.ToLower(l)]; lb != nil {
			labels = append(labels, s.labelJSON(r, lb))
		}
	}
	url := fmt.Sprintf("%s/repos/%s/issues/%d", s.URL, r.FullName(), i.Number)
	var via any
	if i.User == s.botLogin() {
		// GitHub names the App that created an issue through its token.
		via = map[string]any{"id": s.app.ID, "slug": s.app.Slug, "node_id": "A_1", "name": s.app.Slug}
	}
	return map[string]any{
		"performed_via_github_app": via,
		"id":                       int64(i.Number) + r.ID*1000, "node_id": fmt.Sprintf("I_%d", i.Number), "number": i.Number,
		"title": i.Title, "body": i.Body, "state": i.State, "labels": labels, "locked": false,
		"user":     s.userJSON(i.User, userType(i.User)),
		"html_url": fmt.Sprintf("https://github.com/%s/issues/%d", r.FullName(), i.Number),
		"url":      url, "repository_url": s.URL + "/repos/" + r.FullName(),
		"labels_url": url + "/labels{/name}", "comments_url": url + "/comments", "events_url": url + "/events",
		"comments": countComments(r, i.Number), "assignee": nil, "milestone": nil, "closed_at": nil,
		"created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z",
		"author_association": "NONE",
	}
}

// issuePullRef is the pull_request key of an issue that is a pull request.
func (s *Server) issuePullRef(r *Repo, n int) map[string]any {
	html := fmt.Sprintf("https://github.com/%s/pull/%d", r.FullName(), n)
	return map[string]any{
		"url":      fmt.Sprintf("%s/repos/%s/pulls/%d", s.URL, r.FullName(), n),
		"html_url": html, "diff_url": html + ".diff", "patch_url": html + ".patch",
	}
}

func userType(login string) string {
	if strings.HasSuffix(login, "[bot]") {
		return "Bot"
	}
	return "User"
}

func countComments(r *Repo, n int) int {
	k := 0
	for _, c := range r.comments {
		if c.IssueNumber == n {
			k++
		}
	}
	return k
}

func (s *Server) botLogin() string { return s.app.Slug + "[bot]" }

// listIssues lists issues and, as GitHub does, pull requests (marked with
// a pull_request key), filtered by state (default open), creator and
// labels, newest first.
func (s *Server) listIssues(c *call) (int, any) {
	r := c.repo
	q := c.r.URL.Query()
	state := q.Get("state")
	if state == "" {
		state = "open"
	}
	var want []string
	if l := q.Get("labels"); l != "" {
		want = strings.Split(l, ",")
	}
	var items []map[string]any
	var numbers []int
	byNumber := map[int]map[string]any{}
	for n, i := range r.issues {
		if (state != "all" && i.State != state) || (q.Get("creator") != "" && !strings.EqualFold(q.Get("creator"), i.User)) || !hasLabels(i.Labels, want) {
			continue
		}
		byNumber[n] = s.issueJSON(r, i)
		numbers = append(numbers, n)
	}
	for n, p := range r.pulls {
		if (state != "all" && p.State != state) || (q.Get("creator") != "" && !strings.EqualFold(q.Get("creator"), p.User)) || len(want) > 0 {
			continue
		}
		m := s.issueJSON(r, &Issue{Number: n, Title: p.Title, Body: p.Body, State: p.State, User: p.User})
		m["pull_request"] = s.issuePullRef(r, n)
		byNumber[n] = m
		numbers = append(numbers, n)
	}
	sort.Sort(sort.Reverse(sort.IntSlice(numbers)))
	for _, n := range numbers {
		items = append(items, byNumber[n])
	}
	out := page(c, items)
	if out == nil {
		out = []map[string]any{}
	}
	return http.StatusOK, out
}

func hasLabels(have, want []string) bool {
	for _, w := range want {
		found := false
		for _, h := range have {
			if strings.EqualFold(h, strings.TrimSpace(w)) {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func (s *Server) issue(c *call) (*Issue, bool) {
	n, _ := strconv.Atoi(c.r.PathValue("issue_number"))
	i, ok := c.repo.issues[n]
	return i, ok
}

func (s *Server) labelNames(r *Repo, v any) []string {
	var names []string
	list, _ := v.([]any)
	for _, l := range list {
		name := str(l)
		if m, ok := l.(map[string]any); ok {
			name = str(m["name"])
		}
		if name == "" {
			continue
		}
		if r.labels[strings.ToLower(name)] == nil {
			r.labels[strings.ToLower(name)] = &Label{ID: s.id(), Name: name, Color: "ededed"}
		}
		names = append(names, r.labels[strings.ToLower(name)].Name)
	}
	return names
}

func (s *Server) createIssue(c *call) (int, any) {
	r := c.repo
	body := c.body.(map[string]any)
	title := fmt.Sprint(body["title"])
	if strings.TrimSpace(title) == "" {
		return http.StatusUnprocessableEntity, validationFailed("Issue", "title", "missing_field", "")
	}
	r.nextNumber++
	i := &Issue{Number: r.nextNumber, Title: title, Body: str(body["body"]), State: "open", User: s.botLogin(), Labels: s.labelNames(r, body["labels"])}
	r.issues[i.Number] = i
	return http.StatusCreated, s.issueJSON(r, i)
}

func (s *Server) getIssue(c *call) (int, any) {
	if i, ok := s.issue(c); ok {
		return http.StatusOK, s.issueJSON(c.repo, i)
	}
	if n, _ := strconv.Atoi(c.r.PathValue("issue_number")); c.repo.pulls[n] != nil {
		p := c.repo.pulls[n]
		m := s.issueJSON(c.repo, &Issue{Number: n, Title: p.Title, Body: p.Body, State: p.State, User: p.User})
		m["pull_request"] = s.issuePullRef(c.repo, n)
		return http.StatusOK, m
	}
	return http.StatusNotFound, notFound()
}

func (s *Server) updateIssue(c *call) (int, any) {
	i, ok := s.issue(c)
	if !ok {
		return http.StatusNotFound, notFound()
	}
	body, _ := c.body.(map[string]any)
	if v, ok := body["title"]; ok && v != nil {
		i.Title = fmt.Sprint(v)
	}
	if v, ok := body["body"].(string); ok {
		i.Body = v
	}
	if v, ok := body["state"].(string); ok {
		i.State = v
	}
	if v, ok := body["labels"]; ok {
		i.Labels = s.labelNames(c.repo, v)
	}
	return http.StatusOK, s.issueJSON(c.repo, i)
}

func (s *Server) commentJSON(r *Repo, cm *Comment) map[string]any {
	return map[string]any{
		"id": cm.ID, "node_id": fmt.Sprintf("IC_%d", cm.ID), "body": cm.Body,
		"user":       s.userJSON(cm.User, userType(cm.User)),
		"html_url":   fmt.Sprintf("https://github.com/%s/issues/%d#issuecomment-%d", r.FullName(), cm.IssueNumber, cm.ID),
		"url":        fmt.Sprintf("%s/repos/%s/issues/comments/%d", s.URL, r.FullName(), cm.ID),
		"issue_url":  fmt.Sprintf("%s/repos/%s/issues/%d", s.URL, r.FullName(), cm.IssueNumber),
		"created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z",
	}
}

func (s *Server) issueOrPullExists(c *call) (int, bool) {
	n, _ := strconv.Atoi(c.r.PathValue("issue_number"))
	return n, c.repo.issues[n] != nil || c.repo.pulls[n] != nil
}

func (s *Server) listComments(c *call) (int, any) {
	n, ok := s.issueOrPullExists(c)
	if !ok {
		return http.StatusNotFound, notFound()
	}
	var all []*Comment
	for _, cm := range c.repo.comments {
		if cm.IssueNumber == n {
			all = append(all, cm)
		}
	}
	sort.Slice(all, func(a, b int) bool { return all[a].ID < all[b].ID })
	out := []any{}
	for _, cm := range page(c, all) {
		out = append(out, s.commentJSON(c.repo, cm))
	}
	return http.StatusOK, out
}

// maxCommentBody is GitHub's limit: "body is too long (maximum is 65536
// characters)".
const maxCommentBody = 65536

// tooLong is a pull request's or review's body over the same limit.
func tooLong(v any) bool {
	s, _ := v.(string)
	return len(s) > maxCommentBody && len([]rune(s)) > maxCommentBody
}

func (s *Server) createComment(c *call) (int, any) {
	n, ok := s.issueOrPullExists(c)
	if !ok {
		return http.StatusNotFound, notFound()
	}
	body := str(c.body.(map[string]any)["body"])
	if len([]rune(body)) > maxCommentBody {
		return http.StatusUnprocessableEntity, validationFailed("IssueComment", "data", "unprocessable", "Body is too long (maximum is 65536 characters)")
	}
	cm := &Comment{ID: s.id(), IssueNumber: n, Body: body, User: s.botLogin()}
	c.repo.comments[cm.ID] = cm
	return http.StatusCreated, s.commentJSON(c.repo, cm)
}

func (s *Server) getComment(c *call) (int, any) {
	if c.r.PathValue("issue_number") != "comments" {
		return http.StatusNotFound, notFound()
	}
	id, _ := strconv.ParseInt(c.r.PathValue("comment_id"), 10, 64)
	cm, ok := c.repo.comments[id]
	if !ok {
		return http.StatusNotFound, notFound()
	}
	return http.StatusOK, s.commentJSON(c.repo, cm)
}

func (s *Server) updateComment(c *call) (int, any) {
	id, _ := strconv.ParseInt(c.r.PathValue("comment_id"), 10, 64)
	cm, ok := c.repo.comments[id]
	if !ok {
		return http.StatusNotFound, notFound()
	}
	body := str(c.body.(map[string]any)["body"])
	if len([]rune(body)) > maxCommentBody {
		return http.StatusUnprocessableEntity, validationFailed("IssueComment", "data", "unprocessable", "Body is too long (maximum is 65536 characters)")
	}
	cm.Body = body
	return http.StatusOK, s.commentJSON(c.repo, cm)
}

func (s *Server) createReaction(c *call) (int, any) {
	id, _ := strconv.ParseInt(c.r.PathValue("comment_id"), 10, 64)
	if c.repo.comments[id] == nil {
		return http.StatusNotFound, notFound()
	}
	content := str(c.body.(map[string]any)["content"])
	status := http.StatusCreated
	for _, existing := range c.repo.reactions[id] {
		if existing == content {
			status = http.StatusOK // GitHub: "Reaction exists"
		}
	}
	if status == http.StatusCreated {
		c.repo.reactions[id] = append(c.repo.reactions[id], content)
	}
	return status, map[string]any{"id": s.id(), "node_id": "REA_1", "content": content, "user": s.userJSON(s.botLogin(), "Bot"), "created_at": "2024-01-01T00:00:00Z"}
}

func (s *Server) addIssueLabels(c *call) (int, any) {
	i, ok := s.issue(c)
	if !ok {
		return http.StatusNotFound, notFound()
	}
	body, _ := c.body.(map[string]any)
	names := s.labelNames(c.repo, body["labels"])
	for _, n := range names {
		if !hasLabels(i.Labels, []string{n}) {
			i.Labels = append(i.Labels, n)
		}
	}
	out := []any{}
	for _, n := range i.Labels {
		out = append(out, s.labelJSON(c.repo, c.repo.labels[strings.ToLower(n)]))
	}
	return http.StatusOK, out
}

func (s *Server) labelJSON(r *Repo, l *Label) map[string]any {
	return map[string]any{
		"id": l.ID, "node_id": fmt.Sprintf("LA_%d", l.ID), "name": l.Name, "color": l.Color, "description": l.Description, "default": false,
		"url": fmt.Sprintf("%s/repos/%s/labels/%s", s.URL, r.FullName(), l.Name),
	}
}

func (s *Server) listLabels(c *call) (int, any) {
	var all []*Label
	for _, k := range sortedKeys(c.repo.labels) {
		all = append(all, c.repo.labels[k])
	}
	out := []any{}
	for _, l := range page(c, all) {
		out = append(out, s.labelJSON(c.repo, l))
	}
	return http.StatusOK, out
}

// getLabel is GET /repos/{owner}/{repo}/labels/{name}: names match
// whatever their case, as GitHub matches them.
func (s *Server) getLabel(c *call) (int, any) {
	l := c.repo.labels[strings.ToLower(c.r.PathValue("name"))]
	if l == nil {
		return http.StatusNotFound, notFound()
	}
	return http.StatusOK, s.labelJSON(c.repo, l)
}

func (s *Server) createLabel(c *call) (int, any) {
	body := c.body.(map[string]any)
	name := str(body["name"])
	if c.repo.labels[strings.ToLower(name)] != nil {
		return http.StatusUnprocessableEntity, validationFailed("Label", "name", "already_exists", "")
	}
	color := strings.TrimPrefix(str(body["color"]), "#")
	if color == "" {
		color = "ededed"
	}
	l := &Label{ID: s.id(), Name: name, Color: color, Description: str(body["description"])}
	c.repo.labels[strings.ToLower(name)] = l
	return http.StatusCreated, s.labelJSON(c.repo, l)
}

func (s *Server) getPermission(c *call) (int, any) {
	login := c.r.PathValue("username")
	perm, ok := c.repo.perms[login]
	if !ok {
		perm = "none"
		if !c.repo.Private {
			perm = "read"
		}
	}
	// permission is the legacy name (maintain → write, triage → read);
	// role_name the real one.
	legacy := map[string]string{"maintain": "write", "triage": "read"}[perm]
	if legacy == "" {
		legacy = perm
	}
	return http.StatusOK, map[string]any{"permission": legacy, "role_name": perm, "user": s.userJSON(login, userType(login))}
}
