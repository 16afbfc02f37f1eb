package githubtest

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
)

// GitHub's own example payloads (copies of the repository's
// testdata/webhooks files, which say where they come from; a test keeps
// the two the same). The event builders below start from them and put in
// the fake's state, so that a handler under test reads what GitHub sends
// with values the fake answers to. Fields the fake does not model keep the
// example's values.
//
//go:embed testdata/webhooks/*.json
var examplePayloads embed.FS

func examplePayload(name string) (map[string]any, error) {
	data, err := examplePayloads.ReadFile("testdata/webhooks/" + name + ".json")
	if err != nil {
		return nil, fmt.Errorf("githubtest: example payload %s: %w", name, err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("githubtest: example payload %s: %w", name, err)
	}
	return m, nil
}

// overlay writes over's values into base, descending into objects both
// have, and returns base.
func overlay(base, over map[string]any) map[string]any {
	for k, v := range over {
		bm, ok1 := base[k].(map[string]any)
		om, ok2 := v.(map[string]any)
		if ok1 && ok2 {
			base[k] = overlay(bm, om)
			continue
		}
		base[k] = v
	}
	return base
}

// retarget rewrites, in every string of v, the example's URLs that the
// overlay left (the many *_url fields the fake does not model) so that
// nothing points at the example's repository or at api.github.com.
func retarget(v any, r *strings.Replacer) any {
	switch x := v.(type) {
	case string:
		return r.Replace(x)
	case map[string]any:
		for k, e := range x {
			x[k] = retarget(e, r)
		}
	case []any:
		for i, e := range x {
			x[i] = retarget(e, r)
		}
	}
	return v
}

// repoReplacer maps the example repository's URLs to repo's (fullName).
func (s *Server) repoReplacer(example, fullName string, extra ...string) *strings.Replacer {
	pairs := append(extra,
		"https://api.github.com/repos/"+example, s.URL+"/repos/"+fullName,
		"https://github.com/"+example, "https://github.com/"+fullName,
		"git@github.com:"+example, "git@github.com:"+fullName,
		"git://github.com/"+example, "git://github.com/"+fullName,
		"http://github.com/"+example, "https://github.com/"+fullName,
		"https://api.github.com", s.URL,
		example, fullName,
	)
	return strings.NewReplacer(pairs...)
}

func exampleRepo(payload map[string]any) string {
	repo, _ := payload["repository"].(map[string]any)
	return str(repo["full_name"])
}

// EventOption adjusts an event payload.
type EventOption func(*eventConfig)

type eventConfig struct {
	sender string
	appID  int64
}

// Sender sets the event's sender: who pushed, clicked the button or asked
// for the re-run. Default: the pull request's author for pull_request
// events, "octocat" otherwise.
func Sender(login string) EventOption { return func(c *eventConfig) { c.sender = login } }

// FromApp makes a check_run or check_suite event belong to another app:
// check_run.app.id and check_suite.app.id are appID instead of AppID().
func FromApp(appID int64) EventOption { return func(c *eventConfig) { c.appID = appID } }

// SetDraft marks pull request number as a draft or ready for review.
func (r *Repo) SetDraft(number int, draft bool) {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	if p, ok := r.pulls[number]; ok {
		p.Draft = draft
		p.UpdatedAt = r.s.now()
	}
}

// installationOf returns the installation that can see r (s.mu held).
func (s *Server) installationOf(r *Repo) *Installation {
	ids := make([]int64, 0, len(s.installations))
	for id := range s.installations {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		if s.installations[id].repos[r.key()] {
			return s.installations[id]
		}
	}
	return nil
}

// envelope fills what every event of the app carries: repository,
// installation, sender (s.mu held).
func (s *Server) envelope(r *Repo, payload map[string]any, sender string) error {
	inst := s.installationOf(r)
	if inst == nil {
		return fmt.Errorf("githubtest: no installation can see %s", r.FullName())
	}
	repo, _ := payload["repository"].(map[string]any)
	if repo == nil {
		repo = map[string]any{}
	}
	payload["repository"] = overlay(repo, s.repoJSON(r))
	payload["installation"] = map[string]any{"id": inst.ID, "node_id": fmt.Sprintf("MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9u%d", inst.ID)}
	snd, _ := payload["sender"].(map[string]any)
	if snd == nil {
		snd = map[string]any{}
	}
	payload["sender"] = overlay(snd, s.userJSON(sender, userType(sender)))
	if org, ok := payload["organization"].(map[string]any); ok {
		payload["organization"] = overlay(org, s.userJSON(r.Owner, "Organization"))
	}
	return nil
}

func marshalEvent(t testing.TB, payload map[string]any) []byte {
	t.Helper()
	data, err := json.Marshal(payload)
	if err != nil {
		t.Fatalf("githubtest: %v", err)
	}
	return data
}

// PullRequestEvent builds the body of a pull_request webhook with action
// ("opened", "synchronize", "reopened", "ready_for_review", ...) for pull
// request number as the fake has it now, from GitHub's example payload:
// number, action, the pull request (head and base sha, ref and repo, a
// fork's own head.repo, draft, changed_files, additions, deletions,
// commits, updated_at), "before" and "after" for synchronize, repository,
// installation and sender.
func (s *Server) PullRequestEvent(t testing.TB, repo *Repo, number int, action string, opts ...EventOption) []byte {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := repo.pulls[number]
	if !ok {
		t.Fatalf("githubtest: PullRequestEvent: %s has no pull request #%d", repo.FullName(), number)
	}
	cfg := eventConfig{sender: p.User}
	for _, o := range opts {
		o(&cfg)
	}
	example := "pull_request.opened"
	switch action {
	case "synchronize", "closed":
		example = "pull_request." + action
	}
	payload, err := examplePayload(example)
	if err != nil {
		t.Fatal(err)
	}
	exRepo, exNum := exampleRepo(payload), fmt.Sprint(payload["number"])
	payload["action"] = action
	payload["number"] = p.Number
	pr, _ := payload["pull_request"].(map[string]any)
	pr = overlay(pr, s.pullJSON(repo, p))
	payload["pull_request"] = pr
	if p.HeadRepo != "" {
		head := pr["head"].(map[string]any)
		head["repo"] = retarget(head["repo"], s.repoReplacer(exRepo, p.HeadRepo))
	}
	n := fmt.Sprint(p.Number)
	retarget(payload, s.repoReplacer(exRepo, repo.FullName(),
		"https://api.github.com/repos/"+exRepo+"/pulls/"+exNum, s.URL+"/repos/"+repo.FullName()+"/pulls/"+n,
		"https://api.github.com/repos/"+exRepo+"/issues/"+exNum, s.URL+"/repos/"+repo.FullName()+"/issues/"+n,
		"https://github.com/"+exRepo+"/pull/"+exNum, "https://github.com/"+repo.FullName()+"/pull/"+n,
	))
	delete(payload, "before")
	delete(payload, "after")
	if action == "synchronize" {
		before := p.Before
		if before == "" {
			if c := repo.commits[p.HeadSHA]; c != nil {
				before = c.parent
			}
		}
		payload["before"], payload["after"] = before, p.HeadSHA
	}
	if err := s.envelope(repo, payload, cfg.sender); err != nil {
		t.Fatal(err)
	}
	return marshalEvent(t, payload)
}

// CheckRunEvent builds the body of a check_run webhook with action
// ("rerequested", "requested_action", "created", "completed") for check
// run checkRunID, from GitHub's example payload; identifier is the
// requested_action's identifier (requested_action only). The run's app is
// the fake's app unless the run was added with another AppID or FromApp
// says otherwise.
func (s *Server) CheckRunEvent(t testing.TB, repo *Repo, action string, checkRunID int64, identifier string, opts ...EventOption) []byte {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	cr, ok := repo.checkRuns[checkRunID]
	if !ok {
		t.Fatalf("githubtest: CheckRunEvent: %s has no check run %d", repo.FullName(), checkRunID)
	}
	cfg := eventConfig{sender: "octocat", appID: s.runAppID(cr)}
	for _, o := range opts {
		o(&cfg)
	}
	example := "check_run.rerequested"
	if action == "requested_action" {
		example = "check_run.requested_action"
	}
	payload, err := examplePayload(example)
	if err != nil {
		t.Fatal(err)
	}
	exRepo := exampleRepo(payload)
	payload["action"] = action
	run := s.checkRunJSON(repo, cr)
	run["app"].(map[string]any)["id"] = cfg.appID
	run["check_suite"] = s.checkSuiteJSON(repo, cfg.appID, cr.HeadSHA)
	exampleRun, _ := payload["check_run"].(map[string]any)
	payload["check_run"] = overlay(exampleRun, run)
	delete(payload, "requested_action")
	if action == "requested_action" {
		payload["requested_action"] = map[string]any{"identifier": identifier}
	}
	if err := s.envelope(repo, payload, cfg.sender); err != nil {
		t.Fatal(err)
	}
	retarget(payload, s.repoReplacer(exRepo, repo.FullName()))
	return marshalEvent(t, payload)
}

// CheckSuiteEvent builds the body of a check_suite webhook with action
// ("requested", "rerequested", "completed") for the app's check suite on
// headSHA, from GitHub's example payload.
func (s *Server) CheckSuiteEvent(t testing.TB, repo *Repo, action, headSHA string, opts ...EventOption) []byte {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if repo.commits[headSHA] == nil {
		t.Fatalf("githubtest: CheckSuiteEvent: %s has no commit %s", repo.FullName(), headSHA)
	}
	cfg := eventConfig{sender: "octocat", appID: s.app.ID}
	for _, o := range opts {
		o(&cfg)
	}
	example := "check_suite.rerequested"
	if action == "requested" {
		example = "check_suite.requested"
	}
	payload, err := examplePayload(example)
	if err != nil {
		t.Fatal(err)
	}
	exRepo := exampleRepo(payload)
	payload["action"] = action
	suite, _ := payload["check_suite"].(map[string]any)
	payload["check_suite"] = overlay(suite, s.checkSuiteJSON(repo, cfg.appID, headSHA))
	if err := s.envelope(repo, payload, cfg.sender); err != nil {
		t.Fatal(err)
	}
	retarget(payload, s.repoReplacer(exRepo, repo.FullName()))
	return marshalEvent(t, payload)
}

// checkSuiteJSON is the app's check suite on sha as webhooks show it. Its
// status and conclusion are those of the app's latest run there ("queued"
// and null without one).
func (s *Server) checkSuiteJSON(r *Repo, appID int64, sha string) map[string]any {
	c := r.commits[sha]
	id := r.suiteID(appID, sha)
	var runs []*CheckRun
	for _, cr := range r.checkRuns {
		if cr.HeadSHA == sha && s.runAppID(cr) == appID {
			runs = append(runs, cr)
		}
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].ID < runs[j].ID })
	status, conclusion := "queued", any(nil)
	if len(runs) > 0 {
		last := runs[len(runs)-1]
		status, conclusion = last.Status, nullable(last.Conclusion)
	}
	app := s.appJSON(s.app)
	app["id"] = appID
	var before any
	if c != nil && c.parent != "" {
		before = c.parent
	}
	date := ""
	if c != nil {
		date = c.date.UTC().Format("2006-01-02T15:04:05Z")
	}
	m := map[string]any{
		"id": id, "node_id": fmt.Sprintf("CS_%d", id),
		"head_branch": s.headBranch(r, sha), "head_sha": sha,
		"status": status, "conclusion": conclusion,
		"url":    fmt.Sprintf("%s/repos/%s/check-suites/%d", s.URL, r.FullName(), id),
		"before": before, "after": sha,
		"pull_requests": s.prRefsJSON(r, sha), "app": app,
		"created_at": date, "updated_at": date,
		"latest_check_runs_count": len(runs),
		"check_runs_url":          fmt.Sprintf("%s/repos/%s/check-suites/%d/check-runs", s.URL, r.FullName(), id),
	}
	if c != nil {
		person := map[string]any{"name": c.author, "email": c.author + "@users.noreply.github.com"}
		m["head_commit"] = map[string]any{
			"id": c.sha, "tree_id": treeSHA(c), "message": c.message, "timestamp": date,
			"author": person, "committer": person,
		}
	}
	return m
}

// headBranch names a branch whose tip is sha: an open pull request's head
// first, else any branch (by name), else nil.
func (s *Server) headBranch(r *Repo, sha string) any {
	for _, n := range sortedPulls(r) {
		if p := r.pulls[n]; p.State == "open" && p.HeadSHA == sha {
			return p.HeadRef
		}
	}
	for _, b := range sortedKeys(r.branches) {
		if r.branches[b] == sha {
			return b
		}
	}
	return nil
}
