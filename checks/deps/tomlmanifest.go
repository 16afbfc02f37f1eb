package deps

import (
	"fmt"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/djsec/djsec/internal/lazyre"
)

// Group names that mark development-only dependencies. PEP 621 optional
// dependencies are extras, so only these names are development; PEP 735
// groups exist for development, so every group is, except these.
var (
	devExtras     = map[string]bool{"dev": true, "develop": true, "development": true, "test": true, "tests": true, "testing": true, "lint": true, "linting": true, "docs": true, "doc": true, "typing": true}
	prodDepGroups = map[string]bool{"prod": true, "production": true, "main": true}
)

// parsePyproject reads PEP 621 [project] dependencies and optional
// dependencies, PEP 735 [dependency-groups], Poetry, PDM and uv tables.
func parsePyproject(p, text string) ([]Requirement, []error) {
	var doc map[string]any
	if _, err := toml.Decode(text, &doc); err != nil {
		return nil, []error{fmt.Errorf("pyproject.toml does not parse: %w", err)}
	}
	loc := newTOMLLocator(text)
	var out []Requirement
	var errs []error
	addStrings := func(list any, header, key string, dev bool) {
		items, _ := list.([]any)
		for _, it := range items {
			s, ok := it.(string)
			if !ok {
				continue // PEP 735 {include-group = "..."}: listed under its own group
			}
			r, off, err := parsePEP508(s)
			if err != nil {
				errs = append(errs, fmt.Errorf("[%s] %s: %w", header, key, err))
				continue
			}
			r.Path, r.Dev = p, dev
			r.Line, r.Col = loc.findString(header, key, pep508NameRE().FindString(s[off:]))
			out = append(out, r)
		}
	}

	project := table(doc, "project")
	addStrings(project["dependencies"], "project", "dependencies", false)
	for _, g := range sortedKeys(table(project, "optional-dependencies")) {
		addStrings(table(project, "optional-dependencies")[g], "project.optional-dependencies", g, devExtras[NormalizeName(g)])
	}
	groups := table(doc, "dependency-groups")
	for _, g := range sortedKeys(groups) {
		addStrings(groups[g], "dependency-groups", g, !prodDepGroups[NormalizeName(g)])
	}

	tool := table(doc, "tool")
	poetry := table(tool, "poetry")
	out = append(out, poetryDeps(p, loc, table(poetry, "dependencies"), "tool.poetry.dependencies", false)...)
	out = append(out, poetryDeps(p, loc, table(poetry, "dev-dependencies"), "tool.poetry.dev-dependencies", true)...)
	pgroups := table(poetry, "group")
	for _, g := range sortedKeys(pgroups) {
		header := "tool.poetry.group." + g + ".dependencies"
		out = append(out, poetryDeps(p, loc, table(table(pgroups, g), "dependencies"), header, NormalizeName(g) != "main")...)
	}
	pdmDev := table(table(tool, "pdm"), "dev-dependencies")
	for _, g := range sortedKeys(pdmDev) {
		addStrings(pdmDev[g], "tool.pdm.dev-dependencies", g, true)
	}
	addStrings(table(tool, "uv")["dev-dependencies"], "tool.uv", "dev-dependencies", true)
	return out, errs
}

// poetryDeps reads a Poetry dependency table: name = "constraint", or an
// inline table {version, extras, markers, git/url/path}, or a list of
// them (multiple constraints for different Pythons).
func poetryDeps(p string, loc *tomlLocator, deps map[string]any, header string, dev bool) []Requirement {
	var out []Requirement
	for _, name := range sortedKeys(deps) {
		if strings.EqualFold(name, "python") {
			continue
		}
		var specs []any
		if list, ok := deps[name].([]any); ok {
			specs = list
		} else {
			specs = []any{deps[name]}
		}
		for _, spec := range specs {
			r := Requirement{Name: NormalizeName(name), Path: p, Dev: dev}
			switch v := spec.(type) {
			case string:
				r.Specifier = poetryConstraint(v)
			case map[string]any:
				if s, ok := v["version"].(string); ok {
					r.Specifier = poetryConstraint(s)
				}
				r.Extras = stringList(v["extras"])
				r.Marker, _ = v["markers"].(string)
				r.URL = firstString(v, "git", "url", "path", "file")
				r.Editable, _ = v["develop"].(bool)
			default:
				continue
			}
			if set, err := ParseSpecifier(r.Specifier); err == nil {
				r.Version, _ = set.Pin()
			}
			r.Line, r.Col = loc.findKey(header, name)
			out = append(out, r)
		}
	}
	return out
}

// poetryTokenRE splits one Poetry constraint clause: an operator (or ^, ~)
// and a version, spaces allowed between them.
var poetryTokenRE = lazyre.New(`(\^|~=|~|===|==|!=|<=|>=|<|>|=)?\s*([^\s,<>=!~^]+)`)

// poetryConstraint translates Poetry's version syntax to PEP 440: ^ and ~
// ranges, bare versions (an exact pin), "*", and space- or comma-separated
// clauses. A union ("||") has no PEP 440 form and is returned as written,
// where Requirement.Specifiers reports it unreadable.
func poetryConstraint(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || s == "*" {
		return ""
	}
	if strings.Contains(s, "|") {
		return s
	}
	var clauses []string
	for _, m := range poetryTokenRE().FindAllStringSubmatch(s, -1) {
		op, ver := m[1], m[2]
		if ver == "*" {
			continue
		}
		switch op {
		case "^", "~":
			v, err := ParseVersion(ver)
			if err != nil {
				return s
			}
			clauses = append(clauses, ">="+ver, "<"+poetryCeiling(v, op))
		case "", "=":
			clauses = append(clauses, "=="+ver)
		default:
			clauses = append(clauses, op+ver)
		}
	}
	return strings.Join(clauses, ",")
}

// poetryCeiling is the exclusive upper end of ^v (bump the first non-zero
// component: ^1.2.3 → 2.0.0, ^0.2.3 → 0.3.0, ^0.0 → 0.1) or ~v (bump the
// minor when given: ~1.2.3 → 1.3.0, ~1 → 2).
func poetryCeiling(v Version, op string) string {
	rel := append([]int(nil), v.Release...)
	i := 0
	if op == "^" {
		i = len(rel) - 1
		for j, n := range rel {
			if n != 0 {
				i = j
				break
			}
		}
	} else if len(rel) >= 2 {
		i = 1
	}
	rel[i]++
	for j := i + 1; j < len(rel); j++ {
		rel[j] = 0
	}
	parts := make([]string, len(rel))
	for j, n := range rel {
		parts[j] = fmt.Sprint(n)
	}
	return strings.Join(parts, ".")
}

// parsePipfile reads [packages] and [dev-packages]: name = "*" (any
// version), a PEP 440 specifier, or an inline table {version, extras,
// markers, git/path/file, editable}.
func parsePipfile(p, text string) ([]Requirement, []error) {
	var doc map[string]any
	if _, err := toml.Decode(text, &doc); err != nil {
		return nil, []error{fmt.Errorf("the Pipfile does not parse: %w", err)}
	}
	loc := newTOMLLocator(text)
	var out []Requirement
	for _, section := range []string{"packages", "dev-packages"} {
		pkgs := table(doc, section)
		for _, name := range sortedKeys(pkgs) {
			r := Requirement{Name: NormalizeName(name), Path: p, Dev: section == "dev-packages"}
			switch v := pkgs[name].(type) {
			case string:
				r.Specifier = pipfileSpecifier(v)
			case map[string]any:
				if s, ok := v["version"].(string); ok {
					r.Specifier = pipfileSpecifier(s)
				}
				r.Extras = stringList(v["extras"])
				r.Marker, _ = v["markers"].(string)
				r.URL = firstString(v, "git", "path", "file")
				r.Editable, _ = v["editable"].(bool)
			default:
				continue
			}
			if set, err := ParseSpecifier(r.Specifier); err == nil {
				r.Version, _ = set.Pin()
			}
			r.Line, r.Col = loc.findKey(section, name)
			out = append(out, r)
		}
	}
	return out, nil
}

// pipfileSpecifier turns "*" into "any version"; everything else is PEP 440.
func pipfileSpecifier(s string) string {
	if s = strings.TrimSpace(s); s == "*" {
		return ""
	}
	return s
}

func table(m map[string]any, key string) map[string]any {
	t, _ := m[key].(map[string]any)
	return t
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func stringList(v any) []string {
	items, _ := v.([]any)
	var out []string
	for _, it := range items {
		if s, ok := it.(string); ok {
			out = append(out, NormalizeName(s))
		}
	}
	return out
}

func firstString(m map[string]any, keys ...string) string {
	for _, k := range keys {
		if s, ok := m[k].(string); ok && s != "" {
			return s
		}
	}
	return ""
}

// tomlLocator finds where a dependency sits in a TOML file. The decoder
// gives values without positions, so this searches the text: the table's
// header, then the key or the quoted requirement string. Best effort: a
// miss falls back to the table's header line. Every lookup costs about the
// distance from the previous one, so a 1 MiB manifest stays fast.
type tomlLocator struct {
	lines []string
	// sections maps a header (spaces and quotes removed) to its line range.
	sections map[string][2]int
	// keys indexes each section's keys (lower case) to their first line.
	keys map[string]map[string]int
	// cursor is where the next search for a requirement string in the same
	// array starts: arrays list requirements in the order they are read.
	cursor map[string]int
	// used remembers occurrences already given out, so a name listed twice
	// (with different markers) gets both of its places.
	used map[[2]int]bool
}

var (
	tomlHeaderRE = lazyre.New(`^\s*\[\[?\s*([A-Za-z0-9_.\-"' ]+?)\s*\]\]?\s*(#.*)?$`)
	tomlKeyRE    = lazyre.New(`^\s*["']?([A-Za-z0-9_.\-]+)["']?\s*=`)
)

func newTOMLLocator(text string) *tomlLocator {
	l := &tomlLocator{
		lines:    strings.Split(text, "\n"),
		sections: map[string][2]int{},
		keys:     map[string]map[string]int{},
		cursor:   map[string]int{},
		used:     map[[2]int]bool{},
	}
	current, start := "", 0
	closeSection := func(end int) {
		if _, dup := l.sections[current]; current != "" && !dup {
			l.sections[current] = [2]int{start, end}
		}
	}
	for i, line := range l.lines {
		l.lines[i] = strings.TrimSuffix(line, "\r")
		m := tomlHeaderRE().FindStringSubmatch(l.lines[i])
		if m == nil {
			continue
		}
		closeSection(i)
		current, start = "", i
		if !strings.HasPrefix(strings.TrimSpace(l.lines[i]), "[[") {
			current = strings.NewReplacer(" ", "", `"`, "", "'", "").Replace(m[1])
		}
	}
	closeSection(len(l.lines))
	return l
}

// section returns the line range of [header], or the whole file when the
// header is absent (a dotted key such as project.dependencies = [...]).
func (l *tomlLocator) section(header string) (start, end int, found bool) {
	if r, ok := l.sections[strings.ReplaceAll(header, " ", "")]; ok {
		return r[0], r[1], true
	}
	return 0, len(l.lines), false
}

// keyLine finds `key =` in [header] (case-insensitive).
func (l *tomlLocator) keyLine(header, key string) (int, bool) {
	idx, ok := l.keys[header]
	if !ok {
		idx = map[string]int{}
		start, end, _ := l.section(header)
		for i := start; i < end; i++ {
			if m := tomlKeyRE().FindStringSubmatch(l.lines[i]); m != nil {
				k := strings.ToLower(m[1])
				if _, dup := idx[k]; !dup {
					idx[k] = i
				}
			}
		}
		l.keys[header] = idx
	}
	i, ok := idx[strings.ToLower(key)]
	return i, ok
}

// findKey locates `name = ...` inside [header]; every constraint of a
// Poetry multiple-constraints list is placed on its key.
func (l *tomlLocator) findKey(header, name string) (line, col int) {
	if i, ok := l.keyLine(header, name); ok {
		return i + 1, strings.Index(strings.ToLower(l.lines[i]), strings.ToLower(name)) + 1
	}
	start, _, found := l.section(header)
	return fallbackLine(start, found)
}

// findString locates a quoted requirement string starting with name inside
// the value of key in [header].
func (l *tomlLocator) findString(header, key, name string) (line, col int) {
	start, end, found := l.section(header)
	if i, ok := l.keyLine(header, key); ok {
		start = i
	}
	ck := header + "\x00" + key
	from, ok := l.cursor[ck]
	if !ok {
		from = start
	}
	lowerName := strings.ToLower(name)
	search := func(a, b int) (int, int, bool) {
		for i := a; i < b; i++ {
			lower := strings.ToLower(l.lines[i])
			for off := 0; ; {
				j := strings.Index(lower[off:], lowerName)
				if j < 0 {
					break
				}
				j += off
				off = j + 1
				quoted := j > 0 && (lower[j-1] == '"' || lower[j-1] == '\'')
				whole := j+len(lowerName) >= len(lower) || !isNameChar(lower[j+len(lowerName)])
				if quoted && whole && !l.used[[2]int{i, j}] {
					l.used[[2]int{i, j}] = true
					return i, j, true
				}
			}
		}
		return 0, 0, false
	}
	i, j, hit := search(from, end)
	if !hit {
		i, j, hit = search(start, from)
	}
	if hit {
		l.cursor[ck] = i
		return i + 1, j + 1
	}
	return fallbackLine(start, found)
}

func fallbackLine(start int, found bool) (int, int) {
	if found {
		return start + 1, 1
	}
	return 1, 1
}

func isNameChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
}
