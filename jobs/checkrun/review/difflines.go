package review

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/sourcegraph/go-diff/diff"
)

// errNoPatch marks a file GitHub listed without a patch (binary files,
// diffs too large for the API): none of its lines can carry an annotation.
var errNoPatch = errors.New("the file has no patch")

// diffLines holds the new file's line numbers a patch shows, added or as
// context. GitHub places annotations on those lines in the pull request's
// "Files changed" view; elsewhere they only show on the check run page.
type diffLines map[int]bool

// span finds where an annotation for lines start..end can go: from the
// first of those lines the diff shows to the end of that run of diff lines
// (a multi-line statement the pull request touched in its middle is
// annotated where it was touched). ok is false when the diff shows none
// of them.
func (d diffLines) span(start, end int) (int, int, bool) {
	if len(d) == 0 {
		return 0, 0, false
	}
	for first := start; first <= end; first++ {
		if !d[first] {
			continue
		}
		last := first
		for last < end && d[last+1] {
			last++
		}
		return first, last, true
	}
	return 0, 0, false
}

// parsePatch reads the patch GitHub gives for one file of a pull request
// (hunks only, no ---/+++ header; a full one-file unified diff is accepted
// too). It lives here, not in the GitHub layer, so the check run and the
// tests share one pure implementation.
func parsePatch(filename, patch string) (diffLines, error) {
	if strings.TrimSpace(patch) == "" {
		return nil, fmt.Errorf("%s: %w", filename, errNoPatch)
	}
	data := []byte(patch)
	if !bytes.HasSuffix(data, []byte("\n")) {
		data = append(data, '\n')
	}
	var hunks []*diff.Hunk
	if bytes.HasPrefix(data, []byte("@@")) {
		h, err := diff.ParseHunks(data)
		if err != nil {
			return nil, fmt.Errorf("%s: parsing the patch: %w", filename, err)
		}
		hunks = h
	} else {
		fd, err := diff.ParseFileDiff(data)
		if err != nil {
			return nil, fmt.Errorf("%s: parsing the patch: %w", filename, err)
		}
		hunks = fd.Hunks
	}
	if len(hunks) == 0 {
		return nil, fmt.Errorf("%s: parsing the patch: no hunk", filename)
	}
	lines := diffLines{}
	for _, h := range hunks {
		n := int(h.NewStartLine)
		seen := 0
		for _, l := range strings.Split(strings.TrimSuffix(string(h.Body), "\n"), "\n") {
			if l == "" {
				// A blank context line whose leading space was trimmed.
				l = " "
			}
			switch l[0] {
			case '+', ' ':
				lines[n] = true
				n++
				seen++
			case '-', '\\': // a removed line; "\ No newline at end of file"
			default:
				return nil, fmt.Errorf("%s: parsing the patch: hunk at new line %d has a line starting with %q", filename, h.NewStartLine, l[0])
			}
		}
		if seen != int(h.NewLines) {
			return nil, fmt.Errorf("%s: parsing the patch: hunk at new line %d shows %d new lines, its header says %d", filename, h.NewStartLine, seen, h.NewLines)
		}
	}
	return lines, nil
}
