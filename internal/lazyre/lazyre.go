// Package lazyre defers compiling package-level regular expressions to
// their first use. Every package `bot` links runs its variable
// initialisers before main, whichever command was asked for: compiling
// every pattern there cost a millisecond of each `bot audit` run, most of
// whose patterns that run never needs.
package lazyre

import (
	"regexp"
	"sync"
)

// New returns a function compiling expr once, on its first call. expr must
// be valid: like regexp.MustCompile, an invalid one panics (at first use).
func New(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
