package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"unicode/utf8"

	"github.com/djsec/djsec/checks"
	"github.com/djsec/djsec/checks/deps"
	"github.com/djsec/djsec/checks/pysrc"
)

// maxFileSize is the largest file the audit reads; the analyzer's own limit.
const maxFileSize = pysrc.MaxSize

// tree is what collect found under one PATH: the files the analyzer wants,
// by slash-separated path relative to the PATH, and those it could not read.
type tree struct {
	files  map[string][]byte
	errors []checks.FileError
	// outerIgnoresEnv is true when a .gitignore above root (root being a
	// subdirectory of a repository) ignores root/.env.
	outerIgnoresEnv bool
	// single is set when root is one file: files holds it under its base
	// name, and the output names it by root as given.
	single bool
}

// collect walks root (a directory, or a single file) and reads every file
// checks.AuditRelevant wants. Problems with single files become entries of
// tree.errors, never a failure: only a root that cannot be read at all is
// an error. Symlinks are resolved but never followed out of root.
func collect(root string) (*tree, error) {
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", root, unwrapPath(err))
	}
	if realRoot, err = filepath.Abs(realRoot); err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", root, err)
	}
	info, err := os.Stat(realRoot)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", root, unwrapPath(err))
	}
	w := &walker{root: realRoot, t: &tree{files: map[string][]byte{}}, open: openFile, real: map[string]string{}}
	if !info.IsDir() {
		// A single file: analyze it under the name it was given (a link
		// named settings.py is a settings module whatever it points to).
		w.t.single = true
		w.read(realRoot, filepath.Base(filepath.Clean(root)), info)
		return w.t, nil
	}
	if err := filepath.WalkDir(realRoot, w.visit); err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", root, unwrapPath(err))
	}
	w.dropLinkCopies()
	sort.SliceStable(w.t.errors, func(i, j int) bool { return w.t.errors[i].Path < w.t.errors[j].Path })
	w.readIncludes()
	w.t.outerIgnoresEnv = applyGitignore(realRoot, w.t)
	return w.t, nil
}

type walker struct {
	root string // absolute, symlinks resolved
	t    *tree
	// open opens a file for reading; tests replace it to fail in ways
	// root (who reads any file) cannot reproduce with permissions.
	open func(name string) (io.ReadCloser, error)
	// real maps each path read through a symlink to the file it reads.
	real map[string]string
}

// dropLinkCopies forgets the files read through a symlink whose target
// was read too, under its own path or through another link: the same
// bytes analyzed twice would report every finding twice (a
// requirements.txt -> requirements/prod.txt, a prod.py -> settings.py).
// The target's own path wins, else the first link in path order.
func (w *walker) dropLinkCopies() {
	byTarget := map[string]string{} // target → the path that keeps it
	for rel := range w.t.files {
		if _, link := w.real[rel]; !link {
			byTarget[filepath.Join(w.root, filepath.FromSlash(rel))] = rel
		}
	}
	links := make([]string, 0, len(w.real))
	for rel := range w.real {
		links = append(links, rel)
	}
	sort.Strings(links)
	for _, rel := range links {
		target := w.real[rel]
		if _, read := w.t.files[rel]; !read {
			continue
		}
		if _, dup := byTarget[target]; dup {
			delete(w.t.files, rel)
			continue
		}
		byTarget[target] = rel
	}
}

func openFile(name string) (io.ReadCloser, error) { return os.Open(name) }

func (w *walker) errorf(rel, format string, args ...any) {
	w.t.errors = append(w.t.errors, checks.FileError{Path: rel, Message: fmt.Sprintf(format, args...)})
}

func (w *walker) visit(p string, d fs.DirEntry, err error) error {
	rel, relErr := filepath.Rel(w.root, p)
	if relErr != nil {
		return relErr
	}
	rel = filepath.ToSlash(rel)
	if err != nil {
		if p == w.root {
			return err
		}
		w.errorf(rel, "cannot read: %v; not analyzed", unwrapPath(err))
		if d != nil && d.IsDir() {
			return filepath.SkipDir
		}
		return nil
	}
	switch {
	case d.IsDir():
		if p != w.root && (checks.SkippedDir(d.Name()) || isVirtualenv(p)) {
			return filepath.SkipDir
		}
	case d.Type()&fs.ModeSymlink != 0:
		w.symlink(p, rel)
	case !d.Type().IsRegular():
		if checks.AuditRelevant(rel) {
			w.errorf(rel, "not a regular file (%s); not read", fileKind(d.Type()))
		}
	case checks.AuditRelevant(rel):
		info, err := d.Info()
		if err != nil {
			w.errorf(rel, "cannot read: %v; not analyzed", unwrapPath(err))
			return nil
		}
		w.read(p, rel, info)
	}
	return nil
}

// isVirtualenv recognises a virtualenv by the pyvenv.cfg every one of them
// has, whatever the directory is called.
func isVirtualenv(dir string) bool {
	_, err := os.Lstat(filepath.Join(dir, "pyvenv.cfg"))
	return err == nil
}

// symlink reads a link's target when it is a relevant file inside the
// root. Links leading outside are reported and not followed (the audit must
// not read /etc/passwd because a repository says so); links to directories
// inside the root are skipped because the directory itself is walked.
func (w *walker) symlink(p, rel string) {
	info, err := os.Stat(p)
	switch {
	case errors.Is(err, syscall.ELOOP):
		w.errorf(rel, "symlink loop; not followed")
		return
	case err != nil:
		if checks.AuditRelevant(rel) {
			w.errorf(rel, "broken symlink (%v); not read", unwrapPath(err))
		}
		return
	}
	if info.IsDir() && (checks.SkippedDir(filepath.Base(p)) || isVirtualenv(p)) {
		return
	}
	if !info.IsDir() && !checks.AuditRelevant(rel) {
		return
	}
	target, err := filepath.EvalSymlinks(p)
	if err != nil {
		w.errorf(rel, "cannot resolve symlink: %v; not followed", unwrapPath(err))
		return
	}
	if !within(w.root, target) {
		link, _ := os.Readlink(p)
		w.errorf(rel, "symlink to %s leads outside the audited directory; not followed", link)
		return
	}
	if info.IsDir() {
		return
	}
	if !info.Mode().IsRegular() {
		w.errorf(rel, "symlink to something that is not a regular file (%s); not read", fileKind(info.Mode()))
		return
	}
	w.real[rel] = target
	w.read(target, rel, info)
}

// within reports whether path is root or below it (both absolute, clean).
func within(root, path string) bool {
	r, err := filepath.Rel(root, path)
	if err != nil {
		return false
	}
	return r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator))
}

// read loads one file, refusing what the analyzer cannot judge: files over
// 1 MiB (lock files over 4 MiB: a hash per wheel makes them large), binary
// files and text that is not UTF-8.
func (w *walker) read(p, rel string, info fs.FileInfo) {
	if !info.Mode().IsRegular() {
		w.errorf(rel, "not a regular file (%s); not read", fileKind(info.Mode()))
		return
	}
	limit, limitText := int64(maxFileSize), "1 MiB"
	if deps.IsLockFile(rel) {
		limit, limitText = deps.MaxLockSize, "4 MiB"
	}
	if info.Size() > limit {
		w.errorf(rel, "file is larger than %s (%s); not analyzed", limitText, humanSize(info.Size()))
		return
	}
	f, err := w.open(p)
	if err != nil {
		w.errorf(rel, "cannot read: %v; not analyzed", unwrapPath(err))
		return
	}
	defer f.Close()
	// The size may have changed since the stat: never read past the limit.
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	switch {
	case err != nil:
		w.errorf(rel, "cannot read: %v; not analyzed", unwrapPath(err))
	case int64(len(data)) > limit:
		w.errorf(rel, "file is larger than %s; not analyzed", limitText)
	case pysrc.IsText(data):
		w.t.files[rel] = data
	case bytes.IndexByte(data, 0) >= 0:
		w.errorf(rel, "binary file (it contains NUL bytes); not analyzed")
	case !utf8.Valid(data):
		w.errorf(rel, "not valid UTF-8 text (re-save it as UTF-8); not analyzed")
	default:
		w.errorf(rel, "not text; not analyzed")
	}
}

// unwrapPath drops the path an *fs.PathError repeats, since every error
// entry already names its file.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0, m&fs.ModeCharDevice != 0:
		return "a device"
	case m&fs.ModeSymlink != 0:
		return "a symlink"
	case m.IsDir():
		return "a directory"
	}
	return "a special file"
}

func humanSize(n int64) string {
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

// readIncludes reads files that requirements files include (-r base.pip,
// -c ../constraints.txt) under names Relevant does not know, so that an
// include inside root is never reported missing. Includes can chain, so it
// repeats until nothing new is found.
func (w *walker) readIncludes() {
	for round := 0; round < 8; round++ {
		found := false
		for _, rel := range deps.MissingIncludes(w.t.files) {
			full := filepath.Join(w.root, filepath.FromSlash(rel))
			if !within(w.root, full) {
				continue
			}
			info, err := os.Lstat(full)
			if err != nil || !info.Mode().IsRegular() {
				continue
			}
			if _, seen := w.t.files[rel]; seen {
				continue
			}
			w.read(full, rel, info)
			found = true
		}
		if !found {
			return
		}
	}
}
