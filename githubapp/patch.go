package githubapp

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/sourcegraph/go-diff/diff"
)

// ErrNoPatch is returned by ParsePatch for a file GitHub sent without a
// patch (binary files, and diffs too large for the API): nothing of it can
// be annotated, so its findings belong in the summary.
var ErrNoPatch = errors.New("githubapp: the file has no patch")

// LineKind says how a line of the new file appears in a patch.
type LineKind uint8

const (
	// LineContext is an unchanged line shown around a change.
	LineContext LineKind = iota + 1
	// LineAdded is a line the change added (or rewrote).
	LineAdded
)

// PatchLines maps the new file's line numbers that a patch shows to how it
// shows them. Lines outside every hunk are absent.
type PatchLines map[int]LineKind

// Added reports whether line was added by the change.
func (p PatchLines) Added(line int) bool { return p[line] == LineAdded }

// InDiff reports whether line is shown by the patch, added or as context:
// GitHub accepts check-run annotations and review comments on those.
func (p PatchLines) InDiff(line int) bool { return p[line] != 0 }

// ParsePatch reads the patch GitHub gives for one file of a pull request
// (the "patch" field of GET /repos/{owner}/{repo}/pulls/{n}/files: hunks
// only, no ---/+++ header) and returns the new file's lines it shows.
// filename only labels errors. A full unified diff of one file (with
// headers) is accepted too.
func ParsePatch(filename, patch string) (PatchLines, error) {
	if strings.TrimSpace(patch) == "" {
		return nil, fmt.Errorf("%s: %w", filename, ErrNoPatch)
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
	lines := PatchLines{}
	for _, h := range hunks {
		n := int(h.NewStartLine)
		seen := 0
		body := strings.TrimSuffix(string(h.Body), "\n")
		for _, l := range strings.Split(body, "\n") {
			if l == "" {
				// A blank context line whose leading space was trimmed
				// (editors and some APIs do it).
				l = " "
			}
			switch l[0] {
			case '+':
				lines[n] = LineAdded
				n++
				seen++
			case ' ':
				lines[n] = LineContext
				n++
				seen++
			case '-', '\\': // removed line; "\ No newline at end of file"
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
