package auditrun

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/google/go-github/v88/github"

	"github.com/djsec/djsec/checks"
	"github.com/djsec/djsec/checks/deps"
	"github.com/djsec/djsec/githubapp/repo"
	"github.com/djsec/djsec/jobs"
)

// fetcher reads one repository's default branch through repo (by branch
// name, through the ETag cache, each file checked against the tree's blob
// SHA and kept in the store's blob cache).
type fetcher struct {
	repo   *repo.Repo
	branch string

	mu   sync.Mutex
	got  map[string][]byte
	errs []checks.FileError
}

// project is what discovery found in the tree.
type project struct {
	django bool
	// blobs are the tree's files the analyzer reads: a symbolic link is
	// read at the file it resolves to (repo.Follow), with that file's
	// blob SHA and size, and kept under its own path, as a checkout holds
	// it.
	blobs map[string]repo.Entry
	// order is blobs' paths, most telling first (config, manage.py,
	// settings, manifests, the rest by path).
	order []string
	// all are every file of the tree (a repository's own checklist is
	// Markdown, which the analyzer does not read).
	all map[string]*github.TreeEntry
}

func isManifest(p string) bool {
	b := path.Base(p)
	return strings.HasPrefix(b, "requirements") && strings.HasSuffix(b, ".txt") ||
		b == "pyproject.toml" || b == "Pipfile" || b == "setup.py" || b == "setup.cfg" || deps.IsLockFile(p)
}

func isSettings(p string) bool {
	if !strings.HasSuffix(p, ".py") {
		return false
	}
	return path.Base(p) == "settings.py" || strings.Contains("/"+path.Dir(p)+"/", "/settings/")
}

func rank(p string) int {
	switch {
	case p == checks.ConfigPath:
		return 0
	case path.Base(p) == "manage.py":
		return 1
	case isSettings(p):
		return 2
	case isManifest(p):
		return 3
	}
	return 4
}

// discover lists the relevant files of the tree and decides whether the
// branch holds a Django project: a manage.py says so; a settings module or
// a manifest only when its text names Django (Scrapy projects have a
// settings.py too). A tree with none of them costs nothing more.
func (f *fetcher) discover(ctx context.Context, entries []*github.TreeEntry) (project, error) {
	pr := project{blobs: map[string]repo.Entry{}, all: map[string]*github.TreeEntry{}}
	var relevant []string
	for _, e := range entries {
		p := e.GetPath()
		if e.GetType() != "blob" {
			continue
		}
		pr.all[p] = e
		if checks.AuditRelevant(p) || p == checks.ConfigPath {
			relevant = append(relevant, p)
		}
	}
	var weak []string
	for _, p := range relevant {
		b, ok, err := f.resolve(ctx, pr.all, p)
		if err != nil {
			return project{}, err
		}
		if !ok {
			continue
		}
		pr.blobs[p] = b
		pr.order = append(pr.order, p)
		switch {
		case path.Base(p) == "manage.py":
			pr.django = true
		case isSettings(p) || isManifest(p):
			weak = append(weak, p)
		}
	}
	sort.Slice(pr.order, func(i, j int) bool {
		ri, rj := rank(pr.order[i]), rank(pr.order[j])
		if ri != rj {
			return ri < rj
		}
		return pr.order[i] < pr.order[j]
	})
	if pr.django || len(weak) == 0 {
		return pr, nil
	}
	sort.Strings(weak)
	if err := f.each(ctx, pr, weak); err != nil {
		return project{}, err
	}
	for _, p := range weak {
		if bytes.Contains(bytes.ToLower(f.got[p]), []byte("django")) {
			pr.django = true
			break
		}
	}
	return pr, nil
}

// checklist reads the repository's own checklist file ("" and nil when
// the tree has none at p).
func (f *fetcher) checklist(ctx context.Context, pr project, p string) ([]byte, error) {
	if _, ok := pr.all[p]; !ok {
		return nil, nil
	}
	b, ok, err := f.resolve(ctx, pr.all, p)
	if err != nil || !ok {
		return nil, err
	}
	if err := f.each(ctx, project{blobs: map[string]repo.Entry{p: b}}, []string{p}); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.got[p], nil
}

// fetchAll reads the project's files, at most max of them, most telling
// first; files already read by discovery are not read again.
func (f *fetcher) fetchAll(ctx context.Context, pr project, max int) (map[string][]byte, []checks.FileError, error) {
	paths := pr.order
	if len(paths) > max {
		paths = paths[:max]
	}
	if err := f.each(ctx, pr, paths); err != nil {
		return nil, nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string][]byte, len(f.got))
	for p, b := range f.got {
		out[p] = b
	}
	return out, f.errs, nil
}

// each reads paths of the project that are not read yet (a link whose
// target was read costs nothing more).
func (f *fetcher) each(ctx context.Context, pr project, paths []string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.got == nil {
		f.got = map[string][]byte{}
	}
	var todo []repo.Entry
	for _, p := range paths {
		if _, done := f.got[p]; done {
			continue
		}
		b := pr.blobs[p]
		if data, done := f.got[b.At]; b.At != "" && done {
			f.got[p] = data
			continue
		}
		todo = append(todo, b)
	}
	got, unread, err := f.repo.Files(ctx, f.branch, todo)
	if err != nil {
		return err
	}
	for p, data := range got {
		f.got[p] = data
	}
	for _, p := range slices.Sorted(maps.Keys(unread)) {
		f.errs = append(f.errs, checks.FileError{Path: p, Message: unread[p]})
	}
	return nil
}

// resolve is how to read p: its own blob, or for a symbolic link the blob
// of the regular file its chain of links ends at, inside the repository.
// ok is false for a link djsec does not follow (it leaves the repository,
// dangles, names a directory or loops): it is left out of the audit, with
// a log line.
func (f *fetcher) resolve(ctx context.Context, all map[string]*github.TreeEntry, p string) (e repo.Entry, ok bool, err error) {
	te := all[p]
	if te.GetMode() != repo.LinkMode {
		return repo.Entry{Path: p, SHA: te.GetSHA(), Size: te.GetSize()}, true, nil
	}
	target, why, err := f.repo.Follow(ctx, all, p)
	switch {
	case errors.Is(err, repo.ErrNotFound):
		// Listed by the tree but gone: the branch was rewritten.
		return repo.Entry{}, false, fmt.Errorf("%w: %w", repo.ErrMoved, err)
	case err != nil:
		return repo.Entry{}, false, err
	case target == "":
		jobs.Logger(ctx).InfoContext(ctx, "symbolic link not followed: "+why, slog.String("path", p))
		return repo.Entry{}, false, nil
	}
	tb := all[target]
	return repo.Entry{Path: p, At: target, SHA: tb.GetSHA(), Size: tb.GetSize()}, true, nil
}

// config parses the branch's .github/djsec.yml, if it has one, within the
// configuration's own size limit (repo.MaxConfigSize): over it, the
// defaults.
func config(files map[string][]byte, branch string) (*checks.Config, []checks.ConfigError, string) {
	c := repo.Config{Ref: branch}
	if data, ok := files[checks.ConfigPath]; ok && len(data) <= repo.MaxConfigSize {
		c.Data = append([]byte{}, data...)
	}
	cfg, errs := c.Parse()
	return cfg, errs, c.Source()
}
