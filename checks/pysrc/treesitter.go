//go:build treesitter

package pysrc

// The tree-sitter oracle: built only with -tags treesitter (and cgo), for
// the tests that hold the Go parser to tree-sitter's trees and the
// analyzer's findings to what they are with tree-sitter
// (oracle_test.go, checks/oracle_test.go), and for benchmarks. The shipped
// binary never links it.

// ParseTreeSitter parses src with tree-sitter alone.
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
	return &File{Src: src, Root: root, treeSitter: true, errAt: -1}, nil
}

// UseTreeSitter makes Parse use tree-sitter (on) or the Go parser (off),
// so a test can run the analyzer on both and compare. It is not safe to
// call while other goroutines parse: call it from a test that is not
// parallel, and switch back before it returns.
func UseTreeSitter(on bool) {
	if on {
		f := ParseTreeSitter
		oracle.Store(&f)
	} else {
		oracle.Store(nil)
	}
}
