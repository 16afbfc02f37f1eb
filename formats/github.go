package formats

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/djsec/djsec/checks"
)

// GitHub writes GitHub Actions workflow commands, which the runner turns
// into annotations on the files of the run:
//
//	::error file=mysite/settings.py,line=3,col=1,endLine=3,title=DJS201 debug-enabled::DEBUG is True …
//
// critical and high are errors, medium warnings, low and info notices.
// Files that could not be read become warnings; a plain summary line ends
// the output for the log.
func GitHub(w io.Writer, res *checks.Result) error {
	bw := bufio.NewWriter(w)
	for _, f := range res.Findings {
		if f.Suppressed {
			continue
		}
		fmt.Fprintf(bw, "::%s file=%s,line=%d,col=%d,endLine=%d,title=%s::%s\n",
			annotationLevel(f.Severity), escapeProperty(f.Path), line(f), column(f), endLine(f),
			escapeProperty(f.Rule+" "+f.Slug), escapeData(f.Message))
	}
	for _, e := range res.Errors {
		fmt.Fprintf(bw, "::warning file=%s,title=%s::%s\n", escapeProperty(e.Path), escapeProperty("djsec could not read this file"), escapeData(e.Message))
	}
	fmt.Fprintln(bw, "djsec: "+Summary(res))
	return bw.Flush()
}

func annotationLevel(s checks.Severity) string {
	switch {
	case s >= checks.High:
		return "error"
	case s == checks.Medium:
		return "warning"
	}
	return "notice"
}

// escapeData escapes a workflow command's message, as the runner's
// toolkit does (actions/toolkit core/src/command.ts).
var escapeData = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace

// escapeProperty escapes a workflow command property value, where : and ,
// separate properties.
var escapeProperty = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace
