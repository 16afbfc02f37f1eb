// Package commandrun is the job side of the `/djsec` commands: for a
// comment made or edited on an issue or a pull request it reads the
// commands (package commands), checks who may run each, runs them in
// order and answers with one reply.
//
// One job, in order:
//
//  1. comments by bots and djsec itself are left alone; an edit is run
//     again only when the commands in it changed (commands.Changed).
//  2. the rate limit (store's command_uses): past it, one reply saying so,
//     then silence until the minute is over.
//  3. 👀 on the comment: the first call to GitHub, so the person sees the
//     command was seen.
//  4. each command: mutating ones need write, maintain or admin on the
//     repository, asked of the API (author_association grants nothing),
//     and, when .github/djsec.yml's commands key narrows it, a listed
//     login or an active membership of a listed team; every mutating
//     command is recorded in the audit log (command_log).
//  5. one reply with every command's result, or djsec's earlier reply to
//     the same comment updated; then 🚀 when all went well, 😕 otherwise.
package commandrun

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/google/go-github/v88/github"

	"github.com/djsec/djsec/githubapp"
	"github.com/djsec/djsec/githubapp/repo"
	"github.com/djsec/djsec/jobs"
	"github.com/djsec/djsec/jobs/checkrun/review"
	"github.com/djsec/djsec/jobs/commandrun/commands"
	"github.com/djsec/djsec/store"
)

// Defaults of Options.
const (
	// DefaultPermissionTTL bounds how long a permission answer is trusted:
	// someone whose write access was removed loses the commands within it.
	DefaultPermissionTTL = 5 * time.Minute
	// DefaultRateLimit commands per user and repository per DefaultRateWindow.
	DefaultRateLimit  = 10
	DefaultRateWindow = time.Minute
)

// Clients hands out installation clients (githubapp.ClientCreator).
type Clients interface {
	NewInstallationClient(installationID int64) (*github.Client, error)
}

// Rechecker runs the pull request check again (checkrun.Processor).
type Rechecker interface {
	Recheck(ctx context.Context, o jobs.Origin, pr int, headSHA, lease string) error
}

// Request is a fix or audit command someone allowed to write asked for.
type Request struct {
	Origin jobs.Origin
	// Number is the issue or pull request the comment is on.
	Number        int
	IsPullRequest bool
	// Rules limits a fix to these rule IDs (none: every fixable finding).
	Rules  []string
	Sender string
}

// Fixer opens or refreshes fix-up pull requests (the fix-up issue
// implements it). It returns the reply's Markdown.
type Fixer interface {
	Fix(ctx context.Context, r Request) (string, error)
}

// FixQueuer is a Fixer whose work runs in a job of its own, with its own
// timeout and retries: QueueFix answers at once (the reply's Markdown, that
// the fix-up is queued) and returns start, which queues the job once the
// reply exists, so the job can edit that reply with the outcome.
type FixQueuer interface {
	QueueFix(ctx context.Context, r Request) (md string, start func(ctx context.Context, reply int64) error, err error)
}

// Auditor audits the repository and updates the audit issue (the audit
// issue implements it). It returns the reply's Markdown.
type Auditor interface {
	Audit(ctx context.Context, r Request) (string, error)
}

// Options configure a Processor.
type Options struct {
	Clients Clients   // required
	DB      *store.DB // required
	// Rechecker runs /djsec recheck; nil: the command says it is not
	// available.
	Rechecker Rechecker
	// Fixer and Auditor run /djsec fix and /djsec audit; nil: the command
	// says the feature is not available on this server.
	Fixer   Fixer
	Auditor Auditor
	// BotLogin is djsec's own login ("djsec[bot]"), whose comments are
	// never read; logins ending in [bot] are skipped anyway.
	BotLogin      string
	PermissionTTL time.Duration
	RateLimit     int
	RateWindow    time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Processor runs the commands of comments. It is safe for concurrent use:
// one per server.
type Processor struct {
	clients   Clients
	db        *store.DB
	rechecker Rechecker
	fixer     Fixer
	auditor   Auditor
	botLogin  string
	ttl       time.Duration
	limit     int
	window    time.Duration
	now       func() time.Time

	// people remembers permissions and team memberships for ttl.
	people *repo.People
}

// New builds a Processor.
func New(o Options) (*Processor, error) {
	if o.Clients == nil || o.DB == nil {
		return nil, errors.New("commandrun: Clients and DB are required")
	}
	p := &Processor{
		clients: o.Clients, db: o.DB, rechecker: o.Rechecker, fixer: o.Fixer, auditor: o.Auditor,
		botLogin: strings.ToLower(o.BotLogin), ttl: o.PermissionTTL, limit: o.RateLimit, window: o.RateWindow, now: o.Now,
	}
	if p.ttl <= 0 {
		p.ttl = DefaultPermissionTTL
	}
	if p.limit <= 0 {
		p.limit = DefaultRateLimit
	}
	if p.window <= 0 {
		p.window = DefaultRateWindow
	}
	if p.now == nil {
		p.now = time.Now
	}
	p.people = repo.NewPeople(p.ttl, p.now)
	return p, nil
}

// Register registers the comment kind: the /djsec commands.
func (p *Processor) Register(r *jobs.Registry) {
	jobs.Register[jobs.CommentArgs](r, p)
}

// Ignores returns the ignores check runs of pull request pr honour: the
// repository-wide ones and pr's own (for checkrun.Options.Ignores).
func (p *Processor) Ignores(ctx context.Context, repoID int64, pr int) ([]review.Ignore, error) {
	return ReviewIgnores(ctx, p.db, repoID, pr)
}

// ReviewIgnores loads the ignores that apply to pull request pr as
// review takes them.
func ReviewIgnores(ctx context.Context, db *store.DB, repoID int64, pr int) ([]review.Ignore, error) {
	if pr == 0 {
		return nil, nil
	}
	igs, err := db.Ignores(ctx, repoID, pr)
	if err != nil {
		return nil, err
	}
	out := make([]review.Ignore, 0, len(igs))
	for _, ig := range igs {
		out = append(out, review.Ignore{Rule: ig.Rule, PathGlob: ig.PathGlob, Reason: ig.Reason, By: ig.By, Until: ig.Until, PROnly: ig.PR != 0})
	}
	return out, nil
}

// job is one comment's run.
type job struct {
	p *Processor
	// repo is the door to the repository: its configuration (read at
	// most once per job and ref, only when a command needs it) and who
	// may run commands.
	repo        *repo.Repo
	gh          *github.Client
	a           jobs.CommentArgs
	owner, name string
	lease       string
	log         *slog.Logger
}

// Process runs the commands of one comment.
func (p *Processor) Process(ctx context.Context, jb jobs.Job[jobs.CommentArgs]) error {
	a := jb.Args
	log := jobs.Logger(ctx)
	if p.isBot(a.Author) {
		log.DebugContext(ctx, "comment by a bot; ignored")
		return nil
	}
	if a.Action == "edited" && !commands.Changed(a.PreviousBody, a.Body) {
		log.DebugContext(ctx, "edit did not change the commands; nothing to run")
		return nil
	}
	now := p.now().UTC()
	cmds := commands.Parse(a.Body, now)
	owner, name, err := repo.SplitFullName(a.Repo)
	if err != nil {
		return err
	}
	if len(cmds) == 0 && a.Action != "edited" {
		return nil
	}
	// One answer per version of a comment: a replayed delivery, or an
	// older edit arriving after a newer one, runs nothing; an edit made
	// while the first version is still being answered waits for that
	// reply and then edits it, instead of posting a second one.
	// An edit, or a retry of this job, answers in the reply already made
	// (prior: its ID, 0 when there is none yet).
	claim, prior, err := p.db.ClaimComment(ctx, a.RepoID, a.CommentID, commentVersion(a, jb.CreatedAt), jb.ID)
	switch {
	case err != nil:
		return err
	case claim == store.ClaimSkip:
		log.InfoContext(ctx, "this version of the comment was already answered (a replay or an older edit); nothing to run")
		return nil
	case claim == store.ClaimBusy:
		return fmt.Errorf("comment %d: an earlier version is still being answered; retrying to edit its reply", a.CommentID)
	}
	if len(cmds) == 0 && prior == 0 {
		return nil
	}

	// The limit is read before any call to GitHub, so that silence costs
	// nothing.
	used, noticed, err := p.db.CommandUses(ctx, a.RepoID, a.Author, now.Add(-p.window))
	if err != nil {
		return err
	}
	allowed := min(len(cmds), max(p.limit-used, 0))
	if len(cmds) > 0 && allowed == 0 && noticed {
		log.InfoContext(ctx, "rate limited; already told, staying silent", slog.Int("used", used))
		return nil
	}

	gh, err := p.clients.NewInstallationClient(a.Installation)
	switch {
	case errors.Is(err, githubapp.ErrNoCredentials):
		return jobs.NoCredentials("the commands are not run")
	case err != nil:
		return fmt.Errorf("installation client: %w", err)
	}
	ctx = githubapp.ContextWithLogger(ctx, log)
	r, err := repo.New(gh, a.Repo, repo.WithPeople(p.people))
	if err != nil {
		return err
	}
	j := &job{p: p, repo: r, gh: gh, a: a, owner: owner, name: name, lease: fmt.Sprintf("comment %d job %d attempt %d", a.CommentID, jb.ID, jb.Attempt), log: log}

	if err := j.react(ctx, "eyes"); err != nil {
		return err
	}
	if len(cmds) == 0 {
		_, err := j.reply(ctx, prior, "The comment no longer holds `/djsec` commands; nothing was run.\n", true)
		return err
	}
	if err := p.db.RecordCommandUses(ctx, a.RepoID, a.Author, now, allowed, allowed < len(cmds)); err != nil {
		return err
	}

	var results []result
	for i, c := range cmds {
		if i >= allowed {
			results = append(results, result{cmd: c, md: fmt.Sprintf(
				"Not run: djsec runs at most %d commands per person and repository per minute. Try again in a minute.\n", p.limit)})
			continue
		}
		results = append(results, j.run(ctx, c))
	}
	allOK := true
	for _, r := range results {
		allOK = allOK && r.ok
	}
	reply, err := j.reply(ctx, prior, render(results), allOK)
	if err != nil {
		return err
	}
	// Work that edits the reply when it is done starts once the reply
	// exists. A failure retries the comment job, which edits the same
	// reply and queues again (queued fix-ups are unique while they wait).
	for _, r := range results {
		if r.start != nil && r.ok {
			if err := r.start(ctx, reply); err != nil {
				return err
			}
		}
	}
	return nil
}

func (p *Processor) isBot(login string) bool {
	l := strings.ToLower(login)
	return l == "" || strings.HasSuffix(l, "[bot]") || (p.botLogin != "" && l == p.botLogin)
}

// result is one command's answer.
type result struct {
	cmd commands.Command
	ok  bool
	md  string // Markdown
	// start runs once the reply exists (FixQueuer).
	start func(ctx context.Context, reply int64) error
}

// render is the reply: one section per command.
func render(rs []result) string {
	var b strings.Builder
	for i, r := range rs {
		if i > 0 {
			b.WriteString("\n---\n\n")
		}
		mark := "✅"
		if !r.ok {
			mark = "❌"
		}
		if r.cmd.Err == nil {
			b.WriteString(mark + " " + codeSpan(r.cmd.String()) + "\n\n")
		} else {
			b.WriteString(mark + " ")
		}
		b.WriteString(r.md)
		if !strings.HasSuffix(r.md, "\n") {
			b.WriteString("\n")
		}
	}
	return b.String()
}

// reply posts the answer, or updates djsec's earlier reply to the same
// comment, then reacts with the outcome. It returns the reply's ID.
func (j *job) reply(ctx context.Context, prior int64, body string, ok bool) (int64, error) {
	body = truncateBody(body)
	if prior != 0 {
		_, _, err := j.gh.Issues.EditComment(ctx, j.owner, j.name, prior, &github.IssueComment{Body: github.Ptr(body)})
		switch {
		case err == nil:
		case githubapp.NotFound(err):
			// Someone deleted the reply: answer anew.
			prior = 0
		default:
			return 0, repo.Wrap("update reply", err)
		}
	}
	if prior == 0 {
		c, _, err := j.gh.Issues.CreateComment(ctx, j.owner, j.name, j.a.Number, &github.IssueComment{Body: github.Ptr(body)})
		if err != nil {
			return 0, repo.Wrap("reply", err)
		}
		if err := j.p.db.SaveCommandReply(ctx, j.a.RepoID, j.a.CommentID, c.GetID()); err != nil {
			return 0, err
		}
		prior = c.GetID()
	}
	reaction := "rocket"
	if !ok {
		reaction = "confused"
	}
	return prior, j.react(ctx, reaction)
}

func (j *job) react(ctx context.Context, content string) error {
	_, _, err := j.gh.Reactions.CreateIssueCommentReaction(ctx, j.owner, j.name, j.a.CommentID, content)
	if err != nil {
		if githubapp.NotFound(err) {
			// The comment is gone: nothing to answer.
			return fmt.Errorf("react %s: the comment is gone: %w: %w", content, jobs.ErrPermanent, err)
		}
		return repo.Wrap("react "+content, err)
	}
	return nil
}

// maxBody keeps a reply under GitHub's 65,536 characters.
const maxBody = 65000

func truncateBody(s string) string {
	r := []rune(s)
	if len(r) <= maxBody {
		return s
	}
	return string(r[:maxBody]) + "\n\n… (reply cut at GitHub's size limit)\n"
}

// commentVersion orders the versions of a comment: GitHub's updated_at
// (one-second precision), then created before edited, then the body, so
// a replay compares equal and an edit in the same second still counts.
// A payload without updated_at falls back to when the job was queued.
func commentVersion(a jobs.CommentArgs, queued time.Time) string {
	at := a.CommentVersion
	if at == "" {
		at = queued.UTC().Format(time.RFC3339Nano)
	}
	rank := "0"
	if a.Action == "edited" {
		rank = "1"
	}
	sum := sha256.Sum256([]byte(a.Body))
	return at + "|" + rank + "|" + hex.EncodeToString(sum[:8])
}
