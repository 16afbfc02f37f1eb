package settings

import (
	"strings"

	"github.com/djsec/djsec/checks/pysrc"
)

// Projects wrap their environment reads in small functions of their own
// (envbool("DEBUG", "True"), get_list_from_env("HOSTS", default="*")). The
// evaluator follows such a function when it is called: its parameters are
// bound to the call's arguments and defaults, its body runs statement by
// statement in the production view, and what it returns becomes the call's
// value, remembering the environment read behind it. Anything the body does
// that the evaluator cannot follow gives up on the call, which then stays
// Unknown, as every unmodelled call does.
const (
	// maxHelperDepth bounds nested helper calls (a helper calling a helper).
	maxHelperDepth = 4
	// maxHelperPaths bounds the paths through one call's undecided branches.
	maxHelperPaths = 16
	// maxHelperStmts bounds the statements one call may run.
	maxHelperStmts = 400
)

// function is a def the evaluator can follow when it is called.
type function struct {
	node *pysrc.Node // function_definition
	// owner is the module (or enclosing helper) that defined it: its
	// globals at call time and its source text.
	owner *fileEval
	// active is true while a call to it runs: recursion is not followed.
	active bool
}

// helperState is the evaluator's bookkeeping for helper calls.
type helperState struct {
	// moduleFuncs caches moduleFunction by importing file and dotted
	// name, misses included.
	moduleFuncs map[string]*function
	helperDepth int
	// readLog, when set, collects every environment read, so that a helper
	// call knows which variables it read.
	readLog *[]*EnvRead
}

// logRead records an environment read for the helper calls under way.
func (e *evaluator) logRead(env *EnvRead) {
	if e.readLog != nil && env != nil {
		*e.readLog = append(*e.readLog, env)
	}
}

// collectReads runs fn and returns the environment reads it made; they are
// also passed on to an enclosing collector.
func (e *evaluator) collectReads(fn func()) []*EnvRead {
	saved := e.readLog
	var reads []*EnvRead
	e.readLog = &reads
	defer func() {
		e.readLog = saved
		if saved != nil {
			*saved = append(*saved, reads...)
		}
	}()
	fn()
	return reads
}

// helperFrame is one call being followed.
type helperFrame struct {
	// own are the string arguments that name environment variables: reads
	// of those, or of names built from them (NAME + "_FILE", PREFIX + NAME),
	// are the helper's own, decided as missing in the production view.
	own []string
	// locals are the names the body bound (parameters included); a mutation
	// of any other name would change module state djsec does not follow.
	locals map[string]bool
	stmts  int
	failed bool
}

// ownVar reports a variable the helper reads on behalf of its caller.
func (h *helperFrame) ownVar(name string) bool {
	if name == "" {
		return false
	}
	for _, o := range h.own {
		if name == o || len(o) >= 3 && (strings.HasPrefix(name, o) || strings.HasSuffix(name, o)) {
			return true
		}
	}
	return false
}

// benignDecorators leave a function's result as its body computes it.
var benignDecorators = map[string]bool{"overload": true, "typing.overload": true, "lru_cache": true,
	"functools.lru_cache": true, "cache": true, "functools.cache": true}

// defineFunction binds a def, remembering its body when the evaluator may
// follow it.
func (fe *fileEval) defineFunction(d *pysrc.Node, decorators []*pysrc.Node) *Value {
	name := fe.text(d.ChildByFieldName("name"))
	v := &Value{Kind: Ref, Ref: "def:" + name, Pos: fe.pos(d)}
	if d.Kind() != "function_definition" {
		return v
	}
	for _, dec := range decorators {
		expr := dec
		if inner := pysrc.Named(dec); len(inner) == 1 {
			expr = inner[0]
		}
		if expr.Kind() == "call" {
			expr = expr.ChildByFieldName("function")
		}
		if !benignDecorators[fe.text(expr)] {
			return v
		}
	}
	v.fn = &function{node: d, owner: fe}
	return v
}

// moduleFunction finds the function a dotted reference names in a project
// module: envtools.env_bool after `import envtools`, or .readers.env_bool
// after `from . import readers`. Installed packages (os.path.join) resolve
// to no file and give nil.
func (fe *fileEval) moduleFunction(ref string) *function {
	e := fe.e
	key := fe.path + "\x00" + ref
	if f, ok := e.moduleFuncs[key]; ok {
		return f
	}
	if e.moduleFuncs == nil {
		e.moduleFuncs = map[string]*function{}
	}
	e.moduleFuncs[key] = nil
	dotted := strings.TrimLeft(ref, ".")
	dots := len(ref) - len(dotted)
	i := strings.LastIndexByte(dotted, '.')
	if i <= 0 || strings.HasPrefix(ref, "def:") {
		return nil
	}
	target, found := e.resolveModule(fe.path, dots, dotted[:i])
	if !found || e.onStack(target) {
		return nil
	}
	ns, ok := e.module(target)
	if !ok {
		return nil
	}
	if s, ok := ns[dotted[i+1:]]; ok && s.Value != nil {
		e.moduleFuncs[key] = s.Value.fn
	}
	return e.moduleFuncs[key]
}

// callHelper follows a call of a function defined in the project. ok is
// false when the evaluator cannot follow it.
func (fe *fileEval) callHelper(fn *function, a callArgs, n *pysrc.Node) (result *Value, ok bool) {
	e := fe.e
	if a.splat || fn.active || e.helperDepth >= maxHelperDepth || fn.node.HasError() {
		return nil, false
	}
	h := &helperFrame{locals: map[string]bool{}}
	locals, ok := fe.bindParams(fn, a, h)
	if !ok {
		return nil, false
	}
	sub := &fileEval{e: e, f: fn.owner.f, path: fn.owner.path, ns: locals, h: h}
	var ends []helperPath
	reads := e.collectReads(func() {
		// A panic (an ImportError the module's try catches) unwinds
		// through here: the call state must be restored on the way.
		fn.active = true
		e.helperDepth++
		defer func() {
			e.helperDepth--
			fn.active = false
		}()
		ends = sub.runBody(fn.node.ChildByFieldName("body"))
	})
	if h.failed {
		return nil, false
	}
	return fe.helperResult(h, ends, reads, a, n), true
}

// bindParams binds a function's parameters as Python does: positional
// arguments in order, keywords by name, defaults for the rest. ok is false
// for a call Python would reject.
func (fe *fileEval) bindParams(fn *function, a callArgs, h *helperFrame) (namespace, bool) {
	params := fn.node.ChildByFieldName("parameters")
	if params == nil {
		return nil, false
	}
	locals := fn.owner.ns.clone()
	bind := func(name string, v *Value) {
		locals[name] = &Setting{Name: name, Value: v, Pos: v.Pos}
		h.locals[name] = true
		if v.Kind == Str && envVarLike(v.Str) {
			h.own = append(h.own, v.Str)
		}
	}
	used := map[string]bool{}
	next, kwOnly := 0, false
	var restPos, restKw string
	for _, p := range pysrc.Named(params) {
		var name string
		var def *pysrc.Node
		kind := p.Kind()
		if kind == "typed_parameter" {
			if inner := pysrc.Named(p); len(inner) > 0 {
				if k := inner[0].Kind(); k == "list_splat_pattern" || k == "dictionary_splat_pattern" {
					p, kind = inner[0], k
				}
			}
		}
		switch kind {
		case "identifier":
			name = fn.owner.text(p)
		case "typed_parameter":
			name = fn.owner.text(pysrc.Named(p)[0])
		case "default_parameter", "typed_default_parameter":
			name = fn.owner.text(p.ChildByFieldName("name"))
			def = p.ChildByFieldName("value")
		case "list_splat_pattern":
			if inner := pysrc.Named(p); len(inner) == 1 {
				restPos = fn.owner.text(inner[0])
			}
			kwOnly = true
			continue
		case "dictionary_splat_pattern":
			if inner := pysrc.Named(p); len(inner) == 1 {
				restKw = fn.owner.text(inner[0])
			}
			continue
		case "keyword_separator":
			kwOnly = true
			continue
		case "positional_separator":
			continue
		default:
			return nil, false
		}
		kv, byKw := a.kw[name]
		switch {
		case !kwOnly && next < len(a.pos):
			if byKw {
				return nil, false // got multiple values for an argument
			}
			bind(name, a.pos[next])
			next++
		case byKw:
			bind(name, kv)
			used[name] = true
		case def != nil:
			bind(name, fn.owner.eval(def))
		default:
			return nil, false // missing argument
		}
	}
	if next < len(a.pos) {
		if restPos == "" {
			return nil, false
		}
		bind(restPos, &Value{Kind: Tuple, Items: a.pos[next:]})
	} else if restPos != "" {
		bind(restPos, &Value{Kind: Tuple})
	}
	extra := &Value{Kind: Dict}
	for _, k := range a.kwOrder {
		if !used[k] {
			if restKw == "" {
				return nil, false // unexpected keyword argument
			}
			extra.Keys = append(extra.Keys, &Value{Kind: Str, Str: k})
			extra.Items = append(extra.Items, a.kw[k])
		}
	}
	if restKw != "" {
		bind(restKw, extra)
	}
	return locals, true
}

// envVarLike reports a string spelled as environment variables are
// (DEBUG, APP_SECRET_KEY), so that a default such as "True" or "no" is not
// taken for a variable the helper reads.
func envVarLike(s string) bool {
	letter := false
	for i, c := range s {
		switch {
		case c >= 'A' && c <= 'Z':
			letter = true
		case c == '_', c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return letter
}

// helperPath is one way through a helper's body: where it ended and with
// which locals.
type helperPath struct {
	ns     namespace
	ended  bool // returned or raised
	raised bool
	// exc is the class a raising path raised ("KeyError"), "" when unknown.
	exc string
	ret *Value
}

// helperRaise unwinds a helper statement whose evaluation raises: a
// required read of the helper's own variable (os.environ[name], decouple's
// config(name), django-environ's env(name)) when that variable is missing.
type helperRaise struct{ exc string }

// requiredReadRaises is how a required read of a missing variable fails
// inside a helper, where a handler may catch it; at module level the read
// is an unknown, required value.
func (fe *fileEval) requiredReadRaises(env *EnvRead) {
	if fe.h == nil || !fe.h.ownVar(env.Var) {
		return
	}
	switch env.Reader {
	case "os.environ[]":
		panic(helperRaise{exc: "KeyError"})
	case "decouple":
		panic(helperRaise{exc: "UndefinedValueError"})
	case "environ":
		panic(helperRaise{exc: "ImproperlyConfigured"})
	}
}

// runBody runs a function body and returns how each path through it ends.
func (fe *fileEval) runBody(body *pysrc.Node) []helperPath {
	if body == nil {
		fe.h.failed = true
		return nil
	}
	out := fe.runBlock(body, []helperPath{{ns: fe.ns}})
	for i := range out {
		if !out[i].ended {
			out[i].ended = true
			out[i].ret = &Value{Kind: None}
		}
	}
	return out
}

// runBlock runs a block's statements on every live path; paths that ended
// pass through untouched.
func (fe *fileEval) runBlock(block *pysrc.Node, paths []helperPath) []helperPath {
	for _, st := range pysrc.Named(block) {
		var next []helperPath
		for _, p := range paths {
			if p.ended {
				next = append(next, p)
				continue
			}
			fe.ns = p.ns
			next = append(next, fe.runCaught(st)...)
			if fe.h.failed {
				return nil
			}
		}
		if len(next) > maxHelperPaths {
			fe.h.failed = true
			return nil
		}
		paths = next
	}
	return paths
}

// runCaught runs a statement; a read that raises ends the path there.
func (fe *fileEval) runCaught(st *pysrc.Node) (out []helperPath) {
	defer func() {
		if r := recover(); r != nil {
			hr, ok := r.(helperRaise)
			if !ok {
				panic(r)
			}
			out = []helperPath{{ns: fe.ns, ended: true, raised: true, exc: hr.exc}}
		}
	}()
	return fe.runStatement(st)
}

// runStatement runs one statement of a helper body on the path whose
// namespace is fe.ns and returns the paths it leaves.
func (fe *fileEval) runStatement(st *pysrc.Node) []helperPath {
	h := fe.h
	h.stmts++
	fe.e.steps++
	if h.stmts > maxHelperStmts || fe.e.steps > maxSteps || st.HasError() {
		h.failed = true
		return nil
	}
	here := func() []helperPath { return []helperPath{{ns: fe.ns}} }
	switch st.Kind() {
	case "expression_statement":
		for _, c := range pysrc.Named(st) {
			fe.runExpression(c, st)
			if h.failed {
				return nil
			}
		}
		return here()
	case "return_statement":
		v := &Value{Kind: None}
		if inner := pysrc.Named(st); len(inner) == 1 {
			v = fe.eval(inner[0])
		} else if len(inner) > 1 {
			v = fe.unknown(st)
		}
		return []helperPath{{ns: fe.ns, ended: true, ret: v}}
	case "raise_statement":
		exc := ""
		if inner := pysrc.Named(st); len(inner) > 0 {
			e := inner[0]
			if e.Kind() == "call" {
				e = e.ChildByFieldName("function")
			}
			exc = lastName(fe.text(e))
		}
		return []helperPath{{ns: fe.ns, ended: true, raised: true, exc: exc}}
	case "if_statement":
		return fe.runIf(st)
	case "try_statement":
		return fe.runTry(st)
	case "pass_statement", "comment", "assert_statement":
		return here()
	case "import_statement":
		fe.importStatement(st)
		fe.bindLocals(st)
		return here()
	case "import_from_statement":
		if hasWildcard(st) {
			h.failed = true
			return nil
		}
		fe.importFrom(st)
		fe.bindLocals(st)
		return here()
	case "function_definition":
		fe.set(fe.text(st.ChildByFieldName("name")), fe.defineFunction(st, nil), st)
		h.locals[fe.text(st.ChildByFieldName("name"))] = true
		return here()
	}
	// Loops, with, global, nested classes …: not followed.
	h.failed = true
	return nil
}

// bindLocals marks the names an import inside the body binds as locals.
func (fe *fileEval) bindLocals(st *pysrc.Node) {
	for _, n := range pysrc.Named(st) {
		switch n.Kind() {
		case "dotted_name":
			name := fe.text(n)
			if i := strings.IndexByte(name, '.'); i >= 0 {
				name = name[:i]
			}
			fe.h.locals[name] = true
		case "aliased_import":
			fe.h.locals[fe.text(n.ChildByFieldName("alias"))] = true
		}
	}
}

// runExpression runs an expression statement of a helper body: an
// assignment to locals, a mutation of a local, or a call evaluated for the
// reads inside it. Writing to anything else gives up.
func (fe *fileEval) runExpression(c, st *pysrc.Node) {
	h := fe.h
	switch c.Kind() {
	case "string":
		return // docstring
	case "assignment", "augmented_assignment":
		if !fe.localTargets(c.ChildByFieldName("left")) {
			h.failed = true
			return
		}
		for r := c.ChildByFieldName("right"); r != nil && r.Kind() == "assignment"; r = r.ChildByFieldName("right") {
			if !fe.localTargets(r.ChildByFieldName("left")) {
				h.failed = true
				return
			}
		}
		if c.Kind() == "assignment" {
			fe.assignment(c, st)
		} else {
			fe.augmented(c, st)
		}
	case "call":
		fnNode := c.ChildByFieldName("function")
		if fe.writesGlobals(fnNode) {
			h.failed = true
			return
		}
		if fnNode.Kind() == "attribute" && mutators[fe.text(fnNode.ChildByFieldName("attribute"))] {
			root := rootName(fe, fnNode.ChildByFieldName("object"))
			if root == "os" {
				break // os.environ.setdefault(...): evaluated below
			}
			if root == "" || !h.locals[root] {
				h.failed = true
				return
			}
			obj := fnNode.ChildByFieldName("object")
			if obj.Kind() == "identifier" {
				fe.update(root, fe.mutate(fe.lookup(root), fe.text(fnNode.ChildByFieldName("attribute")), fe.args(c.ChildByFieldName("arguments"))), st)
				return
			}
			fe.setUnknownKeepPos(root)
			return
		}
		fe.eval(c)
		fe.forgetPassedLocals(fnNode, c.ChildByFieldName("arguments"), st)
	default:
		fe.eval(c)
	}
}

// pureCallees never change the objects passed to them.
var pureCallees = map[string]bool{"len": true, "print": true, "str": true, "repr": true, "int": true, "bool": true,
	"float": true, "isinstance": true, "sorted": true, "list": true, "tuple": true, "set": true, "dict": true,
	"any": true, "all": true, "min": true, "max": true, "sum": true, "format": true}

// forgetPassedLocals makes a local list, dict or set that a statement
// passes to a function djsec does not follow unknown: the function may add
// to it or remove from it (other(apps) before return apps).
func (fe *fileEval) forgetPassedLocals(fnNode, args *pysrc.Node, st *pysrc.Node) {
	if args == nil || pureCallees[fe.text(fnNode)] {
		return
	}
	callee := fe.text(fnNode)
	if strings.HasPrefix(callee, "log") || strings.Contains(callee, ".log") || strings.HasPrefix(callee, "warnings.") {
		return
	}
	for _, a := range pysrc.Named(args) {
		if a.Kind() == "keyword_argument" {
			a = a.ChildByFieldName("value")
		}
		if a == nil || a.Kind() != "identifier" {
			continue
		}
		name := fe.text(a)
		if !fe.h.locals[name] {
			continue
		}
		if v := fe.lookup(name); v != nil && (v.IsSequence() || v.Kind == Dict) {
			fe.setUnknownKeepPos(name)
		}
	}
}

// localTargets reports assignment targets that bind or change locals only
// (os.environ["X"] = … included, which the module view records), and marks
// the names bound as locals.
func (fe *fileEval) localTargets(t *pysrc.Node) bool {
	if t == nil {
		return false
	}
	switch t.Kind() {
	case "identifier":
		fe.h.locals[fe.text(t)] = true
		return true
	case "pattern_list", "tuple_pattern", "list_pattern", "expression_list", "tuple", "list":
		for _, el := range pysrc.Named(t) {
			if !fe.localTargets(el) {
				return false
			}
		}
		return true
	case "subscript", "attribute":
		if strings.ReplaceAll(fe.text(t.ChildByFieldName("value")), " ", "") == "os.environ" {
			return true
		}
		root := rootName(fe, t)
		return root != "" && fe.h.locals[root] && t.Kind() == "subscript"
	}
	return false
}

// runIf takes the branch a decided test selects; an undecided test forks
// the path.
func (fe *fileEval) runIf(st *pysrc.Node) []helperPath {
	type branch struct{ cond, body *pysrc.Node }
	bs := []branch{{st.ChildByFieldName("condition"), st.ChildByFieldName("consequence")}}
	var elseBody *pysrc.Node
	for _, c := range pysrc.Named(st) {
		switch c.Kind() {
		case "elif_clause":
			bs = append(bs, branch{c.ChildByFieldName("condition"), c.ChildByFieldName("consequence")})
		case "else_clause":
			elseBody = c.ChildByFieldName("body")
		}
	}
	var out []helperPath
	ns := fe.ns
	for _, b := range bs {
		fe.ns = ns
		truth, known := fe.helperCondition(b.cond)
		ns = fe.ns // a walrus in the test binds on every path
		if fe.h.failed {
			return nil
		}
		if known && !truth {
			continue
		}
		if known {
			return append(out, fe.runBlock(b.body, []helperPath{{ns: ns}})...)
		}
		out = append(out, fe.runBlock(b.body, []helperPath{{ns: ns.clone()}})...)
		if fe.h.failed || len(out) > maxHelperPaths {
			fe.h.failed = true
			return nil
		}
	}
	if elseBody != nil {
		return append(out, fe.runBlock(elseBody, []helperPath{{ns: ns}})...)
	}
	return append(out, helperPath{ns: ns})
}

// runTry runs the body; a path that raises continues in the first handler
// that catches its exception (by class name; Exception, BaseException and a
// bare except catch everything). A finally clause is not followed.
func (fe *fileEval) runTry(st *pysrc.Node) []helperPath {
	type handler struct {
		types []string // nil: catches everything
		body  *pysrc.Node
	}
	var handlers []handler
	var elseBody *pysrc.Node
	for _, c := range pysrc.Named(st) {
		switch c.Kind() {
		case "except_clause":
			h := handler{}
			for _, b := range pysrc.Named(c) {
				switch b.Kind() {
				case "block":
					h.body = b
				case "comment":
				default:
					h.types = fe.exceptTypes(b)
				}
			}
			handlers = append(handlers, h)
		case "except_group_clause", "finally_clause":
			fe.h.failed = true
			return nil
		case "else_clause":
			elseBody = c.ChildByFieldName("body")
		}
	}
	catches := func(h handler, exc string) bool {
		if h.types == nil {
			return true
		}
		for _, t := range h.types {
			if t == "Exception" || t == "BaseException" || exc != "" && t == exc {
				return true
			}
		}
		return false
	}
	var out []helperPath
	for _, p := range fe.runBlock(st.ChildByFieldName("body"), []helperPath{{ns: fe.ns}}) {
		caught := false
		if p.raised {
			for _, h := range handlers {
				if catches(h, p.exc) {
					out = append(out, fe.runBlock(h.body, []helperPath{{ns: p.ns}})...)
					caught = true
					break
				}
			}
		}
		switch {
		case caught:
		case !p.ended && elseBody != nil:
			out = append(out, fe.runBlock(elseBody, []helperPath{p})...)
		default:
			out = append(out, p)
		}
	}
	return out
}

// exceptTypes lists the class names an except clause names:
// `except KeyError`, `except (KeyError, ValueError) as e`.
func (fe *fileEval) exceptTypes(n *pysrc.Node) []string {
	if n.Kind() == "as_pattern" {
		if inner := pysrc.Named(n); len(inner) > 0 {
			n = inner[0]
		}
	}
	if n.Kind() == "parenthesized_expression" {
		if inner := pysrc.Named(n); len(inner) == 1 {
			n = inner[0]
		}
	}
	if n.Kind() == "tuple" {
		var out []string
		for _, c := range pysrc.Named(n) {
			out = append(out, lastName(fe.text(c)))
		}
		return out
	}
	return []string{lastName(fe.text(n))}
}

// lastName is the last segment of a dotted name.
func lastName(s string) string {
	if i := strings.LastIndexByte(s, '.'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// helperCondition decides a test inside a helper. The helper's own reads
// (the variable its caller named) take their missing value, as every read
// does in the production view; any other read, or a value read without a
// default or of a deployment selector, leaves the test undecided, as at
// module level.
func (fe *fileEval) helperCondition(n *pysrc.Node) (truth, known bool) {
	if n == nil {
		return false, false
	}
	var v *Value
	reads := fe.e.collectReads(func() {
		if n.Kind() == "named_expression" {
			v = fe.eval(n.ChildByFieldName("value"))
			if name := n.ChildByFieldName("name"); name != nil {
				fe.set(fe.text(name), v, n)
				fe.h.locals[fe.text(name)] = true
			}
			return
		}
		v = fe.eval(n)
	})
	for _, r := range reads {
		if !fe.h.ownVar(r.Var) {
			return false, false
		}
	}
	if v.Env != nil && !fe.h.ownVar(v.Env.Var) && (!v.Env.HasDefault || selectorVar(v.Env.Var)) {
		return false, false
	}
	return v.Truthy()
}

// envContains is `key in os.environ` inside a helper: false in the
// production view unless an earlier setdefault set the variable.
func (fe *fileEval) envContains(key string) (present bool, env *EnvRead) {
	fe.e.envReads++
	env = &EnvRead{Var: key, Reader: "os.environ[]", Cast: "compare"}
	fe.e.logRead(env)
	_, present = fe.e.envDefaults[key]
	return present, env
}

// helperResult joins the ends of a followed call into its value. Paths that
// raise are left out: a deployment on them does not start. The value keeps
// the environment read behind it: the helper's own read of the variable
// its caller named, or the one environment-derived argument it was given.
func (fe *fileEval) helperResult(h *helperFrame, ends []helperPath, reads []*EnvRead, a callArgs, n *pysrc.Node) *Value {
	pos := fe.pos(n)
	var own *EnvRead
	for _, r := range reads {
		if !h.ownVar(r.Var) {
			continue
		}
		if own == nil {
			own = r
		}
		for _, o := range h.own {
			if r.Var == o && own.Var != o {
				own = r
			}
		}
	}
	var argEnv *EnvRead
	envArgs := 0
	for _, v := range append(append([]*Value{}, a.pos...), mapValues(a.kw, a.kwOrder)...) {
		if v != nil && v.Env != nil {
			argEnv = v.Env
			envArgs++
		}
	}
	if envArgs != 1 {
		argEnv = nil
	}
	var vals []*Value
	for _, p := range ends {
		if !p.raised {
			vals = append(vals, p.ret)
		}
	}
	if len(vals) == 0 {
		// Every path raises: the settings do not load without the variable.
		out := &Value{Kind: Unknown, Pos: pos}
		if own != nil {
			out.Env = &EnvRead{Var: own.Var, Reader: own.Reader, Required: true}
		}
		return out
	}
	attach := func(v *Value) *Value {
		cp := *v
		if cp.Pos.Path != fe.path || cp.Pos.Line == 0 {
			cp.Pos = pos
		}
		if cp.Env != nil {
			return &cp
		}
		switch {
		case own != nil:
			cp.Env = &EnvRead{Var: own.Var, Reader: own.Reader, HasDefault: cp.Kind != None, Cast: "call", DefaultPos: cp.Pos}
		case argEnv != nil:
			env := *argEnv
			env.Cast = "call"
			cp.Env = &env
		}
		return &cp
	}
	first := vals[0]
	same := first.Known()
	for _, v := range vals[1:] {
		same = same && v.Known() && equalValues(first, v)
	}
	if same {
		out := attach(first)
		out.Pos = pos
		return out
	}
	alts := make([]*Value, 0, len(vals))
	for _, v := range flattenAlts(vals) {
		if v == nil {
			alts = append(alts, nil)
			continue
		}
		alts = append(alts, attach(v))
	}
	return &Value{Kind: Unknown, Alts: alts, Pos: pos}
}

func mapValues(m map[string]*Value, order []string) []*Value {
	out := make([]*Value, 0, len(order))
	for _, k := range order {
		out = append(out, m[k])
	}
	return out
}
