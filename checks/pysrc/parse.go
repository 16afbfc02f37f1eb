// Package pysrc parses Python source into the tree tree-sitter's Python
// grammar (v0.23.6) builds, the error-tolerant parser the field uses, and
// offers the few node helpers the analyzer needs. The parser is pure Go
// (goparse.go, golex.go), so djsec builds with CGO_ENABLED=0; it builds
// tree-sitter's very tree, node for node, for every file without a syntax
// error, and for a file with one it keeps the statements around the broken
// ones (recover.go). Tree-sitter itself is only the test oracle, linked
// under the treesitter build tag (treesitter.go, oracle_test.go). It never
// executes anything.
package pysrc

import (
	"errors"
	"sync/atomic"
	"unicode/utf8"
)

// MaxSize is the largest source the analyzer reads; settings files are a few
// kilobytes, and anything beyond this is generated or not a settings file.
const MaxSize = 1 << 20

var (
	// ErrTooLarge is returned for sources over MaxSize.
	ErrTooLarge = errors.New("file is larger than 1 MiB")
	// ErrNotText is returned for sources that are binary or not UTF-8.
	ErrNotText = errors.New("file is not UTF-8 text")
)

// File is a parsed source.
type File struct {
	Src  []byte
	Root *Node
	// treeSitter is set when tree-sitter built the tree (oracle builds).
	treeSitter bool
	// errAt is where the Go parser met the first broken statement, -1
	// when it took the file whole or tree-sitter parsed it.
	errAt int
}

// oracle, when set (treesitter builds only, by the oracle tests), parses
// in Parse's place so the analyzer's findings can be compared.
var oracle atomic.Pointer[func([]byte) (*File, error)]

// Parse parses src. A file with syntax errors still yields a tree in which the
// broken parts are ERROR or MISSING nodes; HasErrors reports them.
func Parse(src []byte) (*File, error) {
	if len(src) > MaxSize {
		return nil, ErrTooLarge
	}
	if !IsText(src) {
		return nil, ErrNotText
	}
	if o := oracle.Load(); o != nil {
		return (*o)(src)
	}
	if root, ok := goParse(src); ok {
		return &File{Src: src, Root: root, errAt: -1}, nil
	}
	// A syntax error (or, should one remain, a construct the Go parser
	// does not know): parse statement by statement.
	root, at := recoverParse(src)
	return &File{Src: src, Root: root, errAt: at}, nil
}

// ParsedBy names the parser that built the tree: "go" or, in the oracle
// build, "tree-sitter".
func (f *File) ParsedBy() string {
	if f.treeSitter {
		return "tree-sitter"
	}
	return "go"
}

// IsText reports whether b looks like source text: valid UTF-8 with no NUL bytes.
func IsText(b []byte) bool {
	for _, c := range b {
		if c == 0 {
			return false
		}
	}
	return utf8.Valid(b)
}

// Close releases the file. The tree lives in Go memory, so this only drops
// the reference; it stays so callers need not know.
func (f *File) Close() {
	if f != nil {
		f.Root = nil
	}
}

// HasErrors reports whether any part of the file failed to parse.
func (f *File) HasErrors() bool { return f.Root.HasError() }

// FirstError returns the 1-based line and column of the first ERROR or
// MISSING node, or 0, 0 when the file parsed cleanly.
func (f *File) FirstError() (line, col int) {
	if !f.Root.HasError() {
		return 0, 0
	}
	if f.errAt >= 0 && !f.treeSitter {
		// Where the Go parser gave up on the first broken statement: the
		// error itself, not the start of the statement it broke.
		p := pointAt(f.Src, f.errAt)
		return int(p.row) + 1, int(p.col) + 1
	}
	var found *Node
	var walk func(n *Node)
	walk = func(n *Node) {
		if found != nil {
			return
		}
		if n.IsError() || n.IsMissing() {
			found = n
			return
		}
		if !n.HasError() {
			return
		}
		for i := uint(0); i < n.ChildCount(); i++ {
			walk(n.Child(i))
		}
	}
	walk(f.Root)
	if found == nil {
		return 1, 1
	}
	p := found.StartPosition()
	return int(p.Row) + 1, int(p.Column) + 1
}

// Text is the source text of n.
func (f *File) Text(n *Node) string {
	if n == nil {
		return ""
	}
	return string(f.Src[n.startByte:n.endByte])
}

// Pos is a 1-based source range; columns count bytes, as GitHub's annotations do.
type Pos struct {
	Line, Col, EndLine, EndCol int
}

// PosOf gives the 1-based range of n.
func PosOf(n *Node) Pos {
	if n == nil {
		return Pos{}
	}
	s, e := n.StartPosition(), n.EndPosition()
	return Pos{Line: int(s.Row) + 1, Col: int(s.Column) + 1, EndLine: int(e.Row) + 1, EndCol: int(e.Column) + 1}
}

// Named returns n's named children, skipping comments.
func Named(n *Node) []*Node {
	if n == nil {
		return nil
	}
	out := make([]*Node, 0, n.NamedChildCount())
	for i := uint(0); i < n.NamedChildCount(); i++ {
		c := n.NamedChild(i)
		if c.Kind() == "comment" {
			continue
		}
		out = append(out, c)
	}
	return out
}

// Walk calls fn for n and every descendant in source order; fn returning
// false skips that node's children.
func Walk(n *Node, fn func(*Node) bool) {
	if n == nil || !fn(n) {
		return
	}
	for i := uint(0); i < n.ChildCount(); i++ {
		Walk(n.Child(i), fn)
	}
}
