// Package checkrun is the job side of djsec's pull request check: for a
// push to a pull request (or a "Re-run", or the "Recheck" button) it
// fetches only the files the analyzer needs, hands them to package review,
// and publishes the result as the `djsec` check run, one per commit.
//
// One job, in order:
//
//  1. superseded? A newer push to the pull request was queued (store's
//     pr_heads): do nothing.
//  2. the base branch's .github/djsec.yml (a conditional request: a 304 is
//     free). The check run's external_id names the head, this config and
//     the rules version; a run already completed for the same external_id
//     ends the job (a retried job goes on to AfterCheck, leaving the run as
//     it is: its earlier attempt may have died after publishing).
//  3. claim the commit's check run row (store's check_runs): only the job
//     holding the lease talks to GitHub about the commit's run.
//  4. the changed files: one compare call up to 300 files, else the pull
//     request's file list page by page (GitHub lists 3,000 at most).
//  5. the relevant files at head; their base versions rebuilt from head and
//     the patch (patch.ReverseApply), fetched at the merge base only when
//     that fails; the unchanged modules they star-import; in a settings
//     package, the siblings that star-import a changed module.
//  6. review.Review, superseded again?, then the check run: created
//     completed in one call, or in_progress first when the work is big;
//     annotations 50 per request.
package checkrun

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/google/go-github/v88/github"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/djsec/djsec/checks"
	"github.com/djsec/djsec/githubapp"
	"github.com/djsec/djsec/githubapp/repo"
	"github.com/djsec/djsec/jobs"
	"github.com/djsec/djsec/jobs/checkrun/review"
	"github.com/djsec/djsec/osv"
	"github.com/djsec/djsec/store"
)

// Name is the check run's name, as the pull request's checks list shows it.
const Name = "djsec"

// Defaults of Options.
const (
	// DefaultLease bounds how long a job may hold a commit's check run
	// before another job may take it over; above the job timeout
	// (jobs.DefaultJobTimeout), so a live job never loses it.
	DefaultLease = jobs.DefaultRescueAfter
	// DefaultParallel is how many files are fetched at once.
	DefaultParallel = 4
	// DefaultBigFetch: more files to fetch than this and the check run is
	// created in_progress first, so the pull request shows it running.
	DefaultBigFetch = 10
)

// Clients hands out installation clients (githubapp.ClientCreator).
type Clients interface {
	NewInstallationClient(installationID int64) (*github.Client, error)
	// AppID is djsec's App ID (0 while unknown), to find its own check runs.
	AppID() int64
}

// FixRequester opens fix-up pull requests (the fix-up issue implements
// it). Without one the check run offers no "fix" button.
type FixRequester interface {
	RequestFix(ctx context.Context, r jobs.FixRequest) error
}

// Options configure a Processor.
type Options struct {
	Clients Clients   // required
	DB      *store.DB // required
	// WebURL is GitHub's web address, for links in the summary (default
	// https://github.com; see WebURL).
	WebURL string
	// RulesVersion goes into every external_id and summary footer
	// (default RulesVersion("devel")).
	RulesVersion string
	// Fixer takes "fix" button presses; nil: no button.
	Fixer FixRequester
	// DetailsURL is the check run's details_url ("": none).
	DetailsURL string
	// Registerer receives the check run counter (nil: not registered).
	Registerer prometheus.Registerer
	Lease      time.Duration
	Parallel   int
	BigFetch   int
	// MaxBytes bounds the file contents one check holds (default
	// DefaultMaxBytes).
	MaxBytes int64
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Ignores returns the ignores made with /djsec ignore that apply to
	// pull request pr (repository-wide ones and pr's own); nil: none.
	Ignores func(ctx context.Context, repoID int64, pr int) ([]review.Ignore, error)
	// AfterCheck runs once a pull request's check run is published, with
	// the configuration and the review it was built from, so follow-up
	// work (fix-up pull requests) decides without asking GitHub again;
	// nil: nothing. Its error retries the job (publishing is idempotent).
	AfterCheck func(ctx context.Context, origin jobs.Origin, pr int, cfg *checks.Config, res *review.Result) error
	// Advisories is the live advisory source (the OSV API) asked about
	// the versions head and base pin; nil: the bundled data alone. Its
	// failures become a note in the summary, never a failed run.
	Advisories *osv.Client
}

// Processor runs the check. It is safe for concurrent use: one per server.
type Processor struct {
	clients      Clients
	db           *store.DB
	webURL       string
	rulesVersion string
	fixer        FixRequester
	detailsURL   string
	lease        time.Duration
	parallel     int
	bigFetch     int
	maxBytes     int64
	now          func() time.Time
	ignores      func(ctx context.Context, repoID int64, pr int) ([]review.Ignore, error)
	afterCheck   func(ctx context.Context, origin jobs.Origin, pr int, cfg *checks.Config, res *review.Result) error
	advisories   *osv.Client
	completed    *prometheus.CounterVec
}

// New builds a Processor.
func New(o Options) (*Processor, error) {
	if o.Clients == nil || o.DB == nil {
		return nil, errors.New("checkrun: Clients and DB are required")
	}
	p := &Processor{
		clients: o.Clients, db: o.DB, webURL: o.WebURL, rulesVersion: o.RulesVersion, fixer: o.Fixer, afterCheck: o.AfterCheck,
		detailsURL: o.DetailsURL, lease: o.Lease, parallel: o.Parallel, bigFetch: o.BigFetch, maxBytes: o.MaxBytes, now: o.Now,
		ignores: o.Ignores, advisories: o.Advisories,
	}
	if p.webURL == "" {
		p.webURL = "https://github.com"
	}
	p.webURL = strings.TrimRight(p.webURL, "/")
	if p.rulesVersion == "" {
		p.rulesVersion = RulesVersion("devel")
	}
	if p.lease <= 0 {
		p.lease = DefaultLease
	}
	if p.parallel <= 0 {
		p.parallel = DefaultParallel
	}
	if p.bigFetch <= 0 {
		p.bigFetch = DefaultBigFetch
	}
	if p.maxBytes <= 0 {
		p.maxBytes = DefaultMaxBytes
	}
	if p.now == nil {
		p.now = time.Now
	}
	p.completed = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "djsec", Subsystem: "check_runs", Name: "completed_total",
		Help: "Check runs djsec completed, by conclusion (success, failure, neutral, skipped).",
	}, []string{"conclusion"})
	if o.Registerer != nil {
		if err := o.Registerer.Register(p.completed); err != nil {
			return nil, fmt.Errorf("checkrun: metrics: %w", err)
		}
	}
	return p, nil
}

// Register registers the kinds the check handles: pull request pushes,
// re-runs, the check run's buttons and merge queue groups.
func (p *Processor) Register(r *jobs.Registry) {
	jobs.Register[jobs.PullRequestArgs](r, jobs.CrashAwareFunc[jobs.PullRequestArgs](p.processPullRequest))
	jobs.Register[jobs.CheckRerunArgs](r, jobs.ProcessorFunc[jobs.CheckRerunArgs](p.processRerun))
	jobs.Register[jobs.CheckActionArgs](r, jobs.ProcessorFunc[jobs.CheckActionArgs](p.processAction))
	jobs.Register[jobs.MergeGroupArgs](r, jobs.ProcessorFunc[jobs.MergeGroupArgs](p.processMergeGroup))
}

// target is one commit of one pull request to check.
type target struct {
	origin      jobs.Origin
	owner, name string
	pr          int
	head        string
	baseRef     string
	baseSHA     string
	// changedFiles is the pull request's changed_files (0: unknown).
	changedFiles int
	draft        bool
	// force re-checks even when a run with the same external_id completed
	// (a person asked for it).
	force bool
	// retry is set on a pull request job's second and later attempts: the
	// run may be complete while what follows it (AfterCheck: the fix-up)
	// is not, because that failed or the process died; such a job checks
	// again, leaves the complete run as it is and runs AfterCheck.
	retry bool
	// leaseOwner names the job attempt in the check_runs row.
	leaseOwner string
	// mergeGroup is the merge queue branch when head is a merge group's
	// commit (pr is 0 then): judged against the queue's base, with no
	// buttons (nothing can be pushed to the queue's read-only branch).
	mergeGroup string
}

func leaseOwner(jobID int64, attempt int) string {
	return fmt.Sprintf("job %d attempt %d", jobID, attempt)
}

func noCache(ctx context.Context) context.Context { return githubapp.WithoutETagCache(ctx) }

func (p *Processor) processPullRequest(ctx context.Context, job jobs.Job[jobs.PullRequestArgs]) error {
	a := job.Args
	log := jobs.Logger(ctx)
	switch a.Action {
	case "opened", "synchronize", "reopened", "ready_for_review", "edited":
	default:
		log.DebugContext(ctx, "nothing to check for this action")
		return nil
	}
	owner, name, err := repo.SplitFullName(a.Repo)
	if err != nil {
		return err
	}
	t := target{
		origin: a.Origin, owner: owner, name: name, pr: a.Number, head: a.HeadSHA,
		baseRef: a.BaseRef, baseSHA: a.BaseSHA, changedFiles: a.ChangedFiles, draft: a.Draft,
		leaseOwner: leaseOwner(job.ID, job.Attempt), retry: job.Attempt > 1,
	}
	if job.Crashed >= jobs.MaxCrashes {
		return p.giveUp(ctx, t, job.Crashed)
	}
	return p.run(ctx, t)
}

// processMergeGroup checks a merge queue's group: the run goes on the
// group's head commit, judged against the commit the queue merges into as
// a pull request is against its base (the findings the queued changes add
// decide), under the base branch's .github/djsec.yml.
func (p *Processor) processMergeGroup(ctx context.Context, job jobs.Job[jobs.MergeGroupArgs]) error {
	a := job.Args
	if a.Action != "checks_requested" {
		jobs.Logger(ctx).DebugContext(ctx, "nothing to check for this action")
		return nil
	}
	owner, name, err := repo.SplitFullName(a.Repo)
	if err != nil {
		return err
	}
	queue := strings.TrimPrefix(a.HeadRef, "refs/heads/")
	if queue == "" {
		queue = "merge group " + short(a.HeadSHA)
	}
	return p.run(ctx, target{
		origin: a.Origin, owner: owner, name: name, head: a.HeadSHA,
		baseRef: a.BaseBranch(), baseSHA: a.BaseSHA, mergeGroup: queue,
		leaseOwner: leaseOwner(job.ID, job.Attempt), retry: job.Attempt > 1,
	})
}

func (p *Processor) processRerun(ctx context.Context, job jobs.Job[jobs.CheckRerunArgs]) error {
	a := job.Args
	return p.rerun(ctx, a.Origin, a.HeadSHA, a.PullRequests, leaseOwner(job.ID, job.Attempt))
}

// rerun checks headSHA again at a person's request: "Re-run" on the check
// run or suite, or the "Recheck" button.
func (p *Processor) rerun(ctx context.Context, o jobs.Origin, headSHA string, prs []int, lease string) error {
	log := jobs.Logger(ctx)
	owner, name, err := repo.SplitFullName(o.Repo)
	if err != nil {
		return err
	}
	number := 0
	if len(prs) > 0 {
		number = prs[0]
	} else {
		// Events about a fork's commit list no pull request; the run djsec
		// made for it remembers one.
		st, err := p.db.CheckRun(ctx, o.RepoID, headSHA)
		switch {
		case err == nil:
			number = st.PR
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
	}
	if number == 0 {
		log.InfoContext(ctx, "no pull request known for this commit; djsec checks pull requests only")
		return nil
	}
	gh, err := p.client(ctx, o.Installation)
	if gh == nil {
		return err
	}
	ctx = githubapp.ContextWithLogger(ctx, log)
	pull, _, err := gh.PullRequests.Get(githubapp.WithoutETagCache(ctx), owner, name, number)
	if err != nil {
		if githubapp.NotFound(err) {
			log.InfoContext(ctx, "pull request not found; nothing to check", slog.Int("pr", number))
			return nil
		}
		return repo.Wrap("get pull request", err)
	}
	if pull.GetState() != "open" {
		log.InfoContext(ctx, "pull request is closed; nothing to check", slog.Int("pr", number))
		return nil
	}
	head := store.PRHead{RepoID: o.RepoID, Number: number, HeadSHA: pull.GetHead().GetSHA(), UpdatedAt: pull.GetUpdatedAt().UTC()}
	if _, err := store.RecordPRHead(ctx, p.db.Q(), head); err != nil {
		return err
	}
	t := target{
		origin: o, owner: owner, name: name, pr: number, head: headSHA,
		baseRef: pull.GetBase().GetRef(), baseSHA: pull.GetBase().GetSHA(), changedFiles: pull.GetChangedFiles(),
		draft: pull.GetDraft(), force: true, leaseOwner: lease,
	}
	if head.HeadSHA != headSHA {
		log.InfoContext(ctx, "superseded: the pull request has a newer head", slog.String("newer_head_sha", head.HeadSHA))
		return p.closeStale(ctx, gh, t, head.HeadSHA)
	}
	return p.runWith(ctx, gh, t)
}

// Recheck checks pull request pr again at headSHA at a person's request
// (/djsec recheck), even when a run for the same inputs completed.
// lease names the job attempt asking.
func (p *Processor) Recheck(ctx context.Context, o jobs.Origin, pr int, headSHA, lease string) error {
	return p.rerun(ctx, o, headSHA, []int{pr}, lease)
}

// Button identifiers of the check run's actions.
const (
	ActionFix     = "fix"
	ActionRecheck = "recheck"
)

func (p *Processor) processAction(ctx context.Context, job jobs.Job[jobs.CheckActionArgs]) error {
	a := job.Args
	log := jobs.Logger(ctx)
	if a.Identifier != ActionFix && a.Identifier != ActionRecheck {
		log.InfoContext(ctx, "unknown button; ignored")
		return nil
	}
	if a.Identifier == ActionFix && p.fixer == nil {
		log.InfoContext(ctx, "fix-up pull requests are not available in this build; button ignored")
		return nil
	}
	if _, _, err := repo.SplitFullName(a.Repo); err != nil {
		return err
	}
	gh, err := p.client(ctx, a.Installation)
	if gh == nil {
		return err
	}
	ctx = githubapp.ContextWithLogger(ctx, log)
	// A button anyone who can see the pull request may press must not let
	// them spend the installation's budget or open pull requests: the
	// buttons follow the commands' policy (write access, and the default
	// branch's commands allow-list when it has one).
	door, err := repo.New(gh, a.Repo)
	if err != nil {
		return err
	}
	acc, err := door.CanRun(ctx, a.Sender)
	switch {
	case err != nil:
		return err
	case acc.Refused == repo.RefusedPermission:
		log.InfoContext(ctx, "button refused: the sender cannot write to the repository", slog.String("permission", acc.Permission))
		return nil
	case acc.Refused == repo.RefusedAllowList:
		log.InfoContext(ctx, "button refused: the sender is not allowed by .github/djsec.yml commands",
			slog.String("permission", acc.Permission), slog.String("why", acc.Why))
		return nil
	}
	if a.Identifier == ActionRecheck {
		return p.rerun(ctx, a.Origin, a.HeadSHA, a.PullRequests, leaseOwner(job.ID, job.Attempt))
	}
	pr := 0
	if len(a.PullRequests) > 0 {
		pr = a.PullRequests[0]
	} else if st, err := p.db.CheckRun(ctx, a.RepoID, a.HeadSHA); err == nil {
		pr = st.PR
	}
	return p.fixer.RequestFix(ctx, jobs.FixRequest{Origin: a.Origin, PR: pr, HeadSHA: a.HeadSHA, CheckRunID: a.CheckRunID, Sender: a.Sender})
}

// client is the installation's client. Before the App has credentials
// (registered, or APP_ID and PRIVATE_KEY set) nothing can be checked: the
// job ends skipped (nil client, jobs.ErrSkipped) rather than retrying for
// hours; the next push checks the pull request again.
func (p *Processor) client(ctx context.Context, installation int64) (*github.Client, error) {
	gh, err := p.clients.NewInstallationClient(installation)
	switch {
	case errors.Is(err, githubapp.ErrNoCredentials):
		return nil, jobs.NoCredentials("the pull request is not checked")
	case err != nil:
		return nil, fmt.Errorf("installation client: %w", err)
	}
	return gh, nil
}
