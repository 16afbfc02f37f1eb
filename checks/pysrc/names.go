//go:build treesitter

package pysrc

import "sync"

// Node kinds and field names are small integers into one table of names
// (kinds.go), so a node holds no strings and a tree is nearly free of
// pointers for the garbage collector to scan. The Go parser's names are
// laid out statically; tree-sitter's (oracle builds) are interned on first
// use.

// names (kinds.go) is written only under namesMu and only at indexes not
// yet handed out, so reading an index a node holds needs no lock.
var (
	namesMu   sync.Mutex
	nameIDs   map[string]uint16 // built on first use
	namesUsed = int(staticNames)
)

// internLocked returns s's index in names, adding it if new; namesMu must
// be held.
func internLocked(s string) uint16 {
	if nameIDs == nil {
		nameIDs = make(map[string]uint16, 2*namesUsed)
		for i, n := range names[:namesUsed] {
			nameIDs[n] = uint16(i)
		}
	}
	if id, ok := nameIDs[s]; ok {
		return id
	}
	if namesUsed == maxNames {
		panic("pysrc: too many node kinds and field names")
	}
	id := uint16(namesUsed)
	names[id] = s
	nameIDs[s] = id
	namesUsed++
	return id
}
