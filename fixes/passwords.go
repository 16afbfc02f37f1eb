package fixes

import (
	"bytes"
	"strings"

	"github.com/djsec/djsec/checks/pysrc"
)

const validatorPrefix = "django.contrib.auth.password_validation."

var validators = []string{"UserAttributeSimilarityValidator", "MinimumLengthValidator", "CommonPasswordValidator", "NumericPasswordValidator"}

// validatorEntry is one AUTH_PASSWORD_VALIDATORS dict, startproject's layout.
func validatorEntry(s style, name string) string {
	e := "{\n\t" + s.q("NAME") + ": " + s.q(validatorPrefix+name) + ",\n"
	if name == "MinimumLengthValidator" {
		e += "\t" + s.q("OPTIONS") + ": {" + s.q("min_length") + ": 12},\n"
	}
	return e + "},"
}

// fixPasswordValidators handles DJS601–603 on a top-level
// AUTH_PASSWORD_VALIDATORS list literal (or its absence).
func fixPasswordValidators(j *job) (*edit, string) {
	src, ok := j.files[j.f.Path]
	if !ok {
		return nil, "the file " + j.f.Path + " is not in the fetched files"
	}
	s := styleOf(src)
	a, _ := findAssign(src, "AUTH_PASSWORD_VALIDATORS", 0)
	if a == nil {
		if bytes.Contains(src, []byte("AUTH_PASSWORD_VALIDATORS")) {
			return nil, "AUTH_PASSWORD_VALIDATORS is not a plain top-level assignment here, so it is left to a human"
		}
		var b strings.Builder
		b.WriteString("AUTH_PASSWORD_VALIDATORS = [\n")
		for _, v := range validators {
			b.WriteString("\t" + strings.ReplaceAll(validatorEntry(s, v), "\n", "\n\t") + "\n")
		}
		b.WriteString("]\n")
		out := appendBlock(src, s.ind(b.String()), s)
		return j.validatorsEdit(out, "AUTH_PASSWORD_VALIDATORS lists Django's four validators with a 12-character minimum")
	}
	list := a.value
	if list.Kind() != "list" {
		return nil, "AUTH_PASSWORD_VALIDATORS is not a list literal, so it is left to a human"
	}
	f := a.file
	if len(pysrc.Named(list)) == 0 {
		var b strings.Builder
		b.WriteString("[\n")
		for _, v := range validators {
			b.WriteString("\t" + strings.ReplaceAll(validatorEntry(s, v), "\n", "\n\t") + "\n")
		}
		b.WriteString("]")
		out := splice(src, a.valStart, a.valEnd, s.nl(s.ind(b.String())))
		return j.validatorsEdit(out, "AUTH_PASSWORD_VALIDATORS lists Django's four validators with a 12-character minimum")
	}
	// Present: raise MinimumLengthValidator's min_length, then add the
	// missing validators, the later edit first so offsets stay valid.
	var minLen *pysrc.Node
	present := map[string]bool{}
	for _, d := range pysrc.Named(list) {
		if d.Kind() != "dictionary" {
			return nil, "an AUTH_PASSWORD_VALIDATORS entry is not a dict literal, so the list is left to a human"
		}
		name := dictEntry(f, d, "NAME")
		if name == nil || name.Kind() != "string" {
			return nil, "an AUTH_PASSWORD_VALIDATORS entry has no literal NAME, so the list is left to a human"
		}
		short := strings.TrimPrefix(strings.Trim(f.Text(name), `"'`), validatorPrefix)
		present[short] = true
		if short == "MinimumLengthValidator" {
			minLen = d
		}
	}
	var adds []string
	for _, v := range validators {
		if !present[v] {
			adds = append(adds, v)
		}
	}
	out := src
	var desc []string
	if len(adds) > 0 {
		var b strings.Builder
		for _, v := range adds {
			b.WriteString(validatorEntry(s, v) + "\n")
		}
		var r string
		if out, r = insertIntoDict(out, list, b.String(), s); r != "" {
			return nil, "AUTH_PASSWORD_VALIDATORS: " + r
		}
		desc = append(desc, "adds "+strings.Join(adds, ", ")+" to AUTH_PASSWORD_VALIDATORS")
	}
	if minLen != nil {
		opts := dictEntry(f, minLen, "OPTIONS")
		switch {
		case opts == nil:
			var r string
			if out, r = insertIntoDict(out, minLen, s.q("OPTIONS")+": {"+s.q("min_length")+": 12},", s); r != "" {
				return nil, "MinimumLengthValidator's entry: " + r
			}
		case opts.Kind() == "dictionary":
			ml := dictEntry(f, opts, "min_length")
			switch {
			case ml == nil:
				// {"min_length": …} goes right after the brace.
				at := int(opts.StartByte()) + 1
				sep := ", "
				if len(pysrc.Named(opts)) == 0 {
					sep = ""
				}
				out = splice(out, at, at, s.q("min_length")+": 12"+sep)
			case ml.Kind() == "integer":
				out = splice(out, int(ml.StartByte()), int(ml.EndByte()), "12")
			default:
				return nil, "MinimumLengthValidator's min_length is computed, so it is left to a human"
			}
		default:
			return nil, "MinimumLengthValidator's OPTIONS is not a dict literal, so it is left to a human"
		}
		desc = append(desc, "MinimumLengthValidator requires 12 characters")
	}
	if len(desc) == 0 {
		return nil, "AUTH_PASSWORD_VALIDATORS already lists every validator"
	}
	return j.validatorsEdit(out, strings.Join(desc, "; "))
}

func (j *job) validatorsEdit(out []byte, desc string) (*edit, string) {
	return &edit{files: map[string][]byte{j.f.Path: out}, changes: []Change{{Rule: j.f.Rule, Path: j.f.Path, Description: desc}}}, ""
}

// fixSecurityMiddleware puts SecurityMiddleware first in a multi-line
// MIDDLEWARE list literal, where Django's documentation places it.
func fixSecurityMiddleware(j *job) (*edit, string) {
	src, ok := j.files[j.f.Path]
	if !ok {
		return nil, "the file " + j.f.Path + " is not in the fetched files"
	}
	a, reason := findAssign(src, "MIDDLEWARE", 0)
	if reason != "" {
		return nil, "MIDDLEWARE: " + reason
	}
	kids := pysrc.Named(a.value)
	if a.value.Kind() != "list" || len(kids) == 0 {
		return nil, "MIDDLEWARE is not a non-empty list literal, so it is left to a human"
	}
	first := int(kids[0].StartByte())
	ls := bytes.LastIndexByte(src[:first], '\n') + 1
	indent := src[ls:first]
	if ls <= a.valStart || len(bytes.TrimLeft(indent, " \t")) != 0 {
		return nil, "MIDDLEWARE is not laid out one entry per line, so it is left to a human"
	}
	s := styleOf(src)
	line := string(indent) + s.q("django.middleware.security.SecurityMiddleware") + ",\n"
	out := splice(src, ls, ls, s.nl(line))
	return &edit{files: map[string][]byte{j.f.Path: out}, changes: []Change{{Rule: j.f.Rule, Path: j.f.Path,
		Description: "django.middleware.security.SecurityMiddleware is first in MIDDLEWARE"}}}, ""
}
