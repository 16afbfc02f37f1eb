package fixes

import (
	"bytes"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/djsec/djsec/checks"
)

// job is one finding to fix over the project's current files.
type job struct {
	files map[string][]byte
	f     checks.Finding
}

// edit is a fixer's proposal: whole new file contents, not yet proved.
type edit struct {
	files   map[string][]byte
	changes []Change
	env     []EnvVar
}

type fixer struct {
	rules []string
	apply func(j *job) (*edit, string)
}

// registry is in the order fixes are tried: the secret first, since the
// others' edits are worth less if the key leaks.
var registry = []fixer{
	{rules: []string{"DJS101", "DJS102", "DJS103"}, apply: fixSecretKey},
	{rules: []string{"DJS201"}, apply: fixDebug},
	{rules: []string{"DJS202"}, apply: fixAllowedHosts},
	{rules: []string{"DJS301", "DJS302"}, apply: fixCORS},
	{rules: []string{"DJS801"}, apply: fixLogging},
	{rules: []string{"DJS605"}, apply: fixLoginLimit},
	{rules: []string{"DJS702"}, apply: fixThrottle},
	{rules: []string{"DJS106"}, apply: fixGitignore},
	{rules: []string{"DJS901"}, apply: fixDBPassword},
	{rules: []string{"DJS601", "DJS602", "DJS603"}, apply: fixPasswordValidators},
	{rules: []string{"DJS401"}, apply: fixSecurityMiddleware},
	{rules: []string{"DJS501"}, apply: fixJWT},
	{rules: []string{"DJS502", "DJS503"}, apply: fixJWT},
	{rules: []string{"DJS402", "DJS403", "DJS404", "DJS405", "DJS406", "DJS407", "DJS408", "DJS409"}, apply: fixHTTPS},
}

// Rules lists the rules djsec can fix.
func Rules() []string {
	var out []string
	for _, f := range registry {
		out = append(out, f.rules...)
	}
	sort.Strings(out)
	return out
}

// envName picks the variable name: the one the file already reads, else the
// style's convention (DJANGO_ prefix for bare os.environ, whose namespace is
// shared with everything else on the host).
func envName(existing, base string, s style) string {
	if existing != "" {
		return existing
	}
	if s.kind == "os" {
		return "DJANGO_" + base
	}
	return base
}

// setting rewrites the value of the module-level assignment the finding
// points at. value builds the new value text from the style and variable.
func (j *job) setting(name, base string, value func(s style, v string) string) (*edit, []byte, style, string, string) {
	src, ok := j.files[j.f.Path]
	if !ok {
		return nil, nil, style{}, "", "the file " + j.f.Path + " is not in the fetched files"
	}
	a, reason := findAssign(src, name, j.f.Line)
	if reason != "" {
		return nil, nil, style{}, "", reason
	}
	s := styleOf(src)
	v := envName(envArg(a.file, a.value), base, s)
	out := splice(src, a.valStart, a.valEnd, value(s, v))
	if s.kind == "os" && strings.Contains(value(s, v), "os.environ") {
		out = ensureImportOS(out, s)
	}
	return &edit{files: map[string][]byte{j.f.Path: out}}, out, s, v, ""
}

func fixSecretKey(j *job) (*edit, string) {
	e, _, _, v, reason := j.setting("SECRET_KEY", "SECRET_KEY", func(s style, v string) string {
		switch s.kind {
		case "decouple":
			return "config(" + s.q(v) + ")"
		case "environ":
			return s.env + "(" + s.q(v) + ")"
		}
		return "os.environ[" + s.q(v) + "]"
	})
	if reason != "" {
		return nil, reason
	}
	e.changes = []Change{{Rule: j.f.Rule, Path: j.f.Path, Description: "SECRET_KEY is read from the environment variable " + v + " with no default; generate a new key (the old one is in the history) and set it"}}
	e.env = []EnvVar{{Name: v, Description: `Django's secret key; generate one with python -c "from django.core.management.utils import get_random_secret_key; print(get_random_secret_key())"`}}
	return e, j.envExample(e)
}

func fixDebug(j *job) (*edit, string) {
	e, _, _, v, reason := j.setting("DEBUG", "DEBUG", func(s style, v string) string {
		switch s.kind {
		case "decouple":
			return "config(" + s.q(v) + ", default=False, cast=bool)"
		case "environ":
			return s.env + ".bool(" + s.q(v) + ", default=False)"
		}
		return "os.environ.get(" + s.q(v) + ", " + s.q("") + ") == " + s.q("1")
	})
	if reason != "" {
		return nil, reason
	}
	example := "False"
	if styleOf(j.files[j.f.Path]).kind == "os" {
		example = "0"
	}
	e.changes = []Change{{Rule: j.f.Rule, Path: j.f.Path, Description: "DEBUG is off unless the environment variable " + v + " turns it on"}}
	e.env = []EnvVar{{Name: v, Description: "turns DEBUG on for local development only", Example: example}}
	return e, j.envExample(e)
}

// listFromEnv is a comma-separated variable as a list, in the file's style.
func listFromEnv(s style, v, item string) string {
	switch s.kind {
	case "decouple":
		return "config(" + s.q(v) + ", default=" + s.q("") + ", cast=Csv())"
	case "environ":
		return s.env + ".list(" + s.q(v) + ", default=[])"
	}
	return "[" + item + " for " + item + " in os.environ.get(" + s.q(v) + ", " + s.q("") + ").split(" + s.q(",") + ") if " + item + "]"
}

func withCsv(e *edit, p string, s style) string {
	if s.kind != "decouple" {
		return ""
	}
	out, ok := ensureDecoupleCsv(e.files[p])
	if !ok {
		return "decouple's config is not imported with a plain `from decouple import …` line, so Csv cannot be added"
	}
	e.files[p] = out
	return ""
}

func fixAllowedHosts(j *job) (*edit, string) {
	e, _, s, v, reason := j.setting("ALLOWED_HOSTS", "ALLOWED_HOSTS", func(s style, v string) string {
		return listFromEnv(s, v, "h")
	})
	if reason != "" {
		return nil, reason
	}
	if r := withCsv(e, j.f.Path, s); r != "" {
		return nil, r
	}
	e.changes = []Change{{Rule: j.f.Rule, Path: j.f.Path, Description: "ALLOWED_HOSTS is read from the comma-separated environment variable " + v}}
	e.env = []EnvVar{{Name: v, Description: "comma-separated host names the site serves", Example: "example.com,www.example.com"}}
	return e, j.envExample(e)
}

func fixCORS(j *job) (*edit, string) {
	src := j.files[j.f.Path]
	name, list := "CORS_ALLOW_ALL_ORIGINS", "CORS_ALLOWED_ORIGINS"
	if a, _ := findAssign(src, name, j.f.Line); a == nil {
		// django-cors-headers before 3.5 knows only the old names.
		name, list = "CORS_ORIGIN_ALLOW_ALL", "CORS_ORIGIN_WHITELIST"
	}
	a, reason := findAssign(src, name, j.f.Line)
	if reason != "" {
		return nil, reason
	}
	s := styleOf(src)
	out := src
	var env []EnvVar
	desc := name + " is False"
	if !hasTopLevel(src, list) && !hasTopLevel(src, "CORS_ALLOWED_ORIGIN_REGEXES") {
		v := envName("", "CORS_ALLOWED_ORIGINS", s)
		out = insertAfter(out, a.stmtEnd, list+" = "+listFromEnv(s, v, "o")+"\n", s)
		env = []EnvVar{{Name: v, Description: "comma-separated origins allowed to make cross-site requests", Example: "https://app.example.com"}}
		desc += " and " + list + " is read from the comma-separated environment variable " + v
	}
	out = splice(out, a.valStart, a.valEnd, "False")
	if len(env) > 0 && s.kind == "os" {
		out = ensureImportOS(out, s)
	}
	e := &edit{files: map[string][]byte{j.f.Path: out}, env: env,
		changes: []Change{{Rule: j.f.Rule, Path: j.f.Path, Description: desc}}}
	if r := withCsv(e, j.f.Path, s); r != "" {
		return nil, r
	}
	return e, j.envExample(e)
}

const loggingBlock = `LOGGING = {
	"version": 1,
	"disable_existing_loggers": False,
	"handlers": {
		"console": {"class": "logging.StreamHandler"},
	},
	"loggers": {
		"django.security": {
			"handlers": ["console"],
			"level": "WARNING",
			"propagate": False,
		},
	},
}
`

func fixLogging(j *job) (*edit, string) {
	src, ok := j.files[j.f.Path]
	if !ok {
		return nil, "the file " + j.f.Path + " is not in the fetched files"
	}
	s := styleOf(src)
	if strings.Contains(string(src), "LOGGING") {
		out, reason := mergeLogging(src, s)
		if reason != "" {
			return nil, reason
		}
		return &edit{files: map[string][]byte{j.f.Path: out},
			changes: []Change{{Rule: j.f.Rule, Path: j.f.Path, Description: "LOGGING keeps its entries and gains a security_console handler and a django.security logger at WARNING"}}}, ""
	}
	block := s.ind(strings.ReplaceAll(loggingBlock, `"`, s.quote))
	out := appendBlock(src, "# Django reports CSRF failures, disallowed hosts and other attacks it stops on django.security.\n"+block, s)
	return &edit{files: map[string][]byte{j.f.Path: out},
		changes: []Change{{Rule: j.f.Rule, Path: j.f.Path, Description: "LOGGING sends django.security warnings to the console (stderr)"}}}, ""
}

const throttleKeys = `	"DEFAULT_THROTTLE_CLASSES": [
		"rest_framework.throttling.AnonRateThrottle",
		"rest_framework.throttling.UserRateThrottle",
	],
	"DEFAULT_THROTTLE_RATES": {
		"anon": "100/hour",
		"user": "1000/hour",
	},
`

func fixThrottle(j *job) (*edit, string) {
	src, ok := j.files[j.f.Path]
	if !ok {
		return nil, "the file " + j.f.Path + " is not in the fetched files"
	}
	s := styleOf(src)
	keys := s.ind(strings.ReplaceAll(throttleKeys, `"`, s.quote))
	drf := bytes.Contains(src, []byte("rest_framework"))
	if drf {
		a, _ := findAssign(src, "REST_FRAMEWORK", 0)
		if a == nil {
			if bytes.Contains(src, []byte("REST_FRAMEWORK")) {
				return nil, "REST_FRAMEWORK is not a plain top-level assignment here, so djsec does not merge into it"
			}
			out := appendBlock(src, "REST_FRAMEWORK = {\n"+keys+"}\n", s)
			return &edit{files: map[string][]byte{j.f.Path: out}, changes: []Change{{Rule: j.f.Rule, Path: j.f.Path,
				Description: "REST_FRAMEWORK throttles anonymous clients to 100 requests an hour and users to 1000"}}}, ""
		}
		if a.value.Kind() != "dictionary" {
			return nil, "REST_FRAMEWORK is not a dict literal, so djsec does not merge into it"
		}
		if bytes.Contains(src[a.valStart:a.valEnd], []byte("DEFAULT_THROTTLE_")) {
			return nil, "REST_FRAMEWORK already has throttle settings; completing them is left to a human"
		}
		body := src[a.valStart:a.valEnd]
		closing := a.valEnd - 1
		if !bytes.Contains(body, []byte("\n")) {
			return nil, "REST_FRAMEWORK is written on one line; djsec merges only into a multi-line dict"
		}
		// Insert before the closing brace's line, after a comma on the last entry.
		lineStart := bytes.LastIndexByte(src[:closing], '\n') + 1
		if strings.TrimSpace(string(src[lineStart:closing])) != "" {
			return nil, "REST_FRAMEWORK's closing brace shares a line with an entry; djsec merges only into a dict laid out one entry per line"
		}
		prev := bytes.TrimRight(src[a.valStart+1:lineStart], " \t\r\n")
		out := append([]byte{}, src[:a.valStart+1]...)
		out = append(out, prev...)
		if len(bytes.TrimSpace(prev)) > 0 && !bytes.HasSuffix(prev, []byte(",")) && !bytes.HasSuffix(prev, []byte("{")) {
			if bytes.Contains(lastLine(prev), []byte("#")) {
				return nil, "REST_FRAMEWORK's last entry ends in a comment without a trailing comma; left to a human"
			}
			out = append(out, ',')
		}
		out = append(out, s.nl("\n"+keys)...)
		out = append(out, src[lineStart:]...)
		return &edit{files: map[string][]byte{j.f.Path: out}, changes: []Change{{Rule: j.f.Rule, Path: j.f.Path,
			Description: "REST_FRAMEWORK gains DEFAULT_THROTTLE_CLASSES and DEFAULT_THROTTLE_RATES (anonymous 100/hour, users 1000/hour)"}}}, ""
	}
	return nil, "Django REST framework is not in these settings"
}

// fixLoginLimit repairs DJS605 with django-axes: it hooks authentication
// itself, so it limits every login (the admin's, Django's LoginView, a DRF
// token view), where DRF throttles only limit DRF views.
func fixLoginLimit(j *job) (*edit, string) {
	src, ok := j.files[j.f.Path]
	if !ok {
		return nil, "the file " + j.f.Path + " is not in the fetched files"
	}
	return installAxes(j, src, styleOf(src))
}

// installAxes installs django-axes the way its documentation says, so that
// it acts: the app, AxesMiddleware last in MIDDLEWARE, AxesStandaloneBackend
// first in AUTHENTICATION_BACKENDS, and the package in the requirements. A
// half install (the package listed, views left to decorate) limits nothing,
// so it is never offered.
func installAxes(j *job, src []byte, s style) (*edit, string) {
	req := requirementsFile(j.files)
	if req == "" {
		return nil, "there is no requirements.txt to add django-axes to"
	}
	out, reason := appendToList(src, "INSTALLED_APPS", s.q("axes"), s)
	if reason != "" {
		return nil, reason
	}
	if out, reason = appendToList(out, "MIDDLEWARE", s.q("axes.middleware.AxesMiddleware"), s); reason != "" {
		return nil, reason
	}
	if hasTopLevel(out, "AUTHENTICATION_BACKENDS") {
		if out, reason = prependToList(out, "AUTHENTICATION_BACKENDS", s.q("axes.backends.AxesStandaloneBackend"), s); reason != "" {
			return nil, reason
		}
	} else {
		out = appendBlock(out, s.ind("AUTHENTICATION_BACKENDS = [\n\t"+s.q("axes.backends.AxesStandaloneBackend")+",\n\t"+
			s.q("django.contrib.auth.backends.ModelBackend")+",\n]\n"), s)
	}
	rs := styleOf(j.files[req])
	reqOut := append([]byte{}, j.files[req]...)
	if !bytes.Contains(bytes.ToLower(reqOut), []byte("django-axes")) {
		if len(reqOut) > 0 && reqOut[len(reqOut)-1] != '\n' {
			reqOut = append(reqOut, rs.nl("\n")...)
		}
		reqOut = append(reqOut, rs.nl("django-axes>=8,<9\n")...)
	}
	return &edit{files: map[string][]byte{j.f.Path: out, req: reqOut}, changes: []Change{
		{Rule: j.f.Rule, Path: j.f.Path, Description: "django-axes limits and locks out repeated failed logins and records them: " +
			"\"axes\" in INSTALLED_APPS, AxesMiddleware last in MIDDLEWARE, AxesStandaloneBackend first in AUTHENTICATION_BACKENDS " +
			"(run manage.py migrate; behind a proxy set AXES_IPWARE_META_PRECEDENCE_ORDER)"},
		{Rule: j.f.Rule, Path: req, Description: "adds django-axes"},
	}}, ""
}

func lastLine(b []byte) []byte { return b[bytes.LastIndexByte(b, '\n')+1:] }

// requirementsFile is the production requirements file: the shallowest
// requirements.txt, else requirements/base.txt or prod(uction).txt.
func requirementsFile(files map[string][]byte) string {
	var cands []string
	for p := range files {
		base := path.Base(p)
		dir := path.Base(path.Dir(p))
		if base == "requirements.txt" || dir == "requirements" && slices.Contains([]string{"base.txt", "prod.txt", "production.txt", "common.txt"}, base) {
			cands = append(cands, p)
		}
	}
	sort.Slice(cands, func(a, b int) bool {
		da, db := strings.Count(cands[a], "/"), strings.Count(cands[b], "/")
		if da != db {
			return da < db
		}
		return cands[a] < cands[b]
	})
	if len(cands) == 0 {
		return ""
	}
	return cands[0]
}

func fixGitignore(j *job) (*edit, string) {
	p := ".gitignore"
	if path.Base(j.f.Path) == ".gitignore" {
		p = j.f.Path
	}
	src := j.files[p]
	s := styleOf(src)
	out := append([]byte{}, src...)
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, s.nl("\n")...)
	}
	out = append(out, s.nl("# local environment files hold secrets\n.env\n")...)
	return &edit{files: map[string][]byte{p: out}, changes: []Change{{Rule: j.f.Rule, Path: p, Description: ".env is ignored by git"}}}, ""
}

// envExample adds e's variables to the project's .env.example (created at
// the root when there is none), each with a comment and an empty or example
// value.
func (j *job) envExample(e *edit) string {
	if len(e.env) == 0 {
		return ""
	}
	p := ""
	for f := range j.files {
		if path.Base(f) == ".env.example" && (p == "" || strings.Count(f, "/") < strings.Count(p, "/")) {
			p = f
		}
	}
	if p == "" {
		p = ".env.example"
	}
	src := j.files[p]
	if b, ok := e.files[p]; ok {
		src = b
	}
	s := styleOf(src)
	out := append([]byte{}, src...)
	for _, v := range e.env {
		if bytes.Contains(out, []byte("\n"+v.Name+"=")) || bytes.HasPrefix(out, []byte(v.Name+"=")) {
			continue
		}
		if len(out) > 0 && out[len(out)-1] != '\n' {
			out = append(out, s.nl("\n")...)
		}
		out = append(out, s.nl("# "+v.Description+"\n"+v.Name+"="+v.Example+"\n")...)
	}
	e.files[p] = out
	return ""
}
