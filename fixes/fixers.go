package fixes

import (
	"bytes"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/djsec/djsec/checks"
	"github.com/djsec/djsec/checks/deps"
	"github.com/djsec/djsec/checks/pysrc"
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
	v := envName(existingEnv(a.file, a.value, s), base, s)
	out := splice(src, a.valStart, a.valEnd, value(s, v))
	if s.kind == "os" && strings.Contains(value(s, v), "os.environ") {
		out = ensureImportOS(out, s)
	}
	return &edit{files: map[string][]byte{j.f.Path: out}}, out, s, v, ""
}

func fixSecretKey(j *job) (*edit, string) {
	if src, ok := j.files[j.f.Path]; ok {
		if a, _ := findAssign(src, "SECRET_KEY", j.f.Line); a != nil {
			if e, reason, done := j.secretKeySource(src, a); done {
				return e, reason
			}
		}
	}
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
	e.env = []EnvVar{{Name: v, Description: secretKeyEnvDesc}}
	return e, j.envExample(e)
}

const secretKeyEnvDesc = `Django's secret key; generate one with python -c "from django.core.management.utils import get_random_secret_key; print(get_random_secret_key())"`

// secretKeySource handles a SECRET_KEY that is neither a literal nor a
// direct environment read; done is false when the ordinary rewrite applies.
// Replacing such a value with os.environ[…] would move the key somewhere
// the deployment does not put it (a secrets file, a helper that also reads
// NAME_FILE): the app would stop at start-up everywhere, or lose the
// helper's ways of finding the key.
func (j *job) secretKeySource(src []byte, a *assign) (*edit, string, bool) {
	f, s := a.file, styleOf(src)
	text := redacted(f, a.value)
	switch valueSource(f, a.value, s) {
	case "literal", "env":
		return nil, "", false
	case "helper":
		if a.value.Kind() == "call" {
			if e, reason, ok := j.dropHelperDefault(src, a, s); ok {
				return e, reason, true
			}
		}
		return nil, "SECRET_KEY is read through the project's own helper, " + text + ", and djsec cannot tell that the helper works without its default: " +
			"drop the default so a missing key stops the app at start-up (djsec does not replace the helper, which may read the key in ways os.environ does not)", true
	}
	return nil, "SECRET_KEY is read from " + text + ", not from the environment, so its fallback key is wherever that value is filled in: " +
		"remove the fallback there, so a deployment without the key stops at start-up (djsec does not move the key to a new place)", true
}

// dropHelperDefault turns read_secret("NAME", "…") into read_secret("NAME")
// when read_secret is defined in the module with a second parameter that
// defaults to None: a missing key then gives None, and Django refuses to
// start with an empty SECRET_KEY. ok is false when that is not known.
func (j *job) dropHelperDefault(src []byte, a *assign, s style) (*edit, string, bool) {
	f, call := a.file, a.value
	fn := call.ChildByFieldName("function")
	if fn == nil || fn.Kind() != "identifier" {
		return nil, "", false
	}
	param := noneDefaultParam(f, f.Text(fn))
	args := pysrc.Named(call.ChildByFieldName("arguments"))
	if param == "" || len(args) != 2 {
		return nil, "", false
	}
	if k := args[1]; k.Kind() == "keyword_argument" {
		if n := k.ChildByFieldName("name"); n == nil || f.Text(n) != param {
			return nil, "", false
		} else if v := k.ChildByFieldName("value"); v == nil || v.Kind() != "string" {
			return nil, "", false
		}
	} else if k.Kind() != "string" && k.Kind() != "concatenated_string" {
		return nil, "", false
	}
	v := envArg(f, call)
	out := splice(src, int(args[0].EndByte()), int(args[1].EndByte()), "")
	e := &edit{files: map[string][]byte{j.f.Path: out},
		changes: []Change{{Rule: j.f.Rule, Path: j.f.Path, Description: "SECRET_KEY is read with " + f.Text(fn) + "(" + s.q(v) +
			") and no default, so a deployment without the key stops at start-up; generate a new key (the old one is in the history) and set it"}},
		env: []EnvVar{{Name: v, Description: secretKeyEnvDesc}}}
	return e, j.envExample(e), true
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
		if !endsInComma(a.value) {
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
	req := requirementsFile(j.files, j.f.Path)
	if req == "" {
		return nil, "there is no requirements.txt to add django-axes to"
	}
	if pin := djangoBelow(j.files, req, axesMinDjango); pin != "" {
		return nil, req + " holds Django to " + pin + ", and django-axes 8 needs Django " + axesMinDjango.String() +
			" or later: upgrade Django first, or add a django-axes release that supports this Django by hand"
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
	files := map[string][]byte{j.f.Path: out, req: addRequirement(j.files[req], "django-axes>=8,<9")}
	changes := []Change{
		{Rule: j.f.Rule, Path: j.f.Path, Description: "django-axes limits and locks out repeated failed logins and records them: " +
			"\"axes\" in INSTALLED_APPS, AxesMiddleware last in MIDDLEWARE, AxesStandaloneBackend first in AUTHENTICATION_BACKENDS " +
			"(run manage.py migrate; behind a proxy set AXES_IPWARE_META_PRECEDENCE_ORDER)"},
		{Rule: j.f.Rule, Path: req, Description: "adds django-axes"},
	}
	// A requirements.txt that pip-compile (or uv) writes from a .in file
	// loses a line added by hand at its next run: the .in gets it too.
	if in := compiledFrom(j.files, req); in != "" {
		files[in] = addRequirement(j.files[in], "django-axes>=8,<9")
		changes = append(changes, Change{Rule: j.f.Rule, Path: in, Description: "adds django-axes (compile " + path.Base(req) + " again to pin it)"})
	}
	return &edit{files: files, changes: changes}, ""
}

// addRequirement appends line to a requirements file unless it names the
// package already.
func addRequirement(src []byte, line string) []byte {
	name := strings.ToLower(line[:strings.IndexAny(line, "<>=!~ ")])
	out := append([]byte{}, src...)
	if bytes.Contains(bytes.ToLower(out), []byte(name)) {
		return out
	}
	return appendLines(src, line+"\n", styleOf(src))
}

// compiledFrom is the .in file req is compiled from, when req says it was
// generated by pip-compile or uv and the .in file is beside it ("" else).
func compiledFrom(files map[string][]byte, req string) string {
	head := files[req]
	if len(head) > 1024 {
		head = head[:1024]
	}
	h := strings.ToLower(string(head))
	if !strings.Contains(h, "autogenerated by pip-compile") && !strings.Contains(h, "autogenerated by uv") {
		return ""
	}
	in := strings.TrimSuffix(req, ".txt") + ".in"
	if _, ok := files[in]; !ok || in == req {
		return ""
	}
	return in
}

func lastLine(b []byte) []byte { return b[bytes.LastIndexByte(b, '\n')+1:] }

// axesMinDjango is the oldest Django that django-axes 8 (the release the
// fix adds) supports.
var axesMinDjango = deps.MustParseVersion("4.2")

// djangoBelow is how the requirements of req's directory hold Django when
// they allow no version from min on ("==3.2.25", "<4"), "" when they allow
// one or do not name Django. Adding a package that needs a newer Django to
// such a file makes pip fail to install the project.
func djangoBelow(files map[string][]byte, req string, min deps.Version) string {
	reqs, _ := deps.ParseAll(files)
	for _, r := range reqs {
		if r.Name != "django" || r.Dev || r.Path != req && path.Dir(r.Path) != path.Dir(req) {
			continue
		}
		if r.Version != "" {
			if v, err := deps.ParseVersion(r.Version); err == nil && deps.Compare(v, min) < 0 {
				return r.Version
			}
		}
		specs, ok := r.Specifiers()
		if !ok {
			continue
		}
		if up, incl, ok := specs.UpperBound(); ok {
			if c := deps.Compare(up, min); c < 0 || c == 0 && !incl {
				return specs.String()
			}
		}
	}
	return ""
}

// requirementsFile is the production requirements file of the project the
// settings module near belongs to: among the requirements.txt files and
// requirements/base.txt, prod(uction).txt or common.txt, those of the
// deepest directory above near (a project nested in a repository has its
// own), the shallowest first; with none above near, the repository's
// shallowest.
func requirementsFile(files map[string][]byte, near string) string {
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
	// home is the directory a requirements file serves: its own, or the
	// one above a requirements/ folder.
	home := func(p string) string {
		d := path.Dir(p)
		if path.Base(d) == "requirements" {
			d = path.Dir(d)
		}
		return d
	}
	depth := func(dir string) int {
		if dir == "." {
			return 0
		}
		return strings.Count(dir, "/") + 1
	}
	best, bestDepth := "", -1
	for _, c := range cands {
		h := home(c)
		if h != "." && !strings.HasPrefix(near, h+"/") {
			continue
		}
		if d := depth(h); d > bestDepth {
			best, bestDepth = c, d
		}
	}
	if best != "" {
		return best
	}
	return cands[0]
}

func fixGitignore(j *job) (*edit, string) {
	p := ".gitignore"
	if path.Base(j.f.Path) == ".gitignore" {
		p = j.f.Path
	}
	src := j.files[p]
	out := appendLines(src, "# local environment files hold secrets\n.env\n", styleOf(src))
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
		if !setsVar(out, v.Name) {
			out = appendLines(out, "# "+v.Description+"\n"+v.Name+"="+v.Example+"\n", s)
		}
	}
	e.files[p] = out
	return ""
}
