package deps

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/djsec/djsec/internal/lazyre"
)

// MaxFileSize is the largest manifest ParseAll reads.
const MaxFileSize = 1 << 20

// Sentinel errors for what callers may branch on; per-file errors wrap them.
var (
	ErrTooLarge       = errors.New("file larger than 1 MiB")
	ErrNotText        = errors.New("not UTF-8 text")
	ErrIncludeMissing = errors.New("included file not found")
	ErrIncludeOutside = errors.New("included file outside the repository")
	ErrIncludeCycle   = errors.New("include cycle")
)

// fileErrors are the problems of one file, reported on one line.
type fileErrors []error

func (e fileErrors) Error() string {
	msgs := make([]string, len(e))
	for i, err := range e {
		msgs[i] = err.Error()
	}
	return strings.Join(msgs, "; ")
}

func (e fileErrors) Unwrap() []error { return e }

// ParseAll reads every manifest in files (requirements*.txt and includes,
// pyproject.toml, Pipfile; versions from the lock files next to them) and
// returns their requirements, ordered by path
// and line. Problems with a file are returned per path; the rest of the
// files still count.
//
// Requirements files are requirements*.txt (any name containing
// "requirements") and .txt files in a requirements/ or reqs/ directory,
// plus whatever they include with -r. A pip-tools input (requirements.in)
// is read only when its compiled requirements.txt is absent: the compiled
// file is what gets installed. Files named constraints*.txt, and anything
// reached only through -c, contribute constraints, not requirements. A file
// reached with -r from a production manifest is production, whatever its
// name.
func ParseAll(files map[string][]byte) ([]Requirement, map[string]error) {
	m := Parse(files)
	return m.Requirements, m.Errors
}

// Manifests is what Parse found.
type Manifests struct {
	// Requirements are ParseAll's, with the version of the lock file next
	// to a pyproject.toml or Pipfile filled in.
	Requirements []Requirement
	// Locked lists every package the lock files pin (dependencies of
	// dependencies included), by lock path and line.
	Locked []Locked
	// Errors holds each unreadable file's problems.
	Errors map[string]error
}

// Parse is ParseAll plus lock files: poetry.lock, uv.lock, pdm.lock and
// Pipfile.lock (up to MaxLockSize each).
func Parse(files map[string][]byte) Manifests {
	st := newParseState(files)
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)

	var out []Requirement
	var entries, locks []string
	for _, p := range paths {
		switch base := path.Base(p); {
		case base == "pyproject.toml":
			if text, ok := st.text(p); ok {
				reqs, errs := parsePyproject(p, text)
				out = append(out, reqs...)
				st.errs[p] = append(st.errs[p], errs...)
			}
		case base == "Pipfile":
			if text, ok := st.text(p); ok {
				reqs, errs := parsePipfile(p, text)
				out = append(out, reqs...)
				st.errs[p] = append(st.errs[p], errs...)
			}
		case IsLockFile(p):
			locks = append(locks, p)
		case isRequirementsEntry(p, files):
			entries = append(entries, p)
		}
	}
	out = append(out, st.requirementsFiles(entries)...)
	locked := st.applyLocks(out, locks)

	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	var errMap map[string]error
	for p, es := range st.errs {
		if len(es) == 0 {
			continue
		}
		if errMap == nil {
			errMap = map[string]error{}
		}
		errMap[p] = fileErrors(es)
	}
	return Manifests{Requirements: out, Locked: locked, Errors: errMap}
}

type parseState struct {
	files    map[string][]byte
	reqFiles map[string]*reqFile // nil entry: could not be read
	errs     map[string][]error
	missing  map[string]bool // includes that point at files not in the set
}

func newParseState(files map[string][]byte) *parseState {
	return &parseState{files: files, reqFiles: map[string]*reqFile{}, errs: map[string][]error{}, missing: map[string]bool{}}
}

// MissingIncludes lists the in-repository paths that requirements files
// in files include (-r, -c) but files lacks. A caller that selects files
// by name (a base.pip or common.txt escapes any naming rule) can read
// these and call ParseAll with them added; repeat until none are left,
// since an added file may include others.
func MissingIncludes(files map[string][]byte) []string {
	st := newParseState(files)
	var entries []string
	for p := range files {
		if isRequirementsEntry(p, files) {
			entries = append(entries, p)
		}
	}
	sort.Strings(entries)
	st.requirementsFiles(entries)
	out := make([]string, 0, len(st.missing))
	for p := range st.missing {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// text returns a file's contents when it is small, valid UTF-8 text,
// recording an error for the file otherwise.
func (st *parseState) text(p string) (string, bool) {
	data := st.files[p]
	switch {
	case len(data) > MaxFileSize:
		st.errs[p] = append(st.errs[p], fmt.Errorf("%d bytes: %w", len(data), ErrTooLarge))
		return "", false
	case bytes.IndexByte(data, 0) >= 0, !utf8.Valid(data):
		st.errs[p] = append(st.errs[p], fmt.Errorf("binary or invalid UTF-8 content: %w", ErrNotText))
		return "", false
	}
	return strings.TrimPrefix(string(data), "\ufeff"), true
}

// reqFile parses a requirements file once, resolving its includes.
func (st *parseState) reqFile(p string) *reqFile {
	if f, seen := st.reqFiles[p]; seen {
		return f
	}
	st.reqFiles[p] = nil
	text, ok := st.text(p)
	if !ok {
		return nil
	}
	f := parseRequirementsFile(p, text)
	st.errs[p] = append(st.errs[p], f.errs...)
	f.resolved = make([]string, len(f.includes))
	for i, inc := range f.includes {
		target, err := st.resolve(p, inc)
		if err != nil {
			st.errs[p] = append(st.errs[p], err)
			continue
		}
		f.resolved[i] = target
	}
	st.reqFiles[p] = f
	return f
}

// resolve finds an include inside the file set, relative to the file that
// names it (as pip does for a relative path).
func (st *parseState) resolve(from string, inc include) (string, error) {
	opt := "-r"
	if inc.constraint {
		opt = "-c"
	}
	t := inc.target
	switch {
	case strings.Contains(t, "://"), strings.HasPrefix(t, "/"), strings.HasPrefix(t, "~"), strings.Contains(t, "$"),
		len(t) > 1 && t[1] == ':':
		return "", fmt.Errorf("line %d: %s %s: %w", inc.line, opt, t, ErrIncludeOutside)
	}
	target := path.Join(path.Dir(from), strings.ReplaceAll(t, `\`, "/"))
	if target == ".." || strings.HasPrefix(target, "../") {
		return "", fmt.Errorf("line %d: %s %s: %w", inc.line, opt, t, ErrIncludeOutside)
	}
	if _, ok := st.files[target]; !ok {
		st.missing[target] = true
		return "", fmt.Errorf("line %d: %s %s: %w (looked for %s)", inc.line, opt, t, ErrIncludeMissing, target)
	}
	return target, nil
}

// requirementsFiles parses the requirements entries and everything they
// include, and decides what is development-only and which constraints
// apply.
func (st *parseState) requirementsFiles(entries []string) []Requirement {
	for _, e := range entries {
		st.reqFile(e)
	}
	st.findCycles(entries)

	// installedBy[f] lists the entries whose install pulls f in (-r chains).
	installedBy := map[string][]string{}
	constraints := map[string]map[string][]string{} // entry → name → specifiers
	for _, e := range entries {
		installed := st.reach([]string{e}, false)
		for _, f := range installed {
			installedBy[f] = append(installedBy[f], e)
		}
		var consRoots []string
		for _, f := range installed {
			rf := st.reqFiles[f]
			for i, inc := range rf.includes {
				if inc.constraint && rf.resolved[i] != "" {
					consRoots = append(consRoots, rf.resolved[i])
				}
			}
		}
		cons := map[string][]string{}
		for _, f := range st.reach(consRoots, true) {
			for _, r := range st.reqFiles[f].reqs {
				if r.Specifier != "" {
					cons[r.Name] = appendUnique(cons[r.Name], r.Specifier)
				}
			}
		}
		constraints[e] = cons
	}

	var files []string
	for f := range installedBy {
		files = append(files, f)
	}
	sort.Strings(files)
	var out []Requirement
	for _, f := range files {
		dev := true
		for _, e := range installedBy[f] {
			if !requirementsNameIsDev(e) {
				dev = false
			}
		}
		for _, r := range st.reqFiles[f].reqs {
			r.Dev = dev
			var specs []string
			for _, e := range installedBy[f] {
				for _, s := range constraints[e][r.Name] {
					specs = appendUnique(specs, s)
				}
			}
			if len(specs) > 0 && r.URL == "" {
				r.Constraint = strings.Join(specs, ",")
				if r.Version == "" {
					if set, err := ParseSpecifier(r.Constraint); err == nil {
						r.Version, _ = set.Pin()
					}
				}
			}
			out = append(out, r)
		}
	}
	return out
}

// reach lists the readable files reachable from roots: the roots and
// whatever their -r includes pull in (and their -c includes too when
// allEdges is set), each once.
func (st *parseState) reach(roots []string, allEdges bool) []string {
	seen := map[string]bool{}
	var out []string
	var visit func(p string)
	visit = func(p string) {
		if seen[p] {
			return
		}
		seen[p] = true
		f := st.reqFile(p)
		if f == nil {
			return
		}
		out = append(out, p)
		for i, inc := range f.includes {
			if f.resolved[i] != "" && (allEdges || !inc.constraint) {
				visit(f.resolved[i])
			}
		}
	}
	for _, r := range roots {
		visit(r)
	}
	return out
}

// findCycles reports an include that leads back to a file already being
// included, on the file whose line closes the loop (pip would recurse
// until it fails).
func (st *parseState) findCycles(entries []string) {
	const (
		white = iota
		grey
		black
	)
	color := map[string]int{}
	var stack []string
	var visit func(p string)
	visit = func(p string) {
		color[p] = grey
		stack = append(stack, p)
		if f := st.reqFile(p); f != nil {
			for i, inc := range f.includes {
				t := f.resolved[i]
				if t == "" {
					continue
				}
				switch color[t] {
				case white:
					visit(t)
				case grey:
					loop := []string{}
					for j := len(stack) - 1; j >= 0; j-- {
						if stack[j] == t {
							loop = append(loop, stack[j:]...)
							break
						}
					}
					loop = append(loop, t)
					st.errs[p] = append(st.errs[p], fmt.Errorf("line %d: %s: %w", inc.line, strings.Join(loop, " → "), ErrIncludeCycle))
				}
			}
		}
		stack = stack[:len(stack)-1]
		color[p] = black
	}
	for _, e := range entries {
		if color[e] == white {
			visit(e)
		}
	}
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// isRequirementsEntry decides whether a file is a requirements manifest in
// its own right (as opposed to something only an include reaches).
func isRequirementsEntry(p string, files map[string][]byte) bool {
	dir, base := path.Split(p)
	lower := strings.ToLower(base)
	ext := path.Ext(lower)
	if ext != ".txt" && ext != ".in" {
		return false
	}
	if strings.HasPrefix(lower, "constraint") || strings.HasPrefix(lower, "readme") || strings.HasPrefix(lower, "license") {
		return false
	}
	parent := strings.ToLower(path.Base(strings.TrimSuffix(dir, "/")))
	if !strings.Contains(lower, "requirements") && parent != "requirements" && parent != "reqs" {
		return false
	}
	if ext == ".in" {
		// pip-tools: the compiled .txt next to it is what gets installed.
		if _, compiled := files[strings.TrimSuffix(p, path.Ext(p))+".txt"]; compiled {
			return false
		}
	}
	return true
}

// devWordRE matches the words that mark a development-only manifest:
// requirements-dev.txt, dev-requirements.txt, requirements/test_unit.txt,
// requirements_local.txt. devDirRE does the same for directories
// (docs/requirements.txt, tests/requirements.txt), by whole word only so
// that a project called testproject stays production.
var (
	devWordRE = lazyre.New(`^(dev|devel|develop|development|test.*|local.*|lint|linting|docs?|typing|ci)$`)
	devDirRE  = lazyre.New(`^(dev|development|test|tests|testing|local|docs?)$`)
)

// requirementsNameIsDev says whether a requirements file's path marks it as
// development-only.
func requirementsNameIsDev(p string) bool {
	parts := strings.Split(strings.ToLower(p), "/")
	last := parts[len(parts)-1]
	for _, w := range strings.FieldsFunc(strings.TrimSuffix(last, path.Ext(last)), func(r rune) bool { return r == '-' || r == '_' || r == '.' }) {
		if devWordRE().MatchString(w) {
			return true
		}
	}
	for _, dir := range parts[:len(parts)-1] {
		if devDirRE().MatchString(dir) {
			return true
		}
	}
	return false
}
