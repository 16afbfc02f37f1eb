// Package gitdiff computes unified diffs the way git does: the same choice
// of changed lines as xdiff (Myers with git's heuristics and the indent
// heuristic), the same hunk headers. GitHub's patch fields, the fake of
// GitHub and `bot fix --diff` all print the text `git diff` would.
package gitdiff

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// contextLines is git's default -U3.
const contextLines = 3

func SplitLines(b []byte) []string {
	var out []string
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			out = append(out, string(b))
			break
		}
		out = append(out, string(b[:i+1]))
		b = b[i+1:]
	}
	return out
}

// Patch returns the hunks of `git diff -U3` from old to cur (without
// the diff --git, index, --- and +++ lines, and without a final newline, as
// GitHub's "patch" field has them) and the added and deleted line counts.
func Patch(old, cur []byte) (string, int, int) {
	a, b := SplitLines(old), SplitLines(cur)
	ca, cb := diffLines(a, b)
	var sb strings.Builder
	adds, dels := 0, 0
	for _, h := range hunks(ca, cb) {
		s1, e1, s2, e2 := h.s1, h.e1, h.s2, h.e2
		if sb.Len() > 0 {
			sb.WriteByte('\n')
		}
		sb.WriteString("@@ -" + hunkRange(s1, e1-s1) + " +" + hunkRange(s2, e2-s2) + " @@")
		if fn := funcName(a, s1); fn != "" {
			sb.WriteString(" " + fn)
		}
		i, j := s1, s2
		for i < e1 || j < e2 {
			switch {
			case i < e1 && ca[i]:
				writeLine(&sb, '-', a[i])
				dels++
				i++
			case j < e2 && cb[j]:
				writeLine(&sb, '+', b[j])
				adds++
				j++
			default:
				writeLine(&sb, ' ', a[i])
				i++
				j++
			}
		}
	}
	return sb.String(), adds, dels
}

func writeLine(sb *strings.Builder, mark byte, line string) {
	sb.WriteByte('\n')
	sb.WriteByte(mark)
	if text, ok := strings.CutSuffix(line, "\n"); ok {
		sb.WriteString(text)
	} else {
		sb.WriteString(line + "\n\\ No newline at end of file")
	}
}

// hunkRange writes one side of a hunk header as xdiff does: "start,count",
// ",1" left out, and an empty side named by the line before it.
func hunkRange(start, count int) string {
	switch count {
	case 0:
		return strconv.Itoa(start) + ",0"
	case 1:
		return strconv.Itoa(start + 1)
	}
	return fmt.Sprintf("%d,%d", start+1, count)
}

// funcName is git's default hunk-header context: the nearest line above
// the hunk (in the old file) that starts with a letter, "_" or "$", cut to
// 80 bytes and stripped of trailing white space.
func funcName(a []string, start int) string {
	for i := start - 1; i >= 0; i-- {
		l := a[i]
		if l == "" {
			continue
		}
		c := l[0]
		if ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || c == '_' || c == '$' {
			l = l[:min(len(l), 80)]
			return strings.TrimRight(l, " \t\n\r\v\f")
		}
	}
	return ""
}

type hunk struct{ s1, e1, s2, e2 int }

// hunks groups the changes with three lines of context around each,
// merging changes at most six unchanged lines apart, as xdiff does.
func hunks(ca, cb []bool) []hunk {
	// The changes as (i1, n1, i2, n2): xdl_build_script's walk.
	type change struct{ i1, n1, i2, n2 int }
	var chs []change
	i, j := 0, 0
	for i < len(ca) || j < len(cb) {
		if (i < len(ca) && ca[i]) || (j < len(cb) && cb[j]) {
			c := change{i1: i, i2: j}
			for i < len(ca) && ca[i] {
				i++
			}
			for j < len(cb) && cb[j] {
				j++
			}
			c.n1, c.n2 = i-c.i1, j-c.i2
			chs = append(chs, c)
			continue
		}
		i++
		j++
	}
	var out []hunk
	for k := 0; k < len(chs); {
		first := chs[k]
		last := first
		k++
		for k < len(chs) && chs[k].i1-(last.i1+last.n1) <= 2*contextLines {
			last = chs[k]
			k++
		}
		lctx := min(contextLines, len(ca)-(last.i1+last.n1), len(cb)-(last.i2+last.n2))
		out = append(out, hunk{
			s1: max(first.i1-contextLines, 0), e1: last.i1 + last.n1 + lctx,
			s2: max(first.i2-contextLines, 0), e2: last.i2 + last.n2 + lctx,
		})
	}
	return out
}

// diffLines marks the lines of a deleted and of b added the way git's
// xdiff does (xdiff/xdiffi.c and xprepare.c, git 2.39): common ends
// trimmed, lines without a match discarded up front, Myers' divide and
// conquer with xdiff's tie-breaks and cut-offs, then each group of changes
// slid by xdl_change_compact with the indent heuristic `git diff` uses by
// default. The same choice of lines means the same patch text as GitHub's.
func diffLines(a, b []string) (ca, cb []bool) {
	ids := map[string]int{}
	intern := func(ls []string) []int {
		out := make([]int, len(ls))
		for i, l := range ls {
			id, ok := ids[l]
			if !ok {
				id = len(ids)
				ids[l] = id
			}
			out[i] = id
		}
		return out
	}
	x, y := intern(a), intern(b)
	ca, cb = make([]bool, len(x)), make([]bool, len(y))
	xdoDiff(x, y, ca, cb)
	compact(x, a, ca, cb)
	compact(y, b, cb, ca)
	return ca, cb
}

// xdiff's tuning constants (xdiff/xdiffi.c, xprepare.c).
const (
	xdlMaxEqLimit     = 1024
	xdlSimscanWindow  = 100
	xdlKpdisRun       = 4
	xdlMaxCostMin     = 256
	xdlHeurMinCost    = 256
	xdlSnakeCnt       = 20
	xdlKHeur          = 4
	xdlLineMax        = math.MaxInt
	maxIndent         = 200
	maxBlanks         = 20
	indentMaxSliding  = 100
	indentWeight      = 60
	startOfFilePen    = 1
	endOfFilePen      = 21
	totalBlankWeight  = -30
	postBlankWeight   = 6
	relIndentPen      = -4
	relIndentBlankPen = 10
	relOutdentPen     = 24
	relOutdentBlank   = 17
	relDedentPen      = 23
	relDedentBlankPen = 17
)

func bogosqrt(n int) int {
	i := 1
	for ; n > 0; n >>= 2 {
		i <<= 1
	}
	return i
}

// xdoDiff is xdl_do_diff after xdl_prepare_env: it marks changed lines.
func xdoDiff(x, y []int, ca, cb []bool) {
	n1, n2 := len(x), len(y)
	lim := min(n1, n2)
	dstart := 0
	for dstart < lim && x[dstart] == y[dstart] {
		dstart++
	}
	tail := 0
	for tail < lim-dstart && x[n1-1-tail] == y[n2-1-tail] {
		tail++
	}
	dend1, dend2 := n1-tail-1, n2-tail-1

	cnt1, cnt2 := map[int]int{}, map[int]int{}
	for _, v := range x {
		cnt1[v]++
	}
	for _, v := range y {
		cnt2[v]++
	}
	classify := func(recs []int, other map[int]int, dend int) []byte {
		dis := make([]byte, len(recs)+1)
		mlim := min(bogosqrt(len(recs)), xdlMaxEqLimit)
		for i := dstart; i <= dend; i++ {
			switch nm := other[recs[i]]; {
			case nm == 0:
				dis[i] = 0
			case nm >= mlim:
				dis[i] = 2
			default:
				dis[i] = 1
			}
		}
		return dis
	}
	dis1, dis2 := classify(x, cnt2, dend1), classify(y, cnt1, dend2)
	keep := func(recs []int, dis []byte, dend int, changed []bool) (ha, rindex []int) {
		for i := dstart; i <= dend; i++ {
			if dis[i] == 1 || (dis[i] == 2 && !cleanMmatch(dis, i, dstart, dend)) {
				ha = append(ha, recs[i])
				rindex = append(rindex, i)
			} else {
				changed[i] = true
			}
		}
		return ha, rindex
	}
	ha1, ri1 := keep(x, dis1, dend1, ca)
	ha2, ri2 := keep(y, dis2, dend2, cb)

	ndiags := len(ha1) + len(ha2) + 3
	d := &xdiffer{
		ha1: ha1, ha2: ha2, ri1: ri1, ri2: ri2, ca: ca, cb: cb,
		kvdf: make([]int, ndiags), kvdb: make([]int, ndiags), off: len(ha2) + 1,
		mxcost: max(bogosqrt(ndiags), xdlMaxCostMin),
	}
	d.recsCmp(0, len(ha1), 0, len(ha2), false)
}

// cleanMmatch is xdl_clean_mmatch: whether a line with many matches sits
// in a run of lines without one, and is better treated as changed.
func cleanMmatch(dis []byte, i, s, e int) bool {
	if i-s > xdlSimscanWindow {
		s = i - xdlSimscanWindow
	}
	if e-i > xdlSimscanWindow {
		e = i + xdlSimscanWindow
	}
	rdis0, rpdis0 := 0, 1
	for r := 1; i-r >= s; r++ {
		if dis[i-r] == 0 {
			rdis0++
		} else if dis[i-r] == 2 {
			rpdis0++
		} else {
			break
		}
	}
	if rdis0 == 0 {
		return false
	}
	rdis1, rpdis1 := 0, 1
	for r := 1; i+r <= e; r++ {
		if dis[i+r] == 0 {
			rdis1++
		} else if dis[i+r] == 2 {
			rpdis1++
		} else {
			break
		}
	}
	if rdis1 == 0 {
		return false
	}
	rdis1 += rdis0
	rpdis1 += rpdis0
	return rpdis1*xdlKpdisRun < rpdis1+rdis1
}

type xdiffer struct {
	ha1, ha2   []int
	ri1, ri2   []int
	ca, cb     []bool
	kvdf, kvdb []int // indexed by diagonal + off
	off        int
	mxcost     int
}

// recsCmp is xdl_recs_cmp.
func (d *xdiffer) recsCmp(off1, lim1, off2, lim2 int, needMin bool) {
	for off1 < lim1 && off2 < lim2 && d.ha1[off1] == d.ha2[off2] {
		off1++
		off2++
	}
	for off1 < lim1 && off2 < lim2 && d.ha1[lim1-1] == d.ha2[lim2-1] {
		lim1--
		lim2--
	}
	switch {
	case off1 == lim1:
		for ; off2 < lim2; off2++ {
			d.cb[d.ri2[off2]] = true
		}
	case off2 == lim2:
		for ; off1 < lim1; off1++ {
			d.ca[d.ri1[off1]] = true
		}
	default:
		i1, i2, minLo, minHi := d.split(off1, lim1, off2, lim2, needMin)
		d.recsCmp(off1, i1, off2, i2, minLo)
		d.recsCmp(i1, lim1, i2, lim2, minHi)
	}
}

// split is xdl_split: where to divide the box, found by running Myers'
// search from both corners until the paths meet, or by xdiff's heuristics
// once the edit cost grows large.
func (d *xdiffer) split(off1, lim1, off2, lim2 int, needMin bool) (int, int, bool, bool) {
	ha1, ha2 := d.ha1, d.ha2
	o := d.off
	kvdf := func(k int) int { return d.kvdf[k+o] }
	kvdb := func(k int) int { return d.kvdb[k+o] }
	dmin, dmax := off1-lim2, lim1-off2
	fmid, bmid := off1-off2, lim1-lim2
	odd := (fmid-bmid)&1 != 0
	fmin, fmax := fmid, fmid
	bmin, bmax := bmid, bmid
	d.kvdf[fmid+o] = off1
	d.kvdb[bmid+o] = lim1
	for ec := 1; ; ec++ {
		gotSnake := false
		if fmin > dmin {
			fmin--
			d.kvdf[fmin-1+o] = -1
		} else {
			fmin++
		}
		if fmax < dmax {
			fmax++
			d.kvdf[fmax+1+o] = -1
		} else {
			fmax--
		}
		for k := fmax; k >= fmin; k -= 2 {
			var i1 int
			if kvdf(k-1) >= kvdf(k+1) {
				i1 = kvdf(k-1) + 1
			} else {
				i1 = kvdf(k + 1)
			}
			prev1 := i1
			i2 := i1 - k
			for i1 < lim1 && i2 < lim2 && ha1[i1] == ha2[i2] {
				i1++
				i2++
			}
			if i1-prev1 > xdlSnakeCnt {
				gotSnake = true
			}
			d.kvdf[k+o] = i1
			if odd && bmin <= k && k <= bmax && kvdb(k) <= i1 {
				return i1, i2, true, true
			}
		}
		if bmin > dmin {
			bmin--
			d.kvdb[bmin-1+o] = xdlLineMax
		} else {
			bmin++
		}
		if bmax < dmax {
			bmax++
			d.kvdb[bmax+1+o] = xdlLineMax
		} else {
			bmax--
		}
		for k := bmax; k >= bmin; k -= 2 {
			var i1 int
			if kvdb(k-1) < kvdb(k+1) {
				i1 = kvdb(k - 1)
			} else {
				i1 = kvdb(k+1) - 1
			}
			prev1 := i1
			i2 := i1 - k
			for i1 > off1 && i2 > off2 && ha1[i1-1] == ha2[i2-1] {
				i1--
				i2--
			}
			if prev1-i1 > xdlSnakeCnt {
				gotSnake = true
			}
			d.kvdb[k+o] = i1
			if !odd && fmin <= k && k <= fmax && i1 <= kvdf(k) {
				return i1, i2, true, true
			}
		}
		if needMin {
			continue
		}
		if gotSnake && ec > xdlHeurMinCost {
			best, s1, s2 := 0, 0, 0
			for k := fmax; k >= fmin; k -= 2 {
				dd := abs(k - fmid)
				i1 := kvdf(k)
				i2 := i1 - k
				v := (i1 - off1) + (i2 - off2) - dd
				if v > xdlKHeur*ec && v > best && off1+xdlSnakeCnt <= i1 && i1 < lim1 && off2+xdlSnakeCnt <= i2 && i2 < lim2 {
					for j := 1; ha1[i1-j] == ha2[i2-j]; j++ {
						if j == xdlSnakeCnt {
							best, s1, s2 = v, i1, i2
							break
						}
					}
				}
			}
			if best > 0 {
				return s1, s2, true, false
			}
			for k := bmax; k >= bmin; k -= 2 {
				dd := abs(k - bmid)
				i1 := kvdb(k)
				i2 := i1 - k
				v := (lim1 - i1) + (lim2 - i2) - dd
				if v > xdlKHeur*ec && v > best && off1 < i1 && i1 <= lim1-xdlSnakeCnt && off2 < i2 && i2 <= lim2-xdlSnakeCnt {
					for j := 0; ha1[i1+j] == ha2[i2+j]; j++ {
						if j == xdlSnakeCnt-1 {
							best, s1, s2 = v, i1, i2
							break
						}
					}
				}
			}
			if best > 0 {
				return s1, s2, false, true
			}
		}
		if ec >= d.mxcost {
			fbest, fbest1 := -1, -1
			for k := fmax; k >= fmin; k -= 2 {
				i1 := min(kvdf(k), lim1)
				i2 := i1 - k
				if lim2 < i2 {
					i1, i2 = lim2+k, lim2
				}
				if fbest < i1+i2 {
					fbest, fbest1 = i1+i2, i1
				}
			}
			bbest, bbest1 := xdlLineMax, xdlLineMax
			for k := bmax; k >= bmin; k -= 2 {
				i1 := max(off1, kvdb(k))
				i2 := i1 - k
				if i2 < off2 {
					i1, i2 = off2+k, off2
				}
				if i1+i2 < bbest {
					bbest, bbest1 = i1+i2, i1
				}
			}
			if (lim1+lim2)-bbest < fbest-(off1+off2) {
				return fbest1, fbest - fbest1, true, false
			}
			return bbest1, bbest - bbest1, false, true
		}
	}
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// compact slides each group of changed lines in one file as xdiff's
// xdl_change_compact does: merged with any group it touches, lined up with
// a change in the other file when it can be, otherwise placed where the
// indent heuristic scores the split best.
func compact(recs []int, lines []string, changed, other []bool) {
	n := len(recs)
	// Both arrays get a false sentinel either side, as xdiff keeps them.
	ch := make([]bool, n+2)
	copy(ch[1:], changed)
	at := func(i int) bool { return ch[i+1] }
	set := func(i int, v bool) { ch[i+1] = v }
	no := len(other)
	och := make([]bool, no+2)
	copy(och[1:], other)
	oat := func(i int) bool { return och[i+1] }

	type group struct{ start, end int }
	initGroup := func(at func(int) bool) group {
		g := group{}
		for at(g.end) {
			g.end++
		}
		return g
	}
	next := func(at func(int) bool, nrec int, g *group) bool {
		if g.end == nrec {
			return false
		}
		g.start = g.end + 1
		g.end = g.start
		for at(g.end) {
			g.end++
		}
		return true
	}
	prev := func(at func(int) bool, g *group) bool {
		if g.start == 0 {
			return false
		}
		g.end = g.start - 1
		g.start = g.end
		for at(g.start - 1) {
			g.start--
		}
		return true
	}
	slideDown := func(g *group) bool {
		if g.end < n && recs[g.start] == recs[g.end] {
			set(g.start, false)
			set(g.end, true)
			g.start++
			g.end++
			for at(g.end) {
				g.end++
			}
			return true
		}
		return false
	}
	slideUp := func(g *group) bool {
		if g.start > 0 && recs[g.start-1] == recs[g.end-1] {
			g.start--
			g.end--
			set(g.start, true)
			set(g.end, false)
			for at(g.start - 1) {
				g.start--
			}
			return true
		}
		return false
	}

	g, og := initGroup(at), initGroup(oat)
	for {
		if g.end != g.start {
			var size, earliestEnd, endMatchingOther int
			for {
				size = g.end - g.start
				endMatchingOther = -1
				for slideUp(&g) {
					prev(oat, &og)
				}
				earliestEnd = g.end
				if og.end > og.start {
					endMatchingOther = g.end
				}
				for slideDown(&g) {
					next(oat, no, &og)
					if og.end > og.start {
						endMatchingOther = g.end
					}
				}
				if size == g.end-g.start {
					break
				}
			}
			switch {
			case g.end == earliestEnd:
			case endMatchingOther != -1:
				for og.end == og.start {
					slideUp(&g)
					prev(oat, &og)
				}
			default:
				shift := max(earliestEnd, g.end-size-1, g.end-indentMaxSliding)
				bestShift := -1
				var best splitScore
				for ; shift <= g.end; shift++ {
					var sc splitScore
					sc.add(measureSplit(lines, shift))
					sc.add(measureSplit(lines, shift-size))
					if bestShift == -1 || sc.cmp(best) <= 0 {
						best, bestShift = sc, shift
					}
				}
				for g.end > bestShift {
					slideUp(&g)
					prev(oat, &og)
				}
			}
		}
		if !next(at, n, &g) {
			break
		}
		next(oat, no, &og)
	}
	copy(changed, ch[1:n+1])
}

// indent is xdiff's get_indent: the line's indentation with tabs to
// multiples of 8, capped at 200; -1 for a blank line.
func indent(line string) int {
	ret := 0
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case ' ':
			ret++
		case '\t':
			ret += 8 - ret%8
		case '\n', '\r', '\f', '\v':
		default:
			return ret
		}
		if ret >= maxIndent {
			return maxIndent
		}
	}
	return -1
}

type splitMeasure struct {
	endOfFile                                          bool
	indent, preBlank, preIndent, postBlank, postIndent int
}

// measureSplit is xdiff's measure_split for a split before line split.
func measureSplit(lines []string, split int) splitMeasure {
	m := splitMeasure{indent: -1, preIndent: -1, postIndent: -1}
	if split >= len(lines) {
		m.endOfFile = true
	} else {
		m.indent = indent(lines[split])
	}
	for i := split - 1; i >= 0; i-- {
		m.preIndent = indent(lines[i])
		if m.preIndent != -1 {
			break
		}
		m.preBlank++
		if m.preBlank == maxBlanks {
			m.preIndent = 0
			break
		}
	}
	for i := split + 1; i < len(lines); i++ {
		m.postIndent = indent(lines[i])
		if m.postIndent != -1 {
			break
		}
		m.postBlank++
		if m.postBlank == maxBlanks {
			m.postIndent = 0
			break
		}
	}
	return m
}

type splitScore struct{ effectiveIndent, penalty int }

// add is xdiff's score_add_split.
func (s *splitScore) add(m splitMeasure) {
	if m.preIndent == -1 && m.preBlank == 0 {
		s.penalty += startOfFilePen
	}
	if m.endOfFile {
		s.penalty += endOfFilePen
	}
	postBlank := 0
	if m.indent == -1 {
		postBlank = 1 + m.postBlank
	}
	totalBlank := m.preBlank + postBlank
	s.penalty += totalBlankWeight * totalBlank
	s.penalty += postBlankWeight * postBlank
	ind := m.indent
	if ind == -1 {
		ind = m.postIndent
	}
	anyBlanks := totalBlank != 0
	s.effectiveIndent += ind
	pick := func(withBlank, without int) int {
		if anyBlanks {
			return withBlank
		}
		return without
	}
	switch {
	case ind == -1, m.preIndent == -1, ind == m.preIndent:
	case ind > m.preIndent:
		s.penalty += pick(relIndentBlankPen, relIndentPen)
	case m.postIndent != -1 && m.postIndent > ind:
		s.penalty += pick(relOutdentBlank, relOutdentPen)
	default:
		s.penalty += pick(relDedentBlankPen, relDedentPen)
	}
}

// cmp is xdiff's score_cmp: below zero when s is the better split.
func (s splitScore) cmp(o splitScore) int {
	c := 0
	if s.effectiveIndent > o.effectiveIndent {
		c = 1
	} else if s.effectiveIndent < o.effectiveIndent {
		c = -1
	}
	return indentWeight*c + (s.penalty - o.penalty)
}

// HunkHeader is a parsed "@@ -a,b +c,d @@ context" line.

type HunkHeader struct{ OldStart, OldCount, NewStart, NewCount int }

// ParseHunkHeader reads a hunk header; a count left out is 1.
func ParseHunkHeader(l string) (HunkHeader, bool) {
	rest, ok := strings.CutPrefix(l, "@@ -")
	if !ok {
		return HunkHeader{}, false
	}
	ranges, _, ok := strings.Cut(rest, " @@")
	if !ok {
		return HunkHeader{}, false
	}
	oldR, newR, ok := strings.Cut(ranges, " +")
	if !ok {
		return HunkHeader{}, false
	}
	parse := func(r string) (int, int, bool) {
		a, b, has := strings.Cut(r, ",")
		start, err := strconv.Atoi(a)
		if err != nil {
			return 0, 0, false
		}
		if !has {
			return start, 1, true
		}
		n, err := strconv.Atoi(b)
		return start, n, err == nil
	}
	var h HunkHeader
	var ok1, ok2 bool
	h.OldStart, h.OldCount, ok1 = parse(oldR)
	h.NewStart, h.NewCount, ok2 = parse(newR)
	return h, ok1 && ok2
}
