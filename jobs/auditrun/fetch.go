package auditrun

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/google/go-github/v88/github"

	"github.com/djsec/djsec/checks"
	"github.com/djsec/djsec/checks/deps"
	"github.com/djsec/djsec/checks/pysrc"
	"github.com/djsec/djsec/githubapp"
	"github.com/djsec/djsec/jobs"
)

const rawMediaType = "application/vnd.github.raw+json"

// errMoved: a file's bytes are not the tree's blob, so the branch moved
// while the audit read it; the job runs again and reads the new head.
var errMoved = errors.New("the default branch moved during the audit")

// fetcher reads one repository's default branch.
type fetcher struct {
	gh       *github.Client
	t        Target
	branch   string
	parallel int
	// blobs caches file bodies by blob SHA across audits (nil: none).
	blobs blobCache

	// linkReads counts the link blobs read (links.go); discovery reads
	// them one at a time.
	linkReads int

	mu   sync.Mutex
	got  map[string][]byte
	errs []checks.FileError
}

// project is what discovery found in the tree.
type project struct {
	django bool
	// blobs are the tree's files the analyzer reads, with their blob SHA and
	// size.
	blobs map[string]blob
	// order is blobs' paths, most telling first (config, manage.py,
	// settings, manifests, the rest by path).
	order []string
	// all are every file of the tree (a repository's own checklist is
	// Markdown, which the analyzer does not read).
	all map[string]blob
}

type blob struct {
	sha  string
	size int
	mode string
	// target is the file a symbolic link resolves to: the one read, and
	// whose sha and size these are ("" for a file read at its own path).
	target string
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
	pr := project{blobs: map[string]blob{}, all: map[string]blob{}}
	var relevant []string
	for _, e := range entries {
		p := e.GetPath()
		if e.GetType() != "blob" {
			continue
		}
		pr.all[p] = blob{sha: e.GetSHA(), size: e.GetSize(), mode: e.GetMode()}
		if checks.AuditRelevant(p) || p == checks.ConfigPath {
			relevant = append(relevant, p)
		}
	}
	var weak []string
	for _, p := range relevant {
		b, err := f.resolve(ctx, pr.all, p)
		if errors.Is(err, errLinkOut) {
			continue
		}
		if err != nil {
			return project{}, err
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
	b, err := f.resolve(ctx, pr.all, p)
	if errors.Is(err, errLinkOut) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if err := f.each(ctx, project{blobs: map[string]blob{p: b}}, []string{p}); err != nil {
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

func (f *fetcher) each(ctx context.Context, pr project, paths []string) error {
	if f.got == nil {
		f.got = map[string][]byte{}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sem := make(chan struct{}, f.parallel)
	var wg sync.WaitGroup
	var first error
	var once sync.Once
	for _, p := range paths {
		f.mu.Lock()
		_, done := f.got[p]
		f.mu.Unlock()
		if done {
			continue
		}
		b := pr.blobs[p]
		if b.target != "" {
			f.mu.Lock()
			data, done := f.got[b.target]
			if done {
				f.got[p] = data
			}
			f.mu.Unlock()
			if done {
				continue
			}
		}
		limit := pysrc.MaxSize
		if deps.IsLockFile(p) {
			limit = deps.MaxLockSize
		}
		if b.size > limit {
			f.fileError(p, "file too large to analyze; not analyzed")
			continue
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			// A link is read at its target (the contents API would
			// follow it too, but the tree's SHA to check the bytes
			// against is the target's) and kept under its own path,
			// as a checkout holds it.
			at := p
			if b.target != "" {
				at = b.target
			}
			if data, ok := f.cached(ctx, b.sha); ok {
				f.mu.Lock()
				f.got[p] = data
				f.mu.Unlock()
				return
			}
			data, err := f.raw(ctx, at, limit)
			if err == nil && b.sha != "" && gitBlobSHA(data) == b.sha {
				f.keep(ctx, b.sha, data)
			}
			switch {
			case err == nil && b.sha != "" && gitBlobSHA(data) != b.sha:
				err = fmt.Errorf("%s: %w", at, errMoved)
			case err != nil && isUnreadable(err):
				f.fileError(p, err.Error())
				return
			}
			if err != nil {
				once.Do(func() { first = err; cancel() })
				return
			}
			f.mu.Lock()
			f.got[p] = data
			f.mu.Unlock()
		}()
	}
	wg.Wait()
	return first
}

func (f *fetcher) fileError(p, msg string) {
	f.mu.Lock()
	f.errs = append(f.errs, checks.FileError{Path: p, Message: msg})
	f.mu.Unlock()
}

type unreadable struct{ msg string }

func (u *unreadable) Error() string { return u.msg }

func isUnreadable(err error) bool {
	var u *unreadable
	return errors.As(err, &u)
}

// raw reads a file by branch name through the ETag cache: unchanged since
// the last audit, GitHub answers 304, which costs nothing.
func (f *fetcher) raw(ctx context.Context, p string, limit int) ([]byte, error) {
	if !githubapp.ValidRepoPath(p) {
		// Git holds no such name; in a URL its ".." would reach another
		// endpoint.
		return nil, &unreadable{"file name is not a relative path inside the repository; not read"}
	}
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	u := fmt.Sprintf("repos/%s/%s/contents/%s?ref=%s", url.PathEscape(f.t.Owner), url.PathEscape(f.t.Name),
		strings.Join(parts, "/"), url.QueryEscape(f.branch))
	req, err := f.gh.NewRequest(ctx, "GET", u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", rawMediaType)
	resp, err := f.gh.BareDo(req)
	if err != nil {
		if githubapp.NotFound(err) {
			// In the tree but not at the branch: it moved.
			return nil, fmt.Errorf("%s: %w", p, errMoved)
		}
		return nil, ghError("get "+p, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, int64(limit)+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	if len(data) > limit {
		return nil, &unreadable{"file too large to analyze; not analyzed"}
	}
	if !pysrc.IsText(data) {
		return nil, &unreadable{"not UTF-8 text; not analyzed"}
	}
	return data, nil
}

// gitBlobSHA is git's object name of a file's bytes, as trees list it.
func gitBlobSHA(b []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(b))
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

// config parses the branch's .github/djsec.yml, if it has one.
func config(files map[string][]byte, branch string) (*checks.Config, []checks.ConfigError, string) {
	data, ok := files[checks.ConfigPath]
	if !ok {
		return checks.DefaultConfig(), nil, "defaults"
	}
	cfg, errs := checks.ParseConfig(checks.ConfigPath, data)
	return cfg, errs, checks.ConfigPath + "@" + branch
}

// blobCache is the store's cache of file bodies by git blob SHA.
type blobCache interface {
	Blob(ctx context.Context, sha string) ([]byte, bool, error)
	SaveBlob(ctx context.Context, sha string, body []byte) error
}

// cached is a file's body from an earlier audit: the same blob SHA is the
// same bytes, so an unchanged file of a changed repository costs nothing.
// A cache that fails is only logged: GitHub has the file.
func (f *fetcher) cached(ctx context.Context, sha string) ([]byte, bool) {
	if f.blobs == nil || sha == "" {
		return nil, false
	}
	data, ok, err := f.blobs.Blob(ctx, sha)
	if err != nil {
		jobs.Logger(ctx).WarnContext(ctx, "blob cache", slog.String("error", err.Error()))
		return nil, false
	}
	return data, ok && gitBlobSHA(data) == sha
}

func (f *fetcher) keep(ctx context.Context, sha string, data []byte) {
	if f.blobs == nil {
		return
	}
	if err := f.blobs.SaveBlob(ctx, sha, data); err != nil {
		jobs.Logger(ctx).WarnContext(ctx, "blob cache", slog.String("error", err.Error()))
	}
}
