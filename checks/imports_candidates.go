package checks

import (
	"path"
	"strings"

	"github.com/djsec/djsec/checks/pysrc"
)

// ImportCandidates lists the repository paths a Python file's star-imports
// (and try-imported local overrides) may refer to, e.g.
// "mysite/settings/base.py" and "mysite/settings/base/__init__.py" for
// `from .base import *` in mysite/settings/prod.py. A pull-request review
// fetches those of them the repository has, so that a changed
// production.py is judged with the base.py it imports although base.py
// did not change.
//
// The list covers what the settings evaluator follows: every
// `from X import …` at module level or inside if/try blocks (functions
// and classes are not evaluated), star or not, since a named import
// copies values too. Relative modules resolve against the file's
// package exactly as the evaluator resolves them. An absolute module
// resolves, in the evaluator, to any path ending with its dotted path
// whose directory is not itself a package; without the repository's tree
// the candidates are that path under each source root the file could be
// run from: the directory where the file's own path spells the module's
// first segment, the repository root, and every directory above the
// file. Absolute non-star imports are left out when their first segment
// names no directory of the file's path: `from django.conf import
// settings` is an installed package, and a reviewer's budget has no room
// for guesses about it. Candidates come most likely first, without
// duplicates and without the file itself; a file that does not parse
// gives what its readable statements name.
func ImportCandidates(filePath string, src []byte) []string {
	if !strings.HasSuffix(filePath, ".py") || !pysrc.IsText(src) {
		return nil
	}
	f, err := pysrc.Parse(src)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	seen := map[string]bool{filePath: true}
	add := func(p string) {
		p = strings.TrimPrefix(path.Clean(p), "./")
		if p == "" || p == "." || strings.HasPrefix(p, "../") || seen[p] {
			return
		}
		seen[p] = true
		out = append(out, p)
	}
	pysrc.Walk(f.Root, func(n *pysrc.Node) bool {
		switch n.Kind() {
		case "function_definition", "class_definition", "decorated_definition", "lambda":
			return false
		case "import_from_statement":
			dots, dotted, ok := importFromModule(f, n)
			if !ok {
				return false
			}
			star := false
			for _, c := range pysrc.Named(n) {
				if c.Kind() == "wildcard_import" {
					star = true
				}
			}
			if dots > 0 {
				for _, c := range relativeCandidates(filePath, dots, dotted) {
					add(c)
				}
			} else if star || inFilePath(filePath, dotted) {
				for _, c := range absoluteCandidates(filePath, dotted) {
					add(c)
				}
			}
			return false
		}
		return true
	})
	return out
}

// importFromModule reads the module of `from X import …`: its leading dots
// and dotted name.
func importFromModule(f *pysrc.File, st *pysrc.Node) (dots int, dotted string, ok bool) {
	mod := st.ChildByFieldName("module_name")
	if mod == nil {
		return 0, "", false
	}
	if mod.Kind() != "relative_import" {
		return 0, f.Text(mod), mod.Kind() == "dotted_name"
	}
	for _, c := range pysrc.Named(mod) {
		switch c.Kind() {
		case "import_prefix":
			dots = len(strings.TrimSpace(f.Text(c)))
		case "dotted_name":
			dotted = f.Text(c)
		}
	}
	return dots, dotted, dots > 0
}

// relativeCandidates mirrors the evaluator: one directory up per extra dot,
// the module file first, then the package.
func relativeCandidates(from string, dots int, dotted string) []string {
	dir := path.Dir(from)
	for i := 1; i < dots; i++ {
		if dir == "." {
			return nil // above the repository root
		}
		dir = path.Dir(dir)
	}
	rel := strings.ReplaceAll(dotted, ".", "/")
	base := path.Join(dir, rel)
	if rel == "" {
		// `from . import x`: the package itself.
		return []string{path.Join(dir, "__init__.py")}
	}
	return []string{base + ".py", base + "/__init__.py"}
}

// absoluteCandidates lists the module's file and package under each source
// root the evaluator could pick for a file at from.
func absoluteCandidates(from, dotted string) []string {
	rel := strings.ReplaceAll(dotted, ".", "/")
	first, _, _ := strings.Cut(dotted, ".")
	var roots []string
	// The root where the file's own path spells the module's first
	// segment (src/mysite/settings/prod.py importing mysite.settings.base
	// runs from src), deepest first.
	dirs := strings.Split(path.Dir(from), "/")
	for i := len(dirs) - 1; i >= 0; i-- {
		if dirs[i] == first {
			roots = append(roots, strings.Join(dirs[:i], "/"))
		}
	}
	roots = append(roots, "")
	for d := path.Dir(from); d != "." && d != "/"; d = path.Dir(d) {
		roots = append(roots, d)
	}
	var out []string
	for _, r := range roots {
		base := path.Join(r, rel)
		out = append(out, base+".py", base+"/__init__.py")
	}
	return out
}

// inFilePath reports whether the module's first segment names a directory
// on the file's path: a project module, not an installed package.
func inFilePath(from, dotted string) bool {
	first, _, _ := strings.Cut(dotted, ".")
	for _, d := range strings.Split(path.Dir(from), "/") {
		if d == first {
			return true
		}
	}
	return false
}
