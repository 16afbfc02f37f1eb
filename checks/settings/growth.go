package settings

import (
	"slices"
	"strings"

	"github.com/djsec/djsec/checks/pysrc"
)

// Repository helpers that take a list setting and hand it back grown are a
// common way to switch on optional apps:
//
//	INSTALLED_APPS, MIDDLEWARE = setup_toolbar(INSTALLED_APPS, MIDDLEWARE)
//
// The evaluator does not run function bodies, but it reads them far enough
// to prove that every return hands back the list it was given, copied or
// extended, and never shortened. The names assigned from such a call then
// still hold at least what they held before (Value.Least), so presence
// checks such as "SecurityMiddleware is in MIDDLEWARE" stay decided.
//
// The same reading covers a module-level call to a function of the same
// file that changes module globals (`global MIDDLEWARE` and a reassignment,
// or MIDDLEWARE.append(…) inside it): names it only grows keep Least, names
// it may change otherwise become unknown.

// funcDef is a function found from a def: reference.
type funcDef struct {
	fe   *fileEval // evaluation of the file that defines it, for its text
	node *pysrc.Node
	// skip is the number of leading parameters bound implicitly (cls of a
	// classmethod called on its class).
	skip int
}

// findDef locates the function a call's callee names, when it is defined
// in a file this evaluation has read: a module-level function, or a static
// or class method reached through its class. ok is false for anything else
// (a library function, a decorated function, an instance method).
func (fe *fileEval) findDef(callee *pysrc.Node) (funcDef, bool) {
	var cls, method string
	var ref *Value
	switch callee.Kind() {
	case "identifier":
		ref = fe.lookup(fe.text(callee))
	case "attribute":
		obj := callee.ChildByFieldName("object")
		if obj == nil || obj.Kind() != "identifier" {
			return funcDef{}, false
		}
		ref = fe.lookup(fe.text(obj))
		method = fe.text(callee.ChildByFieldName("attribute"))
		cls = "class"
	default:
		return funcDef{}, false
	}
	if ref == nil || ref.Kind != Ref || !strings.HasPrefix(ref.Ref, "def:") {
		return funcDef{}, false
	}
	owner, ok := fe.e.files[ref.Pos.Path]
	if !ok {
		return funcDef{}, false
	}
	def := owner.defAt(ref.Pos, strings.TrimPrefix(ref.Ref, "def:"))
	if def == nil {
		return funcDef{}, false
	}
	if cls == "" {
		if def.Kind() != "function_definition" || decorated(def) {
			return funcDef{}, false
		}
		return funcDef{fe: owner, node: def}, true
	}
	if def.Kind() != "class_definition" {
		return funcDef{}, false
	}
	body := def.ChildByFieldName("body")
	if body == nil {
		return funcDef{}, false
	}
	for _, st := range pysrc.Named(body) {
		fn, decos := st, []string(nil)
		if st.Kind() == "decorated_definition" {
			fn = st.ChildByFieldName("definition")
			for _, d := range pysrc.Named(st) {
				if d.Kind() == "decorator" {
					decos = append(decos, strings.TrimSpace(strings.TrimPrefix(owner.text(d), "@")))
				}
			}
		}
		if fn == nil || fn.Kind() != "function_definition" || owner.text(fn.ChildByFieldName("name")) != method {
			continue
		}
		switch {
		case len(decos) == 0:
			// A plain function reached through its class: no implicit
			// argument.
			return funcDef{fe: owner, node: fn}, true
		case len(decos) == 1 && decos[0] == "staticmethod":
			return funcDef{fe: owner, node: fn}, true
		case len(decos) == 1 && decos[0] == "classmethod":
			return funcDef{fe: owner, node: fn, skip: 1}, true
		}
		return funcDef{}, false
	}
	return funcDef{}, false
}

// defAt finds the function or class definition named name that starts at
// pos in this file.
func (fe *fileEval) defAt(pos Pos, name string) *pysrc.Node {
	key := defKey{pos.Line, pos.Col, name}
	if n, ok := fe.defs[key]; ok {
		return n
	}
	if fe.defs == nil {
		fe.defs = map[defKey]*pysrc.Node{}
	}
	var found *pysrc.Node
	defer func() { fe.defs[key] = found }()
	pysrc.Walk(fe.f.Root, func(n *pysrc.Node) bool {
		if found != nil {
			return false
		}
		switch n.Kind() {
		case "function_definition", "class_definition":
			if p := pysrc.PosOf(n); p.Line == pos.Line && p.Col == pos.Col && fe.text(n.ChildByFieldName("name")) == name {
				found = n
			}
			return false
		}
		return true
	})
	return found
}

// defKey names a definition in its file, for fileEval.defs.
type defKey struct {
	line, col int
	name      string
}

func decorated(def *pysrc.Node) bool {
	p := def.Parent()
	return p != nil && p.Kind() == "decorated_definition"
}

// params lists a function's positional parameter names, in order, up to the
// first *args or bare *.
func (d funcDef) params() []string {
	var out []string
	ps := d.node.ChildByFieldName("parameters")
	if ps == nil {
		return nil
	}
	for _, p := range pysrc.Named(ps) {
		switch p.Kind() {
		case "identifier":
			out = append(out, d.fe.text(p))
		case "default_parameter", "typed_default_parameter":
			out = append(out, d.fe.text(p.ChildByFieldName("name")))
		case "typed_parameter":
			for _, c := range pysrc.Named(p) {
				if c.Kind() == "identifier" {
					out = append(out, d.fe.text(c))
					break
				}
			}
		default:
			return out
		}
	}
	return out
}

// bodyFacts is what a flow-insensitive reading of a function body found.
type bodyFacts struct {
	// assigned maps a name to the right-hand sides bound to it.
	assigned map[string][]*pysrc.Node
	// spoiled names are rebound or changed in ways growth cannot follow:
	// tuple targets, loops, del, item assignment, shrinking methods, being
	// handed to another function.
	spoiled map[string]bool
	// grown names receive only growing methods or +=.
	mutated map[string]bool
	globals map[string]bool
	returns []*pysrc.Node // return values; nil entries are bare returns
	// endsInReturn is false when control can fall off the end (None).
	endsInReturn bool
}

// readBody collects bodyFacts, not entering nested functions, classes and
// lambdas (their own scopes).
func (d funcDef) readBody() bodyFacts {
	fe := d.fe
	bf := bodyFacts{assigned: map[string][]*pysrc.Node{}, spoiled: map[string]bool{}, mutated: map[string]bool{}, globals: map[string]bool{}}
	body := d.node.ChildByFieldName("body")
	if body == nil {
		return bf
	}
	if st := pysrc.Named(body); len(st) > 0 {
		last := st[len(st)-1]
		bf.endsInReturn = last.Kind() == "return_statement" || last.Kind() == "raise_statement"
	}
	spoilTarget := func(t *pysrc.Node) {
		pysrc.Walk(t, func(n *pysrc.Node) bool {
			if n.Kind() == "identifier" {
				bf.spoiled[fe.text(n)] = true
			}
			return true
		})
	}
	pysrc.Walk(body, func(n *pysrc.Node) bool {
		switch n.Kind() {
		case "function_definition", "class_definition", "lambda":
			if name := n.ChildByFieldName("name"); name != nil {
				bf.spoiled[fe.text(name)] = true
			}
			return false
		case "global_statement", "nonlocal_statement":
			for _, c := range pysrc.Named(n) {
				bf.globals[fe.text(c)] = true
			}
		case "return_statement":
			vals := pysrc.Named(n)
			if len(vals) == 0 {
				bf.returns = append(bf.returns, nil)
			} else {
				bf.returns = append(bf.returns, vals[0])
			}
		case "assignment":
			l, r := n.ChildByFieldName("left"), n.ChildByFieldName("right")
			switch {
			case l == nil || r == nil:
			case l.Kind() == "identifier" && r.Kind() != "assignment":
				bf.assigned[fe.text(l)] = append(bf.assigned[fe.text(l)], r)
			case l.Kind() == "subscript" || l.Kind() == "attribute":
				if root := rootName(fe, l); root != "" {
					bf.spoiled[root] = true
				}
			default:
				spoilTarget(l)
			}
		case "augmented_assignment":
			l := n.ChildByFieldName("left")
			op := fe.text(n.ChildByFieldName("operator"))
			switch {
			case l != nil && l.Kind() == "identifier" && (op == "+=" || op == "|="):
				bf.mutated[fe.text(l)] = true
			case l != nil:
				if root := rootName(fe, l); root != "" {
					bf.spoiled[root] = true
				}
				spoilTarget(l)
			}
		case "for_statement", "for_in_clause":
			if l := n.ChildByFieldName("left"); l != nil {
				spoilTarget(l)
			}
		case "as_pattern_target", "named_expression":
			spoilTarget(n)
		case "delete_statement":
			for _, t := range pysrc.Named(n) {
				if root := rootName(fe, t); root != "" {
					bf.spoiled[root] = true
				}
				spoilTarget(t)
			}
		case "import_statement", "import_from_statement":
			spoilTarget(n)
		case "call":
			fn := n.ChildByFieldName("function")
			if fn != nil && fn.Kind() == "attribute" {
				obj := fn.ChildByFieldName("object")
				switch method := fe.text(fn.ChildByFieldName("attribute")); {
				case obj == nil || !mutators[method]:
				case obj.Kind() == "identifier" && growingMethods[method]:
					bf.mutated[fe.text(obj)] = true
				default:
					// X.remove(…), X["k"].insert(…): more than growth.
					if root := rootName(fe, obj); root != "" {
						bf.spoiled[root] = true
					}
				}
			}
			// A list handed to another function may be changed there.
			if args := n.ChildByFieldName("arguments"); args != nil && !copyingCall(fe.text(fn)) {
				for _, a := range pysrc.Named(args) {
					if a.Kind() == "keyword_argument" {
						a = a.ChildByFieldName("value")
					}
					if a != nil && a.Kind() == "identifier" {
						bf.spoiled[fe.text(a)] = true
					}
				}
			}
		}
		return true
	})
	return bf
}

// copyingCall names functions that read a list without changing it.
func copyingCall(name string) bool {
	switch name {
	case "list", "tuple", "sorted", "len", "copy", "copy.copy", "deepcopy", "copy.deepcopy", "isinstance", "print", "str", "repr":
		return true
	}
	return false
}

// growers returns the names that hold at least what param held on entry:
// param itself and locals bound only from such names, copied (x[:], list(x),
// x.copy()) or extended (x + [...], [*x, ...]), and never spoiled. It is
// the greatest such set, so locals and param may feed each other.
func (bf bodyFacts) growers(fe *fileEval, param string) map[string]bool {
	set := map[string]bool{param: true}
	for name := range bf.assigned {
		set[name] = true
	}
	for changed := true; changed; {
		changed = false
		for name := range set {
			ok := !bf.spoiled[name]
			for _, rhs := range bf.assigned[name] {
				if !ok {
					break
				}
				ok = grows(fe, rhs, set)
			}
			if !ok {
				delete(set, name)
				changed = true
			}
		}
	}
	return set
}

// grows reports whether e evaluates to a list holding every element of a
// name in set.
func grows(fe *fileEval, e *pysrc.Node, set map[string]bool) bool {
	if e == nil {
		return false
	}
	switch e.Kind() {
	case "identifier":
		return set[fe.text(e)]
	case "parenthesized_expression":
		inner := pysrc.Named(e)
		return len(inner) == 1 && grows(fe, inner[0], set)
	case "binary_operator":
		if fe.text(e.ChildByFieldName("operator")) != "+" {
			return false
		}
		return grows(fe, e.ChildByFieldName("left"), set) || grows(fe, e.ChildByFieldName("right"), set)
	case "list", "tuple":
		for _, c := range pysrc.Named(e) {
			if c.Kind() == "list_splat" {
				if inner := pysrc.Named(c); len(inner) == 1 && grows(fe, inner[0], set) {
					return true
				}
			}
		}
	case "subscript":
		s := e.ChildByFieldName("subscript")
		if s == nil || s.Kind() != "slice" {
			return false
		}
		// x[:], x[::], x[::-1]: every element, in some order.
		switch strings.Join(strings.Fields(fe.text(s)), "") {
		case ":", "::", "::1", "::-1":
			return grows(fe, e.ChildByFieldName("value"), set)
		}
	case "conditional_expression":
		parts := pysrc.Named(e)
		return len(parts) == 3 && grows(fe, parts[0], set) && grows(fe, parts[2], set)
	case "call":
		fn := e.ChildByFieldName("function")
		args := e.ChildByFieldName("arguments")
		if fn == nil || args == nil {
			return false
		}
		a := pysrc.Named(args)
		switch name := fe.text(fn); {
		case name == "list" || name == "tuple" || name == "sorted" || name == "copy" || name == "copy.copy" || name == "deepcopy" || name == "copy.deepcopy":
			return len(a) == 1 && grows(fe, a[0], set)
		case fn.Kind() == "attribute" && fe.text(fn.ChildByFieldName("attribute")) == "copy" && len(a) == 0:
			return grows(fe, fn.ChildByFieldName("object"), set)
		}
	}
	return false
}

// keptByHelper returns, for each target of `A, B = helper(A, B)` that
// the call passes in by name, the value it is assigned: Unknown, holding
// at least what the name held. targets are the assignment's target nodes
// (identifiers); ok is false when the callee cannot be read or does not
// provably hand its arguments back grown.
func (fe *fileEval) keptByHelper(call *pysrc.Node, targets []*pysrc.Node) (map[string]*Value, bool) {
	def, ok := fe.findDef(call.ChildByFieldName("function"))
	if !ok {
		return nil, false
	}
	params := def.params()
	bound := map[string]string{} // argument name → parameter
	args := call.ChildByFieldName("arguments")
	if args == nil || args.Kind() != "argument_list" {
		return nil, false
	}
	i := def.skip
	for _, a := range pysrc.Named(args) {
		switch a.Kind() {
		case "identifier":
			if i < len(params) {
				bound[fe.text(a)] = params[i]
			}
			i++
		case "keyword_argument":
			name := fe.text(a.ChildByFieldName("name"))
			if v := a.ChildByFieldName("value"); v != nil && v.Kind() == "identifier" && slices.Contains(params, name) {
				bound[fe.text(v)] = name
			}
		case "list_splat", "dictionary_splat":
			return nil, false
		default:
			i++
		}
	}
	bf := def.readBody()
	if !bf.endsInReturn || len(bf.returns) == 0 {
		return nil, false
	}
	out := map[string]*Value{}
	for k, t := range targets {
		if t.Kind() != "identifier" {
			continue
		}
		name := fe.text(t)
		param, ok := bound[name]
		if !ok {
			continue
		}
		set := bf.growers(def.fe, param)
		if !set[param] || bf.globals[param] {
			continue
		}
		every := true
		for _, r := range bf.returns {
			if !grows(def.fe, returnedAt(r, k, len(targets)), set) {
				every = false
				break
			}
		}
		if every {
			cur := fe.lookup(name)
			out[name] = &Value{Kind: Unknown, Least: cur.Certain(), Pos: fe.pos(call)}
		}
	}
	return out, len(out) > 0
}

// returnedAt is element k of a returned tuple of n elements, or the value
// itself when one target takes it whole.
func returnedAt(r *pysrc.Node, k, n int) *pysrc.Node {
	if r == nil {
		return nil
	}
	if n == 1 {
		return r
	}
	for r.Kind() == "parenthesized_expression" {
		inner := pysrc.Named(r)
		if len(inner) != 1 {
			return nil
		}
		r = inner[0]
	}
	if r.Kind() != "tuple" && r.Kind() != "expression_list" {
		return nil
	}
	el := pysrc.Named(r)
	if len(el) != n {
		return nil
	}
	return el[k]
}

// globalEffects applies what a module-level call to a function of this
// file may do to module globals: names it rebinds (`global X`) or mutates
// (X.append(…)) keep at least their elements when it only grows them, and
// become unknown otherwise.
func (fe *fileEval) globalEffects(st *pysrc.Node) {
	pysrc.Walk(st, func(n *pysrc.Node) bool {
		switch n.Kind() {
		case "lambda", "function_definition", "class_definition":
			return false
		case "call":
		default:
			return true
		}
		fn := n.ChildByFieldName("function")
		if fn == nil || fn.Kind() != "identifier" {
			return true
		}
		def, ok := fe.findDef(fn)
		if !ok || def.fe != fe {
			return true
		}
		bf := def.readBody()
		locals := map[string]bool{}
		for _, p := range def.params() {
			locals[p] = true
		}
		for name := range bf.assigned {
			if !bf.globals[name] {
				locals[name] = true
			}
		}
		touched := map[string]bool{}
		for name := range bf.globals {
			touched[name] = true
		}
		for name := range bf.mutated {
			if !locals[name] || bf.globals[name] {
				touched[name] = true
			}
		}
		for name := range bf.spoiled {
			if !locals[name] || bf.globals[name] {
				touched[name] = true
			}
		}
		for name := range touched {
			// Modules, functions and environment readers are not settings:
			// os.environ.setdefault(...) in a helper leaves os alone.
			if s, ok := fe.ns[name]; !ok || s.Value.Kind == Ref {
				continue
			}
			if bf.growers(fe, name)[name] {
				fe.loosen(name)
			} else {
				fe.setUnknownKeepPos(name)
			}
		}
		return true
	})
}
