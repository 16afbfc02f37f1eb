package auditrun

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-github/v88/github"
	"github.com/riverqueue/river"

	"github.com/djsec/djsec/githubapp/repo"
	"github.com/djsec/djsec/jobs"
)

const (
	// DefaultSchedule is AUDIT_SCHEDULE's default: Mondays at 06:00 UTC.
	DefaultSchedule = "0 6 * * 1"
	// DefaultSpread is how long the sweep spreads the repositories' audits
	// over, so that GitHub sees no burst.
	DefaultSpread = 6 * time.Hour
	// EnvSchedule names the cron expression's variable.
	EnvSchedule = "AUDIT_SCHEDULE"
)

// Cron is a five-field cron schedule (minute hour day-of-month month
// day-of-week) in UTC; fields take *, numbers, ranges a-b, lists and steps
// /n. When both day fields are restricted a day matching either runs, as
// cron does.
type Cron struct {
	min, hour, dom, month, dow [64]bool
	domAny, dowAny             bool
	expr                       string
}

// ParseCron parses a cron expression ("" is DefaultSchedule).
func ParseCron(expr string) (*Cron, error) {
	expr = strings.TrimSpace(expr)
	if expr == "" {
		expr = DefaultSchedule
	}
	fields := strings.Fields(expr)
	if len(fields) != 5 {
		return nil, fmt.Errorf("%s %q: want 5 fields (minute hour day-of-month month day-of-week), got %d", EnvSchedule, expr, len(fields))
	}
	c := &Cron{expr: expr}
	specs := []struct {
		set      *[64]bool
		lo, hi   int
		name     string
		anyField *bool
	}{
		{&c.min, 0, 59, "minute", nil}, {&c.hour, 0, 23, "hour", nil}, {&c.dom, 1, 31, "day of month", &c.domAny},
		{&c.month, 1, 12, "month", nil}, {&c.dow, 0, 7, "day of week", &c.dowAny},
	}
	for i, s := range specs {
		if err := parseField(fields[i], s.lo, s.hi, s.set); err != nil {
			return nil, fmt.Errorf("%s %q: %s: %w", EnvSchedule, expr, s.name, err)
		}
		if s.anyField != nil {
			*s.anyField = fields[i] == "*"
		}
	}
	if c.dow[7] {
		c.dow[0] = true // 7 is Sunday too
	}
	return c, nil
}

func parseField(f string, lo, hi int, set *[64]bool) error {
	for _, part := range strings.Split(f, ",") {
		rng, stepS, hasStep := strings.Cut(part, "/")
		step := 1
		if hasStep {
			n, err := strconv.Atoi(stepS)
			if err != nil || n <= 0 {
				return fmt.Errorf("bad step %q", stepS)
			}
			step = n
		}
		a, b := lo, hi
		if rng != "*" {
			as, bs, isRange := strings.Cut(rng, "-")
			var err error
			if a, err = strconv.Atoi(as); err != nil {
				return fmt.Errorf("bad value %q", as)
			}
			b = a
			if isRange {
				if b, err = strconv.Atoi(bs); err != nil {
					return fmt.Errorf("bad value %q", bs)
				}
			} else if hasStep {
				b = hi
			}
		}
		if a < lo || b > hi || a > b {
			return fmt.Errorf("%q out of range %d-%d", part, lo, hi)
		}
		for v := a; v <= b; v += step {
			set[v] = true
		}
	}
	return nil
}

// Next is the first time after t (to the minute) the schedule fires.
func (c *Cron) Next(t time.Time) time.Time {
	t = t.UTC().Truncate(time.Minute).Add(time.Minute)
	// Four years bound the search (29 February).
	for end := t.AddDate(4, 0, 0); t.Before(end); {
		if !c.month[int(t.Month())] {
			t = time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, time.UTC)
			continue
		}
		if !c.day(t) {
			t = time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, time.UTC)
			continue
		}
		if !c.hour[t.Hour()] {
			t = t.Truncate(time.Hour).Add(time.Hour)
			continue
		}
		if !c.min[t.Minute()] {
			t = t.Add(time.Minute)
			continue
		}
		return t
	}
	return time.Time{}
}

func (c *Cron) day(t time.Time) bool {
	dom, dow := c.dom[t.Day()], c.dow[int(t.Weekday())]
	switch {
	case c.domAny && c.dowAny:
		return true
	case c.domAny:
		return dow
	case c.dowAny:
		return dom
	}
	return dom || dow
}

func (c *Cron) String() string { return c.expr }

// Periodic is the River periodic job of the weekly sweep on schedule.
func (r *Runner) Periodic(schedule *Cron) *river.PeriodicJob {
	return river.NewPeriodicJob(schedule, func() (river.JobArgs, *river.InsertOpts) {
		return jobs.AuditSweepArgs{Spread: r.spread}, nil
	}, nil)
}

// processSweep queues an audit of every repository of every installation,
// each at a random moment of the spread: a thousand repositories' first
// requests never arrive at once.
func (r *Runner) processSweep(ctx context.Context, job jobs.Job[jobs.AuditSweepArgs]) error {
	log := jobs.Logger(ctx)
	q, err := r.inserter()
	if err != nil {
		return err
	}
	app, err := r.clients.NewAppClient()
	if err != nil {
		return fmt.Errorf("app client: %w", err)
	}
	spread := job.Args.Spread
	if spread <= 0 {
		spread = r.spread
	}
	start := r.now()
	queued := 0
	opts := &github.ListOptions{PerPage: 100}
	for {
		insts, resp, err := app.Apps.ListInstallations(ctx, opts)
		if err != nil {
			return repo.Wrap("list installations", err)
		}
		for _, inst := range insts {
			if inst.SuspendedAt != nil {
				continue
			}
			n, err := r.queueInstallation(ctx, q, inst.GetID(), start, spread)
			if err != nil {
				return err
			}
			queued += n
		}
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	log.InfoContext(ctx, "weekly audits queued", slog.Int("repositories", queued), slog.Duration("spread", spread))
	return nil
}

// queueInstallation queues a scheduled audit of each of the installation's
// repositories at a random moment within spread of start.
func (r *Runner) queueInstallation(ctx context.Context, q Inserter, installation int64, start time.Time, spread time.Duration) (int, error) {
	queued := 0
	err := r.eachRepoPage(ctx, installation, func(page *github.ListRepositories, _ int) (bool, error) {
		for _, repo := range page.Repositories {
			if why, skip := unauditable(repo); skip {
				jobs.Logger(ctx).DebugContext(ctx, "not audited", slog.String("repo", repo.GetFullName()), slog.String("why", why))
				continue
			}
			a := jobs.AuditArgs{Origin: jobs.Origin{Installation: installation, Repo: repo.GetFullName(), RepoID: repo.GetID()},
				Reason: "schedule", DefaultBranch: repo.GetDefaultBranch(), NotBefore: start.Add(rand.N(spread))}
			if _, err := q.Insert(ctx, a); err != nil {
				return false, err
			}
			queued++
		}
		return true, nil
	})
	return queued, err
}

// unauditable says why the repository, as the installation's listing shows
// it, cannot have an audit issue: archived (read-only), disabled by
// GitHub, or with issues turned off. The listing is read at every sweep,
// so such a repository is skipped exactly as long as it stays so, at no
// request of its own, and audited again the week it changes; an audit
// that meets the refusal anyway (the state changed meanwhile) ends at
// once (repo.Wrap).
func unauditable(repo *github.Repository) (string, bool) {
	switch {
	case repo.GetArchived():
		return "archived", true
	case repo.GetDisabled():
		return "disabled", true
	case repo.HasIssues != nil && !*repo.HasIssues:
		return "issues turned off", true
	}
	return "", false
}

// eachRepoPage calls fn with each page of the installation's repositories,
// a hundred a call, and how many repositories the pages so far held, until
// fn says stop, fails, or the pages end.
func (r *Runner) eachRepoPage(ctx context.Context, installation int64, fn func(page *github.ListRepositories, seen int) (more bool, err error)) error {
	gh, err := r.clients.NewInstallationClient(installation)
	if err != nil {
		return fmt.Errorf("installation client: %w", err)
	}
	opts := &github.ListOptions{PerPage: 100}
	seen := 0
	for {
		page, resp, err := gh.Apps.ListRepos(ctx, opts)
		if err != nil {
			return repo.Wrap("list the installation's repositories", err)
		}
		seen += len(page.Repositories)
		more, err := fn(page, seen)
		if err != nil || !more || resp.NextPage == 0 {
			return err
		}
		opts.Page = resp.NextPage
	}
}

// listReposAbove is how many added repositories make listing the
// installation's repositories cheaper than a lookup each (a listing page
// holds 100; an organisation may have installed the App on a few of
// thousands).
const listReposAbove = 10

// installationRepos lists the installation's repositories and returns those
// of names (by full name). It stops once every one is found, or once the
// pages left outnumber the names not found yet: each of those costs one
// lookup by its audit, so listing on would cost more than it saves.
func (r *Runner) installationRepos(ctx context.Context, installation int64, names []string) (map[string]*github.Repository, error) {
	want := make(map[string]bool, len(names))
	for _, n := range names {
		want[n] = true
	}
	found := map[string]*github.Repository{}
	err := r.eachRepoPage(ctx, installation, func(page *github.ListRepositories, seen int) (bool, error) {
		for _, repo := range page.Repositories {
			if want[repo.GetFullName()] {
				found[repo.GetFullName()] = repo
			}
		}
		pagesLeft := (page.GetTotalCount() - seen + 99) / 100
		return len(found) < len(want) && pagesLeft <= len(want)-len(found), nil
	})
	return found, err
}

// processInstallation runs a first audit of every repository an
// installation brings: installation created and installation_repositories
// added both list them (Added); the audit job looks their IDs up.
func (r *Runner) processInstallation(ctx context.Context, job jobs.Job[jobs.InstallationArgs]) error {
	a := job.Args
	log := jobs.Logger(ctx)
	switch {
	case a.Event == "installation" && a.Action == "created":
	case a.Event == "installation_repositories" && a.Action == "added":
	default:
		log.DebugContext(ctx, "nothing to audit for this installation event")
		return nil
	}
	q, err := r.inserter()
	if err != nil {
		return err
	}
	// Installation payloads name repositories without their default
	// branch (nor, for installation created, their ID), so each audit would
	// look its repository up: a call each. Listing the installation's
	// repositories gives both at a hundred a call; installationRepos stops
	// as soon as the pages left would cost more than the lookups they save,
	// and a failed listing only costs those lookups back.
	known := map[string]*github.Repository{}
	if len(a.Added) > listReposAbove {
		if known, err = r.installationRepos(ctx, a.Installation, a.Added); err != nil {
			log.WarnContext(ctx, "listing the installation's repositories failed; each first audit looks its repository up", slog.Any("error", err))
		}
	}
	// A first audit should come at once, but a large organisation's
	// repositories still go out over a few minutes rather than in a burst.
	start := r.now()
	queued := 0
	for i, full := range a.Added {
		at := time.Time{}
		if len(a.Added) > 20 {
			at = start.Add(time.Duration(i)*3*time.Second + rand.N(3*time.Second))
		}
		args := jobs.AuditArgs{Origin: jobs.Origin{Delivery: a.Delivery, Installation: a.Installation, Repo: full}, Reason: "installed", NotBefore: at}
		if repo := known[full]; repo != nil {
			if _, skip := unauditable(repo); skip {
				continue
			}
			args.RepoID, args.DefaultBranch = repo.GetID(), repo.GetDefaultBranch()
		}
		if _, err := q.Insert(ctx, args); err != nil {
			return err
		}
		queued++
	}
	log.InfoContext(ctx, "first audits queued", slog.Int("repositories", queued), slog.Int("listed", len(known)))
	return nil
}
