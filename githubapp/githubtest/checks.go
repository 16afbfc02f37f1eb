package githubtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"time"
	"unicode/utf8"
)

// Limits of the Checks API the description states only in prose.
const (
	maxAnnotationTitle   = 255      // characters
	maxAnnotationMessage = 64 << 10 // "The maximum size is 64 KB."
	maxAnnotationDetails = 64 << 10
)

// AddCheckRun adds a check run as another app (AppID set) or a person
// would have made it, for tests of what the app does with runs it finds;
// it returns the run's ID. Status defaults to "completed" with conclusion
// "success".
func (r *Repo) AddCheckRun(cr CheckRun) int64 {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	cr.ID = r.s.id()
	if cr.Status == "" {
		cr.Status, cr.Conclusion = "completed", "success"
	}
	if cr.StartedAt == "" {
		cr.StartedAt = r.s.now().UTC().Format(time.RFC3339)
	}
	if cr.Status == "completed" && cr.CompletedAt == "" {
		cr.CompletedAt = cr.StartedAt
	}
	r.checkRuns[cr.ID] = &cr
	return cr.ID
}

// CheckRun returns a copy of check run id, or nil.
func (r *Repo) CheckRun(id int64) *CheckRun {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	cr, ok := r.checkRuns[id]
	if !ok {
		return nil
	}
	c := *cr
	return &c
}

// suiteID is the check suite of the app's runs on sha (one per app and
// commit, as GitHub makes them on push).
func (r *Repo) suiteID(appID int64, sha string) int64 {
	key := strconv.FormatInt(appID, 10) + ":" + sha
	id, ok := r.suites[key]
	if !ok {
		id = r.s.id()
		r.suites[key] = id
	}
	return id
}

func (s *Server) runAppID(cr *CheckRun) int64 {
	if cr.AppID != 0 {
		return cr.AppID
	}
	return s.app.ID
}

// prRefsJSON lists the open pull requests of r whose head is sha, as the
// Checks API's pull_requests arrays do. Pull requests from forks are left
// out: "Pushes to a branch in a forked repository are not detected and
// return an empty pull_requests array."
func (s *Server) prRefsJSON(r *Repo, sha string) []any {
	out := []any{}
	for _, n := range sortedPulls(r) {
		p := r.pulls[n]
		if p.State != "open" || p.HeadRepo != "" || p.HeadSHA != sha {
			continue
		}
		repo := map[string]any{"id": r.ID, "url": s.URL + "/repos/" + r.FullName(), "name": r.Name}
		out = append(out, map[string]any{
			"id": int64(p.Number) + r.ID*1000, "number": p.Number,
			"url":  fmt.Sprintf("%s/repos/%s/pulls/%d", s.URL, r.FullName(), p.Number),
			"head": map[string]any{"ref": p.HeadRef, "sha": p.HeadSHA, "repo": repo},
			"base": map[string]any{"ref": p.BaseRef, "sha": p.BaseSHA, "repo": repo},
		})
	}
	return out
}

func sortedPulls(r *Repo) []int {
	var ns []int
	for n := range r.pulls {
		ns = append(ns, n)
	}
	sort.Ints(ns)
	return ns
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (s *Server) checkRunJSON(r *Repo, cr *CheckRun) map[string]any {
	app := s.appJSON(s.app)
	if a, ok := s.apps[cr.AppID]; ok {
		app = s.appJSON(a)
	} else if cr.AppID != 0 {
		app["id"], app["slug"], app["name"] = cr.AppID, fmt.Sprintf("app-%d", cr.AppID), fmt.Sprintf("app-%d", cr.AppID)
	}
	details := cr.DetailsURL
	if details == "" {
		// "If the integrator does not provide this, then the homepage of
		// the GitHub app is used."
		details = str(app["external_url"])
		if details == "" {
			details = str(app["html_url"])
		}
	}
	return map[string]any{
		"id": cr.ID, "node_id": fmt.Sprintf("CR_%d", cr.ID), "name": cr.Name, "head_sha": cr.HeadSHA,
		"external_id": cr.ExternalID, "status": cr.Status, "conclusion": nullable(cr.Conclusion),
		"details_url": details,
		"url":         fmt.Sprintf("%s/repos/%s/check-runs/%d", s.URL, r.FullName(), cr.ID),
		"html_url":    fmt.Sprintf("https://github.com/%s/runs/%d", r.FullName(), cr.ID),
		"started_at":  nullable(cr.StartedAt), "completed_at": nullable(cr.CompletedAt),
		"output": map[string]any{
			"title": nullable(cr.Title), "summary": nullable(cr.Summary), "text": nullable(cr.Text),
			"annotations_count": len(cr.Annotations),
			"annotations_url":   fmt.Sprintf("%s/repos/%s/check-runs/%d/annotations", s.URL, r.FullName(), cr.ID),
		},
		"check_suite":   map[string]any{"id": r.suiteID(s.runAppID(cr), cr.HeadSHA)},
		"app":           app,
		"pull_requests": s.prRefsJSON(r, cr.HeadSHA),
	}
}

// checkRunProblems finds what GitHub refuses in a check run body beyond
// what the description's schema says: the rules its prose states. It
// returns the answer to give (0 when the body is acceptable) and, for the
// test log, what exactly is wrong.
func checkRunProblems(body map[string]any, create bool) (int, any, string) {
	invalid := func(field, why string) (int, any, string) {
		return http.StatusUnprocessableEntity, validationFailed("CheckRun", field, "invalid", ""), why
	}
	_, hasConclusion := body["conclusion"]
	if body["conclusion"] == "stale" {
		return invalid("conclusion", `only GitHub sets the conclusion "stale"`)
	}
	if !hasConclusion && (body["status"] == "completed" || body["completed_at"] != nil) {
		msg := "Invalid request.\n\nNo subschema in \"anyOf\" matched.\n\"conclusion\" wasn't supplied."
		return http.StatusUnprocessableEntity, map[string]any{"message": msg, "documentation_url": docURL, "status": "422"},
			"conclusion is required with status completed or completed_at"
	}
	out, ok := body["output"].(map[string]any)
	if !ok {
		return 0, nil, ""
	}
	if _, ok := out["title"]; !ok && !create {
		// The update's description marks the title **Required** in prose.
		msg := "Invalid request.\n\n\"title\" wasn't supplied."
		return http.StatusUnprocessableEntity, map[string]any{"message": msg, "documentation_url": docURL, "status": "422"}, "output.title is required"
	}
	anns, _ := out["annotations"].([]any)
	for i, a := range anns {
		m, _ := a.(map[string]any)
		if why := annotationProblem(m); why != "" {
			return invalid("annotations", fmt.Sprintf("annotation %d (%s:%v): %s", i, str(m["path"]), m["start_line"], why))
		}
	}
	return 0, nil, ""
}

// annotationProblem says why GitHub rejects an annotation ("Validation
// Failed", field "annotations") or returns "". GitHub does not check that
// the path is in the repository, and neither does the fake.
func annotationProblem(m map[string]any) string {
	num := func(k string) (int64, bool) {
		n, ok := m[k].(json.Number)
		if !ok {
			return 0, false
		}
		v, err := n.Int64()
		return v, err == nil
	}
	start, _ := num("start_line")
	end, _ := num("end_line")
	sc, hasSC := num("start_column")
	ec, hasEC := num("end_column")
	switch {
	case start < 1:
		return "line numbers start at 1"
	case end < start:
		return "end_line is before start_line"
	case (hasSC || hasEC) && start != end:
		return "start_column and end_column are only allowed when start_line equals end_line"
	case (hasSC && sc < 1) || (hasEC && ec < 1):
		return "column numbers start at 1"
	case hasSC && hasEC && sc > ec:
		return "start_column is after end_column"
	case utf8.RuneCountInString(str(m["title"])) > maxAnnotationTitle:
		return "title is longer than 255 characters"
	case len(str(m["message"])) > maxAnnotationMessage:
		return "message is larger than 64 KB"
	case len(str(m["raw_details"])) > maxAnnotationDetails:
		return "raw_details is larger than 64 KB"
	}
	return ""
}

// applyCheckRun copies what a POST or PATCH sets, with GitHub's rules: a
// conclusion completes the run (completed_at defaults to now), and
// annotations add up across updates. Going back to queued or in_progress
// clears the conclusion.
func (s *Server) applyCheckRun(cr *CheckRun, body map[string]any) {
	now := s.now().UTC().Format(time.RFC3339)
	if v, ok := body["name"].(string); ok {
		cr.Name = v
	}
	if v, ok := body["external_id"].(string); ok {
		cr.ExternalID = v
	}
	if v, ok := body["details_url"].(string); ok {
		cr.DetailsURL = v
	}
	if v, ok := body["started_at"].(string); ok {
		cr.StartedAt = v
	}
	if v, ok := body["completed_at"].(string); ok {
		cr.CompletedAt = v
	}
	if v, ok := body["status"].(string); ok {
		cr.Status = v
		if v != "completed" {
			cr.Conclusion, cr.CompletedAt = "", ""
		}
	}
	if v, ok := body["conclusion"].(string); ok {
		cr.Conclusion = v
		cr.Status = "completed"
	}
	if cr.Status == "completed" && cr.CompletedAt == "" {
		cr.CompletedAt = now
	}
	if cr.StartedAt == "" {
		cr.StartedAt = now
	}
	if out, ok := body["output"].(map[string]any); ok {
		cr.Title, cr.Summary = str(out["title"]), str(out["summary"])
		if t, ok := out["text"].(string); ok {
			cr.Text = t
		}
		if anns, ok := out["annotations"].([]any); ok {
			for _, a := range anns {
				cr.Annotations = append(cr.Annotations, a.(map[string]any))
			}
		}
	}
	if acts, ok := body["actions"].([]any); ok {
		cr.Actions = nil
		for _, a := range acts {
			cr.Actions = append(cr.Actions, a.(map[string]any))
		}
	}
	cr.Requests++
}

// rejectLocked records a body GitHub would refuse (s.mu held).
func (s *Server) rejectLocked(route, msg string) {
	s.invalid = append(s.invalid, route+": "+msg)
}

func (s *Server) createCheckRun(c *call) (int, any) {
	body := c.body.(map[string]any)
	if status, msg, why := checkRunProblems(body, true); status != 0 {
		s.rejectLocked(c.route, why)
		return status, msg
	}
	cr := &CheckRun{ID: s.id(), Status: "queued", HeadSHA: str(body["head_sha"])}
	if c.repo.commits[cr.HeadSHA] == nil {
		return http.StatusUnprocessableEntity, validationFailed("CheckRun", "head_sha", "invalid", "No commit found for SHA: "+cr.HeadSHA)
	}
	s.applyCheckRun(cr, body)
	c.repo.checkRuns[cr.ID] = cr
	return http.StatusCreated, s.checkRunJSON(c.repo, cr)
}

func (s *Server) checkRun(c *call) (*CheckRun, bool) {
	id, err := strconv.ParseInt(c.r.PathValue("check_run_id"), 10, 64)
	if err != nil {
		return nil, false
	}
	cr, ok := c.repo.checkRuns[id]
	return cr, ok
}

func (s *Server) updateCheckRun(c *call) (int, any) {
	cr, ok := s.checkRun(c)
	if !ok {
		return http.StatusNotFound, notFound()
	}
	body := c.body.(map[string]any)
	if status, msg, why := checkRunProblems(body, false); status != 0 {
		s.rejectLocked(c.route, why)
		return status, msg
	}
	s.applyCheckRun(cr, body)
	return http.StatusOK, s.checkRunJSON(c.repo, cr)
}

func (s *Server) getCheckRun(c *call) (int, any) {
	cr, ok := s.checkRun(c)
	if !ok {
		return http.StatusNotFound, notFound()
	}
	return http.StatusOK, s.checkRunJSON(c.repo, cr)
}

func (s *Server) listAnnotations(c *call) (int, any) {
	cr, ok := s.checkRun(c)
	if !ok {
		return http.StatusNotFound, notFound()
	}
	out := []any{}
	for _, a := range page(c, cr.Annotations) {
		m := map[string]any{"blob_href": fmt.Sprintf("https://github.com/%s/blob/%s/%s", c.repo.FullName(), cr.HeadSHA, str(a["path"]))}
		for _, k := range []string{"path", "start_line", "end_line", "start_column", "end_column", "annotation_level", "title", "message", "raw_details"} {
			m[k] = a[k] // absent: null, as GitHub answers
		}
		out = append(out, m)
	}
	return http.StatusOK, out
}

// listCheckRunsForRef answers GET .../commits/{ref}/check-runs: the runs
// on the commit ref names, filtered by check_name, status and app_id;
// filter=latest (the default) keeps the most recent run of each name in
// each check suite. Newest first.
func (s *Server) listCheckRunsForRef(c *call) (int, any) {
	r := c.repo
	ref := c.r.PathValue("ref")
	cm := r.resolve(ref)
	if cm == nil {
		return http.StatusNotFound, map[string]any{"message": "No commit found for SHA: " + ref, "documentation_url": docURL, "status": "404"}
	}
	q := c.r.URL.Query()
	var appID int64
	if v := q.Get("app_id"); v != "" {
		appID, _ = strconv.ParseInt(v, 10, 64)
	}
	var runs []*CheckRun
	for _, cr := range r.checkRuns {
		if cr.HeadSHA != cm.sha ||
			(q.Has("check_name") && cr.Name != q.Get("check_name")) ||
			(q.Has("status") && cr.Status != q.Get("status")) ||
			(appID != 0 && s.runAppID(cr) != appID) {
			continue
		}
		runs = append(runs, cr)
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].ID > runs[j].ID })
	if q.Get("filter") != "all" {
		seen := map[string]bool{}
		kept := runs[:0]
		for _, cr := range runs {
			key := strconv.FormatInt(s.runAppID(cr), 10) + "\x00" + cr.Name
			if !seen[key] {
				seen[key] = true
				kept = append(kept, cr)
			}
		}
		runs = kept
	}
	list := []any{}
	for _, cr := range page(c, runs) {
		list = append(list, s.checkRunJSON(r, cr))
	}
	return http.StatusOK, map[string]any{"total_count": len(runs), "check_runs": list}
}
