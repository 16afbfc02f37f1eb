package checks

import (
	"bytes"
	"fmt"
	"path"
	"strings"

	"github.com/djsec/djsec/checks/pysrc"
	"github.com/djsec/djsec/checks/settings"
)

// DJS307 reads what a csrf_exempt view does. CsrfViewMiddleware only
// guards unsafe methods and a forged request never gets to read the
// response, so an exemption matters only where a cross-site POST makes the
// view change something. A view is reported when it takes an unsafe method,
// changes state on that path (callEffect), is not authenticated by
// something a browser does not attach by itself (a signature, a shared
// secret, a credential header or a secret URL with no session in play), and
// the exemption is read at all (dispatch only; Django REST framework and
// views that check a token themselves re-apply CSRF). The rule's Doc says
// the same for users. What djsec cannot see (a method of an object, an
// installed package) counts as changing nothing: an unknown is never a
// finding.

// csrfFollowDepth bounds how deep calls into the repository's own functions
// are followed: a view, its helper, the helper's helper.
const csrfFollowDepth = 3

// csrfTestOrMigration matches files the CSRF-exempt rule never reads.
func csrfTestOrMigration(fp string) bool {
	base := strings.ToLower(path.Base(fp))
	if strings.HasPrefix(base, "test_") || strings.HasSuffix(base, "_test.py") || base == "tests.py" || base == "conftest.py" {
		return true
	}
	for _, d := range strings.Split(path.Dir(fp), "/") {
		switch strings.ToLower(d) {
		case "tests", "test", "migrations":
			return true
		}
	}
	return false
}

// csrfViewLikePath matches modules named like views, URL confs or APIs.
func csrfViewLikePath(fp string) bool {
	parts := strings.Split(strings.ToLower(strings.TrimSuffix(fp, ".py")), "/")
	for _, part := range parts {
		for _, w := range []string{"view", "url", "api", "endpoint", "webhook"} {
			if strings.Contains(part, w) {
				return true
			}
		}
	}
	return false
}

// csrfExemptScan finds the csrf_exempt uses of one file.
type csrfExemptScan struct {
	f *pysrc.File
	// names are local names bound to django's csrf_exempt ("csrf_exempt",
	// or an alias from `import ... as`).
	names      map[string]bool
	fromDjango bool
	found      []csrfExemption
}

// csrfExemption is one use of csrf_exempt and what it exempts: a function
// view (fn), a class view's dispatch (cls, and fn when dispatch is defined
// there), or the argument of a csrf_exempt(...) call (target) to resolve.
type csrfExemption struct {
	pos    pysrc.Pos
	key    string
	how    string
	fn     *pysrc.Node
	cls    *pysrc.Node
	target *pysrc.Node
	// noop is set when Django never reads the exemption.
	noop bool
}

func (s *csrfExemptScan) readImports() {
	pysrc.Walk(s.f.Root, func(n *pysrc.Node) bool {
		switch n.Kind() {
		case "import_from_statement":
			mod := s.f.Text(n.ChildByFieldName("module_name"))
			names := pysrc.Named(n)
			if len(names) == 0 {
				return false
			}
			names = names[1:]
			if mod == "django.views.decorators" {
				// `from django.views.decorators import csrf`, then @csrf.csrf_exempt.
				for _, c := range names {
					if c.Kind() == "dotted_name" && s.f.Text(c) == "csrf" ||
						c.Kind() == "aliased_import" && s.f.Text(c.ChildByFieldName("name")) == "csrf" {
						s.fromDjango = true
					}
				}
				return false
			}
			if mod != "django.views.decorators.csrf" {
				return false
			}
			for _, c := range names {
				switch c.Kind() {
				case "dotted_name":
					if s.f.Text(c) == "csrf_exempt" {
						s.names["csrf_exempt"], s.fromDjango = true, true
					}
				case "aliased_import":
					if s.f.Text(c.ChildByFieldName("name")) == "csrf_exempt" {
						s.names[s.f.Text(c.ChildByFieldName("alias"))], s.fromDjango = true, true
					}
				case "wildcard_import":
					s.names["csrf_exempt"], s.fromDjango = true, true
				}
			}
			return false
		case "import_statement":
			if strings.Contains(s.f.Text(n), "django.views.decorators.csrf") {
				s.fromDjango = true
			}
			return false
		}
		return true
	})
}

// isExempt reports an expression naming csrf_exempt: a bound local name or
// an attribute ending in .csrf_exempt.
func (s *csrfExemptScan) isExempt(n *pysrc.Node) bool {
	if n == nil {
		return false
	}
	switch n.Kind() {
	case "identifier":
		return s.names[s.f.Text(n)]
	case "attribute":
		return s.f.Text(n.ChildByFieldName("attribute")) == "csrf_exempt"
	}
	return false
}

// qualifiedName is Class.method for a definition, from its enclosing
// classes and functions.
func (s *csrfExemptScan) qualifiedName(def *pysrc.Node) string {
	var parts []string
	for n := def; n != nil; n = n.Parent() {
		switch n.Kind() {
		case "function_definition", "class_definition":
			parts = append([]string{s.f.Text(n.ChildByFieldName("name"))}, parts...)
		}
	}
	return strings.Join(parts, ".")
}

// csrfHandlerNames are the methods View.dispatch calls for unsafe methods.
var csrfHandlerNames = map[string]bool{"post": true, "put": true, "patch": true, "delete": true}

// csrfIsHTTPHandler names a View method Django routes a request method to;
// csrf_exempt on one of them is never read.
func csrfIsHTTPHandler(name string) bool {
	return csrfHandlerNames[name] || name == "get" || name == "head" || name == "options" || name == "trace"
}

// enclosingClass returns the class a function is defined in directly.
func enclosingClass(fn *pysrc.Node) *pysrc.Node {
	p := fn.Parent()
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

func (s *csrfExemptScan) decorator(n *pysrc.Node) {
	named := pysrc.Named(n)
	if len(named) == 0 {
		return
	}
	expr := named[0]
	how := "@" + s.f.Text(expr)
	exempt := s.isExempt(expr)
	methodName := "" // method_decorator's name= argument
	if !exempt && expr.Kind() == "call" {
		fn := s.f.Text(expr.ChildByFieldName("function"))
		if fn == "method_decorator" || strings.HasSuffix(fn, ".method_decorator") {
			for i, a := range pysrc.Named(expr.ChildByFieldName("arguments")) {
				if a.Kind() == "keyword_argument" {
					if s.f.Text(a.ChildByFieldName("name")) == "name" {
						methodName, _ = csrfStr(s.f, a.ChildByFieldName("value"))
					}
					continue
				}
				if i != 0 {
					continue
				}
				exempt = s.isExempt(a)
				if k := a.Kind(); !exempt && (k == "list" || k == "tuple") {
					for _, e := range pysrc.Named(a) {
						exempt = exempt || s.isExempt(e)
					}
				}
			}
		}
	}
	if !exempt {
		return
	}
	dd := n.Parent()
	if dd == nil || dd.Kind() != "decorated_definition" {
		return
	}
	def := dd.ChildByFieldName("definition")
	name := s.qualifiedName(def)
	if name == "" {
		name = strings.TrimSpace(how) // a definition tree-sitter could not parse
	}
	u := csrfExemption{pos: pysrc.PosOf(n), key: name, how: strings.TrimSpace(how)}
	switch {
	case def == nil:
	case def.Kind() == "class_definition":
		switch {
		case methodName == "" || methodName == "dispatch":
			u.cls = def
		case csrfIsHTTPHandler(methodName):
			u.noop = true
		default:
			u.fn = csrfMethod(s.f, def, methodName)
			u.cls = def
		}
	case def.Kind() == "function_definition":
		u.fn = def
		fname := s.f.Text(def.ChildByFieldName("name"))
		if cls := enclosingClass(def); cls != nil {
			switch {
			case fname == "dispatch":
				u.cls = cls
			case csrfIsHTTPHandler(fname):
				// View.as_view copies attributes from dispatch alone.
				u.noop = true
			default:
				u.cls = cls // a method used as a view of its own
			}
		}
	}
	s.found = append(s.found, u)
}

func (s *csrfExemptScan) call(n *pysrc.Node) {
	if !s.isExempt(n.ChildByFieldName("function")) {
		return
	}
	args := pysrc.Named(n.ChildByFieldName("arguments"))
	if len(args) == 0 {
		return
	}
	target := strings.Join(strings.Fields(s.f.Text(args[0])), "")
	u := csrfExemption{pos: pysrc.PosOf(n), key: "csrf_exempt(" + target + ")", how: "csrf_exempt(" + target + ")", target: args[0]}
	// `return csrf_exempt(view)` inside a class's as_view exempts the class.
	for p := n.Parent(); p != nil; p = p.Parent() {
		if p.Kind() == "function_definition" {
			if s.f.Text(p.ChildByFieldName("name")) == "as_view" {
				u.cls, u.target = enclosingClass(p), nil
			}
			break
		}
	}
	s.found = append(s.found, u)
}

func (s *csrfExemptScan) scan() {
	pysrc.Walk(s.f.Root, func(n *pysrc.Node) bool {
		switch n.Kind() {
		case "decorator":
			s.decorator(n)
			return false
		case "call":
			s.call(n)
		}
		return true
	})
}

func checkCSRFExemptView(p *Project, r *Reporter) {
	ix := newCSRFIndex(p)
	defer ix.close()
	for _, fp := range p.Paths() {
		src := p.Files[fp]
		if !strings.HasSuffix(fp, ".py") || !bytes.Contains(src, []byte("csrf_exempt")) ||
			csrfTestOrMigration(fp) || IsSettingsCandidate(fp, src) {
			continue
		}
		m := ix.module(fp)
		if m == nil {
			continue
		}
		s := &csrfExemptScan{f: m.f, names: map[string]bool{}}
		s.readImports()
		viewLike := csrfViewLikePath(fp)
		if !s.fromDjango && !viewLike {
			continue
		}
		if viewLike {
			s.names["csrf_exempt"] = true
		}
		s.scan()
		for _, u := range s.found {
			if u.noop {
				continue
			}
			v, ok := ix.judge(m, u)
			if !ok {
				continue
			}
			r.Emit(ruleCSRFExemptView, nil, settings.Pos{Path: fp, Pos: u.pos}, u.key, v.message(u))
		}
	}
}

// csrfVerdict is why an exempt view is reported.
type csrfVerdict struct {
	name   string // the view or handler that changes state
	method string // POST, PUT, …
	facts  *csrfFacts
}

func (v csrfVerdict) message(u csrfExemption) string {
	who := ""
	if v.facts.identity != "" {
		who = " from a logged-in visitor (" + v.facts.identity + ")"
	}
	return fmt.Sprintf("%s is exempt from CSRF protection (%s) and, on a %s request%s, %s: any website can make a visitor's browser send that request with the visitor's cookies; remove the exemption and send the CSRF token, or, for a caller that is not a browser, verify a signature or a key the browser cannot send and suppress this finding with the reason",
		v.name, u.how, v.method, who, v.facts.effect)
}

// csrfFacts is what djsec sees a view (or a function it calls) do.
type csrfFacts struct {
	unsafe   string // the unsafe method it takes, "" when none is seen
	safeOnly bool   // restricted to safe methods by a decorator
	identity string // how it reads the visitor's cookies (session, user)
	effect   string // the first state change seen
	signed   bool   // verifies a signature
	keyed    bool   // reads a key or token a browser does not send by itself
	rechecks bool   // checks CSRF itself (Django REST framework, a manual check)
}

// merge adds what a decorator, a dispatch or a callee contributes.
func (f *csrfFacts) merge(o *csrfFacts) {
	if o == nil {
		return
	}
	if f.unsafe == "" {
		f.unsafe = o.unsafe
	}
	if f.identity == "" {
		f.identity = o.identity
	}
	if f.effect == "" {
		f.effect = o.effect
	}
	f.safeOnly = f.safeOnly || o.safeOnly
	f.signed = f.signed || o.signed
	f.keyed = f.keyed || o.keyed
	f.rechecks = f.rechecks || o.rechecks
}

// guarded reports a caller authenticated by something other than cookies.
func (f *csrfFacts) guarded() bool {
	return f.signed || f.keyed && f.identity == ""
}

// reportable applies the rule to the facts of one view.
func (f *csrfFacts) reportable() bool {
	return !f.rechecks && !f.safeOnly && f.unsafe != "" && f.effect != "" && !f.guarded()
}

// csrfIndex parses the repository's modules on demand, so that a view's
// decorators and helpers can be followed into the files that define them.
type csrfIndex struct {
	p    *Project
	mods map[string]*csrfModule
	memo map[*pysrc.Node]*csrfFacts
}

type csrfModule struct {
	path    string
	f       *pysrc.File
	defs    map[string]*pysrc.Node // module-level functions and classes
	imports map[string]csrfImport  // local name → where it comes from
	stars   []csrfImport
}

// csrfImport is one imported name: `from <dots><module> import <name>`, or
// a module itself (name "").
type csrfImport struct {
	dots   int
	module string
	name   string
}

func newCSRFIndex(p *Project) *csrfIndex {
	return &csrfIndex{p: p, mods: map[string]*csrfModule{}, memo: map[*pysrc.Node]*csrfFacts{}}
}

func (ix *csrfIndex) close() {
	for _, m := range ix.mods {
		if m != nil {
			m.f.Close()
		}
	}
}

// module parses a repository file once; nil when absent or unreadable.
func (ix *csrfIndex) module(fp string) *csrfModule {
	if m, ok := ix.mods[fp]; ok {
		return m
	}
	ix.mods[fp] = nil
	src, ok := ix.p.Files[fp]
	if !ok {
		return nil
	}
	f, err := pysrc.Parse(src)
	if err != nil {
		return nil
	}
	m := &csrfModule{path: fp, f: f, defs: map[string]*pysrc.Node{}, imports: map[string]csrfImport{}}
	for _, st := range pysrc.Named(f.Root) {
		def := st
		if def.Kind() == "decorated_definition" {
			def = def.ChildByFieldName("definition")
		}
		switch {
		case def == nil:
		case def.Kind() == "function_definition" || def.Kind() == "class_definition":
			m.defs[f.Text(def.ChildByFieldName("name"))] = def
		case st.Kind() == "import_from_statement":
			m.readFrom(st)
		case st.Kind() == "import_statement":
			m.readImport(st)
		}
	}
	ix.mods[fp] = m
	return m
}

func (m *csrfModule) readFrom(st *pysrc.Node) {
	dots, dotted, ok := importFromModule(m.f, st)
	if !ok {
		return
	}
	named := pysrc.Named(st)
	if len(named) == 0 {
		return
	}
	for _, c := range named[1:] {
		switch c.Kind() {
		case "dotted_name":
			n := m.f.Text(c)
			m.imports[n] = csrfImport{dots: dots, module: dotted, name: n}
		case "aliased_import":
			m.imports[m.f.Text(c.ChildByFieldName("alias"))] = csrfImport{dots: dots, module: dotted, name: m.f.Text(c.ChildByFieldName("name"))}
		case "wildcard_import":
			m.stars = append(m.stars, csrfImport{dots: dots, module: dotted})
		}
	}
}

func (m *csrfModule) readImport(st *pysrc.Node) {
	for _, c := range pysrc.Named(st) {
		switch c.Kind() {
		case "dotted_name":
			// `import a.b` binds a; only a module named alone is usable.
			if n := m.f.Text(c); !strings.Contains(n, ".") {
				m.imports[n] = csrfImport{module: n}
			}
		case "aliased_import":
			m.imports[m.f.Text(c.ChildByFieldName("alias"))] = csrfImport{module: m.f.Text(c.ChildByFieldName("name"))}
		}
	}
}

// moduleAt finds the repository file of a module imported from m.
func (ix *csrfIndex) moduleAt(m *csrfModule, dots int, dotted string) *csrfModule {
	var cands []string
	if dots > 0 {
		cands = relativeCandidates(m.path, dots, dotted)
	} else if dotted != "" {
		cands = absoluteCandidates(m.path, dotted)
	}
	for _, c := range cands {
		if _, ok := ix.p.Files[c]; ok {
			return ix.module(c)
		}
	}
	return nil
}

// resolve finds the definition a name refers to in m: a function or class
// of m, or one imported from another repository module (directly or
// through a star-import), following re-exports a few steps.
func (ix *csrfIndex) resolve(m *csrfModule, name string, depth int) (*csrfModule, *pysrc.Node) {
	if m == nil || depth > 4 {
		return nil, nil
	}
	if def, ok := m.defs[name]; ok {
		return m, def
	}
	if imp, ok := m.imports[name]; ok && imp.name != "" {
		if src := ix.moduleAt(m, imp.dots, imp.module); src != nil {
			if sm, def := ix.resolve(src, imp.name, depth+1); def != nil {
				return sm, def
			}
		}
		return nil, nil
	}
	for _, st := range m.stars {
		if src := ix.moduleAt(m, st.dots, st.module); src != nil && src != m {
			if sm, def := ix.resolve(src, name, depth+1); def != nil {
				return sm, def
			}
		}
	}
	return nil, nil
}

// resolveModule finds the repository module a local name is bound to:
// `import pkg.mod as name`, `from pkg import mod`, `from . import mod`.
func (ix *csrfIndex) resolveModule(m *csrfModule, name string) *csrfModule {
	imp, ok := m.imports[name]
	if !ok {
		return nil
	}
	if imp.name == "" {
		return ix.moduleAt(m, 0, imp.module)
	}
	sub := imp.name
	if imp.module != "" {
		sub = imp.module + "." + imp.name
	}
	return ix.moduleAt(m, imp.dots, sub)
}

// resolveExpr finds the definition an expression names: `name`,
// `module.name`, `Class.as_view(...)`.
func (ix *csrfIndex) resolveExpr(m *csrfModule, n *pysrc.Node) (*csrfModule, *pysrc.Node) {
	if n == nil {
		return nil, nil
	}
	switch n.Kind() {
	case "identifier":
		return ix.resolve(m, m.f.Text(n), 0)
	case "attribute":
		obj := n.ChildByFieldName("object")
		if obj != nil && obj.Kind() == "identifier" {
			if sm := ix.resolveModule(m, m.f.Text(obj)); sm != nil {
				return ix.resolve(sm, m.f.Text(n.ChildByFieldName("attribute")), 0)
			}
		}
	case "call":
		fn := n.ChildByFieldName("function")
		if fn != nil && fn.Kind() == "attribute" && m.f.Text(fn.ChildByFieldName("attribute")) == "as_view" {
			return ix.resolveExpr(m, fn.ChildByFieldName("object"))
		}
	}
	return nil, nil
}

// judge decides whether an exemption is reported.
func (ix *csrfIndex) judge(m *csrfModule, u csrfExemption) (csrfVerdict, bool) {
	if u.target != nil {
		tm, def := ix.resolveExpr(m, u.target)
		if def == nil {
			if what := csrfDjangoAuthView(m, u.target); what != "" {
				return csrfVerdict{name: u.key[len("csrf_exempt(") : len(u.key)-1], method: "POST",
					facts: &csrfFacts{effect: what}}, true
			}
			return csrfVerdict{}, false // a view djsec cannot read
		}
		m = tm
		if def.Kind() == "class_definition" {
			u.cls = def
		} else {
			u.fn = def
		}
	}
	switch {
	case u.cls != nil && (u.fn == nil || m.f.Text(u.fn.ChildByFieldName("name")) == "dispatch"):
		return ix.judgeClass(m, u.cls, u.fn)
	case u.fn != nil:
		f := ix.viewFacts(m, u.fn, u.cls)
		if !f.reportable() {
			return csrfVerdict{}, false
		}
		return csrfVerdict{name: m.f.Text(u.fn.ChildByFieldName("name")), method: f.unsafe, facts: f}, true
	}
	return csrfVerdict{}, false
}

// csrfAuthViews are the views of django.contrib.auth that change state on
// POST (class-based, and the function views before Django 2.1).
var csrfAuthViews = map[string]string{
	"LoginView": "logs a user in", "login": "logs a user in",
	"LogoutView": "logs the visitor out", "logout": "logs the visitor out",
	"PasswordChangeView": "changes the visitor's password", "password_change": "changes the visitor's password",
	"PasswordResetView": "sends password-reset mail", "password_reset": "sends password-reset mail",
	"PasswordResetConfirmView": "sets a new password", "password_reset_confirm": "sets a new password",
}

// csrfDjangoAuthView names what a view of django.contrib.auth.views wrapped
// in csrf_exempt(...) changes: auth_views.LoginView.as_view(), LoginView,
// login.
func csrfDjangoAuthView(m *csrfModule, n *pysrc.Node) string {
	if n.Kind() == "call" {
		if fn := n.ChildByFieldName("function"); fn != nil && fn.Kind() == "attribute" && m.f.Text(fn.ChildByFieldName("attribute")) == "as_view" {
			n = fn.ChildByFieldName("object")
		}
	}
	var name string
	switch n.Kind() {
	case "identifier":
		imp, ok := m.imports[m.f.Text(n)]
		if !ok || imp.dots > 0 || imp.module != "django.contrib.auth.views" {
			return ""
		}
		name = imp.name
	case "attribute":
		obj := n.ChildByFieldName("object")
		if obj == nil || obj.Kind() != "identifier" {
			return ""
		}
		imp, ok := m.imports[m.f.Text(obj)]
		if !ok || imp.dots > 0 || !(imp.module == "django.contrib.auth" && imp.name == "views" || imp.module == "django.contrib.auth.views" && imp.name == "") {
			return ""
		}
		name = m.f.Text(n.ChildByFieldName("attribute"))
	}
	if what, ok := csrfAuthViews[name]; ok {
		return what + " (django.contrib.auth.views." + name + ")"
	}
	return ""
}

// csrfDRFBases are Django REST framework classes whose as_view exempts the
// view and whose SessionAuthentication enforces CSRF itself.
func csrfDRFBase(name string) bool {
	return strings.HasSuffix(name, "APIView") || strings.HasSuffix(name, "ViewSet") || name == "ViewSetMixin"
}

// csrfAuthMixin names Django's (and django-braces') mixins that require a
// logged-in user.
func csrfAuthMixin(name string) bool {
	return strings.HasSuffix(name, "RequiredMixin") || name == "UserPassesTestMixin" || name == "AccessMixin"
}

// classChain lists a class and the bases djsec can read, nearest first,
// with the names of the bases it cannot (those of installed packages).
func (ix *csrfIndex) classChain(m *csrfModule, cls *pysrc.Node) (chain []csrfDef, external []string) {
	seen := map[*pysrc.Node]bool{}
	var walk func(m *csrfModule, c *pysrc.Node, depth int)
	walk = func(m *csrfModule, c *pysrc.Node, depth int) {
		if c == nil || seen[c] || depth > 5 {
			return
		}
		seen[c] = true
		chain = append(chain, csrfDef{m, c})
		for _, b := range pysrc.Named(c.ChildByFieldName("superclasses")) {
			if b.Kind() == "keyword_argument" {
				continue
			}
			if bm, def := ix.resolveExpr(m, b); def != nil && def.Kind() == "class_definition" {
				walk(bm, def, depth+1)
			} else {
				external = append(external, csrfLastName(m.f, b))
			}
		}
	}
	walk(m, cls, 0)
	return chain, external
}

type csrfDef struct {
	m   *csrfModule
	def *pysrc.Node
}

// csrfMethod returns a method defined in a class body.
func csrfMethod(f *pysrc.File, cls *pysrc.Node, name string) *pysrc.Node {
	for _, st := range pysrc.Named(cls.ChildByFieldName("body")) {
		def := st
		if def.Kind() == "decorated_definition" {
			def = def.ChildByFieldName("definition")
		}
		if def != nil && def.Kind() == "function_definition" && f.Text(def.ChildByFieldName("name")) == name {
			return def
		}
	}
	return nil
}

// judgeClass reads a class view whose dispatch is exempt: its handlers for
// unsafe methods (in the class, its readable bases, and the module's
// subclasses of it, which inherit the exemption), with what the dispatch
// and the class's decorators and mixins add.
func (ix *csrfIndex) judgeClass(m *csrfModule, cls, dispatch *pysrc.Node) (csrfVerdict, bool) {
	chain, bases := ix.classChain(m, cls)
	common := &csrfFacts{}
	for _, b := range bases {
		switch {
		case csrfDRFBase(b):
			common.rechecks = true
		case csrfAuthMixin(b):
			common.identity = "inherits " + b
		}
	}
	for _, c := range chain {
		common.merge(ix.decoratorFacts(c.m, c.def))
		if d := csrfMethod(c.m.f, c.def, "dispatch"); d != nil {
			if csrfCallsDRFInit(c.m.f, d) {
				common.rechecks = true
			}
			if dispatch == nil {
				dispatch = d
			}
		}
	}
	if common.rechecks || common.safeOnly {
		return csrfVerdict{}, false
	}
	if dispatch != nil {
		dm := m
		for _, c := range chain {
			if csrfMethod(c.m.f, c.def, "dispatch") == dispatch {
				dm = c.m
			}
		}
		df := ix.viewFacts(dm, dispatch, cls)
		common.signed = common.signed || df.signed
		common.keyed = common.keyed || df.keyed
		if common.identity == "" {
			common.identity = df.identity
		}
		if df.rechecks {
			return csrfVerdict{}, false
		}
		if f := *df; f.unsafe != "" && f.effect != "" {
			f.merge(common)
			if f.reportable() {
				return csrfVerdict{name: ix.qualName(dm, dispatch), method: f.unsafe, facts: &f}, true
			}
		}
	}
	// Handlers: the class and its bases, then subclasses in the same module.
	classes := chain
	for _, d := range m.defs {
		if d.Kind() == "class_definition" && d != cls && ix.inherits(m, d, cls) {
			classes = append(classes, csrfDef{m, d})
		}
	}
	for _, c := range classes {
		for _, h := range []string{"post", "put", "patch", "delete"} {
			fn := csrfMethod(c.m.f, c.def, h)
			if fn == nil {
				continue
			}
			f := *ix.viewFacts(c.m, fn, c.def)
			f.merge(common)
			if f.unsafe == "" {
				f.unsafe = strings.ToUpper(h)
			}
			if f.reportable() {
				return csrfVerdict{name: ix.qualName(c.m, fn), method: f.unsafe, facts: &f}, true
			}
		}
	}
	return csrfVerdict{}, false
}

// inherits reports whether class d derives from class base, through the
// bases djsec can read.
func (ix *csrfIndex) inherits(m *csrfModule, d, base *pysrc.Node) bool {
	chain, _ := ix.classChain(m, d)
	for _, c := range chain[1:] {
		if c.def == base {
			return true
		}
	}
	return false
}

func (ix *csrfIndex) qualName(m *csrfModule, fn *pysrc.Node) string {
	name := m.f.Text(fn.ChildByFieldName("name"))
	if cls := enclosingClass(fn); cls != nil {
		return m.f.Text(cls.ChildByFieldName("name")) + "." + name
	}
	return name
}

// csrfCallsDRFInit matches a dispatch written like Django REST framework's
// APIView.dispatch, which wraps the request and runs the authentication
// classes (SessionAuthentication enforces CSRF) before any handler.
func csrfCallsDRFInit(f *pysrc.File, fn *pysrc.Node) bool {
	var init, initial bool
	pysrc.Walk(fn.ChildByFieldName("body"), func(n *pysrc.Node) bool {
		if n.Kind() == "call" {
			switch f.Text(n.ChildByFieldName("function")) {
			case "self.initialize_request":
				init = true
			case "self.initial":
				initial = true
			}
		}
		return true
	})
	return init && initial
}

// csrfLastName is the last segment of a dotted name or call: "View" for
// generic.View, "login_required" for login_required(...).
func csrfLastName(f *pysrc.File, n *pysrc.Node) string {
	for n != nil {
		switch n.Kind() {
		case "identifier":
			return f.Text(n)
		case "attribute":
			return f.Text(n.ChildByFieldName("attribute"))
		case "call":
			n = n.ChildByFieldName("function")
		case "subscript":
			n = n.ChildByFieldName("value")
		default:
			return ""
		}
	}
	return ""
}

// csrfStr decodes a plain string literal.
func csrfStr(f *pysrc.File, n *pysrc.Node) (string, bool) {
	if n == nil || n.Kind() != "string" {
		return "", false
	}
	var b strings.Builder
	for _, c := range pysrc.Named(n) {
		switch c.Kind() {
		case "string_content":
			b.WriteString(f.Text(c))
		case "interpolation":
			return "", false
		}
	}
	return b.String(), true
}

// csrfStrings lists the string literals in an expression (a literal, a
// tuple, list or set of them).
func csrfStrings(f *pysrc.File, n *pysrc.Node) []string {
	var out []string
	pysrc.Walk(n, func(c *pysrc.Node) bool {
		if s, ok := csrfStr(f, c); ok {
			out = append(out, s)
			return false
		}
		return true
	})
	return out
}

func csrfUnsafeMethod(s string) bool {
	switch strings.ToUpper(s) {
	case "POST", "PUT", "PATCH", "DELETE":
		return true
	}
	return false
}

// decoratorFacts reads a definition's decorators: Django's method
// restrictions and login decorators, DRF's api_view, and the repository's
// own decorators, read for how they authenticate the request.
func (ix *csrfIndex) decoratorFacts(m *csrfModule, def *pysrc.Node) *csrfFacts {
	f := &csrfFacts{}
	dd := def.Parent()
	if dd == nil || dd.Kind() != "decorated_definition" {
		return f
	}
	for _, d := range pysrc.Named(dd) {
		if d.Kind() != "decorator" {
			continue
		}
		named := pysrc.Named(d)
		if len(named) == 0 {
			continue
		}
		exprs := []*pysrc.Node{named[0]}
		if named[0].Kind() == "call" && csrfLastName(m.f, named[0].ChildByFieldName("function")) == "method_decorator" {
			exprs = nil
			if args := pysrc.Named(named[0].ChildByFieldName("arguments")); len(args) > 0 {
				if k := args[0].Kind(); k == "list" || k == "tuple" {
					exprs = pysrc.Named(args[0])
				} else {
					exprs = args[:1]
				}
			}
		}
		for _, e := range exprs {
			f.merge(ix.oneDecorator(m, e))
		}
	}
	return f
}

func (ix *csrfIndex) oneDecorator(m *csrfModule, e *pysrc.Node) *csrfFacts {
	f := &csrfFacts{}
	name := csrfLastName(m.f, e)
	switch name {
	case "", "csrf_exempt":
	case "require_POST":
		f.unsafe = "POST"
	case "require_GET", "require_safe":
		f.safeOnly = true
	case "require_http_methods":
		var methods []string
		if e.Kind() == "call" {
			methods = csrfStrings(m.f, e.ChildByFieldName("arguments"))
		}
		f.safeOnly = len(methods) > 0
		for _, s := range methods {
			if csrfUnsafeMethod(s) {
				f.unsafe, f.safeOnly = strings.ToUpper(s), false
				break
			}
		}
	case "login_required", "permission_required", "user_passes_test", "staff_member_required", "superuser_required":
		f.identity = "@" + name
	case "api_view":
		f.rechecks = true
	default:
		fn := e
		if fn.Kind() == "call" {
			fn = fn.ChildByFieldName("function")
		}
		dm, def := ix.resolveExpr(m, fn)
		if def == nil || def.Kind() != "function_definition" {
			break
		}
		// A decorator of the repository: how it authenticates the
		// request, not what it changes (that is often logging).
		df := ix.bodyFacts(dm, def, nil, false, csrfFollowDepth)
		f.signed, f.keyed, f.rechecks = df.signed, df.keyed, df.rechecks
		if df.identity != "" {
			f.identity = "@" + name
		}
	}
	return f
}

// viewFacts reads a view function (or handler method): its decorators and
// what its body does outside branches taken on safe methods only.
func (ix *csrfIndex) viewFacts(m *csrfModule, fn, cls *pysrc.Node) *csrfFacts {
	f := ix.decoratorFacts(m, fn)
	body := ix.bodyFacts(m, fn, cls, true, 0)
	f.merge(body)
	// A secret in the URL: a UUID or token-like argument the view looks its
	// object up by.
	if secrets := csrfSecretParams(m.f, fn); len(secrets) > 0 {
		pysrc.Walk(fn.ChildByFieldName("body"), func(n *pysrc.Node) bool {
			if n.Kind() == "keyword_argument" {
				if v := n.ChildByFieldName("value"); v != nil && v.Kind() == "identifier" && secrets[m.f.Text(v)] {
					f.keyed = true
				}
			}
			return !f.keyed
		})
	}
	return f
}

// csrfSecretParams lists a view's URL arguments that look like secrets:
// annotated UUID, or named token, key, code, secret, signature, hash or
// with one of those as a suffix.
func csrfSecretParams(f *pysrc.File, fn *pysrc.Node) map[string]bool {
	out := map[string]bool{}
	for i, p := range pysrc.Named(fn.ChildByFieldName("parameters")) {
		var name, typ string
		switch p.Kind() {
		case "identifier":
			name = f.Text(p)
		case "typed_parameter":
			if ids := pysrc.Named(p); len(ids) > 0 {
				name = f.Text(ids[0])
			}
			typ = f.Text(p.ChildByFieldName("type"))
		case "default_parameter", "typed_default_parameter":
			name = f.Text(p.ChildByFieldName("name"))
			typ = f.Text(p.ChildByFieldName("type"))
		}
		if i == 0 || name == "" || name == "self" || name == "request" {
			continue
		}
		if typ == "UUID" || typ == "uuid.UUID" || csrfSecretName(name) {
			out[name] = true
		}
	}
	return out
}

func csrfSecretName(name string) bool {
	name = strings.ToLower(name)
	if strings.Contains(name, "csrf") {
		return false
	}
	for _, w := range []string{"token", "key", "code", "secret", "signature", "sig", "hash", "uuid", "nonce"} {
		if name == w || strings.HasSuffix(name, "_"+w) {
			return true
		}
	}
	for _, w := range []string{"token", "secret", "signature", "uuid", "nonce", "apikey"} {
		if strings.HasSuffix(name, w) {
			return true
		}
	}
	return false
}

// bodyFacts reads a function body. pathSensitive leaves out the branches
// taken only on GET/HEAD/OPTIONS (for the view itself; a helper is read
// whole). depth counts the calls followed so far.
func (ix *csrfIndex) bodyFacts(m *csrfModule, fn, cls *pysrc.Node, pathSensitive bool, depth int) *csrfFacts {
	if !pathSensitive {
		if f, ok := ix.memo[fn]; ok {
			if f == nil {
				return &csrfFacts{} // a call cycle
			}
			return f
		}
		ix.memo[fn] = nil
	}
	w := &csrfWalk{ix: ix, m: m, f: m.f, cls: cls, depth: depth, pathSensitive: pathSensitive,
		facts: &csrfFacts{}, requests: csrfRequestNames(m.f, fn), mails: map[string]bool{}, tainted: map[string]bool{}, sessionVars: map[string]bool{}, subprocess: map[string]bool{}}
	for name, imp := range m.imports {
		if imp.module == "subprocess" && imp.name != "" {
			w.subprocess[name] = true
		}
	}
	w.walk(fn.ChildByFieldName("body"))
	if !pathSensitive {
		ix.memo[fn] = w.facts
	}
	return w.facts
}

// csrfRequestNames are the names the request goes by in a function: its
// first parameter after self, and the usual spellings.
func csrfRequestNames(f *pysrc.File, fn *pysrc.Node) map[string]bool {
	out := map[string]bool{"request": true, "req": true}
	for _, p := range pysrc.Named(fn.ChildByFieldName("parameters")) {
		var name string
		switch p.Kind() {
		case "identifier":
			name = f.Text(p)
		case "typed_parameter":
			if ids := pysrc.Named(p); len(ids) > 0 {
				name = f.Text(ids[0])
			}
		}
		if name == "self" || name == "cls" {
			continue
		}
		if name != "" {
			out[name] = true
		}
		break
	}
	return out
}

type csrfWalk struct {
	ix            *csrfIndex
	m             *csrfModule
	f             *pysrc.File
	cls           *pysrc.Node
	depth         int
	pathSensitive bool
	facts         *csrfFacts
	requests      map[string]bool
	mails         map[string]bool // locals holding an EmailMessage
	tainted       map[string]bool // locals assigned from the request
	sessionVars   map[string]bool // locals assigned from the session
	subprocess    map[string]bool // names imported from subprocess
	// userReplaced: the view set request.user itself (to the owner of a
	// webhook it looked up), so later reads are not the visitor's identity.
	userReplaced bool
}

// isRequest matches the request object: request, or self.request.
func (w *csrfWalk) isRequest(n *pysrc.Node) bool {
	if n == nil {
		return false
	}
	switch n.Kind() {
	case "identifier":
		return w.requests[w.f.Text(n)]
	case "attribute":
		return w.f.Text(n) == "self.request"
	}
	return false
}

// requestPart returns the attribute of the request an expression reads
// (request.POST → "POST"), or "".
func (w *csrfWalk) requestPart(n *pysrc.Node) string {
	if n == nil || n.Kind() != "attribute" || !w.isRequest(n.ChildByFieldName("object")) {
		return ""
	}
	return w.f.Text(n.ChildByFieldName("attribute"))
}

// effect records the first state change seen: what it does, and the call
// (or statement) that does it.
func (w *csrfWalk) effect(what string, n *pysrc.Node) {
	if w.facts.effect != "" {
		return
	}
	at := strings.Join(strings.Fields(w.f.Text(n)), "")
	if n.Kind() == "call" {
		at = strings.Join(strings.Fields(w.f.Text(n.ChildByFieldName("function"))), "") + "(...)"
	}
	if len(at) > 60 {
		at = at[:57] + "..."
	}
	w.facts.effect = what + " (" + at + ")"
}

func (w *csrfWalk) walk(n *pysrc.Node) {
	pysrc.Walk(n, func(n *pysrc.Node) bool {
		switch n.Kind() {
		case "if_statement", "elif_clause":
			if w.pathSensitive && w.safeMethodTest(n.ChildByFieldName("condition")) {
				// Walk the condition and the other branches, not the GET one.
				for i := uint(0); i < n.ChildCount(); i++ {
					c := n.Child(i)
					if c != n.ChildByFieldName("consequence") {
						w.walk(c)
					}
				}
				return false
			}
		case "comparison_operator":
			w.comparison(n)
		case "attribute":
			w.attribute(n)
		case "subscript":
			w.keyRead(n.ChildByFieldName("value"), n.ChildByFieldName("subscript"))
		case "call":
			w.call(n)
		case "assignment":
			w.assignment(n)
		case "delete_statement":
			for _, t := range pysrc.Named(n) {
				if t.Kind() == "subscript" && w.requestPart(t.ChildByFieldName("value")) == "session" {
					w.effect("changes the session", n)
				}
			}
		case "except_clause":
			for _, c := range pysrc.Named(n) {
				if c.Kind() != "block" && strings.Contains(w.f.Text(c), "Signature") {
					w.facts.signed = true
				}
			}
		}
		return true
	})
}

// methodExpr matches request.method, also .upper()/.lower() of it.
func (w *csrfWalk) methodExpr(n *pysrc.Node) bool {
	for n != nil && n.Kind() == "call" {
		fn := n.ChildByFieldName("function")
		if fn == nil || fn.Kind() != "attribute" {
			return false
		}
		n = fn.ChildByFieldName("object")
	}
	return w.requestPart(n) == "method"
}

// compareOp splits a two-operand comparison into its operator and
// operands.
func (w *csrfWalk) compareOp(n *pysrc.Node) (op string, left, right *pysrc.Node, ok bool) {
	if n == nil || n.Kind() != "comparison_operator" {
		return "", nil, nil, false
	}
	named := pysrc.Named(n)
	if len(named) < 2 {
		return "", nil, nil, false
	}
	left, right = named[0], named[len(named)-1]
	op = strings.Join(strings.Fields(string(w.f.Src[left.EndByte():right.StartByte()])), " ")
	switch op {
	case "==", "!=", "in", "not in":
		return op, left, right, true
	}
	return "", nil, nil, false
}

// safeOnlyLiterals reports an expression naming only safe methods
// ("GET", or ("GET", "HEAD")).
func (w *csrfWalk) safeOnlyLiterals(n *pysrc.Node) bool {
	lits := csrfStrings(w.f, n)
	for _, s := range lits {
		switch strings.ToUpper(s) {
		case "GET", "HEAD", "OPTIONS":
		default:
			return false
		}
	}
	return len(lits) > 0
}

// safeMethodTest matches a condition true only for safe methods:
// request.method == "GET", or in ("GET", "HEAD").
func (w *csrfWalk) safeMethodTest(cond *pysrc.Node) bool {
	op, left, right, ok := w.compareOp(cond)
	return ok && (op == "==" || op == "in") && w.methodExpr(left) && w.safeOnlyLiterals(right)
}

func (w *csrfWalk) comparison(n *pysrc.Node) {
	op, left, right, ok := w.compareOp(n)
	if ok && (w.methodExpr(left) || w.methodExpr(right)) {
		other := right
		if w.methodExpr(right) {
			other = left
		}
		for _, s := range csrfStrings(w.f, other) {
			if csrfUnsafeMethod(s) && w.facts.unsafe == "" {
				w.facts.unsafe = strings.ToUpper(s)
			}
		}
		// request.method != "GET": what follows runs on POST.
		if (op == "!=" || op == "not in") && w.safeOnlyLiterals(other) && w.facts.unsafe == "" {
			w.facts.unsafe = "POST"
		}
		return
	}
	// "X-Api-Key" in request.headers
	if ok && (op == "in" || op == "not in") {
		if s, isStr := csrfStr(w.f, left); isStr {
			w.keyName(right, s)
		}
	}
	// A value of the request compared with one kept in the session (an
	// OAuth state, a one-time ticket): a CSRF token under another name.
	if ok && (w.fromData(left) && w.fromSession(right) || w.fromData(right) && w.fromSession(left)) {
		w.facts.rechecks = true
	}
	// A value of the request compared with a secret of the deployment: a
	// shared secret the forging site does not know.
	if ok && (op == "==" || op == "!=") &&
		(w.fromRequest(left) && csrfConfigured(w.f, right) || w.fromRequest(right) && csrfConfigured(w.f, left)) {
		w.facts.signed = true
	}
}

// fromRequest reports an expression that reads the request, directly or
// through a local assigned from it.
func (w *csrfWalk) fromRequest(n *pysrc.Node) bool {
	found := false
	pysrc.Walk(n, func(c *pysrc.Node) bool {
		if found {
			return false
		}
		if c.Kind() == "identifier" && (w.requests[w.f.Text(c)] || w.tainted[w.f.Text(c)]) || w.isRequest(c) {
			found = true
		}
		return true
	})
	return found
}

// fromSession reports an expression that reads the session, directly or
// through a local assigned from it.
func (w *csrfWalk) fromSession(n *pysrc.Node) bool {
	found := false
	pysrc.Walk(n, func(c *pysrc.Node) bool {
		if c.Kind() == "identifier" && w.sessionVars[w.f.Text(c)] || w.requestPart(c) == "session" {
			found = true
		}
		return !found
	})
	return found
}

// fromData reports an expression that reads what the request sends, not
// what the session holds.
func (w *csrfWalk) fromData(n *pysrc.Node) bool {
	return w.fromRequest(n) && !w.fromSession(n)
}

// csrfConfigured matches a value from the settings or the environment.
func csrfConfigured(f *pysrc.File, n *pysrc.Node) bool {
	t := f.Text(n)
	return strings.HasPrefix(t, "settings.") || strings.Contains(t, "getattr(settings") ||
		strings.Contains(t, "environ") || strings.Contains(t, "getenv")
}

func (w *csrfWalk) attribute(n *pysrc.Node) {
	switch part := w.requestPart(n); part {
	case "POST", "FILES", "body", "data", "stream":
		if w.facts.unsafe == "" && w.depth == 0 {
			w.facts.unsafe = "POST"
		}
	case "user", "session", "COOKIES":
		if part == "user" && w.userReplaced {
			return
		}
		if w.facts.identity == "" {
			w.facts.identity = "reads request." + part
		}
	}
}

// keyRead judges container[key]: a credential read from the headers or
// the request data.
func (w *csrfWalk) keyRead(container, key *pysrc.Node) {
	if s, ok := csrfStr(w.f, key); ok {
		w.keyName(container, s)
	}
}

// keyName judges a key looked up in a request container. Only headers
// count: a browser cannot add a credential header to a cross-site request,
// while a form field is whatever the forged form says, and its name does not
// tell a secret from, say, a device token.
func (w *csrfWalk) keyName(container *pysrc.Node, key string) {
	switch w.requestPart(container) {
	case "headers", "META":
		if csrfCredentialHeader(key) {
			w.facts.keyed = true
		}
	}
}

// csrfCredentialHeader matches headers that carry a credential; browsers
// send none of them cross-site without a CORS preflight the site allows.
func csrfCredentialHeader(h string) bool {
	h = strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(strings.ToUpper(h), "HTTP_"), "_", "-"))
	if strings.Contains(h, "csrf") {
		return false
	}
	if h == "authorization" {
		return true
	}
	for _, w := range []string{"key", "token", "signature", "secret", "hmac"} {
		if strings.HasSuffix(h, "-"+w) || strings.Contains(h, "-"+w+"-") {
			return true
		}
	}
	return false
}

func (w *csrfWalk) assignment(n *pysrc.Node) {
	left, right := n.ChildByFieldName("left"), n.ChildByFieldName("right")
	if left != nil && left.Kind() == "subscript" && w.requestPart(left.ChildByFieldName("value")) == "session" {
		w.effect("writes the session", n)
	}
	if left != nil && left.Kind() == "attribute" && w.requestPart(left) == "user" {
		w.userReplaced = true
	}
	if left != nil && left.Kind() == "identifier" && right != nil && w.fromRequest(right) {
		if w.fromSession(right) {
			w.sessionVars[w.f.Text(left)] = true
		} else {
			w.tainted[w.f.Text(left)] = true
		}
	}
	if left != nil && left.Kind() == "identifier" && right != nil && right.Kind() == "call" {
		if c := csrfLastName(w.f, right.ChildByFieldName("function")); strings.Contains(c, "Email") || strings.Contains(c, "Mail") {
			w.mails[w.f.Text(left)] = true
		}
	}
}

// csrfDBWrites are model and queryset methods that write.
var csrfDBWrites = map[string]bool{
	"save": true, "delete": true, "create": true, "bulk_create": true, "bulk_update": true,
	"get_or_create": true, "update_or_create": true, "set_password": true, "set_unusable_password": true,
}

var csrfMailCalls = map[string]bool{
	"send_mail": true, "send_mass_mail": true, "mail_admins": true, "mail_managers": true,
	"email_user": true, "send_messages": true,
}

func (w *csrfWalk) call(n *pysrc.Node) {
	fn := n.ChildByFieldName("function")
	args := n.ChildByFieldName("arguments")
	if fn == nil {
		return
	}
	name := csrfLastName(w.f, fn)
	obj := ""
	var objNode *pysrc.Node
	if fn.Kind() == "attribute" {
		objNode = fn.ChildByFieldName("object")
		obj = w.f.Text(objNode)
	}
	// request.POST.get("api_key"), request.headers.get("Authorization")
	if name == "get" && objNode != nil {
		if a := pysrc.Named(args); len(a) > 0 {
			w.keyRead(objNode, a[0])
		}
	}
	if w.requestPart(objNode) == "session" {
		switch name {
		case "flush", "cycle_key", "clear", "pop", "update", "setdefault", "set_expiry":
			w.effect("changes the session", n)
		}
	}
	if w.requestPart(fn) == "read" && w.facts.unsafe == "" && w.depth == 0 {
		w.facts.unsafe = "POST"
	}
	w.signature(name, obj)
	// CsrfViewMiddleware(...).process_view(request, ...), DRF's
	// enforce_csrf or CSRFCheck: the view checks the token itself.
	if name == "enforce_csrf" || name == "CSRFCheck" || name == "process_view" && strings.Contains(obj, "Csrf") {
		w.facts.rechecks = true
	}
	if what := w.callEffect(n, fn, args, name, obj); what != "" {
		w.effect(what, n)
		return
	}
	w.follow(n, fn, name)
}

// signature recognises calls that verify a signature or compare a secret.
func (w *csrfWalk) signature(name, obj string) {
	l := strings.ToLower(name)
	switch {
	case l == "compare_digest" || l == "constant_time_compare" || l == "construct_event",
		strings.Contains(l, "signature"), strings.Contains(l, "verify"), strings.HasPrefix(l, "unsign"),
		(l == "loads" || l == "load") && (obj == "signing" || strings.HasSuffix(obj, ".signing")),
		obj == "hmac":
		w.facts.signed = true
	}
}

// callEffect names the state change a call makes, "" for none known.
func (w *csrfWalk) callEffect(n, fn, args *pysrc.Node, name, obj string) string {
	pos, kw := csrfArgs(w.f, args)
	switch {
	case name == "eval" || name == "exec":
		return "evaluates code"
	case obj == "subprocess" || fn.Kind() == "identifier" && w.subprocess[name]:
		return "runs a command"
	case obj == "os" && (name == "system" || name == "popen" || strings.HasPrefix(name, "exec") || strings.HasPrefix(name, "spawn")):
		return "runs a command"
	case obj == "os" && (name == "remove" || name == "unlink" || name == "rename" || name == "replace" || name == "rmdir" ||
		name == "removedirs" || name == "makedirs" || name == "mkdir"),
		obj == "shutil" && name != "which" && name != "disk_usage":
		return "changes files on the server"
	case (obj == "pickle" || obj == "cPickle" || obj == "_pickle" || obj == "dill" || obj == "marshal") && (name == "load" || name == "loads"):
		return "unpickles data, which runs code"
	case obj == "yaml" && (name == "unsafe_load" || name == "unsafe_load_all" || name == "full_load"):
		return "loads YAML objects, which runs code"
	case obj == "yaml" && (name == "load" || name == "load_all"):
		loader := kw["Loader"]
		if loader == nil && len(pos) > 1 {
			loader = pos[1]
		}
		if loader == nil || !strings.Contains(w.f.Text(loader), "Safe") {
			return "loads YAML objects, which runs code"
		}
	case name == "call_command":
		return "runs a management command"
	case name == "open" && obj != "os" && csrfWriteMode(w.f, pos, kw):
		return "writes a file on the server"
	case name == "write_text" || name == "write_bytes":
		return "writes a file on the server"
	case fn.Kind() == "attribute" && csrfDBWrites[name] && w.requestPart(objNode(fn)) != "session":
		return "writes to the database"
	case fn.Kind() == "attribute" && name == "update" && w.requestPart(objNode(fn)) != "session" &&
		(len(pos) == 0 && len(kw) > 0 || strings.Contains(obj, ".objects") || strings.Contains(obj, "filter(")):
		return "writes to the database"
	case name == "execute" || name == "executemany":
		if len(pos) > 0 {
			if s, ok := csrfStr(w.f, pos[0]); ok && csrfSQLWrite(s) {
				return "writes to the database"
			}
		}
	case name == "login" || name == "logout" || name == "update_session_auth_hash":
		if len(pos) > 0 && w.isRequest(pos[0]) {
			return "changes who is logged in"
		}
	case csrfMailCalls[name]:
		return "sends mail"
	case name == "send" && fn.Kind() == "attribute":
		o := objNode(fn)
		if o.Kind() == "identifier" && w.mails[w.f.Text(o)] ||
			o.Kind() == "call" && (strings.Contains(csrfLastName(w.f, o), "Email") || strings.Contains(csrfLastName(w.f, o), "Mail")) {
			return "sends mail"
		}
	}
	return ""
}

// csrfWriteMode reports an open() whose mode writes: mode= or a short
// literal among the first two arguments (open(path, "w"), path.open("a")).
func csrfWriteMode(f *pysrc.File, pos []*pysrc.Node, kw map[string]*pysrc.Node) bool {
	cands := []*pysrc.Node{kw["mode"]}
	if len(pos) > 2 {
		pos = pos[:2]
	}
	cands = append(cands, pos...)
	for _, c := range cands {
		s, ok := csrfStr(f, c)
		if ok && len(s) <= 3 && strings.Trim(s, "rwxabtU+") == "" && strings.ContainsAny(s, "wax+") {
			return true
		}
	}
	return false
}

func objNode(fn *pysrc.Node) *pysrc.Node { return fn.ChildByFieldName("object") }

// csrfArgs splits a call's arguments into positional ones and keywords.
func csrfArgs(f *pysrc.File, args *pysrc.Node) (pos []*pysrc.Node, kw map[string]*pysrc.Node) {
	kw = map[string]*pysrc.Node{}
	if args == nil || args.Kind() != "argument_list" {
		return nil, kw
	}
	for _, a := range pysrc.Named(args) {
		switch a.Kind() {
		case "keyword_argument":
			kw[f.Text(a.ChildByFieldName("name"))] = a.ChildByFieldName("value")
		case "list_splat", "dictionary_splat":
			kw["**"] = a
		default:
			pos = append(pos, a)
		}
	}
	return pos, kw
}

func csrfSQLWrite(sql string) bool {
	verb, _, _ := strings.Cut(strings.TrimSpace(sql), " ")
	switch strings.ToUpper(verb) {
	case "INSERT", "UPDATE", "DELETE", "REPLACE", "MERGE", "CREATE", "DROP", "ALTER", "TRUNCATE":
		return true
	}
	return false
}

// follow reads a call into one of the repository's functions: a function
// of this module or one it imports, module.function, or self.method of the
// class being read. A callee that authenticates its caller by a signature
// or key guards what it changes.
func (w *csrfWalk) follow(n, fn *pysrc.Node, name string) {
	if w.depth >= csrfFollowDepth {
		return
	}
	var cm *csrfModule
	var def *pysrc.Node
	var cls *pysrc.Node
	switch {
	case fn.Kind() == "identifier":
		cm, def = w.ix.resolve(w.m, name, 0)
	case fn.Kind() == "attribute" && w.f.Text(objNode(fn)) == "self" && w.cls != nil:
		chain, _ := w.ix.classChain(w.m, w.cls)
		for _, c := range chain {
			if d := csrfMethod(c.m.f, c.def, name); d != nil {
				cm, def, cls = c.m, d, w.cls
				break
			}
		}
	case fn.Kind() == "attribute" && objNode(fn).Kind() == "identifier":
		cm, def = w.ix.resolveExpr(w.m, fn)
	}
	if def == nil || def.Kind() != "function_definition" {
		return // a class (constructors change nothing) or an unknown
	}
	callee := w.ix.bodyFacts(cm, def, cls, false, w.depth+1)
	dec := w.ix.decoratorFacts(cm, def)
	guard := *callee
	guard.merge(dec)
	if guard.signed || guard.rechecks {
		w.facts.signed = w.facts.signed || guard.signed
		w.facts.rechecks = w.facts.rechecks || guard.rechecks
		return
	}
	if guard.keyed && guard.identity == "" {
		// The callee authenticates its own caller (an API view the view
		// delegates to, a helper that checks a key): what it changes is
		// guarded, and the check guards the view when it is a helper.
		if !dec.keyed {
			w.facts.keyed = true
		}
		return
	}
	if w.facts.identity == "" && guard.identity != "" {
		w.facts.identity = guard.identity
	}
	if w.facts.effect == "" && callee.effect != "" {
		w.facts.effect = callee.effect + " in " + cm.f.Text(def.ChildByFieldName("name")) + "()"
	}
}
