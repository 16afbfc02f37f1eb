package githubtest

import (
	"strings"
	"testing"
)

func TestValidateBodyAgainstDescription(t *testing.T) {
	t.Parallel()
	const checkRuns = "POST /repos/{owner}/{repo}/check-runs"
	const updateRun = "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}"
	cases := []struct {
		route, body string
		want        string // "" when valid; else a fragment of the message
	}{
		{checkRuns, `{"name":"djsec","head_sha":"abc"}`, ""},
		{checkRuns, `{"name":"djsec","head_sha":"abc","status":"in_progress","started_at":"2024-05-01T10:00:00Z"}`, ""},
		{checkRuns, `{"name":"djsec"}`, `"head_sha" wasn't supplied`},
		{checkRuns, `{"name":"djsec","head_sha":"abc","status":"running"}`, "not a member of enum"},
		{checkRuns, `{"name":"djsec","head_sha":"abc","started_at":"yesterday"}`, "not a valid date-time"},
		{checkRuns, `{"name":7,"head_sha":"abc"}`, "7 is not a string"},
		{checkRuns, `{"name":"djsec","head_sha":"abc","output":{"title":"t"}}`, `"summary" wasn't supplied`},
		{checkRuns, `{"name":"djsec","head_sha":"abc","output":{"title":"t","summary":"s","annotations":[` + strings.Repeat(`{"path":"a","start_line":1,"end_line":1,"annotation_level":"notice","message":"m"},`, 50) + `{"path":"a","start_line":1,"end_line":1,"annotation_level":"notice","message":"m"}]}}`, "more than the maximum of 50"},
		{checkRuns, `{"name":"djsec","head_sha":"abc","output":{"title":"t","summary":"s","annotations":[{"path":"a","start_line":1.5,"end_line":1,"annotation_level":"notice","message":"m"}]}}`, "1.5 is not an integer"},
		{checkRuns, `{"name":"djsec","head_sha":"abc","output":{"title":"t","summary":"` + strings.Repeat("é", 65536) + `"}}`, "longer than the maximum length of 65535"},
		{checkRuns, `{"name":"djsec","head_sha":"abc","actions":[{"label":"Open fix-up PR","identifier":"fix","description":"Open a PR with the fixes"}]}`, ""},
		{checkRuns, `{"name":"djsec","head_sha":"abc","actions":[{"label":"Open a fix-up pull request now","identifier":"fix","description":"d"}]}`, "maximum length of 20"},
		{checkRuns, `{"name":"djsec","head_sha":"abc"`, "Problems parsing JSON"},
		// The update's anyOf: "completed" needs a conclusion.
		{updateRun, `{"status":"completed","conclusion":"success"}`, ""},
		{updateRun, `{"conclusion":"neutral","output":{"title":"t","summary":"s"}}`, ""},
		{updateRun, `{"status":"completed"}`, `No subschema in "anyOf" matched. | "conclusion" wasn't supplied.`},
		{updateRun, `{"status":"pending","conclusion":"success"}`, "not a member of enum"},
		{updateRun, `{"output":{"title":"t"}}`, `"summary" wasn't supplied`},
		{checkRuns, ``, "A request body is required"},
		// oneOf: a title may be a string or an integer, not a boolean;
		// labels strings or objects; nullable assignee.
		{"POST /repos/{owner}/{repo}/issues", `{"title":"djsec audit","labels":["security",{"name":"djsec"}],"assignee":null}`, ""},
		{"POST /repos/{owner}/{repo}/issues", `{"title":12}`, ""},
		{"POST /repos/{owner}/{repo}/issues", `{"title":true}`, "not valid under any of the given schemas (oneOf)"},
		{"POST /repos/{owner}/{repo}/issues", `{"title":"t","body":null}`, "nil is not a string"},
		{"POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions", `{"content":"eyes"}`, ""},
		{"POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions", `{"content":"thumbs_up"}`, "not a member of enum"},
		{"PUT /repos/{owner}/{repo}/contents/{path}", `{"message":"m","content":"eA==","branch":"b"}`, ""},
		{"PUT /repos/{owner}/{repo}/contents/{path}", `{"message":"m","content":"eA==","committer":{"name":"djsec"}}`, `"email" wasn't supplied`},
		{"POST /repos/{owner}/{repo}/git/refs", `{"ref":"refs/heads/x","sha":"abc"}`, ""},
		{"POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews", `{"event":"COMMENT","comments":[{"path":"a.py","line":3,"body":"x"}]}`, ""},
		{"POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews", `{"event":"SUGGEST"}`, "not a member of enum"},
		// Optional bodies: none, or ghinstallation's "null".
		{"POST /app/installations/{installation_id}/access_tokens", ``, ""},
		{"POST /app/installations/{installation_id}/access_tokens", `null`, ""},
		{"POST /app/installations/{installation_id}/access_tokens", `{"repositories":"all"}`, "is not an array"},
		// A route the description lacks accepts anything.
		{"POST /nowhere", `{"x":1}`, ""},
	}
	for _, c := range cases {
		errs := ValidateBody(c.route, []byte(c.body))
		got := strings.Join(errs, " | ")
		if c.want == "" && got != "" {
			t.Errorf("%s %.80s: rejected: %s", c.route, c.body, got)
		}
		if c.want != "" && !strings.Contains(got, c.want) {
			t.Errorf("%s %.80s: got %q, want a message with %q", c.route, c.body, got, c.want)
		}
	}
}

func TestSubsetHasEveryServedRoute(t *testing.T) {
	t.Parallel()
	if SpecVersion() == "" {
		t.Fatal("no version in the embedded description")
	}
	s := New(t)
	if len(s.served) < 20 {
		t.Fatalf("%d routes served", len(s.served))
	}
	for _, route := range s.served {
		if LookupOperation(route) == nil {
			t.Errorf("%s is served but not in testdata/openapi (add it to scripts/openapi-subset.go)", route)
		}
	}
}
