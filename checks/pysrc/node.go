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

// tree holds a parsed file's nodes. Nodes refer to each other by index, so
// the only pointer in a node is the one to its tree.
type tree struct {
	nodes []Node
	kids  []int32 // each node's children, contiguous, by index into nodes
	named []int32 // each node's named children, likewise
}

// Node is one node of a parsed tree, held in Go memory. Its methods mirror
// go-tree-sitter's Node, so code reads the same either way, without a cgo
// call per step.
type Node struct {
	t                  *tree
	kind, field        uint16 // indexes into names; field is the field this node fills in its parent
	flags              uint8
	startByte, endByte uint32
	start, end         point32
	parent             int32 // -1 for the root
	kids, nkids        int32 // offset and count in t.kids
	named, nnamed      int32 // offset and count in t.named
}

// Kind is the node's type: "assignment", "identifier", "ERROR" …
func (n *Node) Kind() string { return names[n.kind] }

// IsNamed reports a named node (not punctuation or a keyword).
func (n *Node) IsNamed() bool { return n.flags&flagNamed != 0 }

// IsError reports an ERROR node.
func (n *Node) IsError() bool { return n.flags&flagError != 0 }

// IsMissing reports a node the parser inserted to recover from an error.
func (n *Node) IsMissing() bool { return n.flags&flagMissing != 0 }

// HasError reports an ERROR or MISSING node at or below n.
func (n *Node) HasError() bool { return n.flags&flagHasError != 0 }

func (n *Node) StartByte() uint       { return uint(n.startByte) }
func (n *Node) EndByte() uint         { return uint(n.endByte) }
func (n *Node) StartPosition() Point  { return Point{Row: uint(n.start.row), Column: uint(n.start.col)} }
func (n *Node) EndPosition() Point    { return Point{Row: uint(n.end.row), Column: uint(n.end.col)} }
func (n *Node) ChildCount() uint      { return uint(n.nkids) }
func (n *Node) NamedChildCount() uint { return uint(n.nnamed) }

func (n *Node) Parent() *Node {
	if n.parent < 0 {
		return nil
	}
	return &n.t.nodes[n.parent]
}

func (n *Node) Child(i uint) *Node {
	if i >= uint(n.nkids) {
		return nil
	}
	return &n.t.nodes[n.t.kids[uint(n.kids)+i]]
}

func (n *Node) NamedChild(i uint) *Node {
	if i >= uint(n.nnamed) {
		return nil
	}
	return &n.t.nodes[n.t.named[uint(n.named)+i]]
}

// ChildByFieldName returns the first child filling the named field, or nil.
func (n *Node) ChildByFieldName(name string) *Node {
	for _, k := range n.t.kids[n.kids : n.kids+n.nkids] {
		c := &n.t.nodes[k]
		if c.field != 0 && names[c.field] == name {
			return c
		}
	}
	return nil
}

// fieldName is the field n fills in its parent, "" for none.
func (n *Node) fieldName() string { return names[n.field] }
