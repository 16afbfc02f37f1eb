package repo

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/google/go-github/v88/github"

	"github.com/djsec/djsec/checks"
	"github.com/djsec/djsec/internal/jobctx"
)

// Tree reads the tree of commit sha, recursively, in one call. GitHub
// answers with at most 100,000 entries or 7 MB and sets truncated; Walk
// lists such a tree whole. A tree never changes, so the ETag cache is not
// used. A 404 is ErrNotFound.
func (r *Repo) Tree(ctx context.Context, sha string) (*github.Tree, error) {
	return r.tree(ctx, sha, "", true)
}

// RootTree reads the top of the tree of commit sha alone (its SHA is the
// base of a new tree).
func (r *Repo) RootTree(ctx context.Context, sha string) (*github.Tree, error) {
	return r.tree(ctx, sha, "", false)
}

func (r *Repo) tree(ctx context.Context, sha, prefix string, recursive bool) (*github.Tree, error) {
	r.calls.Add(1)
	tr, _, err := r.gh.Git.GetTree(noCache(ctx), r.owner, r.name, sha, recursive)
	if err != nil {
		what := "get the tree of " + Short(sha)
		if prefix != "" {
			what = "get tree " + strings.TrimSuffix(prefix, "/")
		}
		return nil, Wrap(what, err)
	}
	return tr, nil
}

// maxUnreadNamed bounds the unread directories Walk's coverage names.
const maxUnreadNamed = 5

// Walk lists the tree of commit sha when one recursive read is truncated
// (Tree): taking the rest for absent would report a monorepo as passing,
// or as no Django project at all. The tree is walked directory by
// directory: each subtree is read recursively in one call, and only one
// GitHub truncates too is listed (non-recursively) and its subdirectories
// walked in turn. Directories the analyzer never reads (node_modules,
// .git, virtualenvs: checks.SkippedDir) are not walked. The walk stops
// after maxReads reads; coverage is "" when every directory djsec reads
// was listed, else a sentence naming what was not.
func (r *Repo) Walk(ctx context.Context, sha string, maxReads int) (entries []*github.TreeEntry, coverage string, err error) {
	reads := 0
	var lost []string // directories listed incompletely or not at all
	type dir struct{ sha, prefix string }
	list := func(d dir, recursive bool) (*github.Tree, error) {
		reads++
		return r.tree(ctx, d.sha, d.prefix+"/", recursive)
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
		if reads >= maxReads {
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
			if reads >= maxReads {
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
	jobctx.Logger(ctx).InfoContext(ctx, "the tree was truncated; walked it subtree by subtree", slog.Int("tree_reads", reads),
		slog.Int("files", len(entries)), slog.Int("unread_directories", len(lost)))
	if len(lost) == 0 {
		return entries, "", nil
	}
	return entries, coverageNote(lost, maxReads), nil
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

func coverageNote(lost []string, maxReads int) string {
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
		"up to %d tree reads: files under %s%s were not listed and not audited.", maxReads, strings.Join(names, ", "), more)
}
