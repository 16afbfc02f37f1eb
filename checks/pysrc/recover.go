package pysrc

import "bytes"

// Error recovery for the Go parser. A file it cannot take whole is cut into
// top-level statements (a line that starts at column 0 starts one, unless
// it continues a compound statement: else, elif, except, finally, or closes
// a bracket), and each is parsed on its own with the positions of the whole
// file. A statement that does not parse alone is retried together with the
// ones after it (a decorator and its def, a bracket or a triple-quoted
// string spanning lines that start at column 0); one that never parses
// becomes an ERROR node covering its text, as tree-sitter's broken
// statements do, and the statements around it parse normally.
//
// The analyzer reads a broken top-level statement by its text
// (checks/settings/broken.go), so what matters is which statements end up
// broken, not the shape inside: like tree-sitter, an unclosed bracket also
// swallows the simple statements after it, up to the next one that starts
// with a keyword (def, class, if, import …). The trees are not tree-sitter's
// node for node; the oracle tests (oracle_test.go) compare the analyzer's
// findings on broken files instead.

// maxMerge bounds how many statements a broken one is retried with.
const maxMerge = 64

// recoverParse builds a tree for src, which goParse gave up on. errAt is the
// offset where the first broken statement failed to parse, -1 when every
// statement parsed once cut apart (such a file has no syntax error, but the
// whole-file parse gave up, which does not happen on a file that parses in
// pieces; it is kept for safety).
func recoverParse(src []byte) (root *Node, errAt int) {
	starts := chunkStarts(src)
	lines := make([]int, len(starts))
	line := 0
	for i := 1; i < len(starts); i++ {
		line += bytes.Count(src[starts[i-1]:starts[i]], []byte{'\n'})
		lines[i] = line
	}
	end := func(j int) int {
		if j >= len(starts) {
			return len(src)
		}
		return starts[j]
	}
	t := &tree{}
	t.nodes = append(t.nodes, Node{t: t, kind: kModule, flags: flagNamed, parent: -1})
	// Positions of the nodes made here, in increasing offsets: one scan.
	cur := &golexer{src: src}
	var kids []int32
	errAt = -1
	// Retrying merges costs at most a few times the file, whatever the
	// input: past the budget a statement that fails alone is an error.
	budget := 4*len(src) + 1<<16
	for i := 0; i < len(starts); {
		a := starts[i]
		next, at := -1, -1
		for j := i + 1; j <= len(starts) && j <= i+maxMerge; j++ {
			if j > i+1 {
				budget -= end(j) - a
				if budget < 0 {
					break
				}
			}
			r, bailAt, ok := goParseRange(src, a, end(j), lines[i])
			if j == i+1 {
				at = bailAt
			}
			if ok {
				for k := range r.ChildCount() {
					kids = append(kids, t.graft(r.Child(k), 0))
				}
				next = j
				break
			}
		}
		if next >= 0 {
			i = next
			continue
		}
		if errAt < 0 {
			errAt = at
		}
		e := i + 1
		if swallows(src[a:end(e)]) {
			for e < len(starts) && !startsWithKeyword(src[starts[e]:]) {
				e++
			}
		}
		kids = append(kids, t.errorNode(cur, a, end(e))...)
		i = e
	}
	t.finish(0, kids)
	m := &t.nodes[0]
	m.endByte = uint32(len(src))
	m.end = cur.pt(len(src))
	if len(kids) > 0 {
		first := &t.nodes[kids[0]]
		m.startByte, m.start = first.startByte, first.start
	} else {
		m.startByte, m.start = m.endByte, m.end
	}
	if errAt >= 0 {
		m.flags |= flagHasError
	}
	for i := range t.nodes {
		t.nodes[i].t = t
	}
	return &t.nodes[0], errAt
}

// chunkStarts lists the offsets where top-level statements may start.
func chunkStarts(src []byte) []int {
	out := []int{0}
	for i := 0; i < len(src); {
		nl := bytes.IndexByte(src[i:], '\n')
		if nl < 0 {
			break
		}
		i += nl + 1
		if i < len(src) && startsChunk(src[i:]) {
			out = append(out, i)
		}
	}
	return out
}

func startsChunk(b []byte) bool {
	switch b[0] {
	case ' ', '\t', '\n', '\r', '\f', '#', ')', ']', '}':
		return false
	}
	for _, kw := range []string{"else", "elif", "except", "finally"} {
		if bytes.HasPrefix(b, []byte(kw)) && (len(b) == len(kw) || !isNameByte(b[len(kw)])) {
			return false
		}
	}
	return true
}

func isNameByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// startsWithKeyword reports a statement that an open bracket before it
// cannot swallow, and that does not swallow what follows when it has one
// open (its block's indentation lets tree-sitter recover).
func startsWithKeyword(b []byte) bool {
	if b[0] == '@' {
		return true
	}
	n := 0
	for n < len(b) && isNameByte(b[n]) {
		n++
	}
	switch string(b[:n]) {
	case "def", "class", "if", "for", "while", "try", "with", "async", "import", "from", "return", "raise",
		"global", "nonlocal", "assert", "del", "pass", "break", "continue":
		return true
	}
	return false
}

// swallows reports a broken statement that takes the simple statements
// after it: a bracket is left open in it, and it is a simple statement or
// the bracket is on its last line of code (a compound statement's
// indented block otherwise ends it).
func swallows(b []byte) bool {
	at := openBracket(b)
	if at < 0 {
		return false
	}
	if !startsWithKeyword(b) {
		return true
	}
	rest := b[at:]
	nl := bytes.IndexByte(rest, '\n')
	if nl < 0 {
		return true
	}
	for _, line := range bytes.Split(rest[nl+1:], []byte{'\n'}) {
		if t := bytes.TrimLeft(line, " \t\f\r"); len(t) > 0 && t[0] != '#' {
			return false
		}
	}
	return true
}

// openBracket returns the offset of the outermost bracket left open at the
// end of b, strings and comments aside, or -1.
func openBracket(b []byte) int {
	var opens []int
	for i := 0; i < len(b); i++ {
		switch c := b[i]; c {
		case '#':
			for i < len(b) && b[i] != '\n' {
				i++
			}
		case '"', '\'':
			if i+2 < len(b) && b[i+1] == c && b[i+2] == c {
				j := bytes.Index(b[i+3:], []byte{c, c, c})
				if j < 0 {
					i = len(b) // unterminated: the rest is string
					continue
				}
				i += j + 5
				continue
			}
			for i++; i < len(b) && b[i] != c && b[i] != '\n'; i++ {
				if b[i] == '\\' {
					i++
				}
			}
		case '(', '[', '{':
			opens = append(opens, i)
		case ')', ']', '}':
			if len(opens) > 0 {
				opens = opens[:len(opens)-1]
			}
		}
	}
	if len(opens) == 0 {
		return -1
	}
	return opens[0]
}

// errorNode makes the ERROR node for the broken text src[a:b], ending at
// its last line of code; comment lines after it stay comments.
func (t *tree) errorNode(cur *golexer, a, b int) []int32 {
	src := cur.src
	type span struct{ s, e int }
	var comments []span
	e := a
	for i := a; i < b; {
		j := bytes.IndexByte(src[i:b], '\n')
		lineEnd := b
		if j >= 0 {
			lineEnd = i + j
		}
		text := bytes.TrimRight(src[i:lineEnd], " \t\r\f")
		trimmed := bytes.TrimLeft(text, " \t\f")
		switch {
		case len(trimmed) == 0:
		case trimmed[0] == '#' && e > a:
			comments = append(comments, span{i + len(text) - len(trimmed), i + len(text)})
		default:
			e = i + len(text)
			comments = comments[:0]
		}
		if j < 0 {
			break
		}
		i = lineEnd + 1
	}
	if e == a {
		e = a + len(bytes.TrimRight(src[a:b], " \t\r\f\n"))
	}
	out := []int32{t.leafNode(cur, kError, flagNamed|flagError|flagHasError, a, e)}
	for _, c := range comments {
		out = append(out, t.leafNode(cur, kComment, flagNamed, c.s, c.e))
	}
	return out
}

// leafNode adds a childless node over [a, b); offsets given to cur only
// grow.
func (t *tree) leafNode(cur *golexer, kind uint16, flags uint8, a, b int) int32 {
	start := cur.pt(a)
	t.nodes = append(t.nodes, Node{kind: kind, flags: flags, startByte: uint32(a), endByte: uint32(b),
		start: start, end: cur.pt(b), parent: 0})
	return int32(len(t.nodes) - 1)
}

// pointAt is the row and byte column of offset off (for one lookup; a
// golexer's pt serves increasing offsets in one scan).
func pointAt(src []byte, off int) point32 {
	row := bytes.Count(src[:off], []byte{'\n'})
	return point32{uint32(row), uint32(off - (bytes.LastIndexByte(src[:off], '\n') + 1))}
}

// graft copies the subtree at n into t under parent and returns its index.
func (t *tree) graft(n *Node, parent int32) int32 {
	t.nodes = append(t.nodes, *n)
	id := int32(len(t.nodes) - 1)
	t.nodes[id].parent = parent
	t.nodes[id].nkids, t.nodes[id].nnamed = 0, 0
	kids := make([]int32, 0, n.ChildCount())
	for i := range n.ChildCount() {
		kids = append(kids, t.graft(n.Child(i), id))
	}
	t.finish(id, kids)
	return id
}

// finish records kids as id's children.
func (t *tree) finish(id int32, kids []int32) {
	n := &t.nodes[id]
	n.kids, n.nkids = int32(len(t.kids)), int32(len(kids))
	t.kids = append(t.kids, kids...)
	n.named = int32(len(t.named))
	for _, c := range kids {
		if t.nodes[c].flags&flagNamed != 0 {
			t.named = append(t.named, c)
		}
	}
	n.nnamed = int32(len(t.named)) - n.named
}
