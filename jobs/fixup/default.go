package fixup

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/google/go-github/v88/github"

	"github.com/djsec/djsec/checks"
	"github.com/djsec/djsec/githubapp"
	"github.com/djsec/djsec/githubapp/repo"
	"github.com/djsec/djsec/jobs"
	"github.com/djsec/djsec/store"
)

// DefaultBranch is the fix-up branch of the default branch (`/djsec fix` on
// an issue, such as the audit issue).
const DefaultBranch = branchPrefix + "default"

// defaultKey is the fixups row of the default branch's fix-up: pull request
// numbers start at 1, so 0 is never a pull request's own row.
const defaultKey = 0

// RequestDefaultBranchFix is `/djsec fix [RULE...]` on an issue of the
// repository: it fixes the default branch's head through one commit on
// DefaultBranch and one pull request into the default branch, reused while
// it is open. It returns the reply's Markdown. issue is where the command
// was asked, for the log.
func (f *Fixup) RequestDefaultBranchFix(ctx context.Context, installation int64, fullName string, repoID int64, issue int, rules []string) (string, error) {
	log := jobs.Logger(ctx).With(slog.String("repo", fullName), slog.Int("issue", issue))
	ctx = githubapp.ContextWithLogger(ctx, log)
	owner, name, err := repo.SplitFullName(fullName)
	if err != nil {
		return "", fmt.Errorf("fixup: %w", err)
	}
	gh, err := f.clients.NewInstallationClient(installation)
	if errors.Is(err, githubapp.ErrNoCredentials) {
		return "djsec cannot open pull requests yet: the App has no credentials on this server.", nil
	}
	if err != nil {
		return "", fmt.Errorf("fixup: installation client: %w", err)
	}
	door, err := repo.New(gh, fullName)
	if err != nil {
		return "", fmt.Errorf("fixup: %w", err)
	}
	b := &build{f: f, repo: door, gh: gh, r: Request{Installation: installation, Repo: fullName, RepoID: repoID, Rules: rules}, owner: owner, name: name, log: log}
	for attempt := 0; ; attempt++ {
		reply, err := b.runDefault(ctx)
		if !errors.Is(err, errMoved) {
			return reply, err
		}
		if attempt == 1 {
			return "djsec could not build the fix-up pull request: the default branch moved twice while it was being built. " +
				"Ask again with `/djsec fix` once it is quiet.", nil
		}
		log.InfoContext(ctx, "the default branch moved while building the fix-up; rebuilding once")
	}
}

func (b *build) runDefault(ctx context.Context) (string, error) {
	rp, err := b.repo.Get(noCache(ctx))
	if err != nil {
		return "", fmt.Errorf("fixup: %w", err)
	}
	branch := rp.GetDefaultBranch()
	ref, _, err := b.gh.Git.GetRef(noCache(ctx), b.owner, b.name, "heads/"+branch)
	if githubapp.NotFound(err) {
		return fmt.Sprintf("The default branch `%s` has no commits: nothing to fix.", branch), nil
	}
	if err != nil {
		return "", fmt.Errorf("fixup: default branch %s: %w", branch, err)
	}
	head := ref.GetObject().GetSHA()

	row, err := b.f.db.Fixup(ctx, b.r.RepoID, defaultKey)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return "", err
	}
	if row.State == "open" && row.FixupPR != 0 {
		fp, _, err := b.gh.PullRequests.Get(noCache(ctx), b.owner, b.name, row.FixupPR)
		if err != nil && !githubapp.NotFound(err) {
			return "", fmt.Errorf("fixup: get fix-up #%d: %w", row.FixupPR, err)
		}
		if err != nil || fp.GetState() != "open" {
			// Merged or closed by a person: this request opens a new one.
			row.State = "dismissed"
		}
	}
	open := row.State == "open" && row.FixupPR != 0

	cfg, err := b.config(ctx, head)
	if err != nil {
		return "", err
	}
	if cfg.FixPRs == "off" {
		return fmt.Sprintf("Fix-up pull requests are turned off (`fix_prs: off` in `%s` on `%s`).", checks.ConfigPath, branch), nil
	}
	files, err := b.files(ctx, head)
	if err != nil {
		return "", err
	}
	in := checks.Input{Files: files, Config: cfg, Now: nowFunc()}
	before := checks.Analyze(ctx, in)
	rules := b.rules(before.Findings)
	if len(rules) == 0 {
		if open {
			if err := b.close(ctx, row, "the findings it fixed are gone from `"+branch+"`"); err != nil {
				return "", err
			}
		}
		return nothingReply(branch, b.r.Rules, nil), nil
	}
	res, err := b.f.engine.Fix(ctx, in, rules)
	if err != nil {
		return "", fmt.Errorf("fixup: fix: %w", err)
	}
	b.linkEdits(ctx, files, res)
	if len(res.Files) == 0 && len(res.Deleted) == 0 {
		if open {
			if err := b.close(ctx, row, "nothing djsec can fix is left on `"+branch+"`"); err != nil {
				return "", err
			}
		}
		return nothingReply(branch, b.r.Rules, res.Unfixed), nil
	}
	if bad := newFindings(ctx, in, before, res); len(bad) > 0 {
		b.log.ErrorContext(ctx, "the fixers' edits add findings; no fix-up", slog.Any("rules", bad))
		return "djsec's fixes for `" + branch + "` would have added findings of their own (" + strings.Join(bad, ", ") +
			"), so no pull request was opened. Please report this; the audit issue lists each finding's fix by hand.", nil
	}
	return b.publishDefault(ctx, row, open, branch, head, res)
}

// nothingReply says why no fix-up was opened.
func nothingReply(branch string, asked []string, unfixed []Unfixed) string {
	var sb strings.Builder
	switch {
	case len(unfixed) > 0:
		fmt.Fprintf(&sb, "djsec found nothing on `%s` it can fix safely.\n\n", branch)
		sb.WriteString(unfixedList(unfixed))
	case len(asked) > 0:
		fmt.Fprintf(&sb, "Nothing to fix: `%s` has no fixable finding of %s.", branch, strings.Join(asked, ", "))
	default:
		fmt.Fprintf(&sb, "Nothing to fix: `%s` has no critical finding djsec can fix. "+
			"Name a rule (`/djsec fix RULE`) to fix a less severe one.", branch)
	}
	return sb.String()
}

// publishDefault writes one commit on DefaultBranch (force-updated) and
// opens, or refreshes, the one pull request into the default branch.
func (b *build) publishDefault(ctx context.Context, row store.Fixup, open bool, branch, head string, res *Result) (string, error) {
	where := "`" + branch + "`"
	cm, step, err := b.commit(ctx, head, commitMessage(branch, res), res)
	if err != nil {
		return b.refusedReply(ctx, "", step, err)
	}
	now, _, err := b.gh.Git.GetRef(noCache(ctx), b.owner, b.name, "heads/"+branch)
	if err != nil {
		return "", fmt.Errorf("fixup: default branch %s: %w", branch, err)
	}
	if now.GetObject().GetSHA() != head {
		return "", errMoved
	}
	created := ""
	if _, _, err := b.gh.Git.GetRef(noCache(ctx), b.owner, b.name, "heads/"+DefaultBranch); githubapp.NotFound(err) {
		if _, _, err := b.gh.Git.CreateRef(ctx, b.owner, b.name, github.CreateRef{Ref: "refs/heads/" + DefaultBranch, SHA: cm.GetSHA()}); err != nil {
			return b.refusedReply(ctx, "", "create the branch "+DefaultBranch, err)
		}
		created = DefaultBranch
	} else if err != nil {
		return "", fmt.Errorf("fixup: branch %s: %w", DefaultBranch, err)
	} else if _, _, err := b.gh.Git.UpdateRef(ctx, b.owner, b.name, "heads/"+DefaultBranch, github.UpdateRef{SHA: cm.GetSHA(), Force: github.Ptr(true)}); err != nil {
		return b.refusedReply(ctx, "", "update the branch "+DefaultBranch, err)
	}

	title := title(branch, res)
	body := body(fmt.Sprintf("djsec's fixes for the findings on %s at %s.", where, head), res)
	number := 0
	if open {
		number = row.FixupPR
	} else {
		// GitHub's list is the truth when the row was lost or the pull
		// request was reopened by hand.
		prs, _, err := b.gh.PullRequests.List(noCache(ctx), b.owner, b.name, &github.PullRequestListOptions{State: "open", Head: b.owner + ":" + DefaultBranch})
		if err != nil {
			return b.refusedReply(ctx, created, "list pull requests", err)
		}
		if len(prs) > 0 {
			number = prs[0].GetNumber()
		}
	}
	verb := "refreshed"
	if number != 0 {
		if _, _, err := b.gh.PullRequests.Edit(ctx, b.owner, b.name, number, &github.PullRequest{Title: github.Ptr(title), Body: github.Ptr(body)}); err != nil {
			return b.refusedReply(ctx, created, "update the fix-up pull request", err)
		}
	} else {
		pr, _, err := b.gh.PullRequests.Create(ctx, b.owner, b.name, &github.NewPullRequest{
			Title: github.Ptr(title), Head: github.Ptr(DefaultBranch), Base: github.Ptr(branch), Body: github.Ptr(body),
		})
		if err != nil {
			return b.refusedReply(ctx, created, "open the fix-up pull request", err)
		}
		number, verb = pr.GetNumber(), "opened"
	}
	if err := b.f.db.SaveFixup(ctx, store.Fixup{RepoID: b.r.RepoID, PR: defaultKey, FixupPR: number, Branch: DefaultBranch, State: "open", HeadSHA: head}); err != nil {
		return "", err
	}
	b.log.InfoContext(ctx, "default-branch fix-up "+verb, slog.Int("fixup_pr", number))
	reply := fmt.Sprintf("djsec %s #%d with fixes for %s on %s (%s). Review it and merge it into %s, or close it if you disagree.",
		verb, number, plural(len(res.Changes), "change"), where, strings.Join(fixedRules(res), ", "), where)
	if len(res.Unfixed) > 0 {
		reply += fmt.Sprintf(" %s need a person: see the pull request's description.", plural(len(res.Unfixed), "finding"))
	}
	return reply, nil
}

// refusedReply is failed for a request that answers with a reply rather
// than a comment: the branch this attempt created is deleted, a refused
// write becomes the reply, and other errors are retried.
func (b *build) refusedReply(ctx context.Context, createdBranch, what string, err error) (string, error) {
	if createdBranch != "" {
		if _, derr := b.gh.Git.DeleteRef(context.WithoutCancel(ctx), b.owner, b.name, "heads/"+createdBranch); derr != nil {
			b.log.WarnContext(ctx, "deleting the fix-up branch after a failure", slog.String("error", derr.Error()))
		}
	}
	if !refused(err) {
		return "", fmt.Errorf("fixup: %s: %w", what, err)
	}
	b.log.WarnContext(ctx, "GitHub refused the fix-up", slog.String("step", what), slog.String("error", err.Error()))
	return refusal(what, err), nil
}
