package checkrun

import (
	"context"
	"errors"
	"path"
	"sort"
	"strings"

	"github.com/djsec/djsec/checks"
	"github.com/djsec/djsec/githubapp"
	"github.com/djsec/djsec/githubapp/repo"
)

// What starts Django says which settings module is production's: manage.py,
// wsgi.py, a Dockerfile's ENV, pytest.ini (checks/entrypoints.go). A pull
// request rarely changes those files, so a check that read only what
// changed would judge a dev.py or a pytest configuration as production,
// as `bot audit` does not. When a pull request touches a settings module,
// the check lists the head tree once and reads the unchanged entry points
// (small files, a bounded number) and the modules they name.
const (
	// maxEntryFiles bounds the entry-point files read for one check.
	maxEntryFiles = 12
	// maxEntryModules bounds the settings modules they name that the pull
	// request did not already bring.
	maxEntryModules = 6
	// maxEntrySize: entry points are small; a huge one is not read.
	maxEntrySize = 64 << 10
)

// entryPoints reads the unchanged entry points and the modules they name,
// at head (unchanged files are the same at the merge base).
func (f *fetcher) entryPoints(ctx context.Context, changed map[string]bool) error {
	if !f.touchesSettings() {
		return nil
	}
	tree, err := f.repo.Tree(ctx, f.t.head)
	if errors.Is(err, repo.ErrNotFound) {
		return nil // the commit is gone; the check says so elsewhere
	}
	if err != nil {
		return err
	}
	if tree.GetTruncated() {
		// A monorepo's tree does not come in one answer: roles fall
		// back to module names rather than a walk of every subtree,
		// and the summary says so.
		f.treeTruncated = true
		return nil
	}
	var paths, entries []string
	sizes := map[string]int{}
	for _, e := range tree.Entries {
		if e.GetType() != "blob" || e.GetMode() == "120000" {
			continue
		}
		p := e.GetPath()
		if !githubapp.ValidRepoPath(p) || !checks.Relevant(p) {
			continue
		}
		paths = append(paths, p)
		sizes[p] = e.GetSize()
		if checks.EntryPointFile(p) && !changed[p] && f.head[p] == nil && e.GetSize() <= maxEntrySize {
			entries = append(entries, p)
		}
	}
	// Shallow files first: the project's own manage.py and Dockerfile
	// before a vendored package's.
	sort.SliceStable(entries, func(i, j int) bool {
		di, dj := strings.Count(entries[i], "/"), strings.Count(entries[j], "/")
		if di != dj {
			return di < dj
		}
		return entries[i] < entries[j]
	})
	entries = entries[:min(len(entries), maxEntryFiles)]
	read := map[string][]byte{}
	if err := f.readAtHead(ctx, entries, read); err != nil {
		return err
	}
	// Everything the entry points name, with the pull request's own files
	// (a changed Dockerfile names modules too).
	names := map[string][]byte{}
	for p, data := range f.head {
		if checks.EntryPointFile(p) {
			names[p] = data
		}
	}
	for p, data := range read {
		names[p] = data
	}
	var modules []string
	for _, p := range checks.NamedModules(names, paths) {
		if !changed[p] && f.head[p] == nil && read[p] == nil && sizes[p] <= maxFileSize {
			modules = append(modules, p)
		}
	}
	modules = modules[:min(len(modules), maxEntryModules)]
	if err := f.readAtHead(ctx, modules, read); err != nil {
		return err
	}
	for p, data := range read {
		f.put(f.head, p, data)
	}
	return nil
}

// touchesSettings reports whether the pull request reaches settings
// modules whose roles the entry points may change. A project with one
// classic settings.py that sets Django's core settings gets the same role
// either way (production, the only module), so it costs no extra call.
func (f *fetcher) touchesSettings() bool {
	// The head decides: its modules are the ones judged.
	candidates := map[string][]byte{}
	for p, data := range f.head {
		if strings.HasSuffix(p, ".py") && path.Base(p) != "manage.py" && checks.IsSettingsCandidate(p, data) {
			candidates[p] = data
		}
	}
	// A module another candidate star-imports (base.py) is judged through
	// its importer, whatever its name.
	imported, importer := map[string]bool{}, map[string]bool{}
	for p, data := range candidates {
		for _, c := range checks.ImportCandidates(p, data) {
			if _, ok := candidates[c]; ok && c != p {
				imported[c] = true
				importer[p] = true
			}
		}
	}
	undecided := 0
	for p, data := range candidates {
		switch {
		case imported[p]:
		case !checks.DefinesCoreSettings(data) && !importer[p]:
			// Whether it is settings at all depends on what names it.
			return true
		case checks.RoleFromName(p):
		default:
			undecided++
		}
	}
	// One settings.py standing alone is production either way.
	if undecided == 1 {
		for p, data := range candidates {
			if !imported[p] && !checks.RoleFromName(p) && checks.DefinesCoreSettings(data) {
				return path.Base(p) != "settings.py"
			}
		}
	}
	return undecided > 1
}

// readAtHead fetches paths at head into out, skipping files that are gone
// or unreadable (an entry point djsec cannot read only costs it a role).
func (f *fetcher) readAtHead(ctx context.Context, paths []string, out map[string][]byte) error {
	return f.each(ctx, paths, func(ctx context.Context, p string) error {
		data, err := f.raw(ctx, p, f.t.head)
		var bad *unreadableError
		switch {
		case errors.Is(err, errMissing), errors.As(err, &bad):
			return nil
		case err != nil:
			return err
		}
		f.mu.Lock()
		out[p] = data
		f.mu.Unlock()
		return nil
	})
}
