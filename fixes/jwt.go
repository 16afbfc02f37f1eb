package fixes

import (
	"bytes"
	"strings"

	"github.com/djsec/djsec/checks/pysrc"
)

const jwtBlacklistApp = "rest_framework_simplejwt.token_blacklist"

// setDictKey sets key to value in the top-level dict literal name, replacing
// the value when the key is there and adding the entry otherwise. Each call
// parses afresh, so edits can be chained.
func setDictKey(src []byte, name, key, value string, s style) ([]byte, string) {
	a, reason := findAssign(src, name, 0)
	if reason != "" {
		return nil, reason
	}
	if a.value.Kind() != "dictionary" {
		return nil, name + " is not a dict literal, so it is left to a human"
	}
	if v := dictEntry(a.file, a.value, key); v != nil {
		return splice(src, int(v.StartByte()), int(v.EndByte()), value), ""
	}
	out, r := insertIntoDict(src, a.value, s.q(key)+": "+value+",", s)
	if r != "" {
		return nil, name + ": " + r
	}
	return out, ""
}

// appendToList adds item (already quoted) to the top-level list literal name
// unless it is there.
func appendToList(src []byte, name, item string, s style) ([]byte, string) {
	a, reason := findAssign(src, name, 0)
	if reason != "" {
		return nil, name + " is not set in this module: " + reason
	}
	if a.value.Kind() != "list" {
		return nil, name + " is not a list literal, so it is left to a human"
	}
	bare := strings.Trim(item, `"'`)
	if bytes.Contains(src[a.valStart:a.valEnd], []byte(`"`+bare+`"`)) || bytes.Contains(src[a.valStart:a.valEnd], []byte(`'`+bare+`'`)) {
		return src, ""
	}
	out, r := insertIntoDict(src, a.value, item+",", s)
	if r != "" {
		return nil, name + ": " + r
	}
	return out, ""
}

// prependToList puts item (already quoted) first in the top-level list
// literal name, one entry per line, unless it is there.
func prependToList(src []byte, name, item string, s style) ([]byte, string) {
	a, reason := findAssign(src, name, 0)
	if reason != "" {
		return nil, name + ": " + reason
	}
	kids := pysrc.Named(a.value)
	if a.value.Kind() != "list" && a.value.Kind() != "tuple" || len(kids) == 0 {
		return nil, name + " is not a non-empty list literal, so it is left to a human"
	}
	bare := strings.Trim(item, `"'`)
	if bytes.Contains(src[a.valStart:a.valEnd], []byte(`"`+bare+`"`)) || bytes.Contains(src[a.valStart:a.valEnd], []byte(`'`+bare+`'`)) {
		return src, ""
	}
	first := int(kids[0].StartByte())
	ls := bytes.LastIndexByte(src[:first], '\n') + 1
	indent := src[ls:first]
	if ls <= a.valStart || len(bytes.TrimLeft(indent, " \t")) != 0 {
		return nil, name + " is not laid out one entry per line, so it is left to a human"
	}
	return splice(src, ls, ls, s.nl(string(indent)+item+",\n")), ""
}

func fixJWT(j *job) (*edit, string) {
	src, ok := j.files[j.f.Path]
	if !ok {
		return nil, "the file " + j.f.Path + " is not in the fetched files"
	}
	s := styleOf(src)
	if a, _ := findAssign(src, "SIMPLE_JWT", 0); a == nil {
		if bytes.Contains(src, []byte("SIMPLE_JWT")) || j.f.Rule == "DJS501" {
			return nil, "SIMPLE_JWT is not a plain top-level assignment in this module, so it is left to a human"
		}
		src = appendBlock(src, "SIMPLE_JWT = {\n}\n", s)
	}
	var out []byte
	var reason, desc string
	switch j.f.Rule {
	case "DJS501":
		a, _ := findAssign(src, "SIMPLE_JWT", 0)
		v := dictEntry(a.file, a.value, "ACCESS_TOKEN_LIFETIME")
		if v == nil || v.Kind() != "call" {
			return nil, "ACCESS_TOKEN_LIFETIME is not written as a timedelta(...) call, so it is left to a human"
		}
		fn := a.file.Text(v.ChildByFieldName("function"))
		if fn != "timedelta" && !strings.HasSuffix(fn, ".timedelta") {
			return nil, "ACCESS_TOKEN_LIFETIME is not written as a timedelta(...) call, so it is left to a human"
		}
		args := v.ChildByFieldName("arguments")
		out = splice(src, int(args.StartByte()), int(args.EndByte()), "(minutes=15)")
		desc = "SIMPLE_JWT ACCESS_TOKEN_LIFETIME is 15 minutes"
	default:
		out, reason = setDictKey(src, "SIMPLE_JWT", "ROTATE_REFRESH_TOKENS", "True", s)
		if reason == "" {
			out, reason = setDictKey(out, "SIMPLE_JWT", "BLACKLIST_AFTER_ROTATION", "True", s)
		}
		if reason == "" {
			out, reason = appendToList(out, "INSTALLED_APPS", s.q(jwtBlacklistApp), s)
		}
		if reason != "" {
			return nil, reason
		}
		desc = "SIMPLE_JWT rotates refresh tokens and blacklists the old ones (" + jwtBlacklistApp + " in INSTALLED_APPS: run migrate)"
	}
	return &edit{files: map[string][]byte{j.f.Path: out}, changes: []Change{{Rule: j.f.Rule, Path: j.f.Path, Description: desc}}}, ""
}
