package deps

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/BurntSushi/toml"
)

// MaxLockSize is the largest lock file Parse reads. Lock files carry a hash
// for every wheel, so they are much larger than manifests; a real one is
// rarely above 2 MiB.
const MaxLockSize = 4 << 20

// ErrLockTooLarge is returned for a lock file over MaxLockSize.
var ErrLockTooLarge = errors.New("lock file larger than 4 MiB")

// Locked is one package a lock file pins.
type Locked struct {
	// Name is normalised per PEP 503.
	Name    string
	Version string
	// Dev is true when only development groups install the package: the
	// lock says so (Pipfile.lock's develop, Poetry and PDM groups), or
	// nothing production depends on reaches it.
	Dev bool
	// Path is the lock file; Line is where the package's entry starts.
	Path string
	Line int
	// Direct is true when a manifest next to the lock declares the
	// package and its requirement carries this locked version (not when
	// the lock holds several versions of it, one per platform or Python).
	Direct bool
}

// IsLockFile reports whether a path names a lock file Parse reads.
func IsLockFile(p string) bool {
	return lockKind(p) != ""
}

func lockKind(p string) string {
	base := path.Base(p)
	switch strings.ToLower(base) {
	case "poetry.lock":
		return "poetry"
	case "uv.lock":
		return "uv"
	case "pdm.lock":
		return "pdm"
	}
	if base == "Pipfile.lock" {
		return "pipenv"
	}
	return ""
}

// lockFile is one parsed lock.
type lockFile struct {
	path, kind string
	pkgs       []lockPkg
	// roots are the packages the project itself depends on for
	// production, when the lock records that (uv's project entry).
	roots []string
}

type lockPkg struct {
	name, version string
	line          int
	// skip marks packages not installed from an index (git, URL, path,
	// editable) and the project itself: their version is not a release.
	skip bool
	// dev is the lock's own word: 0 unknown, 1 production, 2 development.
	dev  int
	deps []string
}

// readLock parses one lock file; problems are returned with the file's
// line where one is known.
func (st *parseState) readLock(p string) *lockFile {
	data := st.files[p]
	if len(data) > MaxLockSize {
		st.errs[p] = append(st.errs[p], fmt.Errorf("%d bytes: %w; its pins are not used", len(data), ErrLockTooLarge))
		return nil
	}
	if bytes.IndexByte(data, 0) >= 0 || !utf8.Valid(data) {
		st.errs[p] = append(st.errs[p], fmt.Errorf("binary or invalid UTF-8 content: %w", ErrNotText))
		return nil
	}
	text := strings.TrimPrefix(string(data), "\ufeff")
	if lockKind(p) != "pipenv" {
		text = blankHashLists(text)
	}
	lf := &lockFile{path: p, kind: lockKind(p)}
	var err error
	switch lf.kind {
	case "pipenv":
		err = parsePipfileLock(lf, text)
	case "poetry":
		err = parsePoetryLock(lf, text)
	case "uv":
		err = parseUVLock(lf, text)
	case "pdm":
		err = parsePDMLock(lf, text)
	}
	if err != nil {
		st.errs[p] = append(st.errs[p], err)
		if len(lf.pkgs) == 0 {
			return nil
		}
	}
	return lf
}

// blankHashLists empties the multi-line `files = [` and `wheels = [`
// arrays of TOML locks: one {file, hash} table per wheel is most of a
// lock's bytes, and djsec reads none of it. Lines are blanked, not removed,
// so positions stay right; an array whose lines are not all inline tables
// is left alone for the decoder to judge.
func blankHashLists(text string) string {
	if !strings.Contains(text, "files = [\n") && !strings.Contains(text, "wheels = [\n") {
		return text
	}
	lines := strings.SplitAfter(text, "\n")
	changed := false
	for i := 0; i < len(lines); i++ {
		head := strings.TrimRight(lines[i], "\r\n")
		if head != "files = [" && head != "wheels = [" {
			continue
		}
		end := -1
		for j := i + 1; j < len(lines); j++ {
			t := strings.TrimSpace(lines[j])
			if t == "]" {
				end = j
				break
			}
			if !strings.HasPrefix(t, "{") || !strings.HasSuffix(t, "},") && !strings.HasSuffix(t, "}") {
				break
			}
		}
		if end < 0 {
			continue
		}
		lines[i] = strings.Replace(lines[i], "[", "[]", 1)
		for j := i + 1; j <= end; j++ {
			lines[j] = "\n"
		}
		changed = true
		i = end
	}
	if !changed {
		return text
	}
	return strings.Join(lines, "")
}

// tomlLockError words a TOML syntax error with its line: the line holding
// the offending byte (the decoder counts an unexpected newline as the
// start of the next line).
func tomlLockError(kind, text string, err error) error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		line := pe.Position.Line
		if s := pe.Position.Start; s > 0 && s <= len(text) {
			line = newLineIndex(text)(s)
		}
		return fmt.Errorf("line %d: %s does not parse: %s", line, kind, pe.Message)
	}
	return fmt.Errorf("%s does not parse: %w", kind, err)
}

// packageLines finds the line of each [[package]] table's name, in order:
// TOML keeps the order of an array of tables, so the k-th decoded package
// is the k-th header.
func packageLines(text string) []int {
	var out []int
	header := -1
	for i, line := range strings.Split(text, "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "[[") {
			if strings.ReplaceAll(strings.Trim(t, "[] \r"), " ", "") == "package" {
				if header >= 0 {
					out = append(out, header+1)
				}
				header = i
			}
			continue
		}
		if header >= 0 && (strings.HasPrefix(t, "name ") || strings.HasPrefix(t, "name=")) {
			out = append(out, i+1)
			header = -1
		}
	}
	if header >= 0 {
		out = append(out, header+1)
	}
	return out
}

func lineAt(lines []int, i int) int {
	if i < len(lines) {
		return lines[i]
	}
	return 1
}

// missingFields reports a package entry without a name or version.
func missingFields(kind string, line int) error {
	return fmt.Errorf("line %d: %s package entry without a name or version", line, kind)
}

func parsePoetryLock(lf *lockFile, text string) error {
	var doc struct {
		Package []struct {
			Name         string         `toml:"name"`
			Version      string         `toml:"version"`
			Category     string         `toml:"category"`
			Groups       []string       `toml:"groups"`
			Dependencies map[string]any `toml:"dependencies"`
			Source       struct {
				Type string `toml:"type"`
			} `toml:"source"`
		} `toml:"package"`
	}
	if _, err := toml.Decode(text, &doc); err != nil {
		return tomlLockError("poetry.lock", text, err)
	}
	lines := packageLines(text)
	var errs []error
	for i, p := range doc.Package {
		line := lineAt(lines, i)
		if p.Name == "" || p.Version == "" {
			errs = append(errs, missingFields("poetry.lock", line))
			continue
		}
		lp := lockPkg{name: NormalizeName(p.Name), version: p.Version, line: line}
		switch p.Source.Type {
		case "git", "url", "file", "directory":
			lp.skip = true
		}
		switch {
		case p.Category != "":
			lp.dev = devWord(p.Category == "main")
		case len(p.Groups) > 0:
			lp.dev = devWord(containsFold(p.Groups, "main"))
		}
		for name := range p.Dependencies {
			lp.deps = append(lp.deps, NormalizeName(name))
		}
		lf.pkgs = append(lf.pkgs, lp)
	}
	return errors.Join(errs...)
}

func devWord(prod bool) int {
	if prod {
		return 1
	}
	return 2
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// uvDep is one entry of a uv.lock dependency list.
type uvDep struct {
	Name string `toml:"name"`
}

func parseUVLock(lf *lockFile, text string) error {
	var doc struct {
		Package []struct {
			Name                 string             `toml:"name"`
			Version              string             `toml:"version"`
			Source               map[string]any     `toml:"source"`
			Dependencies         []uvDep            `toml:"dependencies"`
			OptionalDependencies map[string][]uvDep `toml:"optional-dependencies"`
		} `toml:"package"`
	}
	if _, err := toml.Decode(text, &doc); err != nil {
		return tomlLockError("uv.lock", text, err)
	}
	lines := packageLines(text)
	var errs []error
	for i, p := range doc.Package {
		line := lineAt(lines, i)
		// The project itself (and workspace members) may have no version.
		_, editable := p.Source["editable"]
		_, virtual := p.Source["virtual"]
		root := editable || virtual
		if p.Name == "" || p.Version == "" && !root {
			errs = append(errs, missingFields("uv.lock", line))
			continue
		}
		lp := lockPkg{name: NormalizeName(p.Name), version: p.Version, line: line}
		var deps []string
		for _, d := range p.Dependencies {
			deps = append(deps, NormalizeName(d.Name))
		}
		for _, group := range sortedGroupKeys(p.OptionalDependencies) {
			for _, d := range p.OptionalDependencies[group] {
				deps = append(deps, NormalizeName(d.Name))
			}
		}
		if root {
			// The project's own entry: its dependencies are production
			// (development ones are under dev-dependencies, not read).
			lp.skip = true
			lf.roots = append(lf.roots, deps...)
		} else if p.Source["registry"] == nil {
			// git, url, path, directory: not a release of an index.
			lp.skip = true
		}
		lp.deps = deps
		lf.pkgs = append(lf.pkgs, lp)
	}
	return errors.Join(errs...)
}

func sortedGroupKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func parsePDMLock(lf *lockFile, text string) error {
	var doc struct {
		Package []struct {
			Name         string   `toml:"name"`
			Version      string   `toml:"version"`
			Groups       []string `toml:"groups"`
			Dependencies []string `toml:"dependencies"`
			Git          string   `toml:"git"`
			URL          string   `toml:"url"`
			Path         string   `toml:"path"`
			Editable     bool     `toml:"editable"`
		} `toml:"package"`
	}
	if _, err := toml.Decode(text, &doc); err != nil {
		return tomlLockError("pdm.lock", text, err)
	}
	lines := packageLines(text)
	var errs []error
	for i, p := range doc.Package {
		line := lineAt(lines, i)
		if p.Name == "" || p.Version == "" {
			errs = append(errs, missingFields("pdm.lock", line))
			continue
		}
		lp := lockPkg{name: NormalizeName(p.Name), version: p.Version, line: line,
			skip: p.Git != "" || p.URL != "" || p.Path != "" || p.Editable}
		if len(p.Groups) > 0 {
			lp.dev = devWord(containsFold(p.Groups, "default"))
		}
		for _, d := range p.Dependencies {
			if name := pep508NameRE().FindString(strings.TrimSpace(d)); name != "" {
				lp.deps = append(lp.deps, NormalizeName(name))
			}
		}
		lf.pkgs = append(lf.pkgs, lp)
	}
	return errors.Join(errs...)
}

// parsePipfileLock reads the default (production) and develop sections,
// keeping each package's line: the decoder is walked token by token.
func parsePipfileLock(lf *lockFile, text string) error {
	dec := json.NewDecoder(strings.NewReader(text))
	lineOf := newLineIndex(text)
	jsonErr := func(err error) error {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return fmt.Errorf("line %d: Pipfile.lock does not parse: %v", lineOf(int(se.Offset)), err)
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("line %d: Pipfile.lock ends early", lineOf(len(text)))
		}
		return fmt.Errorf("line %d: Pipfile.lock does not parse: %v", lineOf(int(dec.InputOffset())), err)
	}
	if tok, err := dec.Token(); err != nil {
		return jsonErr(err)
	} else if tok != json.Delim('{') {
		return fmt.Errorf("line 1: Pipfile.lock is not a JSON object")
	}
	sections := map[string]map[string]lockPkg{}
	for dec.More() {
		keyTok, err := dec.Token()
		if err != nil {
			return jsonErr(err)
		}
		section, _ := keyTok.(string)
		if section != "default" && section != "develop" {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return jsonErr(err)
			}
			continue
		}
		if tok, err := dec.Token(); err != nil {
			return jsonErr(err)
		} else if tok != json.Delim('{') {
			return fmt.Errorf("line %d: Pipfile.lock's %q is not an object", lineOf(int(dec.InputOffset())), section)
		}
		pkgs := map[string]lockPkg{}
		for dec.More() {
			before := int(dec.InputOffset())
			nameTok, err := dec.Token()
			if err != nil {
				return jsonErr(err)
			}
			name, _ := nameTok.(string)
			line := lineOf(skipJSONSpace(text, before))
			var entry struct {
				Version  string `json:"version"`
				Git      string `json:"git"`
				Path     string `json:"path"`
				File     string `json:"file"`
				Editable bool   `json:"editable"`
			}
			if err := dec.Decode(&entry); err != nil {
				return jsonErr(err)
			}
			lp := lockPkg{name: NormalizeName(name), line: line, skip: entry.Git != "" || entry.Path != "" || entry.File != "" || entry.Editable}
			if v, ok := strings.CutPrefix(strings.TrimSpace(entry.Version), "=="); ok {
				lp.version = strings.TrimSpace(v)
			} else if !lp.skip {
				// "*" or no version: nothing exact is known.
				lp.skip = true
			}
			pkgs[lp.name] = lp
		}
		if _, err := dec.Token(); err != nil {
			return jsonErr(err)
		}
		sections[section] = pkgs
	}
	for _, name := range sortedGroupKeys(sections["default"]) {
		lp := sections["default"][name]
		lp.dev = 1
		lf.pkgs = append(lf.pkgs, lp)
	}
	for _, name := range sortedGroupKeys(sections["develop"]) {
		if _, prod := sections["default"][name]; prod {
			continue
		}
		lp := sections["develop"][name]
		lp.dev = 2
		lf.pkgs = append(lf.pkgs, lp)
	}
	return nil
}

// skipJSONSpace moves past the separators JSON puts before a key.
func skipJSONSpace(text string, i int) int {
	for i < len(text) && strings.IndexByte(" \t\r\n,{", text[i]) >= 0 {
		i++
	}
	return i
}

// newLineIndex returns a function from byte offset to 1-based line.
func newLineIndex(text string) func(off int) int {
	var starts []int
	starts = append(starts, 0)
	for i := 0; i < len(text); i++ {
		if text[i] == '\n' {
			starts = append(starts, i+1)
		}
	}
	return func(off int) int {
		return sort.Search(len(starts), func(i int) bool { return starts[i] > off })
	}
}

// applyLocks gives each pyproject.toml or Pipfile requirement the version
// the lock file next to it pins, and lists every locked package.
func (st *parseState) applyLocks(reqs []Requirement, lockPaths []string) []Locked {
	if len(lockPaths) == 0 {
		return nil
	}
	locks := map[string][]*lockFile{} // directory → its locks
	for _, p := range lockPaths {
		if lf := st.readLock(p); lf != nil {
			locks[path.Dir(p)] = append(locks[path.Dir(p)], lf)
		}
	}
	type key struct{ lock, name string }
	direct := map[key]bool{}
	// prodRoots are the production requirement names of the manifests
	// each lock serves, for locks that do not record groups.
	prodRoots := map[*lockFile][]string{}
	for i := range reqs {
		r := &reqs[i]
		if r.URL != "" {
			continue
		}
		lf := st.lockFor(r.Path, locks[path.Dir(r.Path)], r.Name)
		if lf == nil {
			continue
		}
		if !r.Dev {
			prodRoots[lf] = append(prodRoots[lf], r.Name)
		}
		var found *lockPkg
		ambiguous := false
		for j := range lf.pkgs {
			lp := &lf.pkgs[j]
			if lp.name != r.Name || lp.skip {
				continue
			}
			if found != nil && found.version != lp.version {
				// uv forks a resolution per Python version or platform:
				// which one installs is not known here.
				ambiguous = true
			}
			if found == nil {
				found = lp
			}
		}
		if found != nil && !ambiguous {
			r.Version, r.Locked, r.LockedLine = found.version, lf.path, found.line
			direct[key{lf.path, r.Name}] = true
		}
	}
	var out []Locked
	dirs := sortedGroupKeys(locks)
	for _, d := range dirs {
		for _, lf := range locks[d] {
			devOf := lockDevResolver(lf, prodRoots[lf])
			for _, lp := range lf.pkgs {
				if lp.skip {
					continue
				}
				out = append(out, Locked{Name: lp.name, Version: lp.version, Dev: devOf(lp), Path: lf.path, Line: lp.line,
					Direct: direct[key{lf.path, lp.name}]})
			}
		}
	}
	return out
}

// lockFor picks the lock that installs a manifest's requirement: Pipfile
// pairs with Pipfile.lock; pyproject.toml with the lock of the tool it
// configures ([tool.poetry], [tool.pdm], [tool.uv]), else any lock next to
// it that lists the package (uv, then Poetry, then PDM).
func (st *parseState) lockFor(manifest string, locks []*lockFile, name string) *lockFile {
	if len(locks) == 0 {
		return nil
	}
	base := path.Base(manifest)
	var order []string
	switch base {
	case "Pipfile":
		order = []string{"pipenv"}
	case "pyproject.toml":
		text := string(st.files[manifest])
		for _, tool := range []string{"poetry", "pdm", "uv"} {
			if strings.Contains(text, "[tool."+tool) {
				order = append(order, tool)
			}
		}
		order = append(order, "uv", "poetry", "pdm")
	default:
		return nil
	}
	for _, kind := range order {
		for _, lf := range locks {
			if lf.kind != kind {
				continue
			}
			for _, lp := range lf.pkgs {
				if lp.name == name {
					return lf
				}
			}
		}
	}
	return nil
}

// lockDevResolver decides which locked packages only development installs:
// the lock's own word when it has one; else, with the production roots
// known (the lock's project entry, or the manifest's production
// requirements), whatever those do not reach through the lock's
// dependency lists; else nothing is development.
func lockDevResolver(lf *lockFile, manifestRoots []string) func(lockPkg) bool {
	roots := lf.roots
	if len(roots) == 0 {
		roots = manifestRoots
	}
	var reach map[string]bool
	if len(roots) > 0 {
		edges := map[string][]string{}
		for _, lp := range lf.pkgs {
			edges[lp.name] = append(edges[lp.name], lp.deps...)
		}
		reach = map[string]bool{}
		stack := append([]string(nil), roots...)
		for len(stack) > 0 {
			n := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if reach[n] {
				continue
			}
			reach[n] = true
			stack = append(stack, edges[n]...)
		}
	}
	return func(lp lockPkg) bool {
		switch {
		case lp.dev != 0:
			return lp.dev == 2
		case reach != nil:
			return !reach[lp.name]
		}
		return false
	}
}
