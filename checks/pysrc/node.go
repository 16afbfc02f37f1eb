package pysrc

// Point is a 0-based row and byte column, as tree-sitter reports them.
type Point struct {
	Row, Column uint
}

const (
	flagNamed    = 1
	flagError    = 2
	flagMissing  = 4
	flagHasError = 8
)

// Node is one node of a parsed tree, held in Go memory. Its methods mirror
// go-tree-sitter's Node, so code reads the same either way, without a cgo
// call per step.
type Node struct {
	kind               string
	field              string // the field this node fills in its parent
	flags              uint8
	startByte, endByte uint
	start, end         Point
	parent             *Node
	children, named    []*Node
}

// Kind is the node's type: "assignment", "identifier", "ERROR" …
func (n *Node) Kind() string { return n.kind }

// IsNamed reports a named node (not punctuation or a keyword).
func (n *Node) IsNamed() bool { return n.flags&flagNamed != 0 }

// IsError reports an ERROR node.
func (n *Node) IsError() bool { return n.flags&flagError != 0 }

// IsMissing reports a node the parser inserted to recover from an error.
func (n *Node) IsMissing() bool { return n.flags&flagMissing != 0 }

// HasError reports an ERROR or MISSING node at or below n.
func (n *Node) HasError() bool { return n.flags&flagHasError != 0 }

func (n *Node) StartByte() uint         { return n.startByte }
func (n *Node) EndByte() uint           { return n.endByte }
func (n *Node) StartPosition() Point    { return n.start }
func (n *Node) EndPosition() Point      { return n.end }
func (n *Node) Parent() *Node           { return n.parent }
func (n *Node) ChildCount() uint        { return uint(len(n.children)) }
func (n *Node) NamedChildCount() uint   { return uint(len(n.named)) }
func (n *Node) Child(i uint) *Node      { return at(n.children, i) }
func (n *Node) NamedChild(i uint) *Node { return at(n.named, i) }

func at(s []*Node, i uint) *Node {
	if i >= uint(len(s)) {
		return nil
	}
	return s[i]
}

// ChildByFieldName returns the first child filling the named field, or nil.
func (n *Node) ChildByFieldName(name string) *Node {
	for _, c := range n.children {
		if c.field == name {
			return c
		}
	}
	return nil
}
