package fixes

import (
	"bytes"
	"strings"
)

// httpsSettings are the settings DJS402–409 want, by rule. The switches a
// browser acts on only over HTTPS (HSTS, HttpOnly, nosniff) are plain
// literals; the ones that break plain-HTTP development (the redirect and the
// Secure cookie flags) stay on unless a development variable turns them off.
var httpsSettings = map[string]struct {
	name  string
	value string // a literal, or "" for the development switch
}{
	"DJS402": {"SECURE_SSL_REDIRECT", ""},
	"DJS403": {"SECURE_HSTS_SECONDS", "31536000"},
	"DJS404": {"SECURE_HSTS_INCLUDE_SUBDOMAINS", "True"},
	"DJS405": {"SECURE_HSTS_PRELOAD", "True"},
	"DJS406": {"SESSION_COOKIE_SECURE", ""},
	"DJS407": {"SESSION_COOKIE_HTTPONLY", "True"},
	"DJS408": {"CSRF_COOKIE_SECURE", ""},
	"DJS409": {"SECURE_CONTENT_TYPE_NOSNIFF", "True"},
}

const (
	devVar     = "DJANGO_INSECURE_DEV"
	httpsMark  = "# HTTPS and secure cookies (djsec)"
	httpsMarkD = httpsMark + "; " + devVar + "=1 turns the HTTPS redirect and Secure cookies off for local development over plain HTTP.\n"
)

func fixHTTPS(j *job) (*edit, string) {
	src, ok := j.files[j.f.Path]
	if !ok {
		return nil, "the file " + j.f.Path + " is not in the fetched files"
	}
	hs := httpsSettings[j.f.Rule]
	s := styleOf(src)
	value := hs.value
	var env []EnvVar
	if value == "" {
		switch s.kind {
		case "decouple":
			value = "config(" + s.q(hs.name) + ", default=True, cast=bool)"
			env = []EnvVar{{Name: hs.name, Description: "set to False only for local development over plain HTTP", Example: "True"}}
		case "environ":
			value = s.env + ".bool(" + s.q(hs.name) + ", default=True)"
			env = []EnvVar{{Name: hs.name, Description: "set to False only for local development over plain HTTP", Example: "True"}}
		default:
			value = "os.environ.get(" + s.q(devVar) + ", " + s.q("") + ") != " + s.q("1")
			env = []EnvVar{{Name: devVar, Description: "set to 1 only on a development machine served over plain HTTP", Example: "0"}}
		}
	}
	var out []byte
	if a, _ := findAssign(src, hs.name, j.f.Line); a != nil {
		if v := envArg(a.file, a.value); v != "" && hs.value != "" {
			// Already read from the environment: keep the variable and
			// make its default the secure value.
			value = typedEnv(s, v, hs.value)
			env = []EnvVar{{Name: v, Description: "overrides " + hs.name + " (default " + hs.value + ")", Example: hs.value}}
		}
		out = splice(src, a.valStart, a.valEnd, value)
	} else if bytes.Contains(src, []byte(hs.name)) {
		return nil, hs.name + " is set in a way djsec does not rewrite (inside a conditional or computed), so it is left to a human"
	} else {
		out = appendHTTPS(src, hs.name, value, s)
	}
	desc := hs.name + " = " + describe(value)
	if j.f.Rule == "DJS403" {
		// HSTS on brings Django's W005 and W021 (DJS404, DJS405) unless
		// its two companions are set as well; a fix must not add findings.
		for _, r := range []string{"DJS404", "DJS405"} {
			c := httpsSettings[r]
			if !bytes.Contains(out, []byte(c.name)) {
				out = appendHTTPS(out, c.name, c.value, s)
				desc += ", " + c.name + " = " + c.value
			}
		}
	}
	if strings.Contains(value, "os.environ") {
		out = ensureImportOS(out, s)
	}
	e := &edit{files: map[string][]byte{j.f.Path: out}, env: env,
		changes: []Change{{Rule: j.f.Rule, Path: j.f.Path, Description: desc}}}
	return e, j.envExample(e)
}

// appendHTTPS adds name = value at the end of the module, in the block an
// earlier HTTPS fix started when the file still ends with it.
func appendHTTPS(src []byte, name, value string, s style) []byte {
	line := name + " = " + value + "\n"
	if bytes.Contains(src, []byte(httpsMark)) && bytes.HasSuffix(bytes.TrimRight(src, "\r\n"), []byte(lastLineOfBlock(src))) {
		return append(bytes.TrimRight(append([]byte{}, src...), "\r\n"), s.nl("\n"+line)...)
	}
	mark := httpsMark + ".\n"
	if s.kind == "os" {
		mark = httpsMarkD
	}
	return appendBlock(src, mark+line, s)
}

// lastLineOfBlock is the file's last non-empty line when it is one of the
// HTTPS block's settings, so consecutive fixes share one block.
func lastLineOfBlock(src []byte) string {
	t := bytes.TrimRight(src, "\r\n")
	last := string(t[bytes.LastIndexByte(t, '\n')+1:])
	for _, hs := range httpsSettings {
		if strings.HasPrefix(last, hs.name+" = ") {
			return last
		}
	}
	return "\x00"
}

func describe(value string) string {
	if strings.Contains(value, "(") {
		return "on unless the development variable says otherwise (" + value + ")"
	}
	return value
}

// typedEnv reads v with a secure literal default, in the file's style.
func typedEnv(s style, v, def string) string {
	typ := "int"
	if def == "True" || def == "False" {
		typ = "bool"
	}
	switch s.kind {
	case "decouple":
		return "config(" + s.q(v) + ", default=" + def + ", cast=" + typ + ")"
	case "environ":
		return s.env + "." + typ + "(" + s.q(v) + ", default=" + def + ")"
	}
	if typ == "bool" {
		return "os.environ.get(" + s.q(v) + ", " + s.q(def) + ") == " + s.q("True")
	}
	return "int(os.environ.get(" + s.q(v) + ", " + s.q(def) + "))"
}
