package checks

import (
	"fmt"
	"path"
	"strings"
)

// Path globs are the one dialect every ignore speaks: djsec.yml's
// ignore_paths (and so `bot audit`), `/djsec ignore` and `/djsec
// unignore`, and the ignores the audit issue applies. A glob is a
// slash-separated path relative to the repository root whose segments
// follow path.Match, where a whole ** segment stands for any number of
// directories, none included: "legacy/**", "**/settings_ci.py",
// "a/**/b.py" (a/b.py, a/x/b.py, a/x/y/b.py). A leading ./ is dropped and
// a trailing / means everything below ("legacy/" is "legacy/**").
//
// Inline suppressions (`# djsec: ignore[...]`, suppress.go) name rules and
// lines, never paths, so they have no glob.

// Bounds on a path glob, which no real glob reaches: anyone who may comment
// `/djsec ignore` or push a djsec.yml writes them, and the server matches
// each against every file of every check.
const (
	MaxGlobLen      = 200
	MaxGlobSegments = 32
	MaxGlobStars    = 4
)

// GlobError says why a path glob was refused. Problem follows the glob in
// a sentence: "the path glob `x` " + Problem. Err is path.Match's error
// when that is the reason.
type GlobError struct {
	Glob, Problem string
	Err           error
}

func (e *GlobError) Error() string {
	return fmt.Sprintf("the path glob %q %s", e.Glob, e.Problem)
}

// CleanGlob validates a path glob and returns its canonical form (no
// leading ./, a trailing / made into /**); the error is a *GlobError.
// "**" is returned as is: the callers decide whether "every file" is what
// they want.
func CleanGlob(g string) (string, error) {
	orig := g
	refuse := func(problem string) (string, error) { return "", &GlobError{Glob: orig, Problem: problem} }
	g = canonicalGlob(g)
	if g == "" {
		return refuse("is empty")
	}
	if strings.HasPrefix(g, "/") {
		return refuse("starts with /: globs are relative to the repository root")
	}
	if len(g) > MaxGlobLen {
		return refuse(fmt.Sprintf("is longer than %d characters", MaxGlobLen))
	}
	segs := strings.Split(g, "/")
	if len(segs) > MaxGlobSegments || strings.Count(g, "**") > MaxGlobStars {
		return refuse(fmt.Sprintf("has more than %d segments or %d `**`", MaxGlobSegments, MaxGlobStars))
	}
	for _, seg := range segs {
		switch {
		case seg == "":
			return refuse("has an empty segment (//)")
		case seg == "." || seg == "..":
			return refuse("has a `" + seg + "` segment; paths in the repository have none")
		case seg != "**" && strings.Contains(seg, "**"):
			return refuse("has `**` inside a segment: `**` must be a whole segment (`a/**/b.py`, not `a**b.py`)")
		}
		if _, err := path.Match(seg, ""); err != nil {
			return "", &GlobError{Glob: orig, Problem: "is not valid: " + err.Error(), Err: err}
		}
	}
	return g, nil
}

// canonicalGlob trims what does not change a glob's meaning.
func canonicalGlob(g string) string {
	g = strings.TrimSpace(g)
	for strings.HasPrefix(g, "./") {
		g = g[2:]
	}
	if strings.HasSuffix(g, "/") {
		g += "**"
	}
	return g
}

// MatchGlob reports whether a slash-separated path matches a path glob.
// It runs in O(len(glob) × len(p)) whatever the glob.
func MatchGlob(glob, p string) bool {
	return matchSegments(strings.Split(canonicalGlob(glob), "/"), strings.Split(p, "/"))
}

// ignored reports whether any of djsec.yml's ignore_paths covers a path.
func ignored(globs []string, p string) bool {
	for _, g := range globs {
		if MatchGlob(g, p) {
			return true
		}
	}
	return false
}

// matchSegments is wildcard matching over segments, where ** matches any
// run of segments and every other glob segment exactly one: greedy, with a
// single backtrack point (the last ** seen), so it runs in O(len(glob) ×
// len(p)) whatever the glob. The recursive form it replaces took
// exponential time on globs of many ** segments, which anyone allowed to
// comment `/djsec ignore` could write.
func matchSegments(glob, p []string) bool {
	gi, pi := 0, 0
	star, mark := -1, 0
	for pi < len(p) {
		switch {
		case gi < len(glob) && glob[gi] == "**":
			star, mark = gi, pi
			gi++
		case gi < len(glob) && segmentMatch(glob[gi], p[pi]):
			gi++
			pi++
		case star >= 0:
			// Let the last ** take one more segment and try again.
			mark++
			gi, pi = star+1, mark
		default:
			return false
		}
	}
	for gi < len(glob) && glob[gi] == "**" {
		gi++
	}
	return gi == len(glob)
}

func segmentMatch(glob, seg string) bool {
	ok, err := path.Match(glob, seg)
	return err == nil && ok
}
