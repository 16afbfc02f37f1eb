package checkrun

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/google/go-github/v88/github"

	"github.com/djsec/djsec/githubapp"
	"github.com/djsec/djsec/githubapp/repo"
	"github.com/djsec/djsec/jobs"
	"github.com/djsec/djsec/jobs/checkrun/review"
	"github.com/djsec/djsec/store"
)

// errBusy: another job holds the commit's check run; the queue retries this
// one, which then finds the run completed or takes it over.
var errBusy = errors.New("another job is publishing this commit's check run")

// run checks one pull request push.
func (p *Processor) run(ctx context.Context, t target) error {
	log := jobs.Logger(ctx)
	ctx = githubapp.ContextWithLogger(ctx, log)
	// Before anything costs a call: a job queued behind a newer push has
	// nothing to do.
	newer, err := p.newerHead(ctx, t)
	if err != nil {
		return err
	}
	if newer != "" {
		log.InfoContext(ctx, "superseded: a newer push to the pull request is queued", slog.String("newer_head_sha", newer))
		st, err := p.db.CheckRun(ctx, t.origin.RepoID, t.head)
		if errors.Is(err, store.ErrNotFound) || (err == nil && (st.CheckRunID == 0 || st.Status == statusCompleted)) {
			return nil // no run of ours is left running on this commit
		}
		if err != nil {
			return err
		}
		gh, err := p.client(ctx, t.origin.Installation)
		if gh == nil {
			return err
		}
		return p.closeStale(ctx, gh, t, newer)
	}
	gh, err := p.client(ctx, t.origin.Installation)
	if gh == nil {
		return err
	}
	return p.runWith(ctx, gh, t)
}

// newerHead returns the pull request's latest head when it is not t.head
// ("" when t is the latest, or nothing is recorded).
func (p *Processor) newerHead(ctx context.Context, t target) (string, error) {
	if t.pr == 0 {
		return "", nil
	}
	h, err := p.db.PRHead(ctx, t.origin.RepoID, t.pr)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if h.HeadSHA != t.head {
		return h.HeadSHA, nil
	}
	return "", nil
}

// closeStale completes a run left in progress on a superseded commit as
// skipped, naming the newer head, so the pull request never shows a check
// spinning forever on an old push.
func (p *Processor) closeStale(ctx context.Context, gh *github.Client, t target, newer string) error {
	st, claimed, _, err := p.db.ClaimCheckRun(ctx, p.key(t), t.leaseOwner, p.lease)
	if err != nil {
		return err
	}
	if !claimed {
		return nil // its holder re-checks before publishing and closes it
	}
	defer p.release(ctx, t)
	if st.CheckRunID == 0 || st.Status == statusCompleted {
		return nil
	}
	pb := &publisher{p: p, gh: gh, t: t, st: st, ext: st.ExternalID}
	return pb.skip(ctx, newer)
}

func (p *Processor) key(t target) store.CheckRunState {
	return store.CheckRunState{RepoID: t.origin.RepoID, HeadSHA: t.head, Repo: t.owner + "/" + t.name, PR: t.pr}
}

func (p *Processor) release(ctx context.Context, t target) {
	if err := p.db.ReleaseCheckRun(context.WithoutCancel(ctx), t.origin.RepoID, t.head, t.leaseOwner); err != nil {
		jobs.Logger(ctx).WarnContext(ctx, "releasing the check run's lease", slog.String("error", err.Error()))
	}
}

// finishAfterCheck reports whether t must go on to AfterCheck even when
// its commit's run is complete: a retried job, whose earlier attempt may
// have published the run and then failed (or died) in AfterCheck.
func (p *Processor) finishAfterCheck(t target) bool {
	return t.retry && p.afterCheck != nil && t.pr != 0
}

// done reports whether st is a completed run for the same inputs.
func done(st store.CheckRunState, ext string) bool {
	return st.CheckRunID != 0 && st.Status == statusCompleted && st.ExternalID == ext
}

func (p *Processor) runWith(ctx context.Context, gh *github.Client, t target) error {
	log := jobs.Logger(ctx)
	door, err := repo.New(gh, t.owner+"/"+t.name, repo.WithParallel(p.parallel))
	if err != nil {
		return err
	}
	f := &fetcher{p: p, repo: door, t: t}
	cfg, err := f.config(ctx)
	if err != nil {
		return err
	}
	if t.draft && !cfg.cfg.Drafts && !t.force {
		log.InfoContext(ctx, "draft pull request, and the configuration says drafts: false; not checked")
		return nil
	}
	ext := externalID(t.head, cfg.hash(t.baseRef), p.rulesVersion)
	st, err := p.db.CheckRun(ctx, t.origin.RepoID, t.head)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if !t.force && !p.finishAfterCheck(t) && done(st, ext) {
		log.InfoContext(ctx, "already checked: the commit's run is complete for the same configuration and rules",
			slog.Int64("check_run_id", st.CheckRunID))
		return nil
	}
	st, fresh, err := p.claim(ctx, t)
	if err != nil {
		return err
	}
	defer p.release(ctx, t)
	if !t.force && !p.finishAfterCheck(t) && done(st, ext) {
		log.InfoContext(ctx, "already checked by another job", slog.Int64("check_run_id", st.CheckRunID))
		return nil
	}
	if st.PR == 0 || st.PR != t.pr {
		st.PR = t.pr
	}
	pb := &publisher{p: p, gh: gh, t: t, st: st, fresh: fresh, ext: ext}

	// A large pull request shows the run in progress before its files are
	// listed; a smaller one once it is known that many files will be read.
	big := t.changedFiles > maxCompareFiles
	if big {
		if err := pb.start(ctx, fmt.Sprintf("Checking the %d changed files of this pull request.", t.changedFiles)); err != nil {
			return err
		}
	}
	if err := f.listFiles(ctx); err != nil {
		return err
	}
	plan := f.plan(cfg.cfg)
	if !big && plan.headFetches() > p.bigFetch {
		if err := pb.start(ctx, fmt.Sprintf("Reading %d files of this pull request.", plan.headFetches())); err != nil {
			return err
		}
	}
	if err := f.fetch(ctx, plan); err != nil {
		return err
	}

	var ignores []review.Ignore
	if p.ignores != nil {
		if ignores, err = p.ignores(ctx, t.origin.RepoID, t.pr); err != nil {
			return fmt.Errorf("ignores: %w", err)
		}
	}
	in := review.Input{
		Repo:          t.owner + "/" + t.name,
		HeadSHA:       t.head,
		BaseSHA:       f.mergeBase,
		WebURL:        p.webURL,
		Files:         f.files,
		Truncated:     f.truncated,
		TreeTruncated: f.treeTruncated,
		TooLarge:      f.over.Load(),
		Head:          f.head,
		Base:          f.base,
		FileErrors:    f.fileErrors,
		Config:        cfg.cfg,
		ConfigErrors:  cfg.errs,
		ConfigSource:  cfg.source,
		Ignores:       ignores,
		Now:           p.now(),
		RulesVersion:  p.rulesVersion,
		Fixer:         p.fixer != nil && t.mergeGroup == "",
	}
	// Live advisory data (the OSV API) about the versions either side
	// pins; when it cannot be had, the bundle judges and the summary
	// says so.
	live := p.advisories.Lookup(ctx, cfg.cfg, f.head, f.base)
	in.Advisories, in.AdvisorySource, in.AdvisoryNote = live.Records, live.Source, live.Note
	res := review.Review(ctx, in)
	if t.mergeGroup != "" {
		mergeGroupResult(res, t)
	}
	for _, e := range f.fileErrors {
		log.InfoContext(ctx, "file not analyzed", slog.String("path", e.Path), slog.String("reason", e.Message))
	}

	// The analysis took time: a push may have come in meanwhile.
	newer, err := p.newerHead(ctx, t)
	if err != nil {
		return err
	}
	if newer != "" {
		log.InfoContext(ctx, "superseded while checking: a newer push to the pull request is queued", slog.String("newer_head_sha", newer))
		return pb.skip(ctx, newer)
	}
	if err := pb.publish(ctx, res); err != nil {
		return err
	}
	log.InfoContext(ctx, "check run completed", slog.Int64("check_run_id", pb.st.CheckRunID),
		slog.String("conclusion", res.Conclusion), slog.Int("new", len(res.New)), slog.Int("existing", len(res.Existing)),
		slog.Int("annotations", len(res.Annotations)), slog.Int("files", len(f.files)), slog.Int64("github_calls", f.repo.Calls()))
	if p.afterCheck != nil && t.pr != 0 {
		if err := p.afterCheck(ctx, t.origin, t.pr, in.Config, res); err != nil {
			return fmt.Errorf("after the check run: %w", err)
		}
	}
	return nil
}

// giveUp ends a poison job: checking this commit killed the server's
// process twice (the job was rescued from a dead process each time), so
// instead of a third try the commit gets a completed neutral run saying
// why, and the job ends.
func (p *Processor) giveUp(ctx context.Context, t target, crashed int) error {
	log := jobs.Logger(ctx)
	gh, err := p.client(ctx, t.origin.Installation)
	if gh == nil {
		return err
	}
	st, fresh, err := p.claim(ctx, t)
	if err != nil {
		return err
	}
	defer p.release(ctx, t)
	st.PR = t.pr
	pb := &publisher{p: p, gh: gh, t: t, st: st, fresh: fresh, ext: externalID(t.head, "crashed", p.rulesVersion)}
	out := &github.CheckRunOutput{
		Title: github.Ptr("Not checked: checking this commit stopped the djsec server"),
		Summary: github.Ptr(fmt.Sprintf("The djsec server's process died %d times while checking this commit "+
			"(most likely it ran out of memory on the changed files), so djsec stopped trying. "+
			"Nothing was found or passed. Push a smaller change, or run `bot audit` locally; "+
			"the server's operator sees this job in its log.", crashed)),
	}
	log.ErrorContext(ctx, "poison job: a neutral check run says the commit was not checked", slog.Int("crashed", crashed))
	if err := pb.write(ctx, statusCompleted, review.ConclusionNeutral, out, nil); err != nil {
		return err
	}
	return nil
}

// mergeGroupResult adapts a review of a merge group's commit: the summary
// says what was judged against what, and the run offers no buttons — the
// queue's branch takes no fix-up, and its commit no pull request to
// recheck (the queue builds a new group when it needs one).
func mergeGroupResult(res *review.Result, t target) {
	base := t.baseRef
	if t.baseSHA != "" {
		base += " at " + short(t.baseSHA)
	}
	res.Summary = fmt.Sprintf("Merge queue: `%s`, checked against `%s`; \"this pull request\" below means the changes the group adds.\n\n", t.mergeGroup, base) + res.Summary
	res.Actions = nil
}

// claim takes the commit's check-run lease for this job attempt (errBusy
// while another holds it); release it with p.release.
func (p *Processor) claim(ctx context.Context, t target) (store.CheckRunState, bool, error) {
	st, claimed, fresh, err := p.db.ClaimCheckRun(ctx, p.key(t), t.leaseOwner, p.lease)
	if err != nil {
		return st, false, err
	}
	if !claimed {
		return st, false, fmt.Errorf("check run of %s: %w (held by %s)", t.head, errBusy, st.LeaseOwner)
	}
	return st, fresh, nil
}
