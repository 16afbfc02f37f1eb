package githubtest

import (
	"strconv"
	"testing"
)

// MergeQueueBranch is the temporary branch a merge queue builds a group
// on: gh-readonly-queue/BASE/pr-NUMBER-HEADSHA. Commit to it (Repo.Commit
// starts it from the default branch) to stand for the group's merge
// commit, then send MergeGroupEvent.
func MergeQueueBranch(base string, number int, prHeadSHA string) string {
	return "gh-readonly-queue/" + base + "/pr-" + strconv.Itoa(number) + "-" + prHeadSHA
}

// MergeGroupEvent builds the body of a merge_group webhook with action
// ("checks_requested", "destroyed") for the group whose commit is the tip
// of queueBranch, merging into base, from GitHub's example payload:
// merge_group.head_sha, head_ref, base_sha, base_ref and head_commit as
// the fake has them, repository, installation and sender.
func (s *Server) MergeGroupEvent(t testing.TB, repo *Repo, action, queueBranch, base string, opts ...EventOption) []byte {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	head, baseSHA := repo.branches[queueBranch], repo.branches[base]
	if head == "" || baseSHA == "" {
		t.Fatalf("githubtest: MergeGroupEvent: %s has no branch %q or %q", repo.FullName(), queueBranch, base)
	}
	cfg := eventConfig{sender: "octocat"}
	for _, o := range opts {
		o(&cfg)
	}
	payload, err := examplePayload("merge_group.checks_requested")
	if err != nil {
		t.Fatal(err)
	}
	exRepo := exampleRepo(payload)
	payload["action"] = action
	if action == "destroyed" {
		payload["reason"] = "merged"
	}
	c := repo.commits[head]
	date := c.date.UTC().Format("2006-01-02T15:04:05Z")
	person := map[string]any{"name": c.author, "email": c.author + "@users.noreply.github.com"}
	group, _ := payload["merge_group"].(map[string]any)
	payload["merge_group"] = overlay(group, map[string]any{
		"head_sha": head, "head_ref": "refs/heads/" + queueBranch,
		"base_sha": baseSHA, "base_ref": "refs/heads/" + base,
		"head_commit": map[string]any{
			"id": head, "tree_id": treeSHA(c), "message": c.message, "timestamp": date,
			"author": person, "committer": person,
		},
	})
	if err := s.envelope(repo, payload, cfg.sender); err != nil {
		t.Fatal(err)
	}
	retarget(payload, s.repoReplacer(exRepo, repo.FullName()))
	return marshalEvent(t, payload)
}
