package commandrun

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/djsec/djsec/checks"
	"github.com/djsec/djsec/githubapp"
	"github.com/djsec/djsec/githubapp/repo"
	"github.com/djsec/djsec/jobs/commandrun/commands"
	"github.com/djsec/djsec/store"
)

// notAvailable answers fix and audit on a server built without them.
const notAvailable = "This djsec server does not offer %s yet, so nothing was done. The check run and the other commands work as usual."

// run runs one command: its answer never claims what did not happen.
func (j *job) run(ctx context.Context, c commands.Command) result {
	r := result{cmd: c}
	if c.Err != nil {
		r.md = c.Err.Markdown()
		return r
	}
	if c.Mutating() {
		acc, err := j.repo.CanRun(ctx, j.a.Author)
		switch {
		case errors.Is(err, repo.ErrPermissionUnknown):
			j.log.WarnContext(ctx, "permission check failed", slog.String("error", err.Error()))
			r.md = "Not run: djsec could not ask GitHub for your permission on this repository. Try again later.\n"
			j.audit(ctx, c, false, "permission check failed")
			return r
		case err != nil:
			j.log.WarnContext(ctx, "commands narrowing check failed", slog.String("error", err.Error()))
			r.md = "Not run: djsec could not read who this repository's `.github/djsec.yml` lets run commands. Try again later. Nothing was changed.\n"
			j.audit(ctx, c, false, "narrowing check failed")
			return r
		case acc.Refused == repo.RefusedPermission:
			r.md = fmt.Sprintf("Not run: %s needs the write, maintain or admin permission on this repository; you have %s. Nothing was changed.\n",
				codeSpan("/djsec "+string(c.Name)), codeSpan(acc.Permission))
			j.log.InfoContext(ctx, "command refused", slog.String("command", string(c.Name)), slog.String("permission", acc.Permission))
			j.audit(ctx, c, false, "refused: permission "+acc.Permission)
			return r
		case acc.Refused == repo.RefusedAllowList:
			r.md = "Not run: " + acc.Why + " Nothing was changed.\n"
			j.log.InfoContext(ctx, "command refused by the commands key", slog.String("command", string(c.Name)))
			j.audit(ctx, c, false, "refused: not allowed by .github/djsec.yml commands")
			return r
		}
	}
	var err error
	switch c.Name {
	case commands.Help:
		r.md, r.ok = commands.HelpMarkdown(), true
		return r
	case commands.Explain:
		r.md, r.ok = explain(c.Rule), true
		return r
	case commands.Ignores:
		r.md, err = j.listIgnores(ctx)
	case commands.Config:
		r.md, err = j.config(ctx)
	case commands.Ignore:
		r.md, err = j.ignore(ctx, c)
	case commands.Unignore:
		r.md, err = j.unignore(ctx, c)
	case commands.Recheck:
		r.md, err = j.recheck(ctx)
	case commands.Fix:
		if j.p.fixer == nil {
			err = userError(fmt.Sprintf(notAvailable, "fix-up pull requests"))
		} else if q, ok := j.p.fixer.(FixQueuer); ok {
			r.md, r.start, err = q.QueueFix(ctx, j.request(c))
		} else {
			r.md, err = j.p.fixer.Fix(ctx, j.request(c))
		}
	case commands.Audit:
		if j.p.auditor == nil {
			err = userError(fmt.Sprintf(notAvailable, "the repository audit"))
		} else {
			r.md, err = j.p.auditor.Audit(ctx, j.request(c))
		}
	default:
		err = userError("djsec does not know how to run this command.")
	}
	r.ok = err == nil
	if err != nil {
		var ue userError
		if errors.As(err, &ue) {
			r.md = string(ue) + "\n"
		} else {
			j.log.WarnContext(ctx, "command failed", slog.String("command", string(c.Name)), slog.String("error", err.Error()))
			r.md = "The command failed on djsec's side; nothing more was done. Try again later.\n"
		}
	}
	if c.Mutating() {
		j.audit(ctx, c, r.ok, firstLine(r.md))
	}
	return r
}

// userError is an answer for the person, in Markdown: the command could
// not do what it asks, for a reason they can act on.
type userError string

func (e userError) Error() string { return string(e) }

func (j *job) request(c commands.Command) Request {
	return Request{Origin: j.a.Origin, Number: j.a.Number, IsPullRequest: j.a.IsPullRequest, Rules: c.Rules, Sender: j.a.Author}
}

// audit records a mutating command in the audit log. A failure to record
// is logged, not fatal: the command already ran.
func (j *job) audit(ctx context.Context, c commands.Command, ok bool, res string) {
	err := j.p.db.LogCommand(ctx, store.CommandLogEntry{
		RepoID: j.a.RepoID, Repo: j.a.Repo, Number: j.a.Number, CommentID: j.a.CommentID,
		Login: j.a.Author, Command: c.String(), OK: ok, Result: res, At: j.p.now().UTC(),
	})
	if err != nil {
		j.log.ErrorContext(ctx, "audit log", slog.String("error", err.Error()))
	}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

func explain(id string) string {
	r, ok := checks.LookupRule(id)
	if !ok {
		return "Unknown rule " + codeSpan(id) + ".\n"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "**%s** (%s, %s): %s\n\n", r.ID, codeSpan(r.Slug), r.Severity, r.Title)
	if r.FiresWhen != "" {
		b.WriteString("Fires when " + r.FiresWhen + "\n\n")
	}
	if r.Doc != "" {
		b.WriteString(strings.TrimSpace(r.Doc) + "\n\n")
	}
	if r.Fix != "" {
		b.WriteString("**How to fix.** " + strings.TrimSpace(r.Fix) + "\n\n")
	}
	if u := r.DocsURL(); u != "" {
		b.WriteString("More: " + u + "\n")
	}
	return b.String()
}

func (j *job) ignore(ctx context.Context, c commands.Command) (string, error) {
	pr := 0
	if c.PROnly {
		if !j.a.IsPullRequest {
			return "", userError("`--pr` limits an ignore to a pull request; this comment is on an issue. Nothing was changed.")
		}
		pr = j.a.Number
	}
	replaced, err := j.p.db.AddIgnore(ctx, store.Ignore{
		RepoID: j.a.RepoID, Rule: c.Rule, PathGlob: c.PathGlob, PR: pr, Reason: c.Reason, By: j.a.Author,
		CreatedAt: j.p.now().UTC(), Until: c.Until,
	})
	if err != nil {
		return "", err
	}
	verb := "Ignoring"
	if replaced {
		verb = "Updated the ignore: ignoring"
	}
	return verb + " " + ignoreScope(c.Rule, c.PathGlob, pr, c.Until) + ". Reason: " + codeSpan(c.Reason) +
		". Check runs from now on show its findings as suppressed; `/djsec recheck` applies it to this pull request's current check.\n", nil
}

func (j *job) unignore(ctx context.Context, c commands.Command) (string, error) {
	pr := 0
	if j.a.IsPullRequest {
		pr = j.a.Number
	}
	n, err := j.p.db.RemoveIgnores(ctx, j.a.RepoID, c.Rule, c.PathGlob, pr)
	if err != nil {
		return "", err
	}
	if n == 0 {
		return "", userError("There is no ignore of " + ignoreScope(c.Rule, c.PathGlob, 0, time.Time{}) +
			" to remove; `/djsec ignores` lists them (the rule and the glob must match exactly). Nothing was changed.")
	}
	return fmt.Sprintf("Removed %d ignore(s) of %s: its findings are reported again from the next check run.\n",
		n, ignoreScope(c.Rule, c.PathGlob, 0, time.Time{})), nil
}

func ignoreScope(rule, glob string, pr int, until time.Time) string {
	s := codeSpan(rule)
	if r, ok := checks.LookupRule(rule); ok {
		s += " (" + r.Slug + ")"
	}
	if glob == "" {
		s += " in every file"
	} else {
		s += " in " + codeSpan(glob)
	}
	if pr != 0 {
		s += fmt.Sprintf(" for pull request #%d only", pr)
	} else {
		s += " repository-wide"
	}
	if !until.IsZero() {
		s += " until " + until.Format(time.DateOnly)
	}
	return s
}

func (j *job) listIgnores(ctx context.Context) (string, error) {
	igs, err := j.p.db.Ignores(ctx, j.a.RepoID, 0)
	if err != nil {
		return "", err
	}
	trail, err := j.trail(ctx)
	if err != nil {
		return "", err
	}
	if len(igs) == 0 {
		return "This repository has no ignores. " + codeSpan(commands.Usage(commands.Ignore)) + " makes one.\n" + trail, nil
	}
	now := j.p.now()
	var b strings.Builder
	b.WriteString("| Rule | Files | Scope | Reason | By | Since | Until |\n| --- | --- | --- | --- | --- | --- | --- |\n")
	for _, ig := range igs {
		files := "every file"
		if ig.PathGlob != "" {
			files = codeSpan(ig.PathGlob)
		}
		scope := "repository"
		if ig.PR != 0 {
			scope = fmt.Sprintf("#%d only", ig.PR)
		}
		until := "no expiry"
		if !ig.Until.IsZero() {
			until = ig.Until.Format(time.DateOnly)
			if !now.Before(ig.Until) {
				until += " (expired)"
			}
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", codeSpan(ig.Rule), files, scope,
			tableCell(codeSpan(ig.Reason)), codeSpan(ig.By), ig.CreatedAt.Format(time.DateOnly), until)
	}
	return b.String() + trail, nil
}

// maxTrail is how many of the latest ignore and unignore commands the
// trail shows.
const maxTrail = 20

// trail is the audit log's latest ignore and unignore commands, refused
// ones included, collapsed under the list.
func (j *job) trail(ctx context.Context) (string, error) {
	log, err := j.p.db.CommandLog(ctx, j.a.RepoID)
	if err != nil {
		return "", err
	}
	var rows []string
	for i := len(log) - 1; i >= 0 && len(rows) < maxTrail; i-- {
		e := log[i]
		if !strings.HasPrefix(e.Command, "/djsec ignore ") && !strings.HasPrefix(e.Command, "/djsec unignore ") {
			continue
		}
		outcome := "done"
		if !e.OK {
			outcome = "not done: " + e.Result
		}
		where := ""
		if e.Number != 0 {
			where = fmt.Sprintf("#%d", e.Number)
		}
		rows = append(rows, fmt.Sprintf("| %s | %s | %s | %s | %s |", e.At.Format("2006-01-02 15:04"), codeSpan(e.Login), where,
			tableCell(codeSpan(e.Command)), tableCell(outcome)))
	}
	if len(rows) == 0 {
		return "", nil
	}
	return "\n<details><summary>Latest ignore changes</summary>\n\n| When (UTC) | Who | Where | Command | Outcome |\n| --- | --- | --- | --- | --- |\n" +
		strings.Join(rows, "\n") + "\n\n</details>\n", nil
}

// tableCell keeps a value inside its table cell: a | would end it.
func tableCell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

func (j *job) recheck(ctx context.Context) (string, error) {
	if !j.a.IsPullRequest {
		return "", userError("`/djsec recheck` checks a pull request; this comment is on an issue. Nothing was run.")
	}
	if j.p.rechecker == nil {
		return "", userError(fmt.Sprintf(notAvailable, "rechecks"))
	}
	pull, _, err := j.gh.PullRequests.Get(githubapp.WithoutETagCache(ctx), j.owner, j.name, j.a.Number)
	if err != nil {
		return "", repo.Wrap("get pull request", err)
	}
	if pull.GetState() != "open" {
		return "", userError("This pull request is closed: djsec checks open pull requests only. Nothing was run.")
	}
	head := pull.GetHead().GetSHA()
	if err := j.p.rechecker.Recheck(ctx, j.a.Origin, j.a.Number, head, j.lease); err != nil {
		return "", err
	}
	return "Checked " + codeSpan(repo.Short(head)) + " again: the djsec check run shows the result.\n", nil
}

// config answers /djsec config: every setting of .github/djsec.yml on the
// branch pull requests are checked against (a pull request's base, else
// the default branch), with its value and where it comes from.
func (j *job) config(ctx context.Context) (string, error) {
	ref := ""
	if j.a.IsPullRequest {
		pull, _, err := j.gh.PullRequests.Get(githubapp.WithoutETagCache(ctx), j.owner, j.name, j.a.Number)
		if err != nil {
			return "", repo.Wrap("get pull request", err)
		}
		ref = pull.GetBase().GetRef()
	} else {
		r, err := j.repo.Get(ctx)
		if err != nil {
			return "", err
		}
		ref = r.GetDefaultBranch()
	}
	c, err := j.repo.Config(ctx, ref)
	if msg, ok := repo.Unreadable(err); ok {
		return "", userError(codeSpan(checks.ConfigPath) + " is " + msg + ".")
	}
	if err != nil {
		return "", err
	}
	return configMarkdown(c.Data, c.Found(), c.Ref), nil
}
