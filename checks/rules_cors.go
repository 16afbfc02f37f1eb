package checks

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/djsec/djsec/checks/settings"
)

// Rules of RULES.md §3: CORS (django-cors-headers, DJANGO_FACTS.md §3) and
// CSRF. corsheaders reads its settings by truthiness at runtime; its own
// system checks (corsheaders.E005 and friends) only run under manage.py, not
// under gunicorn, so djsec judges what the middleware does.

const (
	corsMiddlewarePath       = "corsheaders.middleware.CorsMiddleware"
	corsCommonMiddlewarePath = "django.middleware.common.CommonMiddleware"
	corsWhiteNoisePath       = "whitenoise.middleware.WhiteNoiseMiddleware"
)

var (
	ruleCORSAllowAll = &Rule{
		ID: "DJS301", Slug: "cors-allow-all", Severity: Critical, Where: "S", Section: 3, FixUp: true,
		Title:     "CORS allows every origin",
		FiresWhen: "CORS_ALLOW_ALL_ORIGINS (or old CORS_ORIGIN_ALLOW_ALL) is True in the production view",
		Doc: "With `CORS_ALLOW_ALL_ORIGINS = True`, django-cors-headers lets any website read your API's responses " +
			"from a visitor's browser. Anything the API returns to that visitor (data behind IP allow-lists, intranet " +
			"services, and with credentials the user's own data) becomes readable by every site they open.\n\n" +
			"The old name `CORS_ORIGIN_ALLOW_ALL` (before corsheaders 3.5) counts too; when both are set the new name " +
			"wins, as in corsheaders. The middleware tests truthiness, so a string read from the environment without " +
			"a cast, `\"False\"` included, allows every origin: djsec reports such a string as well " +
			"(corsheaders.E005 would flag its type, but system checks do not run under a WSGI server). The rule is " +
			"silent when corsheaders is known not to be used (neither the app nor the middleware installed). " +
			"Development, test and example settings modules are not judged.",
		Fix: "List the origins that may call the API instead:\n\n```python\nCORS_ALLOW_ALL_ORIGINS = False\nCORS_ALLOWED_ORIGINS = [\n    \"https://app.example.com\",\n]\n```\n\n" +
			"From the environment: `CORS_ALLOWED_ORIGINS = [o for o in os.environ.get(\"CORS_ALLOWED_ORIGINS\", \"\").split(\",\") if o]` " +
			"(django-environ: `env.list(\"CORS_ALLOWED_ORIGINS\", default=[])`).",
		Fixable: true,
	}
	ruleCORSAllowAllCredentials = &Rule{
		ID: "DJS302", Slug: "cors-allow-all-credentials", Severity: Critical, Where: "S", Section: 3, FixUp: true,
		Title:     "CORS allows every origin with credentials",
		FiresWhen: "allow-all together with CORS_ALLOW_CREDENTIALS True",
		Doc: "With allow-all **and** `CORS_ALLOW_CREDENTIALS = True`, corsheaders echoes whatever `Origin` a request " +
			"carries and adds `Access-Control-Allow-Credentials: true`. Any website a logged-in user visits can then " +
			"call your API with the user's cookies and read the answers: their data, their CSRF token, everything. " +
			"No Django or corsheaders check flags this combination.\n\n" +
			"Both settings are judged by truthiness, as the middleware does. One finding per combination, on the " +
			"allow-all setting, besides DJS301's.",
		Fix:     "Turn allow-all off and list the trusted origins; keep credentials only for those:\n\n```python\nCORS_ALLOW_ALL_ORIGINS = False\nCORS_ALLOWED_ORIGINS = [\"https://app.example.com\"]\nCORS_ALLOW_CREDENTIALS = True\n```",
		Fixable: true,
	}
	ruleCORSOriginTooBroad = &Rule{
		ID: "DJS303", Slug: "cors-origin-too-broad", Severity: High, Where: "S", Section: 3,
		Title:     "CORS origins are too broad",
		FiresWhen: "CORS_ALLOWED_ORIGIN_REGEXES has an unanchored or catch-all pattern; or CORS_ALLOWED_ORIGINS lists `http://` or localhost origins in production",
		Doc: "corsheaders matches `CORS_ALLOWED_ORIGIN_REGEXES` with `re.match`, which anchors only the start: " +
			"`r\"^https://example\\.com\"` also admits `https://example.com.attacker.net`. A pattern such as " +
			"`.*` or `^https?://.*` admits every origin, which is allow-all under another name.\n\n" +
			"djsec reports a pattern that matches an arbitrary origin (catch-all) or whose alternatives do not all " +
			"end in `$` or `\\Z`, or end in `.*$`/`.+$` (unanchored). It also reports `http://` origins (readable " +
			"and forgeable on the network) and localhost/loopback origins (any local process or dev server) in " +
			"`CORS_ALLOWED_ORIGINS` of production settings modules; development modules may list them. The old " +
			"names `CORS_ORIGIN_REGEX_WHITELIST` and `CORS_ORIGIN_WHITELIST` count when the new ones are unset. " +
			"Patterns djsec cannot compile (look-arounds) and values it cannot read are not judged. Remember to " +
			"escape dots too: `api.example.com` also matches `apixexample.com`.",
		Fix: "```python\nCORS_ALLOWED_ORIGINS = [\"https://app.example.com\"]\nCORS_ALLOWED_ORIGIN_REGEXES = [r\"^https://[a-z0-9-]+\\.example\\.com$\"]\n```\n\nKeep localhost origins in the development settings module.",
	}
	ruleCORSMiddlewareOrder = &Rule{
		ID: "DJS304", Slug: "cors-middleware-order", Severity: Medium, Where: "S", Section: 3,
		Title:     "CorsMiddleware is missing or misplaced",
		FiresWhen: "`corsheaders.middleware.CorsMiddleware` is missing while corsheaders is installed, or stands after CommonMiddleware",
		Doc: "corsheaders only adds CORS headers from its middleware. If the app is installed but " +
			"`corsheaders.middleware.CorsMiddleware` is not in MIDDLEWARE, the CORS settings do nothing, which usually " +
			"leads to someone \"fixing\" it with allow-all. The corsheaders README asks for the middleware as high " +
			"as possible and before any middleware that can answer on its own, such as Django's `CommonMiddleware` " +
			"(APPEND_SLASH redirects) and WhiteNoise's `WhiteNoiseMiddleware`; responses those produce lack CORS " +
			"headers otherwise. Silent when MIDDLEWARE cannot be read completely.",
		Fix: "```python\nMIDDLEWARE = [\n    \"django.middleware.security.SecurityMiddleware\",\n    \"corsheaders.middleware.CorsMiddleware\",\n    \"whitenoise.middleware.WhiteNoiseMiddleware\",\n    \"django.contrib.sessions.middleware.SessionMiddleware\",\n    \"django.middleware.common.CommonMiddleware\",\n    # ...\n]\n```",
	}
	ruleCSRFMiddlewareMissing = &Rule{
		ID: "DJS305", Slug: "csrf-middleware-missing", Severity: High, Where: "S", Section: 3,
		Title:     "CSRF middleware is not installed",
		FiresWhen: "CsrfViewMiddleware not in MIDDLEWARE",
		Doc: "`django.middleware.csrf.CsrfViewMiddleware` rejects POST, PUT, PATCH and DELETE requests that do not " +
			"carry the CSRF token, so another site cannot make a logged-in user's browser submit forms to yours. " +
			"Without it only views decorated with `@csrf_protect` are protected, and DRF's SessionAuthentication " +
			"still enforces CSRF but plain Django views do not.\n\n" +
			"Fires like Django's `security.W003`: the exact dotted path is not in MIDDLEWARE (an unset MIDDLEWARE " +
			"counts as empty, as in Django). Silent when MIDDLEWARE cannot be read completely.",
		Fix:          "```python\nMIDDLEWARE = [\n    # ...\n    \"django.middleware.csrf.CsrfViewMiddleware\",\n    # ...\n]\n```",
		DjangoChecks: []string{"security.W003"},
	}
	ruleCSRFTrustedOriginsBroad = &Rule{
		ID: "DJS306", Slug: "csrf-trusted-origins-broad", Severity: Medium, Where: "S", Section: 3,
		Title:     "CSRF_TRUSTED_ORIGINS is too broad",
		FiresWhen: "CSRF_TRUSTED_ORIGINS has `http://` origins or a bare wildcard such as `https://*`",
		Doc: "Origins in `CSRF_TRUSTED_ORIGINS` may submit unsafe requests to your site. An `http://` origin can be " +
			"impersonated by anyone on the network path; a wildcard that names no domain of yours (`https://*`, " +
			"`https://*.com`) trusts far more than intended (Django 4.0+ treats `*.com` as every .com site).\n\n" +
			"One finding per entry. In development settings modules, `http://` origins on localhost or loopback " +
			"addresses are expected and not reported.",
		Fix: "```python\nCSRF_TRUSTED_ORIGINS = [\"https://example.com\", \"https://*.example.com\"]\n```",
	}
	ruleCSRFExemptView = &Rule{
		ID: "DJS307", Slug: "csrf-exempt-view", Severity: Medium, Where: "C", Section: 3,
		Title: "View is exempt from CSRF protection",
		FiresWhen: "a changed `@csrf_exempt` view takes POST/PUT/PATCH/DELETE and changes state on it (database, session, login, " +
			"files, mail, code or commands), without verifying a signature or a key a browser cannot send",
		Doc: "`@csrf_exempt` switches CSRF protection off for a view: any website can make a visitor's browser send it a POST " +
			"with the visitor's cookies. The middleware only checks unsafe methods, and a forged request never sees the " +
			"response, so the exemption matters where such a request makes the view change something. djsec reports an " +
			"exempt view when all of these hold:\n\n" +
			"- **It takes an unsafe method**: it is the `post`/`put`/`patch`/`delete` handler of a class view, is decorated " +
			"with `@require_POST` (or `@require_http_methods` naming an unsafe method), compares `request.method` with one, or " +
			"reads the body (`request.POST`, `request.FILES`, `request.body`, `request.data`). A view that does none of these " +
			"does the same on GET, which CSRF never guards; one restricted to GET is not exempted of anything.\n" +
			"- **It changes state on that path**: writes to the database (`.save()`, `.create()`, `.delete()`, queryset " +
			"`.update(...)`, `get_or_create`, `set_password`, raw `INSERT`/`UPDATE`/`DELETE`), writes the session or logs a user " +
			"in or out, writes or removes files, sends mail, evaluates code or runs commands (`eval`, `exec`, `subprocess`, " +
			"`os.system`, `pickle`, unsafe `yaml.load`, `call_command`). djsec sees this in the view and in the repository's " +
			"functions it calls (its module, the modules it imports, `self.` methods), three calls deep; branches taken only " +
			"when `request.method` is GET/HEAD are left out. A call it cannot resolve (a method of an object, an installed " +
			"package) counts as changing nothing, and reading `request.user` alone is no finding.\n" +
			"- **It does not authenticate the caller otherwise**: a signature check (`hmac.compare_digest`, " +
			"`constant_time_compare`, `TimestampSigner().unsign`, `signing.loads`, Stripe's `construct_event`, a call named " +
			"`*verify*` or `*signature*`, `except BadSignature`), or a request value compared with a secret from the settings or " +
			"environment, clears it, in the view, a helper it calls or one of the repository's decorators on it. A credential " +
			"header (`Authorization`, `X-Api-Key`, `*-Token`) or a secret in the URL (a `UUID` argument, or one named `*token`, " +
			"`*key`, `*code`, used to look the object up) clears it when the view does not also read `request.user` or the " +
			"session: then the key may be an optional alternative to the cookies. Reads of `request.user` after the view " +
			"sets it itself (`request.user = hook.owner`, a webhook acting as the owner of the key it looked up) are " +
			"not the visitor's. A password or token posted in a form is not " +
			"counted: a forged form can post the attacker's own (login CSRF).\n" +
			"- **The exemption is read at all**: Django takes it from a class view's `dispatch` only (`@method_decorator(" +
			"csrf_exempt, name=\"dispatch\")`, or on `dispatch` itself, inherited by subclasses), so on `post()` it does nothing. " +
			"Django REST framework views (`APIView`/`ViewSet` subclasses, `@api_view`, a dispatch calling " +
			"`self.initialize_request` and `self.initial`) are exempt already and enforce CSRF themselves for " +
			"session-authenticated requests; a view that runs `CsrfViewMiddleware(...).process_view`, or compares a posted value " +
			"with one kept in the session (an OAuth `state`, a one-time ticket), checks a token itself.\n\n" +
			"`csrf_exempt(...)` calls in URL confs are judged by the view they wrap when it is defined in the repository, or is " +
			"one of `django.contrib.auth.views`' login, logout and password views; a view of another installed package (a " +
			"GraphQL view, for instance) is not reported. djsec reads Python files that are not " +
			"settings, tests or migrations and that import `csrf_exempt` from `django.views.decorators.csrf` or are named like " +
			"views, URL confs, APIs, endpoints or webhooks. The finding stands at the decorator or call and names what the view " +
			"changes; its key is the view's name (`Class.method` for methods), so it keeps its identity when lines move.",
		Fix: "Remove the decorator and send the token (`{% csrf_token %}` in forms, the `X-CSRFToken` header in " +
			"JavaScript). For a webhook, keep the exemption but verify the sender's signature; if djsec cannot see the check " +
			"(it happens in a method of an object), say so:\n\n" +
			"```python\n@csrf_exempt  # djsec: ignore[DJS307] Stripe webhook, signature verified in handler.verify()\ndef stripe_webhook(request): ...\n```",
	}
)

func init() {
	ruleCORSAllowAll.Check = checkCORSAllowAll
	ruleCORSAllowAllCredentials.Check = checkCORSAllowAllCredentials
	ruleCORSOriginTooBroad.Check = checkCORSOriginTooBroad
	ruleCORSMiddlewareOrder.Check = checkCORSMiddlewareOrder
	ruleCSRFMiddlewareMissing.Check = checkCSRFMiddlewareMissing
	ruleCSRFTrustedOriginsBroad.Check = checkCSRFTrustedOriginsBroad
	ruleCSRFExemptView.Check = checkCSRFExemptView
	register(ruleCORSAllowAll, ruleCORSAllowAllCredentials, ruleCORSOriginTooBroad, ruleCORSMiddlewareOrder,
		ruleCSRFMiddlewareMissing, ruleCSRFTrustedOriginsBroad, ruleCSRFExemptView)
}

// corsSetting returns the corsheaders setting that applies: the current name
// when set, else the pre-3.5 alias. ok is false when neither is set, or when
// the module is opaque and the current name may be set where djsec cannot see.
func corsSetting(m *settings.Model, current, old string) (name string, v *settings.Value, ok bool) {
	if s, set := m.Lookup(current); set {
		return current, s.Value, true
	}
	if m.Opaque {
		return "", nil, false
	}
	if s, set := m.Lookup(old); set {
		return old, s.Value, true
	}
	return "", nil, false
}

// corsAppMember tells whether corsheaders is in INSTALLED_APPS, by module
// name or AppConfig path.
func corsAppMember(p *Project, m *settings.Model) httpsMembership {
	a := httpsListMember(p, m, "INSTALLED_APPS", "corsheaders")
	b := httpsListMember(p, m, "INSTALLED_APPS", "corsheaders.apps.CorsHeadersAppConfig")
	switch {
	case a == httpsMemberPresent || b == httpsMemberPresent:
		return httpsMemberPresent
	case a == httpsMemberAbsent && b == httpsMemberAbsent:
		return httpsMemberAbsent
	}
	return httpsMemberUnknown
}

// corsUnused reports that corsheaders is known not to be in use, so its
// settings are leftovers with no effect.
func corsUnused(p *Project, m *settings.Model) bool {
	return corsAppMember(p, m) == httpsMemberAbsent &&
		httpsListMember(p, m, "MIDDLEWARE", corsMiddlewarePath) == httpsMemberAbsent
}

// corsAllowAll returns the allow-all setting in force when it is truthy.
func corsAllowAll(m *settings.Model) (name string, v *settings.Value, on bool) {
	name, v, ok := corsSetting(m, "CORS_ALLOW_ALL_ORIGINS", "CORS_ORIGIN_ALLOW_ALL")
	if !ok {
		return "", nil, false
	}
	truth, known := httpsTruthy(v)
	return name, v, known && truth
}

// corsValueNote explains a value that is truthy without being the boolean True.
func corsValueNote(p *Project, m *settings.Model, name string, v *settings.Value) string {
	if v.Kind == settings.Str {
		note := fmt.Sprintf(" (the string %s is truthy to corsheaders", v.String())
		if v.FromEnv() {
			note += "; read the variable with a boolean cast such as " + envStyleOf(p, m).boolean(debugVarOr(v.Env, name), false)
		}
		return note + ")"
	}
	if v.FromEnv() && v.Env.Var != "" {
		return fmt.Sprintf(" (the default of %s)", v.Env.DefaultOf())
	}
	return ""
}

func checkCORSAllowAll(p *Project, r *Reporter) {
	for _, m := range p.Settings {
		name, v, on := corsAllowAll(m)
		if !on || corsUnused(p, m) {
			continue
		}
		r.AtSetting(ruleCORSAllowAll, m, name, fmt.Sprintf(
			"%s is %s%s, so any website can read this API's responses from a visitor's browser: set it to False and list trusted origins in CORS_ALLOWED_ORIGINS",
			name, v.String(), corsValueNote(p, m, name, v)))
	}
}

func checkCORSAllowAllCredentials(p *Project, r *Reporter) {
	for _, m := range p.Settings {
		name, v, on := corsAllowAll(m)
		if !on || corsUnused(p, m) {
			continue
		}
		cred, set := m.Lookup("CORS_ALLOW_CREDENTIALS")
		if !set {
			continue
		}
		if truth, known := httpsTruthy(cred.Value); !known || !truth {
			continue
		}
		r.Emit(ruleCORSAllowAllCredentials, m, httpsSettingPos(m, name), name+"+CREDENTIALS", fmt.Sprintf(
			"%s is %s and CORS_ALLOW_CREDENTIALS is %s: corsheaders then echoes any Origin with Access-Control-Allow-Credentials, so every website can act as the logged-in user and read the answers; turn allow-all off and list trusted origins in CORS_ALLOWED_ORIGINS",
			name, v.String(), cred.Value.String()))
	}
}

// corsRegexProbes are origins no project trusts: a pattern matching them
// admits anyone.
var corsRegexProbes = []string{"https://djsec-probe.invalid", "http://djsec-probe.invalid", "https://attacker.example.net"}

// corsRegexCatchAll reports whether a pattern, applied with Python's
// re.match, admits arbitrary origins. ok is false for patterns Go's RE2
// cannot compile (look-arounds, backreferences).
func corsRegexCatchAll(pat string) (catchAll, ok bool) {
	re, err := regexp.Compile(`\A(?:` + strings.ReplaceAll(pat, `\Z`, `\z`) + `)`)
	if err != nil {
		return false, false
	}
	for _, probe := range corsRegexProbes {
		if re.MatchString(probe) {
			return true, true
		}
	}
	return false, true
}

// corsRegexBranches splits a pattern at its top-level | (outside groups,
// classes and escapes).
func corsRegexBranches(pat string) []string {
	var out []string
	depth, start, inClass := 0, 0, false
	for i := 0; i < len(pat); i++ {
		switch c := pat[i]; {
		case c == '\\':
			i++
		case inClass:
			if c == ']' {
				inClass = false
			}
		case c == '[':
			inClass = true
			if i+1 < len(pat) && pat[i+1] == ']' {
				i++
			}
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == '|' && depth == 0:
			out = append(out, pat[start:i])
			start = i + 1
		}
	}
	return append(out, pat[start:])
}

// corsRegexGroupBody returns the inside of a pattern that is one group as a
// whole, "(...)" or "(?:...)", or "" when it is not.
func corsRegexGroupBody(pat string) string {
	if len(pat) < 2 || pat[0] != '(' || pat[len(pat)-1] != ')' {
		return ""
	}
	depth, inClass := 0, false
	for i := 0; i < len(pat); i++ {
		switch c := pat[i]; {
		case c == '\\':
			i++
		case inClass:
			if c == ']' {
				inClass = false
			}
		case c == '[':
			inClass = true
		case c == '(':
			depth++
		case c == ')':
			depth--
			if depth == 0 && i != len(pat)-1 {
				return ""
			}
		}
	}
	body := pat[1 : len(pat)-1]
	if strings.HasPrefix(body, "?:") {
		return body[2:]
	}
	if strings.HasPrefix(body, "?") {
		return "" // a look-around or named group form we do not unwrap
	}
	return body
}

// corsRegexUnanchored reports a pattern some alternative of which does not
// end at the end of the origin: no trailing $ or \Z, or a trailing .* / .+
// before it.
func corsRegexUnanchored(pat string) bool {
	for _, b := range corsRegexBranches(pat) {
		b = strings.TrimSpace(b)
		if inner := corsRegexGroupBody(b); inner != "" {
			if corsRegexUnanchored(inner) {
				return true
			}
			continue
		}
		var rest string
		switch {
		case strings.HasSuffix(b, `\Z`) && !strings.HasSuffix(b, `\\Z`):
			rest = strings.TrimSuffix(b, `\Z`)
		case strings.HasSuffix(b, "$") && !strings.HasSuffix(b, `\$`):
			rest = strings.TrimSuffix(b, "$")
		default:
			if inner := corsRegexGroupBody(b); inner != "" {
				return corsRegexUnanchored(inner)
			}
			return true
		}
		for _, tail := range []string{".*", ".+", ".*?", ".+?"} {
			if strings.HasSuffix(rest, tail) && !strings.HasSuffix(rest, `\`+tail) {
				return true
			}
		}
	}
	return false
}

// corsItemPos locates one list element, falling back to the setting.
func corsItemPos(m *settings.Model, name string, it *settings.Value) settings.Pos {
	if it != nil && it.Pos.Path != "" && it.Pos.Line > 0 {
		return it.Pos
	}
	return httpsSettingPos(m, name)
}

// corsOriginHost is the host of an origin string, lower-cased, without port.
func corsOriginHost(origin string) (scheme, host string) {
	o := strings.ToLower(strings.TrimSpace(origin))
	i := strings.Index(o, "://")
	if i < 0 {
		return "", ""
	}
	scheme, host = o[:i], o[i+3:]
	if j := strings.IndexAny(host, "/?#"); j >= 0 {
		host = host[:j]
	}
	if at := strings.LastIndexByte(host, '@'); at >= 0 {
		host = host[at+1:]
	}
	if strings.HasPrefix(host, "[") {
		if j := strings.IndexByte(host, ']'); j >= 0 {
			return scheme, host[:j+1]
		}
	}
	if j := strings.LastIndexByte(host, ':'); j >= 0 {
		host = host[:j]
	}
	return scheme, host
}

func corsLoopbackHost(host string) bool {
	return host == "localhost" || strings.HasSuffix(host, ".localhost") || host == "0.0.0.0" ||
		host == "[::1]" || strings.HasPrefix(host, "127.")
}

func checkCORSOriginTooBroad(p *Project, r *Reporter) {
	for _, m := range p.Settings {
		if corsUnused(p, m) {
			continue
		}
		if name, v, ok := corsSetting(m, "CORS_ALLOWED_ORIGIN_REGEXES", "CORS_ORIGIN_REGEX_WHITELIST"); ok && v.IsSequence() {
			for _, it := range v.Items {
				if it == nil || it.Kind != settings.Str {
					continue
				}
				pat := it.Str
				catchAll, ok := corsRegexCatchAll(pat)
				switch {
				case ok && catchAll:
					r.Emit(ruleCORSOriginTooBroad, m, corsItemPos(m, name, it), name+"["+pat+"]", fmt.Sprintf(
						"%s pattern %s matches any origin, which is allow-all under another name: match your own hosts only, e.g. r\"^https://app\\.example\\.com$\"",
						name, it.String()))
				case corsRegexUnanchored(pat):
					r.Emit(ruleCORSOriginTooBroad, m, corsItemPos(m, name, it), name+"["+pat+"]", fmt.Sprintf(
						"%s pattern %s is not anchored at the end: corsheaders uses re.match, so a longer host such as yours followed by .attacker.net also matches; end every alternative with $ (and escape dots)",
						name, it.String()))
				}
			}
		}
		if m.Role != settings.Production {
			continue
		}
		name, v, ok := corsSetting(m, "CORS_ALLOWED_ORIGINS", "CORS_ORIGIN_WHITELIST")
		if !ok || !v.IsSequence() {
			continue
		}
		for _, it := range v.Items {
			if it == nil || it.Kind != settings.Str {
				continue
			}
			scheme, host := corsOriginHost(it.Str)
			var why string
			switch {
			case corsLoopbackHost(host):
				why = "is a localhost origin: any local process or development server on a visitor's machine may then call the production API"
			case scheme == "http":
				why = "uses plain http://, so anyone on the network path can inject script into that origin and call the API"
			default:
				continue
			}
			r.Emit(ruleCORSOriginTooBroad, m, corsItemPos(m, name, it), name+"["+it.Str+"]", fmt.Sprintf(
				"%s entry %s %s: keep only https:// origins in production and move local ones to the development settings",
				name, it.String(), why))
		}
	}
}

func checkCORSMiddlewareOrder(p *Project, r *Reporter) {
	for _, m := range p.Settings {
		mw, _ := p.Get(m, "MIDDLEWARE")
		switch httpsListMember(p, m, "MIDDLEWARE", corsMiddlewarePath) {
		case httpsMemberAbsent:
			if corsAppMember(p, m) == httpsMemberPresent {
				r.Emit(ruleCORSMiddlewareOrder, m, httpsSettingPos(m, "MIDDLEWARE"), "MIDDLEWARE:CorsMiddleware", fmt.Sprintf(
					"corsheaders is in INSTALLED_APPS but %s is not in MIDDLEWARE, so no CORS headers are sent and the CORS settings do nothing: add it near the top of MIDDLEWARE, before CommonMiddleware",
					corsMiddlewarePath))
			}
		case httpsMemberPresent:
			if mw == nil || !mw.IsSequence() {
				continue
			}
			at := mw.IndexStr(corsMiddlewarePath)
			for _, before := range []string{corsCommonMiddlewarePath, corsWhiteNoisePath} {
				if i := mw.IndexStr(before); i >= 0 && i < at {
					r.Emit(ruleCORSMiddlewareOrder, m, corsItemPos(m, "MIDDLEWARE", mw.Items[at]), "MIDDLEWARE:CorsMiddleware-order", fmt.Sprintf(
						"%s comes after %s, so responses that middleware returns itself (redirects, static files) carry no CORS headers: move CorsMiddleware above it, as high as possible",
						corsMiddlewarePath, before))
					break
				}
			}
		}
	}
}

func checkCSRFMiddlewareMissing(p *Project, r *Reporter) {
	for _, m := range p.Settings {
		if httpsListMember(p, m, "MIDDLEWARE", httpsCSRFMiddleware) != httpsMemberAbsent {
			continue
		}
		r.AtSetting(ruleCSRFMiddlewareMissing, m, "MIDDLEWARE",
			"MIDDLEWARE lacks django.middleware.csrf.CsrfViewMiddleware, so other sites can make a logged-in user's browser submit forms to views not decorated with @csrf_protect: add it to MIDDLEWARE after SessionMiddleware")
	}
}

// corsPublicSuffixLike matches a wildcard base that is a bare top-level or
// common second-level suffix (com, co.uk): trusting *.<it> trusts strangers.
func corsPublicSuffixLike(base string) bool {
	labels := strings.Split(base, ".")
	switch len(labels) {
	case 1:
		return true
	case 2:
		switch labels[0] {
		case "co", "com", "net", "org", "gov", "edu", "ac":
			return len(labels[1]) == 2
		}
	}
	return false
}

func checkCSRFTrustedOriginsBroad(p *Project, r *Reporter) {
	for _, m := range p.Settings {
		s, ok := m.Lookup("CSRF_TRUSTED_ORIGINS")
		if !ok || !s.Value.IsSequence() {
			continue
		}
		for _, it := range s.Value.Items {
			if it == nil || it.Kind != settings.Str {
				continue
			}
			scheme, host := corsOriginHost(it.Str)
			var why string
			switch {
			case host == "*" || strings.HasPrefix(host, "*.") && corsPublicSuffixLike(host[2:]):
				why = "is a wildcard that names no domain of yours"
			case scheme == "http":
				if corsLoopbackHost(host) {
					// An origin on this machine: no one on the network
					// path can pose as it.
					continue
				}
				why = "uses plain http://, which anyone on the network path can impersonate"
			default:
				continue
			}
			r.Emit(ruleCSRFTrustedOriginsBroad, m, corsItemPos(m, "CSRF_TRUSTED_ORIGINS", it), "CSRF_TRUSTED_ORIGINS["+it.Str+"]", fmt.Sprintf(
				"CSRF_TRUSTED_ORIGINS entry %s %s, and trusted origins may submit forms and unsafe requests to this site: list exact https:// origins (https://*.example.com for your subdomains)",
				it.String(), why))
		}
	}
}
