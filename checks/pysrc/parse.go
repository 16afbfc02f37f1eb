// Package pysrc parses Python source into the tree tree-sitter's Python
// grammar builds, the error-tolerant parser the field uses, and offers the
// few node helpers the analyzer needs. A pure-Go parser (goparse.go) builds
// that very tree, without cgo, for the files it covers — proven identical
// node for node on the real-world corpus — and tree-sitter parses the rest.
// It never executes anything.
package pysrc

import (
	"errors"
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
	// treeSitter is set when the Go parser gave the file to tree-sitter.
	treeSitter bool
}

// Parse parses src. A file with syntax errors still yields a tree in which the
// broken parts are ERROR or MISSING nodes; HasErrors reports them.
func Parse(src []byte) (*File, error) {
	if len(src) > MaxSize {
		return nil, ErrTooLarge
	}
	if !IsText(src) {
		return nil, ErrNotText
	}
	// The Go parser builds tree-sitter's tree without cgo for the files it
	// covers (goparse.go); anything else, syntax errors included, goes to
	// tree-sitter and its error recovery.
	if root, ok := goParse(src); ok {
		return &File{Src: src, Root: root}, nil
	}
	return ParseTreeSitter(src)
}

// ParseTreeSitter parses src with tree-sitter alone. Parse uses it for the
// files the Go parser does not take; it is exported for comparisons and
// benchmarks.
func ParseTreeSitter(src []byte) (*File, error) {
	if len(src) > MaxSize {
		return nil, ErrTooLarge
	}
	if !IsText(src) {
		return nil, ErrNotText
	}
	root, err := parseTree(src)
	if err != nil {
		return nil, err
	}
	return &File{Src: src, Root: root, treeSitter: true}, nil
}

// ParsedBy names the parser that built the tree: "go" or "tree-sitter".
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
