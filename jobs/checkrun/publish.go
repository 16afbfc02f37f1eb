package checkrun

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"unicode/utf8"

	"github.com/google/go-github/v88/github"

	"github.com/djsec/djsec/githubapp"
	"github.com/djsec/djsec/githubapp/repo"
	"github.com/djsec/djsec/jobs"
	"github.com/djsec/djsec/jobs/checkrun/review"
	"github.com/djsec/djsec/store"
)

// Check run states and the conclusion of a superseded run.
const (
	statusInProgress  = "in_progress"
	statusCompleted   = "completed"
	conclusionSkipped = "skipped"
)

// GitHub's limits on a check run's output.
const (
	// maxSummary: "output.summary … Maximum length: 65535 characters."
	maxSummary = 65535
	// maxOutputTitle keeps the title to a line (GitHub shows it as one).
	maxOutputTitle = 1000
	// maxExternalRules bounds the rules version's share of external_id.
	maxExternalRules = 40
)

// annotationsUnknown is recorded as the run's AnnotationsSent while an
// update carrying annotations is on its way: GitHub appends them, and
// until the answer is recorded nobody knows whether it did. Whoever finds
// the row so (the same job after a lost answer, a retried or rescued job)
// reads the run's annotations_count before sending more.
const annotationsUnknown = -1

// maxResumes bounds how many lost answers one publish reads back from the
// run before it leaves the rest to the job's retry.
const maxResumes = 3

// externalID ties a check run to what decided its result: the head commit,
// the configuration and base branch (inputs), and the rules version. A job
// finding a completed run with the same external_id has nothing to add.
func externalID(head, inputs, rules string) string {
	if len(rules) > maxExternalRules {
		rules = shortHash(rules)
	}
	return "djsec:v1:" + head + ":" + inputs + ":" + rules
}

// publisher writes one commit's check run while its job holds the lease.
type publisher struct {
	p  *Processor
	gh *github.Client
	t  target
	st store.CheckRunState
	// fresh: the row was created by this job's claim, so no run can exist
	// that the row does not know of.
	fresh bool
	ext   string
	// looked is set once a run a dead job may have left unrecorded was
	// searched for.
	looked bool
}

// adopt finds the run a job may have created before it died without
// recording it (the row exists, with no run ID): GitHub is asked for the
// commit's djsec runs once, so a retry does not create a second run.
func (pb *publisher) adopt(ctx context.Context) error {
	if pb.st.CheckRunID != 0 && pb.st.AnnotationsSent == annotationsUnknown {
		return pb.sync(ctx)
	}
	if pb.looked || pb.fresh || pb.st.CheckRunID != 0 {
		return nil
	}
	pb.looked = true
	opts := &github.ListCheckRunsOptions{CheckName: github.Ptr(Name), Filter: github.Ptr("all")}
	if id := pb.p.clients.AppID(); id != 0 {
		opts.AppID = github.Ptr(id)
	}
	res, _, err := pb.gh.Checks.ListCheckRunsForRef(noCache(ctx), pb.t.owner, pb.t.name, pb.t.head, opts)
	if err != nil {
		return repo.Wrap("list check runs of "+short(pb.t.head), err)
	}
	var found *github.CheckRun
	for _, cr := range res.CheckRuns {
		if found == nil || cr.GetID() > found.GetID() {
			found = cr
		}
	}
	if found == nil {
		return nil
	}
	jobs.Logger(ctx).InfoContext(ctx, "found a check run an earlier attempt created", slog.Int64("check_run_id", found.GetID()))
	pb.st.CheckRunID, pb.st.ExternalID = found.GetID(), found.GetExternalID()
	pb.st.Status, pb.st.Conclusion = found.GetStatus(), found.GetConclusion()
	pb.st.AnnotationsSent = found.GetOutput().GetAnnotationsCount()
	return pb.save(ctx)
}

// sync reads the recorded run back from GitHub when the row cannot say how
// many annotations it holds: an update carrying annotations was sent and
// its outcome never recorded (its answer lost, or the process died first).
// Only then: a run whose writes all answered costs no read.
func (pb *publisher) sync(ctx context.Context) error {
	cr, _, err := pb.gh.Checks.GetCheckRun(noCache(ctx), pb.t.owner, pb.t.name, pb.st.CheckRunID)
	if githubapp.Status(err) == http.StatusNotFound {
		// Gone (deleted with its suite): the result goes into a new run.
		jobs.Logger(ctx).InfoContext(ctx, "the recorded check run is gone", slog.Int64("check_run_id", pb.st.CheckRunID))
		pb.st.CheckRunID, pb.st.AnnotationsSent, pb.st.Status, pb.st.Conclusion = 0, 0, "", ""
		return pb.save(ctx)
	}
	if err != nil {
		return repo.Wrap("read back check run of "+short(pb.t.head), err)
	}
	pb.st.ExternalID = cr.GetExternalID()
	pb.st.Status, pb.st.Conclusion = cr.GetStatus(), cr.GetConclusion()
	pb.st.AnnotationsSent = cr.GetOutput().GetAnnotationsCount()
	jobs.Logger(ctx).InfoContext(ctx, "read back the check run after an update whose answer was lost",
		slog.Int64("check_run_id", pb.st.CheckRunID), slog.Int("annotations", pb.st.AnnotationsSent),
		slog.String("status", pb.st.Status))
	return pb.save(ctx)
}

// reusable reports whether this job's result can go into the recorded run.
// GitHub appends every update's annotations to the run's, so a run that
// holds annotations takes no others — except the same result resuming
// after the batches it already has (a retried job).
func (pb *publisher) reusable() bool {
	st := pb.st
	return st.CheckRunID != 0 && (st.AnnotationsSent == 0 || (st.ExternalID == pb.ext && st.Status != statusCompleted))
}

func (pb *publisher) save(ctx context.Context) error {
	return pb.p.db.SaveCheckRun(ctx, pb.t.leaseOwner, pb.st)
}

// complete reports whether the commit's run is already complete for the
// same inputs: an earlier attempt created it and lost the answer (a reset,
// a timeout, a kill before it was recorded; adopt found it), or published
// it and failed after (a retry that goes on to AfterCheck). Its result
// stands; a second run would duplicate it (a forced re-run still makes a
// new one).
func (pb *publisher) complete(ctx context.Context) bool {
	if pb.t.force || !done(pb.st, pb.ext) {
		return false
	}
	jobs.Logger(ctx).InfoContext(ctx, "the commit's run is already complete for the same inputs", slog.Int64("check_run_id", pb.st.CheckRunID))
	return true
}

// start shows the run in progress before a long fetch.
func (pb *publisher) start(ctx context.Context, note string) error {
	if err := pb.adopt(ctx); err != nil {
		return err
	}
	if pb.complete(ctx) {
		return nil
	}
	if pb.reusable() && pb.st.Status == statusInProgress && pb.st.ExternalID == pb.ext {
		return nil // a retry: it is already shown running
	}
	out := &github.CheckRunOutput{
		Title:   github.Ptr("Checking " + short(pb.t.head)),
		Summary: github.Ptr(note + " Results appear here when the check completes."),
	}
	if err := pb.write(ctx, statusInProgress, "", out, nil); err != nil {
		return err
	}
	return nil
}

// publish writes the review's result: the first call carries the first 50
// annotations, each next one 50 more, and the last completes the run. An
// update carrying annotations whose answer was lost (a 5xx, a reset, a
// timeout: GitHub may have appended them) is not sent again blindly: the
// run is read back and the result resumes after the annotations it holds.
func (pb *publisher) publish(ctx context.Context, res *review.Result) error {
	if err := pb.adopt(ctx); err != nil {
		return err
	}
	if pb.complete(ctx) {
		return nil
	}
	for resumes := 0; ; resumes++ {
		err := pb.send(ctx, res)
		if err == nil {
			break
		}
		if pb.st.AnnotationsSent != annotationsUnknown || resumes == maxResumes || !mayHaveApplied(ctx, err) {
			return err
		}
		jobs.Logger(ctx).WarnContext(ctx, "an update carrying annotations lost its answer; reading the run back",
			slog.Int64("check_run_id", pb.st.CheckRunID), slog.String("error", err.Error()))
		if serr := pb.sync(ctx); serr != nil {
			return fmt.Errorf("%w (then: %w)", err, serr)
		}
		if done(pb.st, pb.ext) {
			// The lost update was the last: this job completed the run (a
			// forced re-run too, so no second run is made for it).
			break
		}
	}
	pb.p.completed.WithLabelValues(res.Conclusion).Inc()
	return nil
}

// send writes the annotations the run does not hold yet, 50 a call, and
// completes the run with the last call.
func (pb *publisher) send(ctx context.Context, res *review.Result) error {
	anns := res.Annotations
	if pb.reusable() && pb.st.ExternalID == pb.ext {
		anns = anns[min(pb.st.AnnotationsSent, len(anns)):]
	}
	batches := review.Batches(anns)
	if len(batches) == 0 {
		batches = [][]review.Annotation{nil}
	}
	for i, batch := range batches {
		last := i == len(batches)-1
		out := &github.CheckRunOutput{
			Title:   github.Ptr(truncate(res.Title, maxOutputTitle)),
			Summary: github.Ptr(truncate(res.Summary, maxSummary)),
		}
		for _, a := range batch {
			out.Annotations = append(out.Annotations, annotation(a))
		}
		if !last {
			if err := pb.write(ctx, statusInProgress, "", out, nil); err != nil {
				return err
			}
			continue
		}
		var actions []*github.CheckRunAction
		for _, a := range res.Actions {
			actions = append(actions, &github.CheckRunAction{
				Label: truncate(a.Label, 20), Description: truncate(a.Description, 40), Identifier: truncate(a.Identifier, 20),
			})
		}
		if err := pb.write(ctx, statusCompleted, res.Conclusion, out, actions); err != nil {
			return err
		}
	}
	return nil
}

// mayHaveApplied reports whether a failed write may still have been
// carried out by GitHub: no answer (a reset, a timeout) or a 5xx, while
// the job itself still runs.
func mayHaveApplied(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	s := githubapp.Status(err)
	return s == 0 || s >= 500
}

// skip completes a run left in progress on a superseded commit.
func (pb *publisher) skip(ctx context.Context, newer string) error {
	if err := pb.adopt(ctx); err != nil {
		return err
	}
	if pb.st.CheckRunID == 0 || pb.st.Status == statusCompleted {
		return nil
	}
	// Closing the run it left is all that is left to do for this commit:
	// under the inputs it was started with, so it is updated, not replaced.
	pb.ext = pb.st.ExternalID
	out := &github.CheckRunOutput{
		Title: github.Ptr("Superseded by " + short(newer)),
		Summary: github.Ptr(fmt.Sprintf("djsec stopped checking `%s`: the pull request's head is now `%s`, which gets a check of its own.",
			short(pb.t.head), newer)),
	}
	if err := pb.write(ctx, statusCompleted, conclusionSkipped, out, nil); err != nil {
		return err
	}
	pb.p.completed.WithLabelValues(conclusionSkipped).Inc()
	return nil
}

// write creates the run, or updates the recorded one, and records the
// outcome in the row before the next call.
func (pb *publisher) write(ctx context.Context, status, conclusion string, out *github.CheckRunOutput, actions []*github.CheckRunAction) error {
	now := github.Timestamp{Time: pb.p.now().UTC()}
	var completedAt *github.Timestamp
	var concl *string
	if status == statusCompleted {
		completedAt, concl = &now, github.Ptr(conclusion)
	}
	var details *string
	if pb.p.detailsURL != "" {
		details = github.Ptr(pb.p.detailsURL)
	}
	if !pb.reusable() {
		pb.st.CheckRunID, pb.st.AnnotationsSent = 0, 0
	}
	if pb.st.ExternalID != pb.ext {
		pb.st.AnnotationsSent = 0
	}
	var err error
	var cr *github.CheckRun
	if pb.st.CheckRunID != 0 && len(out.Annotations) > 0 {
		// Until the answer is recorded, the row cannot say whether GitHub
		// appended this batch: a job that finds it so reads the run back.
		// pb.st keeps the count for the answer's bookkeeping.
		mark := pb.st
		mark.AnnotationsSent = annotationsUnknown
		if err := pb.p.db.SaveCheckRun(ctx, pb.t.leaseOwner, mark); err != nil {
			return err
		}
	}
	if pb.st.CheckRunID == 0 {
		cr, _, err = pb.gh.Checks.CreateCheckRun(ctx, pb.t.owner, pb.t.name, github.CreateCheckRunOptions{
			Name: Name, HeadSHA: pb.t.head, DetailsURL: details, ExternalID: github.Ptr(pb.ext),
			Status: github.Ptr(status), Conclusion: concl, StartedAt: &now, CompletedAt: completedAt,
			Output: out, Actions: actions,
		})
	} else {
		cr, _, err = pb.gh.Checks.UpdateCheckRun(ctx, pb.t.owner, pb.t.name, pb.st.CheckRunID, github.UpdateCheckRunOptions{
			Name: Name, DetailsURL: details, ExternalID: github.Ptr(pb.ext),
			Status: github.Ptr(status), Conclusion: concl, CompletedAt: completedAt,
			Output: out, Actions: actions,
		})
	}
	if err != nil {
		if pb.st.CheckRunID != 0 && len(out.Annotations) > 0 {
			pb.st.AnnotationsSent = annotationsUnknown
		}
		return pb.failed(ctx, err)
	}
	pb.st.CheckRunID = cr.GetID()
	pb.st.ExternalID = pb.ext
	pb.st.Status, pb.st.Conclusion = status, conclusion
	// GitHub's own count, when it gives one, is the truth about the run.
	if n := cr.GetOutput().AnnotationsCount; n != nil {
		pb.st.AnnotationsSent = *n
	} else {
		pb.st.AnnotationsSent += len(out.Annotations)
	}
	return pb.save(ctx)
}

// failed turns a refused write into the job's error. A 422 means djsec
// sent something GitHub will never accept: retrying would loop, so the
// body is logged and the job ends.
func (pb *publisher) failed(ctx context.Context, err error) error {
	if githubapp.Status(err) == 422 {
		jobs.Logger(ctx).ErrorContext(ctx, "GitHub rejected the check run (422); not retried", slog.String("error", err.Error()))
		return fmt.Errorf("check run of %s: rejected: %w: %w", short(pb.t.head), jobs.ErrPermanent, err)
	}
	return repo.Wrap("check run of "+short(pb.t.head), err)
}

func annotation(a review.Annotation) *github.CheckRunAnnotation {
	end := a.EndLine
	if end < a.StartLine {
		end = a.StartLine
	}
	ca := &github.CheckRunAnnotation{
		Path: github.Ptr(a.Path), StartLine: github.Ptr(a.StartLine), EndLine: github.Ptr(end),
		AnnotationLevel: github.Ptr(string(a.Level)), Message: github.Ptr(a.Message),
	}
	if a.Title != "" {
		ca.Title = github.Ptr(a.Title)
	}
	if a.RawDetails != "" {
		ca.RawDetails = github.Ptr(a.RawDetails)
	}
	// "start_column and end_column … only when start_line and end_line
	// are the same."
	if a.StartLine == end && a.StartColumn > 0 && a.EndColumn >= a.StartColumn {
		ca.StartColumn, ca.EndColumn = github.Ptr(a.StartColumn), github.Ptr(a.EndColumn)
	}
	return ca
}

// truncate cuts s to at most n bytes, at a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
