package githubfake

import (
	"fmt"
	"net/http"
	"strconv"
)

func (s *Server) checkRunJSON(r *Repo, cr *CheckRun) map[string]any {
	m := map[string]any{
		"id": cr.ID, "node_id": fmt.Sprintf("CR_%d", cr.ID), "name": cr.Name, "head_sha": cr.HeadSHA,
		"external_id": cr.ExternalID, "status": cr.Status, "details_url": cr.DetailsURL,
		"url":      fmt.Sprintf("%s/repos/%s/check-runs/%d", s.URL, r.FullName(), cr.ID),
		"html_url": fmt.Sprintf("https://github.com/%s/runs/%d", r.FullName(), cr.ID),
		"output": map[string]any{
			"title": cr.Title, "summary": cr.Summary, "text": cr.Text,
			"annotations_count": len(cr.Annotations),
			"annotations_url":   fmt.Sprintf("%s/repos/%s/check-runs/%d/annotations", s.URL, r.FullName(), cr.ID),
		},
		"app": s.appJSON(s.app),
	}
	if cr.Conclusion != "" {
		m["conclusion"] = cr.Conclusion
	} else {
		m["conclusion"] = nil
	}
	if cr.StartedAt != "" {
		m["started_at"] = cr.StartedAt
	}
	if cr.CompletedAt != "" {
		m["completed_at"] = cr.CompletedAt
	}
	return m
}

// applyCheckRun copies what a POST or PATCH sets, with GitHub's rules: a
// conclusion completes the run, "completed" needs a conclusion, and
// annotations add up across updates.
func (s *Server) applyCheckRun(cr *CheckRun, body map[string]any) (int, any) {
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
	}
	if v, ok := body["conclusion"].(string); ok {
		cr.Conclusion = v
		cr.Status = "completed"
	}
	if cr.Status == "completed" && cr.Conclusion == "" {
		return http.StatusUnprocessableEntity, map[string]any{"message": "Invalid request.\n\nNo subschema in \"anyOf\" matched.\n\"conclusion\" wasn't supplied.", "documentation_url": docURL, "status": "422"}
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
	return 0, nil
}

func (s *Server) createCheckRun(c *call) (int, any) {
	body := c.body.(map[string]any)
	cr := &CheckRun{ID: s.id(), Status: "queued"}
	cr.HeadSHA = str(body["head_sha"])
	if c.repo.commits[cr.HeadSHA] == nil {
		return http.StatusUnprocessableEntity, validationFailed("CheckRun", "head_sha", "invalid", "No commit found for SHA: "+cr.HeadSHA)
	}
	if status, msg := s.applyCheckRun(cr, body); status != 0 {
		return status, msg
	}
	c.repo.checkRuns[cr.ID] = cr
	return http.StatusCreated, s.checkRunJSON(c.repo, cr)
}

func (s *Server) updateCheckRun(c *call) (int, any) {
	id, _ := strconv.ParseInt(c.r.PathValue("check_run_id"), 10, 64)
	cr, ok := c.repo.checkRuns[id]
	if !ok {
		return http.StatusNotFound, notFound()
	}
	next := *cr
	next.Annotations = append([]map[string]any(nil), cr.Annotations...)
	if status, msg := s.applyCheckRun(&next, c.body.(map[string]any)); status != 0 {
		return status, msg
	}
	*cr = next
	return http.StatusOK, s.checkRunJSON(c.repo, cr)
}
