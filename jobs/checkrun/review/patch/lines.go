package patch

// Lines is a set of head (new file) line numbers, 1-based.
type Lines map[int]bool

// Shown returns the head lines the patch shows, added or as context.
// GitHub places check run annotations and accepts review comments on
// those lines only; elsewhere an annotation shows on the check run page
// alone.
func (p *Patch) Shown() Lines {
	return p.headLines(func(op byte) bool { return op == '+' || op == ' ' })
}

// Added returns the head lines the patch adds.
func (p *Patch) Added() Lines {
	return p.headLines(func(op byte) bool { return op == '+' })
}

func (p *Patch) headLines(keep func(op byte) bool) Lines {
	out := Lines{}
	for _, h := range p.Hunks {
		n := h.NewStart
		for _, l := range h.Lines {
			if l.Op == '-' {
				continue
			}
			if keep(l.Op) {
				out[n] = true
			}
			n++
		}
	}
	return out
}

// Span finds where an annotation for lines start..end can go: from the
// first of those lines the set holds to the end of that run of lines (a
// multi-line statement the pull request touched in its middle is
// annotated where it was touched). ok is false when the set holds none
// of them.
func (l Lines) Span(start, end int) (int, int, bool) {
	if len(l) == 0 {
		return 0, 0, false
	}
	for first := start; first <= end; first++ {
		if !l[first] {
			continue
		}
		last := first
		for last < end && l[last+1] {
			last++
		}
		return first, last, true
	}
	return 0, 0, false
}

// Covers reports whether the set holds every line of start..end: a review
// suggestion replaces its whole range, and GitHub refuses one that reaches
// outside the diff.
func (l Lines) Covers(start, end int) bool {
	if len(l) == 0 || start > end {
		return false
	}
	for i := start; i <= end; i++ {
		if !l[i] {
			return false
		}
	}
	return true
}
