package settings

import (
	"regexp"
	"strings"

	"github.com/djsec/djsec/checks/pysrc"
)

// A settings file with a syntax error does not load, so Django would not
// start; djsec still judges the statements that parse (DJS001 reports the
// error itself). A broken statement can only have set names written in it,
// so instead of giving up on every "X is not set" finding, the evaluator
// makes each name that appears in the broken text unknown (and set): a
// commit that deletes SESSION_COOKIE_SECURE and leaves a stray `X = [1, 2`
// still reports the missing flag. Only broken text that could write names
// djsec cannot see (a star-import, globals(), exec …) makes the model opaque.

var (
	identRE = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*`)
	// namespaceWriterRE matches what may set names not written in the text.
	namespaceWriterRE = regexp.MustCompile(`\b(globals|locals|vars|setattr|exec|eval|__dict__|__import__|import_module|execfile|runpy)\b|\bimport\s*\*|\bimport\s*\(\s*\*|sys\s*\.\s*modules`)
	brokenImportRE    = regexp.MustCompile(`(?m)(?:^|;)\s*(?:from\s+([A-Za-z_][\w.]*)\s+import\b|import\s+([A-Za-z_][\w.]*))`)
	brokenCallRE      = regexp.MustCompile(`([A-Za-z_][\w]*(?:\s*\.\s*[A-Za-z_]\w*)*)\s*\(`)
)

var pyKeywords = map[string]bool{"False": true, "None": true, "True": true, "and": true, "as": true, "assert": true,
	"async": true, "await": true, "break": true, "class": true, "continue": true, "def": true, "del": true, "elif": true,
	"else": true, "except": true, "finally": true, "for": true, "from": true, "global": true, "if": true, "import": true,
	"in": true, "is": true, "lambda": true, "nonlocal": true, "not": true, "or": true, "pass": true, "raise": true,
	"return": true, "try": true, "while": true, "with": true, "yield": true, "match": true, "case": true}

// broken handles a statement that did not parse.
func (fe *fileEval) broken(st *pysrc.Node) {
	fe.taint(st)
	text := fe.text(st)
	if namespaceWriterRE.MatchString(text) {
		fe.e.m.Opaque = true
	}
	for _, name := range identRE.FindAllString(text, -1) {
		if pyKeywords[name] {
			continue
		}
		s, ok := fe.ns[name]
		switch {
		case ok && s.Value.Kind == Ref:
			// An imported module or a function: using it breaks nothing.
		case ok:
			fe.ns[name] = &Setting{Name: name, Value: &Value{Kind: Unknown, Pos: s.Value.Pos}, Pos: s.Pos}
		default:
			if builtins[name] {
				continue
			}
			fe.ns[name] = &Setting{Name: name, Value: &Value{Kind: Unknown, Pos: fe.pos(st)}, Pos: fe.pos(st)}
		}
	}
	// Rules that look for a package in use (an error tracker) must not
	// miss one imported or initialised in the broken text.
	for _, m := range brokenImportRE.FindAllStringSubmatch(text, -1) {
		if mod := m[1] + m[2]; mod != "" {
			fe.e.imports[mod] = true
		}
	}
	for _, m := range brokenCallRE.FindAllStringSubmatch(text, -1) {
		callee := strings.Join(strings.Fields(m[1]), "")
		if pyKeywords[callee] {
			continue
		}
		if i := strings.IndexByte(callee, '.'); i > 0 {
			if v, ok := fe.ns[callee[:i]]; ok && v.Value.Kind == Ref && !strings.HasPrefix(v.Value.Ref, "def:") {
				callee = v.Value.Ref + callee[i:]
			}
		}
		fe.e.m.Calls = append(fe.e.m.Calls, Call{Callee: callee, Pos: fe.pos(st)})
	}
}
