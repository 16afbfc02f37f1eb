package fixup

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path"
	"sort"
	"strings"

	"github.com/google/go-github/v88/github"

	"github.com/djsec/djsec/checks"
	"github.com/djsec/djsec/githubapp"
	"github.com/djsec/djsec/githubapp/repo"
	"github.com/djsec/djsec/jobs"
	"github.com/djsec/djsec/store"
)

// build is one attempt at one request.
type build struct {
	f *Fixup
	// repo reads the repository (config, tree, files, links); gh writes.
	repo        *repo.Repo
	gh          *github.Client
	r           Request
	owner, name string
	log         *slog.Logger
	// modes are the tree's file modes at head, by path: a rewritten file
	// keeps its own (an executable script stays executable).
	modes map[string]string
	// links are the symbolic links read at head, by path: the file each
	// resolves to, or (linkWhy) why it was not followed (links.go).
	links, linkWhy map[string]string
	// outcome is what happened, for the reply to a command (Request.Reply):
	// the comments to the pull request that would say it go there instead.
	outcome string
}

func noCache(ctx context.Context) context.Context { return githubapp.WithoutETagCache(ctx) }

// refused is a write GitHub will not take however often it is retried:
// no permission, branch protection, a rule the push breaks.
func refused(err error) bool {
	s := githubapp.Status(err)
	return s == http.StatusForbidden || s == http.StatusNotFound || s == http.StatusUnprocessableEntity || s == http.StatusConflict
}

func (b *build) run(ctx context.Context) error {
	pull, _, err := b.gh.PullRequests.Get(noCache(ctx), b.owner, b.name, b.r.PR)
	if err != nil {
		if githubapp.NotFound(err) {
			return nil
		}
		return fmt.Errorf("fixup: get pull request #%d: %w", b.r.PR, err)
	}
	row, err := b.f.db.Fixup(ctx, b.r.RepoID, b.r.PR)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if pull.GetState() != "open" {
		b.outcome = "Nothing was done: the pull request is no longer open."
		return nil
	}
	if row.State == "open" && row.FixupPR != 0 {
		fp, _, err := b.gh.PullRequests.Get(noCache(ctx), b.owner, b.name, row.FixupPR)
		if err != nil && !githubapp.NotFound(err) {
			return fmt.Errorf("fixup: get fix-up #%d: %w", row.FixupPR, err)
		}
		if err != nil || fp.GetState() != "open" {
			// A person merged or closed it: their call. Pushes leave it
			// be; only a new request opens another.
			row.State = "dismissed"
			if err := b.f.db.SaveFixup(ctx, row); err != nil {
				return err
			}
		}
	}
	if b.r.Auto && row.State == "dismissed" {
		return nil
	}
	open := row.State == "open" && row.FixupPR != 0
	head, headRef := pull.GetHead().GetSHA(), pull.GetHead().GetRef()
	fork := !strings.EqualFold(pull.GetHead().GetRepo().GetFullName(), b.r.Repo)
	if !fork && strings.HasPrefix(headRef, branchPrefix) {
		b.outcome = "Nothing was done: this is djsec's own fix-up pull request, and djsec never fixes its fixes."
		return nil // djsec's own fix-up: never a fix-up of a fix-up
	}

	cfg, err := b.config(ctx, pull.GetBase().GetRef())
	if err != nil {
		return err
	}
	// A fix-up someone asked for is kept current on later pushes even
	// when fix_prs is "command".
	if cfg.FixPRs == "off" || (b.r.Auto && cfg.FixPRs != "auto" && !open) {
		if open {
			// Still keep an open fix-up honest: close it once its
			// findings are gone.
			return b.refreshOnly(ctx, row, head, cfg)
		}
		b.log.InfoContext(ctx, "fix-up pull requests not enabled for this trigger", slog.String("fix_prs", cfg.FixPRs))
		b.outcome = "Nothing was done: the base branch's `.github/djsec.yml` says `fix_prs: off`."
		return nil
	}
	files, err := b.files(ctx, head)
	if err != nil {
		return err
	}
	in := checks.Input{Files: files, Config: cfg, Now: nowFunc()}
	before := checks.Analyze(ctx, in)
	rules := b.rules(before.Findings)
	if len(rules) == 0 {
		b.outcome = "Nothing to fix: the pull request has no finding djsec can fix" + b.askedRules() + "."
		return b.close(ctx, row, "the findings it fixed are gone from the pull request")
	}
	res, err := b.f.engine.Fix(ctx, in, rules)
	if err != nil {
		return fmt.Errorf("fixup: fix: %w", err)
	}
	view := b.linkEdits(ctx, files, res)
	if len(res.Files) == 0 && len(res.Deleted) == 0 {
		if open {
			b.outcome = "Nothing djsec can fix is left, so the open fix-up pull request was closed.\n\n" + unfixedList(res.Unfixed)
			return b.close(ctx, row, "nothing djsec can fix is left")
		}
		if !b.r.Auto {
			return b.comment(ctx, b.r.PR, "djsec found nothing it can fix safely in this pull request.\n\n"+unfixedList(res.Unfixed))
		}
		return nil
	}
	if bad := newFindings(ctx, in, before, res); len(bad) > 0 {
		// Proof, not hope: an edit that makes anything worse is dropped.
		b.log.ErrorContext(ctx, "the fixers' edits add findings; no fix-up", slog.Any("rules", bad))
		b.outcome = "Nothing was opened: checked together, the fixes would bring new findings (" + strings.Join(bad, ", ") + "), so djsec left them to a person."
		return nil
	}
	if fork {
		if b.r.Auto && row.State == "reviewed" {
			// One review per fork pull request unless a person asks again:
			// a review on every push would bury the conversation.
			return nil
		}
		if err := b.review(ctx, pull, view, res); err != nil {
			return err
		}
		if b.outcome == "" {
			b.outcome = "This pull request comes from a fork, which djsec cannot push to: its review on this pull request holds the fixes as suggestions."
		}
		return b.f.db.SaveFixup(ctx, store.Fixup{RepoID: b.r.RepoID, PR: b.r.PR, Branch: "", State: "reviewed", HeadSHA: head})
	}
	return b.publish(ctx, row, head, headRef, res)
}

// rules are the ones asked for, or every critical fixable finding's.
func (b *build) rules(fs []checks.Finding) []string {
	present := map[string]bool{}
	var out []string
	for _, f := range fs {
		if f.Suppressed || !f.Fixable || present[f.Rule] {
			continue
		}
		if len(b.r.Rules) == 0 && !checks.FixUpTarget(f) {
			continue
		}
		if len(b.r.Rules) > 0 && !contains(b.r.Rules, f.Rule) {
			continue
		}
		present[f.Rule] = true
		out = append(out, f.Rule)
	}
	sort.Strings(out)
	return out
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if strings.EqualFold(x, v) {
			return true
		}
	}
	return false
}

// newFindings re-runs the analyzer on the fixed files and returns the rules
// of findings that were not there before.
func newFindings(ctx context.Context, in checks.Input, before *checks.Result, res *Result) []string {
	files := map[string][]byte{}
	for k, v := range in.Files {
		files[k] = v
	}
	for k, v := range res.Files {
		files[k] = v
	}
	for _, d := range res.Deleted {
		delete(files, d)
	}
	had := map[string]bool{}
	for _, f := range before.Findings {
		had[f.Fingerprint] = true
	}
	after := checks.Analyze(ctx, checks.Input{Files: files, Config: in.Config, Now: in.Now})
	var bad []string
	for _, f := range after.Findings {
		if !had[f.Fingerprint] && !f.Suppressed {
			bad = append(bad, f.Rule)
		}
	}
	return bad
}

// refreshOnly closes an open fix-up whose findings are gone when the
// configuration no longer asks for automatic ones.
func (b *build) refreshOnly(ctx context.Context, row store.Fixup, head string, cfg *checks.Config) error {
	files, err := b.files(ctx, head)
	if err != nil {
		return err
	}
	if len(b.rules(checks.Analyze(ctx, checks.Input{Files: files, Config: cfg, Now: nowFunc()}).Findings)) == 0 {
		return b.close(ctx, row, "the findings it fixed are gone from the pull request")
	}
	return nil
}

func (b *build) config(ctx context.Context, baseRef string) (*checks.Config, error) {
	c, err := b.repo.Config(ctx, baseRef)
	if msg, ok := repo.Unreadable(err); ok {
		return nil, fmt.Errorf("fixup: %s is %s", checks.ConfigPath, msg)
	}
	if err != nil {
		return nil, err
	}
	cfg, _ := c.Parse()
	return cfg, nil
}

// wanted are the files fixers read or write besides the analyzer's.
func wanted(p string) bool {
	base := path.Base(p)
	return checks.Relevant(p) || base == ".gitignore" || checks.IsEnvExample(p) ||
		(strings.HasPrefix(base, "requirements") && strings.HasSuffix(base, ".txt"))
}

// files reads the files the analyzer and fixers need at head.
func (b *build) files(ctx context.Context, head string) (map[string][]byte, error) {
	tree, err := b.repo.Tree(ctx, head)
	if err != nil {
		return nil, fmt.Errorf("fixup: tree at %s: %w", head, err)
	}
	out := map[string][]byte{}
	read := map[string][]byte{} // by the path read: a link's target once
	b.modes, b.links, b.linkWhy = map[string]string{}, map[string]string{}, map[string]string{}
	byPath := map[string]*github.TreeEntry{}
	for _, e := range tree.Entries {
		byPath[e.GetPath()] = e
		if e.GetType() == "blob" {
			// Every file's: an edit must never turn a link it did not
			// read into a file either.
			b.modes[e.GetPath()] = e.GetMode()
		}
	}
	for _, e := range tree.Entries {
		if e.GetType() != "blob" || !wanted(e.GetPath()) {
			continue
		}
		if len(out) >= b.f.maxFiles {
			break
		}
		key := e.GetPath()
		if e.GetMode() == repo.LinkMode {
			// Read at the file the link names, checked in the tree: the
			// contents API would follow it too, but only to a file.
			link := key
			target, why, err := b.repo.Follow(ctx, byPath, link)
			if err != nil {
				return nil, fmt.Errorf("fixup: %w", tooLarge(err))
			}
			if target == "" {
				b.linkWhy[link] = why
				b.log.InfoContext(ctx, "symbolic link not followed", slog.String("path", link), slog.String("why", why))
				continue
			}
			b.links[link] = target
			e = byPath[target]
		}
		if data, ok := read[e.GetPath()]; ok {
			out[key] = data
			continue
		}
		var data []byte
		if e.GetSize() > repo.ContentsAPILimit {
			// The contents API sends no content past 1 MB: the blob has
			// it. A file the fixers might rewrite (a long .gitignore or
			// requirements file) must be read whole, never replaced by a
			// new one.
			data, err = b.repo.Blob(ctx, e.GetPath(), e.GetSHA(), e.GetSize())
		} else {
			data, err = b.repo.File(ctx, head, e.GetPath())
		}
		if err != nil {
			return nil, fmt.Errorf("fixup: read %s: %w", e.GetPath(), tooLarge(err))
		}
		read[e.GetPath()] = data
		out[key] = data
	}
	return out, nil
}

// tooLarge marks a file the fix-up needs but djsec does not read (over
// repo.MaxBlobSize) as permanent: the file stays as large on every retry.
func tooLarge(err error) error {
	if msg, ok := repo.Unreadable(err); ok {
		return fmt.Errorf("%s: %w: %w", msg, errTooLarge, jobs.ErrPermanent)
	}
	return err
}

// errTooLarge: a file the fix-up needs is too large to read.
var errTooLarge = errors.New("file too large")

// close closes an open fix-up pull request with a comment saying why and
// deletes its branch.
func (b *build) close(ctx context.Context, row store.Fixup, why string) error {
	if row.State != "open" || row.FixupPR == 0 {
		return nil
	}
	if err := b.comment(ctx, row.FixupPR, "Closing: "+why+"."); err != nil {
		return err
	}
	if _, _, err := b.gh.PullRequests.Edit(ctx, b.owner, b.name, row.FixupPR, &github.PullRequest{State: github.Ptr("closed")}); err != nil {
		return fmt.Errorf("fixup: close #%d: %w", row.FixupPR, err)
	}
	if _, err := b.gh.Git.DeleteRef(ctx, b.owner, b.name, "heads/"+row.Branch); err != nil && !refused(err) {
		return fmt.Errorf("fixup: delete %s: %w", row.Branch, err)
	}
	row.State = "closed"
	return b.f.db.SaveFixup(ctx, row)
}

// publish writes one commit on the fix-up branch and opens (or refreshes)
// the fix-up pull request.
func (b *build) publish(ctx context.Context, row store.Fixup, head, headRef string, res *Result) error {
	branch := Branch(b.r.PR)
	cm, step, err := b.commit(ctx, head, commitMessage(fmt.Sprintf("#%d", b.r.PR), res), res)
	if err != nil {
		return b.failed(ctx, "", step, err)
	}
	// Nothing is visible yet: when the branch moved, start over on its
	// new head rather than propose edits to an old commit.
	now, _, err := b.gh.Git.GetRef(noCache(ctx), b.owner, b.name, "heads/"+headRef)
	if err != nil {
		return fmt.Errorf("fixup: head branch %s: %w", headRef, err)
	}
	if now.GetObject().GetSHA() != head {
		return errMoved
	}
	created := ""
	if _, _, err := b.gh.Git.GetRef(noCache(ctx), b.owner, b.name, "heads/"+branch); githubapp.NotFound(err) {
		if _, _, err := b.gh.Git.CreateRef(ctx, b.owner, b.name, github.CreateRef{Ref: "refs/heads/" + branch, SHA: cm.GetSHA()}); err != nil {
			return b.failed(ctx, "", "create the branch "+branch, err)
		}
		created = branch
	} else if err != nil {
		return fmt.Errorf("fixup: branch %s: %w", branch, err)
	} else if _, _, err := b.gh.Git.UpdateRef(ctx, b.owner, b.name, "heads/"+branch, github.UpdateRef{SHA: cm.GetSHA(), Force: github.Ptr(true)}); err != nil {
		return b.failed(ctx, "", "update the branch "+branch, err)
	}

	title, body := Title(b.r.PR, res), Body(b.r.PR, res)
	number := 0
	if row.State == "open" && row.FixupPR != 0 {
		number = row.FixupPR
	} else {
		// A row lost (or never saved after a crash): GitHub's list is the
		// truth about what is open.
		prs, _, err := b.gh.PullRequests.List(noCache(ctx), b.owner, b.name, &github.PullRequestListOptions{State: "open", Head: b.owner + ":" + branch})
		if err != nil {
			return b.failed(ctx, created, "list pull requests", err)
		}
		if len(prs) > 0 {
			number = prs[0].GetNumber()
		}
	}
	if number != 0 {
		if _, _, err := b.gh.PullRequests.Edit(ctx, b.owner, b.name, number, &github.PullRequest{Title: github.Ptr(title), Body: github.Ptr(body)}); err != nil {
			return b.failed(ctx, created, "update the fix-up pull request", err)
		}
		b.log.InfoContext(ctx, "fix-up pull request refreshed", slog.Int("fixup_pr", number))
		b.outcome = fmt.Sprintf("Updated #%d with fixes for %s.", number, plural(len(res.Changes), "change"))
		return b.f.db.SaveFixup(ctx, store.Fixup{RepoID: b.r.RepoID, PR: b.r.PR, FixupPR: number, Branch: branch, State: "open", HeadSHA: head})
	}
	pr, _, err := b.gh.PullRequests.Create(ctx, b.owner, b.name, &github.NewPullRequest{
		Title: github.Ptr(title), Head: github.Ptr(branch), Base: github.Ptr(headRef), Body: github.Ptr(body),
	})
	if err != nil {
		return b.failed(ctx, created, "open the fix-up pull request", err)
	}
	if err := b.f.db.SaveFixup(ctx, store.Fixup{RepoID: b.r.RepoID, PR: b.r.PR, FixupPR: pr.GetNumber(), Branch: branch, State: "open", HeadSHA: head}); err != nil {
		return err
	}
	b.log.InfoContext(ctx, "fix-up pull request opened", slog.Int("fixup_pr", pr.GetNumber()))
	return b.comment(ctx, b.r.PR, fmt.Sprintf("djsec opened #%d with fixes for %s. Merge it into this branch, or close it if you disagree.",
		pr.GetNumber(), plural(len(res.Changes), "change")))
}

// commit writes res's files as one commit on top of head (not on any
// branch yet). step names what failed, for the message.
func (b *build) commit(ctx context.Context, head, message string, res *Result) (cm *github.Commit, step string, err error) {
	tree, err := b.repo.RootTree(ctx, head)
	if err != nil {
		return nil, "read the tree of " + head, err
	}
	var entries []*github.TreeEntry
	for _, p := range sortedKeys(res.Files) {
		if b.modes[p] == repo.LinkMode {
			// linkEdits maps these away; writing one would replace a
			// link with a file.
			return nil, "write " + p, fmt.Errorf("fixup: %s is a symbolic link: %w", p, jobs.ErrPermanent)
		}
		blob, _, err := b.gh.Git.CreateBlob(ctx, b.owner, b.name, github.Blob{
			Content: github.Ptr(base64.StdEncoding.EncodeToString(res.Files[p])), Encoding: github.Ptr("base64"),
		})
		if err != nil {
			return nil, "create a blob", err
		}
		mode := "100644"
		if m := b.modes[p]; m == "100755" {
			mode = m
		}
		entries = append(entries, &github.TreeEntry{Path: github.Ptr(p), Mode: github.Ptr(mode), Type: github.Ptr("blob"), SHA: blob.SHA})
	}
	for _, p := range res.Deleted {
		entries = append(entries, &github.TreeEntry{Path: github.Ptr(p), Mode: github.Ptr("100644"), Type: github.Ptr("blob")})
	}
	nt, _, err := b.gh.Git.CreateTree(ctx, b.owner, b.name, tree.GetSHA(), entries)
	if err != nil {
		return nil, "create the tree", err
	}
	cm, _, err = b.gh.Git.CreateCommit(ctx, b.owner, b.name, github.Commit{
		Message: github.Ptr(message), Tree: nt, Parents: []*github.Commit{{SHA: github.Ptr(head)}},
	}, nil)
	if err != nil {
		return nil, "create the commit", err
	}
	return cm, "", nil
}

// failed handles a write GitHub refused: the branch this attempt created
// is deleted, so nothing half-written is left, and the pull request gets a
// comment saying what happened. Other errors are retried.
func (b *build) failed(ctx context.Context, createdBranch, what string, err error) error {
	if createdBranch != "" {
		if _, derr := b.gh.Git.DeleteRef(context.WithoutCancel(ctx), b.owner, b.name, "heads/"+createdBranch); derr != nil {
			b.log.WarnContext(ctx, "deleting the fix-up branch after a failure", slog.String("error", derr.Error()))
		}
	}
	if !refused(err) {
		return fmt.Errorf("fixup: %s: %w", what, err)
	}
	b.log.WarnContext(ctx, "GitHub refused the fix-up", slog.String("step", what), slog.String("error", err.Error()))
	return b.comment(ctx, b.r.PR, refusal(what, err))
}

// refusal says which write GitHub refused and what may forbid it.
func refusal(what string, err error) string {
	msg := err.Error()
	var er *github.ErrorResponse
	if errors.As(err, &er) {
		msg = er.Message
	}
	return fmt.Sprintf("djsec could not %s for the fix-up pull request: GitHub answered %d (%s). "+
		"Branch protection or the App's permissions (contents and pull requests: write) may forbid it; nothing was left behind.",
		what, githubapp.Status(err), msg)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
