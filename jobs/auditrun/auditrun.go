// Package auditrun is the job side of the weekly audit: for one repository
// it finds out whether the default branch is a Django project, analyzes the
// whole branch with every rule (audit-only ones included) and keeps one
// issue, "djsec: Django security audit", up to date (package auditissue
// renders it).
//
// One job, in order:
//
//  1. the default branch's head: one conditional request (git ref). The same
//     commit, ignores and rules version as the last audit end the job: an
//     unchanged repository costs that one request and its issue is not
//     edited.
//  2. discovery: one recursive tree call (a tree GitHub truncates is
//     walked subtree by subtree, repo.Walk; links are resolved in the tree,
//     repo.Follow). No manage.py, no settings module and no manifest naming
//     Django: nothing more is fetched, nothing is written.
//  3. the relevant files, by branch name through the ETag cache (a 304 is
//     free), each checked against the tree's blob SHA so that a push in
//     between is never mistaken for the audited commit.
//  4. checks.Analyze with Audit: true, the ignores made with /djsec ignore
//     applied, auditissue.Render.
//  5. the issue: found among djsec's issues by title and marker (the number
//     in the store first), re-read just before writing so that boxes ticked
//     meanwhile are kept, edited only when the body changed; duplicates are
//     closed; a closed issue is reopened only when an item fails that did not
//     fail at the last audit.
package auditrun

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/go-github/v88/github"

	"github.com/djsec/djsec/checks"
	"github.com/djsec/djsec/checks/checklist"
	"github.com/djsec/djsec/githubapp"
	"github.com/djsec/djsec/githubapp/repo"
	"github.com/djsec/djsec/jobs"
	"github.com/djsec/djsec/jobs/auditrun/auditissue"
	"github.com/djsec/djsec/jobs/checkrun/review"
	"github.com/djsec/djsec/osv"
	"github.com/djsec/djsec/store"
)

// Defaults of Options.
const (
	// DefaultMaxFiles bounds the files one audit fetches; the settings,
	// manifests and config come first.
	DefaultMaxFiles = 300
	// DefaultParallel is how many files are fetched at once.
	DefaultParallel = 4
	// DefaultMaxTreeReads bounds the tree reads of one audit's walk of a
	// truncated tree (repo.Walk); what it did not reach is named in the
	// issue.
	DefaultMaxTreeReads = 100
)

// Clients hands out GitHub clients (githubapp.ClientCreator).
type Clients interface {
	NewInstallationClient(installationID int64) (*github.Client, error)
	NewAppClient() (*github.Client, error)
}

// Inserter queues jobs (jobs.Queue).
type Inserter interface {
	Insert(ctx context.Context, args jobs.Args) (int64, error)
}

// Auditor runs an audit of one repository soon (`/djsec audit`).
type Auditor interface {
	AuditNow(ctx context.Context, installation, repoID int64, repo string) error
}

// Options configure a Runner.
type Options struct {
	Clients Clients   // required
	DB      *store.DB // required
	// WebURL is GitHub's web address, for permalinks (default https://github.com).
	WebURL       string
	RulesVersion string
	MaxFiles     int
	Parallel     int
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Spread is how long the weekly sweep spreads repositories over
	// (default DefaultSpread).
	Spread time.Duration
	// MaxTreeReads bounds the walk of a tree GitHub truncated (default
	// DefaultMaxTreeReads).
	MaxTreeReads int
	// Advisories is the live advisory source (the OSV API) asked about
	// the versions the branch pins; nil: the bundled data alone.
	Advisories *osv.Client
}

// Runner runs audits. It is safe for concurrent use: one per server.
type Runner struct {
	clients      Clients
	db           *store.DB
	webURL       string
	rulesVersion string
	maxFiles     int
	parallel     int
	now          func() time.Time
	spread       time.Duration
	maxTreeReads int
	advisories   *osv.Client
	// bot is the App's bot login, learned once (botLogin).
	bot string

	mu    sync.Mutex
	queue Inserter
}

var _ Auditor = (*Runner)(nil)

// New builds a Runner.
func New(o Options) (*Runner, error) {
	if o.Clients == nil || o.DB == nil {
		return nil, errors.New("auditrun: Clients and DB are required")
	}
	r := &Runner{clients: o.Clients, db: o.DB, webURL: strings.TrimRight(o.WebURL, "/"), rulesVersion: o.RulesVersion,
		maxFiles: o.MaxFiles, parallel: o.Parallel, now: o.Now, spread: o.Spread, maxTreeReads: o.MaxTreeReads, advisories: o.Advisories}
	if r.webURL == "" {
		r.webURL = "https://github.com"
	}
	if r.rulesVersion == "" {
		r.rulesVersion = "devel"
	}
	if r.maxFiles <= 0 {
		r.maxFiles = DefaultMaxFiles
	}
	if r.parallel <= 0 {
		r.parallel = DefaultParallel
	}
	if r.now == nil {
		r.now = time.Now
	}
	if r.spread <= 0 {
		r.spread = DefaultSpread
	}
	if r.maxTreeReads <= 0 {
		r.maxTreeReads = DefaultMaxTreeReads
	}
	return r, nil
}

// UseQueue gives the Runner the queue its AuditNow, installation and sweep
// jobs insert audits into; the queue is built after its processors, hence
// a setter.
func (r *Runner) UseQueue(q Inserter) {
	r.mu.Lock()
	r.queue = q
	r.mu.Unlock()
}

func (r *Runner) inserter() (Inserter, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.queue == nil {
		return nil, errors.New("auditrun: no queue (call UseQueue)")
	}
	return r.queue, nil
}

// Register registers the audit's kinds: the audit itself, the weekly
// sweep, installations (a first audit of every repository added) and
// pushes (the default branch's head, so an unchanged repository costs no
// request).
func (r *Runner) Register(reg *jobs.Registry) {
	jobs.Register[jobs.AuditArgs](reg, jobs.ProcessorFunc[jobs.AuditArgs](r.processAudit))
	jobs.Register[jobs.AuditSweepArgs](reg, jobs.ProcessorFunc[jobs.AuditSweepArgs](r.processSweep))
	jobs.Register[jobs.InstallationArgs](reg, jobs.ProcessorFunc[jobs.InstallationArgs](r.processInstallation))
	jobs.Register[jobs.PushArgs](reg, jobs.ProcessorFunc[jobs.PushArgs](r.processPush))
}

// AuditNow queues an audit of one repository that runs even when nothing
// changed since the last one (a person asked).
func (r *Runner) AuditNow(ctx context.Context, installation, repoID int64, repo string) error {
	q, err := r.inserter()
	if err != nil {
		return err
	}
	_, err = q.Insert(ctx, jobs.AuditArgs{Origin: jobs.Origin{Installation: installation, Repo: repo, RepoID: repoID}, Reason: "command", Force: true})
	return err
}

func (r *Runner) processAudit(ctx context.Context, job jobs.Job[jobs.AuditArgs]) error {
	a := job.Args
	owner, name, err := repo.SplitFullName(a.Repo)
	if err != nil {
		return err
	}
	gh, err := r.clients.NewInstallationClient(a.Installation)
	switch {
	case errors.Is(err, githubapp.ErrNoCredentials):
		return jobs.NoCredentials("the repository is not audited")
	case err != nil:
		return fmt.Errorf("installation client: %w", err)
	}
	ctx = githubapp.ContextWithLogger(ctx, jobs.Logger(ctx))
	res, err := r.Audit(ctx, gh, Target{RepoID: a.RepoID, Owner: owner, Name: name, Force: a.Force, Scheduled: a.Reason == "schedule", DefaultBranch: a.DefaultBranch})
	if err != nil {
		return err
	}
	if res.Outcome == Deferred {
		q, err := r.inserter()
		if err != nil {
			return err
		}
		next := a
		next.Reason, next.NotBefore = "audit_day", res.NotBefore
		if _, err := q.Insert(ctx, next); err != nil {
			return err
		}
	}
	jobs.Logger(ctx).InfoContext(ctx, "audited", slog.String("outcome", string(res.Outcome)), slog.Int("issue", res.Issue),
		slog.Int("pass", res.Pass), slog.Int("automated", res.Automated), slog.Int("files", res.Files))
	return nil
}

// Target is one repository to audit.
type Target struct {
	RepoID      int64
	Owner, Name string
	// Force analyzes again although nothing changed.
	Force bool
	// Scheduled: the weekly sweep asked; `audit: off` skips it, `audit: wednesday` defers it.
	Scheduled bool
	// DefaultBranch, when the caller knows it, saves a repository read; a
	// stale name (the branch was renamed) falls back to the repository.
	DefaultBranch string
}

func (t Target) full() string { return t.Owner + "/" + t.Name }

// Outcome says what an audit did.
type Outcome string

// Outcomes.
const (
	Unchanged Outcome = "unchanged"  // same inputs as the last audit: nothing read, nothing written
	NotDjango Outcome = "not-django" // no Django project on the default branch
	OptedOut  Outcome = "opted-out"  // audit: off (scheduled audits only)
	Deferred  Outcome = "deferred"   // audit: names another day: queued for then
	Created   Outcome = "created"
	Edited    Outcome = "edited"
	Same      Outcome = "same-body" // analyzed again, the body came out the same
)

// Result is what one audit did.
type Result struct {
	Outcome         Outcome
	Issue           int
	Pass, Automated int
	Files           int
	// NotBefore is when a Deferred audit runs.
	NotBefore time.Time
}

// daysUntil is how many days after now the weekday day ("monday") comes;
// 0 for today, an unknown day or none.
func daysUntil(now time.Time, day string) int {
	for wd := time.Sunday; wd <= time.Saturday; wd++ {
		if strings.EqualFold(wd.String(), day) {
			return (int(wd) - int(now.UTC().Weekday()) + 7) % 7
		}
	}
	return 0
}

// maxTrustPushes is how long the recorded head alone decides that a
// repository is unchanged: past it the weekly audit asks GitHub again
// (one request), in case push events were lost for good.
const maxTrustPushes = 28 * 24 * time.Hour

// maxLinkReads bounds the link blobs one audit reads: a repository of
// thousands of links must not spend the installation's rate limit.
const maxLinkReads = 50

// Audit audits one repository with gh (an installation client).
func (r *Runner) Audit(ctx context.Context, gh *github.Client, t Target) (Result, error) {
	log := jobs.Logger(ctx)
	door, err := repo.New(gh, t.full(), repo.WithBlobCache(r.db), repo.WithParallel(r.parallel), repo.WithMaxLinkReads(maxLinkReads))
	if err != nil {
		return Result{}, err
	}
	branch := t.DefaultBranch
	if t.RepoID == 0 {
		// Installation events name repositories without their IDs.
		rp, err := getRepo(ctx, door)
		if err != nil {
			return Result{}, err
		}
		t.RepoID, branch = rp.GetID(), rp.GetDefaultBranch()
	}
	prev, err := r.db.Audit(ctx, t.RepoID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return Result{}, err
	}
	if branch == "" {
		branch = prev.Branch
	}
	igs, err := r.db.Ignores(ctx, t.RepoID, 0)
	if err != nil {
		return Result{}, err
	}
	now := r.now()
	ignores := activeIgnores(igs, now)
	// The weekly audit of a repository whose default branch did not move
	// (push events record every move; the redelivery sweep catches up
	// the ones missed) costs no request at all. ETags cannot do that:
	// GitHub's are tied to the installation token, which lives an hour.
	if t.Scheduled && !t.Force && prev.InputKey != "" && now.Sub(prev.UpdatedAt) < maxTrustPushes {
		if h, err := r.db.BranchHead(ctx, t.RepoID); err == nil && h.SHA == prev.SHA && h.Branch == prev.Branch &&
			(branch == "" || branch == h.Branch) && inputKey(h.SHA, ignores, r.rulesVersion) == prev.InputKey {
			log.DebugContext(ctx, "unchanged since the last audit (recorded head); no request", slog.String("sha", h.SHA))
			return Result{Outcome: Unchanged, Issue: prev.IssueNumber}, nil
		}
	}
	sha, err := headSHA(ctx, door, &branch)
	if err != nil {
		return Result{}, err
	}
	if err := r.db.SaveBranchHead(ctx, t.RepoID, branch, sha); err != nil {
		return Result{}, err
	}
	key := inputKey(sha, ignores, r.rulesVersion)
	if prev.InputKey == key && !t.Force {
		log.DebugContext(ctx, "unchanged since the last audit", slog.String("sha", sha))
		return Result{Outcome: Unchanged, Issue: prev.IssueNumber}, nil
	}

	tree, err := door.Tree(ctx, sha)
	if err != nil {
		return Result{}, err
	}
	entries, coverage := tree.Entries, ""
	if tree.GetTruncated() {
		entries, coverage, err = door.Walk(ctx, sha, r.maxTreeReads)
		if err != nil {
			return Result{}, err
		}
	}
	f := &fetcher{repo: door, branch: branch}
	project, err := f.discover(ctx, entries)
	if err != nil {
		return Result{}, err
	}
	st := prev
	st.RepoID, st.Repo, st.SHA, st.Branch = t.RepoID, t.full(), sha, branch
	if !project.django {
		log.InfoContext(ctx, "no Django project on the default branch; nothing to audit", slog.Bool("partial_tree", coverage != ""))
		st.InputKey = key
		return Result{Outcome: NotDjango, Issue: prev.IssueNumber}, r.db.SaveAudit(ctx, st)
	}
	files, fileErrs, err := f.fetchAll(ctx, project, r.maxFiles)
	if err != nil {
		return Result{}, err
	}
	cfg, cfgErrs, source := config(files, branch)
	if t.Scheduled && cfg.AuditDay == "off" {
		log.InfoContext(ctx, "audit: off in .github/djsec.yml; scheduled audits skipped")
		return Result{Outcome: OptedOut, Issue: prev.IssueNumber}, nil
	}
	if d := daysUntil(now, cfg.AuditDay); t.Scheduled && d > 0 {
		// The repository chose its day: the audit runs then, with what
		// the branch holds then.
		return Result{Outcome: Deferred, Issue: prev.IssueNumber, NotBefore: now.AddDate(0, 0, d)}, nil
	}
	cl := checklist.Default()
	if cfg.Checklist != "" {
		md, err := f.checklist(ctx, project, cfg.Checklist)
		if err != nil {
			return Result{}, err
		}
		if md != nil {
			if own, err := checklist.Parse(md); err == nil {
				cl = own
			} else {
				log.WarnContext(ctx, "the repository's checklist does not parse; the default applies", slog.String("error", err.Error()))
			}
		}
	}
	// Live advisory data: when it cannot be had, the bundle judges alone.
	live := r.advisories.Lookup(ctx, cfg, files)
	if live.Note != "" {
		log.WarnContext(ctx, "audit: "+live.Note)
	}
	an := checks.Analyze(ctx, checks.Input{Files: files, Config: cfg, ConfigErrors: cfgErrs, Now: now, Audit: true, Advisories: live.Records})
	findings := applyIgnores(an.Findings, ignores, now)
	_ = fileErrs // unreadable files are left out of the analysis; the analyzer says nothing about them

	history, err := r.db.AuditScores(ctx, t.RepoID, auditissue.HistoryLen-1)
	if err != nil {
		return Result{}, err
	}
	in := auditissue.Input{
		Repo: t.full(), SHA: sha, Branch: branch, WebURL: r.webURL, Checklist: cl, Findings: findings,
		History: points(history), Ignores: trail(ignores), ConfigSource: source, RulesVersion: r.rulesVersion, Now: now,
		Coverage: coverage, EmailDomains: cfg.AllowedEmailDomains,
	}
	res, number, err := r.publish(ctx, gh, t, in, prev)
	if err != nil {
		return Result{}, err
	}
	if err := r.db.AddAuditScore(ctx, t.RepoID, store.AuditScore{At: now, Pass: res.rendered.Pass, Automated: res.rendered.Automated}); err != nil {
		return Result{}, err
	}
	st.InputKey, st.Failing, st.IssueNumber = key, res.rendered.Failing, number
	if err := r.db.SaveAudit(ctx, st); err != nil {
		return Result{}, err
	}
	return Result{Outcome: res.outcome, Issue: number, Pass: res.rendered.Pass, Automated: res.rendered.Automated, Files: len(files)}, nil
}

// headSHA reads the default branch's head with one conditional request on
// its ref; the branch name comes from the last audit, or from the
// repository when unknown or gone (renamed).
func headSHA(ctx context.Context, door *repo.Repo, branch *string) (string, error) {
	gh := door.Client()
	if *branch != "" {
		ref, _, err := gh.Git.GetRef(ctx, door.Owner(), door.Name(), "heads/"+*branch)
		if err == nil {
			return ref.GetObject().GetSHA(), nil
		}
		if !githubapp.NotFound(err) {
			return "", repo.Wrap("get default branch", err)
		}
	}
	rp, err := getRepo(ctx, door)
	if err != nil {
		return "", err
	}
	*branch = rp.GetDefaultBranch()
	ref, _, err := gh.Git.GetRef(ctx, door.Owner(), door.Name(), "heads/"+*branch)
	if err != nil {
		return "", repo.Wrap("get default branch", err)
	}
	return ref.GetObject().GetSHA(), nil
}

// getRepo reads the repository, through the ETag cache; a 404 says it is
// gone, for good.
func getRepo(ctx context.Context, door *repo.Repo) (*github.Repository, error) {
	rp, err := door.Get(ctx)
	if errors.Is(err, repo.ErrNotFound) {
		return nil, fmt.Errorf("repository %s is gone: %w: %w", door.FullName(), jobs.ErrPermanent, err)
	}
	return rp, err
}

// inputKey names everything the audit's outcome depends on besides the
// clock: the commit (config and checklist are files of it), the ignores in
// force and the rules.
func inputKey(sha string, igs []store.Ignore, rules string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00", sha, rules)
	for _, ig := range igs {
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%d\x00", ig.Rule, ig.PathGlob, ig.Reason, ig.By, ig.Until.Unix())
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

func points(sc []store.AuditScore) []auditissue.Point {
	out := make([]auditissue.Point, len(sc))
	for i, s := range sc {
		out[i] = auditissue.Point{At: s.At, Pass: s.Pass, Automated: s.Automated}
	}
	return out
}

func trail(igs []store.Ignore) []auditissue.Ignore {
	out := make([]auditissue.Ignore, len(igs))
	for i, ig := range igs {
		out[i] = auditissue.Ignore{Rule: ig.Rule, PathGlob: ig.PathGlob, Reason: ig.Reason, By: ig.By, Until: ig.Until}
	}
	return out
}

// activeIgnores are the repository-wide ignores in force at now; ignores
// made for one pull request say nothing about the default branch.
func activeIgnores(igs []store.Ignore, now time.Time) []store.Ignore {
	var out []store.Ignore
	for _, ig := range igs {
		if ig.PR != 0 || (!ig.Until.IsZero() && !now.Before(ig.Until)) {
			continue
		}
		out = append(out, ig)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Rule != out[j].Rule {
			return out[i].Rule < out[j].Rule
		}
		return out[i].PathGlob < out[j].PathGlob
	})
	return out
}

// applyIgnores marks the findings an ignore covers as suppressed with the
// ignore's reason, as the check run does: the checklist then counts them
// as passing and the issue lists them in the ignore trail.
func applyIgnores(fs []checks.Finding, igs []store.Ignore, now time.Time) []checks.Finding {
	out := make([]checks.Finding, len(fs))
	for i, f := range fs {
		out[i] = f
		if f.Suppressed {
			continue
		}
		for _, ig := range igs {
			if !(review.Ignore{Rule: ig.Rule, PathGlob: ig.PathGlob}).Covers(f) {
				continue
			}
			reason := strings.TrimSpace(ig.Reason)
			if reason == "" {
				reason = "ignored"
			}
			if ig.By != "" {
				reason += " (@" + strings.TrimPrefix(ig.By, "@") + ")"
			}
			out[i].Suppressed, out[i].SuppressReason = true, reason
			break
		}
	}
	return out
}

// processPush records where the default branch now points: the weekly
// audit compares it with what it audited and asks GitHub nothing when they
// are the same.
func (r *Runner) processPush(ctx context.Context, job jobs.Job[jobs.PushArgs]) error {
	a := job.Args
	branch, ok := strings.CutPrefix(a.Ref, "refs/heads/")
	if !ok || branch != a.DefaultBranch || a.RepoID == 0 || strings.Trim(a.After, "0") == "" {
		return nil // another branch, a tag, or a deletion
	}
	return r.db.SaveBranchHead(ctx, a.RepoID, branch, a.After)
}
