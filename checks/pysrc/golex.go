package pysrc

import "bytes"

// The Go tokenizer for the pure-Go parser (goparse.go). It reproduces the
// token stream tree-sitter's Python grammar sees: its external scanner
// (tree-sitter-python src/scanner.c: NEWLINE, INDENT and DEDENT as zero-width
// tokens placed where the scanner marks them, string delimiters and content,
// comments around dedents) and its internal lexer (names, numbers, operators,
// escape sequences). Where the two would need context it cannot know without
// the parser, or where the input is anything unusual (a lone CR, form
// feeds, non-ASCII outside strings and comments, backticks), it gives up
// and the file is parsed statement by statement (recover.go), so a stream
// it does return is the one tree-sitter would see.

type tkind uint8

const (
	tEOF tkind = iota
	tName
	tInt
	tFloat
	tOp
	tStrStart
	tStrContent // hidden: part of a string_content node
	tEscape     // escape_sequence
	tNotEscape  // hidden: a backslash that starts no escape sequence
	tStrEnd
	tNewline // hidden, zero-width
	tIndent  // hidden, zero-width
	tDedent  // hidden, zero-width
	tComment
	tLineCont
	tEscInterp // escape_interpolation: {{ or }} in an f-string
	tTypeConv  // type_conversion: !r in an interpolation
	tFmtSpec   // hidden: a format specifier's text
)

func (k tkind) extra() bool { return k == tComment || k == tLineCont }

type token struct {
	kind       tkind
	id         uint16 // an operator's node kind
	start, end uint32
	sp, ep     point32
}

type point32 struct{ row, col uint32 }

// bailout is panicked by the Go tokenizer and parser when the input is
// outside what they reproduce exactly; goParse recovers it.
type bailout struct {
	why string
	at  int // where the input is broken, when known; 0 otherwise
}

func bail(why string) { panic(bailout{why: why}) }

type golexer struct {
	src     []byte
	toks    []token
	indents []int
	depth   int
	opens   []int // offsets of the open brackets

	// position cursor for rows and columns: offsets passed to pt never
	// decrease, so one forward scan serves every token.
	line, lineStart, scanned int
	lineStart0               int // where lexing began
}

func (l *golexer) pt(off int) point32 {
	for l.scanned < off {
		i := bytes.IndexByte(l.src[l.scanned:off], '\n')
		if i < 0 {
			l.scanned = off
			break
		}
		l.line++
		l.lineStart = l.scanned + i + 1
		l.scanned = l.lineStart
	}
	return point32{uint32(l.line), uint32(off - l.lineStart)}
}

func (l *golexer) emit(k tkind, s, e int) {
	sp := l.pt(s)
	ep := point32{sp.row, sp.col + uint32(e-s)}
	if bytes.IndexByte(l.src[s:e], '\n') >= 0 {
		ep = l.pt(e)
	}
	l.toks = append(l.toks, token{kind: k, start: uint32(s), end: uint32(e), sp: sp, ep: ep})
}

func (l *golexer) top() int { return l.indents[len(l.indents)-1] }

// newLexer makes a lexer for src from offset a, the start of line number
// line (both 0 for a whole file), appending to buf.
func newLexer(src []byte, a, line int, buf []token) *golexer {
	l := &golexer{src: src, indents: make([]int, 1, 16), line: line, lineStart: a, scanned: a, lineStart0: a}
	l.toks = buf[:0]
	return l
}

// run tokenizes src[a:], ending with EOF.
func (l *golexer) run(a int) []token {
	src := l.src
	for i, c := range src[a:] {
		// CR LF line ends are whitespace and line ends to tree-sitter
		// (comments keep the CR); a lone CR or a form feed is left out.
		if c == '\r' && (a+i+1 == len(src) || src[a+i+1] != '\n') || c == '\f' {
			bail("lone CR or form feed")
		}
	}
	if a == 0 && len(src) >= 3 && src[0] == 0xef && src[1] == 0xbb && src[2] == 0xbf {
		a = 3 // a byte order mark is whitespace to tree-sitter's lexer
	}
	pos := l.statementStart(a, true)
	for pos < len(src) {
		pos = l.line1(pos)
		pos = l.statementStart(pos, false)
	}
	l.emit(tEOF, len(src), len(src))
	return l.toks
}

// lastEnd is where the previous token ended: where the scanner starts, and
// so where its zero-width tokens sit.
func (l *golexer) lastEnd() int {
	if len(l.toks) == 0 {
		return l.lineStart0
	}
	return int(l.toks[len(l.toks)-1].end)
}

// statementStart runs where a statement may begin (file start, after
// NEWLINE, INDENT or DEDENT): the scanner's look-ahead over blank and
// comment lines decides the DEDENTs, and comments it does not take become
// extras. It returns the offset of the statement's first character, or
// len(src) at the end.
func (l *golexer) statementStart(p int, fileStart bool) int {
	src := l.src
	for {
		q, eol, ind, fc, comment := p, false, 0, -1, -1
	scan:
		for {
			if q == len(src) {
				eol, ind = true, 0
				break
			}
			switch src[q] {
			case '\n':
				eol, ind = true, 0
				q++
			case ' ':
				ind++
				q++
			case '\r':
				ind = 0
				q++
			case '\t':
				ind += 8
				q++
			case '#':
				if !eol {
					// only at the very start of the file
					comment = q
					break scan
				}
				if fc == -1 {
					fc = ind
					comment = q
				}
				for q < len(src) && src[q] != '\n' {
					q++
				}
			case '\\':
				bail("line continuation at a statement start")
			default:
				break scan
			}
		}
		if eol && ind < l.top() && fc < l.top() {
			at := l.lastEnd()
			l.emit(tDedent, at, at)
			l.indents = l.indents[:len(l.indents)-1]
			continue
		}
		if comment >= 0 {
			e := comment
			for e < len(src) && src[e] != '\n' {
				e++
			}
			l.emit(tComment, comment, e)
			p = e
			continue
		}
		if q == len(src) {
			if len(l.indents) != 1 {
				bail("indentation left open at the end")
			}
			return q
		}
		// A line indented deeper than its block without a colon before
		// it: the scanner emits nothing (INDENT is valid only after a
		// colon), so tree-sitter reads it as the block's next statement,
		// and so does this lexer. Python would reject it.
		if ind < l.top() || (fileStart && !eol && q != 0 && ind != 0) {
			bail("unexpected indentation")
		}
		return q
	}
}

// nextCodeIndent is the indentation of the next line holding code after p,
// skipping blank and comment lines; -1 at the end of the file.
func (l *golexer) nextCodeIndent(p int) int {
	src := l.src
	ind, eol := 0, false
	for q := p; q < len(src); q++ {
		switch src[q] {
		case '\n':
			eol, ind = true, 0
		case ' ':
			ind++
		case '\r':
			ind = 0
		case '\t':
			ind += 8
		case '#':
			for q < len(src) && src[q] != '\n' {
				q++
			}
			q--
		default:
			if !eol {
				return -1
			}
			return ind
		}
	}
	return -1
}

// line1 tokenizes one logical line starting at p (a statement's first
// character) and ends it with NEWLINE or INDENT. It returns the offset of
// the line's end, where the next statementStart scan begins.
func (l *golexer) line1(p int) int {
	src := l.src
	lastColon := false
	for {
		for p < len(src) && (src[p] == ' ' || src[p] == '\t' || src[p] == '\r') {
			p++
		}
		if p == len(src) || src[p] == '\n' {
			if l.depth > 0 {
				if p == len(src) {
					// An error report points at the bracket left open.
					panic(bailout{why: "bracket open at the end", at: l.opens[len(l.opens)-1]})
				}
				// Inside brackets a line less indented than the block
				// makes the scanner emit a DEDENT unless a closing
				// bracket may come next (it may after an expression, an
				// opening ( or { and a comma) or a string starts the line
				// where one may.
				if ind := l.nextCodeIndent(p); ind >= 0 && ind < l.top() && !l.closeMayFollow() {
					panic(bailout{why: "continuation line less indented than its block", at: p})
				}
				p++
				continue
			}
			at := l.lastEnd()
			if lastColon {
				ind := l.nextCodeIndent(p)
				if ind <= l.top() {
					bail("block without an indented body")
				}
				l.indents = append(l.indents, ind)
				l.emit(tIndent, at, at)
			} else {
				l.emit(tNewline, at, at)
			}
			return p
		}
		c := src[p]
		if c != '#' {
			lastColon = false
		}
		switch {
		case c == '#':
			e := p
			for e < len(src) && src[e] != '\n' {
				e++
			}
			l.emit(tComment, p, e)
			p = e
		case c == '\\':
			n := 2
			if p+2 < len(src) && src[p+1] == '\r' {
				n = 3
			}
			if p+n > len(src) || src[p+n-1] != '\n' {
				bail("backslash outside a string")
			}
			// The scanner skips a continuation as whitespace when a
			// string starts after it; otherwise the lexer makes it a
			// line_continuation node.
			q := p + n
			for q < len(src) && (src[q] == ' ' || src[q] == '\t') {
				q++
			}
			if q >= len(src) || src[q] == '\n' || src[q] == '\r' || src[q] == '#' || src[q] == '\\' {
				bail("line continuation before a blank line, comment or another continuation")
			}
			if !l.stringAhead(q) {
				l.emit(tLineCont, p, p+n)
			}
			p = q
		case c == '"' || c == '\'':
			p = l.str(p)
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			if l.stringAhead(p) {
				p = l.str(p)
				continue
			}
			e := p + 1
			for e < len(src) && (src[e] == '_' || src[e] >= 'a' && src[e] <= 'z' || src[e] >= 'A' && src[e] <= 'Z' || src[e] >= '0' && src[e] <= '9') {
				e++
			}
			if e < len(src) && src[e] >= 0x80 {
				bail("non-ASCII identifier")
			}
			l.emit(tName, p, e)
			p = e
		case c >= '0' && c <= '9' || c == '.' && p+1 < len(src) && src[p+1] >= '0' && src[p+1] <= '9':
			p = l.number(p)
		default:
			n := opLen(src[p:])
			if n == 0 {
				bail("unexpected character")
			}
			switch c {
			case '(', '[', '{':
				l.depth++
				l.opens = append(l.opens, p)
			case ')', ']', '}':
				l.depth--
				if l.depth < 0 {
					bail("unbalanced bracket")
				}
				l.opens = l.opens[:len(l.opens)-1]
			}
			if n == 1 && c == ':' && l.depth == 0 {
				lastColon = true
			}
			l.emit(tOp, p, p+n)
			l.toks[len(l.toks)-1].id = anonID(src[p : p+n])
			p += n
		}
	}
}

// stringAhead reports a string literal (optional prefix, then a quote) at p.
func (l *golexer) stringAhead(p int) bool {
	for ; p < len(l.src); p++ {
		switch l.src[p] {
		case 'f', 'F', 'r', 'R', 'b', 'B', 'u', 'U':
			continue
		case '"', '\'':
			return true
		}
		return false
	}
	return false
}

func opLen(b []byte) int {
	if len(b) >= 3 {
		switch string(b[:3]) {
		case "**=", "//=", ">>=", "<<=", "...":
			return 3
		}
	}
	if len(b) >= 2 {
		switch string(b[:2]) {
		case "**", "//", ">>", "<<", "<=", ">=", "==", "!=", "<>", "->", ":=",
			"+=", "-=", "*=", "/=", "@=", "%=", "&=", "^=", "|=":
			return 2
		}
	}
	switch b[0] {
	case '+', '-', '*', '/', '%', '@', '|', '&', '^', '~', '<', '>', '=', '.', ',', ':', ';', '(', ')', '[', ']', '{', '}':
		return 1
	}
	return 0
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// digits matches ([0-9]+_?)+ at p and returns its end (p when none).
func digits(src []byte, p int) int {
	q := p
	for q < len(src) && isDigit(src[q]) {
		for q < len(src) && isDigit(src[q]) {
			q++
		}
		if q < len(src) && src[q] == '_' {
			q++
		}
	}
	return q
}

// number lexes tree-sitter's integer and float tokens (longest match).
func (l *golexer) number(p int) int {
	src := l.src
	kind := tInt
	var e int
	if src[p] == '0' && p+1 < len(src) && strings0xob(src[p+1]) {
		var ok func(byte) bool
		switch src[p+1] | 0x20 {
		case 'x':
			ok = func(c byte) bool { return isDigit(c) || c|0x20 >= 'a' && c|0x20 <= 'f' }
		case 'o':
			ok = func(c byte) bool { return c >= '0' && c <= '7' }
		default:
			ok = func(c byte) bool { return c == '0' || c == '1' }
		}
		q := p + 2
		for {
			r := q
			if r < len(src) && src[r] == '_' {
				r++
			}
			if r >= len(src) || !ok(src[r]) {
				break
			}
			for r < len(src) && ok(src[r]) {
				r++
			}
			q = r
		}
		if q == p+2 {
			bail("number prefix without digits")
		}
		if q < len(src) && (src[q] == 'l' || src[q] == 'L') {
			q++
		}
		e = q
	} else {
		d := digits(src, p)
		q := d
		if q < len(src) && src[q] == '.' && (q > p || q+1 < len(src) && isDigit(src[q+1])) {
			kind = tFloat
			q = digits(src, q+1)
			q = exponent(src, q)
			if q < len(src) && (src[q] == 'j' || src[q] == 'J') {
				q++
			}
		} else if x := exponent(src, q); x > q {
			kind = tFloat
			q = x
			if q < len(src) && (src[q] == 'j' || src[q] == 'J') {
				q++
			}
		} else if q < len(src) && (src[q] == 'l' || src[q] == 'L' || src[q] == 'j' || src[q] == 'J') {
			q++
		}
		e = q
	}
	if e < len(src) && (src[e] == '_' || src[e] == '.' || src[e] >= 0x80 || isDigit(src[e]) || src[e]|0x20 >= 'a' && src[e]|0x20 <= 'z') {
		bail("number followed by a name character")
	}
	l.emit(kind, p, e)
	return e
}

func strings0xob(c byte) bool {
	switch c {
	case 'x', 'X', 'o', 'O', 'b', 'B':
		return true
	}
	return false
}

func exponent(src []byte, q int) int {
	if q >= len(src) || src[q]|0x20 != 'e' {
		return q
	}
	r := q + 1
	if r < len(src) && (src[r] == '+' || src[r] == '-') {
		r++
	}
	if d := digits(src, r); d > r {
		return d
	}
	return q
}

const (
	sRaw = 1 << iota
	sBytes
	sFormat
	sTriple
)

// str lexes one string literal at p: string_start, the content pieces the
// scanner and lexer return in turn, string_end. The content loop is
// scanner.c's, step for step, quirks included (a raw string's leading
// escaped quote or backslash ends up in string_end; \N, \u and \U in bytes
// skip one more character).
func (l *golexer) str(p int) int {
	src := l.src
	flags := 0
	q := p
	for ; src[q] != '"' && src[q] != '\''; q++ {
		switch src[q] {
		case 'f', 'F':
			flags |= sFormat
		case 'r', 'R':
			flags |= sRaw
		case 'b', 'B':
			flags |= sBytes
		}
	}
	endc := src[q]
	q++
	if q+1 < len(src) && src[q] == endc && src[q+1] == endc {
		q += 2
		flags |= sTriple
	}
	l.emit(tStrStart, p, q)
	for {
		start := q
		has := false
		kind, end := tEOF, 0
	content:
		for q < len(src) {
			c := src[q]
			switch {
			case flags&sFormat != 0 && (c == '{' || c == '}'):
				// scanner.c stops the content at every brace of an
				// f-string: a doubled one is an escape_interpolation, a
				// single { opens an interpolation the lexer tokenizes.
				if has {
					kind, end = tStrContent, q
				} else {
					kind, end = tOp, q
				}
				break content
			case c == '\\':
				if flags&sRaw != 0 {
					q++
					if q < len(src) && (src[q] == endc || src[q] == '\\') {
						q++
					}
					if q < len(src) && src[q] == '\r' {
						q++
					}
					if q < len(src) && src[q] == '\n' {
						q++
					}
					continue
				}
				if flags&sBytes != 0 {
					mark := q
					q++
					if q < len(src) && (src[q] == 'N' || src[q] == 'u' || src[q] == 'U') {
						q++
					} else {
						if has {
							kind, end = tStrContent, mark
						} else {
							kind, end = tEOF, mark // the lexer's turn
						}
						q = mark
						break content
					}
				} else {
					if has {
						kind, end = tStrContent, q
					} else {
						kind, end = tEOF, q
					}
					break content
				}
			case c == endc:
				if flags&sTriple != 0 {
					mark := q
					q++
					if q < len(src) && src[q] == endc {
						q++
						if q < len(src) && src[q] == endc {
							if has {
								kind, end = tStrContent, mark
							} else {
								kind, end = tStrEnd, q+1
							}
							break content
						}
						kind, end = tStrContent, q
						break content
					}
					kind, end = tStrContent, q
					break content
				}
				if has {
					kind, end = tStrContent, q
				} else {
					kind, end = tStrEnd, q+1
				}
				break content
			case c == '\n' && flags&sTriple == 0:
				bail("newline in a single-quoted string")
			}
			q++
			has = true
		}
		if q >= len(src) && kind == tEOF && end == 0 {
			bail("unterminated string")
		}
		switch kind {
		case tStrContent:
			l.emit(tStrContent, start, end)
			q = end
		case tStrEnd:
			l.emit(tStrEnd, start, end)
			return end
		case tOp:
			q = end
			if q+1 < len(src) && src[q+1] == src[q] {
				l.emit(tEscInterp, q, q+2)
				q += 2
				continue
			}
			if src[q] == '}' {
				bail("single } in an f-string")
			}
			q = l.interpolation(q)
		default:
			// The scanner declined at a backslash: the lexer takes an
			// escape sequence, or the lone backslash.
			q = end
			n := escapeLen(src[q:])
			if n > 0 {
				l.emit(tEscape, q, q+n)
				q += n
			} else {
				l.emit(tNotEscape, q, q+1)
				q++
			}
		}
	}
}

// escapeLen matches tree-sitter-python's escape_sequence at b (which starts
// with a backslash) and returns its length, or 0.
func escapeLen(b []byte) int {
	if len(b) < 2 {
		return 0
	}
	hex := func(n int) int {
		if len(b) < 2+n {
			return 0
		}
		for _, c := range b[2 : 2+n] {
			if !isDigit(c) && (c|0x20 < 'a' || c|0x20 > 'f') {
				return 0
			}
		}
		return 2 + n
	}
	switch c := b[1]; {
	case c == 'u':
		return hex(4)
	case c == 'U':
		return hex(8)
	case c == 'x':
		return hex(2)
	case isDigit(c):
		n := 2
		for n < 4 && n < len(b) && isDigit(b[n]) {
			n++
		}
		return n
	case c == '\n':
		return 2
	case c == '\r' && len(b) > 2 && b[2] == '\n':
		return 3
	case c == '\'' || c == '"' || c == 'a' || c == 'b' || c == 'f' || c == 'r' || c == 'n' || c == 't' || c == 'v' || c == '\\':
		return 2
	case c == 'N':
		if len(b) > 3 && b[2] == '{' && b[3] != '}' {
			for i := 3; i < len(b); i++ {
				if b[i] == '}' {
					return i + 1
				}
			}
		}
		return 0
	}
	return 0
}

// interpolation tokenizes an f-string's {expression=!c:spec} at p (its
// opening brace) the way the lexer sees it inside the braces: ordinary
// tokens, nested strings (any quotes: the scanner keeps a stack of
// delimiters), a type_conversion, and a format specifier whose text is one
// token up to the next brace or newline, spaces included. It returns the
// offset after the closing brace.
func (l *golexer) interpolation(p int) int {
	src := l.src
	l.op(p, 1)
	p++
	depth := 0
	for {
		for p < len(src) && (src[p] == ' ' || src[p] == '\t') {
			p++
		}
		if p == len(src) {
			bail("unterminated interpolation")
		}
		c := src[p]
		switch {
		case c == '\n' || c == '\\' || c == '#' || c == '\r':
			bail("newline, backslash or comment in an interpolation")
		case depth == 0 && c == '}':
			l.op(p, 1)
			return p + 1
		case depth == 0 && c == '!' && p+1 < len(src) && src[p+1] >= 'a' && src[p+1] <= 'z':
			l.emit(tTypeConv, p, p+2)
			p += 2
		case depth == 0 && c == ':':
			if p+1 < len(src) && src[p+1] == '=' {
				bail("walrus at the top of an interpolation")
			}
			l.op(p, 1)
			p++
			for {
				e := p
				for e < len(src) && src[e] != '{' && src[e] != '}' && src[e] != '\n' {
					e++
				}
				if e > p {
					l.emit(tFmtSpec, p, e)
					p = e
				}
				switch {
				case p == len(src) || src[p] == '\n':
					bail("format specifier without an end")
				case src[p] == '}':
					l.op(p, 1)
					return p + 1
				case p+1 < len(src) && src[p+1] == '{':
					bail("{{ in a format specifier")
				}
				p = l.interpolation(p)
			}
		case c == '"' || c == '\'':
			p = l.str(p)
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			if l.stringAhead(p) {
				p = l.str(p)
				continue
			}
			e := p + 1
			for e < len(src) && (src[e] == '_' || src[e] >= 'a' && src[e] <= 'z' || src[e] >= 'A' && src[e] <= 'Z' || src[e] >= '0' && src[e] <= '9') {
				e++
			}
			if e < len(src) && src[e] >= 0x80 {
				bail("non-ASCII identifier")
			}
			if string(src[p:e]) == "lambda" && depth == 0 {
				bail("lambda at the top of an interpolation")
			}
			l.emit(tName, p, e)
			p = e
		case c >= '0' && c <= '9' || c == '.' && p+1 < len(src) && src[p+1] >= '0' && src[p+1] <= '9':
			p = l.number(p)
		default:
			n := opLen(src[p:])
			if n == 0 {
				bail("unexpected character")
			}
			switch c {
			case '(', '[', '{':
				depth++
			case ')', ']', '}':
				depth--
				if depth < 0 {
					bail("unbalanced bracket")
				}
			}
			l.op(p, n)
			p += n
		}
	}
}

// op emits the operator token of n bytes at p.
func (l *golexer) op(p, n int) {
	l.emit(tOp, p, p+n)
	l.toks[len(l.toks)-1].id = anonID(l.src[p : p+n])
}

// closeMayFollow reports, inside brackets, a last token after which the
// grammar accepts a closing bracket: the end of an expression, "(", "{" or
// a comma. After an operator, a keyword or "[" it does not.
func (l *golexer) closeMayFollow() bool {
	t := &l.toks[len(l.toks)-1]
	switch t.kind {
	case tInt, tFloat, tStrEnd:
		return true
	case tName:
		return !reserved(l.src[t.start:t.end]) || string(l.src[t.start:t.end]) == "True" ||
			string(l.src[t.start:t.end]) == "False" || string(l.src[t.start:t.end]) == "None"
	case tOp:
		switch l.src[t.start] {
		case ')', ']', '}', '(', '{', ',':
			return t.end == t.start+1
		}
	}
	return false
}
