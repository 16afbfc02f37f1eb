package githubtest

import (
	"fmt"
	"strings"
	"testing"
)

func annotation(fields string) string {
	base := map[string]string{
		"path": `"mysite/settings.py"`, "start_line": "3", "end_line": "3",
		"annotation_level": `"failure"`, "message": `"DEBUG is on"`,
	}
	for _, kv := range strings.Split(fields, ",") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			if v == "-" {
				delete(base, k)
			} else {
				base[k] = v
			}
		}
	}
	var parts []string
	for _, k := range sortedKeys(base) {
		parts = append(parts, fmt.Sprintf("%q:%s", k, base[k]))
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func output(annotations ...string) string {
	return `"output":{"title":"1 new finding","summary":"s","annotations":[` + strings.Join(annotations, ",") + `]}`
}

// TestCheckRunBodies sends the bodies GitHub accepts and refuses. Every
// refusal is also recorded as a body the app should not have sent.
func TestCheckRunBodies(t *testing.T) {
	t.Parallel()
	f := newFixture(t, AllowInvalidBodies())
	head := f.repo.Commit("main", map[string]string{"mysite/settings.py": "A = 1\nB = 2\nDEBUG = True\n"})
	var run struct{ ID int64 }
	if st, _ := f.do("POST", "/repos/o/r/check-runs", `{"name":"djsec","head_sha":"`+head+`","status":"in_progress"}`, &run); st != 201 {
		t.Fatalf("create: %d", st)
	}
	patch := fmt.Sprintf("/repos/o/r/check-runs/%d", run.ID)
	fifty := strings.TrimSuffix(strings.Repeat(annotation("")+",", 50), ",")
	long := func(n int) string { return `"` + strings.Repeat("x", n) + `"` }
	cases := []struct {
		name, method, body string
		want               int
		fragment           string // in the answer
	}{
		{"completed in one call", "POST", `"status":"completed","conclusion":"failure","completed_at":"2024-05-01T10:00:00Z",` + output(annotation("")), 201, ""},
		{"50 annotations", "POST", `"conclusion":"success",` + output(fifty), 201, ""},
		{"51 annotations", "POST", output(fifty, annotation("")), 422, "maximum of 50"},
		{"completed without conclusion", "POST", `"status":"completed"`, 422, "conclusion"},
		{"completed_at without conclusion", "POST", `"completed_at":"2024-05-01T10:00:00Z"`, 422, "conclusion"},
		{"unknown conclusion", "POST", `"conclusion":"passed"`, 422, "not a member of enum"},
		{"stale conclusion", "POST", `"conclusion":"stale"`, 422, `"field":"conclusion"`},
		{"output without summary", "POST", `"output":{"title":"t"}`, 422, `"summary\" wasn't supplied`},
		{"output without title", "POST", `"output":{"summary":"s"}`, 422, `"title\" wasn't supplied`},
		{"summary at the limit", "POST", `"output":{"title":"t","summary":` + long(65535) + `}`, 201, ""},
		{"summary over the limit", "POST", `"output":{"title":"t","summary":` + long(65536) + `}`, 422, "65535"},
		{"text over the limit", "POST", `"output":{"title":"t","summary":"s","text":` + long(65536) + `}`, 422, "65535"},
		{"columns on one line", "POST", output(annotation("start_column=5,end_column=9")), 201, ""},
		{"columns across lines", "POST", output(annotation("end_line=4,start_column=5,end_column=9")), 422, `"field":"annotations"`},
		{"start column after end column", "POST", output(annotation("start_column=9,end_column=5")), 422, `"field":"annotations"`},
		{"column zero", "POST", output(annotation("start_column=0,end_column=5")), 422, `"field":"annotations"`},
		{"line zero", "POST", output(annotation("start_line=0,end_line=0")), 422, `"field":"annotations"`},
		{"end before start", "POST", output(annotation("start_line=4,end_line=3")), 422, `"field":"annotations"`},
		{"unknown level", "POST", output(annotation(`annotation_level="error"`)), 422, "not a member of enum"},
		{"no message", "POST", output(annotation("message=-")), 422, `"message\" wasn't supplied`},
		{"no end_line", "POST", output(annotation("end_line=-")), 422, `"end_line\" wasn't supplied`},
		{"title at 255", "POST", output(annotation("title=" + long(255))), 201, ""},
		{"title over 255", "POST", output(annotation("title=" + long(256))), 422, `"field":"annotations"`},
		{"raw_details at 64 KB", "POST", output(annotation("raw_details=" + long(64<<10))), 201, ""},
		{"raw_details over 64 KB", "POST", output(annotation("raw_details=" + long(64<<10+1))), 422, `"field":"annotations"`},
		{"message over 64 KB", "POST", output(annotation("message=" + long(64<<10+1))), 422, `"field":"annotations"`},
		{"a path not in the repository", "POST", output(annotation(`path="no/such/file.py"`)), 201, ""},
		{"three actions", "POST", `"actions":[{"label":"Open fix-up PR","description":"Open a pull request with the fixes","identifier":"fix"},{"label":"Recheck","description":"Run djsec again","identifier":"recheck"},{"label":"c","description":"d","identifier":"e"}]`, 201, ""},
		{"four actions", "POST", `"actions":[` + strings.TrimSuffix(strings.Repeat(`{"label":"l","description":"d","identifier":"i"},`, 4), ",") + `]`, 422, "maximum of 3"},
		{"label over 20", "POST", `"actions":[{"label":"Open a fix-up PR now!","description":"d","identifier":"fix"}]`, 422, "maximum length of 20"},
		{"description over 40", "POST", `"actions":[{"label":"Fix","description":"Open a pull request that fixes everything","identifier":"fix"}]`, 422, "maximum length of 40"},
		{"identifier over 20", "POST", `"actions":[{"label":"Fix","description":"d","identifier":"open-a-fix-up-pull-rq"}]`, 422, "maximum length of 20"},
		{"action without identifier", "POST", `"actions":[{"label":"Fix","description":"d"}]`, 422, `"identifier\" wasn't supplied`},
		{"update", "PATCH", `"status":"in_progress",` + output(annotation("")), 200, ""},
		{"update without title", "PATCH", `"output":{"summary":"s"}`, 422, `"title\" wasn't supplied`},
		{"update completed without conclusion", "PATCH", `"status":"completed"`, 422, "conclusion"},
		{"update to a status only Actions sets", "PATCH", `"status":"waiting"`, 422, "not a member of enum"},
		{"update with 51 annotations", "PATCH", output(fifty, annotation("")), 422, "maximum of 50"},
		{"update completing", "PATCH", `"conclusion":"failure",` + output(annotation("start_line=2,end_line=3")), 200, `"status":"completed"`},
	}
	for _, c := range cases {
		before := len(f.s.InvalidBodies())
		path, body := "/repos/o/r/check-runs", `{"name":"djsec","head_sha":"`+head+`",`+c.body+`}`
		if c.method == "PATCH" {
			path, body = patch, `{`+c.body+`}`
		}
		r, got := f.c.do(c.method, path, body)
		if r.StatusCode != c.want || !strings.Contains(got, c.fragment) {
			t.Errorf("%s: %d %.300s, want %d with %q", c.name, r.StatusCode, got, c.want, c.fragment)
		}
		if recorded := len(f.s.InvalidBodies()) - before; recorded != map[bool]int{true: 1, false: 0}[c.want == 422] {
			t.Errorf("%s: %d invalid bodies recorded", c.name, recorded)
		}
	}
	// The refused updates changed nothing; the accepted ones added up.
	cr := f.repo.CheckRun(run.ID)
	if cr.Status != "completed" || cr.Conclusion != "failure" || len(cr.Annotations) != 2 || cr.Requests != 3 || cr.CompletedAt == "" || cr.StartedAt == "" {
		t.Errorf("run after the updates: %+v", cr)
	}
}

func TestCheckRunReads(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	head := f.repo.Commit("feature", map[string]string{"a.py": "A = 1\n"})
	pr := f.repo.AddPull(Pull{HeadRef: "feature"})
	other := f.repo.AddCheckRun(CheckRun{Name: "ci", HeadSHA: head, AppID: 99})
	type run struct {
		ID                       int64
		Name, Status, ExternalID string
		Conclusion               *string
		DetailsURL               string             `json:"details_url"`
		StartedAt                string             `json:"started_at"`
		CompletedAt              *string            `json:"completed_at"`
		CheckSuite               struct{ ID int64 } `json:"check_suite"`
		App                      struct{ ID int64 }
		PullRequests             []struct{ Number int } `json:"pull_requests"`
		Output                   struct {
			Title, Summary   *string
			AnnotationsCount int `json:"annotations_count"`
		}
	}
	var first, second run
	f.do("POST", "/repos/o/r/check-runs", `{"name":"djsec","head_sha":"`+head+`","conclusion":"success","external_id":"djsec:1","output":{"title":"t","summary":"s","annotations":[`+annotation("")+`]}}`, &first)
	f.do("POST", "/repos/o/r/check-runs", `{"name":"djsec","head_sha":"`+head+`","status":"in_progress"}`, &second)
	if first.Status != "completed" || first.CompletedAt == nil || first.StartedAt == "" || first.App.ID != f.s.AppID() ||
		len(first.PullRequests) != 1 || first.PullRequests[0].Number != pr.Number || first.CheckSuite.ID == 0 || first.DetailsURL == "" {
		t.Errorf("created run: %+v", first)
	}
	if second.Conclusion != nil || second.CompletedAt != nil || second.Output.Title != nil || second.CheckSuite.ID != first.CheckSuite.ID {
		t.Errorf("in-progress run: %+v", second)
	}
	var got run
	if st, _ := f.do("GET", fmt.Sprintf("/repos/o/r/check-runs/%d", first.ID), "", &got); st != 200 || got.ID != first.ID || got.Output.AnnotationsCount != 1 {
		t.Errorf("get: %d %+v", st, got)
	}
	if st, _ := f.do("GET", "/repos/o/r/check-runs/999999", "", nil); st != 404 {
		t.Errorf("unknown run: %d", st)
	}
	var anns []map[string]any
	f.do("GET", fmt.Sprintf("/repos/o/r/check-runs/%d/annotations", first.ID), "", &anns)
	if len(anns) != 1 || anns[0]["path"] != "mysite/settings.py" || anns[0]["blob_href"] == nil {
		t.Errorf("annotations %v", anns)
	} else if v, ok := anns[0]["title"]; !ok || v != nil {
		t.Errorf("an annotation without a title: %v", anns[0])
	}

	list := func(query string) (int, []int64) {
		var out struct {
			TotalCount int   `json:"total_count"`
			CheckRuns  []run `json:"check_runs"`
		}
		f.do("GET", "/repos/o/r/commits/"+query, "", &out)
		var ids []int64
		for _, r := range out.CheckRuns {
			ids = append(ids, r.ID)
		}
		return out.TotalCount, ids
	}
	for _, c := range []struct {
		query string
		want  []int64
	}{
		{head + "/check-runs", []int64{second.ID, other}}, // latest of each name
		{head + "/check-runs?filter=all", []int64{second.ID, first.ID, other}},
		{head + "/check-runs?check_name=djsec", []int64{second.ID}},
		{head + "/check-runs?check_name=djsec&filter=all&status=completed", []int64{first.ID}},
		{head + "/check-runs?app_id=99", []int64{other}},
		{"feature/check-runs?filter=all&per_page=1&page=2", []int64{first.ID}},
		{"main/check-runs", nil},
	} {
		total, ids := list(c.query)
		if fmt.Sprint(ids) != fmt.Sprint(c.want) {
			t.Errorf("%s: %v (total %d), want %v", c.query, ids, total, c.want)
		}
		if strings.Contains(c.query, "per_page") && total != 3 {
			t.Errorf("%s: total_count %d, want all 3", c.query, total)
		}
	}
	if st, _ := f.do("GET", "/repos/o/r/commits/nope/check-runs", "", nil); st != 404 {
		t.Errorf("unknown ref: %d", st)
	}
}

func TestBudget(t *testing.T) {
	t.Parallel()
	f := newFixture(t) // one token exchange
	f.s.token(t, 1)    // and another
	r, _ := f.c.do("GET", "/repos/o/r", "")
	f.c.do("GET", "/repos/o/r", "", "If-None-Match", r.Header.Get("ETag")) // 304
	f.c.do("GET", "/repos/o/r/nothing", "")                                // 404, unknown route
	f.s.FailTimes("GET /repos/{owner}/{repo}", 1, 502)
	f.c.do("GET", "/repos/o/r", "")
	if n := f.s.Budget(); n != 4 {
		t.Errorf("budget %d, want 4:\n%s", n, f.s.BudgetReport())
	}
	if n := f.s.Count(TokenRoute, 201); n != 2 {
		t.Errorf("%d token exchanges", n)
	}
	if got := f.s.CallsExcept(TokenRoute, "GET /repos/{owner}/{repo}"); len(got) != 1 || got[0].Route != "" || got[0].Status != 404 {
		t.Errorf("CallsExcept: %+v", got)
	}
	want := "GET /repos/o/r → 200\nGET /repos/o/r → 304\nGET /repos/o/r/nothing → 404\nGET /repos/o/r → 502\n"
	if got := f.s.BudgetReport(); got != want {
		t.Errorf("report\n%s\nwant\n%s", got, want)
	}
	f.s.ResetRequests()
	if f.s.Budget() != 0 || len(f.s.Requests()) != 0 {
		t.Error("ResetRequests kept requests")
	}
}
