//go:build treesitter

package pysrc

/*
#include <stdlib.h>
extern void ts_set_allocator(void *(*)(size_t), void *(*)(size_t, size_t), void *(*)(void *, size_t), void (*)(void *));
static void djsec_use_libc_allocator(void) { ts_set_allocator(malloc, calloc, realloc, free); }
*/
import "C"

// go-tree-sitter routes every allocation of the C parser through a Go
// callback (so Go code can swap allocators), which costs a cgo round trip
// per malloc and free: about a third of the parse time of a settings file.
// djsec never swaps allocators, so the parser calls libc directly. This runs
// after go-tree-sitter's own init, which this package imports.
func init() { C.djsec_use_libc_allocator() }
