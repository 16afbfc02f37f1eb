package checks

import (
	"regexp"
	"sync"
)

// lazyRegexp compiles expr on first use: compiling every pattern at start-up
// cost a millisecond of each `bot audit` run, most of whose patterns the
// run never needs.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
