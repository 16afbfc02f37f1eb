package auditrun

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/google/go-github/v88/github"

	"github.com/djsec/djsec/checks"
	"github.com/djsec/djsec/jobs"
)

// Truncated trees. GitHub answers a recursive tree read with at most
// 100,000 entries or 7 MB and sets "truncated"; taking the rest for absent
// would report a monorepo as passing, or as no Django project at all. The
// tree is then walked directory by directory: each subtree is read
// recursively in one call, and only one GitHub truncates too is listed
// (non-recursively) and its subdirectories walked in turn. Directories the
// analyzer never reads (node_modules, .git, virtualenvs: checks.SkippedDir)
// are not walked. The walk stops at a bound of reads; what it did not
// reach is named in the issue.

// DefaultMaxTreeReads bounds the tree reads of one audit's walk of a
// truncated tree.
const DefaultMaxTreeReads = 100

// maxUnreadNamed bounds the unread directories the issue names.
const maxUnreadNamed = 5

type dir struct{ sha, prefix string }

// walkTree reads the tree of commit sha subtree by subtree, at most max
// reads. coverage is "" when every directory djsec reads was listed, else
// what the issue says about the rest.
func walkTree(ctx context.Context, gh *github.Client, t Target, sha string, max int) (entries []*github.TreeEntry, coverage string, err error) {
	log := jobs.Logger(ctx)
	reads := 0
	var lost []string // directories listed incompletely or not at all
	// list reads one directory; recursive first, as one call covers it
	// whole unless it is itself too large.
	list := func(d dir, recursive bool) (*github.Tree, error) {
		reads++
		tr, _, err := gh.Git.GetTree(ctx, t.Owner, t.Name, d.sha, recursive)
		if err != nil {
			return nil, ghError("get tree "+strings.TrimSuffix(d.prefix, "/"), err)
		}
		return tr, nil
	}
	add := func(prefix string, es []*github.TreeEntry, recursive bool) []dir {
		var sub []dir
		for _, e := range es {
			p := prefix + e.GetPath()
			if skipped(p, e.GetType() == "tree") {
				continue
			}
			if e.GetType() == "tree" {
				if !recursive {
					sub = append(sub, dir{sha: e.GetSHA(), prefix: p + "/"})
				}
				continue
			}
			c := *e
			c.Path = github.Ptr(p)
			entries = append(entries, &c)
		}
		return sub
	}
	// The root, listed alone: the recursive answer was truncated.
	queue := []dir{{sha: sha}}
	first := true
	for len(queue) > 0 {
		if reads >= max {
			for _, d := range queue {
				lost = append(lost, d.prefix)
			}
			break
		}
		d := queue[0]
		queue = queue[1:]
		if !first {
			tr, err := list(d, true)
			if err != nil {
				return nil, "", err
			}
			if !tr.GetTruncated() {
				add(d.prefix, tr.Entries, true)
				continue
			}
			if reads >= max {
				lost = append(lost, d.prefix)
				continue
			}
		}
		first = false
		tr, err := list(d, false)
		if err != nil {
			return nil, "", err
		}
		if tr.GetTruncated() {
			// A directory of over 100,000 entries: what came is kept.
			lost = append(lost, d.prefix)
		}
		queue = append(queue, add(d.prefix, tr.Entries, false)...)
	}
	log.InfoContext(ctx, "the tree was truncated; walked it subtree by subtree", slog.Int("tree_reads", reads),
		slog.Int("files", len(entries)), slog.Int("unread_directories", len(lost)))
	if len(lost) == 0 {
		return entries, "", nil
	}
	return entries, coverageNote(lost, max), nil
}

// skipped: a directory the analyzer never reads, or a file under one.
func skipped(p string, isDir bool) bool {
	parts := strings.Split(p, "/")
	if !isDir {
		parts = parts[:len(parts)-1]
	}
	for _, d := range parts {
		if checks.SkippedDir(d) {
			return true
		}
	}
	return false
}

func coverageNote(lost []string, max int) string {
	var names []string
	for _, d := range lost[:min(len(lost), maxUnreadNamed)] {
		if d == "" {
			d = "/"
		}
		names = append(names, "`"+d+"`")
	}
	more := ""
	if len(lost) > maxUnreadNamed {
		more = fmt.Sprintf(" and %d more", len(lost)-maxUnreadNamed)
	}
	return fmt.Sprintf("GitHub truncated this repository's file tree, so djsec listed it directory by directory, "+
		"up to %d tree reads: files under %s%s were not listed and not audited.", max, strings.Join(names, ", "), more)
}
