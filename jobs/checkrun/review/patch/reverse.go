package patch

import (
	"bytes"
	"fmt"
)

// ReverseApply rebuilds a file's base version from its head version and
// the patch. The result is exact to the byte, final newline included.
//
// Every context and added line is checked against head at the position the
// hunk gives, and the unchanged stretches between hunks must line up on
// both sides; any disagreement is an error, and the caller fetches the
// base file instead. A wrong base would turn old findings into new ones,
// so there is no fuzzy matching and no offset search: only what the patch
// proves is rebuilt. What the patch cannot show (a head that differs from
// the patched file outside every hunk, line counts kept) cannot be
// detected.
func (p *Patch) ReverseApply(head []byte) ([]byte, error) {
	lines := splitLines(head)
	out := make([]byte, 0, len(head))
	cur := 0  // next head line (0-based)
	olds := 0 // base lines written so far
	lastOldNoEOL := false
	for i, h := range p.Hunks {
		newAt, oldAt := h.NewStart-1, h.OldStart-1
		if h.NewCount == 0 {
			newAt = h.NewStart
		}
		if h.OldCount == 0 {
			oldAt = h.OldStart
		}
		if newAt < cur || newAt > len(lines) {
			return nil, fmt.Errorf("patch: hunk %d (%s) starts at head line %d, outside the %d lines left", i+1, h.Header, newAt+1, len(lines)-cur)
		}
		if newAt-cur != oldAt-olds {
			return nil, fmt.Errorf("patch: hunk %d (%s) does not line up: %d unchanged lines before it at head, %d at base", i+1, h.Header, newAt-cur, oldAt-olds)
		}
		if lastOldNoEOL && newAt > cur {
			return nil, fmt.Errorf("patch: hunk %d (%s): the base file ends without a newline before later lines", i, p.Hunks[i-1].Header)
		}
		for ; cur < newAt; cur++ {
			out = append(out, lines[cur]...)
			olds++
		}
		for _, l := range h.Lines {
			if l.Op == ' ' || l.Op == '+' {
				if cur >= len(lines) {
					return nil, fmt.Errorf("patch: hunk %d (%s) runs past the end of head (%d lines)", i+1, h.Header, len(lines))
				}
				if !l.matches(lines[cur]) {
					return nil, fmt.Errorf("patch: hunk %d (%s): head line %d is %q, the patch has %q", i+1, h.Header, cur+1, lines[cur], l.Text)
				}
				cur++
			}
			if l.Op == ' ' || l.Op == '-' {
				if lastOldNoEOL {
					return nil, fmt.Errorf("patch: hunk %d (%s): a base line follows one marked as the last", i+1, h.Header)
				}
				out = append(out, l.Text...)
				if l.NoEOL {
					lastOldNoEOL = true
				} else {
					out = append(out, '\n')
				}
				olds++
			}
		}
	}
	if lastOldNoEOL && cur < len(lines) {
		return nil, fmt.Errorf("patch: the patch ends the base file without a newline but head has %d more lines", len(lines)-cur)
	}
	for ; cur < len(lines); cur++ {
		out = append(out, lines[cur]...)
	}
	return out, nil
}

// ReverseApply parses text and rebuilds the base version of head from it;
// see Patch.ReverseApply. An empty patch is ErrNoPatch.
func ReverseApply(head []byte, text string) ([]byte, error) {
	p, err := Parse(text)
	if err != nil {
		return nil, err
	}
	return p.ReverseApply(head)
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
