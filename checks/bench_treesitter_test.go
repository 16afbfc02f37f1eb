//go:build treesitter

package checks

import (
	"testing"

	"github.com/djsec/djsec/checks/pysrc"
)

// BenchmarkParseLargeSettingsTreeSitter: BenchmarkParseLargeSettings's
// module parsed by tree-sitter (cgo), into the same tree.
func BenchmarkParseLargeSettingsTreeSitter(b *testing.B) {
	benchParse(b, pysrc.ParseTreeSitter)
}
