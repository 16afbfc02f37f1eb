package fixes

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/djsec/djsec/checks/pysrc"
	"github.com/djsec/djsec/internal/lazyre"
)

// style is how a settings file reads its environment, so an edit looks like
// the lines around it.
type style struct {
	kind   string // "os", "decouple" or "environ"
	env    string // django-environ's Env instance name ("env")
	quote  string // ' or "
	indent string // one level of indentation
	crlf   bool
}

var (
	reDecouple   = lazyre.New(`(?m)^from\s+decouple\s+import\b`)
	reEnvironEnv = lazyre.New(`(?m)^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*environ\.Env\(`)
	reImportOS   = lazyre.New(`(?m)^import\s+(?:[\w.]+\s*,\s*)*os\s*(?:,|#|$|\r)`)
	reEnvName    = lazyre.New(`^[A-Z_][A-Z0-9_]*$`)
	reIndent     = lazyre.New(`(?m)^([ \t]+)\S`)
)

func styleOf(src []byte) style {
	s := style{kind: "os", quote: `"`, indent: "    ", crlf: bytes.Contains(src, []byte("\r\n"))}
	if m := reEnvironEnv().FindSubmatch(src); m != nil {
		s.kind, s.env = "environ", string(m[1])
	} else if reDecouple().Match(src) {
		s.kind = "decouple"
	}
	// Quotes: the file's own habit, counted on string starts only roughly;
	// startproject writes single quotes, black double.
	if bytes.Count(src, []byte("'")) > bytes.Count(src, []byte(`"`)) {
		s.quote = "'"
	}
	if m := reIndent().FindSubmatch(src); m != nil {
		s.indent = string(m[1])
		if s.indent[0] == ' ' && len(s.indent) > 8 {
			s.indent = "    "
		}
	}
	return s
}

// q quotes a string the file's way.
func (s style) q(v string) string { return s.quote + v + s.quote }

// nl turns the "\n" of generated text into the file's line ending.
func (s style) nl(text string) string {
	if s.crlf {
		return strings.ReplaceAll(text, "\n", "\r\n")
	}
	return text
}

// ind replaces the tabs of generated text with the file's indentation.
func (s style) ind(text string) string { return strings.ReplaceAll(text, "\t", s.indent) }

// assign is a module-level assignment of a setting.
type assign struct {
	stmt, value      *pysrc.Node
	file             *pysrc.File
	valStart, valEnd int
	stmtEnd          int
}

// findAssign finds the module-level assignment of name on line (0: the last
// one). The reason says why there is nothing safe to edit.
func findAssign(src []byte, name string, line int) (*assign, string) {
	f, err := pysrc.Parse(src)
	if err != nil {
		return nil, fmt.Sprintf("the file could not be read: %v", err)
	}
	var found *assign
	for _, st := range pysrc.Named(f.Root) {
		if st.Kind() != "expression_statement" {
			continue
		}
		kids := pysrc.Named(st)
		if len(kids) != 1 || kids[0].Kind() != "assignment" {
			continue
		}
		a := kids[0]
		left, right := a.ChildByFieldName("left"), a.ChildByFieldName("right")
		if left == nil || right == nil || left.Kind() != "identifier" || f.Text(left) != name {
			continue
		}
		if right.Kind() == "assignment" {
			return nil, name + " is set in a chained assignment, which djsec does not rewrite"
		}
		if line == 0 || pysrc.PosOf(st).Line <= line && line <= pysrc.PosOf(st).EndLine {
			found = &assign{stmt: st, value: right, file: f, valStart: int(right.StartByte()), valEnd: int(right.EndByte()), stmtEnd: int(st.EndByte())}
		}
	}
	if found == nil {
		return nil, name + " is not assigned at the top level of the module there (it is inside a conditional, a function or a block), so it cannot be rewritten safely"
	}
	return found, ""
}

// hasTopLevel says whether the module assigns name at the top level.
func hasTopLevel(src []byte, name string) bool {
	a, _ := findAssign(src, name, 0)
	return a != nil
}

// envArg is the variable name an environment lookup in v already reads
// (os.environ.get("X", …), config("X", …), env("X", …)), "" for none.
func envArg(f *pysrc.File, v *pysrc.Node) string {
	if v == nil || v.Kind() != "call" {
		return ""
	}
	args := v.ChildByFieldName("arguments")
	as := pysrc.Named(args)
	if len(as) == 0 || as[0].Kind() != "string" {
		return ""
	}
	t := strings.Trim(f.Text(as[0]), `"'`)
	if !reEnvName().MatchString(t) {
		return ""
	}
	return t
}

// splice replaces src[start:end] with text.
func splice(src []byte, start, end int, text string) []byte {
	out := make([]byte, 0, len(src)+len(text))
	out = append(out, src[:start]...)
	out = append(out, text...)
	return append(out, src[end:]...)
}

// insertAfter inserts text as new lines after the statement ending at end.
func insertAfter(src []byte, end int, text string, s style) []byte {
	i := bytes.IndexByte(src[end:], '\n')
	if i < 0 {
		return append(append(append([]byte{}, src...), s.nl("\n")...), s.nl(text)...)
	}
	at := end + i + 1
	return splice(src, at, at, s.nl(text))
}

// appendBlock adds text at the end of the module after a blank line.
func appendBlock(src []byte, text string, s style) []byte {
	if len(src) == 0 {
		return []byte(s.nl(text))
	}
	return appendLines(src, "\n"+text, s)
}

// appendLines adds text at the end of a file (a copy of src), starting on
// a line of its own, in the file's line ends.
func appendLines(src []byte, text string, s style) []byte {
	out := append([]byte{}, src...)
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, s.nl("\n")...)
	}
	return append(out, s.nl(text)...)
}

// setsVar reports an env file that already has a NAME= line.
func setsVar(env []byte, name string) bool {
	return bytes.HasPrefix(env, []byte(name+"=")) || bytes.Contains(env, []byte("\n"+name+"="))
}

// ensureImportOS adds "import os" when the module does not already import it,
// before its first import statement (after the docstring and comments).
func ensureImportOS(src []byte, s style) []byte {
	if reImportOS().Match(src) {
		return src
	}
	f, err := pysrc.Parse(src)
	if err != nil {
		return src
	}
	for _, st := range pysrc.Named(f.Root) {
		k := st.Kind()
		if k == "import_statement" || k == "import_from_statement" || k == "future_import_statement" {
			if k == "future_import_statement" {
				return insertAfter(src, int(st.EndByte()), "import os\n", s)
			}
			at := int(st.StartByte())
			return splice(src, at, at, s.nl("import os\n"))
		}
	}
	// No import at all: after the docstring if there is one, else on top.
	if sts := pysrc.Named(f.Root); len(sts) > 0 {
		if st := sts[0]; st.Kind() == "expression_statement" && len(pysrc.Named(st)) == 1 && pysrc.Named(st)[0].Kind() == "string" {
			return insertAfter(src, int(st.EndByte()), "\nimport os\n", s)
		}
	}
	return splice(src, 0, 0, s.nl("import os\n\n"))
}

var reDecoupleImport = lazyre.New(`(?m)^from\s+decouple\s+import\s+([^\r\n(\\#]*?)[ \t]*(#[^\r\n]*)?$`)

// ensureDecoupleCsv imports decouple's Csv next to config.
func ensureDecoupleCsv(src []byte) ([]byte, bool) {
	m := reDecoupleImport().FindSubmatchIndex(src)
	if m == nil {
		return src, false
	}
	names := string(src[m[2]:m[3]])
	for _, n := range strings.Split(names, ",") {
		if strings.TrimSpace(n) == "Csv" {
			return src, true
		}
	}
	return splice(src, m[3], m[3], ", Csv"), true
}

// envRead is the variable a direct environment read names: os.environ[…],
// os.environ.get / os.getenv / os.environ.setdefault (also imported bare),
// python-decouple's config(…) and django-environ's Env instance (env(…),
// env.str(…)). ok is false for anything else, a project's own helper
// included.
func envRead(f *pysrc.File, n *pysrc.Node, s style) (name string, ok bool) {
	if n == nil {
		return "", false
	}
	switch n.Kind() {
	case "subscript":
		kids := pysrc.Named(n)
		if len(kids) != 2 || kids[1].Kind() != "string" {
			return "", false
		}
		if v := f.Text(kids[0]); v != "os.environ" && v != "environ" {
			return "", false
		}
		t := strings.Trim(f.Text(kids[1]), `"'`)
		return t, reEnvName().MatchString(t)
	case "call":
		fn := f.Text(n.ChildByFieldName("function"))
		switch {
		case fn == "os.environ.get", fn == "os.getenv", fn == "os.environ.setdefault",
			fn == "environ.get", fn == "getenv", fn == "environ.setdefault":
		case s.kind == "decouple" && (fn == "config" || fn == "decouple.config"):
		case s.kind == "environ" && (fn == s.env || strings.HasPrefix(fn, s.env+".")):
		default:
			return "", false
		}
		v := envArg(f, n)
		return v, v != ""
	}
	return "", false
}

// existingEnv is the variable the value already reads: the call's own first
// argument (envArg), else the first direct environment read inside an
// expression around it ("lit" if DEBUG else os.getenv("X"),
// os.environ.get("X") or "lit", os.getenv("X") != "False"), so a rewrite
// keeps the variable the deployment sets.
func existingEnv(f *pysrc.File, v *pysrc.Node, s style) string {
	if name := envArg(f, v); name != "" {
		return name
	}
	if v == nil {
		return ""
	}
	switch v.Kind() {
	case "conditional_expression", "boolean_operator", "parenthesized_expression", "comparison_operator", "not_operator":
	default:
		return ""
	}
	name := ""
	pysrc.Walk(v, func(n *pysrc.Node) bool {
		if name != "" {
			return false
		}
		if t, ok := envRead(f, n, s); ok {
			name = t
			return false
		}
		return true
	})
	return name
}

// valueSource says where a setting's value comes from: "literal" (string
// literals only), "env" (direct environment reads, possibly with literals
// around them: a default, a conditional, an `or`), "helper" (a call of the
// project's own that takes the variable's name: read_secret("X", "…")) or
// "other" (a dict loaded from a file, an attribute, a computation).
func valueSource(f *pysrc.File, v *pysrc.Node, s style) string {
	combine := func(a, b string) string {
		for _, k := range []string{"other", "helper", "env"} {
			if a == k || b == k {
				return k
			}
		}
		return "literal"
	}
	switch v.Kind() {
	case "string", "concatenated_string":
		return "literal"
	case "parenthesized_expression":
		if kids := pysrc.Named(v); len(kids) == 1 {
			return valueSource(f, kids[0], s)
		}
	case "conditional_expression":
		// body if condition else alternative: the condition is no value.
		if kids := pysrc.Named(v); len(kids) == 3 {
			return combine(valueSource(f, kids[0], s), valueSource(f, kids[2], s))
		}
	case "boolean_operator":
		l, r := v.ChildByFieldName("left"), v.ChildByFieldName("right")
		if l != nil && r != nil {
			return combine(valueSource(f, l, s), valueSource(f, r, s))
		}
	case "call", "subscript":
		if _, ok := envRead(f, v, s); ok {
			return "env"
		}
		if v.Kind() == "call" && envArg(f, v) != "" {
			return "helper"
		}
	}
	return "other"
}

// noneDefaultParam is the name of the second parameter of the module's
// top-level function fn when that parameter defaults to None (def
// read_secret(name, default=None)), "" when there is no such function or
// parameter: then dropping a call's second argument is known to make the
// call return None for a missing variable, not to break it.
func noneDefaultParam(f *pysrc.File, fn string) string {
	found := ""
	for _, st := range pysrc.Named(f.Root) {
		if st.Kind() != "function_definition" {
			continue
		}
		if n := st.ChildByFieldName("name"); n == nil || f.Text(n) != fn {
			continue
		}
		found = ""
		ps := pysrc.Named(st.ChildByFieldName("parameters"))
		if len(ps) < 2 || ps[0].Kind() != "identifier" && ps[0].Kind() != "typed_parameter" {
			continue
		}
		if k := ps[1].Kind(); k != "default_parameter" && k != "typed_default_parameter" {
			continue
		}
		if v := ps[1].ChildByFieldName("value"); v == nil || f.Text(v) != "None" {
			continue
		}
		if n := ps[1].ChildByFieldName("name"); n != nil {
			found = f.Text(n)
		}
	}
	return found
}

// redacted is v's source on one line with every string literal that is
// not a name (a subscript's key, a call's first argument) written "…", so
// a reason can show where a secret comes from without quoting it.
func redacted(f *pysrc.File, v *pysrc.Node) string {
	start := int(v.StartByte())
	src := []byte(f.Text(v))
	type cut struct{ s, e int }
	var cuts []cut
	pysrc.Walk(v, func(n *pysrc.Node) bool {
		if n.Kind() != "string" && n.Kind() != "concatenated_string" {
			return true
		}
		p := n.Parent()
		name := p != nil && p.Kind() == "subscript" && n.StartByte() != p.StartByte()
		if p != nil && p.Kind() == "argument_list" {
			if as := pysrc.Named(p); len(as) > 0 && as[0].StartByte() == n.StartByte() {
				name = true
			}
		}
		if !name {
			cuts = append(cuts, cut{int(n.StartByte()) - start, int(n.EndByte()) - start})
		}
		return false
	})
	for i := len(cuts) - 1; i >= 0; i-- {
		src = splice(src, cuts[i].s, cuts[i].e, `"…"`)
	}
	text := strings.Join(strings.Fields(string(src)), " ")
	if r := []rune(text); len(r) > 80 {
		text = string(r[:77]) + "..."
	}
	return text
}
