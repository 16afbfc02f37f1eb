package settings

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/djsec/djsec/checks/pysrc"
)

// django-split-settings composes one settings module from several files:
// include("components/base.py", "environments/*.py", optional("local.py"))
// runs each file, in order, in the including module's own namespace (a
// file sees what the files before it set), with paths relative to the
// including file and glob patterns expanded in sorted order.
//
// Projects pick the environment file by a variable:
// include(f"environments/{ENV}.py") with ENV from DJANGO_ENV. That
// variable selects a deployment, so djsec does not guess it (its default
// is usually "development"): the including module is evaluated once per
// file the pattern matches, each a variant whose role the file's name
// gives (environments/production.py is production).

// includeCall handles a module-level include(...) of split_settings. It
// reports false when the call is not one.
func (fe *fileEval) includeCall(n, stmt *pysrc.Node) bool {
	fn := n.ChildByFieldName("function")
	if fn == nil {
		return false
	}
	callee := fe.calleeName(fn)
	if callee != "split_settings.tools.include" && !(callee == "include" && fe.e.imports["split_settings.tools"]) {
		return false
	}
	args := n.ChildByFieldName("arguments")
	if args == nil {
		return true
	}
	var patterns []includePattern
	for _, a := range pysrc.Named(args) {
		patterns = append(patterns, fe.includePatterns(a, stmt, 0)...)
	}
	dir := path.Dir(fe.path)
	for _, pat := range patterns {
		if pat.unknown {
			// A path djsec cannot read may run anything.
			fe.e.m.Opaque = true
			continue
		}
		full := path.Clean(path.Join(dir, pat.glob))
		matches := fe.e.globFiles(full)
		if pat.selector {
			// The package's own __init__.py is not an environment a
			// selector names.
			matches = slicesDeleteInit(matches)
		}
		if pat.selector && len(matches) > 1 {
			chosen, ok := fe.e.chooseVariant(matches)
			if !ok {
				// Evaluated once per variant by the caller; this pass
				// only learns which files the selector can pick.
				continue
			}
			matches = []string{chosen}
		}
		for _, file := range matches {
			if pat.optional && optionalOverride(file) {
				// optional("local.py"): a developer's override, skipped
				// in the production view like try: from .local import *.
				fe.e.m.Skipped = append(fe.e.m.Skipped, file)
				continue
			}
			fe.includeFile(file, stmt)
		}
		if len(matches) == 0 && !pat.optional && !strings.ContainsAny(pat.glob, "*?[") {
			fe.e.diag(fe.pos(stmt), "import", "cannot find "+full+" for include()")
			fe.e.m.Opaque = true
		}
	}
	return true
}

// includePattern is one argument of include(): a path or glob, possibly
// wrapped in optional(), possibly built around a deployment selector.
type includePattern struct {
	glob     string
	optional bool
	// selector: the path was built from a value (an f-string or format
	// around ENV), so each file it can match is a variant.
	selector bool
	unknown  bool
}

// includePatterns reads one include() argument: a string, an f-string
// (its replacement fields become *), optional(...), or a starred tuple or
// list assigned earlier in the file (include(*BASE)).
func (fe *fileEval) includePatterns(a, stmt *pysrc.Node, depth int) []includePattern {
	if depth > 4 {
		return []includePattern{{unknown: true}}
	}
	switch a.Kind() {
	case "string", "concatenated_string":
		glob, selector, ok := fe.includeString(a)
		if !ok {
			return []includePattern{{unknown: true}}
		}
		return []includePattern{{glob: glob, selector: selector}}
	case "call":
		f := a.ChildByFieldName("function")
		callee := ""
		if f != nil {
			callee = fe.calleeName(f)
		}
		if callee == "split_settings.tools.optional" || callee == "optional" && fe.e.imports["split_settings.tools"] {
			var out []includePattern
			if args := a.ChildByFieldName("arguments"); args != nil {
				for _, x := range pysrc.Named(args) {
					for _, p := range fe.includePatterns(x, stmt, depth+1) {
						p.optional = true
						out = append(out, p)
					}
				}
			}
			return out
		}
	case "list_splat", "parenthesized_list_splat":
		if inner := pysrc.Named(a); len(inner) == 1 {
			return fe.includePatterns(inner[0], stmt, depth+1)
		}
	case "identifier":
		if def := fe.lastAssignment(fe.text(a), stmt); def != nil {
			return fe.includePatterns(def, stmt, depth+1)
		}
	case "tuple", "list", "parenthesized_expression":
		var out []includePattern
		for _, x := range pysrc.Named(a) {
			out = append(out, fe.includePatterns(x, stmt, depth+1)...)
		}
		return out
	}
	return []includePattern{{unknown: true}}
}

// includeString turns a string argument into a glob: a plain string as
// written, an f-string with each replacement field as * (selector set).
func (fe *fileEval) includeString(a *pysrc.Node) (glob string, selector, ok bool) {
	if a.Kind() == "concatenated_string" {
		for _, part := range pysrc.Named(a) {
			g, s, ok := fe.includeString(part)
			if !ok {
				return "", false, false
			}
			glob += g
			selector = selector || s
		}
		return glob, selector, true
	}
	var b strings.Builder
	for _, c := range pysrc.Named(a) {
		switch c.Kind() {
		case "string_content":
			b.WriteString(fe.text(c))
		case "interpolation":
			b.WriteString("*")
			selector = true
		case "string_start", "string_end":
		case "escape_sequence":
			return "", false, false
		}
	}
	return b.String(), selector, true
}

// lastAssignment finds the value of the last module-level `name = …` before
// stmt in this file.
func (fe *fileEval) lastAssignment(name string, stmt *pysrc.Node) *pysrc.Node {
	var found *pysrc.Node
	for _, st := range pysrc.Named(fe.f.Root) {
		if st.StartByte() >= stmt.StartByte() {
			break
		}
		if st.Kind() != "expression_statement" {
			continue
		}
		for _, c := range pysrc.Named(st) {
			if c.Kind() != "assignment" {
				continue
			}
			if l := c.ChildByFieldName("left"); l != nil && l.Kind() == "identifier" && fe.text(l) == name {
				found = c.ChildByFieldName("right")
			}
		}
	}
	return found
}

// includeFile runs file's statements in this module's namespace.
func (fe *fileEval) includeFile(file string, stmt *pysrc.Node) {
	e := fe.e
	if e.onStack(file) {
		e.diag(fe.pos(stmt), "cycle", "circular include: "+strings.Join(append(append([]string{}, e.stack...), file), " → "))
		e.m.Opaque = true
		return
	}
	src, ok := e.fs.ReadFile(file)
	if !ok {
		return
	}
	f, err := pysrc.Parse(src)
	if err != nil {
		e.diag(Pos{Path: file}, "read", file+": "+err.Error())
		e.m.Opaque = true
		return
	}
	e.m.Files = append(e.m.Files, file)
	if f.HasErrors() {
		line, col := f.FirstError()
		pos := Pos{Path: file}
		pos.Line, pos.Col, pos.EndLine = line, col, line
		e.diag(pos, "syntax", fmt.Sprintf("syntax error at line %d, column %d", line, col))
	}
	e.stack = append(e.stack, file)
	inc := &fileEval{e: e, f: f, path: file, ns: fe.ns}
	e.files[file] = inc
	inc.block(f.Root)
	// Branches the included file could not decide rebuild its namespace:
	// what it ends with is the including module's.
	fe.ns = inc.ns
	e.stack = e.stack[:len(e.stack)-1]
}

// globFiles lists the files a slash pattern matches, sorted (as
// split_settings sorts glob results).
func (e *evaluator) globFiles(pattern string) []string {
	if !strings.ContainsAny(pattern, "*?[") {
		if _, ok := e.fs.ReadFile(pattern); ok {
			return []string{pattern}
		}
		return nil
	}
	var out []string
	for _, p := range e.paths() {
		if ok, _ := path.Match(pattern, p); ok {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// chooseVariant picks the file of the variant being evaluated, and records
// the choices for the caller when none is.
func (e *evaluator) chooseVariant(files []string) (string, bool) {
	if e.variant != "" {
		for _, f := range files {
			if f == e.variant {
				return f, true
			}
		}
	}
	for _, f := range files {
		if !contains(e.m.Variants, f) {
			e.m.Variants = append(e.m.Variants, f)
		}
	}
	if e.variant == "" {
		e.m.Opaque = true
	}
	return "", false
}

// optionalOverride reports a file an optional() include names that a
// deployment does not have: a local or development override, or a
// template copied into place by hand.
func optionalOverride(file string) bool {
	base := strings.ToLower(strings.TrimSuffix(path.Base(file), ".py"))
	return devModule(base) || strings.Contains(base, "local") || strings.HasSuffix(file, ".template")
}

func slicesDeleteInit(files []string) []string {
	var out []string
	for _, f := range files {
		if path.Base(f) != "__init__.py" {
			out = append(out, f)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
