package server

import (
	"context"

	"github.com/djsec/djsec/jobs"
	"github.com/djsec/djsec/jobs/auditrun"
	"github.com/djsec/djsec/jobs/commandrun"
	"github.com/djsec/djsec/jobs/fixup"
)

// commandFixer runs `/djsec fix [RULE...]` through the fix-up pull
// requests: on a pull request a fix-up into its head branch, on an issue
// (such as the audit issue) one into the default branch. The work is a
// fix-up job of its own (QueueFix); Fix, the same work done at once, is
// what a server without a queue would run.
type commandFixer struct{ f *fixup.Fixup }

func (c commandFixer) Fix(ctx context.Context, r commandrun.Request) (string, error) {
	if !r.IsPullRequest {
		return c.f.RequestDefaultBranchFix(ctx, r.Origin.Installation, r.Origin.Repo, r.Origin.RepoID, r.Number, r.Rules)
	}
	if err := c.f.RequestFixRules(ctx, r.Origin.Installation, r.Origin.Repo, r.Origin.RepoID, r.Number, r.Rules); err != nil {
		return "", err
	}
	return "Done: djsec's comment on this pull request links the fix-up pull request, or says which findings need a person.", nil
}

func (c commandFixer) QueueFix(_ context.Context, r commandrun.Request) (string, func(context.Context, int64) error, error) {
	start := func(ctx context.Context, reply int64) error {
		return c.f.QueueCommand(ctx, jobs.FixupArgs{Origin: r.Origin, Number: r.Number, PullRequest: r.IsPullRequest,
			Rules: r.Rules, Reply: reply, Sender: r.Sender})
	}
	return fixup.Pending(r.IsPullRequest), start, nil
}

// commandAuditor runs `/djsec audit`: it queues a forced audit of the
// repository, which updates (or creates) the audit issue.
type commandAuditor struct{ a auditrun.Auditor }

func (c commandAuditor) Audit(ctx context.Context, r commandrun.Request) (string, error) {
	if err := c.a.AuditNow(ctx, r.Origin.Installation, r.Origin.RepoID, r.Origin.Repo); err != nil {
		return "", err
	}
	return "The audit of the default branch is queued: the issue \"djsec: Django security audit\" is updated within a few minutes.", nil
}
