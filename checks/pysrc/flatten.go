//go:build treesitter

package pysrc

/*
#include <stdint.h>
#include <stdlib.h>
#include "tree_sitter_api.h"

extern const TSLanguage *tree_sitter_python(void);

typedef struct {
	uint16_t symbol;
	uint16_t field;
	uint8_t flags;
	uint32_t start_byte, end_byte;
	uint32_t start_row, start_col, end_row, end_col;
	int32_t parent;
} djsec_node;

enum { DJSEC_NAMED = 1, DJSEC_ERROR = 2, DJSEC_MISSING = 4, DJSEC_HAS_ERROR = 8 };

static TSParser *djsec_parser_new(void) {
	TSParser *p = ts_parser_new();
	if (p && !ts_parser_set_language(p, tree_sitter_python())) {
		ts_parser_delete(p);
		return NULL;
	}
	return p;
}

// djsec_parse parses src and writes every node of the tree, in preorder, to
// a malloc'd array, so that Go walks plain memory instead of making a cgo
// call per node visited. The tree itself is freed before returning.
static djsec_node *djsec_parse(TSParser *parser, const char *src, uint32_t len, uint32_t *count) {
	*count = 0;
	TSTree *tree = ts_parser_parse_string(parser, NULL, src, len);
	if (!tree) return NULL;
	TSNode root = ts_tree_root_node(tree);
	uint32_t n = ts_node_descendant_count(root);
	djsec_node *out = malloc(sizeof(djsec_node) * (n ? n : 1));
	int32_t *stack = malloc(sizeof(int32_t) * (n + 1));
	if (!out || !stack) {
		free(out);
		free(stack);
		ts_tree_delete(tree);
		return NULL;
	}
	TSTreeCursor c = ts_tree_cursor_new(root);
	uint32_t i = 0;
	int32_t depth = 0;
	for (;;) {
		if (i >= n) break;
		TSNode node = ts_tree_cursor_current_node(&c);
		djsec_node *d = &out[i];
		d->symbol = ts_node_symbol(node);
		d->field = ts_tree_cursor_current_field_id(&c);
		d->flags = (ts_node_is_named(node) ? DJSEC_NAMED : 0) | (ts_node_is_error(node) ? DJSEC_ERROR : 0) |
			(ts_node_is_missing(node) ? DJSEC_MISSING : 0) | (ts_node_has_error(node) ? DJSEC_HAS_ERROR : 0);
		d->start_byte = ts_node_start_byte(node);
		d->end_byte = ts_node_end_byte(node);
		TSPoint s = ts_node_start_point(node), e = ts_node_end_point(node);
		d->start_row = s.row;
		d->start_col = s.column;
		d->end_row = e.row;
		d->end_col = e.column;
		d->parent = depth > 0 ? stack[depth - 1] : -1;
		if (ts_tree_cursor_goto_first_child(&c)) {
			stack[depth++] = (int32_t)i;
			i++;
			continue;
		}
		i++;
		while (!ts_tree_cursor_goto_next_sibling(&c)) {
			if (depth == 0 || !ts_tree_cursor_goto_parent(&c)) goto done;
			depth--;
		}
	}
done:
	ts_tree_cursor_delete(&c);
	ts_tree_delete(tree);
	free(stack);
	*count = i;
	return out;
}

static const char *djsec_symbol_name(uint16_t symbol) {
	return ts_language_symbol_name(tree_sitter_python(), symbol);
}

static const char *djsec_field_name(uint16_t field) {
	return field ? ts_language_field_name_for_id(tree_sitter_python(), field) : "";
}
*/
import "C"

import (
	"errors"
	"sync"
	"unsafe"

	// Linked for the tree-sitter C library and the Python grammar, which
	// the C code above calls directly.
	_ "github.com/tree-sitter/go-tree-sitter"
	_ "github.com/tree-sitter/tree-sitter-python/bindings/go"
)

var parsers = sync.Pool{New: func() any {
	p := C.djsec_parser_new()
	if p == nil {
		panic("tree-sitter: cannot load the Python grammar")
	}
	return p
}}

// symbolIDs and fieldIDs map the grammar's symbol and field ids, which the
// grammar fixes, to interned names; guarded by namesMu.
var (
	symbolIDs = map[C.uint16_t]uint16{}
	fieldIDs  = map[C.uint16_t]uint16{}
)

func symbolID(s C.uint16_t) uint16 {
	if id, ok := symbolIDs[s]; ok {
		return id
	}
	id := internLocked(C.GoString(C.djsec_symbol_name(s)))
	symbolIDs[s] = id
	return id
}

func fieldID(f C.uint16_t) uint16 {
	if f == 0 {
		return 0
	}
	if id, ok := fieldIDs[f]; ok {
		return id
	}
	id := internLocked(C.GoString(C.djsec_field_name(f)))
	fieldIDs[f] = id
	return id
}

// parseTree parses src into Go nodes with one cgo call.
func parseTree(src []byte) (*Node, error) {
	p := parsers.Get().(*C.TSParser)
	defer parsers.Put(p)
	var count C.uint32_t
	var cs *C.char
	if len(src) > 0 {
		cs = (*C.char)(C.CBytes(src))
		defer C.free(unsafe.Pointer(cs))
	} else {
		cs = (*C.char)(C.CBytes([]byte{0}))
		defer C.free(unsafe.Pointer(cs))
	}
	raw := C.djsec_parse(p, cs, C.uint32_t(len(src)), &count)
	if raw == nil {
		return nil, errors.New("tree-sitter returned no tree")
	}
	defer C.free(unsafe.Pointer(raw))
	flat := unsafe.Slice(raw, int(count))
	if len(flat) == 0 {
		return nil, errors.New("tree-sitter returned an empty tree")
	}

	// Nodes come in preorder, so a node's children are the nodes whose
	// parent it is, in order; each node's slots in kids and named are laid
	// out by counting first.
	t := &tree{nodes: make([]Node, len(flat))}
	var nkids, nnamed int32
	for i := range flat {
		if par := flat[i].parent; par >= 0 {
			t.nodes[par].nkids++
			nkids++
			if flat[i].flags&C.DJSEC_NAMED != 0 {
				t.nodes[par].nnamed++
				nnamed++
			}
		}
	}
	t.kids = make([]int32, nkids)
	t.named = make([]int32, nnamed)
	var off, noff int32
	for i := range t.nodes {
		n := &t.nodes[i]
		n.kids, n.named = off, noff
		off += n.nkids
		noff += n.nnamed
		n.nkids, n.nnamed = 0, 0 // refilled below as children are placed
	}
	namesMu.Lock()
	for i := range flat {
		d := &flat[i]
		n := &t.nodes[i]
		n.t = t
		n.kind = symbolID(d.symbol)
		n.field = fieldID(d.field)
		n.flags = uint8(d.flags)
		n.startByte, n.endByte = uint32(d.start_byte), uint32(d.end_byte)
		n.start = point32{uint32(d.start_row), uint32(d.start_col)}
		n.end = point32{uint32(d.end_row), uint32(d.end_col)}
		n.parent = int32(d.parent)
		if d.parent >= 0 {
			par := &t.nodes[d.parent]
			t.kids[par.kids+par.nkids] = int32(i)
			par.nkids++
			if n.flags&flagNamed != 0 {
				t.named[par.named+par.nnamed] = int32(i)
				par.nnamed++
			}
		}
	}
	namesMu.Unlock()
	return &t.nodes[0], nil
}
