// Package fixup opens djsec's fix-up pull requests: for a pull request with
// fixable findings it reads the files the fixers need at the pull request's
// head, lets the fixers edit them, and publishes the edits. A branch of the
// same repository gets one commit on djsec/fix/pr-<n> (made through the Git
// Data API from the head commit) and a pull request into the head branch;
// a fork, which djsec cannot push to, gets one review with suggestions.
package fixup

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/google/go-github/v88/github"

	"github.com/djsec/djsec/checks"
	"github.com/djsec/djsec/githubapp"
	"github.com/djsec/djsec/githubapp/repo"
	"github.com/djsec/djsec/jobs"
	"github.com/djsec/djsec/jobs/checkrun/review"
	"github.com/djsec/djsec/store"
)

// Result is what the fixers made of the files (package fixes' Result).
type Result struct {
	Files   map[string][]byte // changed or added files, whole
	Deleted []string
	Changes []Change
	Fixed   []checks.Finding
	Unfixed []Unfixed
	EnvVars []EnvVar
}

// Change is one edit, for the pull request body.
type Change struct{ Rule, Path, Description string }

// Unfixed is a finding the fixers left for a person, and why.
type Unfixed struct {
	Finding checks.Finding
	Reason  string
}

// EnvVar is an environment variable the fixed settings read.
type EnvVar struct{ Name, Description, Example string }

// Engine edits files (package fixes behind an adapter). It must not do I/O.
type Engine interface {
	Fix(ctx context.Context, in checks.Input, rules []string) (*Result, error)
}

// EngineFunc adapts a function to Engine.
type EngineFunc func(ctx context.Context, in checks.Input, rules []string) (*Result, error)

// Fix calls f.
func (f EngineFunc) Fix(ctx context.Context, in checks.Input, rules []string) (*Result, error) {
	return f(ctx, in, rules)
}

// Clients hands out installation clients (githubapp.ClientCreator).
type Clients interface {
	NewInstallationClient(installationID int64) (*github.Client, error)
}

// Options configure a Fixup.
type Options struct {
	Clients Clients   // required
	DB      *store.DB // required
	Engine  Engine    // required
	// MaxFiles bounds how many files are read at head (default 200).
	MaxFiles int
}

// Fixup opens, refreshes and closes fix-up pull requests. Safe for
// concurrent use.
type Fixup struct {
	clients  Clients
	db       *store.DB
	engine   Engine
	maxFiles int

	mu    sync.Mutex
	queue Inserter
}

// New builds a Fixup.
func New(o Options) (*Fixup, error) {
	if o.Clients == nil || o.DB == nil || o.Engine == nil {
		return nil, errors.New("fixup: Clients, DB and Engine are required")
	}
	if o.MaxFiles <= 0 {
		o.MaxFiles = 200
	}
	return &Fixup{clients: o.Clients, db: o.DB, engine: o.Engine, maxFiles: o.MaxFiles}, nil
}

// Request is one ask for a fix-up.
type Request struct {
	Installation int64
	Repo         string // owner/name
	RepoID       int64
	PR           int
	// Rules limits the fix to these rules (IDs); none: every fix-up
	// target (checks.FixUpTarget: critical findings and the checklist's
	// critical issues).
	Rules []string
	// Auto: a push, not a person, asked; honours fix_prs and stays quiet
	// when there is nothing to fix.
	Auto bool
	// Reply: the outcome goes into djsec's reply to the command that
	// asked, so it is not also commented on the pull request.
	Reply bool
}

// RequestFix implements checkrun's FixRequester: the check run's "Open fix-up
// PR" button.
func (f *Fixup) RequestFix(ctx context.Context, r jobs.FixRequest) error {
	if r.PR == 0 {
		jobs.Logger(ctx).InfoContext(ctx, "fix button on a commit without a known pull request; ignored")
		return nil
	}
	if q := f.inserter(); q != nil {
		// A job of its own: its timeout and retries are not the button
		// job's.
		_, err := q.Insert(ctx, jobs.FixupArgs{Origin: r.Origin, Number: r.PR, PullRequest: true, Trigger: jobs.FixupByButton})
		if err != nil {
			return fmt.Errorf("fixup: queue the fix-up of #%d: %w", r.PR, err)
		}
		return nil
	}
	return f.Run(ctx, Request{Installation: r.Origin.Installation, Repo: r.Origin.Repo, RepoID: r.Origin.RepoID, PR: r.PR})
}

// RequestFixRules is what `/djsec fix [RULE...]` calls: any fixable rule
// named, every fix-up target (checks.FixUpTarget) when none is.
func (f *Fixup) RequestFixRules(ctx context.Context, installation int64, repo string, repoID int64, pr int, rules []string) error {
	return f.Run(ctx, Request{Installation: installation, Repo: repo, RepoID: repoID, PR: pr, Rules: rules})
}

// AfterCheck is the automatic trigger after a pull request push: it opens
// or refreshes the fix-up only when the base branch's fix_prs is auto, and
// closes a stale one whatever the setting.
func (f *Fixup) AfterCheck(ctx context.Context, installation int64, repo string, repoID int64, pr int) error {
	return f.Run(ctx, Request{Installation: installation, Repo: repo, RepoID: repoID, PR: pr, Auto: true})
}

// errMoved: the head branch moved while the fix-up was being built.
var errMoved = errors.New("the pull request's head moved")

// Run does one request: at most one rebuild when the head moves.
func (f *Fixup) Run(ctx context.Context, r Request) error {
	_, err := f.run(ctx, r)
	return err
}

// run is Run returning the outcome (Markdown), for a reply.
func (f *Fixup) run(ctx context.Context, r Request) (string, error) {
	log := jobs.Logger(ctx).With(slog.String("repo", r.Repo), slog.Int("pr", r.PR))
	ctx = githubapp.ContextWithLogger(ctx, log)
	owner, name, err := repo.SplitFullName(r.Repo)
	if err != nil {
		return "", fmt.Errorf("fixup: %w", err)
	}
	gh, err := f.clients.NewInstallationClient(r.Installation)
	if errors.Is(err, githubapp.ErrNoCredentials) {
		log.WarnContext(ctx, "the App has no credentials yet: no fix-up")
		return "djsec cannot open pull requests yet: the App has no credentials on this server.", nil
	}
	if err != nil {
		return "", fmt.Errorf("fixup: installation client: %w", err)
	}
	door, err := repo.New(gh, r.Repo)
	if err != nil {
		return "", fmt.Errorf("fixup: %w", err)
	}
	b := &build{f: f, repo: door, gh: gh, r: r, owner: owner, name: name, log: log}
	for attempt := 0; ; attempt++ {
		b.outcome = ""
		err = b.run(ctx)
		if !errors.Is(err, errMoved) {
			if b.outcome == "" && err == nil {
				b.outcome = "Nothing was done: the pull request is gone."
			}
			return b.outcome, err
		}
		if attempt == 1 {
			log.InfoContext(ctx, "the head moved twice while building the fix-up; giving up")
			return b.outcome, b.comment(ctx, r.PR, "djsec could not build the fix-up pull request: the branch moved twice while it was being built. "+
				"Push again or ask with `/djsec fix` once the branch is quiet.")
		}
		log.InfoContext(ctx, "the head moved while building the fix-up; rebuilding once")
	}
}

func (b *build) comment(ctx context.Context, n int, body string) error {
	if b.r.Reply && n == b.r.PR {
		b.outcome = body
		return nil
	}
	_, _, err := b.gh.Issues.CreateComment(ctx, b.owner, b.name, n, &github.IssueComment{Body: github.Ptr(body)})
	if err != nil {
		return fmt.Errorf("fixup: comment on #%d: %w", n, err)
	}
	return nil
}

// Branch is the fix-up branch of pull request n.
func Branch(n int) string { return fmt.Sprintf("%spr-%d", branchPrefix, n) }

const branchPrefix = "djsec/fix/"

var nowFunc = time.Now

// AfterReview is checkrun's AfterCheck hook: after the check run of a push
// it opens or refreshes the fix-up when the base branch says `fix_prs: auto`
// and the review holds fix-up targets, and refreshes (or closes)
// a fix-up that is already open. Otherwise it returns at once, without a
// call to GitHub, so the check run's call budget holds.
func (f *Fixup) AfterReview(ctx context.Context, o jobs.Origin, pr int, cfg *checks.Config, res *review.Result) error {
	row, err := f.db.Fixup(ctx, o.RepoID, pr)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("fixup: read state of #%d: %w", pr, err)
	}
	open := err == nil && row.State == "open" && row.FixupPR != 0
	auto := cfg != nil && cfg.FixPRs == "auto" && fixableCritical(res)
	if !open && !auto {
		return nil
	}
	return f.AfterCheck(ctx, o.Installation, o.Repo, o.RepoID, pr)
}

// fixableCritical reports whether the review found a fix-up target
// (checks.FixUpTarget), new or already there.
func fixableCritical(res *review.Result) bool {
	if res == nil {
		return false
	}
	for _, fs := range [][]checks.Finding{res.New, res.Existing} {
		for _, f := range fs {
			if checks.FixUpTarget(f) {
				return true
			}
		}
	}
	return false
}
