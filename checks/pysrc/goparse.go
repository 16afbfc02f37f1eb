package pysrc

import (
	"runtime"
	"sync"
)

// A pure-Go parser for the Python that settings modules and the code rules'
// files are written in. It builds the very tree tree-sitter's Python grammar
// (tree-sitter-python v0.23.6) builds: the same node kinds, fields, byte
// ranges, positions and named-ness, comments and line continuations placed
// where tree-sitter places extras. Python 3.8–3.14 as tree-sitter reads it
// (f-strings, match, PEP 695, walrus, async …); where its tree would need
// what this parser does not reproduce (a syntax error, a rare quirk of
// tree-sitter's error-free GLR choices) it gives up on the whole file, and
// Parse parses the file statement by statement instead (recover.go).
// oracle_test.go (-tags treesitter) compares the two trees node by node on
// every Python file of the corpora, the examples and the fuzz seeds.
//
// It exists because tree-sitter's C parser needs cgo and a C compiler for
// every build, and takes about 9.5 ms on the 2,000-line settings module of
// issue 2's 5 ms budget on the reference machine; this parser takes a
// fraction of that.

// pn is a node under construction. Children are a linked list in the arena,
// so building allocates nothing per node.
type pn struct {
	kind   uint16
	field  uint16
	named  bool
	hidden bool
	start  uint32
	end    uint32
	sp, ep point32
	ft, lt int32 // first and last token index
	first  int32
	last   int32
	next   int32
}

// scratch holds the buffers one parse needs and drops: tokens, the node
// arena, the extras' indexes and the builder's stack. They are reused from
// file to file, so only the finished tree is allocated per parse.
type scratch struct {
	toks   []token
	nodes  []pn
	extras []int32
	stack  []int32
}

// Spare scratch buffers, at most one per processor. Not a sync.Pool: the
// collector empties a pool at every cycle, and a settings module's analysis
// allocates enough to start one, so a pool would rarely hand one back.
var (
	scratchMu    sync.Mutex
	scratchSpare []*scratch
)

// maxScratchTokens bounds the buffers kept between parses (a 2,000-line
// settings module has about 13,000 tokens).
const maxScratchTokens = 1 << 15

func getScratch() *scratch {
	scratchMu.Lock()
	defer scratchMu.Unlock()
	if n := len(scratchSpare); n > 0 {
		sc := scratchSpare[n-1]
		scratchSpare = scratchSpare[:n-1]
		return sc
	}
	return new(scratch)
}

func putScratch(sc *scratch) {
	if cap(sc.toks) > maxScratchTokens {
		return
	}
	scratchMu.Lock()
	defer scratchMu.Unlock()
	if len(scratchSpare) < runtime.GOMAXPROCS(0) {
		scratchSpare = append(scratchSpare, sc)
	}
}

type gparser struct {
	sc      *scratch
	src     []byte
	toks    []token
	i       int
	nodes   []pn
	depth   int
	visible int
}

const maxGoDepth = 1 << 18

// goParse parses src with the Go parser; ok is false when it gave up.
func goParse(src []byte) (root *Node, ok bool) {
	root, _, ok = goParseRange(src, 0, len(src), 0)
	return root, ok
}

// goParseRange parses src[a:b] as a module, a being the start of line
// number line; positions stay those of src. When it gives up, at is the
// offset where it did.
func goParseRange(src []byte, a, b, line int) (root *Node, at int, ok bool) {
	var p *gparser
	var l *golexer
	defer func() {
		if r := recover(); r != nil {
			b, isBail := r.(bailout)
			if !isBail {
				panic(r)
			}
			switch {
			case b.at > 0:
				at = b.at
			case p != nil:
				at = int(p.toks[p.i].start)
			case l != nil:
				at = l.lastEnd()
			}
			root, ok = nil, false
		}
	}()
	sc := getScratch()
	defer putScratch(sc)
	l = newLexer(src[:b], a, line, sc.toks)
	toks := l.run(a)
	sc.toks = toks
	if want := len(toks) + len(toks)/2 + 16; cap(sc.nodes) < want {
		sc.nodes = make([]pn, 0, want)
	}
	p = &gparser{src: src, toks: toks, nodes: sc.nodes[:0], sc: sc}
	defer func() { sc.nodes = p.nodes[:0] }()
	p.i = -1
	p.advance()
	mod := p.node(kModule, true)
	for p.toks[p.i].kind != tEOF {
		p.statement(mod)
	}
	return p.build(mod), 0, true
}

func (p *gparser) advance() {
	p.i++
	for p.toks[p.i].kind.extra() {
		p.i++
	}
}

func (p *gparser) kind() tkind { return p.toks[p.i].kind }

func (p *gparser) text() []byte {
	t := &p.toks[p.i]
	return p.src[t.start:t.end]
}

// is reports an operator or name token with text s.
func (p *gparser) is(s string) bool {
	t := &p.toks[p.i]
	return (t.kind == tOp || t.kind == tName) && string(p.src[t.start:t.end]) == s
}

func (p *gparser) peekIs(s string) bool {
	j := p.i + 1
	for p.toks[j].kind.extra() {
		j++
	}
	t := &p.toks[j]
	return (t.kind == tOp || t.kind == tName) && string(p.src[t.start:t.end]) == s
}

func (p *gparser) peekKind() tkind {
	j := p.i + 1
	for p.toks[j].kind.extra() {
		j++
	}
	return p.toks[j].kind
}

func (p *gparser) node(kind uint16, named bool) int32 {
	p.nodes = append(p.nodes, pn{kind: kind, named: named, first: -1, last: -1, next: -1, ft: -1, lt: -1})
	p.visible++
	return int32(len(p.nodes) - 1)
}

// leaf makes a node of the current token and advances.
func (p *gparser) leaf(kind uint16, named bool) int32 {
	t := &p.toks[p.i]
	p.nodes = append(p.nodes, pn{kind: kind, named: named, start: t.start, end: t.end, sp: t.sp, ep: t.ep,
		ft: int32(p.i), lt: int32(p.i), first: -1, last: -1, next: -1})
	p.visible++
	p.advance()
	return int32(len(p.nodes) - 1)
}

// anon makes an anonymous leaf of the current token, whose kind is its text.
func (p *gparser) anon() int32 {
	if t := &p.toks[p.i]; t.kind == tOp {
		return p.leaf(t.id, false)
	}
	k := anonID(p.text())
	if k == 0 {
		bail("unknown token")
	}
	return p.leaf(k, false)
}

// expect takes the anonymous token s or gives up.
func (p *gparser) expect(s string) int32 {
	if !p.is(s) {
		bail("expected " + s)
	}
	return p.anon()
}

func (p *gparser) hiddenLeaf(k tkind) int32 {
	if p.kind() != k {
		bail("expected a newline, indent or dedent")
	}
	id := p.leaf(0, false)
	p.nodes[id].hidden = true
	p.visible--
	return id
}

// prepend makes child the first child of parent.
func (p *gparser) prepend(parent, child int32) {
	c := &p.nodes[child]
	par := &p.nodes[parent]
	c.next = par.first
	par.first = child
	par.ft = c.ft
	par.start = c.start
	par.sp = c.sp
	if par.last < 0 {
		par.last = child
		par.lt, par.end, par.ep = c.lt, c.end, c.ep
	}
}

func (p *gparser) add(parent, child int32) {
	c := p.nodes[child]
	par := &p.nodes[parent]
	if par.first < 0 {
		par.first = child
		par.ft = c.ft
		par.start = c.start
		par.sp = c.sp
	} else {
		p.nodes[par.last].next = child
	}
	par.last = child
	par.lt = c.lt
	par.end = c.end
	par.ep = c.ep
}

func (p *gparser) addf(parent, child int32, field uint16) {
	p.nodes[child].field = field
	p.add(parent, child)
}

// reserved words never name anything.
func reserved(b []byte) bool {
	switch string(b) {
	case "and", "as", "assert", "break", "class", "continue", "def", "del", "elif", "else", "except",
		"finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or",
		"pass", "raise", "return", "try", "while", "with", "yield", "True", "False", "None", "async", "await":
		return true
	}
	return false
}

func (p *gparser) ident() int32 {
	if p.kind() != tName || reserved(p.text()) {
		bail("expected a name")
	}
	return p.leaf(kIdentifier, true)
}

func (p *gparser) enter() {
	p.depth++
	if p.depth > maxGoDepth {
		bail("nesting too deep")
	}
}

func (p *gparser) leave() { p.depth-- }

// ---- statements ----

func (p *gparser) statement(parent int32) {
	if p.kind() == tOp && p.is("@") {
		p.add(parent, p.decorated())
		return
	}
	if p.kind() == tName {
		switch string(p.text()) {
		case "if":
			p.add(parent, p.ifStatement())
			return
		case "for":
			p.add(parent, p.forStatement())
			return
		case "while":
			p.add(parent, p.whileStatement())
			return
		case "try":
			p.add(parent, p.tryStatement())
			return
		case "with":
			p.add(parent, p.withStatement())
			return
		case "def":
			p.add(parent, p.funcDef())
			return
		case "class":
			p.add(parent, p.classDef())
			return
		case "async":
			// async def, async for, async with: the statement's node with
			// the keyword first.
			async := p.anon()
			var n int32
			switch {
			case p.is("def"):
				n = p.funcDef()
			case p.is("for"):
				n = p.forStatement()
			case p.is("with"):
				n = p.withStatement()
			default:
				bail("async before something other than def, for or with")
			}
			p.prepend(n, async)
			p.add(parent, n)
			return
		case "match":
			// A soft keyword: a match statement when its line ends in a
			// colon that opens a block; else a name (match = re.match(…)).
			if p.matchAhead() {
				p.add(parent, p.matchStatement())
				return
			}
		case "type":
			// type X = …, type X[T] = …: a type alias; type(x), type = 1
			// and the like: a name.
			if p.typeAliasAhead() {
				p.add(parent, p.typeAlias())
				p.add(parent, p.hiddenLeaf(tNewline))
				return
			}
		}
	}
	p.simpleStatements(parent)
}

// matchAhead reports a logical line, from the current token, that ends
// with a colon followed by an indented block.
func (p *gparser) matchAhead() bool {
	if p.peekKind() == tOp && !p.peekIs("(") && !p.peekIs("[") && !p.peekIs("{") && !p.peekIs("-") &&
		!p.peekIs("+") && !p.peekIs("~") && !p.peekIs("*") {
		return false // match = …, match.x, match, …
	}
	last := -1
	for j := p.i + 1; j < len(p.toks); j++ {
		switch p.toks[j].kind {
		case tComment, tLineCont:
			continue
		case tIndent:
			return last >= 0 && p.toks[last].kind == tOp && p.src[p.toks[last].start] == ':' &&
				p.toks[last].end == p.toks[last].start+1
		case tNewline, tEOF, tDedent:
			return false
		}
		last = j
	}
	return false
}

func (p *gparser) matchStatement() int32 {
	n := p.node(kMatchStatement, true)
	p.add(n, p.anon())
	for {
		p.addf(n, p.expression(), fSubject)
		if !p.is(",") {
			break
		}
		p.add(n, p.anon())
		if p.is(":") {
			break
		}
	}
	p.add(n, p.expect(":"))
	// The block holds the indent, so it starts where the colon ends.
	b := p.node(kBlock, true)
	p.add(b, p.hiddenLeaf(tIndent))
	for p.is("case") {
		p.addf(b, p.caseClause(), fAlternative)
	}
	p.add(b, p.hiddenLeaf(tDedent))
	p.addf(n, b, fBody)
	return n
}

func (p *gparser) caseClause() int32 {
	c := p.node(kCaseClause, true)
	p.add(c, p.anon())
	for {
		p.add(c, p.casePattern())
		if !p.is(",") {
			break
		}
		p.add(c, p.anon())
		if p.is(":") || p.is("if") {
			break
		}
	}
	if p.is("if") {
		g := p.node(kIfClause, true)
		p.add(g, p.anon())
		p.add(g, p.expression())
		p.addf(c, g, fGuard)
	}
	p.add(c, p.expect(":"))
	p.suite(c, fConsequence)
	return c
}

// casePattern parses a case_pattern: a keyword pattern, or simple
// patterns joined by | with any number of "as name".
func (p *gparser) casePattern() int32 {
	p.enter()
	defer p.leave()
	cp := p.node(kCasePattern, true)
	if p.kind() == tName && p.peekIs("=") {
		k := p.node(kKeywordPattern, true)
		p.add(k, p.ident())
		p.add(k, p.anon())
		for _, x := range p.simplePattern() {
			p.add(k, x)
		}
		p.add(cp, k)
		return cp
	}
	first := p.simplePattern()
	if p.is("|") {
		u := p.node(kUnionPattern, true)
		for _, x := range first {
			p.add(u, x)
		}
		for p.is("|") {
			p.add(u, p.anon())
			for _, x := range p.simplePattern() {
				p.add(u, x)
			}
		}
		p.add(cp, u)
	} else {
		for _, x := range first {
			p.add(cp, x)
		}
	}
	for p.is("as") {
		a := p.node(kAsPattern, true)
		p.add(a, cp)
		p.add(a, p.anon())
		p.add(a, p.ident())
		cp = p.node(kCasePattern, true)
		p.add(cp, a)
	}
	return cp
}

// simplePattern parses one _simple_pattern, which may be two nodes (a
// minus sign and a number). Dictionary, splat and complex-number patterns
// are left to the caller's bail.
func (p *gparser) simplePattern() []int32 {
	switch p.kind() {
	case tStrStart:
		return []int32{p.atom()}
	case tInt, tFloat:
		n := p.atom()
		if p.is("+") || p.is("-") {
			bail("complex pattern")
		}
		return []int32{n}
	case tName:
		switch string(p.text()) {
		case "True", "False", "None":
			return []int32{p.atom()}
		case "_":
			if !p.peekIs(".") && !p.peekIs("(") {
				return []int32{p.anon()}
			}
		}
		d := p.dottedName()
		if !p.is("(") {
			return []int32{d}
		}
		c := p.node(kClassPattern, true)
		p.add(c, d)
		p.seqPattern(c, ")")
		return []int32{c}
	case tOp:
		switch {
		case p.is("-"):
			m := p.anon()
			if k := p.kind(); k != tInt && k != tFloat {
				bail("minus before something other than a number")
			}
			n := p.atom()
			if p.is("+") || p.is("-") {
				bail("complex pattern")
			}
			return []int32{m, n}
		case p.is("["):
			l := p.node(kListPattern, true)
			p.seqPattern(l, "]")
			return []int32{l}
		case p.is("("):
			t := p.node(kTuplePattern, true)
			p.seqPattern(t, ")")
			return []int32{t}
		}
	}
	bail("pattern other than a literal, name, class, list or tuple")
	return nil
}

// seqPattern parses "(" or "[", case patterns separated by commas, and
// close into n.
func (p *gparser) seqPattern(n int32, close string) {
	p.add(n, p.anon())
	for !p.is(close) {
		p.add(n, p.casePattern())
		if !p.is(",") {
			break
		}
		p.add(n, p.anon())
	}
	p.add(n, p.expect(close))
}

// typeAliasAhead reports, at a statement's "type", a line tree-sitter reads
// as a type alias: one where "type" is followed by what can start a type and
// an "=" follows at the top level (type [0] = x too: the alias has dynamic
// precedence over an assignment to type[0]).
func (p *gparser) typeAliasAhead() bool {
	switch p.peekKind() {
	case tName, tInt, tFloat, tStrStart:
	case tOp:
		if !p.peekIs("(") && !p.peekIs("[") && !p.peekIs("{") && !p.peekIs("-") && !p.peekIs("+") &&
			!p.peekIs("~") && !p.peekIs("...") {
			return false
		}
	default:
		return false
	}
	depth := 0
	for j := p.i + 1; j < len(p.toks); j++ {
		t := &p.toks[j]
		switch t.kind {
		case tNewline, tIndent, tDedent, tEOF:
			return false
		case tOp:
			switch p.src[t.start] {
			case '(', '[', '{':
				depth++
			case ')', ']', '}':
				depth--
			case '=':
				if depth == 0 && t.end == t.start+1 {
					return true
				}
			}
		}
	}
	return false
}

// typeAlias parses type X = T (PEP 695).
func (p *gparser) typeAlias() int32 {
	n := p.node(kTypeAliasStatement, true)
	p.add(n, p.anon())
	p.addf(n, p.typeExpr(), fLeft)
	p.add(n, p.expect("="))
	p.addf(n, p.typeExpr(), fRight)
	return n
}

func (p *gparser) simpleStatements(parent int32) {
	for {
		p.add(parent, p.simpleStatement())
		if p.is(";") {
			p.add(parent, p.anon())
			if p.kind() == tNewline {
				break
			}
			continue
		}
		break
	}
	p.add(parent, p.hiddenLeaf(tNewline))
}

func (p *gparser) simpleStatement() int32 {
	if p.kind() == tName {
		switch string(p.text()) {
		case "import":
			n := p.node(kImportStatement, true)
			p.add(n, p.anon())
			p.importListPlain(n)
			return n
		case "from":
			return p.fromImport()
		case "assert":
			n := p.node(kAssertStatement, true)
			p.add(n, p.anon())
			p.add(n, p.expression())
			for p.is(",") {
				p.add(n, p.anon())
				p.add(n, p.expression())
			}
			return n
		case "return":
			n := p.node(kReturnStatement, true)
			p.add(n, p.anon())
			if p.startsExpr() {
				p.add(n, p.expressions())
			}
			return n
		case "del":
			n := p.node(kDeleteStatement, true)
			p.add(n, p.anon())
			p.add(n, p.expressions())
			return n
		case "raise":
			n := p.node(kRaiseStatement, true)
			p.add(n, p.anon())
			if p.startsExpr() {
				p.add(n, p.expressions())
			}
			if p.is("from") {
				p.add(n, p.anon())
				p.addf(n, p.expression(), fCause)
			}
			return n
		case "pass", "break", "continue":
			var n int32
			switch string(p.text()) {
			case "pass":
				n = p.node(kPassStatement, true)
			case "break":
				n = p.node(kBreakStatement, true)
			default:
				n = p.node(kContinueStatement, true)
			}
			p.add(n, p.anon())
			return n
		case "global", "nonlocal":
			n := p.node(kGlobalStatement, true)
			if p.is("nonlocal") {
				p.nodes[n].kind = kNonlocalStatement
			}
			p.add(n, p.anon())
			p.add(n, p.ident())
			for p.is(",") {
				p.add(n, p.anon())
				p.add(n, p.ident())
			}
			return n
		case "print", "exec":
			// Python 2's print and exec statements; print(...) and
			// exec(...) alone are calls.
			first := p.i
			if !p.peekIs("(") {
				bail("print or exec statement")
			}
			n := p.exprStatement()
			c := p.nodes[n].first
			if p.nodes[c].next >= 0 || p.nodes[c].kind != kCall || p.nodes[p.nodes[c].first].ft != int32(first) ||
				p.nodes[p.nodes[c].first].kind != kIdentifier {
				bail("print or exec statement")
			}
			return n
		}
	}
	return p.exprStatement()
}

func (p *gparser) dottedName() int32 {
	n := p.node(kDottedName, true)
	p.add(n, p.ident())
	for p.is(".") {
		p.add(n, p.anon())
		p.add(n, p.ident())
	}
	return n
}

func (p *gparser) fromImport() int32 {
	from := p.anon()
	var n int32
	if p.kind() == tName && string(p.text()) == "__future__" {
		n = p.node(kFutureImportStatement, true)
		p.add(n, from)
		p.add(n, p.anon())
	} else {
		n = p.node(kImportFromStatement, true)
		p.add(n, from)
		if p.is(".") || p.is("...") {
			r := p.node(kRelativeImport, true)
			pre := p.node(kImportPrefix, true)
			for p.is(".") || p.is("...") {
				if p.is(".") {
					p.add(pre, p.anon())
					continue
				}
				// tree-sitter lexes "..." here as three dots.
				t := p.toks[p.i]
				for k := uint32(0); k < 3; k++ {
					p.nodes = append(p.nodes, pn{kind: aDot, start: t.start + k, end: t.start + k + 1,
						sp: point32{t.sp.row, t.sp.col + k}, ep: point32{t.sp.row, t.sp.col + k + 1},
						ft: int32(p.i), lt: int32(p.i), first: -1, last: -1, next: -1})
					p.visible++
					p.add(pre, int32(len(p.nodes)-1))
				}
				p.advance()
			}
			p.add(r, pre)
			if !p.is("import") {
				p.add(r, p.dottedName())
			}
			p.addf(n, r, fModuleName)
		} else {
			p.addf(n, p.dottedName(), fModuleName)
		}
	}
	p.add(n, p.expect("import"))
	switch {
	case p.is("*") && p.kind() == tOp && p.nodes[n].kind == kImportFromStatement:
		w := p.node(kWildcardImport, true)
		p.add(w, p.anon())
		p.add(n, w)
	case p.is("("):
		p.add(n, p.anon())
		p.importListParens(n)
		p.add(n, p.expect(")"))
	default:
		p.importListPlain(n)
	}
	return n
}

func (p *gparser) importItem(n int32) {
	d := p.dottedName()
	if p.is("as") {
		a := p.node(kAliasedImport, true)
		p.addf(a, d, fName)
		p.add(a, p.anon())
		p.addf(a, p.ident(), fAlias)
		d = a
	}
	p.addf(n, d, fName)
}

func (p *gparser) importListPlain(n int32) {
	p.importItem(n)
	for p.is(",") {
		p.add(n, p.anon())
		if p.kind() == tNewline || p.is(";") {
			return
		}
		p.importItem(n)
	}
}

func (p *gparser) importListParens(n int32) {
	p.importItem(n)
	for p.is(",") {
		p.add(n, p.anon())
		if p.is(")") {
			return
		}
		p.importItem(n)
	}
}

// suite parses a compound statement's body into a block filling field.
func (p *gparser) suite(n int32, field uint16) {
	if p.kind() == tIndent {
		p.add(n, p.hiddenLeaf(tIndent))
		b := p.node(kBlock, true)
		for p.kind() != tDedent {
			if p.kind() == tEOF {
				bail("block open at the end")
			}
			p.statement(b)
		}
		p.add(b, p.hiddenLeaf(tDedent))
		p.addf(n, b, field)
		return
	}
	if p.kind() == tNewline {
		bail("empty block")
	}
	b := p.node(kBlock, true)
	p.simpleStatements(b)
	p.addf(n, b, field)
}

func (p *gparser) ifStatement() int32 {
	n := p.node(kIfStatement, true)
	p.add(n, p.anon())
	p.addf(n, p.expression(), fCondition)
	p.add(n, p.expect(":"))
	p.suite(n, fConsequence)
	for p.is("elif") {
		e := p.node(kElifClause, true)
		p.add(e, p.anon())
		p.addf(e, p.expression(), fCondition)
		p.add(e, p.expect(":"))
		p.suite(e, fConsequence)
		p.addf(n, e, fAlternative)
	}
	if p.is("else") {
		p.addf(n, p.elseClause(), fAlternative)
	}
	return n
}

func (p *gparser) elseClause() int32 {
	e := p.node(kElseClause, true)
	p.add(e, p.anon())
	p.add(e, p.expect(":"))
	p.suite(e, fBody)
	return e
}

func (p *gparser) forStatement() int32 {
	n := p.node(kForStatement, true)
	p.add(n, p.anon())
	p.addf(n, p.targets(), fLeft)
	p.add(n, p.expect("in"))
	p.addf(n, p.expressions(), fRight)
	p.add(n, p.expect(":"))
	p.suite(n, fBody)
	if p.is("else") {
		p.addf(n, p.elseClause(), fAlternative)
	}
	return n
}

func (p *gparser) whileStatement() int32 {
	n := p.node(kWhileStatement, true)
	p.add(n, p.anon())
	p.addf(n, p.expression(), fCondition)
	p.add(n, p.expect(":"))
	p.suite(n, fBody)
	if p.is("else") {
		p.addf(n, p.elseClause(), fAlternative)
	}
	return n
}

func (p *gparser) tryStatement() int32 {
	n := p.node(kTryStatement, true)
	p.add(n, p.anon())
	p.add(n, p.expect(":"))
	p.suite(n, fBody)
	excepts := 0
	for p.is("except") {
		excepts++
		e := p.node(kExceptClause, true)
		p.add(e, p.anon())
		if !p.is(":") {
			if p.is("*") {
				bail("except*")
			}
			v := p.expression()
			if p.is("as") {
				v = p.asPattern(v)
			} else if p.is(",") {
				bail("Python 2 except")
			}
			p.addf(e, v, fValue)
		}
		p.add(e, p.expect(":"))
		p.suite(e, 0)
		p.add(n, e)
	}
	if excepts > 0 && p.is("else") {
		p.add(n, p.elseClause())
	}
	if p.is("finally") {
		f := p.node(kFinallyClause, true)
		p.add(f, p.anon())
		p.add(f, p.expect(":"))
		p.suite(f, 0)
		p.add(n, f)
	} else if excepts == 0 {
		bail("try without except or finally")
	}
	return n
}

func (p *gparser) asPattern(v int32) int32 {
	a := p.node(kAsPattern, true)
	p.add(a, v)
	p.add(a, p.anon())
	t := p.node(kAsPatternTarget, true)
	p.add(t, p.expression())
	p.addf(a, t, fAlias)
	return a
}

func (p *gparser) withStatement() int32 {
	n := p.node(kWithStatement, true)
	p.add(n, p.anon())
	c := p.node(kWithClause, true)
	parens := p.is("(") && p.parenthesizedWithItems()
	if parens {
		p.add(c, p.anon())
	}
	for {
		it := p.node(kWithItem, true)
		v := p.expression()
		if p.is("as") {
			v = p.asPattern(v)
		}
		p.addf(it, v, fValue)
		p.add(c, it)
		if !p.is(",") {
			break
		}
		p.add(c, p.anon())
		if parens && p.is(")") {
			break
		}
	}
	if parens {
		p.add(c, p.expect(")"))
	}
	p.add(n, c)
	p.add(n, p.expect(":"))
	p.suite(n, fBody)
	return n
}

// parenthesizedWithItems reports whether the "(" after with opens
// Python 3.10's parenthesized with items: tree-sitter reads it so when the
// parentheses hold several comma-separated items and a colon follows them;
// one item, or a tuple followed by "as", is an ordinary expression. One
// item with a trailing comma (a tuple to tree-sitter) makes it give up.
func (p *gparser) parenthesizedWithItems() bool {
	depth, commas := 0, 0
	last := ""
	for j := p.i; j < len(p.toks); j++ {
		t := &p.toks[j]
		if t.kind.extra() {
			continue
		}
		if t.kind == tNewline || t.kind == tEOF {
			return false
		}
		s := string(p.src[t.start:t.end])
		if t.kind == tOp {
			switch s {
			case "(", "[", "{":
				depth++
			case ")", "]", "}":
				depth--
				if depth == 0 {
					if commas == 0 {
						return false
					}
					if last == "," && commas == 1 {
						bail("one parenthesized with item and a trailing comma") // a tuple to tree-sitter
					}
					k := j + 1
					for p.toks[k].kind.extra() {
						k++
					}
					return p.toks[k].kind == tOp && string(p.src[p.toks[k].start:p.toks[k].end]) == ":"
				}
			case ",":
				if depth == 1 {
					commas++
				}
			}
		}
		last = s
	}
	return false
}

func (p *gparser) funcDef() int32 {
	n := p.node(kFunctionDefinition, true)
	p.add(n, p.anon())
	p.addf(n, p.ident(), fName)
	if p.is("[") {
		p.addf(n, p.typeParameter(), fTypeParameters)
	}
	p.addf(n, p.parameters(), fParameters)
	if p.is("->") {
		p.add(n, p.anon())
		p.addf(n, p.typeExpr(), fReturnType)
	}
	p.add(n, p.expect(":"))
	p.suite(n, fBody)
	return n
}

func (p *gparser) classDef() int32 {
	n := p.node(kClassDefinition, true)
	p.add(n, p.anon())
	p.addf(n, p.ident(), fName)
	if p.is("[") {
		p.addf(n, p.typeParameter(), fTypeParameters)
	}
	if p.is("(") {
		p.addf(n, p.argumentList(p.anon()), fSuperclasses)
	}
	p.add(n, p.expect(":"))
	p.suite(n, fBody)
	return n
}

func (p *gparser) decorated() int32 {
	n := p.node(kDecoratedDefinition, true)
	for p.is("@") {
		d := p.node(kDecorator, true)
		p.add(d, p.anon())
		p.add(d, p.expression())
		p.add(d, p.hiddenLeaf(tNewline))
		p.add(n, d)
	}
	switch {
	case p.is("def"):
		p.addf(n, p.funcDef(), fDefinition)
	case p.is("class"):
		p.addf(n, p.classDef(), fDefinition)
	case p.is("async") && p.peekIs("def"):
		async := p.anon()
		d := p.funcDef()
		p.prepend(d, async)
		p.addf(n, d, fDefinition)
	default:
		bail("decorator before something other than def or class")
	}
	return n
}

func (p *gparser) parameters() int32 {
	n := p.node(kParameters, true)
	p.add(n, p.expect("("))
	if !p.is(")") {
		p.paramList(n, false)
	}
	p.add(n, p.expect(")"))
	return n
}

// paramList parses commaSep1(parameter) optional(',') into n.
func (p *gparser) paramList(n int32, lambda bool) {
	for {
		p.add(n, p.parameter(lambda))
		if !p.is(",") {
			return
		}
		p.add(n, p.anon())
		if p.is(")") || p.is(":") {
			return
		}
	}
}

func (p *gparser) parameter(lambda bool) int32 {
	var base int32
	switch {
	case p.is("/"):
		s := p.node(kPositionalSeparator, true)
		p.add(s, p.anon())
		return s
	case p.is("*") || p.is("**"):
		star := p.is("*")
		if star && (p.peekIs(",") || p.peekIs(")") || p.peekIs(":")) {
			s := p.node(kKeywordSeparator, true)
			p.add(s, p.anon())
			return s
		}
		if star {
			base = p.node(kListSplatPattern, true)
		} else {
			base = p.node(kDictionarySplatPattern, true)
		}
		p.add(base, p.anon())
		p.add(base, p.ident())
		if !lambda && p.is(":") {
			t := p.node(kTypedParameter, true)
			p.add(t, base)
			p.add(t, p.anon())
			p.addf(t, p.typeExpr(), fType)
			return t
		}
		return base
	}
	name := p.ident()
	switch {
	case !lambda && p.is(":"):
		colon := p.anon()
		ty := p.typeExpr()
		if p.is("=") {
			t := p.node(kTypedDefaultParameter, true)
			p.addf(t, name, fName)
			p.add(t, colon)
			p.addf(t, ty, fType)
			p.add(t, p.anon())
			p.addf(t, p.expression(), fValue)
			return t
		}
		t := p.node(kTypedParameter, true)
		p.add(t, name)
		p.add(t, colon)
		p.addf(t, ty, fType)
		return t
	case p.is("="):
		d := p.node(kDefaultParameter, true)
		p.addf(d, name, fName)
		p.add(d, p.anon())
		p.addf(d, p.expression(), fValue)
		return d
	}
	return name
}

// typeExpr parses tree-sitter's type: a generic type (a name right before
// "["), unions that start with one, or else any expression, which the
// grammar prefers wherever it fits ("X" | None is a binary_operator).
func (p *gparser) typeExpr() int32 {
	if !p.genericAhead() {
		t := p.node(kType, true)
		p.add(t, p.expression())
		return t
	}
	p.enter()
	defer p.leave()
	t := p.node(kType, true)
	p.add(t, p.genericType())
	// A union is left-associative while its operands are generic types;
	// an operand that is an expression takes every "|" after it.
	for p.is("|") {
		u := p.node(kUnionType, true)
		p.add(u, t)
		p.add(u, p.anon())
		p.add(u, p.typeExpr1())
		t = p.node(kType, true)
		p.add(t, u)
	}
	if p.is(".") || p.is("[") || p.is("(") {
		bail("member, subscripted or called generic type")
	}
	return t
}

// typeExpr1 is one operand of a union: a generic type or an expression.
func (p *gparser) typeExpr1() int32 {
	t := p.node(kType, true)
	if p.genericAhead() {
		p.add(t, p.genericType())
	} else {
		p.add(t, p.expression())
	}
	return t
}

func (p *gparser) genericAhead() bool {
	return p.kind() == tName && !reserved(p.text()) && p.peekIs("[")
}

// genericType parses name[type, ...].
func (p *gparser) genericType() int32 {
	g := p.node(kGenericType, true)
	p.add(g, p.ident())
	p.add(g, p.typeParameter())
	return g
}

// typeItem parses one type of a type_parameter: *Ts or **P (splat_type),
// or a type, constrained (T: int) when a colon follows.
func (p *gparser) typeItem() int32 {
	var t int32
	if p.is("*") || p.is("**") {
		t = p.node(kType, true)
		s := p.node(kSplatType, true)
		p.add(s, p.anon())
		p.add(s, p.ident())
		p.add(t, s)
	} else {
		t = p.typeExpr()
	}
	if !p.is(":") {
		return t
	}
	c := p.node(kConstrainedType, true)
	p.add(c, t)
	p.add(c, p.anon())
	p.add(c, p.typeItem())
	out := p.node(kType, true)
	p.add(out, c)
	return out
}

// typeParameter parses [type, ...]: a generic type's parameters, or PEP
// 695's on a def, class or type alias.
func (p *gparser) typeParameter() int32 {
	tp := p.node(kTypeParameter, true)
	p.add(tp, p.expect("["))
	for {
		p.add(tp, p.typeItem())
		if !p.is(",") {
			break
		}
		p.add(tp, p.anon())
		if p.is("]") {
			break
		}
	}
	p.add(tp, p.expect("]"))
	return tp
}

// ---- expression statements ----

var augOps = map[string]bool{"+=": true, "-=": true, "*=": true, "/=": true, "@=": true, "//=": true, "%=": true,
	"**=": true, ">>=": true, "<<=": true, "&=": true, "^=": true, "|=": true}

func (p *gparser) isAugOp() bool { return p.kind() == tOp && augOps[string(p.text())] }

func (p *gparser) exprStatement() int32 {
	st := p.node(kExpressionStatement, true)
	if p.is("yield") {
		p.add(st, p.yield())
		return st
	}
	var first int32
	if p.is("*") {
		first = p.leadingSplat()
	} else {
		first = p.element()
	}
	if p.is(",") || p.nodes[first].kind == kListSplat {
		if !p.is(",") {
			bail("a lone starred expression")
		}
		items := []int32{first}
		for p.is(",") {
			items = append(items, p.anon())
			if p.kind() == tNewline && p.joinsNextLine(items) {
				// tree-sitter joins `a,` with the next line when that
				// makes an assignment (`a,\nb = ()` is `a, b = ()`).
				items = append(items, p.hiddenLeaf(tNewline))
			}
			if !p.startsExpr() {
				break
			}
			items = append(items, p.element())
		}
		for _, it := range items {
			if p.nodes[it].kind == kListSplat && !p.is("=") {
				bail("starred expression statement")
			}
		}
		if p.kind() == tNewline && p.nextLineOpensBracket() {
			// tree-sitter reads `a, 0` and a next line starting with a
			// bracket as one statement (`a, 0[b] = c`; the fuzzer found
			// it), Python as two: recovery parses each line alone.
			bail("an expression list followed by a line opening a bracket")
		}
		if p.is("=") {
			pl := p.node(kPatternList, true)
			for _, it := range items {
				if p.nodes[it].named {
					p.toPattern(it)
				}
				p.add(pl, it)
			}
			p.add(st, p.assignment(pl))
			return st
		}
		for _, it := range items {
			p.add(st, it)
		}
		return st
	}
	switch {
	case p.is("="):
		p.toPattern(first)
		p.add(st, p.assignment(first))
	case p.is(":"):
		p.toPattern(first)
		a := p.node(kAssignment, true)
		p.addf(a, first, fLeft)
		p.add(a, p.anon())
		p.addf(a, p.typeExpr(), fType)
		if p.is("=") {
			p.add(a, p.anon())
			p.addf(a, p.rhs(), fRight)
		}
		p.add(st, a)
	case p.isAugOp():
		p.toPattern(first)
		a := p.node(kAugmentedAssignment, true)
		p.addf(a, first, fLeft)
		p.addf(a, p.anon(), fOperator)
		p.addf(a, p.rhs(), fRight)
		p.add(st, a)
	default:
		p.add(st, first)
	}
	return st
}

// yield parses a yield expression: yield, yield from x, yield a, b.
func (p *gparser) yield() int32 {
	n := p.node(kYield, true)
	p.add(n, p.anon())
	if p.is("from") {
		p.add(n, p.anon())
		p.add(n, p.expression())
		return n
	}
	if p.startsExpr() {
		p.add(n, p.expressions())
	}
	return n
}

// joinsNextLine reports, at the newline after "a, b,", whether the items
// are all targets and the next line, at the same indentation, is an
// assignment: tree-sitter then reads both lines as one statement.
func (p *gparser) joinsNextLine(items []int32) bool {
	for _, it := range items {
		if p.nodes[it].named && !p.canPattern(it) {
			return false
		}
	}
	// A comment on the joined lines goes inside tree-sitter's assignment,
	// where the Go parser does not put it (the fuzzer found `(),#c\n=0`):
	// not joined, the second line is the syntax error Python says it is.
	for j := p.i; j >= 0 && p.toks[j].kind != tOp; j-- {
		if p.toks[j].kind == tComment {
			return false
		}
	}
	j := p.i + 1
	depth := 0
	for ; j < len(p.toks); j++ {
		t := &p.toks[j]
		switch t.kind {
		case tComment:
			return false
		case tLineCont:
			continue
		case tNewline, tIndent, tDedent, tEOF:
			return false
		case tOp:
			switch p.src[t.start] {
			case '(', '[', '{':
				depth++
			case ')', ']', '}':
				depth--
			case '=':
				if depth == 0 && t.end == t.start+1 {
					return true
				}
			}
		}
	}
	return false
}

// nextLineOpensBracket reports, at a newline, whether the next line's
// first token is an opening bracket.
func (p *gparser) nextLineOpensBracket() bool {
	for j := p.i + 1; j < len(p.toks); j++ {
		t := &p.toks[j]
		switch t.kind {
		case tComment, tLineCont, tNewline, tIndent, tDedent:
			continue
		case tOp:
			c := p.src[t.start]
			return c == '(' || c == '['
		}
		return false
	}
	return false
}

// canPattern reports an expression toPattern turns into a pattern.
func (p *gparser) canPattern(e int32) bool {
	n := &p.nodes[e]
	switch n.kind {
	case kIdentifier, kAttribute, kSubscript:
		return true
	case kTuple, kList, kParenthesizedExpression:
		for c := n.first; c >= 0; c = p.nodes[c].next {
			if p.nodes[c].named && !p.canPattern(c) {
				return false
			}
		}
		return true
	case kListSplat:
		switch p.nodes[p.nodes[n.first].next].kind {
		case kIdentifier, kAttribute, kSubscript:
			return true
		}
	}
	return false
}

// assignment parses "= right" after left.
func (p *gparser) assignment(left int32) int32 {
	a := p.node(kAssignment, true)
	p.addf(a, left, fLeft)
	p.add(a, p.anon())
	p.addf(a, p.rhs(), fRight)
	return a
}

func (p *gparser) rhs() int32 {
	if p.is("yield") {
		return p.yield()
	}
	if p.is("*") {
		return p.exprListAfter(p.leadingSplat())
	}
	e := p.expression()
	if p.is(",") {
		l := p.exprListAfter(e)
		if p.is("=") {
			// a = b, c = d: the list is a target too.
			p.nodes[l].kind = kPatternList
			for c := p.nodes[l].first; c >= 0; c = p.nodes[c].next {
				if p.nodes[c].named {
					p.toPattern(c)
				}
			}
			return p.assignment(l)
		}
		return l
	}
	if p.is("=") {
		p.toPattern(e)
		return p.assignment(e)
	}
	return e
}

// toPattern turns an expression parsed on the left of "=" into the pattern
// tree-sitter builds there, or gives up.
func (p *gparser) toPattern(e int32) {
	n := &p.nodes[e]
	switch n.kind {
	case kIdentifier, kAttribute, kSubscript:
	case kTuple, kList, kParenthesizedExpression:
		// (a) = b is a one-element tuple_pattern to tree-sitter.
		if n.kind == kList {
			n.kind = kListPattern
		} else {
			n.kind = kTuplePattern
		}
		for c := n.first; c >= 0; c = p.nodes[c].next {
			if p.nodes[c].named {
				p.toPattern(c)
			}
		}
	case kListSplat:
		c := n.first
		c = p.nodes[c].next
		switch p.nodes[c].kind {
		case kIdentifier, kAttribute, kSubscript:
		default:
			bail("pattern")
		}
		n.kind = kListSplatPattern
	default:
		bail("pattern")
	}
}

// targets parses a for loop's or comprehension's left-hand side.
func (p *gparser) targets() int32 {
	first := p.target()
	if !p.is(",") {
		return first
	}
	pl := p.node(kPatternList, true)
	p.add(pl, first)
	for p.is(",") {
		p.add(pl, p.anon())
		if p.is("in") {
			break
		}
		p.add(pl, p.target())
	}
	return pl
}

func (p *gparser) target() int32 {
	var e int32
	if p.is("*") {
		e = p.node(kListSplat, true)
		p.add(e, p.anon())
		p.add(e, p.primary())
	} else {
		e = p.primary()
	}
	p.toPattern(e)
	return e
}

// startsExpr reports whether the current token can begin an expression.
func (p *gparser) startsExpr() bool {
	switch p.kind() {
	case tName:
		switch string(p.text()) {
		case "if", "else", "elif", "for", "in", "is", "and", "or", "as", "from", "import", "yield":
			return false
		}
		return true
	case tInt, tFloat, tStrStart:
		return true
	case tOp:
		switch string(p.text()) {
		case "(", "[", "{", "-", "+", "~", "*", "**", "...":
			return true
		}
	}
	return false
}

// expressions parses tree-sitter's _expressions: an expression or an
// expression_list.
func (p *gparser) expressions() int32 {
	if p.is("*") {
		e := p.leadingSplat()
		if !p.is(",") {
			bail("a lone starred expression")
		}
		return p.exprListAfter(e)
	}
	e := p.expression()
	if p.is(",") {
		return p.exprListAfter(e)
	}
	return e
}

func (p *gparser) exprListAfter(e int32) int32 {
	l := p.node(kExpressionList, true)
	p.add(l, e)
	for p.is(",") {
		p.add(l, p.anon())
		if !p.startsExpr() {
			break
		}
		if p.is("**") {
			bail("double-starred expression list")
		}
		p.add(l, p.element())
	}
	if p.kind() == tNewline && p.nextLineOpensBracket() {
		// As in an expression statement: tree-sitter continues the list's
		// last item into the next line (`a = b, 0\n[0]`).
		bail("an expression list followed by a line opening a bracket")
	}
	return l
}

// ---- expressions ----

// expression is tree-sitter's expression: lambda, conditional, boolean,
// not, comparison or primary.
func (p *gparser) expression() int32 {
	p.enter()
	defer p.leave()
	if p.is("lambda") {
		return p.lambda()
	}
	if p.kind() == tName && p.peekIs(":=") {
		n := p.node(kNamedExpression, true)
		p.addf(n, p.ident(), fName)
		p.add(n, p.anon())
		p.addf(n, p.expression(), fValue)
		return n
	}
	e := p.orTest()
	if p.is("if") {
		c := p.node(kConditionalExpression, true)
		p.add(c, e)
		p.add(c, p.anon())
		p.add(c, p.orTest())
		p.add(c, p.expect("else"))
		p.add(c, p.expression())
		return c
	}
	if p.is(":=") {
		bail("named expression")
	}
	return e
}

func (p *gparser) lambda() int32 {
	n := p.node(kLambda, true)
	p.add(n, p.anon())
	if !p.is(":") {
		ps := p.node(kLambdaParameters, true)
		p.paramList(ps, true)
		p.addf(n, ps, fParameters)
	}
	p.add(n, p.expect(":"))
	p.addf(n, p.expression(), fBody)
	return n
}

func (p *gparser) orTest() int32 {
	e := p.andTest()
	for p.is("or") {
		b := p.node(kBooleanOperator, true)
		p.addf(b, e, fLeft)
		p.addf(b, p.anon(), fOperator)
		p.addf(b, p.andTest(), fRight)
		e = b
	}
	return e
}

func (p *gparser) andTest() int32 {
	e := p.notTest()
	for p.is("and") {
		b := p.node(kBooleanOperator, true)
		p.addf(b, e, fLeft)
		p.addf(b, p.anon(), fOperator)
		p.addf(b, p.notTest(), fRight)
		e = b
	}
	return e
}

func (p *gparser) notTest() int32 {
	if p.is("not") {
		p.enter()
		defer p.leave()
		n := p.node(kNotOperator, true)
		p.add(n, p.anon())
		p.addf(n, p.notTest(), fArgument)
		return n
	}
	return p.comparison()
}

func (p *gparser) compOp() bool {
	if p.kind() == tOp {
		switch string(p.text()) {
		case "<", "<=", "==", "!=", ">=", ">", "<>":
			return true
		}
		return false
	}
	if p.kind() == tName {
		switch string(p.text()) {
		case "in", "is":
			return true
		case "not":
			return p.peekIs("in")
		}
	}
	return false
}

func (p *gparser) comparison() int32 {
	e := p.binary(0)
	if !p.compOp() {
		return e
	}
	c := p.node(kComparisonOperator, true)
	p.add(c, e)
	for p.compOp() {
		switch {
		case p.is("not"):
			o := p.node(kNotIn, false)
			p.add(o, p.anon())
			p.add(o, p.expect("in"))
			p.addf(c, o, fOperators)
		case p.is("is") && p.peekIs("not"):
			o := p.node(kIsNot, false)
			p.add(o, p.anon())
			p.add(o, p.anon())
			p.addf(c, o, fOperators)
		default:
			p.addf(c, p.anon(), fOperators)
		}
		p.add(c, p.binary(0))
	}
	return c
}

func binPrec(b []byte) int {
	switch string(b) {
	case "|":
		return 14
	case "&":
		return 15
	case "^":
		return 16
	case "<<", ">>":
		return 17
	case "+", "-":
		return 18
	case "*", "@", "/", "%", "//":
		return 19
	case "**":
		return 21
	}
	return -1
}

// binary parses primary expressions joined by binary operators of at least
// precedence min, with tree-sitter-python's precedences (which put ^ above
// &, unlike Python; the tree is tree-sitter's).
func (p *gparser) binary(min int) int32 {
	p.enter()
	defer p.leave()
	e := p.unary()
	for p.kind() == tOp {
		pr := binPrec(p.text())
		if pr < 0 || pr < min {
			break
		}
		b := p.node(kBinaryOperator, true)
		p.addf(b, e, fLeft)
		p.addf(b, p.anon(), fOperator)
		if pr == 21 {
			p.addf(b, p.binary(21), fRight)
		} else {
			p.addf(b, p.binary(pr+1), fRight)
		}
		e = b
	}
	return e
}

func (p *gparser) unary() int32 {
	if p.is("await") {
		p.enter()
		defer p.leave()
		a := p.node(kAwait, true)
		p.add(a, p.anon())
		p.add(a, p.primary())
		return a
	}
	if p.kind() == tOp && (p.is("-") || p.is("+") || p.is("~")) {
		u := p.node(kUnaryOperator, true)
		p.addf(u, p.anon(), fOperator)
		p.addf(u, p.binary(21), fArgument)
		return u
	}
	return p.primary()
}

// primary parses an atom and its calls, attributes and subscripts.
func (p *gparser) primary() int32 {
	p.enter()
	defer p.leave()
	return p.postfix(p.atom())
}

// postfix applies the attributes, calls and subscripts after e.
func (p *gparser) postfix(e int32) int32 {
	for p.kind() == tOp {
		switch {
		case p.is("."):
			a := p.node(kAttribute, true)
			p.addf(a, e, fObject)
			p.add(a, p.anon())
			p.addf(a, p.ident(), fAttribute)
			e = a
		case p.is("("):
			c := p.node(kCall, true)
			p.addf(c, e, fFunction)
			p.addf(c, p.callArgs(), fArguments)
			e = c
		case p.is("["):
			s := p.node(kSubscript, true)
			p.addf(s, e, fValue)
			p.add(s, p.anon())
			for {
				p.addf(s, p.subscriptItem(), fSubscript)
				if !p.is(",") {
					break
				}
				p.add(s, p.anon())
				if p.is("]") {
					break
				}
			}
			p.add(s, p.expect("]"))
			e = s
		default:
			return e
		}
	}
	return e
}

func (p *gparser) subscriptItem() int32 {
	var e int32 = -1
	if !p.is(":") {
		e = p.expression()
		if !p.is(":") {
			return e
		}
	}
	s := p.node(kSlice, true)
	if e >= 0 {
		p.add(s, e)
	}
	p.add(s, p.anon())
	if !p.is(":") && !p.is(",") && !p.is("]") {
		p.add(s, p.expression())
	}
	if p.is(":") {
		p.add(s, p.anon())
		if !p.is(",") && !p.is("]") {
			p.add(s, p.expression())
		}
	}
	return s
}

// callArgs parses "(...)" after a callee: an argument_list, or a
// generator_expression when the only argument is a bare generator.
func (p *gparser) callArgs() int32 {
	open := p.anon()
	if !p.is(")") && !p.is("*") && !p.is("**") && !(p.kind() == tName && p.peekIs("=")) {
		e := p.expression()
		if p.is("for") {
			g := p.node(kGeneratorExpression, true)
			p.add(g, open)
			p.addf(g, e, fBody)
			p.comprehension(g)
			p.add(g, p.expect(")"))
			return g
		}
		return p.argumentListFrom(open, e)
	}
	return p.argumentList(open)
}

func (p *gparser) argumentList(open int32) int32 {
	return p.argumentListFrom(open, -1)
}

func (p *gparser) argumentListFrom(open, first int32) int32 {
	l := p.node(kArgumentList, true)
	p.add(l, open)
	if first >= 0 {
		p.add(l, first)
		if !p.is(",") {
			p.add(l, p.expect(")"))
			return l
		}
		p.add(l, p.anon())
	}
	for !p.is(")") {
		p.add(l, p.argument())
		if !p.is(",") {
			break
		}
		p.add(l, p.anon())
	}
	p.add(l, p.expect(")"))
	return l
}

func (p *gparser) argument() int32 {
	switch {
	case p.is("*"):
		s := p.node(kListSplat, true)
		p.add(s, p.anon())
		p.add(s, p.expression())
		return s
	case p.is("**"):
		s := p.node(kDictionarySplat, true)
		p.add(s, p.anon())
		p.add(s, p.expression())
		return s
	case p.kind() == tName && p.peekIs("="):
		k := p.node(kKeywordArgument, true)
		p.addf(k, p.ident(), fName)
		p.add(k, p.anon())
		p.addf(k, p.expression(), fValue)
		return k
	}
	return p.expression()
}

// comprehension parses the for/if clauses after a comprehension's body.
func (p *gparser) comprehension(n int32) {
	if !p.is("for") {
		bail("expected for")
	}
	for {
		switch {
		case p.is("for"):
			f := p.node(kForInClause, true)
			p.add(f, p.anon())
			p.addf(f, p.targets(), fLeft)
			p.add(f, p.expect("in"))
			if p.is("lambda") {
				bail("lambda in a comprehension")
			}
			p.addf(f, p.orTest(), fRight)
			if p.is(",") {
				bail("tuple in a comprehension")
			}
			p.add(n, f)
		case p.is("if"):
			c := p.node(kIfClause, true)
			p.add(c, p.anon())
			if p.is("lambda") {
				bail("lambda in a comprehension")
			}
			p.add(c, p.orTest())
			p.add(n, c)
		default:
			return
		}
	}
}

func (p *gparser) atom() int32 {
	switch p.kind() {
	case tName:
		switch string(p.text()) {
		case "True":
			return p.leaf(kTrue, true)
		case "False":
			return p.leaf(kFalse, true)
		case "None":
			return p.leaf(kNone, true)
		}
		return p.ident()
	case tInt:
		return p.leaf(kInteger, true)
	case tFloat:
		return p.leaf(kFloat, true)
	case tStrStart:
		s := p.str()
		if p.kind() != tStrStart {
			return s
		}
		c := p.node(kConcatenatedString, true)
		p.add(c, s)
		for p.kind() == tStrStart {
			p.add(c, p.str())
		}
		return c
	case tOp:
		switch string(p.text()) {
		case "...":
			return p.leaf(kEllipsis, true)
		case "(":
			return p.paren()
		case "[":
			return p.bracket()
		case "{":
			return p.brace()
		}
	}
	bail("unexpected token in an expression")
	return -1
}

func (p *gparser) str() int32 {
	s := p.node(kString, true)
	p.add(s, p.leaf(kStringStart, true))
	for {
		switch p.kind() {
		case tStrContent, tEscape, tNotEscape, tEscInterp:
			p.add(s, p.strContent())
			continue
		case tOp:
			if p.is("{") {
				p.add(s, p.interpolation(kInterpolation))
				continue
			}
		}
		break
	}
	if p.kind() != tStrEnd {
		bail("string without an end")
	}
	p.add(s, p.leaf(kStringEnd, true))
	return s
}

// strContent gathers adjacent content pieces into one string_content node.
func (p *gparser) strContent() int32 {
	c := p.node(kStringContent, true)
	for {
		switch p.kind() {
		case tNotEscape:
			// _not_escape_sequence is the anonymous token "\\".
			p.add(c, p.leaf(kBackslash, false))
			continue
		case tStrContent:
			p.add(c, p.hidden())
			continue
		case tEscape:
			p.add(c, p.leaf(kEscapeSequence, true))
			continue
		case tEscInterp:
			p.add(c, p.leaf(kEscapeInterpolation, true))
			continue
		}
		return c
	}
}

// hidden makes a leaf of the current token that the tree leaves out but
// that counts for its parent's extent.
func (p *gparser) hidden() int32 {
	h := p.leaf(0, false)
	p.nodes[h].hidden = true
	p.visible--
	return h
}

// interpolation parses an f-string's {expression=!c:spec}; kind is
// interpolation, or format_expression inside a format specifier.
func (p *gparser) interpolation(kind uint16) int32 {
	n := p.node(kind, true)
	p.add(n, p.anon())
	var e int32
	if p.is("yield") {
		e = p.yield()
	} else {
		e = p.expressions()
	}
	p.addf(n, e, fExpression)
	if p.is("=") {
		p.add(n, p.anon())
	}
	if p.kind() == tTypeConv {
		p.addf(n, p.leaf(kTypeConversion, true), fTypeConversion)
	}
	if p.is(":") {
		f := p.node(kFormatSpecifier, true)
		p.add(f, p.anon())
		for {
			if p.kind() == tFmtSpec {
				p.add(f, p.hidden())
				continue
			}
			if p.is("{") {
				p.add(f, p.interpolation(kFormatExpression))
				continue
			}
			break
		}
		p.addf(n, f, fFormatSpecifier)
	}
	p.add(n, p.expect("}"))
	return n
}

// leadingSplat parses the starred first item of an unparenthesized list
// (*a, b = c; x = *a, b; return *a, b). There tree-sitter binds the star
// to the name alone and applies what follows to the splat: *a.b, c is
// attribute(list_splat(a), b), c.
func (p *gparser) leadingSplat() int32 {
	s := p.node(kListSplat, true)
	p.add(s, p.anon())
	if p.kind() != tName || reserved(p.text()) {
		bail("leading splat of other than a name")
	}
	e := p.postfix(p.leafIdentOrBail(s))
	if !p.is(",") && !p.is("=") {
		bail("leading splat inside an expression")
	}
	return e
}

// leafIdentOrBail adds the current name to splat s and returns s.
func (p *gparser) leafIdentOrBail(s int32) int32 {
	p.add(s, p.ident())
	return s
}

// element parses a list, tuple or set element: an expression or *splat.
func (p *gparser) element() int32 {
	if p.is("*") {
		s := p.node(kListSplat, true)
		p.add(s, p.anon())
		p.add(s, p.expression())
		return s
	}
	if p.is("yield") {
		bail("yield")
	}
	return p.expression()
}

// loneSplat gives up on a list or set whose only element is a splat of
// more than a name: there tree-sitter binds the star to the name alone and
// applies what follows to the splat ([*a.b] is attribute(list_splat(a), b)),
// a shape this parser does not copy.
func (p *gparser) loneSplat(star bool, close string, e int32) {
	if star && p.is(close) && p.nodes[p.nodes[p.nodes[e].first].next].kind != kIdentifier {
		bail("a lone splat of more than a name")
	}
}

// collection adds ", element" repetitions and the closing bracket to n.
func (p *gparser) collection(n int32, close string) {
	for p.is(",") {
		p.add(n, p.anon())
		if p.is(close) {
			break
		}
		p.add(n, p.element())
	}
	p.add(n, p.expect(close))
}

func (p *gparser) paren() int32 {
	open := p.anon()
	if p.is(")") {
		t := p.node(kTuple, true)
		p.add(t, open)
		p.add(t, p.anon())
		return t
	}
	if p.is("yield") {
		x := p.node(kParenthesizedExpression, true)
		p.add(x, open)
		p.add(x, p.yield())
		p.add(x, p.expect(")"))
		return x
	}
	star := p.is("*")
	e := p.element()
	switch {
	case !star && p.is("for"):
		g := p.node(kGeneratorExpression, true)
		p.add(g, open)
		p.addf(g, e, fBody)
		p.comprehension(g)
		p.add(g, p.expect(")"))
		return g
	case !star && p.is(")"):
		x := p.node(kParenthesizedExpression, true)
		p.add(x, open)
		p.add(x, e)
		p.add(x, p.anon())
		return x
	case p.is(","):
		t := p.node(kTuple, true)
		p.add(t, open)
		p.add(t, e)
		p.collection(t, ")")
		return t
	}
	bail("parenthesized form")
	return -1
}

func (p *gparser) bracket() int32 {
	open := p.anon()
	if p.is("]") {
		l := p.node(kList, true)
		p.add(l, open)
		p.add(l, p.anon())
		return l
	}
	star := p.is("*")
	e := p.element()
	p.loneSplat(star, "]", e)
	if !star && p.is("for") {
		c := p.node(kListComprehension, true)
		p.add(c, open)
		p.addf(c, e, fBody)
		p.comprehension(c)
		p.add(c, p.expect("]"))
		return c
	}
	l := p.node(kList, true)
	p.add(l, open)
	p.add(l, e)
	p.collection(l, "]")
	return l
}

func (p *gparser) brace() int32 {
	open := p.anon()
	if p.is("}") {
		d := p.node(kDictionary, true)
		p.add(d, open)
		p.add(d, p.anon())
		return d
	}
	if p.is("**") || !p.is("*") && p.dictAhead() {
		d := p.node(kDictionary, true)
		p.add(d, open)
		first := p.dictItem()
		if p.nodes[first].kind == kPair && p.is("for") {
			p.nodes[d].kind = kDictionaryComprehension
			p.addf(d, first, fBody)
			p.comprehension(d)
			p.add(d, p.expect("}"))
			return d
		}
		p.add(d, first)
		for p.is(",") {
			p.add(d, p.anon())
			if p.is("}") {
				break
			}
			p.add(d, p.dictItem())
		}
		p.add(d, p.expect("}"))
		return d
	}
	star := p.is("*")
	e := p.element()
	p.loneSplat(star, "}", e)
	if !star && p.is("for") {
		c := p.node(kSetComprehension, true)
		p.add(c, open)
		p.addf(c, e, fBody)
		p.comprehension(c)
		p.add(c, p.expect("}"))
		return c
	}
	s := p.node(kSet, true)
	p.add(s, open)
	p.add(s, e)
	p.collection(s, "}")
	return s
}

// dictAhead reports whether the brace's first element is followed by a
// colon at the same bracket depth (a dictionary rather than a set).
func (p *gparser) dictAhead() bool {
	depth := 0
	for j := p.i; j < len(p.toks); j++ {
		t := &p.toks[j]
		if t.kind != tOp {
			if t.kind == tName && depth == 0 && string(p.src[t.start:t.end]) == "lambda" {
				return false // a lambda's colon; rare enough to decide as a set and let a mismatch bail
			}
			continue
		}
		switch string(p.src[t.start:t.end]) {
		case "(", "[", "{":
			depth++
		case ")", "]", "}":
			if depth == 0 {
				return false
			}
			depth--
		case ",":
			if depth == 0 {
				return false
			}
		case ":":
			if depth == 0 {
				return true
			}
		}
	}
	return false
}

func (p *gparser) dictItem() int32 {
	if p.is("**") {
		s := p.node(kDictionarySplat, true)
		p.add(s, p.anon())
		p.add(s, p.expression())
		return s
	}
	pr := p.node(kPair, true)
	p.addf(pr, p.expression(), fKey)
	p.add(pr, p.expect(":"))
	p.addf(pr, p.expression(), fValue)
	return pr
}
