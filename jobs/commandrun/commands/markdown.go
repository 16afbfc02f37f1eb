package commands

import (
	"iter"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A candidate is a comment line that Markdown shows as text of its own and
// that starts with /djsec: one command, or one line to answer with an error.
type candidate struct {
	line int    // 1-based line in the comment body
	text string // from /djsec on, HTML comments removed
	raw  string // the line after its indentation, as written
	// lazy: the line carries on a block quote's paragraph (CommonMark's
	// "lazy continuation"), so GitHub shows it inside the quote.
	lazy bool
}

// candidates walks body line by line with just enough of CommonMark's block
// structure to tell the lines a reader sees as plain text: it skips fenced
// code (``` and ~~~, closed only by a fence of the same character at least
// as long), indented code, block quotes and HTML comments. It does not model
// list items as containers: a fence indented inside a list item is taken as
// a fence at the top level, which can only hide commands, never invent one.
func candidates(body string) iter.Seq[candidate] {
	return func(yield func(candidate) bool) {
		body = strings.TrimPrefix(body, "\uFEFF")
		var s scanState
		for n := 1; body != ""; n++ {
			var line string
			line, body = cutLine(body)
			if c, ok := s.next(line); ok {
				c.line = n
				if !yield(c) {
					return
				}
			}
		}
	}
}

// cutLine splits off the first line; \r\n, \n and a lone \r all end a line,
// as in CommonMark.
func cutLine(s string) (line, rest string) {
	i := strings.IndexAny(s, "\r\n")
	if i < 0 {
		return s, ""
	}
	if s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n' {
		return s[:i], s[i+2:]
	}
	return s[:i], s[i+1:]
}

type scanState struct {
	fenceChar byte // the open fenced code block's character; 0 when none
	fenceLen  int
	inComment bool // inside an HTML comment that began on an earlier line
	// quoteOpen: the last line left a paragraph open inside a block quote,
	// so a following unmarked line continues it.
	quoteOpen bool
	// the fenced code block open inside a block quote, which ends with the quote
	quoteFenceChar byte
	quoteFenceLen  int
}

func (s *scanState) next(line string) (candidate, bool) {
	if s.fenceChar != 0 {
		if closesFence(line, s.fenceChar, s.fenceLen) {
			s.fenceChar, s.fenceLen = 0, 0
		}
		return candidate{}, false
	}
	if s.inComment {
		i := strings.Index(line, "-->")
		if i < 0 {
			return candidate{}, false
		}
		s.inComment = false
		_, s.inComment = stripComments(line[i+3:])
		return candidate{}, false
	}
	cols, off := indent(line)
	rest := line[off:]
	if strings.TrimSpace(rest) == "" {
		s.quoteOpen = false
		s.quoteFenceChar, s.quoteFenceLen = 0, 0
		return candidate{}, false
	}
	if cols >= 4 {
		// Indented code, or the continuation of a paragraph (a quoted one
		// stays open); never a command, since Markdown would not show
		// the line as one on its own.
		return candidate{}, false
	}
	if rest[0] == '>' {
		s.quote(rest)
		return candidate{}, false
	}
	s.quoteFenceChar, s.quoteFenceLen = 0, 0
	if ch, n, ok := opensFence(rest); ok {
		s.fenceChar, s.fenceLen = ch, n
		s.quoteOpen = false
		return candidate{}, false
	}
	lazy := s.quoteOpen
	if lazy && interruptsParagraph(rest) {
		s.quoteOpen, lazy = false, false
	}
	isCmd := hasCommandPrefix(rest)
	text, open := stripComments(rest)
	s.inComment = open
	if !isCmd {
		return candidate{}, false
	}
	return candidate{text: strings.TrimSpace(text), raw: rest, lazy: lazy}, true
}

// quote follows the state of a block quote line: whether its paragraph stays
// open for lazy continuation lines, and any fenced code inside it.
func (s *scanState) quote(rest string) {
	content := rest
	for {
		cols, off := indent(content)
		if cols >= 4 || off >= len(content) || content[off] != '>' {
			break
		}
		content = content[off+1:]
		if content != "" && (content[0] == ' ' || content[0] == '\t') {
			content = content[1:]
		}
	}
	if s.quoteFenceChar != 0 {
		if closesFence(content, s.quoteFenceChar, s.quoteFenceLen) {
			s.quoteFenceChar, s.quoteFenceLen = 0, 0
		}
		s.quoteOpen = false
		return
	}
	cols, off := indent(content)
	inner := content[off:]
	if strings.TrimSpace(inner) == "" {
		s.quoteOpen = false
		return
	}
	if cols >= 4 {
		// Continues the quote's paragraph if one is open, else is
		// indented code inside the quote: either way the state stands.
		return
	}
	if ch, n, ok := opensFence(inner); ok {
		s.quoteFenceChar, s.quoteFenceLen = ch, n
		s.quoteOpen = false
		return
	}
	s.quoteOpen = !interruptsParagraph(inner) || isListItem(inner)
}

// indent measures leading spaces and tabs in columns (tab stops of 4) and
// returns the byte offset of the first other character.
func indent(line string) (cols, off int) {
	for off < len(line) {
		switch line[off] {
		case ' ':
			cols++
		case '\t':
			cols += 4 - cols%4
		default:
			return cols, off
		}
		off++
	}
	return cols, off
}

// opensFence reports whether s (already past at most three columns of
// indentation) opens a fenced code block.
func opensFence(s string) (byte, int, bool) {
	if s == "" || (s[0] != '`' && s[0] != '~') {
		return 0, 0, false
	}
	ch := s[0]
	n := 0
	for n < len(s) && s[n] == ch {
		n++
	}
	if n < 3 {
		return 0, 0, false
	}
	// A backtick fence's info string may not hold a backtick: ```a``` is
	// inline code, not a fence.
	if ch == '`' && strings.IndexByte(s[n:], '`') >= 0 {
		return 0, 0, false
	}
	return ch, n, true
}

// closesFence reports whether line closes a fence of ch at least n long.
func closesFence(line string, ch byte, n int) bool {
	cols, off := indent(line)
	if cols >= 4 {
		return false
	}
	s := line[off:]
	k := 0
	for k < len(s) && s[k] == ch {
		k++
	}
	return k >= n && strings.Trim(s[k:], " \t") == ""
}

// interruptsParagraph reports whether s starts a block that ends an open
// paragraph instead of continuing it: a heading, a thematic break, a list
// item or an HTML block. Fences are handled by the caller.
func interruptsParagraph(s string) bool {
	switch {
	case s[0] == '#':
		n := 0
		for n < len(s) && s[n] == '#' {
			n++
		}
		return n <= 6 && (n == len(s) || s[n] == ' ' || s[n] == '\t')
	case s[0] == '<':
		return true
	case isThematicBreak(s):
		return true
	}
	return isListItem(s)
}

func isThematicBreak(s string) bool {
	ch := s[0]
	if ch != '-' && ch != '*' && ch != '_' {
		return false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ch:
			n++
		case ' ', '\t':
		default:
			return false
		}
	}
	return n >= 3
}

func isListItem(s string) bool {
	if (s[0] == '-' || s[0] == '*' || s[0] == '+') && (len(s) == 1 || s[1] == ' ' || s[1] == '\t') {
		return true
	}
	n := 0
	for n < len(s) && n < 10 && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n > 0 && n < 10 && n < len(s) && (s[n] == '.' || s[n] == ')') &&
		(n+1 == len(s) || s[n+1] == ' ' || s[n+1] == '\t')
}

// hasCommandPrefix reports whether s starts with /djsec (ASCII letters in
// any case, so that no Unicode case folding turns "/djſec" into a command)
// followed by the end of the line or white space.
func hasCommandPrefix(s string) bool {
	const p = "/djsec"
	if len(s) < len(p) {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != p[i] {
			return false
		}
	}
	if len(s) == len(p) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(s[len(p):])
	return unicode.IsSpace(r)
}

// stripComments removes HTML comments (<!-- ... -->, and the short <!--> and
// <!--->) from a line of text, leaving code spans alone, and reports whether
// the line ends inside a comment that goes on to later lines.
func stripComments(s string) (string, bool) {
	if !strings.Contains(s, "<!--") {
		return s, false
	}
	runs := backtickRuns(s)
	var b strings.Builder
	b.Grow(len(s))
	r := 0
	for i := 0; i < len(s); {
		for r < len(runs) && runs[r].pos < i {
			r++
		}
		if r < len(runs) && runs[r].pos == i {
			end := i + runs[r].n
			if c := runs[r].closer; c >= 0 {
				end = runs[c].pos + runs[c].n
			}
			b.WriteString(s[i:end])
			i = end
			continue
		}
		if strings.HasPrefix(s[i:], "<!--") {
			j := strings.Index(s[i+2:], "-->")
			if j < 0 {
				return b.String(), true
			}
			i += 2 + j + 3
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String(), false
}

type backtickRun struct {
	pos, n int
	closer int // index of the run that closes this code span; -1 if none
}

// backtickRuns lists the runs of backticks in s, each with the next run of
// the same length, which is what closes a code span, found in one pass from
// the end so that a line full of backticks stays linear.
func backtickRuns(s string) []backtickRun {
	var runs []backtickRun
	for i := 0; i < len(s); {
		if s[i] != '`' {
			i++
			continue
		}
		j := i
		for j < len(s) && s[j] == '`' {
			j++
		}
		runs = append(runs, backtickRun{pos: i, n: j - i, closer: -1})
		i = j
	}
	last := map[int]int{}
	for k := len(runs) - 1; k >= 0; k-- {
		if c, ok := last[runs[k].n]; ok {
			runs[k].closer = c
		}
		last[runs[k].n] = k
	}
	return runs
}
