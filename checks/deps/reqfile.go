package deps

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/djsec/djsec/internal/lazyre"
)

// include is a -r (requirements) or -c (constraints) line.
type include struct {
	target     string // as written
	constraint bool
	line, col  int
}

// reqFile is one parsed requirements file.
type reqFile struct {
	path     string
	reqs     []Requirement
	includes []include
	// resolved holds the in-repository path of each include that exists,
	// parallel to includes ("" when it could not be resolved).
	resolved []string
	errs     []error
}

// segment maps a stretch of a logical line back to the physical line it
// came from: byte off of the logical line starts at line, col (1-based).
type segment struct{ off, line, col int }

// logicalLine is a requirements-file line after pip's joining of
// backslash continuations.
type logicalLine struct {
	text string
	segs []segment
}

// pos maps a byte offset of the logical line to a physical line and column.
func (l logicalLine) pos(off int) (line, col int) {
	i := sort.Search(len(l.segs), func(i int) bool { return l.segs[i].off > off }) - 1
	s := l.segs[max(i, 0)]
	return s.line, s.col + off - s.off
}

// commentLineRE is pip's COMMENT_RE anchored at the start of a line, which
// is how join_lines uses it: such a line never continues another.
var commentLineRE = lazyre.New(`^\s*#`)

// commentRE is pip's COMMENT_RE: "#" at the start or after whitespace
// begins a comment; elsewhere (a URL fragment) it does not.
var commentRE = lazyre.New(`(^|\s+)#.*$`)

// joinLines reproduces pip's req_file.join_lines: a line ending in a
// backslash continues on the next, unless it is a comment line; a comment
// line ends a continuation.
func joinLines(data string) []logicalLine {
	var out []logicalLine
	var text strings.Builder
	var segs []segment
	open := false
	flush := func() {
		out = append(out, logicalLine{text: text.String(), segs: segs})
		text.Reset()
		segs, open = nil, false
	}
	for i, raw := range strings.Split(data, "\n") {
		raw = strings.TrimSuffix(raw, "\r")
		n := i + 1
		comment := commentLineRE().MatchString(raw)
		if strings.HasSuffix(raw, `\`) && !comment {
			segs = append(segs, segment{off: text.Len(), line: n, col: 1})
			text.WriteString(strings.TrimRight(raw, `\`))
			open = true
			continue
		}
		if open && comment {
			raw = " " + raw
		}
		segs = append(segs, segment{off: text.Len(), line: n, col: 1})
		text.WriteString(raw)
		flush()
	}
	if open {
		flush()
	}
	return out
}

// perRequirementOptRE finds the options pip accepts after a requirement
// (--hash, --config-settings, --global-option, --install-option).
var perRequirementOptRE = lazyre.New(`\s--[A-Za-z]`)

// directRefRE recognises a PEP 508 "name @ url" (or name[extras] @ url).
var directRefRE = lazyre.New(`^[A-Za-z0-9][A-Za-z0-9._-]*\s*(\[[^\]]*\])?\s*@`)

var eggRE = lazyre.New(`[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)`)

// parseRequirementsFile reads a pip requirements file. Problems are kept
// per line; the lines that parse still count.
func parseRequirementsFile(p, data string) *reqFile {
	f := &reqFile{path: p}
	for _, ll := range joinLines(data) {
		text := ll.text
		if loc := commentRE().FindStringIndex(text); loc != nil {
			text = text[:loc[0]]
		}
		start := skipSpace(text, 0)
		text = strings.TrimRight(text, " \t")
		if start >= len(text) {
			continue
		}
		line, _ := ll.pos(start)
		if text[start] == '-' {
			f.parseOption(ll, text, start)
			continue
		}
		body := text[start:]
		if loc := perRequirementOptRE().FindStringIndex(body); loc != nil {
			body = body[:loc[0]]
		}
		if !directRefRE().MatchString(body) && looksLikeLocation(body) {
			if r, ok := requirementFromLocation(body); ok {
				r.Path = p
				r.Line, r.Col = ll.pos(start)
				f.reqs = append(f.reqs, r)
			}
			continue
		}
		r, off, err := parsePEP508(body)
		if err != nil {
			f.errs = append(f.errs, fmt.Errorf("line %d: %w", line, err))
			continue
		}
		r.Path = p
		r.Line, r.Col = ll.pos(start + off)
		f.reqs = append(f.reqs, r)
	}
	return f
}

// parseOption handles an option line. Only the options that bring in
// requirements matter (-r, -c, -e); index and build options are ignored.
func (f *reqFile) parseOption(ll logicalLine, text string, start int) {
	line, _ := ll.pos(start)
	rest := text[start:]
	opt := rest
	if i := strings.IndexAny(rest, " \t="); i >= 0 {
		opt = rest[:i]
	}
	var kind string
	value, valueOff := "", 0
	switch {
	case opt == "-r" || opt == "--requirement" || opt == "-c" || opt == "--constraint" || opt == "-e" || opt == "--editable":
		kind = opt
		j := start + len(opt)
		if j < len(text) && text[j] == '=' {
			j++
		}
		valueOff = skipSpace(text, j)
		value = strings.TrimSpace(text[valueOff:])
	case len(opt) > 2 && (strings.HasPrefix(opt, "-r") || strings.HasPrefix(opt, "-c") || strings.HasPrefix(opt, "-e")) && opt[1] != '-':
		// optparse accepts a short option glued to its value: -rbase.txt.
		kind = opt[:2]
		valueOff = start + 2
		value = strings.TrimSpace(text[valueOff:])
	default:
		return
	}
	if value == "" {
		f.errs = append(f.errs, fmt.Errorf("line %d: %s needs a value: %w", line, kind, ErrBadRequirement))
		return
	}
	vline, vcol := ll.pos(valueOff)
	switch kind {
	case "-r", "--requirement":
		f.includes = append(f.includes, include{target: value, line: vline, col: vcol})
	case "-c", "--constraint":
		f.includes = append(f.includes, include{target: value, constraint: true, line: vline, col: vcol})
	default:
		if loc := perRequirementOptRE().FindStringIndex(value); loc != nil {
			value = value[:loc[0]]
		}
		if directRefRE().MatchString(value) {
			r, off, err := parsePEP508(value)
			if err != nil {
				f.errs = append(f.errs, fmt.Errorf("line %d: %w", line, err))
				return
			}
			r.Editable, r.Path = true, f.path
			r.Line, r.Col = ll.pos(valueOff + off)
			f.reqs = append(f.reqs, r)
			return
		}
		// A local path without #egg= names no package djsec can judge.
		if r, ok := requirementFromLocation(value); ok {
			r.Editable, r.Path = true, f.path
			r.Line, r.Col = vline, vcol
			f.reqs = append(f.reqs, r)
		}
	}
}

// looksLikeLocation tells a URL or path line (git+https://…, ./pkg,
// dist/pkg-1.0-py3-none-any.whl) from a PEP 508 requirement.
func looksLikeLocation(s string) bool {
	first := s
	if i := strings.IndexAny(s, " \t;"); i >= 0 {
		first = s[:i]
	}
	lower := strings.ToLower(first)
	switch {
	case strings.Contains(first, "://"), strings.HasPrefix(first, "."), strings.HasPrefix(first, "/"),
		strings.HasPrefix(first, "~"), strings.HasPrefix(lower, "file:"):
		return true
	}
	for _, ext := range []string{".whl", ".zip", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar"} {
		if strings.HasSuffix(lower, ext) {
			return true
		}
	}
	return strings.Contains(first, "/") && !strings.ContainsAny(first, "<>=!~")
}

// requirementFromLocation names the package behind a URL or path: the
// #egg= fragment, or a wheel's file name (which also pins the version).
func requirementFromLocation(s string) (Requirement, bool) {
	loc := s
	if i := strings.IndexAny(s, " \t"); i >= 0 {
		loc = s[:i]
	}
	r := Requirement{URL: loc}
	if m := eggRE().FindStringSubmatch(loc); m != nil {
		r.Name = NormalizeName(m[1])
		return r, true
	}
	base := path.Base(strings.SplitN(loc, "#", 2)[0])
	if strings.HasSuffix(strings.ToLower(base), ".whl") {
		// {name}-{version}(-{build})?-{python}-{abi}-{platform}.whl
		parts := strings.Split(strings.TrimSuffix(base, base[len(base)-4:]), "-")
		if len(parts) >= 5 {
			if _, err := ParseVersion(parts[1]); err == nil {
				r.Name = NormalizeName(parts[0])
				r.Version = parts[1]
				r.Specifier = "==" + parts[1]
				return r, true
			}
		}
	}
	return r, false
}
