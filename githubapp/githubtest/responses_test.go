package githubtest

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// TestResponsesMatchFullDescription checks the fake's answers against the
// response schemas of GitHub's full description, which the embedded subset
// leaves out for size. It runs when DJSEC_OPENAPI_FULL names
// api.github.com.deref.json from @octokit/openapi (see
// testdata/openapi/README.md):
//
//	DJSEC_OPENAPI_FULL=/tmp/package/generated/api.github.com.deref.json go test ./githubapp/githubtest -run Full
func TestResponsesMatchFullDescription(t *testing.T) {
	path := os.Getenv("DJSEC_OPENAPI_FULL")
	if path == "" {
		t.Skip("DJSEC_OPENAPI_FULL not set")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			Responses map[string]struct {
				Content map[string]struct {
					Schema map[string]any `json:"schema"`
				} `json:"content"`
			} `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}

	f := newFixture(t)
	f.repo.Commit("main", map[string]string{"mysite/settings.py": "DEBUG = False\n"})
	head := f.repo.Commit("feature", map[string]string{"mysite/settings.py": "DEBUG = True\n", "old.py": ""})
	f.repo.Commit("main", map[string]string{"README.md": "x\n"})
	pr := f.repo.AddPull(Pull{HeadRef: "feature"})
	var run struct{ ID int64 }
	f.do("POST", "/repos/o/r/check-runs", `{"name":"djsec","head_sha":"`+head+`","conclusion":"success","output":{"title":"t","summary":"s","annotations":[`+annotation("")+`]}}`, &run)
	calls := map[string]string{
		"GET /repos/{owner}/{repo}/compare/{basehead}":                    "/repos/o/r/compare/main...feature",
		"GET /repos/{owner}/{repo}/pulls/{pull_number}":                   fmt.Sprintf("/repos/o/r/pulls/%d", pr.Number),
		"GET /repos/{owner}/{repo}/pulls/{pull_number}/files":             fmt.Sprintf("/repos/o/r/pulls/%d/files", pr.Number),
		"GET /repos/{owner}/{repo}/check-runs/{check_run_id}":             fmt.Sprintf("/repos/o/r/check-runs/%d", run.ID),
		"GET /repos/{owner}/{repo}/check-runs/{check_run_id}/annotations": fmt.Sprintf("/repos/o/r/check-runs/%d/annotations", run.ID),
		"GET /repos/{owner}/{repo}/commits/{ref}/check-runs":              "/repos/o/r/commits/" + head + "/check-runs",
		"GET /repos/{owner}/{repo}":                                       "/repos/o/r",
		"GET /repos/{owner}/{repo}/contents/{path}":                       "/repos/o/r/contents/mysite/settings.py?ref=feature",
		"GET /repos/{owner}/{repo}/git/trees/{tree_sha}":                  "/repos/o/r/git/trees/main?recursive=1",
		"GET /repos/{owner}/{repo}/issues":                                "/repos/o/r/issues",
		"GET /repos/{owner}/{repo}/labels":                                "/repos/o/r/labels",
		"GET /installation/repositories":                                  "/installation/repositories",
		"GET /orgs/{org}/teams/{team_slug}/memberships/{username}":        "/orgs/o/teams/security/memberships/alice",
		"GET /app/installations":                                          "/app/installations",
	}
	f.s.SetTeamMember("o", "security", "alice", true)
	appClient := client{t, f.s.URL, "Bearer " + f.s.jwt(t, time.Now().Add(-time.Minute), 5*time.Minute)}
	for route, url := range calls {
		method, p, _ := strings.Cut(route, " ")
		c := f.c
		if strings.HasPrefix(p, "/app/") {
			c = appClient
		}
		r, body := c.do(method, url, "")
		schema := doc.Paths[p][strings.ToLower(method)].Responses[fmt.Sprint(r.StatusCode)].Content["application/json"].Schema
		if schema == nil {
			t.Errorf("%s: no schema for status %d", route, r.StatusCode)
			continue
		}
		v, err := decodeJSON([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		var errs []string
		validate(schema, v, "response", &errs)
		for _, e := range errs {
			t.Errorf("%s: %s", route, e)
		}
	}
}
