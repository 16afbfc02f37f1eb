package settings

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/djsec/djsec/checks/pysrc"
)

// FileSet gives the evaluator the repository's files, for star-imports.
type FileSet interface {
	ReadFile(path string) ([]byte, bool)
	Paths() []string
}

// Limits that keep a hostile or generated file from costing more than a
// settings file reasonably can: beyond them the rest is Unknown.
const (
	maxDepth     = 200     // nested expressions
	maxSteps     = 2000000 // evaluated nodes per Evaluate call
	maxItems     = 100000  // elements in one built value
	maxStrLen    = 1 << 20 // bytes in one built string
	maxImportLen = 32      // star-import chain length
)

// namespace is one module's globals.
type namespace map[string]*Setting

func (ns namespace) clone() namespace {
	out := make(namespace, len(ns))
	for k, v := range ns {
		out[k] = v
	}
	return out
}

type evaluator struct {
	fs      FileSet
	m       *Model
	stack   []string             // files being evaluated, for cycle detection
	done    map[string]namespace // evaluated modules, by path
	steps   int
	depth   int
	limited bool
	// envReads counts environment reads evaluated so far; a condition whose
	// evaluation raised it reads the environment directly.
	envReads int
	// envDefaults holds os.environ.setdefault / os.environ[X] = v.
	envDefaults map[string]*Value
	imports     map[string]bool
	allPaths    []string
	// inTry is > 0 while evaluating a try body, where an import that fails
	// is caught rather than fatal.
	inTry int
	// files holds each evaluated file, so that a call can read the body of
	// a function defined in it.
	files map[string]*fileEval
	// variant is the file an include() selector picks in this pass
	// (include.go); empty on the first pass, which only learns the choices.
	variant string
	helperState
}

// importFailed signals a project import that does not resolve, which in
// Python raises ImportError.
type importFailed struct{ module string }

// Evaluate reads the settings module at p, following star-imports inside
// fs, and returns its production view.
func Evaluate(fs FileSet, p string) *Model { return EvaluateVariant(fs, p, "") }

// EvaluateVariant is Evaluate with the file an include() selector picks
// (one of the first pass's Model.Variants).
func EvaluateVariant(fs FileSet, p, variant string) *Model {
	m := &Model{Path: p, Settings: map[string]*Setting{}, Variant: variant}
	e := &evaluator{fs: fs, m: m, done: map[string]namespace{}, envDefaults: map[string]*Value{}, imports: map[string]bool{},
		files: map[string]*fileEval{}, variant: variant}
	defer func() {
		// The evaluator must never take the analyzer down with it: a bug
		// here costs this module's findings, not the run.
		if r := recover(); r != nil {
			m.Settings = map[string]*Setting{}
			m.Opaque = true
			m.Diags = append(m.Diags, Diag{Pos: Pos{Path: p}, Kind: "read", Message: fmt.Sprintf("%s: internal error evaluating settings: %v", p, r)})
		}
	}()
	defer func() {
		for _, fe := range e.files {
			fe.f.Close()
		}
	}()
	ns, _ := e.module(p)
	if ns != nil {
		m.Settings = ns
	}
	for imp := range e.imports {
		m.Imports = append(m.Imports, imp)
	}
	sort.Strings(m.Imports)
	return m
}

// module evaluates one file into a fresh namespace.
func (e *evaluator) module(p string) (namespace, bool) {
	if ns, ok := e.done[p]; ok {
		return ns, true
	}
	for _, s := range e.stack {
		if s == p {
			chain := append(append([]string{}, e.stack...), p)
			e.diag(Pos{Path: e.stack[len(e.stack)-1]}, "cycle", "circular import: "+strings.Join(chain, " → "))
			e.m.Opaque = true
			return nil, false
		}
	}
	if len(e.stack) >= maxImportLen {
		e.diag(Pos{Path: p}, "limit", "star-import chain longer than 32 modules")
		e.m.Opaque = true
		return nil, false
	}
	src, ok := e.fs.ReadFile(p)
	if !ok {
		return nil, false
	}
	f, err := pysrc.Parse(src)
	if err != nil {
		e.diag(Pos{Path: p}, "read", fmt.Sprintf("%s: %v", p, err))
		e.m.Opaque = true
		return nil, false
	}
	e.m.Files = append(e.m.Files, p)
	if f.HasErrors() {
		line, col := f.FirstError()
		pos := Pos{Path: p}
		pos.Line, pos.Col, pos.EndLine = line, col, line
		// Python would not load the file at all; djsec still reads what
		// parses, and the broken statements mark what they may have set
		// (see broken).
		e.diag(pos, "syntax", fmt.Sprintf("syntax error at line %d, column %d", line, col))
	}
	e.stack = append(e.stack, p)
	// A nested module's failed import is its own error, not the ImportError
	// an enclosing try in the importer would catch.
	savedTry := e.inTry
	e.inTry = 0
	defer func() { e.inTry = savedTry }()
	ns := namespace{}
	fe := &fileEval{e: e, f: f, path: p, ns: ns}
	e.files[p] = fe
	fe.block(f.Root)
	e.stack = e.stack[:len(e.stack)-1]
	e.done[p] = fe.ns
	return fe.ns, true
}

func (e *evaluator) onStack(p string) bool {
	for _, s := range e.stack {
		if s == p {
			return true
		}
	}
	return false
}

// writesGlobals reports an expression that reaches the module namespace
// itself (globals()[k] = v, vars().update(...), setattr(sys.modules[__name__],
// ...)): whatever it writes, djsec cannot see.
func (fe *fileEval) writesGlobals(n *pysrc.Node) bool {
	t := strings.ReplaceAll(fe.text(n), " ", "")
	return strings.HasPrefix(t, "globals()") || strings.HasPrefix(t, "vars()") || strings.HasPrefix(t, "locals()") ||
		strings.Contains(t, "sys.modules[__name__]") || strings.HasPrefix(t, "setattr(")
}

func (e *evaluator) diag(pos Pos, kind, msg string) {
	e.m.Diags = append(e.m.Diags, Diag{Pos: pos, Kind: kind, Message: msg})
}

// fileEval evaluates the statements of one file.
type fileEval struct {
	e    *evaluator
	f    *pysrc.File
	path string
	ns   namespace
	// defs caches the function and class definitions calls looked up.
	defs map[defKey]*pysrc.Node
	// h is set while the statements of a called helper function run.
	h *helperFrame
}

func (fe *fileEval) pos(n *pysrc.Node) Pos { return Pos{Path: fe.path, Pos: pysrc.PosOf(n)} }
func (fe *fileEval) text(n *pysrc.Node) string {
	return fe.f.Text(n)
}

// block evaluates the statements under n (a module or block).
func (fe *fileEval) block(n *pysrc.Node) {
	for _, st := range pysrc.Named(n) {
		fe.statement(st)
	}
}

func (fe *fileEval) statement(st *pysrc.Node) {
	e := fe.e
	if e.steps > maxSteps {
		if !e.limited {
			e.limited = true
			e.diag(fe.pos(st), "limit", "settings file too large to evaluate; the rest is treated as unknown")
			e.m.Opaque = true
		}
		return
	}
	if st.IsError() || st.HasError() {
		fe.broken(st)
		return
	}
	switch st.Kind() {
	case "expression_statement":
		for _, c := range pysrc.Named(st) {
			fe.exprStatement(c, st)
		}
		fe.globalEffects(st)
	case "import_statement":
		fe.importStatement(st)
	case "import_from_statement":
		fe.importFrom(st)
	case "future_import_statement":
	case "if_statement":
		fe.ifStatement(st)
	case "try_statement":
		fe.tryStatement(st)
	case "with_statement":
		if fe.suppressesImportError(st) {
			// with contextlib.suppress(ImportError): from .local import *
			// is try/except ImportError written another way.
			fe.suppressedBlock(st.ChildByFieldName("body"))
			return
		}
		if b := st.ChildByFieldName("body"); b != nil {
			fe.block(b)
		}
		fe.taintTargets(st)
	case "for_statement", "while_statement":
		fe.taint(st)
	case "function_definition", "class_definition":
		fe.define(st)
	case "decorated_definition":
		if d := st.ChildByFieldName("definition"); d != nil {
			var decorators []*pysrc.Node
			for _, c := range pysrc.Named(st) {
				if c.Kind() == "decorator" {
					decorators = append(decorators, c)
				}
			}
			fe.define(d, decorators...)
		}
	case "delete_statement":
		for _, t := range pysrc.Named(st) {
			fe.deleteTarget(t)
		}
	case "global_statement", "nonlocal_statement", "pass_statement", "assert_statement",
		"raise_statement", "comment", "print_statement", "return_statement", "break_statement", "continue_statement":
	case "exec_statement":
		e.m.Opaque = true
	case "match_statement":
		fe.taint(st)
	default:
		fe.taint(st)
	}
}

func (fe *fileEval) define(d *pysrc.Node, decorators ...*pysrc.Node) {
	name := d.ChildByFieldName("name")
	if name == nil {
		return
	}
	fe.set(fe.text(name), fe.defineFunction(d, decorators), d)
}

func (fe *fileEval) deleteTarget(t *pysrc.Node) {
	switch t.Kind() {
	case "identifier":
		delete(fe.ns, fe.text(t))
	case "expression_list":
		for _, c := range pysrc.Named(t) {
			fe.deleteTarget(c)
		}
	case "subscript":
		root := rootName(fe, t)
		if root != "" {
			fe.setUnknownKeepPos(root)
		}
	}
}

// set binds name to v, recording stmt as the setting's position.
func (fe *fileEval) set(name string, v *Value, stmt *pysrc.Node) {
	fe.ns[name] = &Setting{Name: name, Value: v, Pos: fe.pos(stmt)}
}

// update replaces name's value but keeps the position of its assignment.
func (fe *fileEval) update(name string, v *Value, stmt *pysrc.Node) {
	if s, ok := fe.ns[name]; ok {
		fe.ns[name] = &Setting{Name: name, Value: v, Pos: s.Pos}
		return
	}
	fe.set(name, v, stmt)
}

func (fe *fileEval) setUnknownKeepPos(name string) {
	if s, ok := fe.ns[name]; ok {
		fe.ns[name] = &Setting{Name: name, Value: &Value{Kind: Unknown, Pos: s.Value.Pos}, Pos: s.Pos}
	}
}

// taint marks every name a statement may assign or mutate as Unknown: the
// evaluator does not run loops, broken statements or match blocks.
func (fe *fileEval) taint(st *pysrc.Node) {
	pysrc.Walk(st, func(n *pysrc.Node) bool {
		switch n.Kind() {
		case "function_definition", "class_definition", "lambda":
			if n != st {
				return false
			}
		case "augmented_assignment":
			l := n.ChildByFieldName("left")
			if op := fe.text(n.ChildByFieldName("operator")); l != nil && l.Kind() == "identifier" && (op == "+=" || op == "|=") {
				// L += [...] in a loop only grows L.
				fe.loosen(fe.text(l))
			} else if l != nil {
				fe.taintTarget(l)
			}
		case "assignment", "for_statement", "for_in_clause":
			if l := n.ChildByFieldName("left"); l != nil {
				fe.taintTarget(l)
			}
		case "delete_statement":
			for _, t := range pysrc.Named(n) {
				fe.taintTarget(t)
			}
		case "call":
			// X.append(...) and friends mutate X.
			if fn := n.ChildByFieldName("function"); fn != nil && fn.Kind() == "attribute" {
				method := fe.text(fn.ChildByFieldName("attribute"))
				obj := fn.ChildByFieldName("object")
				switch name := rootName(fe, fn); {
				case name == "" || !mutators[method]:
				case growingMethods[method] && obj != nil && obj.Kind() == "identifier":
					fe.loosen(name)
				default:
					fe.setUnknownKeepPos(name)
				}
			}
			if fn := n.ChildByFieldName("function"); fn != nil && fe.writesGlobals(fn) {
				fe.e.m.Opaque = true
			}
		case "import_from_statement":
			if hasWildcard(n) {
				fe.e.m.Opaque = true
			}
		}
		return true
	})
}

func (fe *fileEval) taintTargets(st *pysrc.Node) {
	pysrc.Walk(st, func(n *pysrc.Node) bool {
		if n.Kind() == "as_pattern_target" {
			fe.taintTarget(n)
		}
		return true
	})
}

func (fe *fileEval) taintTarget(t *pysrc.Node) {
	switch t.Kind() {
	case "identifier":
		name := fe.text(t)
		if s, ok := fe.ns[name]; ok {
			fe.ns[name] = &Setting{Name: name, Value: &Value{Kind: Unknown}, Pos: s.Pos}
		} else {
			fe.ns[name] = &Setting{Name: name, Value: &Value{Kind: Unknown}, Pos: fe.pos(t)}
		}
	case "subscript", "attribute":
		if fe.writesGlobals(t) {
			fe.e.m.Opaque = true
		}
		if root := rootName(fe, t); root != "" {
			fe.setUnknownKeepPos(root)
		}
	default:
		for _, c := range pysrc.Named(t) {
			fe.taintTarget(c)
		}
	}
}

var mutators = map[string]bool{"append": true, "extend": true, "insert": true, "remove": true, "pop": true,
	"update": true, "setdefault": true, "clear": true, "add": true, "discard": true, "sort": true, "reverse": true}

// rootName is the identifier at the base of a subscript/attribute chain.
func rootName(fe *fileEval, n *pysrc.Node) string {
	for n != nil {
		switch n.Kind() {
		case "identifier":
			return fe.text(n)
		case "subscript":
			n = n.ChildByFieldName("value")
		case "attribute":
			n = n.ChildByFieldName("object")
		default:
			return ""
		}
	}
	return ""
}

func hasWildcard(n *pysrc.Node) bool {
	for i := uint(0); i < n.NamedChildCount(); i++ {
		if n.NamedChild(i).Kind() == "wildcard_import" {
			return true
		}
	}
	return false
}

// exprStatement handles an assignment, an augmented assignment or a bare
// expression (a call that may mutate a setting or record a call).
func (fe *fileEval) exprStatement(n, stmt *pysrc.Node) {
	switch n.Kind() {
	case "assignment":
		fe.assignment(n, stmt)
	case "augmented_assignment":
		fe.augmented(n, stmt)
	case "call":
		fe.callStatement(n, stmt)
	default:
		fe.eval(n) // evaluated for its side effects (setdefault, calls)
	}
}

func (fe *fileEval) assignment(n, stmt *pysrc.Node) {
	right := n.ChildByFieldName("right")
	left := n.ChildByFieldName("left")
	if right == nil {
		return // a bare annotation: X: int
	}
	var v *Value
	var targets []*pysrc.Node
	targets = append(targets, left)
	// a = b = value nests assignments on the right.
	for right.Kind() == "assignment" {
		targets = append(targets, right.ChildByFieldName("left"))
		right = right.ChildByFieldName("right")
		if right == nil {
			return
		}
	}
	v = fe.eval(right)
	var kept map[string]*Value
	if right.Kind() == "call" && !v.Known() && len(targets) == 1 {
		names := []*pysrc.Node{left}
		switch left.Kind() {
		case "pattern_list", "tuple_pattern", "expression_list", "tuple":
			names = pysrc.Named(left)
		}
		kept, _ = fe.keptByHelper(right, names)
	}
	for _, t := range targets {
		fe.assignTo(t, v, stmt)
	}
	for name, kv := range kept {
		fe.set(name, kv, stmt)
	}
}

func (fe *fileEval) assignTo(t *pysrc.Node, v *Value, stmt *pysrc.Node) {
	if t == nil {
		return
	}
	switch t.Kind() {
	case "identifier":
		fe.set(fe.text(t), v, stmt)
	case "pattern_list", "tuple_pattern", "list_pattern", "expression_list", "tuple", "list":
		elems := pysrc.Named(t)
		if v.IsSequence() && len(v.Items) == len(elems) {
			for i, el := range elems {
				fe.assignTo(el, v.Items[i], stmt)
			}
			return
		}
		for _, el := range elems {
			fe.assignTo(el, &Value{Kind: Unknown, Pos: v.Pos}, stmt)
		}
	case "subscript":
		fe.assignSubscript(t, v, stmt)
	case "attribute":
		// os.environ.X = … is not a thing; obj.attr = … on settings is rare.
		if root := rootName(fe, t); root != "" {
			fe.setUnknownKeepPos(root)
		}
	default:
		fe.taintTarget(t)
	}
}

// assignSubscript handles X["k"] = v, X["a"]["b"] = v and os.environ["K"] = v.
func (fe *fileEval) assignSubscript(t *pysrc.Node, v *Value, stmt *pysrc.Node) {
	base := t.ChildByFieldName("value")
	key := fe.eval(t.ChildByFieldName("subscript"))
	if bv := fe.eval(base); bv.Kind == Ref && bv.Ref == "os.environ" {
		if key.Kind == Str {
			fe.e.envDefaults[key.Str] = v
		}
		return
	}
	var path []*Value
	path = append(path, key)
	for base.Kind() == "subscript" {
		path = append([]*Value{fe.eval(base.ChildByFieldName("subscript"))}, path...)
		base = base.ChildByFieldName("value")
	}
	if base.Kind() != "identifier" {
		if fe.writesGlobals(base) {
			fe.e.m.Opaque = true
		}
		if root := rootName(fe, base); root != "" {
			fe.setUnknownKeepPos(root)
		}
		return
	}
	name := fe.text(base)
	s, ok := fe.ns[name]
	if !ok {
		return
	}
	fe.update(name, setPath(s.Value, path, v), stmt)
}

// setPath returns a copy of root with root[path...] = v, or Unknown when a
// step is not a known dict (or list index).
func setPath(root *Value, path []*Value, v *Value) *Value {
	if root == nil {
		return &Value{Kind: Unknown}
	}
	key := path[0]
	switch root.Kind {
	case Dict:
		if key.Kind != Str && key.Kind != Int {
			out := *root
			out.Keys = append(append([]*Value{}, root.Keys...), &Value{Kind: Unknown})
			out.Items = append(append([]*Value{}, root.Items...), &Value{Kind: Unknown})
			return &out
		}
		out := *root
		out.Keys = append([]*Value{}, root.Keys...)
		out.Items = append([]*Value{}, root.Items...)
		for i := len(out.Keys) - 1; i >= 0; i-- {
			if equalValues(out.Keys[i], key) {
				if len(path) == 1 {
					out.Items[i] = v
				} else {
					out.Items[i] = setPath(out.Items[i], path[1:], v)
				}
				return &out
			}
		}
		if len(path) > 1 {
			return &Value{Kind: Unknown, Pos: root.Pos}
		}
		out.Keys = append(out.Keys, key)
		out.Items = append(out.Items, v)
		return &out
	case List:
		if key.Kind == Int {
			i := int(key.Int)
			if i < 0 {
				i += len(root.Items)
			}
			if i >= 0 && i < len(root.Items) {
				out := *root
				out.Items = append([]*Value{}, root.Items...)
				if len(path) == 1 {
					out.Items[i] = v
				} else {
					out.Items[i] = setPath(out.Items[i], path[1:], v)
				}
				return &out
			}
		}
	}
	return &Value{Kind: Unknown, Pos: root.Pos}
}

func (fe *fileEval) augmented(n, stmt *pysrc.Node) {
	left := n.ChildByFieldName("left")
	right := fe.eval(n.ChildByFieldName("right"))
	op := strings.TrimSuffix(fe.text(n.ChildByFieldName("operator")), "=")
	if left.Kind() == "identifier" {
		name := fe.text(left)
		cur := fe.lookup(name)
		fe.update(name, fe.binary(op, cur, right, n), stmt)
		return
	}
	if left.Kind() == "subscript" {
		cur := fe.eval(left)
		fe.assignSubscript(left, fe.binary(op, cur, right, n), stmt)
		return
	}
	fe.taintTarget(left)
}

// callStatement handles mutating method calls on settings and records
// module-level calls.
func (fe *fileEval) callStatement(n, stmt *pysrc.Node) {
	fn := n.ChildByFieldName("function")
	args := n.ChildByFieldName("arguments")
	if fn != nil && fn.Kind() == "attribute" {
		method := fe.text(fn.ChildByFieldName("attribute"))
		obj := fn.ChildByFieldName("object")
		if mutators[method] && obj != nil && (obj.Kind() == "identifier" || obj.Kind() == "subscript") {
			if obj.Kind() == "identifier" {
				if _, ok := fe.ns[fe.text(obj)]; ok {
					name := fe.text(obj)
					fe.update(name, fe.mutate(fe.lookup(name), method, fe.args(args)), stmt)
					return
				}
			} else if root := rootName(fe, obj); root != "" {
				if _, ok := fe.ns[root]; ok {
					cur := fe.eval(obj)
					fe.assignSubscript(obj, fe.mutate(cur, method, fe.args(args)), stmt)
					return
				}
			}
		}
	}
	if fe.herokuSettings(n, stmt) || fe.includeCall(n, stmt) {
		return
	}
	if fe.writesGlobals(n) {
		fe.e.m.Opaque = true
	}
	if args != nil {
		for _, a := range pysrc.Named(args) {
			if a.Kind() == "call" {
				if t := fe.text(a.ChildByFieldName("function")); t == "locals" || t == "globals" || t == "vars" {
					// django_heroku.settings(locals()) and friends write
					// arbitrary settings.
					fe.e.m.Opaque = true
				}
			}
		}
	}
	v := fe.eval(n)
	callee := fe.calleeName(fn)
	if callee != "" {
		fe.e.m.Calls = append(fe.e.m.Calls, Call{Callee: callee, Pos: fe.pos(stmt)})
	}
	_ = v
}

// calleeName is the dotted name of a call's function, resolved through
// import aliases where possible.
func (fe *fileEval) calleeName(fn *pysrc.Node) string {
	if fn == nil {
		return ""
	}
	v := fe.eval(fn)
	if v.Kind == Ref && !strings.HasPrefix(v.Ref, "def:") {
		return v.Ref
	}
	return fe.text(fn)
}

// mutate applies a list/dict method to a copy of cur.
func (fe *fileEval) mutate(cur *Value, method string, a callArgs) *Value {
	if cur != nil && cur.Kind == Unknown {
		return fe.mutateUnknown(cur, method, a)
	}
	if cur == nil || !(cur.IsSequence() || cur.Kind == Dict) {
		return &Value{Kind: Unknown}
	}
	out := *cur
	out.Items = append([]*Value{}, cur.Items...)
	out.Keys = append([]*Value{}, cur.Keys...)
	unknown := &Value{Kind: Unknown, Pos: cur.Pos}
	switch method {
	case "append", "add":
		if len(a.pos) != 1 {
			return unknown
		}
		out.Items = append(out.Items, a.pos[0])
	case "extend":
		if len(a.pos) != 1 || !a.pos[0].IsSequence() {
			return unknown
		}
		out.Items = append(out.Items, a.pos[0].Items...)
	case "insert":
		if len(a.pos) == 2 && a.pos[0].Kind != Int {
			// L.insert(L.index("…") + 1, x): where is unknown, what is not.
			return &Value{Kind: Unknown, Least: concat(cur.Items, a.pos[1:]), Pos: cur.Pos}
		}
		if len(a.pos) != 2 {
			return unknown
		}
		i := int(a.pos[0].Int)
		if i < 0 {
			i += len(out.Items)
		}
		if i < 0 {
			i = 0
		}
		if i > len(out.Items) {
			i = len(out.Items)
		}
		out.Items = append(out.Items[:i], append([]*Value{a.pos[1]}, out.Items[i:]...)...)
	case "remove", "discard":
		if len(a.pos) != 1 || !a.pos[0].Known() {
			return unknown
		}
		for i, it := range out.Items {
			if equalValues(it, a.pos[0]) {
				out.Items = append(out.Items[:i], out.Items[i+1:]...)
				return &out
			}
		}
		if method == "remove" {
			return unknown // ValueError at import: the file would not load
		}
	case "update":
		if cur.Kind != Dict {
			return unknown
		}
		if len(a.pos) == 1 && a.pos[0].Kind == Dict {
			return mergeDict(&out, a.pos[0])
		}
		if len(a.pos) == 0 {
			kw := &Value{Kind: Dict}
			for _, k := range a.kwOrder {
				kw.Keys = append(kw.Keys, &Value{Kind: Str, Str: k})
				kw.Items = append(kw.Items, a.kw[k])
			}
			return mergeDict(&out, kw)
		}
		return unknown
	case "setdefault":
		if cur.Kind != Dict || len(a.pos) < 1 || a.pos[0].Kind != Str {
			return unknown
		}
		if cur.Get(a.pos[0].Str) != nil {
			return cur
		}
		val := &Value{Kind: None}
		if len(a.pos) == 2 {
			val = a.pos[1]
		}
		out.Keys = append(out.Keys, a.pos[0])
		out.Items = append(out.Items, val)
	case "clear":
		out.Items, out.Keys = nil, nil
	default:
		return unknown
	}
	return &out
}

func mergeDict(dst, src *Value) *Value {
	for i, k := range src.Keys {
		replaced := false
		if k.Kind == Str || k.Kind == Int {
			for j := range dst.Keys {
				if equalValues(dst.Keys[j], k) {
					dst.Items[j] = src.Items[i]
					replaced = true
					break
				}
			}
		}
		if !replaced {
			dst.Keys = append(dst.Keys, k)
			dst.Items = append(dst.Items, src.Items[i])
		}
	}
	return dst
}

// lookup reads a name: the namespace, then builtins.
func (fe *fileEval) lookup(name string) *Value {
	if s, ok := fe.ns[name]; ok {
		return s.Value
	}
	switch name {
	case "True":
		return &Value{Kind: Bool, Bool: true}
	case "False":
		return &Value{Kind: Bool}
	case "None":
		return &Value{Kind: None}
	case "__file__":
		return &Value{Kind: Unknown, Ref: "__file__"}
	}
	if builtins[name] {
		return &Value{Kind: Ref, Ref: name}
	}
	return &Value{Kind: Unknown}
}

var builtins = map[string]bool{"bool": true, "int": true, "float": true, "str": true, "list": true, "tuple": true,
	"dict": true, "set": true, "frozenset": true, "len": true, "open": true, "print": true, "getattr": true,
	"locals": true, "globals": true, "vars": true, "exec": true, "eval": true, "sorted": true, "max": true, "min": true}

// ifStatement takes the branch the production view decides, or merges the
// branches into conditional values when the condition is not knowable.
func (fe *fileEval) ifStatement(st *pysrc.Node) {
	var branches []condBranch
	branches = append(branches, condBranch{st.ChildByFieldName("condition"), st.ChildByFieldName("consequence")})
	var elseBody *pysrc.Node
	for i := uint(0); i < st.NamedChildCount(); i++ {
		c := st.NamedChild(i)
		switch c.Kind() {
		case "elif_clause":
			branches = append(branches, condBranch{c.ChildByFieldName("condition"), c.ChildByFieldName("consequence")})
		case "else_clause":
			elseBody = c.ChildByFieldName("body")
		}
	}
	fe.branches(branches, 0, elseBody)
}

type condBranch struct{ cond, body *pysrc.Node }

func (fe *fileEval) branches(bs []condBranch, i int, elseBody *pysrc.Node) {
	if i == len(bs) {
		if elseBody != nil {
			fe.block(elseBody)
		}
		return
	}
	b := bs[i]
	if fe.existsTest(b.cond) {
		// if os.path.exists(…): from .local_settings import * — the
		// same optional override as try/except ImportError: a local
		// module, or one the repository does not have, is absent on the
		// server, so the production view goes on without this branch.
		before := fe.ns.clone()
		if fe.optionalBlock(b.body) {
			fe.ns = before
			fe.branches(bs, i+1, elseBody)
			return
		}
		thenNS := fe.ns
		fe.ns = before.clone()
		fe.branches(bs, i+1, elseBody)
		fe.ns = mergeBranches(before, thenNS, fe.ns)
		return
	}
	truth, known := fe.condition(b.cond)
	if known {
		if truth {
			fe.block(b.body)
		} else {
			fe.branches(bs, i+1, elseBody)
		}
		return
	}
	before := fe.ns.clone()
	fe.block(b.body)
	thenNS := fe.ns
	fe.ns = before.clone()
	fe.branches(bs, i+1, elseBody)
	fe.ns = mergeBranches(before, thenNS, fe.ns)
}

// mergeBranches joins the two sides of an undecided condition. A variable
// read with no default on one side only is not required: the deployment
// that does not take that side starts without it.
func mergeBranches(before, a, b namespace) namespace {
	memo := map[*Value]*Value{}
	for _, ns := range []namespace{a, b} {
		for name, s := range ns {
			if before[name] == s {
				continue
			}
			if v := notRequired(s.Value, memo, 0); v != s.Value {
				ns[name] = &Setting{Name: name, Value: v, Pos: s.Pos}
			}
		}
	}
	return mergeNamespaces(before, a, b)
}

// notRequired returns v, or a copy of it whose environment reads are no
// longer required, sharing what did not change.
func notRequired(v *Value, memo map[*Value]*Value, depth int) *Value {
	if v == nil || depth > maxAltDepth*4 {
		return v
	}
	if out, ok := memo[v]; ok {
		return out
	}
	memo[v] = v // a cycle through shared values ends here
	var cp *Value
	edit := func() *Value {
		if cp == nil {
			c := *v
			cp = &c
		}
		return cp
	}
	if v.Env != nil && v.Env.Required {
		env := *v.Env
		env.Required = false
		edit().Env = &env
	}
	for _, field := range []struct {
		get func(*Value) []*Value
		set func(*Value, []*Value)
	}{
		{func(x *Value) []*Value { return x.Items }, func(x *Value, s []*Value) { x.Items = s }},
		{func(x *Value) []*Value { return x.Keys }, func(x *Value, s []*Value) { x.Keys = s }},
		{func(x *Value) []*Value { return x.Alts }, func(x *Value, s []*Value) { x.Alts = s }},
		{func(x *Value) []*Value { return x.Least }, func(x *Value, s []*Value) { x.Least = s }},
	} {
		items := field.get(v)
		var out []*Value
		for i, it := range items {
			n := notRequired(it, memo, depth+1)
			if n != it && out == nil {
				out = append([]*Value{}, items...)
			}
			if out != nil {
				out[i] = n
			}
		}
		if out != nil {
			field.set(edit(), out)
		}
	}
	if cp != nil {
		memo[v] = cp
		return cp
	}
	return v
}

// existsTest reports a test of whether a file exists: os.path.exists(p),
// os.path.isfile(p), Path(p).exists(), p.is_file().
func (fe *fileEval) existsTest(n *pysrc.Node) bool {
	for n != nil && n.Kind() == "parenthesized_expression" {
		inner := pysrc.Named(n)
		if len(inner) != 1 {
			return false
		}
		n = inner[0]
	}
	if n == nil || n.Kind() != "call" {
		return false
	}
	fn := n.ChildByFieldName("function")
	name := ""
	switch {
	case fn == nil:
		return false
	case fn.Kind() == "attribute":
		name = fe.text(fn.ChildByFieldName("attribute"))
	default:
		if v := fe.eval(fn); v.Kind == Ref {
			name = v.Ref[strings.LastIndexByte(v.Ref, '.')+1:]
		}
	}
	switch name {
	case "exists", "isfile", "is_file", "lexists":
		return true
	}
	return false
}

// optionalBlock runs body as a try body would, where a project import that
// does not resolve (or names a local override) raises ImportError; failed
// reports that it did, and body's effects are then to be dropped.
func (fe *fileEval) optionalBlock(body *pysrc.Node) (failed bool) {
	fe.e.inTry++
	defer func() {
		fe.e.inTry--
		if r := recover(); r != nil {
			if _, ok := r.(importFailed); !ok {
				panic(r)
			}
			failed = true
		}
	}()
	fe.block(body)
	return false
}

// condition evaluates an if/elif test. A test that reads the environment
// directly, or a variable without a default, or one that selects the
// deployment (ENV, STAGE, …) is not decided: the production view must not
// guess which deployment it is.
func (fe *fileEval) condition(n *pysrc.Node) (truth, known bool) {
	reads := fe.e.envReads
	v := fe.eval(n)
	if fe.e.envReads != reads {
		return false, false
	}
	if v.Env != nil && (!v.Env.HasDefault || selectorVar(v.Env.Var)) && !fe.debugTest(n, v) {
		return false, false
	}
	return v.Truthy()
}

// debugTest reports a test on DEBUG itself (`if DEBUG:`, `x if not DEBUG
// else y`) whose value comes from DEBUG's own environment read. DJS201
// judges DEBUG by its production value whatever the read looks like (an
// os.getenv("DJANGO_DEBUG") != "FALSE" is on when the variable is unset),
// so a branch on DEBUG is decided the same way: when DEBUG is on in
// production, the DEBUG branch is production's.
func (fe *fileEval) debugTest(n *pysrc.Node, v *Value) bool {
	s, ok := fe.ns["DEBUG"]
	if !ok || s.Value.Env == nil || !s.Value.Known() || s.Value.Env.Var != v.Env.Var {
		return false
	}
	mentions := false
	pysrc.Walk(n, func(c *pysrc.Node) bool {
		if c.Kind() == "attribute" {
			// DEBUG.lower() is DEBUG; settings.DEBUG is not this module's.
			if obj := c.ChildByFieldName("object"); obj != nil && obj.Kind() == "identifier" && fe.text(obj) == "DEBUG" {
				mentions = true
			}
			return false
		}
		if c.Kind() == "identifier" && fe.text(c) == "DEBUG" {
			mentions = true
		}
		return !mentions
	})
	return mentions
}

// selectorVar reports variable names that choose a deployment rather than
// configure one.
func selectorVar(name string) bool {
	n := strings.ToUpper(name)
	for _, s := range []string{"ENV", "STAGE", "TIER", "PROFILE", "MODE", "CONFIGURATION", "PROD", "HEROKU",
		"RENDER", "DYNO", "FLY_", "VERCEL", "RAILWAY", "K_SERVICE", "AWS_EXECUTION", "GAE_", "KUBERNETES", "DOCKER", "CI", "TEST"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

// mergeNamespaces joins two branches: a name both give the same value keeps
// it; otherwise it becomes Unknown with both candidates as Alts.
func mergeNamespaces(before, a, b namespace) namespace {
	out := namespace{}
	names := map[string]bool{}
	for k := range a {
		names[k] = true
	}
	for k := range b {
		names[k] = true
	}
	for k := range names {
		sa, oka := a[k]
		sb, okb := b[k]
		switch {
		case oka && okb && sa == sb:
			out[k] = sa
		case oka && okb && equalValues(sa.Value, sb.Value):
			out[k] = sa
		default:
			var alts []*Value
			pos := Pos{}
			if oka {
				alts = append(alts, sa.Value)
				pos = sa.Pos
			} else {
				alts = append(alts, nil) // unset in that branch
			}
			if okb {
				alts = append(alts, sb.Value)
				if !oka {
					pos = sb.Pos
				}
			} else {
				alts = append(alts, nil)
			}
			if sbefore, ok := before[k]; ok && (!oka || !okb) {
				// unchanged in one branch: that branch keeps the old value
				for i := range alts {
					if alts[i] == nil {
						alts[i] = sbefore.Value
					}
				}
			}
			// What every branch certainly holds is taken before the
			// alternatives are flattened: a nested Unknown's Least may know
			// more than its own alternatives do.
			out[k] = &Setting{Name: k, Value: &Value{Kind: Unknown, Alts: flattenAlts(alts), Least: commonItems(alts)}, Pos: pos}
		}
	}
	return out
}

func flattenAlts(alts []*Value) []*Value {
	var out []*Value
	for _, a := range alts {
		if a != nil && a.Kind == Unknown && len(a.Alts) > 0 {
			out = append(out, a.Alts...)
			continue
		}
		out = append(out, a)
	}
	return out
}

// tryStatement runs the body; if a project import in it does not resolve
// (ImportError in Python), the first handler runs instead of the rest. A
// body that reads a file, or a variable with no default, is run as a
// server without them runs it (see fallback.go).
// suppressesImportError reports `with suppress(ImportError):` (contextlib's,
// also with ModuleNotFoundError or Exception), binding nothing.
func (fe *fileEval) suppressesImportError(st *pysrc.Node) bool {
	var items []*pysrc.Node
	for _, c := range pysrc.Named(st) {
		if c.Kind() == "with_clause" {
			items = pysrc.Named(c)
		}
	}
	if len(items) != 1 || items[0].Kind() != "with_item" {
		return false
	}
	v := items[0].ChildByFieldName("value")
	if v == nil || v.Kind() != "call" {
		return false
	}
	if callee := fe.calleeName(v.ChildByFieldName("function")); callee != "contextlib.suppress" && callee != "suppress" {
		return false
	}
	args := v.ChildByFieldName("arguments")
	if args == nil {
		return false
	}
	for _, a := range pysrc.Named(args) {
		switch fe.text(a) {
		case "ImportError", "ModuleNotFoundError", "Exception", "BaseException":
			return true
		}
	}
	return false
}

// suppressedBlock runs a block whose failed project import is swallowed,
// as the production view runs try: … except ImportError: pass.
func (fe *fileEval) suppressedBlock(body *pysrc.Node) {
	if body == nil {
		return
	}
	fe.e.inTry++
	defer func() { fe.e.inTry-- }()
	func() {
		defer func() {
			if r := recover(); r != nil {
				if _, ok := r.(importFailed); !ok {
					panic(r)
				}
			}
		}()
		fe.block(body)
	}()
}

func (fe *fileEval) tryStatement(st *pysrc.Node) {
	body := st.ChildByFieldName("body")
	if fe.fileFallback(st, body) {
		return
	}
	failed := false
	var missing *pysrc.Node // the handler a missing variable reaches
	var missingEnv *EnvRead
	catches := fe.catchesMissingVariable(st)
	fe.e.inTry++
	func() {
		defer func() {
			if r := recover(); r != nil {
				if _, ok := r.(importFailed); !ok {
					panic(r)
				}
				failed = true
			}
		}()
		if !catches {
			fe.block(body)
			return
		}
		for _, s := range pysrc.Named(body) {
			snap := fe.ns.clone()
			fe.statement(s)
			if h, env := fe.missingVariable(st, snap); h != nil {
				// The statement raised: its assignment never happened.
				fe.ns = snap
				missing, missingEnv = h, env
				return
			}
		}
	}()
	fe.e.inTry--
	if missing != nil {
		fe.runFallback(missing, func(v *Value) *Value {
			return envDefault(v, missingEnv, 0)
		})
	}
	handled := false
	for i := uint(0); i < st.NamedChildCount(); i++ {
		c := st.NamedChild(i)
		switch c.Kind() {
		case "except_clause", "except_group_clause":
			if failed && !handled {
				for _, b := range pysrc.Named(c) {
					if b.Kind() == "block" {
						fe.block(b)
					}
				}
				handled = true // only the first handler runs
			}
		case "else_clause":
			if !failed && missing == nil {
				fe.block(c.ChildByFieldName("body"))
			}
		case "finally_clause":
			for _, b := range pysrc.Named(c) {
				if b.Kind() == "block" {
					fe.block(b)
				}
			}
		}
	}
}

// resolveModule finds the file of a module imported from fromPath: relative
// imports by directory, absolute ones by the longest path suffix match.
func (e *evaluator) resolveModule(fromPath string, dots int, dotted string) (string, bool) {
	rel := strings.ReplaceAll(dotted, ".", "/")
	if dots > 0 {
		dir := path.Dir(fromPath)
		for i := 1; i < dots; i++ {
			dir = path.Dir(dir)
		}
		base := rel
		if dir != "." && dir != "" {
			base = dir + "/" + rel
		}
		if rel == "" {
			base = dir
		}
		for _, c := range []string{base + ".py", base + "/__init__.py"} {
			if _, ok := e.fs.ReadFile(strings.TrimPrefix(c, "./")); ok {
				return strings.TrimPrefix(c, "./"), true
			}
		}
		return "", false
	}
	best := ""
	bestScore := -1
	// A package directory wins over a module file on the same path entry,
	// as in Python's FileFinder.
	for _, c := range []string{rel + "/__init__.py", rel + ".py"} {
		for _, p := range e.paths() {
			if p != c && !strings.HasSuffix(p, "/"+c) {
				continue
			}
			// The directory above the module must be a source root (what
			// sys.path would hold), not itself a package: otherwise
			// `from horizon import x` would find horizon/templatetags/horizon.py.
			root := strings.TrimSuffix(strings.TrimSuffix(p, c), "/")
			if root != "" {
				if _, pkg := e.fs.ReadFile(root + "/__init__.py"); pkg {
					continue
				}
			}
			// Prefer the candidate closest to the importing file.
			score := commonPrefix(p, fromPath)
			if score > bestScore {
				best, bestScore = p, score
			}
		}
		if best != "" {
			return best, true
		}
	}
	return "", false
}

// paths lists the file set once per evaluation: resolving an import must
// not sort a thousand paths each time.
func (e *evaluator) paths() []string {
	if e.allPaths == nil {
		e.allPaths = e.fs.Paths()
	}
	return e.allPaths
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}
