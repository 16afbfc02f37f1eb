package checks

import (
	"path"
	"regexp"
	"strings"
	"unicode/utf8"
)

// The .gitignore engine: git's reading of every .gitignore in a tree
// (nested files, negation, directory-only patterns, anchoring, ** and
// character classes), for DJS106 (a committed .env that no .gitignore
// covers) and for `bot audit`, which asks it whether a local .env is
// tracked. Its dialect is git's, not the path globs of ignores
// (ignore.go): the two answer different questions.

// gitignores holds the patterns of every .gitignore in the tree, by the
// directory they sit in ("" for the root).
type gitignores map[string][]gitignorePattern

type gitignorePattern struct {
	re      *regexp.Regexp
	negate  bool
	dirOnly bool
	file    string
	line    int
}

func newGitignores(files map[string][]byte) gitignores {
	g := gitignores{}
	for fp, data := range files {
		if path.Base(fp) != ".gitignore" {
			continue
		}
		dir := path.Dir(fp)
		if dir == "." {
			dir = ""
		}
		g[dir] = parseGitignore(fp, data)
	}
	return g
}

// filesFor lists the .gitignore files that apply to p, shallowest first.
func (g gitignores) filesFor(p string) []string {
	var out []string
	for _, dir := range gitignoreAncestors(p) {
		if _, ok := g[dir]; ok {
			out = append(out, secretsJoinPath(dir, ".gitignore"))
		}
	}
	return out
}

// gitignoreAncestors lists "" (the root) and every directory above p, shallowest first.
func gitignoreAncestors(p string) []string {
	out := []string{""}
	parts := strings.Split(p, "/")
	for i := 1; i < len(parts); i++ {
		out = append(out, strings.Join(parts[:i], "/"))
	}
	return out
}

// ignored applies git's rules to the file p: each parent directory is
// tested first, and a file inside an ignored directory cannot be
// re-included; otherwise the last matching pattern wins, deeper .gitignore
// files after shallower ones. last is that pattern, or nil.
func (g gitignores) ignored(p string) (ignored bool, last *gitignorePattern) {
	parts := strings.Split(p, "/")
	for i := 1; i <= len(parts); i++ {
		sub := strings.Join(parts[:i], "/")
		isDir := i < len(parts)
		var match *gitignorePattern
		for _, dir := range gitignoreAncestors(sub) {
			if dir == sub {
				continue
			}
			rel := sub
			if dir != "" {
				rel = strings.TrimPrefix(sub, dir+"/")
			}
			for j := range g[dir] {
				pat := &g[dir][j]
				if pat.dirOnly && !isDir {
					continue
				}
				if pat.re.MatchString(rel) {
					match = pat
				}
			}
		}
		if match != nil && !match.negate {
			return true, match
		}
		if !isDir {
			return false, match
		}
	}
	return false, nil
}

// parseGitignore reads one .gitignore (gitignore(5)).
func parseGitignore(file string, data []byte) []gitignorePattern {
	var out []gitignorePattern
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSuffix(line, "\r")
		line = trimGitignoreSpaces(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		pat := gitignorePattern{file: file, line: i + 1}
		if strings.HasPrefix(line, "!") {
			pat.negate = true
			line = line[1:]
		}
		if strings.HasSuffix(line, "/") {
			pat.dirOnly = true
			line = strings.TrimRight(line, "/")
		}
		if line == "" {
			continue
		}
		anchored := strings.Contains(line, "/")
		line = strings.TrimPrefix(line, "/")
		if !anchored && !strings.HasPrefix(line, "**") {
			line = "**/" + line
		}
		re, err := regexp.Compile("^" + globToRegexp(line) + "$")
		if err != nil {
			continue
		}
		pat.re = re
		out = append(out, pat)
	}
	return out
}

// trimGitignoreSpaces drops trailing spaces unless backslash-escaped.
func trimGitignoreSpaces(s string) string {
	for strings.HasSuffix(s, " ") && !strings.HasSuffix(s, "\\ ") {
		s = s[:len(s)-1]
	}
	return s
}

// globToRegexp translates a gitignore glob (wildmatch with FNM_PATHNAME:
// `*`, `?` and classes never match `/`; `**/`, `/**/` and `/**` span
// directories) into a regular expression.
func globToRegexp(g string) string {
	var b strings.Builder
	for i := 0; i < len(g); {
		c := g[i]
		switch {
		case strings.HasPrefix(g[i:], "**/") && (i == 0 || g[i-1] == '/'):
			b.WriteString("(?:.*/)?")
			i += 3
		case strings.HasPrefix(g[i:], "**") && i+2 == len(g) && i > 0 && g[i-1] == '/':
			b.WriteString(".*")
			i += 2
		case c == '*':
			for i < len(g) && g[i] == '*' {
				i++
			}
			b.WriteString("[^/]*")
		case c == '?':
			b.WriteString("[^/]")
			i++
		case c == '\\' && i+1 < len(g):
			b.WriteString(regexp.QuoteMeta(g[i+1 : i+2]))
			i += 2
		case c == '[':
			if class, n := globClass(g[i:]); n > 0 {
				b.WriteString(class)
				i += n
			} else {
				b.WriteString(`\[`)
				i++
			}
		default:
			r, size := utf8.DecodeRuneInString(g[i:])
			b.WriteString(regexp.QuoteMeta(string(r)))
			i += size
		}
	}
	return b.String()
}

// globClass translates a bracket expression at the start of g, returning
// the regexp class and the bytes consumed (0 when unterminated).
func globClass(g string) (string, int) {
	i := 1
	negate := false
	if i < len(g) && (g[i] == '!' || g[i] == '^') {
		negate = true
		i++
	}
	start := i
	if i < len(g) && g[i] == ']' {
		i++
	}
	for i < len(g) && g[i] != ']' {
		if g[i] == '\\' && i+1 < len(g) {
			i++
		}
		i++
	}
	if i >= len(g) {
		return "", 0
	}
	var b strings.Builder
	b.WriteString("[")
	if negate {
		b.WriteString("^/")
	}
	for j := start; j < i; j++ {
		c := g[j]
		switch {
		case c == '\\' && j+1 < i:
			j++
			b.WriteString(regexp.QuoteMeta(g[j : j+1]))
		case c == '[' || c == ']' || c == '^' && j == start:
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteString("]")
	return b.String(), i + 1
}

// IgnoredByGitignore reports whether the repository's .gitignore files
// (among files) ignore the file p, with git's semantics. `bot audit` on a
// working copy can use it to tell an untracked local .env from a committed one.
func IgnoredByGitignore(files map[string][]byte, p string) bool {
	return GitignoreMatcher(files)(p)
}

// GitignoreMatcher reads the .gitignore files among files once and returns
// a function that tells whether they ignore a path, for callers that ask
// about many paths.
func GitignoreMatcher(files map[string][]byte) func(p string) bool {
	ig := newGitignores(files)
	return func(p string) bool {
		ok, _ := ig.ignored(p)
		return ok
	}
}
