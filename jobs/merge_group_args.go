package jobs

import (
	"log/slog"
	"strings"
)

// KindMergeGroup is a merge queue's request for checks on a merge group.
const KindMergeGroup = "merge_group"

// MergeGroupArgs: a merge queue built a merge group and asks for its
// required checks (merge_group checks_requested). A repository that makes
// `djsec` a required check and merges through a queue waits until the
// group's head commit has a completed djsec run: the check (package
// checkrun) posts it on HeadSHA, judged against the queue's base like a
// pull request against its base branch.
type MergeGroupArgs struct {
	Origin
	Action string `json:"action"`
	// HeadSHA is the merge group's commit: the queue's base plus the
	// queued pull requests; the check run goes on it.
	HeadSHA string `json:"head_sha"`
	// HeadRef is the group's temporary branch,
	// refs/heads/gh-readonly-queue/BASE/pr-N-SHA.
	HeadRef string `json:"head_ref"`
	// BaseSHA and BaseRef are the commit and branch the group merges
	// into (BaseRef as GitHub sends it, refs/heads/main).
	BaseSHA string `json:"base_sha"`
	BaseRef string `json:"base_ref"`
}

func (MergeGroupArgs) Kind() string { return KindMergeGroup }
func (a MergeGroupArgs) LogAttrs() []slog.Attr {
	return []slog.Attr{slog.String("action", a.Action), slog.String("head_sha", a.HeadSHA),
		slog.String("head_ref", a.HeadRef), slog.String("base_ref", a.BaseRef)}
}

// BaseBranch is BaseRef without refs/heads/: the branch name the contents
// API and .github/djsec.yml lookups take.
func (a MergeGroupArgs) BaseBranch() string { return strings.TrimPrefix(a.BaseRef, "refs/heads/") }
