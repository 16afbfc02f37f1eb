// Package pysrc parses Python source with tree-sitter's Python grammar, the
// error-tolerant parser the field uses, and offers the few node helpers the
// analyzer needs. It never executes anything.
package pysrc

import (
	"errors"
	"fmt"
	"sync"
	"unicode/utf8"

	sitter "github.com/tree-sitter/go-tree-sitter"
	python "github.com/tree-sitter/tree-sitter-python/bindings/go"
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

var language = sitter.NewLanguage(python.Language())

var parsers = sync.Pool{New: func() any {
	p := sitter.NewParser()
	if err := p.SetLanguage(language); err != nil {
		panic(fmt.Sprintf("tree-sitter python grammar: %v", err))
	}
	return p
}}

// File is a parsed source. Close releases the tree's C memory.
type File struct {
	Src  []byte
	Tree *sitter.Tree
	Root *sitter.Node
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
	p := parsers.Get().(*sitter.Parser)
	defer parsers.Put(p)
	tree := p.Parse(src, nil)
	if tree == nil {
		return nil, errors.New("tree-sitter returned no tree")
	}
	return &File{Src: src, Tree: tree, Root: tree.RootNode()}, nil
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

// Close frees the tree.
func (f *File) Close() {
	if f != nil && f.Tree != nil {
		f.Tree.Close()
		f.Tree = nil
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
	var found *sitter.Node
	var walk func(n *sitter.Node)
	walk = func(n *sitter.Node) {
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
func (f *File) Text(n *sitter.Node) string {
	if n == nil {
		return ""
	}
	return string(f.Src[n.StartByte():n.EndByte()])
}

// Pos is a 1-based source range; columns count bytes, as GitHub's annotations do.
type Pos struct {
	Line, Col, EndLine, EndCol int
}

// PosOf gives the 1-based range of n.
func PosOf(n *sitter.Node) Pos {
	if n == nil {
		return Pos{}
	}
	s, e := n.StartPosition(), n.EndPosition()
	return Pos{Line: int(s.Row) + 1, Col: int(s.Column) + 1, EndLine: int(e.Row) + 1, EndCol: int(e.Column) + 1}
}

// Named returns n's named children, skipping comments.
func Named(n *sitter.Node) []*sitter.Node {
	if n == nil {
		return nil
	}
	out := make([]*sitter.Node, 0, n.NamedChildCount())
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
func Walk(n *sitter.Node, fn func(*sitter.Node) bool) {
	if n == nil || !fn(n) {
		return
	}
	for i := uint(0); i < n.ChildCount(); i++ {
		Walk(n.Child(i), fn)
	}
}
