package fixup

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/google/go-github/v88/github"

	"github.com/djsec/djsec/githubapp"
	"github.com/djsec/djsec/githubapp/repo"
	"github.com/djsec/djsec/jobs"
)

// Inserter queues jobs (jobs.Queue).
type Inserter interface {
	Insert(ctx context.Context, args jobs.Args) (int64, error)
}

// UseQueue makes the button and `/djsec fix` queue a fix-up job
// (jobs.FixupArgs) instead of building the fix-up inside the job that
// asked; the queue is built after its processors, hence a setter.
func (f *Fixup) UseQueue(q Inserter) {
	f.mu.Lock()
	f.queue = q
	f.mu.Unlock()
}

func (f *Fixup) inserter() Inserter {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.queue
}

// Register registers the fix-up kind.
func (f *Fixup) Register(r *jobs.Registry) {
	jobs.Register[jobs.FixupArgs](r, f)
}

// PendingMarker ends the part of djsec's reply to `/djsec fix` that the
// fix-up job replaces with its outcome.
const PendingMarker = "<!-- djsec:fixup-pending -->"

// Pending is the reply to `/djsec fix` while the job waits or runs.
func Pending(pullRequest bool) string {
	into := "into the default branch"
	if pullRequest {
		into = "into this pull request's branch"
	}
	return "Queued: djsec is building the fix-up pull request " + into +
		". This reply is edited with its link, or with what needs a person, once it is done. " + PendingMarker + "\n"
}

// QueueCommand queues the fix-up `/djsec fix` asked for; reply is djsec's
// reply to the command, edited with the outcome.
func (f *Fixup) QueueCommand(ctx context.Context, a jobs.FixupArgs) error {
	q := f.inserter()
	if q == nil {
		return errors.New("fixup: no queue to put the fix-up job in")
	}
	a.Trigger = jobs.FixupByCommand
	if _, err := q.Insert(ctx, a); err != nil {
		return fmt.Errorf("fixup: queue the fix-up of #%d: %w", a.Number, err)
	}
	return nil
}

// Process runs one fix-up job: the fix-up of a pull request or of the
// default branch, then, for a command, the edit of djsec's reply with the
// outcome. A failure is retried (FixupMaxAttempts); after the last attempt
// the reply says so instead of promising a link for ever.
func (f *Fixup) Process(ctx context.Context, job jobs.Job[jobs.FixupArgs]) error {
	a := job.Args
	var outcome string
	var err error
	if a.PullRequest {
		outcome, err = f.run(ctx, Request{Installation: a.Installation, Repo: a.Repo, RepoID: a.RepoID, PR: a.Number, Rules: a.Rules, Reply: a.Reply != 0})
	} else {
		outcome, err = f.RequestDefaultBranchFix(ctx, a.Installation, a.Repo, a.RepoID, a.Number, a.Rules)
	}
	err = permanent(err)
	if a.Reply == 0 {
		return err
	}
	if err != nil {
		if job.Attempt < job.MaxAttempts && !errors.Is(err, jobs.ErrPermanent) && ctx.Err() == nil {
			return err
		}
		jobs.Logger(ctx).WarnContext(ctx, "fix-up failed for good; saying so in the reply", slog.String("error", err.Error()))
		outcome = fmt.Sprintf("djsec could not build the fix-up pull request: GitHub or djsec failed %d times in a row (last: %s). "+
			"Nothing half-written was left behind; ask again with `/djsec fix` later.", job.Attempt, firstLine(err.Error()))
		if why, ok := githubapp.Permanent(err); ok {
			outcome = fmt.Sprintf("djsec cannot build the fix-up pull request: GitHub refuses it for good (%s).", why)
		}
	}
	if rerr := f.editReply(ctx, a, outcome); rerr != nil {
		return errors.Join(err, permanent(rerr))
	}
	return err
}

// permanent marks one of GitHub's permanent refusals (an archived
// repository, a repository or installation gone) as jobs.ErrPermanent: no
// retry gets another answer, not even the edit of the reply.
func permanent(err error) error {
	if why, ok := githubapp.Permanent(err); ok && !errors.Is(err, jobs.ErrPermanent) {
		return fmt.Errorf("%s: %w: %w", why, jobs.ErrPermanent, err)
	}
	return err
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// editReply replaces the pending part of djsec's reply with the outcome;
// a reply someone deleted becomes a new comment.
func (f *Fixup) editReply(ctx context.Context, a jobs.FixupArgs, outcome string) error {
	owner, name, err := repo.SplitFullName(a.Repo)
	if err != nil {
		return fmt.Errorf("fixup: %w", err)
	}
	gh, err := f.clients.NewInstallationClient(a.Installation)
	if err != nil {
		return fmt.Errorf("fixup: installation client: %w", err)
	}
	c, _, err := gh.Issues.GetComment(noCache(ctx), owner, name, a.Reply)
	if githubapp.NotFound(err) {
		_, _, err = gh.Issues.CreateComment(ctx, owner, name, a.Number, &github.IssueComment{Body: github.Ptr(outcome)})
		if err != nil {
			return fmt.Errorf("fixup: comment the outcome on #%d: %w", a.Number, err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("fixup: read reply %d: %w", a.Reply, err)
	}
	body := replacePending(c.GetBody(), outcome)
	if body == c.GetBody() {
		return nil // already edited (a retry after the edit landed)
	}
	if _, _, err := gh.Issues.EditComment(ctx, owner, name, a.Reply, &github.IssueComment{Body: github.Ptr(truncate(body))}); err != nil {
		return fmt.Errorf("fixup: edit reply %d: %w", a.Reply, err)
	}
	return nil
}

// replacePending swaps the paragraph that ends in PendingMarker for the
// outcome; a body without the marker is left as it is.
func replacePending(body, outcome string) string {
	i := strings.Index(body, PendingMarker)
	if i < 0 {
		return body
	}
	start := strings.LastIndex(body[:i], "\n\n") + 1
	if start > 0 {
		start++
	}
	end := i + len(PendingMarker)
	return body[:start] + strings.TrimRight(outcome, "\n") + body[end:]
}

// askedRules names the rules a command asked for, for "nothing to fix".
func (b *build) askedRules() string {
	if len(b.r.Rules) == 0 {
		return " among its critical findings"
	}
	return " for " + strings.Join(b.r.Rules, ", ")
}
