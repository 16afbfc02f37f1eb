package review

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/djsec/djsec/internal/lazyre"
)

// ErrEmptyPatch is returned by ReverseApply for a file GitHub sent without a
// patch (binary, too large): the base version has to be fetched.
var ErrEmptyPatch = errors.New("review: no patch to reverse")

// ReverseApply rebuilds a file's base version from its head version and the
// patch GitHub lists for it (the "patch" field of a pull request's files:
// unified-diff hunks without ---/+++ headers, "\ No newline at end of file"
// markers, CR bytes of CRLF files kept in the lines). The result is exact
// to the byte, final newline included.
//
// Every context and added line is checked against head at the position the
// hunk gives, and the unchanged stretches between hunks must line up on
// both sides; any disagreement, a truncated patch or text that is not a
// patch is an error, and the caller fetches the base file instead. A
// wrong base would turn old findings into new ones, so there is no fuzzy
// matching and no offset search: only what the patch proves is rebuilt.
// What the patch cannot show (a head that differs from the patched file
// outside every hunk, line counts kept) cannot be detected.
func ReverseApply(head []byte, patch string) ([]byte, error) {
	if patch == "" {
		return nil, ErrEmptyPatch
	}
	hunks, err := parseHunks(patch)
	if err != nil {
		return nil, err
	}
	lines := splitLines(head)
	out := make([]byte, 0, len(head)+len(patch))
	cur := 0  // next head line (0-based)
	olds := 0 // base lines written so far
	lastOldNoEOL := false
	for i, h := range hunks {
		newAt, oldAt := h.newStart-1, h.oldStart-1
		if h.newCount == 0 {
			newAt = h.newStart
		}
		if h.oldCount == 0 {
			oldAt = h.oldStart
		}
		if newAt < cur || newAt > len(lines) {
			return nil, fmt.Errorf("review: hunk %d (%s) starts at head line %d, outside the %d lines left", i+1, h.header, newAt+1, len(lines)-cur)
		}
		if newAt-cur != oldAt-olds {
			return nil, fmt.Errorf("review: hunk %d (%s) does not line up: %d unchanged lines before it at head, %d at base", i+1, h.header, newAt-cur, oldAt-olds)
		}
		if lastOldNoEOL && newAt > cur {
			return nil, fmt.Errorf("review: hunk %d (%s): the base file ends without a newline before later lines", i, hunks[i-1].header)
		}
		for ; cur < newAt; cur++ {
			out = append(out, lines[cur]...)
			olds++
		}
		for _, l := range h.lines {
			if l.op == ' ' || l.op == '+' {
				if cur >= len(lines) {
					return nil, fmt.Errorf("review: hunk %d (%s) runs past the end of head (%d lines)", i+1, h.header, len(lines))
				}
				if !l.matches(lines[cur]) {
					return nil, fmt.Errorf("review: hunk %d (%s): head line %d is %q, the patch has %q", i+1, h.header, cur+1, lines[cur], l.text)
				}
				cur++
			}
			if l.op == ' ' || l.op == '-' {
				if lastOldNoEOL {
					return nil, fmt.Errorf("review: hunk %d (%s): a base line follows one marked as the last", i+1, h.header)
				}
				out = append(out, l.text...)
				if l.noEOL {
					lastOldNoEOL = true
				} else {
					out = append(out, '\n')
				}
				olds++
			}
		}
	}
	if lastOldNoEOL && cur < len(lines) {
		return nil, fmt.Errorf("review: the patch ends the base file without a newline but head has %d more lines", len(lines)-cur)
	}
	for ; cur < len(lines); cur++ {
		out = append(out, lines[cur]...)
	}
	return out, nil
}

// hunk is one parsed hunk; counts and starts as in its header.
type hunk struct {
	header                                 string
	oldStart, oldCount, newStart, newCount int
	lines                                  []hunkLine
}

type hunkLine struct {
	op    byte // ' ', '+', '-'
	text  string
	noEOL bool // followed by "\ No newline at end of file"
}

// matches compares a patch line with a head line (its newline included).
func (l hunkLine) matches(headLine []byte) bool {
	if l.noEOL {
		return string(headLine) == l.text
	}
	return len(headLine) == len(l.text)+1 && headLine[len(l.text)] == '\n' && string(headLine[:len(l.text)]) == l.text
}

var hunkHeaderRE = lazyre.New(`^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@`)

// maxPatchLine bounds header numbers so that arithmetic on them cannot
// overflow, whatever the input.
const maxPatchLine = 1 << 30

// parseHunks reads hunks by their header counts, which is what makes a
// line's meaning exact: a body line is consumed only while its side still
// expects lines, so text that merely looks like a header inside a hunk is
// read as content.
func parseHunks(patch string) ([]hunk, error) {
	rows := strings.Split(patch, "\n")
	// The patch usually lacks its last newline; one trailing empty row is
	// the newline's, not a line.
	if rows[len(rows)-1] == "" {
		rows = rows[:len(rows)-1]
	}
	var hunks []hunk
	i := 0
	for i < len(rows) {
		m := hunkHeaderRE().FindStringSubmatch(rows[i])
		if m == nil {
			return nil, fmt.Errorf("review: patch line %d: want a hunk header, got %q", i+1, clip(rows[i]))
		}
		h := hunk{header: m[0]}
		var err error
		if h.oldStart, h.oldCount, err = hunkRange(m[1], m[2]); err != nil {
			return nil, fmt.Errorf("review: patch line %d: %w", i+1, err)
		}
		if h.newStart, h.newCount, err = hunkRange(m[3], m[4]); err != nil {
			return nil, fmt.Errorf("review: patch line %d: %w", i+1, err)
		}
		if h.oldStart == 0 && h.oldCount != 0 || h.newStart == 0 && h.newCount != 0 {
			return nil, fmt.Errorf("review: patch line %d: %q starts a non-empty side at line 0", i+1, h.header)
		}
		if len(hunks) > 0 {
			prev := hunks[len(hunks)-1]
			if h.oldStart < prev.oldStart+prev.oldCount || h.newStart < prev.newStart+prev.newCount {
				return nil, fmt.Errorf("review: patch line %d: hunk %q overlaps or precedes the one before", i+1, h.header)
			}
		}
		i++
		oldLeft, newLeft := h.oldCount, h.newCount
		for oldLeft > 0 || newLeft > 0 {
			if i >= len(rows) {
				// Whitespace-trimmed patches lose trailing blank context
				// lines; only those can vanish (a "+", "-" or "\" row is
				// not whitespace), so equal counts left are exactly that
				// many empty context lines, still checked against head.
				if oldLeft != newLeft {
					return nil, fmt.Errorf("review: patch ends inside hunk %q (%d base and %d head lines missing)", h.header, oldLeft, newLeft)
				}
				for ; oldLeft > 0; oldLeft, newLeft = oldLeft-1, newLeft-1 {
					h.lines = append(h.lines, hunkLine{op: ' '})
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
					return nil, fmt.Errorf("review: patch line %d: hunk %q has more lines than its header says", i+1, h.header)
				}
				oldLeft--
				newLeft--
			case '-':
				if oldLeft == 0 {
					return nil, fmt.Errorf("review: patch line %d: hunk %q removes more lines than its header says", i+1, h.header)
				}
				oldLeft--
			case '+':
				if newLeft == 0 {
					return nil, fmt.Errorf("review: patch line %d: hunk %q adds more lines than its header says", i+1, h.header)
				}
				newLeft--
			case '\\':
				if err := markNoEOL(&h, i); err != nil {
					return nil, err
				}
				i++
				continue
			default:
				return nil, fmt.Errorf("review: patch line %d: %q is not a hunk line", i+1, clip(row))
			}
			h.lines = append(h.lines, hunkLine{op: op, text: text})
			i++
		}
		// The marker for the hunk's last line follows the counted lines.
		for i < len(rows) && strings.HasPrefix(rows[i], `\`) {
			if err := markNoEOL(&h, i); err != nil {
				return nil, err
			}
			i++
		}
		if !slices.ContainsFunc(h.lines, func(l hunkLine) bool { return l.op != ' ' }) {
			// git never prints a hunk without a change; one is a patch
			// cut short or made up.
			return nil, fmt.Errorf("review: hunk %q has no added or removed line", h.header)
		}
		if err := checkNoEOL(h); err != nil {
			return nil, err
		}
		hunks = append(hunks, h)
	}
	if len(hunks) == 0 {
		return nil, errors.New("review: patch has no hunk")
	}
	return hunks, nil
}

func hunkRange(start, count string) (int, int, error) {
	s, err := strconv.Atoi(start)
	if err != nil || s > maxPatchLine {
		return 0, 0, fmt.Errorf("bad hunk start %q", start)
	}
	c := 1
	if count != "" {
		if c, err = strconv.Atoi(count); err != nil || c > maxPatchLine {
			return 0, 0, fmt.Errorf("bad hunk count %q", count)
		}
	}
	return s, c, nil
}

// markNoEOL applies a "\ No newline at end of file" row (its wording is
// localised by some git versions, so only the backslash counts).
func markNoEOL(h *hunk, row int) error {
	if len(h.lines) == 0 || h.lines[len(h.lines)-1].noEOL {
		return fmt.Errorf(`review: patch line %d: a "\" marker with no line before it`, row+1)
	}
	h.lines[len(h.lines)-1].noEOL = true
	return nil
}

// checkNoEOL accepts a missing final newline only on the last line of a
// side: the last "-" or context line for the base, the last "+" or context
// line for head.
func checkNoEOL(h hunk) error {
	lastOld, lastNew := -1, -1
	for j, l := range h.lines {
		if l.op != '+' {
			lastOld = j
		}
		if l.op != '-' {
			lastNew = j
		}
	}
	for j, l := range h.lines {
		if l.noEOL && j != lastOld && j != lastNew {
			return fmt.Errorf("review: hunk %q marks a line in the middle of the file as having no newline", h.header)
		}
	}
	return nil
}

// splitLines cuts b after each newline; the last line may lack one.
func splitLines(b []byte) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			out = append(out, b)
			break
		}
		out = append(out, b[:i+1])
		b = b[i+1:]
	}
	return out
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}
