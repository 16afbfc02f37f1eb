package handlers_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/djsec/djsec/jobs"
	"github.com/djsec/djsec/metrics"
)

// edit returns the example payload name with f applied to its decoded JSON.
func edit(t *testing.T, name string, f func(p map[string]any)) []byte {
	t.Helper()
	var p map[string]any
	if err := json.Unmarshal(payload(t, name), &p); err != nil {
		t.Fatal(err)
	}
	f(p)
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func obj(p map[string]any, key string) map[string]any { return p[key].(map[string]any) }

// Every example payload GitHub publishes for the events djsec handles,
// through the whole intake, to the job it queues (or why it does not).
func TestRouting(t *testing.T) {
	t.Parallel()
	origin := jobs.Origin{Delivery: "guid", Installation: 1, Repo: "Codertocat/Hello-World", RepoID: 186853002}
	tests := []struct {
		name    string
		event   string
		body    func(t *testing.T) []byte
		want    jobs.Args // nil: not queued
		outcome string
	}{
		{"pull request opened", "pull_request", file("pull_request.opened"), jobs.PullRequestArgs{Origin: origin, Action: "opened", Number: 2,
			HeadSHA: "ec26c3e57ca3a959ca5aad62de7213c562f8c821", HeadRef: "changes", BaseSHA: "f95f852bd8fca8fcc58a9a2d6c842781e32a215e", BaseRef: "master",
			UpdatedAt: time.Date(2019, 5, 15, 15, 20, 33, 0, time.UTC), ChangedFiles: 1}, metrics.OutcomeQueued},
		{"pull request synchronize", "pull_request", file("pull_request.synchronize"), nil, metrics.OutcomeQueued},
		{"merge group checks requested", "merge_group", file("merge_group.checks_requested"), jobs.MergeGroupArgs{
			Origin: jobs.Origin{Delivery: "guid", Installation: 1, Repo: "octo-org/octo-repo", RepoID: 17273051}, Action: "checks_requested",
			HeadSHA: "2ffea6db159f6b6c47a24e778fb9ef40cf6b1c7d", HeadRef: "refs/heads/gh-readonly-queue/main/pr-104-929f8209d40f77f4abc622a499c93a83babdbe64",
			BaseSHA: "380387fbc80638b734a49e1be1c4dfec1c01b33c", BaseRef: "refs/heads/main"}, metrics.OutcomeQueued},
		{"merge group destroyed", "merge_group", func(t *testing.T) []byte {
			return edit(t, "merge_group.checks_requested", func(p map[string]any) { p["action"] = "destroyed"; p["reason"] = "merged" })
		}, nil, metrics.OutcomeIgnored},
		{"merge group without a head", "merge_group", func(t *testing.T) []byte {
			return edit(t, "merge_group.checks_requested", func(p map[string]any) { delete(p, "merge_group") })
		}, nil, metrics.OutcomeIgnored},
		{"pull request closed", "pull_request", file("pull_request.closed"), nil, metrics.OutcomeQueued},
		{"pull request labeled", "pull_request", file("pull_request.labeled"), nil, metrics.OutcomeIgnored},
		{"pull request from a fork", "pull_request", func(t *testing.T) []byte {
			return edit(t, "pull_request.opened", func(p map[string]any) {
				obj(obj(obj(p, "pull_request"), "head"), "repo")["id"] = 99
			})
		}, nil, metrics.OutcomeQueued},
		{"pull request edited, title only", "pull_request", func(t *testing.T) []byte {
			return edit(t, "pull_request.opened", func(p map[string]any) {
				p["action"] = "edited"
				p["changes"] = map[string]any{"title": map[string]any{"from": "x"}}
			})
		}, nil, metrics.OutcomeIgnored},
		{"pull request retargeted", "pull_request", func(t *testing.T) []byte {
			return edit(t, "pull_request.opened", func(p map[string]any) {
				p["action"] = "edited"
				p["changes"] = map[string]any{"base": map[string]any{"ref": map[string]any{"from": "dev"}}}
			})
		}, nil, metrics.OutcomeQueued},
		{"pull request, repository webhook (no installation)", "pull_request", func(t *testing.T) []byte {
			return edit(t, "pull_request.opened", func(p map[string]any) { delete(p, "installation") })
		}, nil, metrics.OutcomeIgnored},
		{"comment", "issue_comment", file("issue_comment.created"), jobs.CommentArgs{Origin: origin, Action: "created", Number: 1,
			CommentID: 492700400, Body: "You are totally right! I'll get this fixed right away.", Author: "Codertocat", AuthorAssociation: "OWNER", CommentVersion: "2019-05-15T15:20:21Z"}, metrics.OutcomeQueued},
		{"comment on a pull request", "issue_comment", func(t *testing.T) []byte {
			return edit(t, "issue_comment.created", func(p map[string]any) {
				obj(p, "issue")["pull_request"] = map[string]any{"url": "https://api.github.com/repos/Codertocat/Hello-World/pulls/1"}
			})
		}, nil, metrics.OutcomeQueued},
		{"comment by a bot", "issue_comment", func(t *testing.T) []byte {
			return edit(t, "issue_comment.created", func(p map[string]any) {
				obj(p, "sender")["type"] = "Bot"
				obj(obj(p, "comment"), "user")["type"] = "Bot"
			})
		}, nil, metrics.OutcomeIgnored},
		{"comment edited", "issue_comment", func(t *testing.T) []byte {
			return edit(t, "issue_comment.created", func(p map[string]any) { p["action"] = "edited" })
		}, nil, metrics.OutcomeIgnored},
		{"comment body edited", "issue_comment", func(t *testing.T) []byte {
			return edit(t, "issue_comment.created", func(p map[string]any) {
				p["action"] = "edited"
				p["changes"] = map[string]any{"body": map[string]any{"from": "/djsec help"}}
			})
		}, jobs.CommentArgs{Origin: origin, Action: "edited", Number: 1, CommentID: 492700400,
			Body: "You are totally right! I'll get this fixed right away.", Author: "Codertocat", AuthorAssociation: "OWNER",
			PreviousBody: "/djsec help", CommentVersion: "2019-05-15T15:20:21Z"}, metrics.OutcomeQueued},
		// Nothing djsec does follows from an issue's changes (the audit
		// issue is found again by its marker when it was deleted): the App
		// no longer subscribes, and one an older manifest still sends is
		// not queued.
		{"audit issue edited", "issues", func(t *testing.T) []byte {
			return edit(t, "issues.edited", func(p map[string]any) { p["installation"] = map[string]any{"id": 1} })
		}, nil, metrics.OutcomeUnhandled},
		// Every push requests a suite; its pull_request event queues the check.
		{"check suite requested for us", "check_suite", file("check_suite.requested"), nil, metrics.OutcomeIgnored},
		{"check suite re-run by a bot", "check_suite", file("check_suite.rerequested"), nil, metrics.OutcomeQueued},
		{"another app's check run re-run", "check_run", file("check_run.rerequested"), nil, metrics.OutcomeIgnored},
		{"our check run re-run", "check_run", func(t *testing.T) []byte {
			return edit(t, "check_run.rerequested", func(p map[string]any) { obj(obj(p, "check_run"), "app")["id"] = ourApp })
		}, nil, metrics.OutcomeQueued},
		{"button on another app's check run", "check_run", file("check_run.requested_action"), nil, metrics.OutcomeIgnored},
		{"button on our check run", "check_run", func(t *testing.T) []byte {
			return edit(t, "check_run.requested_action", func(p map[string]any) { obj(obj(p, "check_run"), "app")["id"] = ourApp })
		}, nil, metrics.OutcomeQueued},
		{"push to the default branch", "push", file("push.branch"), jobs.PushArgs{Origin: origin, Ref: "refs/heads/master",
			Before: "0000000000000000000000000000000000000000", After: "6113728f27ae82c7b1a177c8d03f9e96e0adf246", DefaultBranch: "master"}, metrics.OutcomeQueued},
		{"push of a tag", "push", file("push.tag"), nil, metrics.OutcomeIgnored},
		{"installed", "installation", file("installation.created"), nil, metrics.OutcomeQueued},
		{"uninstalled", "installation", file("installation.deleted"), nil, metrics.OutcomeQueued},
		{"repositories added", "installation_repositories", file("installation_repositories.added"), nil, metrics.OutcomeQueued},
		{"repositories removed", "installation_repositories", file("installation_repositories.removed"), nil, metrics.OutcomeQueued},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t, secret)
			rec := s.do(signed(tt.event, "guid", tt.body(t)))
			if !containsOutcome(rec.Body.String(), tt.outcome) {
				t.Fatalf("status %d %s; want outcome %s", rec.Code, rec.Body, tt.outcome)
			}
			calls := s.queue.enqueued()
			if tt.outcome != metrics.OutcomeQueued {
				if len(calls) != 0 {
					t.Fatalf("queued %+v", calls[0].args)
				}
				return
			}
			if len(calls) != 1 {
				t.Fatalf("%d jobs queued", len(calls))
			}
			got := calls[0].args
			if got.JobOrigin().Delivery != "guid" || got.JobOrigin().Installation == 0 {
				t.Errorf("origin %+v", got.JobOrigin())
			}
			if tt.want != nil && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("job\n got %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func file(name string) func(t *testing.T) []byte {
	return func(t *testing.T) []byte { return payload(t, name) }
}

func containsOutcome(body, outcome string) bool {
	var b map[string]any
	if json.Unmarshal([]byte(body), &b) != nil {
		return false
	}
	return b["outcome"] == outcome || (b["error"] != nil && outcome == "")
}

// The kinds queued for each family, and their key fields.
func TestRoutingKinds(t *testing.T) {
	t.Parallel()
	s := newServer(t, secret)
	prFork := edit(t, "pull_request.opened", func(p map[string]any) {
		obj(obj(obj(p, "pull_request"), "head"), "repo")["id"] = 99
	})
	ours := edit(t, "check_run.requested_action", func(p map[string]any) { obj(obj(p, "check_run"), "app")["id"] = ourApp })
	s.do(signed("pull_request", "fork", prFork))
	s.do(signed("check_run", "button", ours))
	s.do(signed("check_suite", "suite", payload(t, "check_suite.rerequested")))
	s.do(signed("installation", "inst", payload(t, "installation.created")))
	s.do(signed("installation_repositories", "removed", payload(t, "installation_repositories.removed")))
	calls := s.queue.enqueued()
	if len(calls) != 5 {
		t.Fatalf("%d calls", len(calls))
	}
	if a := calls[0].args.(jobs.PullRequestArgs); !a.Fork {
		t.Errorf("fork PR not marked: %+v", a)
	}
	if a := calls[1].args.(jobs.CheckActionArgs); a.Identifier == "" || a.CheckRunID == 0 {
		t.Errorf("check action %+v", a)
	}
	if a := calls[2].args.(jobs.CheckRerunArgs); a.Event != "check_suite" || a.HeadSHA == "" || a.CheckSuiteID == 0 {
		t.Errorf("check rerun %+v", a)
	}
	if a := calls[3].args.(jobs.InstallationArgs); a.Account != "Codertocat" || len(a.Added) != 1 || a.Added[0] != "Codertocat/Hello-World" {
		t.Errorf("installation %+v", a)
	}
	if a := calls[4].args.(jobs.InstallationArgs); len(a.Removed) == 0 || a.Action != "removed" {
		t.Errorf("installation_repositories %+v", a)
	}
	if calls[2].event != "check_suite" || calls[2].action != "rerequested" {
		t.Errorf("delivery row event/action %q/%q", calls[2].event, calls[2].action)
	}
}

func TestCheckEventsIgnoredWhileAppIDUnknown(t *testing.T) {
	t.Parallel()
	s := newServerWithAppID(t, 0)
	rec := s.do(signed("check_suite", "x", payload(t, "check_suite.rerequested")))
	if !containsOutcome(rec.Body.String(), metrics.OutcomeIgnored) || len(s.queue.enqueued()) != 0 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}
