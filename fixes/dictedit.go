package fixes

import (
	"bytes"
	"strings"

	"github.com/djsec/djsec/checks/pysrc"
)

// dictEntry finds key's value in a dict literal ("" key strings compare
// without quotes).
func dictEntry(f *pysrc.File, dict *pysrc.Node, key string) *pysrc.Node {
	for _, p := range pysrc.Named(dict) {
		if p.Kind() != "pair" {
			continue
		}
		k := p.ChildByFieldName("key")
		if k != nil && k.Kind() == "string" && strings.Trim(f.Text(k), `"'`) == key {
			return p.ChildByFieldName("value")
		}
	}
	return nil
}

// endsInComma says whether a dict, list or tuple literal needs no comma
// before a new last entry: it is empty, or its last element is followed by
// one. Read from the tree, so a comment after the comma ("'app',  # why")
// or a commented-out entry on the last line does not mislead it.
func endsInComma(n *pysrc.Node) bool {
	comma := true
	for i := uint(0); i < n.ChildCount(); i++ {
		switch c := n.Child(i); {
		case c.Kind() == "comment":
		case c.IsNamed():
			comma = false
		case c.Kind() == ",":
			comma = true
		}
	}
	return comma
}

// insertIntoDict adds entry (lines, "\t" for each nesting level below the
// entry's own) as the last entry of a multi-line dict literal, indented like
// its other entries. The reason says why it cannot be done safely.
func insertIntoDict(src []byte, dict *pysrc.Node, entry string, s style) ([]byte, string) {
	start, end := int(dict.StartByte()), int(dict.EndByte())
	closing := end - 1
	if !bytes.Contains(src[start:end], []byte("\n")) {
		return nil, "it is written on one line"
	}
	lineStart := bytes.LastIndexByte(src[:closing], '\n') + 1
	if strings.TrimSpace(string(src[lineStart:closing])) != "" {
		return nil, "its closing brace shares a line with an entry"
	}
	closeIndent := string(src[lineStart:closing])
	indent := closeIndent + s.indent
	if kids := pysrc.Named(dict); len(kids) > 0 {
		ks := int(kids[0].StartByte())
		ls := bytes.LastIndexByte(src[:ks], '\n') + 1
		if w := src[ls:ks]; len(bytes.TrimLeft(w, " \t")) == 0 {
			indent = string(w)
		}
	}
	// Nesting inside the new entry follows the dict's own step (a tab-indented
	// LOGGING in a space-indented file stays tab-indented).
	if unit, ok := strings.CutPrefix(indent, closeIndent); ok && unit != "" {
		s.indent = unit
	}
	prev := bytes.TrimRight(src[start+1:lineStart], " \t\r\n")
	out := append([]byte{}, src[:start+1]...)
	out = append(out, prev...)
	if !endsInComma(dict) {
		if bytes.Contains(lastLine(prev), []byte("#")) {
			return nil, "its last entry ends in a comment without a trailing comma"
		}
		out = append(out, ',')
	}
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimRight(entry, "\n"), "\n") {
		b.WriteString("\n" + indent + s.ind(l))
	}
	b.WriteString("\n")
	out = append(out, s.nl(b.String())...)
	return append(out, src[lineStart:]...), ""
}

// mergeLogging adds a console handler and a django.security logger to an
// existing LOGGING dict literal, keeping every entry it has.
func mergeLogging(src []byte, s style) ([]byte, string) {
	a, reason := findAssign(src, "LOGGING", 0)
	if reason != "" {
		return nil, "LOGGING: " + reason
	}
	if a.value.Kind() != "dictionary" {
		return nil, "LOGGING is not a dict literal, so djsec does not merge into it"
	}
	f := a.file
	loggers := dictEntry(f, a.value, "loggers")
	handlers := dictEntry(f, a.value, "handlers")
	if loggers != nil && loggers.Kind() != "dictionary" || handlers != nil && handlers.Kind() != "dictionary" {
		return nil, "LOGGING's handlers or loggers are not dict literals, so djsec does not merge into them"
	}
	if loggers != nil && dictEntry(f, loggers, "django.security") != nil {
		return nil, "LOGGING already configures django.security; why it records nothing is left to a human"
	}
	if handlers != nil && dictEntry(f, handlers, "security_console") != nil {
		return nil, "LOGGING already has a handler named security_console"
	}
	q := s.q
	handler := q("security_console") + ": {" + q("class") + ": " + q("logging.StreamHandler") + ", " + q("level") + ": " + q("WARNING") + "},"
	logger := q("django.security") + ": {\n\t" + q("handlers") + ": [" + q("security_console") + "],\n\t" +
		q("level") + ": " + q("WARNING") + ",\n\t" + q("propagate") + ": False,\n},"
	// A missing handlers or loggers dict is added as a new top-level entry.
	type ins struct {
		at    *pysrc.Node
		entry string
	}
	var steps []ins
	if loggers != nil {
		steps = append(steps, ins{loggers, logger})
	} else {
		steps = append(steps, ins{a.value, q("loggers") + ": {\n\t" + strings.ReplaceAll(logger, "\n", "\n\t") + "\n},"})
	}
	if handlers != nil {
		steps = append(steps, ins{handlers, handler})
	} else {
		steps = append(steps, ins{a.value, q("handlers") + ": {\n\t" + handler + "\n},"})
	}
	// Each insertion goes just before a dict's closing brace, so the
	// offsets of everything before it stay valid: the later brace first
	// (the enclosing LOGGING dict, when it gains a key, is the latest).
	// When both go into LOGGING itself, loggers goes in first and handlers
	// lands before it.
	if steps[1].at.EndByte() > steps[0].at.EndByte() {
		steps[0], steps[1] = steps[1], steps[0]
	}
	out := src
	for _, st := range steps {
		var r string
		out, r = insertIntoDict(out, st.at, st.entry, s)
		if r != "" {
			return nil, "djsec merges only into a LOGGING laid out one entry per line: " + r
		}
	}
	return out, ""
}
