package checkrun

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/google/go-github/v88/github"

	"github.com/djsec/djsec/checks"
	"github.com/djsec/djsec/githubapp"
	"github.com/djsec/djsec/githubapp/repo"
	"github.com/djsec/djsec/jobs"
	"github.com/djsec/djsec/jobs/checkrun/review"
	"github.com/djsec/djsec/jobs/checkrun/review/patch"
)

// GitHub's limits on listing a pull request's files, and djsec's on
// reading them.
const (
	// maxCompareFiles: "the list of changed files … includes up to 300
	// changed files for the entire comparison" (compare two commits).
	maxCompareFiles = 300
	// maxPullFiles: "Responses include a maximum of 3000 files" (list
	// pull request files).
	maxPullFiles = 3000
	// maxFileSize is the largest file the analyzer reads (1 MiB).
	maxFileSize = repo.MaxFileSize
	// maxImportRounds bounds how deep chains of star-imports are followed
	// into files the pull request does not change.
	maxImportRounds = 4
	// maxExtraFiles bounds the unchanged modules fetched for star-imports
	// and settings packages, whatever a repository's layout.
	maxExtraFiles = 30
)

// DefaultMaxBytes bounds the file contents one check holds, head and base
// together. A pull request may change 3,000 files of up to 1 MiB each:
// held at once they took 3.5 GiB and killed a 512 MB server (and every
// restart, as the job was retried). No real change to a Django project's
// settings, manifests and views comes near 16 MiB; one that goes past it
// is checked on what was read, with a neutral conclusion saying so.
const DefaultMaxBytes = 16 << 20

// overBudgetMsg is the file error of a file left unread for the budget.
func (f *fetcher) overBudgetMsg() string {
	return fmt.Sprintf("not read: the pull request's files go past the %s djsec reads in one check; too large to check fully", mib(f.p.maxBytes))
}

func mib(n int64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

// errMissing: GitHub answered 404 for a file.
var errMissing = errors.New("file not found")

// unreadableError is a file djsec will not analyze (too large, binary);
// it becomes a checks.FileError, never a job failure.
type unreadableError = repo.UnreadableError

// fetcher gathers one check's inputs through repo. Its maps are filled by
// concurrent fetches under mu.
type fetcher struct {
	p    *Processor
	repo *repo.Repo
	t    target

	files     []review.ChangedFile
	truncated bool
	// treeTruncated: GitHub truncated the head's tree, so the unchanged
	// entry points were not read (entrypoints.go).
	treeTruncated bool
	// mergeBase is the commit base contents come from ("" until the
	// compare call has been made).
	mergeBase string

	mu         sync.Mutex
	head, base map[string][]byte
	// spare holds settings-package siblings read but not kept (they import
	// no changed module), should an import name one later.
	spare      map[string][]byte
	fileErrors []checks.FileError
	// held is the bytes of file contents read so far (Processor.maxBytes);
	// over is set once a file was left out for it.
	held atomic.Int64
	over atomic.Bool
}

// charge counts n bytes against the check's budget, or reports that they
// do not fit: the caller drops them.
func (f *fetcher) charge(n int) bool {
	limit := f.p.maxBytes
	if limit <= 0 {
		limit = DefaultMaxBytes
	}
	if f.held.Add(int64(n)) > limit {
		f.held.Add(-int64(n))
		f.over.Store(true)
		return false
	}
	return true
}

func short(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}

// configState is the repository configuration in force: the base branch's
// .github/djsec.yml, or the defaults.
type configState struct {
	cfg    *checks.Config
	errs   []checks.ConfigError
	source string
	data   []byte // nil: no file
}

// hash names the inputs besides the head that decide the result: the
// configuration and the base branch (a retargeted pull request is checked
// again).
func (c configState) hash(baseRef string) string {
	h := sha256.New()
	if c.data == nil {
		h.Write([]byte("defaults"))
	} else {
		h.Write([]byte("file\x00"))
		h.Write(c.data)
	}
	h.Write([]byte("\x00" + baseRef))
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// config reads .github/djsec.yml from the base branch, by name, through the
// ETag cache: unchanged since the last pull request, GitHub answers 304,
// which costs nothing against the rate limit.
func (f *fetcher) config(ctx context.Context) (configState, error) {
	ref := f.t.baseRef
	if ref == "" {
		ref = f.t.baseSHA
	}
	c, err := f.repo.Config(ctx, ref)
	msg, bad := repo.Unreadable(err)
	switch {
	case bad:
		msg = "file is " + msg
	case err != nil:
		return configState{}, err
	case !c.Found():
		return configState{cfg: checks.DefaultConfig(), source: "defaults"}, nil
	case repo.Text(checks.ConfigPath, c.Data) != nil:
		msg, _ = repo.Unreadable(repo.Text(checks.ConfigPath, c.Data))
		bad = true
	case !f.charge(len(c.Data)):
		msg, bad = f.overBudgetMsg(), true
	}
	if bad {
		return configState{cfg: checks.DefaultConfig(), source: checks.ConfigPath + "@" + ref, data: []byte{},
			errs: []checks.ConfigError{{Path: checks.ConfigPath, Message: msg + "; every setting keeps its default"}}}, nil
	}
	cfg, errs := c.Parse()
	return configState{cfg: cfg, errs: errs, source: c.Source(), data: c.Data}, nil
}

// raw fetches a file's bytes at ref. A 404 is errMissing; a file over
// 1 MiB (4 MiB for a lock file), not UTF-8 text, a forged name or one past
// the check's byte budget is an *unreadableError.
func (f *fetcher) raw(ctx context.Context, p, ref string) ([]byte, error) {
	data, err := f.repo.Source(ctx, ref, p)
	switch {
	case errors.Is(err, repo.ErrNotFound):
		return nil, errMissing
	case err != nil:
		return nil, err
	case !f.charge(len(data)):
		return nil, &unreadableError{Path: p, Msg: f.overBudgetMsg()}
	}
	return data, nil
}

// listFiles lists the pull request's changed files: one compare call
// (files with patches, and the merge base) when GitHub's compare can hold
// them all, else the pull request's file list, 100 a page.
func (f *fetcher) listFiles(ctx context.Context) error {
	if f.t.changedFiles <= maxCompareFiles {
		if err := f.compare(ctx); err != nil {
			return err
		}
		complete := len(f.files) < maxCompareFiles || (f.t.changedFiles > 0 && len(f.files) >= f.t.changedFiles)
		if complete || f.t.pr == 0 {
			// A merge group has no pull request whose list could say more.
			f.truncated = !complete
			return nil
		}
	}
	return f.pullFiles(ctx)
}

// compare is GET compare/BASE...HEAD: the diff from the merge base. One
// page of one commit: the files come on the first page whatever its size.
func (f *fetcher) compare(ctx context.Context) error {
	base := f.t.baseSHA
	if base == "" {
		base = f.t.baseRef
	}
	cmp, err := f.repo.Compare(ctx, base, f.t.head)
	if errors.Is(err, repo.ErrNotFound) {
		return fmt.Errorf("compare %s...%s: the repository or a commit is gone: %w: %w", short(base), short(f.t.head), jobs.ErrPermanent, err)
	}
	if err != nil {
		return err
	}
	f.mergeBase = cmp.GetMergeBaseCommit().GetSHA()
	if f.mergeBase == "" {
		f.mergeBase = base
	}
	f.files = changedFiles(cmp.Files)
	return nil
}

// pullFiles pages through GET pulls/{n}/files, up to GitHub's 3,000.
func (f *fetcher) pullFiles(ctx context.Context) error {
	all, err := f.repo.PullFiles(ctx, f.t.pr)
	if errors.Is(err, repo.ErrNotFound) {
		return fmt.Errorf("files of pull request %d: gone: %w: %w", f.t.pr, jobs.ErrPermanent, err)
	}
	if err != nil {
		return err
	}
	f.files = changedFiles(all)
	f.truncated = (f.t.changedFiles == 0 && len(all) >= maxPullFiles) || f.t.changedFiles > len(all)
	return nil
}

func changedFiles(in []*github.CommitFile) []review.ChangedFile {
	out := make([]review.ChangedFile, 0, len(in))
	for _, c := range in {
		patch := c.GetPatch()
		if !review.Relevant(c.GetFilename()) && !review.Relevant(c.GetPreviousFilename()) {
			// Nothing reads the patch of a file djsec does not analyze;
			// 3,000 of them would be held for the whole check.
			patch = ""
		}
		out = append(out, review.ChangedFile{
			Path: c.GetFilename(), PreviousPath: c.GetPreviousFilename(), Status: c.GetStatus(),
			Patch: patch, Additions: c.GetAdditions(), Deletions: c.GetDeletions(),
		})
	}
	return out
}

// ensureMergeBase learns the merge base when the files came from the pull
// request's list (only needed when a base version must be fetched).
func (f *fetcher) ensureMergeBase(ctx context.Context) error {
	if f.mergeBase != "" {
		return nil
	}
	files, truncated := f.files, f.truncated
	err := f.compare(ctx)
	f.files, f.truncated = files, truncated
	return err
}

// fetchPlan is which changed files are read, and how.
type fetchPlan struct {
	// relevant are the changed files the analyzer wants (by head or base
	// path), minus ignore_paths.
	relevant []review.ChangedFile
	// fromPatch holds added files whose patch is their whole text.
	fromPatch map[string][]byte
}

// headFetches is how many files must be downloaded at head.
func (pl fetchPlan) headFetches() int {
	n := 0
	for _, c := range pl.relevant {
		if needsHead(c) && pl.fromPatch[c.Path] == nil {
			n++
		}
	}
	return n
}

func needsHead(c review.ChangedFile) bool {
	return c.Status != "removed" && c.Status != "unchanged"
}

func (f *fetcher) plan(cfg *checks.Config) fetchPlan {
	pl := fetchPlan{fromPatch: map[string][]byte{}}
	// What can configure Django comes first, so that when a pull request
	// goes past the byte budget it is views and scripts that go unread.
	files := slices.Clone(f.files)
	slices.SortStableFunc(files, func(a, b review.ChangedFile) int {
		return boolOrder(!mayConfigure(a.Path), !mayConfigure(b.Path))
	})
	for _, c := range files {
		relevant := review.Relevant(c.Path) || (c.PreviousPath != "" && review.Relevant(c.PreviousPath))
		if !relevant || c.Status == "unchanged" {
			continue
		}
		if !githubapp.ValidRepoPath(c.Path) || (c.PreviousPath != "" && !githubapp.ValidRepoPath(c.PreviousPath)) {
			// Forged: git holds no such name. Never put it in a URL.
			f.fileError(c.Path, repo.UnsafePathMsg)
			continue
		}
		if cfg.Ignores(c.Path) && (c.PreviousPath == "" || cfg.Ignores(c.PreviousPath)) && c.Path != checks.ConfigPath {
			continue // the analyzer would drop it
		}
		pl.relevant = append(pl.relevant, c)
		if c.Status == "added" || c.Status == "copied" {
			if data, ok := patch.AddedText(c.Patch); ok && repo.Text(c.Path, data) == nil && len(data) <= maxFileSize && f.charge(len(data)) {
				pl.fromPatch[c.Path] = data
			}
		}
	}
	return pl
}

// fetch reads what the plan names, then the unchanged modules that matter
// to the changed ones.
func (f *fetcher) fetch(ctx context.Context, pl fetchPlan) error {
	f.head, f.base, f.spare = map[string][]byte{}, map[string][]byte{}, map[string][]byte{}

	// 1. Head versions.
	var heads []string
	for _, c := range pl.relevant {
		if !needsHead(c) {
			continue
		}
		if data := pl.fromPatch[c.Path]; data != nil {
			f.head[c.Path] = data
			continue
		}
		heads = append(heads, c.Path)
	}
	skipped := map[string]bool{} // unreadable at head: their base is not wanted either
	if err := f.each(ctx, heads, func(ctx context.Context, p string) error {
		data, err := f.raw(ctx, p, f.t.head)
		var bad *unreadableError
		switch {
		case errors.As(err, &bad):
			f.fileError(p, bad.Msg)
			f.mu.Lock()
			skipped[p] = true
			f.mu.Unlock()
			return nil
		case errors.Is(err, errMissing):
			f.fileError(p, "listed as changed but not found at "+short(f.t.head)+"; not analyzed")
			f.mu.Lock()
			skipped[p] = true
			f.mu.Unlock()
			return nil
		case err != nil:
			return err
		}
		f.put(f.head, p, data)
		return nil
	}); err != nil {
		return err
	}

	// 2. Base versions: rebuilt from head and the patch, fetched at the
	// merge base only when that cannot be done.
	var bases []string
	for _, c := range pl.relevant {
		basePath := c.Path
		if c.Status == "renamed" && c.PreviousPath != "" {
			basePath = c.PreviousPath
		}
		switch {
		case c.Status == "added" || c.Status == "copied" || skipped[c.Path]:
			continue
		case c.Status == "renamed" && c.Patch == "" && c.Additions == 0 && c.Deletions == 0:
			if data, ok := f.head[c.Path]; ok {
				f.base[basePath] = data // moved, not edited
			}
			continue
		}
		headData := f.head[c.Path] // nil for a removed file
		if c.Patch != "" {
			if data, err := patch.ReverseApply(headData, c.Patch); err == nil {
				if len(data) <= maxFileSize && repo.Text(basePath, data) == nil && f.charge(len(data)) {
					f.base[basePath] = data
				}
				continue
			}
		}
		bases = append(bases, basePath)
	}
	if len(bases) > 0 {
		if err := f.ensureMergeBase(ctx); err != nil {
			return err
		}
		if err := f.each(ctx, bases, func(ctx context.Context, p string) error {
			data, err := f.raw(ctx, p, f.mergeBase)
			var bad *unreadableError
			switch {
			case errors.As(err, &bad), errors.Is(err, errMissing):
				return nil // head's findings then count as new: nothing hides
			case err != nil:
				return err
			}
			f.put(f.base, p, data)
			return nil
		}); err != nil {
			return err
		}
	}

	// 3. Unchanged modules: settings-package siblings that star-import a
	// changed module, then whatever the modules read so far star-import.
	changed := map[string]bool{}
	for _, c := range f.files {
		changed[c.Path] = true
		if c.PreviousPath != "" {
			changed[c.PreviousPath] = true
		}
	}
	// What the changed modules import comes first: a sibling already read
	// that way costs nothing more.
	extra := 0
	if err := f.imports(ctx, changed, &extra); err != nil {
		return err
	}
	n := len(f.head)
	if err := f.siblings(ctx, pl, changed, &extra); err != nil {
		return err
	}
	// 4. The entry points that say which module is production's, and the
	// modules they name (entrypoints.go).
	if err := f.entryPoints(ctx, changed); err != nil {
		return err
	}
	if len(f.head) == n {
		return nil
	}
	return f.imports(ctx, changed, &extra)
}

func (f *fetcher) put(m map[string][]byte, p string, data []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m[p] = data
}

func (f *fetcher) fileError(p, msg string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fileErrors = append(f.fileErrors, checks.FileError{Path: p, Message: msg})
}

// imports fetches, at head, the unchanged modules that the modules read so
// far import (star-imports, and try-imported local overrides). A file the
// pull request does not change is the same at the merge base, so one copy
// serves both sides. The candidates of one import (base.py, then
// base/__init__.py; the module under each source root) are tried in
// order until one exists; chains are followed maxImportRounds deep.
func (f *fetcher) imports(ctx context.Context, changed map[string]bool, extra *int) error {
	tried := map[string]bool{}
	for range maxImportRounds {
		groups := f.importGroups(changed, tried)
		// A sibling read and set aside is a candidate already fetched.
		var left [][]string
		for _, g := range groups {
			if i := slices.IndexFunc(g, func(c string) bool { return f.spare[c] != nil }); i >= 0 {
				f.head[g[i]] = f.spare[g[i]]
				continue
			}
			left = append(left, g)
		}
		groups = left
		if len(groups) == 0 {
			return nil
		}
		for len(groups) > 0 {
			var wave []string
			for _, g := range groups {
				wave = append(wave, g[0])
			}
			wave = wave[:min(len(wave), max(maxExtraFiles-*extra, 0))]
			if len(wave) == 0 {
				return nil
			}
			*extra += len(wave)
			found := map[string]bool{}
			if err := f.each(ctx, wave, func(ctx context.Context, p string) error {
				data, err := f.raw(ctx, p, f.t.head)
				var bad *unreadableError
				switch {
				case errors.Is(err, errMissing):
					return nil // another candidate, or a module from outside the repository
				case errors.As(err, &bad):
					f.fileError(p, bad.Msg)
				case err != nil:
					return err
				default:
					f.put(f.head, p, data)
				}
				f.mu.Lock()
				found[p] = true
				f.mu.Unlock()
				return nil
			}); err != nil {
				return err
			}
			var next [][]string
			for _, g := range groups[:len(wave)] {
				tried[g[0]] = true
				if !found[g[0]] && len(g) > 1 {
					next = append(next, g[1:])
				}
			}
			groups = next
		}
	}
	return nil
}

// importGroups collects the import candidates of every Python file read
// so far, grouped by import: candidates whose module paths are the same
// or one ends with the other (base.py and base/__init__.py; mysite/x.py
// and src/mysite/x.py) stand for one import. A group is dropped when one
// of its candidates is at hand (read already, or changed by the pull
// request), and tried candidates are left out.
func (f *fetcher) importGroups(changed, tried map[string]bool) [][]string {
	var groups [][]string
	var keys []string
	dropped := map[int]bool{}
	for _, side := range []map[string][]byte{f.head, f.base} {
		for _, p := range sortedPaths(side) {
			if !strings.HasSuffix(p, ".py") {
				continue
			}
			for _, c := range checks.ImportCandidates(p, side[p]) {
				k := moduleKey(c)
				g := -1
				for i, gk := range keys {
					if gk == k || strings.HasSuffix(gk, "/"+k) || strings.HasSuffix(k, "/"+gk) {
						g = i
						break
					}
				}
				if g < 0 {
					g = len(groups)
					groups, keys = append(groups, nil), append(keys, k)
				}
				if changed[c] || f.head[c] != nil || f.base[c] != nil {
					dropped[g] = true
				}
				if !tried[c] && !slices.Contains(groups[g], c) {
					groups[g] = append(groups[g], c)
				}
			}
		}
	}
	var out [][]string
	for i, g := range groups {
		if !dropped[i] && len(g) > 0 {
			out = append(out, g)
		}
	}
	return out
}

// moduleKey is a candidate's module as a path: mysite/settings/base for
// mysite/settings/base.py and mysite/settings/base/__init__.py.
func moduleKey(p string) string {
	return strings.TrimSuffix(strings.TrimSuffix(p, "/__init__.py"), ".py")
}

// siblings handles split settings: when a pull request changes a module
// of a settings package (mysite/settings/base.py), the modules next to it
// that star-import it (production.py) see the change too. The directory is
// listed once and its unchanged Python modules read; those that import a
// changed module, directly or through another such sibling, are kept.
func (f *fetcher) siblings(ctx context.Context, pl fetchPlan, changed map[string]bool, extra *int) error {
	dirs := map[string]bool{}
	for _, c := range pl.relevant {
		for _, p := range []string{c.Path, c.PreviousPath} {
			if strings.HasSuffix(p, ".py") && path.Base(path.Dir(p)) == "settings" {
				dirs[path.Dir(p)] = true
			}
		}
	}
	for _, dir := range sortedPaths(dirs) {
		entries, err := f.repo.Dir(ctx, f.t.head, dir)
		if errors.Is(err, repo.ErrNotFound) {
			continue // the pull request removed the directory
		}
		if err != nil {
			return err
		}
		var paths []string
		// at is where a sibling is read: a link's target (repo.LinkTarget).
		at := map[string]string{}
		for _, e := range entries {
			p := e.GetPath()
			if (e.GetType() != "file" && e.GetType() != "symlink") || !strings.HasSuffix(p, ".py") || !review.Relevant(p) || changed[p] ||
				f.head[p] != nil || e.GetSize() > maxFileSize {
				continue
			}
			at[p] = p
			if e.GetType() == "symlink" {
				target, ok := repo.LinkTarget(p, e.GetTarget())
				if !ok {
					continue
				}
				at[p] = target
			}
			paths = append(paths, p)
		}
		sort.Strings(paths)
		paths = paths[:min(len(paths), max(maxExtraFiles-*extra, 0))]
		*extra += len(paths)
		got := map[string][]byte{}
		var mu sync.Mutex
		if err := f.each(ctx, paths, func(ctx context.Context, p string) error {
			data, err := f.raw(ctx, at[p], f.t.head)
			if err != nil {
				var bad *unreadableError
				if errors.Is(err, errMissing) || errors.As(err, &bad) {
					return nil
				}
				return err
			}
			mu.Lock()
			got[p] = data
			mu.Unlock()
			return nil
		}); err != nil {
			return err
		}
		// Keep the siblings that reach a changed module.
		reaches := map[string]bool{}
		for p := range changed {
			reaches[p] = true
		}
		for grew := true; grew; {
			grew = false
			for _, p := range sortedPaths(got) {
				if reaches[p] {
					continue
				}
				for _, c := range checks.ImportCandidates(p, got[p]) {
					if reaches[c] {
						reaches[p], grew = true, true
						f.head[p] = got[p]
						break
					}
				}
			}
		}
		for p, data := range got {
			if !reaches[p] {
				f.spare[p] = data
			}
		}
	}
	return nil
}

// each runs fn for every path, p.parallel at a time (repo.Each).
func (f *fetcher) each(ctx context.Context, paths []string, fn func(ctx context.Context, p string) error) error {
	return f.repo.Each(ctx, len(paths), func(ctx context.Context, i int) error { return fn(ctx, paths[i]) })
}

func sortedPaths[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// mayConfigure reports a file that can hold or name Django's settings or
// dependencies: read before views and scripts.
func mayConfigure(p string) bool {
	base := strings.ToLower(path.Base(p))
	dir := strings.ToLower(path.Base(path.Dir(p)))
	switch {
	case strings.Contains(base, "settings"), dir == "settings", dir == "config", dir == "conf",
		base == "manage.py", base == "wsgi.py", base == "asgi.py", base == "__init__.py" && dir == "settings",
		!strings.HasSuffix(base, ".py"):
		return true
	}
	return false
}

func boolOrder(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}
