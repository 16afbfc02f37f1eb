package pysrc

// build turns the parser's arena into the tree Parse returns, placing each
// comment and line continuation where tree-sitter places extras: in the
// innermost node with tokens on both sides of it (tree-sitter leaves leading
// and trailing extras out of a node when it reduces it), and at the top
// level otherwise.
func (p *gparser) build(mod int32) *Node {
	extras := p.sc.extras[:0]
	defer func() { p.sc.extras = extras[:0] }()
	for i := range p.toks {
		if p.toks[i].kind.extra() {
			extras = append(extras, int32(i))
		}
	}
	total := p.visible + len(extras)
	t := &tree{
		nodes: make([]Node, 0, total),
		kids:  make([]int32, 0, total),
		named: make([]int32, 0, total),
	}
	b := &builder{p: p, t: t, extras: extras, stack: p.sc.stack[:0]}
	defer func() { p.sc.stack = b.stack[:0] }()
	m := &p.nodes[mod]
	// The root spans from its first token, extras included, to the end of
	// the file.
	eof := p.toks[len(p.toks)-1]
	if len(p.toks) > 1 {
		m.start, m.sp = p.toks[0].start, p.toks[0].sp
	} else {
		m.start, m.sp = eof.start, eof.sp
	}
	m.end, m.ep = eof.end, eof.ep
	b.emit(mod, -1, true)
	return &t.nodes[0]
}

type builder struct {
	p      *gparser
	t      *tree
	extras []int32
	next   int // next extra to place
	stack  []int32
}

func (b *builder) alloc() int32 {
	t := b.t
	if len(t.nodes) == cap(t.nodes) {
		panic("pysrc: node count mismatch") // the slab must not move
	}
	t.nodes = t.nodes[:len(t.nodes)+1]
	return int32(len(t.nodes) - 1)
}

func (b *builder) extra(parent int32) int32 {
	tok := &b.p.toks[b.extras[b.next]]
	b.next++
	id := b.alloc()
	n := &b.t.nodes[id]
	n.t = b.t
	n.kind = kComment
	if tok.kind == tLineCont {
		n.kind = kLineContinuation
	}
	n.flags = flagNamed
	n.startByte, n.endByte = tok.start, tok.end
	n.start, n.end = tok.sp, tok.ep
	n.parent = parent
	return id
}

func (b *builder) emit(id, parent int32, root bool) int32 {
	pn := &b.p.nodes[id]
	oid := b.alloc()
	out := &b.t.nodes[oid]
	out.t = b.t
	out.kind = pn.kind
	out.field = pn.field
	if pn.named {
		out.flags = flagNamed
	}
	out.startByte, out.endByte = pn.start, pn.end
	out.start, out.end = pn.sp, pn.ep
	out.parent = parent
	base := len(b.stack)
	for c := pn.first; c >= 0; c = b.p.nodes[c].next {
		cn := &b.p.nodes[c]
		if c != pn.first || root {
			for b.next < len(b.extras) && b.extras[b.next] < cn.ft {
				b.stack = append(b.stack, b.extra(oid))
			}
		}
		if cn.hidden {
			continue
		}
		b.stack = append(b.stack, b.emit(c, oid, false))
	}
	if root {
		for b.next < len(b.extras) {
			b.stack = append(b.stack, b.extra(oid))
		}
	}
	kids := b.stack[base:]
	if len(kids) > 0 {
		t := b.t
		out = &t.nodes[oid]
		out.kids, out.nkids = int32(len(t.kids)), int32(len(kids))
		t.kids = append(t.kids, kids...)
		out.named = int32(len(t.named))
		for _, c := range kids {
			if t.nodes[c].flags&flagNamed != 0 {
				t.named = append(t.named, c)
			}
		}
		out.nnamed = int32(len(t.named)) - out.named
	}
	b.stack = b.stack[:base]
	return oid
}
