package settings

import (
	"strings"

	"github.com/djsec/djsec/checks/pysrc"
)

// importStatement binds `import a.b` (as a), `import a.b as c` (as c).
func (fe *fileEval) importStatement(st *pysrc.Node) {
	for _, n := range pysrc.Named(st) {
		switch n.Kind() {
		case "dotted_name":
			mod := fe.text(n)
			fe.e.imports[mod] = true
			first := mod
			if i := strings.IndexByte(mod, '.'); i >= 0 {
				first = mod[:i]
			}
			fe.set(first, &Value{Kind: Ref, Ref: first, Pos: fe.pos(n)}, st)
		case "aliased_import":
			mod := fe.text(n.ChildByFieldName("name"))
			fe.e.imports[mod] = true
			fe.set(fe.text(n.ChildByFieldName("alias")), &Value{Kind: Ref, Ref: mod, Pos: fe.pos(n)}, st)
		}
	}
}

// importFrom handles `from X import a, b as c` and `from X import *`,
// following project modules and binding everything else as references.
func (fe *fileEval) importFrom(st *pysrc.Node) {
	modNode := st.ChildByFieldName("module_name")
	if modNode == nil {
		return
	}
	dots, dotted := 0, fe.text(modNode)
	if modNode.Kind() == "relative_import" {
		dotted = ""
		for _, c := range pysrc.Named(modNode) {
			switch c.Kind() {
			case "import_prefix":
				dots = len(strings.TrimSpace(fe.text(c)))
			case "dotted_name":
				dotted = fe.text(c)
			}
		}
	} else {
		fe.e.imports[dotted] = true
	}
	target, found := fe.e.resolveModule(fe.path, dots, dotted)
	if fe.e.inTry > 0 && devModule(dotted) {
		// try: from .local import * — local, development and test
		// overrides are a developer's, not production's, even when a
		// sample is committed: the production view takes the except
		// branch, as a server without the file does.
		skipped := strings.Repeat(".", dots) + dotted
		if found {
			skipped = target
		}
		fe.e.m.Skipped = append(fe.e.m.Skipped, skipped)
		panic(importFailed{module: dotted})
	}
	if hasWildcard(st) {
		if !found {
			if dots > 0 || fe.looksLikeProjectModule(dotted) {
				if fe.e.inTry > 0 {
					panic(importFailed{module: dotted})
				}
				fe.e.diag(fe.pos(st), "import", "cannot find module "+strings.Repeat(".", dots)+dotted+" for star-import")
			}
			// A star-import djsec cannot read may set anything, and it
			// runs after everything above it: settings set so far may be
			// overridden, so they become unknown (keeping the old value
			// as a candidate), and absent ones may be set.
			fe.e.m.Opaque = true
			fe.e.m.Skipped = append(fe.e.m.Skipped, strings.Repeat(".", dots)+dotted)
			fe.overridable(st)
			return
		}
		ns, ok := fe.e.module(target)
		if !ok {
			fe.e.m.Opaque = true
			return
		}
		for name, s := range ns {
			if strings.HasPrefix(name, "_") {
				continue
			}
			fe.ns[name] = s
		}
		return
	}
	var ns namespace
	if found && !fe.e.onStack(target) {
		// A cycle of plain imports is legal Python (the module is
		// partly initialised): its names are simply not followed.
		var ok bool
		if ns, ok = fe.e.module(target); !ok {
			ns = nil
		}
	} else if !found && dots > 0 && fe.e.inTry > 0 {
		panic(importFailed{module: dotted})
	}
	prefix := dotted
	if dots > 0 {
		prefix = strings.Repeat(".", dots) + dotted
	}
	for _, n := range pysrc.Named(st) {
		if n == modNode {
			continue
		}
		var name, alias string
		switch n.Kind() {
		case "dotted_name":
			name = fe.text(n)
			alias = name
		case "aliased_import":
			name = fe.text(n.ChildByFieldName("name"))
			alias = fe.text(n.ChildByFieldName("alias"))
		default:
			continue
		}
		if ns != nil {
			if s, ok := ns[name]; ok {
				fe.ns[alias] = s
				continue
			}
		}
		ref := prefix + "." + name
		if dotted == "" {
			ref = prefix + name // from . import x: ".x", the module beside this one
		}
		fe.set(alias, &Value{Kind: Ref, Ref: ref, Pos: fe.pos(n)}, st)
	}
}

// devModule reports module names of local, development and test settings.
func devModule(dotted string) bool {
	last := dotted
	if i := strings.LastIndexByte(dotted, '.'); i >= 0 {
		last = dotted[i+1:]
	}
	last = strings.ToLower(last)
	for _, w := range []string{"local", "dev", "development", "test", "testing", "tests", "debug"} {
		if last == w || strings.HasPrefix(last, w+"_") || strings.HasSuffix(last, "_"+w) || strings.Contains(last, "_"+w+"_") {
			return true
		}
	}
	return false
}

// looksLikeProjectModule guesses whether an absolute module that did not
// resolve belongs to the project (its first segment is a directory of the
// repository) rather than to an installed package.
func (fe *fileEval) looksLikeProjectModule(dotted string) bool {
	first := dotted
	if i := strings.IndexByte(dotted, '.'); i >= 0 {
		first = dotted[:i]
	}
	for _, p := range fe.e.paths() {
		if strings.HasPrefix(p, first+"/") || strings.Contains(p, "/"+first+"/") {
			return true
		}
	}
	return false
}

// overridable turns every upper-case name set so far into an unknown whose
// candidates are its current value and anything: a module djsec cannot read
// may replace it.
func (fe *fileEval) overridable(st *pysrc.Node) {
	for name, s := range fe.ns {
		if name == "" || strings.ToUpper(name) != name || s.Value == nil {
			continue
		}
		if s.Value.Kind == Ref {
			continue
		}
		// The unknown candidate stands for whatever the module sets, so
		// no "every branch" reasoning can decide the value.
		alts := []*Value{s.Value, {Kind: Unknown, Pos: s.Value.Pos}}
		fe.ns[name] = &Setting{Name: name, Pos: s.Pos, Value: &Value{Kind: Unknown, Alts: alts, Pos: s.Value.Pos}}
	}
}
