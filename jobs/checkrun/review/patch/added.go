package patch

import "strings"

// AddedText returns the text of an added file when the patch is the whole
// file: one hunk "@@ -0,0 +1,N @@" of exactly N added lines (a "\ No
// newline at end of file" after the last leaves its newline off). Any
// other shape, a truncated patch included, returns false, and the caller
// fetches the file.
func (p *Patch) AddedText() ([]byte, bool) {
	if len(p.Hunks) != 1 {
		return nil, false
	}
	h := p.Hunks[0]
	if h.OldStart != 0 || h.OldCount != 0 || h.NewStart != 1 || h.NewCount != len(h.Lines) {
		return nil, false
	}
	var b strings.Builder
	for _, l := range h.Lines {
		if l.Op != '+' {
			return nil, false
		}
		b.WriteString(l.Text)
		if !l.NoEOL {
			b.WriteByte('\n')
		}
	}
	return []byte(b.String()), true
}

// AddedText parses text and returns the added file it holds whole; see
// Patch.AddedText.
func AddedText(text string) ([]byte, bool) {
	p, err := Parse(text)
	if err != nil {
		return nil, false
	}
	return p.AddedText()
}
