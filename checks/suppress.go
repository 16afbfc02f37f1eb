package checks

import (
	"bytes"
	"strings"

	"github.com/djsec/djsec/internal/lazyre"
)

// suppressRE matches `# djsec: ignore[DJS201, debug-enabled] reason` and a
// bare `# djsec: ignore reason` (every rule on the line).
var (
	suppressRE = lazyre.New(`#\s*djsec:\s*ignore(?:\[([^\]]*)\])?\s*(.*)$`)
	nosecRE    = lazyre.New(`#\s*nosec\b(.*)$`)
)

// suppression reports whether a comment on one of the finding's lines
// suppresses it, and the reason given there.
func suppression(src []byte, f Finding) (string, bool) {
	if len(src) == 0 || f.Line <= 0 {
		return "", false
	}
	end := f.EndLine
	if end < f.Line {
		end = f.Line
	}
	// Step to the finding's first line without splitting the whole file:
	// this runs once per finding, on modules of thousands of lines.
	rest := src
	for ln := 1; ln < f.Line; ln++ {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			return "", false
		}
		rest = rest[i+1:]
	}
	for ln := f.Line; ln <= end; ln++ {
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			rest = nil
		}
		if bytes.IndexByte(line, '#') < 0 {
			if rest == nil {
				break
			}
			continue
		}
		text := string(line)
		if m := suppressRE().FindStringSubmatch(text); m != nil {
			if m[1] == "" || namesRule(m[1], f) {
				return strings.TrimSpace(m[2]), true
			}
			continue
		}
		if m := nosecRE().FindStringSubmatch(text); m != nil {
			return strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(m[1]), "-:")), true
		}
	}
	return "", false
}

// namesRule reports whether a comma-separated list names f's rule by ID or slug.
func namesRule(list string, f Finding) bool {
	for _, n := range strings.Split(list, ",") {
		n = strings.TrimSpace(n)
		if strings.EqualFold(n, f.Rule) || strings.EqualFold(n, f.Slug) {
			return true
		}
	}
	return false
}
