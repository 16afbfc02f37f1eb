package formats

import (
	"bufio"
	"fmt"
	"io"

	"github.com/djsec/djsec/checks"
)

// Text writes compiler-style lines that editors and terminals link to:
//
//	mysite/settings.py:3:1: critical DJS201 debug-enabled: DEBUG is True …
//	big.py: error: file is larger than 1 MiB …
//	1 finding (1 critical), 12 files
//
// Suppressed findings are counted in the summary, not printed.
func Text(w io.Writer, res *checks.Result) error {
	bw := bufio.NewWriter(w)
	for _, f := range res.Findings {
		if f.Suppressed {
			continue
		}
		fmt.Fprintf(bw, "%s:%d:%d: %s %s %s: %s\n", f.Path, line(f), column(f), f.Severity, f.Rule, f.Slug, oneLine(f.Message))
	}
	for _, e := range res.Errors {
		fmt.Fprintf(bw, "%s: error: %s\n", e.Path, oneLine(e.Message))
	}
	fmt.Fprintln(bw, Summary(res))
	return bw.Flush()
}
