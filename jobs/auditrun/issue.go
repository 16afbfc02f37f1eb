package auditrun

import (
	"context"
	"log/slog"
	"slices"
	"strconv"
	"strings"

	"github.com/google/go-github/v88/github"

	"github.com/djsec/djsec/githubapp"
	"github.com/djsec/djsec/githubapp/repo"
	"github.com/djsec/djsec/jobs"
	"github.com/djsec/djsec/jobs/auditrun/auditissue"
	"github.com/djsec/djsec/store"
)

type published struct {
	outcome  Outcome
	rendered auditissue.Result
}

// labelColor is the djsec-audit label's colour (GitHub's red).
const labelColor = "d73a4a"

// publish renders the body against the issue's current boxes and writes it
// when it changed. It returns the issue's number.
func (r *Runner) publish(ctx context.Context, gh *github.Client, t Target, in auditissue.Input, prev store.AuditState) (published, int, error) {
	// Everything read here must be fresh: boxes ticked a second ago count.
	fresh := githubapp.WithoutETagCache(ctx)
	issue, err := r.findIssue(fresh, gh, t, prev.IssueNumber)
	if err != nil {
		return published{}, 0, err
	}
	if issue == nil {
		in.Ticks = nil
		res := auditissue.Render(in)
		if err := ensureLabel(fresh, gh, t); err != nil {
			return published{}, 0, err
		}
		created, _, err := gh.Issues.Create(fresh, t.Owner, t.Name, &github.IssueRequest{
			Title: github.Ptr(auditissue.Title), Body: github.Ptr(res.Body), Labels: &[]string{auditissue.Label},
		})
		if err != nil {
			return published{}, 0, repo.Wrap("create the audit issue", err)
		}
		return published{outcome: Created, rendered: res}, created.GetNumber(), nil
	}
	in.Ticks = auditissue.Ticks(issue.GetBody())
	res := auditissue.Render(in)
	reopen := issue.GetState() == "closed" && newlyFailing(res.Failing, prev.Failing)
	if res.Body == issue.GetBody() && !reopen {
		return published{outcome: Same, rendered: res}, issue.GetNumber(), nil
	}
	req := &github.IssueRequest{Body: github.Ptr(res.Body)}
	if reopen {
		req.State = github.Ptr("open")
	}
	if _, _, err := gh.Issues.Edit(fresh, t.Owner, t.Name, issue.GetNumber(), req); err != nil {
		return published{}, 0, repo.Wrap("edit the audit issue", err)
	}
	return published{outcome: Edited, rendered: res}, issue.GetNumber(), nil
}

// newlyFailing reports whether an item fails now that did not at the last
// audit: only that reopens an issue people closed.
func newlyFailing(now, before []string) bool {
	for _, id := range now {
		if !slices.Contains(before, id) {
			return true
		}
	}
	return false
}

// ours reports djsec's audit issue: the title and marker, created by
// this App's bot user (slug[bot]). Any other App, or a workflow's
// github-actions[bot], could write the same title and marker, and djsec
// would then keep its findings in an issue someone else controls.
// The bot's login is asked of GitHub only when a candidate is found.
func ours(i *github.Issue, bot func() string) bool {
	if i == nil || i.PullRequestLinks != nil || i.GetTitle() != auditissue.Title ||
		!strings.Contains(i.GetBody(), auditissue.Marker) || i.GetUser().GetType() != "Bot" {
		return false
	}
	b := bot()
	return b == "" || strings.EqualFold(i.GetUser().GetLogin(), b)
}

// botLogin is the App's bot user, slug[bot], asked of GitHub once per
// process ("" when GitHub cannot say: any bot is then taken).
func (r *Runner) botLogin(ctx context.Context) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.bot != "" {
		return r.bot
	}
	app, err := r.clients.NewAppClient()
	if err != nil {
		return ""
	}
	a, _, err := app.Apps.Get(ctx, "")
	if err != nil || a.GetSlug() == "" {
		jobs.Logger(ctx).WarnContext(ctx, "could not learn the App's slug; any bot's audit issue is adopted", slog.Any("error", err))
		return ""
	}
	r.bot = a.GetSlug() + "[bot]"
	return r.bot
}

// findIssue returns djsec's audit issue (nil: none yet): the stored number
// when it is still djsec's; else, among every issue with the label, djsec's
// by title and marker, the lowest number, the others closed as duplicates.
func (r *Runner) findIssue(ctx context.Context, gh *github.Client, t Target, known int) (*github.Issue, error) {
	bot := func() string { return r.botLogin(ctx) }
	var keep *github.Issue
	if known > 0 {
		i, _, err := gh.Issues.Get(ctx, t.Owner, t.Name, known)
		switch {
		case err == nil && ours(i, bot):
			keep = i
		case err != nil && !githubapp.NotFound(err) && githubapp.Status(err) != 410:
			return nil, repo.Wrap("get the audit issue", err)
		}
	}
	if keep != nil {
		// The stored number is ours: duplicates arise only when the state
		// was lost, and were closed when it was found again.
		return keep, nil
	}
	opts := &github.IssueListByRepoOptions{State: "all", Labels: []string{auditissue.Label}, ListOptions: github.ListOptions{PerPage: 100}}
	var found []*github.Issue
	for {
		page, resp, err := gh.Issues.ListByRepo(ctx, t.Owner, t.Name, opts)
		if err != nil {
			return nil, repo.Wrap("list audit issues", err)
		}
		for _, i := range page {
			if ours(i, bot) {
				found = append(found, i)
			}
		}
		if resp.NextPage == 0 {
			break
		}
		opts.ListOptions.Page = resp.NextPage
	}
	for _, i := range found {
		if keep == nil || i.GetNumber() < keep.GetNumber() {
			keep = i
		}
	}
	for _, i := range found {
		if keep != nil && i.GetNumber() != keep.GetNumber() && i.GetState() == "open" {
			body := i.GetBody() + "\n\n_Closed by djsec: #" + strconv.Itoa(keep.GetNumber()) + " is this repository's audit issue._\n"
			if _, _, err := gh.Issues.Edit(ctx, t.Owner, t.Name, i.GetNumber(), &github.IssueRequest{
				State: github.Ptr("closed"), StateReason: github.Ptr("not_planned"), Body: github.Ptr(strings.Replace(body, auditissue.Marker, "", 1)),
			}); err != nil {
				return nil, repo.Wrap("close a duplicate audit issue", err)
			}
		}
	}
	return keep, nil
}

// ensureLabel creates the djsec-audit label, with its colour and
// description, when the repository lacks it. It asks whether the label
// exists first: a POST answered 422 still counts against GitHub's
// secondary limit on content-creating requests (80 a minute per
// installation), and a first install audits every repository at once.
func ensureLabel(ctx context.Context, gh *github.Client, t Target) error {
	_, _, err := gh.Issues.GetLabel(ctx, t.Owner, t.Name, auditissue.Label)
	switch {
	case err == nil:
		return nil
	case !githubapp.NotFound(err):
		return repo.Wrap("get the label", err)
	}
	_, _, err = gh.Issues.CreateLabel(ctx, t.Owner, t.Name, &github.Label{
		Name: github.Ptr(auditissue.Label), Color: github.Ptr(labelColor), Description: github.Ptr("djsec's weekly Django security audit"),
	})
	if err != nil && githubapp.Status(err) != 422 { // 422: created meanwhile
		return repo.Wrap("create the label", err)
	}
	return nil
}
