package fixup

import (
	"context"
	"fmt"
	"strings"

	"github.com/djsec/djsec/internal/md"
	"github.com/djsec/djsec/jobs/checkrun/review/patch"
	"github.com/google/go-github/v88/github"
)

// review posts the fixes to a fork's pull request as one review: a
// suggestion for each edit whose lines the diff shows, the rest listed in
// the body. djsec pushes nothing to a fork.
func (b *build) review(ctx context.Context, pull *github.PullRequest, files map[string][]byte, res *Result) error {
	// Every changed file, not the first page: GitHub lists up to 3,000,
	// 100 a page (repo.PullFiles).
	list, err := b.repo.PullFiles(ctx, b.r.PR)
	if err != nil {
		return fmt.Errorf("fixup: files of #%d: %w", b.r.PR, err)
	}
	visible := map[string]patch.Lines{}
	for _, f := range list {
		// A patch that does not parse shows no line: its edits are
		// listed in the body rather than suggested on a guess.
		if p, err := patch.Parse(f.GetPatch()); err == nil {
			visible[f.GetFilename()] = p.Shown()
		}
	}
	var comments []*github.DraftReviewComment
	var rest []string
	for _, p := range sortedKeys(res.Files) {
		old, ok := files[p]
		h, okHunk := hunk(string(old), string(res.Files[p]))
		if !ok || !okHunk || !visible[p].Covers(h.start, h.end) {
			rest = append(rest, p)
			continue
		}
		c := &github.DraftReviewComment{
			Path: github.Ptr(p), Line: github.Ptr(h.end), Side: github.Ptr("RIGHT"),
			Body: github.Ptr("djsec suggests:\n\n```suggestion\n" + h.text + "```\n"),
		}
		if h.start != h.end {
			c.StartLine, c.StartSide = github.Ptr(h.start), github.Ptr("RIGHT")
		}
		comments = append(comments, c)
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "djsec cannot push to a fork, so here are its fixes as suggestions.\n\n")
	budget := maxBody - 400
	if len(rest) > 0 {
		sb.WriteString("Edits outside this pull request's diff (apply them by hand, or run `bot fix` on your branch):\n\n")
		var lines []string
		for _, p := range rest {
			l := fmt.Sprintf("- %s\n", md.Code(p))
			for _, c := range res.Changes {
				if c.Path == p {
					l += fmt.Sprintf("  - %s: %s\n", md.Text(c.Rule), md.Text(c.Description))
				}
			}
			lines = append(lines, l)
		}
		rows(&sb, lines, budget, func(n int) string {
			return fmt.Sprintf("- … and %s more (GitHub's size limit); `bot fix` on the branch makes them all\n", plural(n, "file"))
		})
	}
	sb.WriteString("\n")
	writeUnfixed(&sb, res.Unfixed, budget)
	_, _, err = b.gh.PullRequests.CreateReview(ctx, b.owner, b.name, b.r.PR, &github.PullRequestReviewRequest{
		CommitID: github.Ptr(pull.GetHead().GetSHA()), Body: github.Ptr(sb.String()), Event: github.Ptr("COMMENT"), Comments: comments,
	})
	if err != nil {
		return b.failed(ctx, "", "post the review", err)
	}
	return nil
}

// edit replaces old lines start..end (1-based, inclusive) with text.
type edit struct {
	start, end int
	text       string
}

// hunk is the one block of lines that differs between old and new (a
// suggestion replaces a block of lines); an insertion takes the line
// before it along, since a suggestion needs a line to replace.
func hunk(old, new string) (edit, bool) {
	a, b := strings.SplitAfter(old, "\n"), strings.SplitAfter(new, "\n")
	if a[len(a)-1] == "" {
		a = a[:len(a)-1]
	}
	if b[len(b)-1] == "" {
		b = b[:len(b)-1]
	}
	p := 0
	for p < len(a) && p < len(b) && a[p] == b[p] {
		p++
	}
	s := 0
	for s < len(a)-p && s < len(b)-p && a[len(a)-1-s] == b[len(b)-1-s] {
		s++
	}
	if p == len(a) && p == len(b) {
		return edit{}, false
	}
	start, end := p, len(a)-s // old lines [start, end)
	if start == end {
		if start == 0 {
			return edit{}, false
		}
		start--
	}
	text := strings.Join(b[start:len(b)-s], "")
	// An empty suggestion deletes the lines it covers; a "\n" would leave
	// a blank line where they were.
	if text != "" && !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	return edit{start: start + 1, end: end, text: text}, true
}
