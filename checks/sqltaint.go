package checks

import (
	"bytes"
	"fmt"
	"math/bits"
	"path"
	"sort"
	"strings"

	"github.com/djsec/djsec/checks/pysrc"
	"github.com/djsec/djsec/internal/lazyre"
)

// SQL taint: which SQL text can hold text an attacker chooses.
//
// A value is tainted when it can hold request data: the input of a view's
// `request` (GET, POST, body, headers …, the user's username, email and
// names; not the session or what middleware sets), `self.request` in a
// class-based view, a URL parameter whose pattern lets text through (`<x>`,
// `<str:x>`, `(?P<x>[^/]+)`, a ViewSet's lookup), or anything built from
// those by assignment, subscripts, string methods, f-strings, `%`, `+`,
// `.format()`, `join()`, `str()`-like conversions, object constructors (a
// form bound to request.POST) and the project's own functions that return
// what they were given. A value is safe when it cannot hold such text:
// literals, numbers and numeric casts, `len()`, primary keys and ids (`.pk`,
// `.id`, `*_id`), a model's `_meta` names, quoted identifiers
// (`connection.ops.quote_name`), psycopg's `sql.Identifier` composition, and
// results of ORM lookups (rows are the database's, not the request's).
// Anything else is unknown, and unknown never fires: precision beats
// coverage. A helper's parameter is instead judged by what its callers in
// the repository pass it, so a helper nobody visibly calls with request data
// is silent, and so is a parameter of a function that takes the request but
// that no URL pattern routes (a helper, or a route djsec cannot see).
//
// The analysis is flow-insensitive inside a function except for one rule
// that keeps casts precise: a plain assignment that runs whenever the read
// does (`n = int(n)`, also inside try and with) hides earlier bindings.

// sqlFlow is what a value may carry.
type sqlFlow struct {
	// src names the request data the value may hold ("request.POST", "URL
	// parameter name"); "" when it holds none djsec can see.
	src string
	// params has bit i set when the value may hold parameter i of the
	// function it is computed in: unknown there, decided by the callers.
	params uint64
	// how says how SQL text was built around the tainted part ("an
	// f-string", "% formatting" …); "" when the value is the tainted text
	// itself.
	how string
}

func (a sqlFlow) tainted() bool { return a.src != "" || a.params != 0 }

func (a sqlFlow) or(b sqlFlow) sqlFlow {
	if a.src == "" {
		a.src = b.src
	}
	if a.how == "" && b.tainted() {
		a.how = b.how
	}
	a.params |= b.params
	return a
}

// built records that text was assembled around a tainted part.
func (a sqlFlow) built(how string) sqlFlow {
	if a.tainted() && a.how == "" {
		a.how = how
	}
	return a
}

// sqlInjection is one SQL sink whose text can carry request data.
type sqlInjection struct {
	path   string
	pos    pysrc.Pos
	key    string // scope#ordinal: stable while unrelated code moves
	what   string // "cursor.execute()", ".raw()" …
	how    string
	source string // the request data, as sqlFlow.src names it
	via    *sqlVia
}

// sqlVia is the call that hands request data to a helper's parameter.
type sqlVia struct {
	param  string
	caller string // the calling function's qualified name
	path   string
	line   int
	// through lists the helpers between the caller and the sink's
	// function, nearest the caller first.
	through []string
}

// Bounds that keep a generated or hostile file from making the search
// explode; past them a value is unknown, which never fires.
const (
	sqlMaxDepth = 40    // nested evaluations of one value
	sqlMaxSteps = 50000 // evaluations per sink, and per caller followed
	sqlMaxHops  = 4     // helpers between a request and a sink
	sqlMaxNest  = 8     // return summaries computed inside one another
)

type sqlFile struct {
	path    string
	f       *pysrc.File
	defs    map[string]*pysrc.Node // module-level functions by name
	imports map[string]sqlImport   // local names bound by imports
	stars   []string               // modules star-imported
}

// sqlImport is what an imported local name refers to: a module of the
// repository (member "") or a name defined in one.
type sqlImport struct {
	file, member string
}

type sqlFunc struct {
	file   *sqlFile
	def    *pysrc.Node // nil for module-level code
	name   string      // qualified name, "Class.method"
	class  *pysrc.Node // the class a method is defined in
	params []sqlParam
	// bound is set for a method whose first parameter is the instance or
	// class: call sites pass one argument fewer.
	bound bool
	// view is set for a function that takes the request: its other
	// parameters may be URL parameters.
	view bool
	// binds holds each local name's binding sites in source order.
	binds map[string][]*pysrc.Node
}

type sqlParam struct {
	name string
	kind byte // 0 plain, '*' *args, '&' **kwargs
}

// sqlSummary is what a function returns in terms of its parameters.
type sqlSummary struct {
	all   sqlFlow
	elems []sqlFlow // per element, when every return gives a tuple of one length
}

// sqlSite is a SQL sink whose text carries parameters of its function.
type sqlSite struct {
	file *sqlFile
	call *pysrc.Node
	key  string
	what string
	done bool
}

type sqlTaint struct {
	p       *Project
	files   map[string]*sqlFile
	funcs   map[*pysrc.Node]*sqlFunc
	memo    map[*pysrc.Node]sqlFlow
	busy    map[*pysrc.Node]bool
	sums    map[*pysrc.Node]*sqlSummary
	callers map[*sqlFunc][]sqlCall
	code    []string
	codeSet map[string]bool
	urls    map[string][]sqlCapture // URL parameter name → the patterns that capture it
	budget  int                     // evaluations left for the sink being judged
	nest    int                     // return summaries being computed
	out     []sqlInjection
}

// sqlCapture is one URL pattern capturing a parameter.
type sqlCapture struct {
	// view is the last name of the view the pattern routes to (the class
	// of a class-based view), "" for an include() whose views are unknown.
	view string
	// text is set when the pattern lets arbitrary text through.
	text bool
}

type sqlCall struct {
	file *sqlFile
	call *pysrc.Node
}

// findSQLInjections runs the taint analysis over the project's code files.
func findSQLInjections(p *Project) []sqlInjection {
	t := &sqlTaint{p: p, files: map[string]*sqlFile{}, funcs: map[*pysrc.Node]*sqlFunc{},
		memo: map[*pysrc.Node]sqlFlow{}, busy: map[*pysrc.Node]bool{}, sums: map[*pysrc.Node]*sqlSummary{},
		callers: map[*sqlFunc][]sqlCall{}, codeSet: map[string]bool{}}
	t.code = apiCodeFiles(p)
	for _, fp := range t.code {
		t.codeSet[fp] = true
	}
	var pending []sqlPending
	for _, fp := range t.code {
		src := p.Files[fp]
		if !bytes.Contains(src, []byte("execute")) && !bytes.Contains(src, []byte(".raw(")) &&
			!bytes.Contains(src, []byte(".extra(")) && !bytes.Contains(src, []byte("RawSQL")) {
			continue
		}
		sf := t.file(fp)
		if sf == nil {
			continue
		}
		pending = append(pending, t.scanSinks(sf)...)
	}
	t.follow(pending)
	return t.out
}

// file parses a code file once.
func (t *sqlTaint) file(fp string) *sqlFile {
	if sf, ok := t.files[fp]; ok {
		return sf
	}
	var sf *sqlFile
	if t.codeSet[fp] {
		if f := apiParse(t.p.Files[fp]); f != nil {
			sf = &sqlFile{path: fp, f: f, defs: map[string]*pysrc.Node{}}
			for _, st := range pysrc.Named(f.Root) {
				if def, name := apiDefinition(f, st); def != nil && def.Kind() == "function_definition" {
					sf.defs[name] = def
				}
			}
		}
	}
	t.files[fp] = sf
	return sf
}

// Sinks.

// scanSinks finds the SQL sinks of a file, reports those whose text holds
// request data and returns those whose text holds parameters.
func (t *sqlTaint) scanSinks(sf *sqlFile) []sqlPending {
	cursors := sqlCursorNames(sf.f)
	var pending []sqlPending
	counts := map[string]int{}
	var walk func(n *pysrc.Node, scope apiScope, owner string)
	walk = func(n *pysrc.Node, scope apiScope, owner string) {
		for _, c := range pysrc.Named(n) {
			switch c.Kind() {
			case "class_definition", "function_definition":
				inner := append(append(apiScope(nil), scope...), sf.f.Text(c.ChildByFieldName("name")))
				o := owner
				if c.Kind() == "function_definition" {
					o = inner.String()
				}
				walk(c, inner, o)
				continue
			case "call":
				what, args := sqlSink(sf.f, c, cursors)
				if what == "" {
					break
				}
				counts[owner]++
				site := &sqlSite{file: sf, call: c, key: fmt.Sprintf("%s#%d", owner, counts[owner]), what: what}
				t.budget = sqlMaxSteps
				fl := t.evalAll(sf, args, 0)
				if fl.src != "" {
					t.report(site, fl, nil)
				} else if fn := t.funcAt(sf, c); fl.params != 0 && fn.def != nil {
					pending = append(pending, sqlPending{site: site, fn: fn, params: fl.params, how: fl.how})
				}
			}
			walk(c, scope, owner)
		}
	}
	walk(sf.f.Root, nil, "<module>")
	return pending
}

func (t *sqlTaint) report(site *sqlSite, fl sqlFlow, via *sqlVia) {
	if site.done {
		return
	}
	site.done = true
	t.out = append(t.out, sqlInjection{path: site.file.path, pos: pysrc.PosOf(site.call), key: site.key,
		what: site.what, how: fl.how, source: fl.src, via: via})
}

// sqlSink recognises a call that sends SQL text to the database and
// returns what it is and the arguments that hold SQL text:
// Manager.raw(), QuerySet.extra(where=, select=), RawSQL() and a DB-API
// cursor's execute()/executemany(). Parameters passed next to the text
// are the driver's to quote, so only the text is judged.
func sqlSink(f *pysrc.File, call *pysrc.Node, cursors map[string]bool) (what string, sqlArgs []*pysrc.Node) {
	fn := call.ChildByFieldName("function")
	if fn == nil {
		return "", nil
	}
	var method string
	var recv *pysrc.Node
	switch fn.Kind() {
	case "identifier":
		method = f.Text(fn)
	case "attribute":
		method = f.Text(fn.ChildByFieldName("attribute"))
		recv = fn.ChildByFieldName("object")
	default:
		return "", nil
	}
	var pos []*pysrc.Node
	kw := map[string]*pysrc.Node{}
	for _, a := range pysrc.Named(call.ChildByFieldName("arguments")) {
		switch a.Kind() {
		case "keyword_argument":
			kw[f.Text(a.ChildByFieldName("name"))] = a.ChildByFieldName("value")
		case "list_splat", "dictionary_splat":
			return "", nil // *args/**kwargs: the text is not in sight
		default:
			pos = append(pos, a)
		}
	}
	first := func(name string) []*pysrc.Node {
		if len(pos) > 0 {
			return pos[:1]
		}
		if v := kw[name]; v != nil {
			return []*pysrc.Node{v}
		}
		return nil
	}
	switch {
	case method == "RawSQL":
		return "RawSQL()", first("sql")
	case recv == nil:
		return "", nil
	case method == "raw":
		return ".raw()", first("raw_query")
	case method == "extra":
		// where= is a list of SQL fragments and select= maps aliases to
		// SQL; a name bound to either is judged by its elements or values.
		for _, k := range []string{"where", "select"} {
			if v := kw[k]; v != nil {
				sqlArgs = append(sqlArgs, v)
			}
		}
		return ".extra()", sqlArgs
	case method == "execute" || method == "executemany":
		if !sqlIsCursor(f, recv, cursors) {
			return "", nil
		}
		return "cursor." + method + "()", first("sql")
	}
	return "", nil
}

// sqlCursorNames collects names bound to a DB-API cursor: `with
// conn.cursor() as c` and `c = connection.cursor()`.
func sqlCursorNames(f *pysrc.File) map[string]bool {
	cursors := map[string]bool{}
	pysrc.Walk(f.Root, func(n *pysrc.Node) bool {
		switch n.Kind() {
		case "as_pattern":
			ins := pysrc.Named(n)
			if len(ins) == 2 && sqlIsCursorCall(f, ins[0]) {
				if t := ins[1]; t.Kind() == "as_pattern_target" {
					cursors[f.Text(t)] = true
				}
			}
		case "assignment":
			if l, rt := n.ChildByFieldName("left"), n.ChildByFieldName("right"); l != nil && l.Kind() == "identifier" && sqlIsCursorCall(f, rt) {
				cursors[f.Text(l)] = true
			}
		}
		return true
	})
	return cursors
}

func sqlIsCursorCall(f *pysrc.File, n *pysrc.Node) bool {
	if n == nil || n.Kind() != "call" {
		return false
	}
	fn := n.ChildByFieldName("function")
	return fn != nil && fn.Kind() == "attribute" && f.Text(fn.ChildByFieldName("attribute")) == "cursor"
}

// sqlIsCursor reports whether the receiver of .execute() is a DB-API
// cursor: a conn.cursor() call, a name bound to one, or a name that says so.
func sqlIsCursor(f *pysrc.File, n *pysrc.Node, cursors map[string]bool) bool {
	if n == nil {
		return false
	}
	if sqlIsCursorCall(f, n) {
		return true
	}
	var last string
	switch n.Kind() {
	case "identifier":
		last = f.Text(n)
		if cursors[last] {
			return true
		}
	case "attribute":
		last = f.Text(n.ChildByFieldName("attribute"))
	case "call":
		// closing(connection.cursor()) and similar wrappers.
		if args := pysrc.Named(n.ChildByFieldName("arguments")); len(args) == 1 {
			return sqlIsCursorCall(f, args[0])
		}
		return false
	default:
		return false
	}
	l := strings.ToLower(last)
	return strings.Contains(l, "cursor") || l == "cur" || l == "curs"
}

// Functions and their parameters.

// funcAt returns the function whose body holds n (module-level code when
// none does). Lambdas belong to the function around them.
func (t *sqlTaint) funcAt(sf *sqlFile, n *pysrc.Node) *sqlFunc {
	for p := n.Parent(); p != nil; p = p.Parent() {
		if p.Kind() == "function_definition" {
			return t.funcOf(sf, p)
		}
	}
	return t.funcOf(sf, nil)
}

func (t *sqlTaint) funcOf(sf *sqlFile, def *pysrc.Node) *sqlFunc {
	key := def
	if key == nil {
		key = sf.f.Root
	}
	if fn, ok := t.funcs[key]; ok {
		return fn
	}
	fn := &sqlFunc{file: sf, def: def, name: "<module>"}
	t.funcs[key] = fn
	body := sf.f.Root
	if def != nil {
		body = def.ChildByFieldName("body")
		var names []string
		static := false
		fn.class = sqlDefParent(def)
		for p := def; p != nil; p = p.Parent() {
			switch p.Kind() {
			case "function_definition", "class_definition":
				names = append(names, sf.f.Text(p.ChildByFieldName("name")))
			case "decorated_definition":
				if p == def.Parent() {
					for _, d := range pysrc.Named(p) {
						if d.Kind() == "decorator" && strings.TrimSpace(strings.TrimPrefix(sf.f.Text(d), "@")) == "staticmethod" {
							static = true
						}
					}
				}
			}
		}
		for i, j := 0, len(names)-1; i < j; i, j = i+1, j-1 {
			names[i], names[j] = names[j], names[i]
		}
		fn.name = strings.Join(names, ".")
		for _, prm := range pysrc.Named(def.ChildByFieldName("parameters")) {
			sp := sqlParam{}
			n := prm
			switch prm.Kind() {
			case "default_parameter", "typed_default_parameter":
				n = prm.ChildByFieldName("name")
			case "typed_parameter":
				if in := pysrc.Named(prm); len(in) > 0 {
					n = in[0]
				}
			}
			if n == nil {
				continue
			}
			switch n.Kind() {
			case "list_splat_pattern":
				sp.kind = '*'
			case "dictionary_splat_pattern":
				sp.kind = '&'
			case "identifier":
			default:
				continue // "*" and "/" separators
			}
			if n.Kind() != "identifier" {
				if in := pysrc.Named(n); len(in) > 0 {
					n = in[0]
				}
			}
			sp.name = sf.f.Text(n)
			if sp.name == "request" {
				fn.view = true
			}
			fn.params = append(fn.params, sp)
		}
		fn.bound = fn.class != nil && !static && len(fn.params) > 0 && fn.params[0].kind == 0
	}
	fn.binds = sqlBindings(sf.f, body)
	return fn
}

// sqlDefParent returns the class whose body directly holds def, if any.
func sqlDefParent(def *pysrc.Node) *pysrc.Node {
	p := def.Parent()
	if p != nil && p.Kind() == "decorated_definition" {
		p = p.Parent()
	}
	if p != nil && p.Kind() == "block" {
		if c := p.Parent(); c != nil && c.Kind() == "class_definition" {
			return c
		}
	}
	return nil
}

// sqlBindings collects, in source order, the statements that bind each
// name in a function body (or at module level), without entering nested
// functions, classes, lambdas or comprehensions, whose names are their own.
func sqlBindings(f *pysrc.File, body *pysrc.Node) map[string][]*pysrc.Node {
	out := map[string][]*pysrc.Node{}
	add := func(target, site *pysrc.Node) {
		pysrc.Walk(target, func(n *pysrc.Node) bool {
			switch n.Kind() {
			case "identifier":
				name := f.Text(n)
				if l := out[name]; len(l) == 0 || l[len(l)-1] != site {
					out[name] = append(out[name], site)
				}
				return false
			case "attribute", "subscript":
				return false
			}
			return true
		})
	}
	pysrc.Walk(body, func(n *pysrc.Node) bool {
		switch n.Kind() {
		case "function_definition", "class_definition", "lambda",
			"list_comprehension", "set_comprehension", "dictionary_comprehension", "generator_expression":
			return n == body
		case "assignment":
			if n.ChildByFieldName("right") != nil {
				add(n.ChildByFieldName("left"), n)
				// clauses[k] = ... adds to the container.
				if l := n.ChildByFieldName("left"); l != nil && l.Kind() == "subscript" {
					if v := l.ChildByFieldName("value"); v != nil && v.Kind() == "identifier" {
						out[f.Text(v)] = append(out[f.Text(v)], n)
					}
				}
			}
		case "call":
			// clauses.append(...), params.extend(...): a list built up
			// piece by piece holds what was put in.
			fn := n.ChildByFieldName("function")
			if p := n.Parent(); p != nil && p.Kind() == "expression_statement" && fn != nil && fn.Kind() == "attribute" && sqlMutators[f.Text(fn.ChildByFieldName("attribute"))] {
				if o := fn.ChildByFieldName("object"); o != nil && o.Kind() == "identifier" {
					out[f.Text(o)] = append(out[f.Text(o)], n)
				}
			}
		case "augmented_assignment", "for_statement":
			add(n.ChildByFieldName("left"), n)
		case "named_expression":
			add(n.ChildByFieldName("name"), n)
		case "as_pattern":
			if p := n.Parent(); p != nil && p.Kind() == "with_item" {
				add(n.ChildByFieldName("alias"), n)
			}
		}
		return true
	})
	return out
}

// sqlMutators are the methods that put values into a list, set or dict.
var sqlMutators = map[string]bool{"append": true, "extend": true, "insert": true, "add": true, "update": true, "appendleft": true}

// paramFlow is what parameter i of fn may carry.
func (t *sqlTaint) paramFlow(fn *sqlFunc, i int) sqlFlow {
	prm := fn.params[i]
	switch {
	case i == 0 && fn.bound:
		return sqlFlow{} // self or cls
	case prm.name == "request":
		return sqlFlow{src: "request"}
	case fn.view && prm.kind == 0:
		// A view's other parameters are URL parameters when a URL pattern
		// routed to it captures them; a function that takes the request
		// but is routed nowhere is a helper, judged by its callers.
		if text, captured := t.urlParam(fn, prm.name); captured {
			if text {
				return sqlFlow{src: "URL parameter " + prm.name}
			}
			return sqlFlow{}
		}
		if t.viewSetLookup(fn, prm.name) {
			return sqlFlow{src: "URL parameter " + prm.name}
		}
	}
	if i >= 64 {
		return sqlFlow{}
	}
	return sqlFlow{params: 1 << uint(i)}
}

// viewSetLookup reports the lookup parameter of a DRF ViewSet's method
// (pk unless lookup_url_kwarg or lookup_field renames it): a router
// routes it with `[^/.]+` unless the class sets lookup_value_regex.
func (t *sqlTaint) viewSetLookup(fn *sqlFunc, name string) bool {
	if fn.class == nil {
		return false
	}
	f := fn.file.f
	if !strings.Contains(f.Text(fn.class.ChildByFieldName("superclasses")), "ViewSet") {
		return false
	}
	lookup, field := "", "pk"
	for _, st := range pysrc.Named(fn.class.ChildByFieldName("body")) {
		a := pysrc.Named(st)
		if st.Kind() != "expression_statement" || len(a) != 1 || a[0].Kind() != "assignment" {
			continue
		}
		left := f.Text(a[0].ChildByFieldName("left"))
		val, ok := sqlStringText(f, a[0].ChildByFieldName("right"))
		switch {
		case left == "lookup_value_regex":
			return false
		case left == "lookup_url_kwarg" && ok:
			lookup = val
		case left == "lookup_field" && ok:
			field = val
		}
	}
	if lookup == "" {
		lookup = field
	}
	return name == lookup
}

func (fn *sqlFunc) param(name string) int {
	for i, p := range fn.params {
		if p.name == name {
			return i
		}
	}
	return -1
}

// Values.

// eval tells what the expression n of file sf may carry.
func (t *sqlTaint) eval(sf *sqlFile, n *pysrc.Node, depth int) sqlFlow {
	if n == nil {
		return sqlFlow{}
	}
	if fl, ok := t.memo[n]; ok {
		return fl
	}
	if depth > sqlMaxDepth || t.budget <= 0 || t.busy[n] {
		// Too deep, over budget, or a cycle through a binding: unknown.
		// What is computed from it is remembered all the same, so that
		// generated code costs each node one evaluation.
		return sqlFlow{}
	}
	t.budget--
	t.busy[n] = true
	fl := t.evalNode(sf, n, depth+1)
	delete(t.busy, n)
	t.memo[n] = fl
	return fl
}

func (t *sqlTaint) evalAll(sf *sqlFile, ns []*pysrc.Node, depth int) sqlFlow {
	var fl sqlFlow
	for _, c := range ns {
		fl = fl.or(t.eval(sf, c, depth))
	}
	return fl
}

func (t *sqlTaint) evalNode(sf *sqlFile, n *pysrc.Node, depth int) sqlFlow {
	switch n.Kind() {
	case "string":
		var fl sqlFlow
		for _, c := range pysrc.Named(n) {
			if c.Kind() == "interpolation" {
				fl = fl.or(t.eval(sf, c.ChildByFieldName("expression"), depth))
			}
		}
		return fl.built("an f-string")
	case "concatenated_string", "parenthesized_expression", "tuple", "list", "set", "expression_list",
		"boolean_operator", "await", "list_splat", "dictionary_splat", "keyword_argument":
		var fl sqlFlow
		for _, c := range pysrc.Named(n) {
			if n.Kind() == "keyword_argument" && c == n.ChildByFieldName("name") {
				continue
			}
			fl = fl.or(t.eval(sf, c, depth))
		}
		return fl
	case "dictionary":
		var fl sqlFlow
		for _, c := range pysrc.Named(n) {
			if c.Kind() == "pair" {
				c = c.ChildByFieldName("value")
			}
			fl = fl.or(t.eval(sf, c, depth))
		}
		return fl
	case "list_comprehension", "set_comprehension", "generator_expression":
		return t.eval(sf, n.ChildByFieldName("body"), depth)
	case "dictionary_comprehension":
		if body := n.ChildByFieldName("body"); body != nil {
			return t.eval(sf, body.ChildByFieldName("value"), depth)
		}
	case "conditional_expression":
		if in := pysrc.Named(n); len(in) == 3 {
			return t.eval(sf, in[0], depth).or(t.eval(sf, in[2], depth))
		}
	case "binary_operator":
		return t.evalBinary(sf, n, depth)
	case "attribute":
		return t.evalAttribute(sf, n, depth)
	case "subscript":
		return t.evalSubscript(sf, n, depth)
	case "call":
		return t.evalCall(sf, n, depth)
	case "identifier":
		return t.evalName(sf, n, depth)
	}
	// Numbers, booleans, None, comparisons, `not`, unary minus (numbers
	// only), lambdas and anything unknown carry no request text.
	return sqlFlow{}
}

func (t *sqlTaint) evalBinary(sf *sqlFile, n *pysrc.Node, depth int) sqlFlow {
	left, right := n.ChildByFieldName("left"), n.ChildByFieldName("right")
	switch sf.f.Text(n.ChildByFieldName("operator")) {
	case "+":
		if sqlNumberLiteral(left) || sqlNumberLiteral(right) {
			return sqlFlow{} // numbers: a str operand raises
		}
		return t.eval(sf, left, depth).or(t.eval(sf, right, depth)).built("string concatenation")
	case "%":
		if left != nil && left.Kind() == "string" && sqlNumericFormat(sf.f.Text(left)) {
			return sqlFlow{} // %d and friends raise on text
		}
		return t.eval(sf, left, depth).or(t.eval(sf, right, depth)).built("% formatting")
	case "*":
		return t.eval(sf, left, depth).or(t.eval(sf, right, depth))
	}
	return sqlFlow{} // -, /, //, **, bit operators: numbers and sets
}

// sqlSafeAttr reports attributes that hold numbers, booleans or names the
// code itself chose: primary keys and ids, a model's _meta, is_*/has_*
// flags.
func sqlSafeAttr(f *pysrc.File, n *pysrc.Node) bool {
	name := f.Text(n.ChildByFieldName("attribute"))
	if name == "pk" || name == "id" || name == "db_table" || strings.HasSuffix(name, "_id") || strings.HasSuffix(name, "_pk") ||
		strings.HasPrefix(name, "is_") || strings.HasPrefix(name, "has_") {
		return true
	}
	for o := n; o != nil && o.Kind() == "attribute"; o = o.ChildByFieldName("object") {
		if f.Text(o.ChildByFieldName("attribute")) == "_meta" {
			return true
		}
	}
	return false
}

// sqlRequestAttrs are attributes only Django's and DRF's requests have.
var sqlRequestAttrs = map[string]bool{"GET": true, "POST": true, "COOKIES": true, "FILES": true, "META": true,
	"query_params": true, "QUERY_PARAMS": true}

func (t *sqlTaint) evalAttribute(sf *sqlFile, n *pysrc.Node, depth int) sqlFlow {
	f := sf.f
	if sqlSafeAttr(f, n) {
		return sqlFlow{}
	}
	obj := n.ChildByFieldName("object")
	attr := f.Text(n.ChildByFieldName("attribute"))
	if obj != nil && obj.Kind() == "identifier" && f.Text(obj) == "self" && attr == "request" {
		return sqlFlow{src: "request"}
	}
	if sqlRequestAttrs[attr] && obj != nil && obj.Kind() == "identifier" {
		if fn := t.funcAt(sf, obj); fn.param(f.Text(obj)) >= 0 && len(fn.binds[f.Text(obj)]) == 0 {
			return sqlFlow{src: "request." + attr} // a request under another name
		}
	}
	fl := t.eval(sf, obj, depth)
	switch fl.src {
	case "request":
		// The request's own input; what middleware hangs on it (the
		// session, a tenant looked up by host name, the language picked
		// from settings.LANGUAGES) is the server's.
		if !sqlRequestInput[attr] {
			return sqlFlow{}
		}
		fl.src = "request." + attr
	case "request.user":
		// The user's own text; what hangs off the user (a profile, a
		// company) is stored data djsec cannot place.
		if !sqlUserText[attr] {
			return sqlFlow{}
		}
		fl.src = "request.user." + attr
	}
	return fl
}

// sqlUserText are the fields and methods of Django's user that return text
// the user chose.
var sqlUserText = map[string]bool{
	"username": true, "email": true, "first_name": true, "last_name": true,
	"get_username": true, "get_full_name": true, "get_short_name": true,
}

// sqlObject reports a flow that stands for the request or its user as an
// object rather than text taken from them.
func sqlObject(fl sqlFlow) bool {
	return fl.src == "request" || fl.src == "request.user"
}

// sqlRequestInput are the attributes and methods of an HttpRequest (and
// DRF's Request) that return what the client sent.
var sqlRequestInput = map[string]bool{
	"GET": true, "POST": true, "data": true, "query_params": true, "QUERY_PARAMS": true, "body": true,
	"COOKIES": true, "META": true, "headers": true, "FILES": true, "path": true, "path_info": true,
	"method": true, "content_type": true, "content_params": true, "user": true, "resolver_match": true,
	"get_full_path": true, "get_full_path_info": true, "get_host": true, "build_absolute_uri": true,
	"get_signed_cookie": true, "read": true, "readline": true, "readlines": true, "stream": true,
}

func (t *sqlTaint) evalSubscript(sf *sqlFile, n *pysrc.Node, depth int) sqlFlow {
	obj := n.ChildByFieldName("value")
	if key, fn, ok := t.urlKwargsKey(sf, obj, n.ChildByFieldName("subscript")); ok {
		return t.urlKwarg(fn, key)
	}
	return t.eval(sf, obj, depth)
}

// urlKwargsKey recognises kwargs["name"] on a view's **kwargs or a
// class-based view's self.kwargs, and returns the literal key and the
// function reading it.
func (t *sqlTaint) urlKwargsKey(sf *sqlFile, obj, key *pysrc.Node) (string, *sqlFunc, bool) {
	if obj == nil || key == nil || key.Kind() != "string" {
		return "", nil, false
	}
	f := sf.f
	k, ok := sqlStringText(f, key)
	if !ok {
		return "", nil, false
	}
	fn := t.funcAt(sf, obj)
	switch obj.Kind() {
	case "attribute":
		o := obj.ChildByFieldName("object")
		if o != nil && o.Kind() == "identifier" && f.Text(o) == "self" && f.Text(obj.ChildByFieldName("attribute")) == "kwargs" {
			return k, fn, true
		}
	case "identifier":
		if i := fn.param(f.Text(obj)); i >= 0 && fn.view && fn.params[i].kind == '&' && len(fn.binds[f.Text(obj)]) == 0 {
			return k, fn, true
		}
	}
	return "", nil, false
}

func (t *sqlTaint) urlKwarg(fn *sqlFunc, name string) sqlFlow {
	text, captured := t.urlParam(fn, name)
	if text || !captured && t.viewSetLookup(fn, name) {
		return sqlFlow{src: "URL parameter " + name}
	}
	return sqlFlow{}
}

// sqlStringText is the text of a plain string literal.
func sqlStringText(f *pysrc.File, n *pysrc.Node) (string, bool) {
	if n == nil || n.Kind() != "string" {
		return "", false
	}
	var b strings.Builder
	for _, c := range pysrc.Named(n) {
		switch c.Kind() {
		case "string_start":
			if strings.ContainsAny(f.Text(c), "fF") {
				return "", false
			}
		case "string_content":
			b.WriteString(f.Text(c))
		case "string_end":
		default:
			return "", false
		}
	}
	return b.String(), true
}

// sqlSanitizers return numbers, booleans, quoted identifiers or composed
// SQL whatever text they are given.
var sqlSanitizers = map[string]bool{
	"int": true, "float": true, "bool": true, "len": true, "abs": true, "round": true, "hash": true, "ord": true,
	"Decimal": true, "UUID": true, "slugify": true,
	"quote_name": true, "qn": true, "quote_name_unless_alias": true,
	"Identifier": true, "Literal": true, "Placeholder": true,
	"isdigit": true, "isnumeric": true, "isdecimal": true, "isalnum": true, "isalpha": true,
	"startswith": true, "endswith": true, "count": true, "index": true, "find": true, "rfind": true,
	"exists": true, "fetchone": true, "fetchall": true, "fetchmany": true,
	"as_sql": true, "sql_with_params": true, // Django's compiler: values become placeholders
	"get_object_or_404": true, "get_list_or_404": true,
}

// sqlPassThrough are functions whose result is their argument's text,
// converted or decoded.
var sqlPassThrough = map[string]bool{
	"str": true, "repr": true, "format": true, "ascii": true,
	"unquote": true, "unquote_plus": true, "urlunquote": true, "urlunquote_plus": true,
	"force_str": true, "force_text": true, "smart_str": true, "smart_text": true,
	"escape": true, "strip_tags": true, "loads": true, "b64decode": true, "urlsafe_b64decode": true,
	"list": true, "tuple": true, "set": true, "sorted": true, "reversed": true, "filter": true,
	"SQL": true,
}

func (t *sqlTaint) evalCall(sf *sqlFile, n *pysrc.Node, depth int) sqlFlow {
	f := sf.f
	fn := n.ChildByFieldName("function")
	args := n.ChildByFieldName("arguments")
	if fn == nil {
		return sqlFlow{}
	}
	var name string
	var recv *pysrc.Node
	switch fn.Kind() {
	case "identifier":
		name = f.Text(fn)
	case "attribute":
		name = f.Text(fn.ChildByFieldName("attribute"))
		recv = fn.ChildByFieldName("object")
	default:
		return sqlFlow{}
	}
	if sqlSanitizers[name] || strings.HasPrefix(name, "is_") || strings.HasPrefix(name, "has_") {
		return sqlFlow{}
	}
	// ORM lookups give rows, whose values are the database's.
	if recv != nil && strings.Contains(f.Text(recv), ".objects") {
		return sqlFlow{}
	}
	argList := pysrc.Named(args)
	if recv != nil {
		switch name {
		case "format":
			// psycopg's sql.SQL(...).format() composes only Composables.
			if recv.Kind() == "call" && sqlCallName(f, recv) == "SQL" {
				return t.eval(sf, recv, depth)
			}
			return t.eval(sf, recv, depth).or(t.evalAll(sf, argList, depth)).built(".format()")
		case "join":
			return t.eval(sf, recv, depth).or(t.evalAll(sf, argList, depth)).built("str.join()")
		case "replace":
			fl := t.eval(sf, recv, depth)
			if len(argList) > 1 {
				fl = fl.or(t.eval(sf, argList[1], depth))
			}
			return fl
		}
	}
	if callee, self := t.calleeOf(sf, n, depth); callee != nil {
		return t.callFlow(sf, n, callee, self, -1, depth)
	}
	if recv != nil {
		if name == "get" || name == "pop" {
			if k, fn, ok := t.urlKwargsKey(sf, recv, sqlFirstArg(argList)); ok {
				return t.urlKwarg(fn, k)
			}
		}
		// A method's result comes from its object: request.GET.get(),
		// name.strip(), form.cleaned_data.get().
		return t.eval(sf, recv, depth)
	}
	if sqlPassThrough[name] || sqlConstructor(name) {
		// Conversions keep the text; constructors (a form bound to
		// request.POST, a serializer given request.data) hold it.
		return t.evalAll(sf, argList, depth)
	}
	return sqlFlow{}
}

func sqlFirstArg(args []*pysrc.Node) *pysrc.Node {
	if len(args) == 0 || args[0].Kind() == "keyword_argument" {
		return nil
	}
	return args[0]
}

func sqlCallName(f *pysrc.File, call *pysrc.Node) string {
	fn := call.ChildByFieldName("function")
	if fn != nil && fn.Kind() == "attribute" {
		return f.Text(fn.ChildByFieldName("attribute"))
	}
	return f.Text(fn)
}

// sqlConstructor reports a CapWords name: by PEP 8, a class.
func sqlConstructor(name string) bool {
	return name != "" && name[0] >= 'A' && name[0] <= 'Z' && strings.ToUpper(name) != name
}

func sqlNumberLiteral(n *pysrc.Node) bool {
	return n != nil && (n.Kind() == "integer" || n.Kind() == "float")
}

// sqlFormatRE matches one %-conversion of a format string.
var sqlFormatRE = lazyre.New(`%(?:\([^)]*\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?([a-zA-Z%])`)

// sqlNumericFormat reports a format string whose conversions all print
// numbers (%d, %i, %f, ...): formatting then raises rather than inject text.
func sqlNumericFormat(format string) bool {
	conv := sqlFormatRE().FindAllStringSubmatch(format, -1)
	for _, c := range conv {
		if !strings.Contains("diouxXeEfFgG%", c[1]) {
			return false
		}
	}
	return len(conv) > 0
}

// Names.

// evalName is what a name may hold where it is read: the loop variable of
// an enclosing comprehension, the bindings that reach it in its function,
// a parameter, a name of an enclosing function, or a module-level name.
func (t *sqlTaint) evalName(sf *sqlFile, id *pysrc.Node, depth int) sqlFlow {
	f := sf.f
	name := f.Text(id)
	for p := id.Parent(); p != nil; p = p.Parent() {
		switch p.Kind() {
		case "list_comprehension", "set_comprehension", "dictionary_comprehension", "generator_expression":
			var fl sqlFlow
			found := false
			for _, c := range pysrc.Named(p) {
				if c.Kind() == "for_in_clause" && sqlBindsName(f, c.ChildByFieldName("left"), name) {
					found = true
					fl = fl.or(t.eval(sf, c.ChildByFieldName("right"), depth))
				}
			}
			if found {
				return fl
			}
		case "lambda":
			if sqlBindsName(f, p.ChildByFieldName("parameters"), name) {
				return sqlFlow{}
			}
		case "function_definition":
			fn := t.funcOf(sf, p)
			if sites := fn.binds[name]; len(sites) > 0 {
				return t.reaching(sf, fn, sites, id, depth)
			}
			if i := fn.param(name); i >= 0 {
				return t.paramFlow(fn, i)
			}
			// A free name: the enclosing function's, or the module's.
		case "module":
			mod := t.funcOf(sf, nil)
			var fl sqlFlow
			for _, site := range mod.binds[name] {
				fl = fl.or(t.bindingFlow(sf, site, name, depth))
			}
			return fl
		}
	}
	return sqlFlow{}
}

// sqlBindsName reports an identifier called name in a binding target.
func sqlBindsName(f *pysrc.File, target *pysrc.Node, name string) bool {
	found := false
	pysrc.Walk(target, func(n *pysrc.Node) bool {
		if found || n.Kind() == "attribute" || n.Kind() == "subscript" {
			return false
		}
		if n.Kind() == "identifier" && f.Text(n) == name {
			found = true
		}
		return !found
	})
	return found
}

// reaching joins the bindings of name that can reach the read at use:
// walking back from the read, a plain assignment that runs whenever the
// read does (in a block around the read, looking through try and with)
// hides everything before it.
func (t *sqlTaint) reaching(sf *sqlFile, fn *sqlFunc, sites []*pysrc.Node, use *pysrc.Node, depth int) sqlFlow {
	f := sf.f
	name := f.Text(use)
	var fl sqlFlow
	before := false
	for i := len(sites) - 1; i >= 0; i-- {
		site := sites[i]
		if sqlBindingEnd(site) > use.StartByte() {
			continue
		}
		before = true
		fl = fl.or(t.bindingFlow(sf, site, name, depth))
		if sqlKills(site, use) {
			return fl
		}
	}
	if !before {
		// Read before any binding: a loop carries a later one round, or
		// the name is a parameter rebound below.
		if i := fn.param(name); i >= 0 {
			return t.paramFlow(fn, i)
		}
		for _, site := range sites {
			fl = fl.or(t.bindingFlow(sf, site, name, depth))
		}
		return fl
	}
	if i := fn.param(name); i >= 0 {
		fl = fl.or(t.paramFlow(fn, i))
	}
	return fl
}

// sqlBindingEnd is where a binding takes effect: after an assignment's
// value, after a loop's iterable (its body reads the variable).
func sqlBindingEnd(site *pysrc.Node) uint {
	switch site.Kind() {
	case "for_statement":
		if r := site.ChildByFieldName("right"); r != nil {
			return r.EndByte()
		}
	}
	return site.EndByte()
}

// sqlKills reports a binding that replaces the name on every path to use.
func sqlKills(site, use *pysrc.Node) bool {
	switch site.Kind() {
	case "assignment":
		if l := site.ChildByFieldName("left"); l != nil && l.Kind() == "subscript" {
			return false // one item of a container
		}
	case "as_pattern":
	default:
		return false // += keeps the old text; loops may not run; := sits in conditions; append adds
	}
	block := sqlRunsWith(site)
	for p := use.Parent(); p != nil; p = p.Parent() {
		if p == block {
			return true
		}
	}
	return false
}

// sqlRunsWith returns the innermost block that, once entered, always runs
// the statement holding n: try bodies and with bodies run their statements
// as the block around them does.
func sqlRunsWith(n *pysrc.Node) *pysrc.Node {
	p := n.Parent()
	for p != nil {
		switch p.Kind() {
		case "block":
			owner := p.Parent()
			if owner != nil && (owner.Kind() == "try_statement" || owner.Kind() == "with_statement") && owner.ChildByFieldName("body") == p {
				p = owner.Parent()
				continue
			}
			return p
		case "module", "function_definition", "lambda":
			return p
		}
		p = p.Parent()
	}
	return nil
}

// bindingFlow is what one binding site gives name.
func (t *sqlTaint) bindingFlow(sf *sqlFile, site *pysrc.Node, name string, depth int) sqlFlow {
	f := sf.f
	switch site.Kind() {
	case "assignment":
		left, right := site.ChildByFieldName("left"), site.ChildByFieldName("right")
		for right != nil && right.Kind() == "assignment" {
			right = right.ChildByFieldName("right") // a = b = value
		}
		if left == nil || left.Kind() == "identifier" {
			return t.eval(sf, right, depth)
		}
		if k := sqlTargetIndex(f, left, name); k >= 0 {
			return t.element(sf, right, k, depth)
		}
		return t.eval(sf, right, depth)
	case "augmented_assignment":
		fl := t.eval(sf, site.ChildByFieldName("right"), depth)
		switch f.Text(site.ChildByFieldName("operator")) {
		case "+=":
			return fl.built("string concatenation")
		case "%=":
			return fl.built("% formatting")
		}
		return sqlFlow{}
	case "for_statement":
		return t.eval(sf, site.ChildByFieldName("right"), depth)
	case "named_expression":
		return t.eval(sf, site.ChildByFieldName("value"), depth)
	case "call":
		return t.evalAll(sf, pysrc.Named(site.ChildByFieldName("arguments")), depth)
	case "as_pattern":
		if in := pysrc.Named(site); len(in) > 0 {
			return t.eval(sf, in[0], depth)
		}
	}
	return sqlFlow{}
}

// sqlTargetIndex is the position of name in a flat tuple target (a, b =),
// or -1.
func sqlTargetIndex(f *pysrc.File, target *pysrc.Node, name string) int {
	switch target.Kind() {
	case "pattern_list", "tuple_pattern", "list_pattern", "tuple", "list":
	default:
		return -1
	}
	for i, c := range pysrc.Named(target) {
		if c.Kind() == "identifier" && f.Text(c) == name {
			return i
		}
		if c.Kind() != "identifier" {
			return -1 // starred or nested: positions no longer line up
		}
	}
	return -1
}

// element is what element k of a tuple-valued expression may carry.
func (t *sqlTaint) element(sf *sqlFile, n *pysrc.Node, k int, depth int) sqlFlow {
	switch n.Kind() {
	case "expression_list", "tuple", "list":
		in := pysrc.Named(n)
		for _, c := range in {
			if c.Kind() == "list_splat" {
				return t.eval(sf, n, depth)
			}
		}
		if k < len(in) {
			return t.eval(sf, in[k], depth)
		}
	case "call":
		if callee, self := t.calleeOf(sf, n, depth); callee != nil {
			return t.callFlow(sf, n, callee, self, k, depth)
		}
	}
	return t.eval(sf, n, depth)
}

// calleeOf resolves a call whose result may carry taint: a repository
// function gives back what it was given, or, as a method, what it reads
// from self.request. Without tainted arguments a module-level function
// gives nothing, and its module need not be parsed.
func (t *sqlTaint) calleeOf(sf *sqlFile, call *pysrc.Node, depth int) (*sqlFunc, bool) {
	f := sf.f
	fn := call.ChildByFieldName("function")
	selfCall := false
	if fn != nil && fn.Kind() == "attribute" {
		o := fn.ChildByFieldName("object")
		selfCall = o != nil && o.Kind() == "identifier" && (f.Text(o) == "self" || f.Text(o) == "cls")
	}
	if !selfCall && !t.evalAll(sf, pysrc.Named(call.ChildByFieldName("arguments")), depth).tainted() {
		return nil, false
	}
	return t.resolve(sf, call)
}

// Calls into the repository's own functions.

// resolve finds the repository function a call runs: a function of the
// same module, one imported from another module of the repository
// (`from .utils import build`, `from . import utils` + `utils.build()`),
// or a method of the same class called on self or cls. self reports a
// call through the instance, which passes it as the first argument.
func (t *sqlTaint) resolve(sf *sqlFile, call *pysrc.Node) (callee *sqlFunc, self bool) {
	f := sf.f
	fn := call.ChildByFieldName("function")
	if fn == nil {
		return nil, false
	}
	switch fn.Kind() {
	case "identifier":
		return t.defIn(sf, f.Text(fn), 0), false
	case "attribute":
		obj := fn.ChildByFieldName("object")
		name := f.Text(fn.ChildByFieldName("attribute"))
		if obj == nil {
			return nil, false
		}
		if obj.Kind() == "identifier" && (f.Text(obj) == "self" || f.Text(obj) == "cls") {
			caller := t.funcAt(sf, call)
			if caller.class == nil {
				return nil, false
			}
			if def := sqlMethod(f, caller.class, name); def != nil {
				m := t.funcOf(sf, def)
				return m, m.bound
			}
			return nil, false
		}
		if !sqlDotted(obj) {
			return nil, false
		}
		if im, ok := t.imports(sf)[f.Text(obj)]; ok && im.member == "" {
			if other := t.file(im.file); other != nil {
				return t.defIn(other, name, 1), false
			}
		}
	}
	return nil, false
}

// defIn finds the function a module-level name of sf refers to: defined
// there, or imported there (a package's __init__ re-exporting it, a
// star-import), a few modules deep.
func (t *sqlTaint) defIn(sf *sqlFile, name string, hops int) *sqlFunc {
	if def := sf.defs[name]; def != nil {
		return t.funcOf(sf, def)
	}
	if hops >= 3 {
		return nil
	}
	if im, ok := t.imports(sf)[name]; ok {
		if other := t.file(im.file); other != nil && im.member != "" {
			return t.defIn(other, im.member, hops+1)
		}
		return nil
	}
	for _, star := range sf.stars {
		if other := t.file(star); other != nil {
			if fn := t.defIn(other, name, hops+1); fn != nil {
				return fn
			}
		}
	}
	return nil
}

// sqlDotted reports a plain dotted name (a.b.c).
func sqlDotted(n *pysrc.Node) bool {
	if n == nil {
		return false
	}
	switch n.Kind() {
	case "identifier":
		return true
	case "attribute":
		return sqlDotted(n.ChildByFieldName("object"))
	}
	return false
}

// sqlMethod finds a method defined directly in a class body.
func sqlMethod(f *pysrc.File, class *pysrc.Node, name string) *pysrc.Node {
	for _, st := range pysrc.Named(class.ChildByFieldName("body")) {
		if def, n := apiDefinition(f, st); def != nil && def.Kind() == "function_definition" && n == name {
			return def
		}
	}
	return nil
}

// callFlow is what a call of a repository function returns: its return
// values with the arguments in place of the parameters (element k of a
// returned tuple when k >= 0).
func (t *sqlTaint) callFlow(sf *sqlFile, call *pysrc.Node, callee *sqlFunc, self bool, k int, depth int) sqlFlow {
	sum := t.summary(callee)
	ret := sum.all
	if k >= 0 && k < len(sum.elems) {
		ret = sum.elems[k]
	}
	out := sqlFlow{src: ret.src, how: ret.how}
	for ps := ret.params; ps != 0; ps &= ps - 1 {
		i := bits.TrailingZeros64(ps)
		fl := t.argFlow(sf, call, callee, self, i, depth)
		if ret.how != "" {
			fl = fl.built(ret.how)
		}
		out = out.or(fl)
	}
	return out
}

// summary is what a function returns, in terms of its parameters.
func (t *sqlTaint) summary(fn *sqlFunc) *sqlSummary {
	if s, ok := t.sums[fn.def]; ok {
		return s
	}
	s := &sqlSummary{}
	if t.nest >= sqlMaxNest {
		return s // too deep to know: unknown, and not remembered
	}
	t.nest++
	defer func() { t.nest-- }()
	t.sums[fn.def] = s // a recursive call sees an empty summary
	var rets []*pysrc.Node
	pysrc.Walk(fn.def.ChildByFieldName("body"), func(n *pysrc.Node) bool {
		switch n.Kind() {
		case "function_definition", "class_definition", "lambda":
			return false
		case "return_statement":
			if in := pysrc.Named(n); len(in) == 1 {
				rets = append(rets, in[0])
			}
			return false
		}
		return true
	})
	width := -1
	for _, r := range rets {
		s.all = s.all.or(t.eval(fn.file, r, 0))
		w := -2
		if r.Kind() == "expression_list" || r.Kind() == "tuple" {
			w = len(pysrc.Named(r))
		}
		if width == -1 {
			width = w
		} else if width != w {
			width = -2
		}
	}
	if width > 0 {
		s.elems = make([]sqlFlow, width)
		for _, r := range rets {
			for i, c := range pysrc.Named(r) {
				s.elems[i] = s.elems[i].or(t.eval(fn.file, c, 0))
			}
		}
	}
	return s
}

// argFlow is what a call passes for parameter i of callee.
//
// The request or its user passed whole is no text: what the callee reads
// from it is judged there (request.GET read under another name), and an
// attribute chain djsec does not track is unknown.
func (t *sqlTaint) argFlow(sf *sqlFile, call *pysrc.Node, callee *sqlFunc, self bool, i int, depth int) sqlFlow {
	fl := t.argFlowAll(sf, call, callee, self, i, depth)
	if sqlObject(fl) {
		fl.src = ""
	}
	return fl
}

func (t *sqlTaint) argFlowAll(sf *sqlFile, call *pysrc.Node, callee *sqlFunc, self bool, i int, depth int) sqlFlow {
	f := sf.f
	prm := callee.params[i]
	pos := i
	if callee.bound {
		if !self {
			return sqlFlow{} // called through the class: arguments shift unknowably
		}
		pos--
	}
	var fl sqlFlow
	n := 0
	for _, a := range pysrc.Named(call.ChildByFieldName("arguments")) {
		switch a.Kind() {
		case "keyword_argument":
			kn := f.Text(a.ChildByFieldName("name"))
			if kn == prm.name || (prm.kind == '&' && callee.param(kn) < 0) {
				fl = fl.or(t.eval(sf, a.ChildByFieldName("value"), depth))
			}
		case "list_splat", "dictionary_splat":
			// Unpacked arguments: which parameter they fill is unknown.
		default:
			if n == pos || (prm.kind == '*' && n >= pos) {
				fl = fl.or(t.eval(sf, a, depth))
			}
			n++
		}
	}
	return fl
}

// imports maps the names a module imports to the repository modules and
// definitions they refer to.
func (t *sqlTaint) imports(sf *sqlFile) map[string]sqlImport {
	if sf.imports != nil {
		return sf.imports
	}
	sf.imports = map[string]sqlImport{}
	f := sf.f
	pysrc.Walk(f.Root, func(n *pysrc.Node) bool {
		switch n.Kind() {
		case "function_definition", "class_definition":
			return true
		case "import_statement":
			for _, c := range pysrc.Named(n) {
				mod, local := c, c
				if c.Kind() == "aliased_import" {
					mod, local = c.ChildByFieldName("name"), c.ChildByFieldName("alias")
				}
				if file := t.module(sf.path, 0, f.Text(mod)); file != "" {
					sf.imports[f.Text(local)] = sqlImport{file: file}
				}
			}
			return false
		case "import_from_statement":
			dots, dotted, ok := importFromModule(f, n)
			if !ok && dotted == "" {
				return false
			}
			modNode := n.ChildByFieldName("module_name")
			for _, c := range pysrc.Named(n) {
				if c.Kind() == "wildcard_import" {
					if file := t.module(sf.path, dots, dotted); file != "" {
						sf.stars = append(sf.stars, file)
					}
				}
				if c == modNode || c.Kind() == "wildcard_import" {
					continue
				}
				name, local := c, c
				if c.Kind() == "aliased_import" {
					name, local = c.ChildByFieldName("name"), c.ChildByFieldName("alias")
				}
				member := f.Text(name)
				sub := member
				if dotted != "" {
					sub = dotted + "." + member
				}
				if file := t.module(sf.path, dots, sub); file != "" {
					sf.imports[f.Text(local)] = sqlImport{file: file}
				} else if file := t.module(sf.path, dots, dotted); file != "" {
					sf.imports[f.Text(local)] = sqlImport{file: file, member: member}
				}
			}
			return false
		}
		return true
	})
	return sf.imports
}

// module finds the repository file of a module as the file at from would
// import it.
func (t *sqlTaint) module(from string, dots int, dotted string) string {
	var cands []string
	if dots > 0 {
		cands = relativeCandidates(from, dots, dotted)
	} else if dotted != "" {
		cands = absoluteCandidates(from, dotted)
	}
	for _, c := range cands {
		if t.codeSet[c] {
			return c
		}
	}
	return ""
}

// Following parameters to their callers.

type sqlPending struct {
	site   *sqlSite
	fn     *sqlFunc
	params uint64
	how    string
	hops   int
	param  string   // the sink function's parameter the text holds (set past the first hop)
	chain  []string // functions passed through so far, nearest the sink first
}

// follow takes each sink whose text holds parameters to the calls of its
// function, and from there to their callers, until a call passes request
// data or the chain ends.
func (t *sqlTaint) follow(pending []sqlPending) {
	type visit struct {
		site   *sqlSite
		fn     *sqlFunc
		params uint64
	}
	seen := map[visit]bool{}
	for len(pending) > 0 {
		pd := pending[0]
		pending = pending[1:]
		v := visit{pd.site, pd.fn, pd.params}
		if pd.site.done || pd.hops >= sqlMaxHops || seen[v] {
			continue
		}
		seen[v] = true
		for _, c := range t.callsOf(pd.fn) {
			callee, self := t.resolve(c.file, c.call)
			if callee != pd.fn {
				continue
			}
			caller := t.funcAt(c.file, c.call)
			var up uint64
			upParam := ""
			for ps := pd.params; ps != 0; ps &= ps - 1 {
				i := bits.TrailingZeros64(ps)
				t.budget = sqlMaxSteps
				fl := t.argFlow(c.file, c.call, callee, self, i, 0)
				// The message names the sink function's own parameter.
				param := pd.param
				if pd.hops == 0 {
					param = callee.params[i].name
				}
				if fl.src != "" {
					how := pd.how
					if how == "" {
						how = fl.how
					}
					var through []string
					for k := len(pd.chain) - 1; k >= 0; k-- {
						through = append(through, pd.chain[k])
					}
					t.report(pd.site, sqlFlow{src: fl.src, how: how}, &sqlVia{param: param, caller: caller.name,
						path: c.file.path, line: pysrc.PosOf(c.call).Line, through: through})
					break
				}
				if fl.params != 0 && caller.def != nil {
					up |= fl.params
					if upParam == "" {
						upParam = param
					}
				}
			}
			if pd.site.done {
				break
			}
			if up != 0 {
				chain := append(append([]string(nil), pd.chain...), caller.name)
				pending = append(pending, sqlPending{site: pd.site, fn: caller, params: up, how: pd.how, hops: pd.hops + 1, param: upParam, chain: chain})
			}
		}
	}
}

// callsOf lists the calls in the repository's code that may run fn: in
// its own module, or in modules whose text names both fn and its module.
func (t *sqlTaint) callsOf(fn *sqlFunc) []sqlCall {
	if calls, ok := t.callers[fn]; ok {
		return calls
	}
	var calls []sqlCall
	name := sqlLastName(fn.name)
	needle := []byte(name + "(")
	// A caller in another module names the module, or the package that
	// re-exports it.
	modName := []byte(strings.TrimSuffix(path.Base(fn.file.path), ".py"))
	pkgName := []byte(path.Base(path.Dir(fn.file.path)))
	for _, fp := range t.code {
		src := t.p.Files[fp]
		if !bytes.Contains(src, needle) {
			continue
		}
		if fp != fn.file.path && (fn.class != nil || !bytes.Contains(src, modName) && !bytes.Contains(src, pkgName)) {
			continue
		}
		sf := t.file(fp)
		if sf == nil {
			continue
		}
		pysrc.Walk(sf.f.Root, func(n *pysrc.Node) bool {
			if n.Kind() == "call" && sqlCallName(sf.f, n) == name {
				calls = append(calls, sqlCall{file: sf, call: n})
			}
			return true
		})
	}
	sort.SliceStable(calls, func(i, j int) bool { return calls[i].file.path < calls[j].file.path })
	t.callers[fn] = calls
	return calls
}

func sqlLastName(qualified string) string {
	if i := strings.LastIndexByte(qualified, '.'); i >= 0 {
		return qualified[i+1:]
	}
	return qualified
}

// URL parameters.

// urlParam tells whether a URL pattern routed to fn (or to its class, or
// through an include()) captures a parameter called name (captured), and
// whether one of them lets arbitrary text through (text): `<name>`,
// `<str:name>`, `<path:name>`, or a regex group that matches quotes or
// spaces. `<int:>`, `<slug:>`, `<uuid:>`, custom converters and groups of
// digits or word characters do not.
func (t *sqlTaint) urlParam(fn *sqlFunc, name string) (text, captured bool) {
	if t.urls == nil {
		t.urls = map[string][]sqlCapture{}
		for _, fp := range t.p.Paths() {
			if !strings.HasSuffix(fp, ".py") {
				continue
			}
			src := t.p.Files[fp]
			if !bytes.Contains(src, []byte("path(")) && !bytes.Contains(src, []byte("url(")) ||
				!bytes.Contains(src, []byte("patterns")) && !strings.Contains(path.Base(fp), "url") {
				continue
			}
			if f := apiParse(src); f != nil {
				t.urlPatterns(f)
				f.Close()
			}
		}
	}
	views := map[string]bool{"": true, sqlLastName(fn.name): true}
	if fn.class != nil {
		views[fn.file.f.Text(fn.class.ChildByFieldName("name"))] = true
	}
	for _, c := range t.urls[name] {
		if views[c.view] {
			captured = true
			text = text || c.text
		}
	}
	return text, captured
}

// urlPatterns records the parameters path(), re_path() and url() capture.
func (t *sqlTaint) urlPatterns(f *pysrc.File) {
	pysrc.Walk(f.Root, func(n *pysrc.Node) bool {
		if n.Kind() != "call" {
			return true
		}
		kind := sqlCallName(f, n)
		if kind != "path" && kind != "re_path" && kind != "url" {
			return true
		}
		route := sqlFirstString(f, n)
		if route == "" {
			return true
		}
		var view string
		if args := pysrc.Named(n.ChildByFieldName("arguments")); len(args) > 1 {
			view = sqlViewName(f, args[1], 0)
		}
		if kind == "path" {
			for _, m := range sqlPathParamRE().FindAllStringSubmatch(route, -1) {
				t.urls[m[2]] = append(t.urls[m[2]], sqlCapture{view: view, text: m[1] == "" || m[1] == "str" || m[1] == "path"})
			}
			return true
		}
		sqlRegexGroups(route, func(group, pattern string) {
			t.urls[group] = append(t.urls[group], sqlCapture{view: view, text: sqlTextPattern(pattern)})
		})
		return true
	})
}

// sqlViewName is the last name of the view a URL pattern routes to:
// views.search → "search", SearchView.as_view() → "SearchView",
// login_required(views.search) → "search"; "" for include().
func sqlViewName(f *pysrc.File, n *pysrc.Node, depth int) string {
	if n == nil || depth > 4 {
		return ""
	}
	switch n.Kind() {
	case "identifier":
		return f.Text(n)
	case "attribute":
		return f.Text(n.ChildByFieldName("attribute"))
	case "call":
		fn := n.ChildByFieldName("function")
		if fn == nil {
			return ""
		}
		switch sqlCallName(f, n) {
		case "include":
			return ""
		case "as_view":
			if fn.Kind() == "attribute" {
				return sqlViewName(f, fn.ChildByFieldName("object"), depth+1)
			}
		}
		return sqlViewName(f, sqlFirstArg(pysrc.Named(n.ChildByFieldName("arguments"))), depth+1)
	}
	return ""
}

var sqlPathParamRE = lazyre.New(`<(?:([A-Za-z_]\w*):)?([A-Za-z_]\w*)>`)

func sqlFirstString(f *pysrc.File, call *pysrc.Node) string {
	a := sqlFirstArg(pysrc.Named(call.ChildByFieldName("arguments")))
	if a == nil {
		return ""
	}
	var b strings.Builder
	parts := []*pysrc.Node{a}
	if a.Kind() == "concatenated_string" {
		parts = pysrc.Named(a)
	}
	for _, p := range parts {
		if p.Kind() != "string" {
			return ""
		}
		for _, c := range pysrc.Named(p) {
			if c.Kind() == "string_content" || c.Kind() == "escape_sequence" {
				b.WriteString(f.Text(c))
			}
		}
	}
	return b.String()
}

// sqlRegexGroups calls fn for each named group (?P<name>pattern) of a
// regular expression.
func sqlRegexGroups(re string, fn func(name, pattern string)) {
	for {
		i := strings.Index(re, "(?P<")
		if i < 0 {
			return
		}
		re = re[i+4:]
		j := strings.IndexByte(re, '>')
		if j < 0 {
			return
		}
		name := re[:j]
		body := re[j+1:]
		depth, end := 1, -1
		for k := 0; k < len(body) && end < 0; k++ {
			switch body[k] {
			case '\\':
				k++
			case '(':
				depth++
			case ')':
				if depth--; depth == 0 {
					end = k
				}
			}
		}
		if end < 0 {
			return
		}
		fn(name, body[:end])
		re = body[end:]
	}
}

// sqlTextPattern reports a regex that can match a quote or a space: one
// with `.`, a negated class, or \S, \W, \D, \s.
func sqlTextPattern(p string) bool {
	for k := 0; k < len(p); k++ {
		switch p[k] {
		case '\\':
			if k+1 < len(p) && strings.IndexByte("SWDs", p[k+1]) >= 0 {
				return true
			}
			k++
		case '.':
			if !sqlInClass(p, k) {
				return true
			}
		case '[':
			if k+1 < len(p) && p[k+1] == '^' {
				return true
			}
		}
	}
	return false
}

// sqlInClass reports whether position k of a regex sits inside [...].
func sqlInClass(p string, k int) bool {
	in := false
	for i := 0; i < k; i++ {
		switch p[i] {
		case '\\':
			i++
		case '[':
			in = true
		case ']':
			in = false
		}
	}
	return in
}
