// Package patch reads the patch GitHub lists for one file of a pull request
// or a comparison (the "patch" field: unified-diff hunks without the
// diff --git/index/---/+++ header, usually without a final newline, with
// "\ No newline at end of file" markers and the CR bytes of CRLF files
// kept in the lines). It is the one reader of that format: the check run's
// annotation lines, its base reconstruction, the added files it takes from
// their patch and the fix-up's suggestions all parse a patch here, once,
// into hunks, and ask the result.
//
// The reader is strict, the way reviewdog's diff/parse.go is: a line's
// meaning comes from the hunk header's counts, and anything that is not
// exactly a patch is an error rather than a guess, since a wrong reading
// would put annotations on the wrong lines or rebuild a wrong base.
package patch

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/djsec/djsec/internal/lazyre"
)

// ErrNoPatch is returned for a file GitHub listed without a patch (binary
// files, diffs too large for the API): none of its lines can be placed and
// its base version has to be fetched.
var ErrNoPatch = errors.New("patch: the file has no patch")

// Patch is one file's parsed patch.
type Patch struct {
	Hunks []Hunk
}

// Hunk is one hunk; starts and counts are as its header gives them.
type Hunk struct {
	Header                                 string
	OldStart, OldCount, NewStart, NewCount int
	Lines                                  []Line
}

// Line is one line of a hunk.
type Line struct {
	Op    byte   // ' ' context, '+' added, '-' removed
	Text  string // without the op and without the newline
	NoEOL bool   // followed by "\ No newline at end of file"
}

// matches compares a patch line with a head line (its newline included).
func (l Line) matches(headLine []byte) bool {
	if l.NoEOL {
		return string(headLine) == l.Text
	}
	return len(headLine) == len(l.Text)+1 && headLine[len(l.Text)] == '\n' && string(headLine[:len(l.Text)]) == l.Text
}

var hunkHeaderRE = lazyre.New(`^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@`)

// maxLine bounds header numbers so that arithmetic on them cannot
// overflow, whatever the input.
const maxLine = 1 << 30

// fileHeaders are the lines git prints before a file's first hunk. GitHub
// cuts them off; a whole one-file `git diff` is accepted too, so that a
// diff pasted from git reads the same.
var fileHeaders = []string{
	"diff ", "index ", "--- ", "+++ ", "old mode ", "new mode ", "new file mode ", "deleted file mode ",
	"similarity index ", "dissimilarity index ", "rename from ", "rename to ", "copy from ", "copy to ",
}

// Parse reads a patch. Hunks are read by their header counts, which is what
// makes a line's meaning exact: a body line is consumed only while its
// side still expects lines, so text that merely looks like a header inside
// a hunk is read as content. An empty (or all-blank) patch is ErrNoPatch.
func Parse(text string) (*Patch, error) {
	if strings.TrimSpace(text) == "" {
		return nil, ErrNoPatch
	}
	rows := strings.Split(text, "\n")
	// The patch usually lacks its last newline; one trailing empty row is
	// the newline's, not a line.
	if rows[len(rows)-1] == "" {
		rows = rows[:len(rows)-1]
	}
	i := 0
	for i < len(rows) && !strings.HasPrefix(rows[i], "@@") && slices.ContainsFunc(fileHeaders, func(p string) bool { return strings.HasPrefix(rows[i], p) }) {
		i++
	}
	p := &Patch{}
	for i < len(rows) {
		m := hunkHeaderRE().FindStringSubmatch(rows[i])
		if m == nil {
			return nil, fmt.Errorf("patch: line %d: want a hunk header, got %q", i+1, clip(rows[i]))
		}
		h := Hunk{Header: m[0]}
		var err error
		if h.OldStart, h.OldCount, err = hunkRange(m[1], m[2]); err != nil {
			return nil, fmt.Errorf("patch: line %d: %w", i+1, err)
		}
		if h.NewStart, h.NewCount, err = hunkRange(m[3], m[4]); err != nil {
			return nil, fmt.Errorf("patch: line %d: %w", i+1, err)
		}
		if h.OldStart == 0 && h.OldCount != 0 || h.NewStart == 0 && h.NewCount != 0 {
			return nil, fmt.Errorf("patch: line %d: %q starts a non-empty side at line 0", i+1, h.Header)
		}
		if len(p.Hunks) > 0 {
			prev := p.Hunks[len(p.Hunks)-1]
			if h.OldStart < prev.OldStart+prev.OldCount || h.NewStart < prev.NewStart+prev.NewCount {
				return nil, fmt.Errorf("patch: line %d: hunk %q overlaps or precedes the one before", i+1, h.Header)
			}
		}
		i++
		oldLeft, newLeft := h.OldCount, h.NewCount
		for oldLeft > 0 || newLeft > 0 {
			if i >= len(rows) {
				// Whitespace-trimmed patches lose trailing blank context
				// lines; only those can vanish (a "+", "-" or "\" row is
				// not whitespace), so equal counts left are exactly that
				// many empty context lines, still checked against head.
				if oldLeft != newLeft {
					return nil, fmt.Errorf("patch: the patch ends inside hunk %q (%d base and %d head lines missing)", h.Header, oldLeft, newLeft)
				}
				for ; oldLeft > 0; oldLeft, newLeft = oldLeft-1, newLeft-1 {
					h.Lines = append(h.Lines, Line{Op: ' '})
				}
				break
			}
			row := rows[i]
			op := byte(' ')
			text := ""
			if row != "" {
				op, text = row[0], row[1:]
			}
			switch op {
			case ' ':
				if oldLeft == 0 || newLeft == 0 {
					return nil, fmt.Errorf("patch: line %d: hunk %q has more lines than its header says", i+1, h.Header)
				}
				oldLeft--
				newLeft--
			case '-':
				if oldLeft == 0 {
					return nil, fmt.Errorf("patch: line %d: hunk %q removes more lines than its header says", i+1, h.Header)
				}
				oldLeft--
			case '+':
				if newLeft == 0 {
					return nil, fmt.Errorf("patch: line %d: hunk %q adds more lines than its header says", i+1, h.Header)
				}
				newLeft--
			case '\\':
				if err := markNoEOL(&h, i); err != nil {
					return nil, err
				}
				i++
				continue
			default:
				return nil, fmt.Errorf("patch: line %d: %q is not a hunk line", i+1, clip(row))
			}
			h.Lines = append(h.Lines, Line{Op: op, Text: text})
			i++
		}
		// The marker for the hunk's last line follows the counted lines.
		for i < len(rows) && strings.HasPrefix(rows[i], `\`) {
			if err := markNoEOL(&h, i); err != nil {
				return nil, err
			}
			i++
		}
		if !slices.ContainsFunc(h.Lines, func(l Line) bool { return l.Op != ' ' }) {
			// git never prints a hunk without a change; one is a patch
			// cut short or made up.
			return nil, fmt.Errorf("patch: hunk %q has no added or removed line", h.Header)
		}
		if err := checkNoEOL(h); err != nil {
			return nil, err
		}
		p.Hunks = append(p.Hunks, h)
	}
	if len(p.Hunks) == 0 {
		return nil, errors.New("patch: no hunk")
	}
	return p, nil
}

func hunkRange(start, count string) (int, int, error) {
	s, err := strconv.Atoi(start)
	if err != nil || s > maxLine {
		return 0, 0, fmt.Errorf("bad hunk start %q", start)
	}
	c := 1
	if count != "" {
		if c, err = strconv.Atoi(count); err != nil || c > maxLine {
			return 0, 0, fmt.Errorf("bad hunk count %q", count)
		}
	}
	return s, c, nil
}

// markNoEOL applies a "\ No newline at end of file" row (its wording is
// localised by some git versions, so only the backslash counts).
func markNoEOL(h *Hunk, row int) error {
	if len(h.Lines) == 0 || h.Lines[len(h.Lines)-1].NoEOL {
		return fmt.Errorf(`patch: line %d: a "\" marker with no line before it`, row+1)
	}
	h.Lines[len(h.Lines)-1].NoEOL = true
	return nil
}

// checkNoEOL accepts a missing final newline only on the last line of a
// side: the last "-" or context line for the base, the last "+" or context
// line for head.
func checkNoEOL(h Hunk) error {
	lastOld, lastNew := -1, -1
	for j, l := range h.Lines {
		if l.Op != '+' {
			lastOld = j
		}
		if l.Op != '-' {
			lastNew = j
		}
	}
	for j, l := range h.Lines {
		if l.NoEOL && j != lastOld && j != lastNew {
			return fmt.Errorf("patch: hunk %q marks a line in the middle of the file as having no newline", h.Header)
		}
	}
	return nil
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}
