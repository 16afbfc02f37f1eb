package checks

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/djsec/djsec/checks/settings"
)

// Rules of RULES.md §4: HTTPS, cookies and headers. Most of them mirror a
// Django deployment check, and the Django ID a finding carries is the one
// `manage.py check --deploy` of the pinned Django series would print: the same
// middleware gating (DJANGO_FACTS.md §1.1), the same comparisons (`is True`,
// truthiness or equality, §1.4) and the defaults of that series.

// Middleware and app paths Django's checks compare against, by plain string
// equality: subclasses and aliases are not recognised, by Django or by us.
const (
	httpsSecurityMiddleware   = "django.middleware.security.SecurityMiddleware"
	httpsXFrameMiddleware     = "django.middleware.clickjacking.XFrameOptionsMiddleware"
	httpsCSRFMiddleware       = "django.middleware.csrf.CsrfViewMiddleware"
	httpsSessionMiddleware    = "django.contrib.sessions.middleware.SessionMiddleware"
	httpsSessionsApp          = "django.contrib.sessions"
	httpsDjangoCSPMiddleware  = "django.middleware.csp.ContentSecurityPolicyMiddleware"
	httpsCSPPackageMiddleware = "csp.middleware.CSPMiddleware"
)

var (
	ruleSecurityMiddlewareMissing = &Rule{
		ID: "DJS401", Slug: "security-middleware-missing", Severity: High, Where: "S", Section: 4,
		Title:     "SecurityMiddleware is not installed",
		FiresWhen: "SecurityMiddleware not in MIDDLEWARE",
		Doc: "`django.middleware.security.SecurityMiddleware` is what turns the `SECURE_*` settings into behaviour: " +
			"the redirect to HTTPS, the `Strict-Transport-Security`, `X-Content-Type-Options`, `Referrer-Policy` " +
			"and `Cross-Origin-Opener-Policy` headers. Without it those settings do nothing, whatever their values.\n\n" +
			"Like Django's `security.W001`, the rule compares the exact dotted path, so a subclass under another name " +
			"does not count. It stays silent when MIDDLEWARE cannot be read (built from the environment or from " +
			"something djsec cannot follow). While the middleware is missing, the rules about the settings it reads " +
			"(DJS402–DJS405, DJS409, DJS411, DJS412) stay silent, as Django's checks do: this one finding says it all.",
		Fix:          "Put it first in MIDDLEWARE:\n\n```python\nMIDDLEWARE = [\n    \"django.middleware.security.SecurityMiddleware\",\n    \"django.contrib.sessions.middleware.SessionMiddleware\",\n    # ...\n]\n```",
		DjangoChecks: []string{"security.W001"}, Fixable: true,
	}
	ruleSSLRedirectOff = &Rule{
		ID: "DJS402", Slug: "ssl-redirect-off", Severity: High, Where: "S", Section: 4,
		Title:     "HTTP is not redirected to HTTPS",
		FiresWhen: "SECURE_SSL_REDIRECT not True",
		Doc: "With `SECURE_SSL_REDIRECT = True`, SecurityMiddleware answers every plain-HTTP request with a permanent " +
			"redirect to HTTPS, so sessions, passwords and tokens never travel in clear text after the first request.\n\n" +
			"Django's `security.W008` asks for the boolean `True`: a string such as `\"True\"` read from the " +
			"environment fails the check. At runtime the middleware only tests truthiness, so such a string (even " +
			"`\"False\"`) does redirect; djsec then reports at low severity, because the setting works but Django's " +
			"check and most readers are misled. The rule is silent when SecurityMiddleware is missing (DJS401 says " +
			"so), when MIDDLEWARE cannot be read, and for development settings modules (dev.py, local.py…), which run " +
			"over plain HTTP on purpose. If TLS ends at a proxy that already redirects, set the flag anyway together with " +
			"`SECURE_PROXY_SSL_HEADER`, or suppress the finding with the reason.",
		Fix: "```python\nSECURE_SSL_REDIRECT = True\n# behind a TLS-terminating proxy that sets X-Forwarded-Proto:\nSECURE_PROXY_SSL_HEADER = (\"HTTP_X_FORWARDED_PROTO\", \"https\")\n```\n\n" +
			"From the environment, cast to a boolean with a safe default: `SECURE_SSL_REDIRECT = os.environ.get(\"SECURE_SSL_REDIRECT\", \"true\").lower() in (\"1\", \"true\")` " +
			"(django-environ: `env.bool(\"SECURE_SSL_REDIRECT\", default=True)`; python-decouple: `config(\"SECURE_SSL_REDIRECT\", default=True, cast=bool)`).",
		DjangoChecks: []string{"security.W008"}, Fixable: true,
	}
	ruleHSTSOff = &Rule{
		ID: "DJS403", Slug: "hsts-off", Severity: High, Where: "S", Section: 4,
		Title:     "HSTS is off or short",
		FiresWhen: "SECURE_HSTS_SECONDS unset or 0 (< 31536000 is medium)",
		Doc: "HTTP Strict Transport Security (`SECURE_HSTS_SECONDS`) tells browsers to use HTTPS only for your site " +
			"for that many seconds, which defeats SSL-stripping attacks on the first plain-HTTP request.\n\n" +
			"High when the setting is unset, 0 or otherwise falsy (Django's `security.W004`, reported when " +
			"SecurityMiddleware is installed). Django accepts any truthy value; djsec also reports, at medium and " +
			"without a Django ID, a value below the configured `thresholds.hsts_min_seconds` (one year by default, " +
			"the minimum of the browsers' preload list) or a value that is not a number of seconds. The string " +
			"`\"0\"` passes Django's check but sends `max-age=0`, which switches HSTS off: djsec reports it at high, " +
			"without a Django ID. Silent when SecurityMiddleware is missing (DJS401) or unknown, and for development " +
			"settings modules.\n\nRoll HSTS out gradually: a browser that saw the header refuses plain HTTP for the " +
			"whole period, so start with an hour while testing.",
		Fix:          "```python\nSECURE_HSTS_SECONDS = 31536000  # one year; start with 3600 while testing\nSECURE_HSTS_INCLUDE_SUBDOMAINS = True\nSECURE_HSTS_PRELOAD = True\n```",
		DjangoChecks: []string{"security.W004"}, Fixable: true,
	}
	ruleHSTSSubdomainsOff = &Rule{
		ID: "DJS404", Slug: "hsts-subdomains-off", Severity: Medium, Where: "S", Section: 4,
		Title:     "HSTS does not cover subdomains",
		FiresWhen: "HSTS on, SECURE_HSTS_INCLUDE_SUBDOMAINS not True",
		Doc: "Without `includeSubDomains` an attacker on the network can still serve a plain-HTTP subdomain and use " +
			"it to set cookies for the parent domain. Fires like Django's `security.W005`: SecurityMiddleware " +
			"installed, `SECURE_HSTS_SECONDS` truthy, and `SECURE_HSTS_INCLUDE_SUBDOMAINS` not the boolean `True` " +
			"(a truthy string works at runtime and is reported at low). Make sure every subdomain serves HTTPS first. " +
			"Silent for development settings modules.",
		Fix:          "```python\nSECURE_HSTS_INCLUDE_SUBDOMAINS = True\n```",
		DjangoChecks: []string{"security.W005"}, Fixable: true,
	}
	ruleHSTSPreloadOff = &Rule{
		ID: "DJS405", Slug: "hsts-preload-off", Severity: Low, Where: "S", Section: 4,
		Title:     "HSTS preload is off",
		FiresWhen: "HSTS on, SECURE_HSTS_PRELOAD not True",
		Doc: "HSTS only protects a browser that has already visited the site. The `preload` directive allows the " +
			"domain to be submitted to the browsers' built-in preload list (hstspreload.org), which also protects " +
			"the very first visit. Fires like Django's `security.W021`: SecurityMiddleware installed, " +
			"`SECURE_HSTS_SECONDS` truthy and `SECURE_HSTS_PRELOAD` not the boolean `True`. Silent for development " +
			"settings modules.",
		Fix:          "```python\nSECURE_HSTS_PRELOAD = True\n```\n\nthen submit the domain at https://hstspreload.org (it requires at least one year and includeSubDomains).",
		DjangoChecks: []string{"security.W021"}, Fixable: true,
	}
	ruleSessionCookieInsecure = &Rule{
		ID: "DJS406", Slug: "session-cookie-insecure", Severity: High, Where: "S", Section: 4,
		Title:     "Session cookie is not Secure",
		FiresWhen: "SESSION_COOKIE_SECURE not True (with sessions app / middleware)",
		Doc: "Without the `Secure` flag the browser also sends the session cookie over plain HTTP, where anyone on the " +
			"network can copy it and take over the session.\n\n" +
			"Fires when `django.contrib.sessions` is in INSTALLED_APPS or SessionMiddleware is in MIDDLEWARE, " +
			"like Django: `security.W010` (app only), `W011` (middleware only) or `W012` (both). Since Django 4.1 the " +
			"check wants the boolean `True`; before 4.1 any truthy value passes. A truthy string passes at runtime " +
			"either way, so it is reported at low, and only for Django 4.1+. When one of the two is present and the " +
			"other cannot be read, the finding carries no Django ID. Silent for development settings modules.",
		Fix:          "```python\nSESSION_COOKIE_SECURE = True\n```",
		DjangoChecks: []string{"security.W010", "security.W011", "security.W012"}, Fixable: true,
	}
	ruleSessionCookieHTTPOnlyOff = &Rule{
		ID: "DJS407", Slug: "session-cookie-httponly-off", Severity: High, Where: "S", Section: 4,
		Title:     "Session cookie is readable by JavaScript",
		FiresWhen: "SESSION_COOKIE_HTTPONLY not True",
		Doc: "Django's default `SESSION_COOKIE_HTTPONLY = True` keeps the session cookie out of `document.cookie`, so " +
			"an XSS bug cannot steal the session. Turning it off is almost never needed.\n\n" +
			"Gated like Django's `security.W013` (sessions app only), `W014` (middleware only) and `W015` (both); " +
			"the same `is True` (4.1+) versus truthiness (before 4.1) distinction as DJS406 applies.",
		Fix:          "Remove the override, or:\n\n```python\nSESSION_COOKIE_HTTPONLY = True\n```",
		DjangoChecks: []string{"security.W013", "security.W014", "security.W015"}, Fixable: true,
	}
	ruleCSRFCookieInsecure = &Rule{
		ID: "DJS408", Slug: "csrf-cookie-insecure", Severity: High, Where: "S", Section: 4,
		Title:     "CSRF cookie is not Secure",
		FiresWhen: "CSRF_COOKIE_SECURE not True",
		Doc: "Without the `Secure` flag the CSRF cookie also travels over plain HTTP, where it can be read or " +
			"overwritten by a network attacker, weakening CSRF protection.\n\n" +
			"Fires like Django's `security.W016`: only when CsrfViewMiddleware is installed and `CSRF_USE_SESSIONS` " +
			"is falsy (with CSRF_USE_SESSIONS the token lives in the session and no CSRF cookie is sent). Django 4.1+ " +
			"wants the boolean `True`, older series any truthy value; a truthy string works at runtime and is reported " +
			"at low. Silent when CsrfViewMiddleware is missing (DJS305 says so) and for development settings modules.",
		Fix:          "```python\nCSRF_COOKIE_SECURE = True\n```",
		DjangoChecks: []string{"security.W016"}, Fixable: true,
	}
	ruleNosniffOff = &Rule{
		ID: "DJS409", Slug: "nosniff-off", Severity: Medium, Where: "S", Section: 4,
		Title:     "X-Content-Type-Options: nosniff is off",
		FiresWhen: "SECURE_CONTENT_TYPE_NOSNIFF False",
		Doc: "`X-Content-Type-Options: nosniff` stops browsers from guessing a response's type, so an uploaded file " +
			"served as text cannot be run as a script or stylesheet. Django's default is `True` since 3.0 " +
			"(`False` before).\n\nFires like Django's `security.W006`: SecurityMiddleware installed and the setting " +
			"not the boolean `True` (a truthy string works at runtime and is reported at low).",
		Fix:          "Remove the override (the default is True since Django 3.0), or:\n\n```python\nSECURE_CONTENT_TYPE_NOSNIFF = True\n```",
		DjangoChecks: []string{"security.W006"}, Fixable: true,
	}
	ruleClickjackingUnprotected = &Rule{
		ID: "DJS410", Slug: "clickjacking-unprotected", Severity: Medium, Where: "S", Section: 4,
		Title:     "Clickjacking protection is missing or relaxed",
		FiresWhen: "XFrameOptionsMiddleware missing, or X_FRAME_OPTIONS not DENY",
		Doc: "Without an `X-Frame-Options` header another site can load your pages in an invisible frame and trick " +
			"users into clicking buttons on them (clickjacking).\n\n" +
			"Fires like Django: `security.W002` when `django.middleware.clickjacking.XFrameOptionsMiddleware` is not in " +
			"MIDDLEWARE, `security.W019` when it is and `X_FRAME_OPTIONS` is not exactly `\"DENY\"` (the default " +
			"before Django 3.0 was `\"SAMEORIGIN\"`). The middleware upper-cases the value, so `\"deny\"` works at " +
			"runtime; djsec reports it at low, with W019 as Django does. If you frame your own pages on purpose, " +
			"`SAMEORIGIN` is a reasoned choice: suppress the finding with that reason.",
		Fix: "```python\nMIDDLEWARE = [\n    # ...\n    \"django.middleware.clickjacking.XFrameOptionsMiddleware\",\n]\nX_FRAME_OPTIONS = \"DENY\"\n```\n\n" +
			"Views that must be framed can use `@xframe_options_sameorigin` individually.",
		DjangoChecks: []string{"security.W002", "security.W019"},
	}
	ruleReferrerPolicy = &Rule{
		ID: "DJS411", Slug: "referrer-policy", Severity: Low, Where: "S", Section: 4,
		Title:     "Referrer-Policy is missing or invalid",
		FiresWhen: "SECURE_REFERRER_POLICY None, or not a valid value (medium)",
		Doc: "The `Referrer-Policy` header keeps full URLs (with tokens or personal data in paths and query strings) " +
			"from leaking to other sites. Django sends it from `SECURE_REFERRER_POLICY` (default `\"same-origin\"` " +
			"since 3.1, `None` in 3.0).\n\n" +
			"`None` is low (`security.W022`). A value with an unknown token is medium (`security.E023`): a string is " +
			"split on commas and each piece stripped, a list is taken as is, and every piece must be one of " +
			"`no-referrer`, `no-referrer-when-downgrade`, `origin`, `origin-when-cross-origin`, `same-origin`, " +
			"`strict-origin`, `strict-origin-when-cross-origin`, `unsafe-url` (case-sensitive). Both only with " +
			"SecurityMiddleware installed, as in Django, and only for Django 3.0+ (older series have no such setting).",
		Fix:          "Remove the override (the default is `\"same-origin\"` since Django 3.1), or:\n\n```python\nSECURE_REFERRER_POLICY = \"strict-origin-when-cross-origin\"\n```",
		DjangoChecks: []string{"security.W022", "security.E023"},
	}
	ruleCOOPInvalid = &Rule{
		ID: "DJS412", Slug: "coop-invalid", Severity: Medium, Where: "S", Section: 4,
		Title:     "Cross-Origin-Opener-Policy value is invalid",
		FiresWhen: "SECURE_CROSS_ORIGIN_OPENER_POLICY not a valid value",
		Doc: "`SECURE_CROSS_ORIGIN_OPENER_POLICY` (Django 4.0+, default `\"same-origin\"`) isolates your pages from " +
			"windows opened by other sites. Browsers ignore an invalid value, leaving the page unprotected.\n\n" +
			"Fires like Django's `security.E024`: SecurityMiddleware installed and the value neither `None` nor one of " +
			"`same-origin`, `same-origin-allow-popups`, `unsafe-none` (exact match). Silent for Django before 4.0, " +
			"where the setting does not exist.",
		Fix:          "```python\nSECURE_CROSS_ORIGIN_OPENER_POLICY = \"same-origin\"\n```",
		DjangoChecks: []string{"security.E024"},
	}
	ruleCookieSameSiteNone = &Rule{
		ID: "DJS413", Slug: "cookie-samesite-none", Severity: Medium, Where: "S", Section: 4,
		Title:     "Cookie SameSite protection is off",
		FiresWhen: "SESSION_COOKIE_SAMESITE or CSRF_COOKIE_SAMESITE is None/\"None\"",
		Doc: "`SameSite=Lax` (Django's default) keeps browsers from sending the session and CSRF cookies on " +
			"cross-site POSTs and subresource requests, a second line of defence against CSRF. `\"None\"` sends them " +
			"with every cross-site request; `None` or `False` omits the attribute and leaves the choice to the browser.\n\n" +
			"One finding per setting. The session one is skipped when neither the sessions app nor SessionMiddleware " +
			"is installed, the CSRF one when `CSRF_USE_SESSIONS` is on (no CSRF cookie is sent). Django has no check " +
			"for this. If a cross-site embed really needs the cookie, keep `\"None\"` with `Secure` and suppress the " +
			"finding with that reason.",
		Fix: "Remove the overrides (the default is `\"Lax\"`), or:\n\n```python\nSESSION_COOKIE_SAMESITE = \"Lax\"\nCSRF_COOKIE_SAMESITE = \"Lax\"\n```",
	}
	ruleCSPMissing = &Rule{
		ID: "DJS414", Slug: "csp-missing", Severity: Low, Where: "S", Section: 4,
		Title:     "No Content-Security-Policy",
		FiresWhen: "no Content-Security-Policy: neither Django's built-in CSP settings (6.0+) nor django-csp middleware",
		Doc: "A Content-Security-Policy limits where scripts, styles and frames may come from, which turns many XSS " +
			"bugs into harmless ones.\n\n" +
			"djsec accepts Django 6.0's `django.middleware.csp.ContentSecurityPolicyMiddleware` with a non-empty " +
			"`SECURE_CSP`, django-csp's `csp.middleware.CSPMiddleware`, or any other middleware whose path mentions " +
			"CSP or security headers (it may set the header itself). The rule is silent when MIDDLEWARE cannot be " +
			"read fully and when the settings module loads names djsec cannot see. A header set by the web server " +
			"or a CDN is invisible to djsec: suppress the finding with that reason.",
		Fix: "Django 6.0+:\n\n```python\nfrom django.utils.csp import CSP\n\nMIDDLEWARE += [\"django.middleware.csp.ContentSecurityPolicyMiddleware\"]\n" +
			"SECURE_CSP = {\n    \"default-src\": [CSP.SELF],\n    \"frame-ancestors\": [CSP.NONE],\n}\n```\n\n" +
			"Older Django: `pip install django-csp`, add `\"csp.middleware.CSPMiddleware\"` to MIDDLEWARE and configure " +
			"`CONTENT_SECURITY_POLICY`. Start with `SECURE_CSP_REPORT_ONLY` to see what would break.",
	}
)

func init() {
	ruleSecurityMiddlewareMissing.Check = checkSecurityMiddlewareMissing
	ruleSSLRedirectOff.Check = checkSSLRedirectOff
	ruleHSTSOff.Check = checkHSTSOff
	ruleHSTSSubdomainsOff.Check = checkHSTSSubdomainsOff
	ruleHSTSPreloadOff.Check = checkHSTSPreloadOff
	ruleSessionCookieInsecure.Check = checkSessionCookieInsecure
	ruleSessionCookieHTTPOnlyOff.Check = checkSessionCookieHTTPOnlyOff
	ruleCSRFCookieInsecure.Check = checkCSRFCookieInsecure
	ruleNosniffOff.Check = checkNosniffOff
	ruleClickjackingUnprotected.Check = checkClickjackingUnprotected
	ruleReferrerPolicy.Check = checkReferrerPolicy
	ruleCOOPInvalid.Check = checkCOOPInvalid
	ruleCookieSameSiteNone.Check = checkCookieSameSiteNone
	ruleCSPMissing.Check = checkCSPMissing
	register(ruleSecurityMiddlewareMissing, ruleSSLRedirectOff, ruleHSTSOff, ruleHSTSSubdomainsOff,
		ruleHSTSPreloadOff, ruleSessionCookieInsecure, ruleSessionCookieHTTPOnlyOff, ruleCSRFCookieInsecure,
		ruleNosniffOff, ruleClickjackingUnprotected, ruleReferrerPolicy, ruleCOOPInvalid, ruleCookieSameSiteNone,
		ruleCSPMissing)
}

// httpsMembership is what djsec knows about a string in a list setting.
type httpsMembership uint8

const (
	httpsMemberUnknown httpsMembership = iota
	httpsMemberAbsent
	httpsMemberPresent
)

// httpsDecide applies f to v; when v is an Unknown with alternatives (an
// if/else djsec could not decide), the answer stands only if every
// alternative gives the same one.
func httpsDecide[T comparable](v *settings.Value, f func(*settings.Value) (T, bool)) (T, bool) {
	if r, ok := f(v); ok {
		return r, true
	}
	var zero T
	if v == nil || v.Kind != settings.Unknown || len(v.Alts) == 0 {
		return zero, false
	}
	var first T
	for i, a := range v.Alts {
		r, ok := f(a)
		if !ok || i > 0 && r != first {
			return zero, false
		}
		first = r
	}
	return first, true
}

// httpsListMember tells whether the list setting name holds item, by plain string
// equality as Django's checks do. An unknown element that could be item
// makes absence unknown.
func httpsListMember(p *Project, m *settings.Model, name, item string) httpsMembership {
	v, _ := p.Get(m, name)
	r, ok := httpsDecide(v, func(v *settings.Value) (httpsMembership, bool) {
		found, known := v.ContainsStr(item)
		switch {
		case found:
			return httpsMemberPresent, true
		case known:
			return httpsMemberAbsent, true
		}
		return httpsMemberUnknown, false
	})
	if !ok {
		return httpsMemberUnknown
	}
	return r
}

// httpsFlag classifies a boolean-ish setting the way Django's checks and its
// runtime see it.
type httpsFlag uint8

const (
	httpsFlagTrue   httpsFlag = iota + 1 // the boolean True
	httpsFlagTruthy                      // truthy but not True: on at runtime, fails an `is True` check
	httpsFlagFalsy
)

func httpsFlagOf(v *settings.Value) (httpsFlag, bool) {
	return httpsDecide(v, func(v *settings.Value) (httpsFlag, bool) {
		if t, ok := v.IsTrue(); ok && t {
			return httpsFlagTrue, true
		}
		truth, ok := v.Truthy()
		if !ok {
			return 0, false
		}
		if truth {
			return httpsFlagTruthy, true
		}
		return httpsFlagFalsy, true
	})
}

func httpsTruthy(v *settings.Value) (bool, bool) {
	return httpsDecide(v, func(v *settings.Value) (bool, bool) { return v.Truthy() })
}

// httpsSeriesBefore reports whether the Django series whose semantics apply is
// older than maj.min.
func httpsSeriesBefore(p *Project, maj, min int) bool {
	s := p.Series()
	return s[0] < maj || s[0] == maj && s[1] < min
}

// httpsSettingPos is where name was last set in m; zero (the entry file) when unset.
func httpsSettingPos(m *settings.Model, name string) settings.Pos {
	if s, ok := m.Lookup(name); ok {
		return s.Pos
	}
	return settings.Pos{}
}

// httpsDescribe renders "NAME is X" for a message, saying where X comes from
// when it is a default or an environment default.
func httpsDescribe(name string, v *settings.Value, set bool) string {
	if !set {
		return fmt.Sprintf("%s is not set (Django's default here is %s)", name, v.String())
	}
	if v.Kind == settings.Unknown && len(v.Alts) > 0 {
		alts := make([]string, len(v.Alts))
		for i, a := range v.Alts {
			alts[i] = a.String()
		}
		return fmt.Sprintf("%s is %s, whichever branch of its if/else applies", name, strings.Join(alts, " or "))
	}
	if v.FromEnv() && v.Env.Var != "" {
		return fmt.Sprintf("%s is %s (the default of %s)", name, v.String(), v.Env.DefaultOf())
	}
	return fmt.Sprintf("%s is %s", name, v.String())
}

// httpsStringFlagHint explains a truthy string in an `is True` flag, with
// a boolean cast in the reader the settings use.
func httpsStringFlagHint(p *Project, m *settings.Model, name string, v *settings.Value) string {
	const why = "a string, not the boolean True: Django's deployment check rejects it although the runtime treats any non-empty string (even \"False\") as on; "
	if !v.FromEnv() {
		return why + "set " + name + " = True"
	}
	return why + "read it with a boolean cast, e.g. " + name + " = " + envStyleOf(p, m).boolean(debugVarOr(v.Env, name), true)
}

// httpsSecurityMiddlewareOn is the gate of W004–W008, W021, W022, E023 and E024:
// true only when SecurityMiddleware is known to be installed. Missing is
// DJS401's finding; unknown stays silent.
func httpsSecurityMiddlewareOn(p *Project, m *settings.Model) bool {
	return httpsListMember(p, m, "MIDDLEWARE", httpsSecurityMiddleware) == httpsMemberPresent
}

// httpsDevModule marks settings modules for local development, where HTTPS
// is not in use and HTTPS-only settings are off on purpose.
func httpsDevModule(m *settings.Model) bool { return m.Role != settings.Production }

func checkSecurityMiddlewareMissing(p *Project, r *Reporter) {
	for _, m := range p.Settings {
		if httpsListMember(p, m, "MIDDLEWARE", httpsSecurityMiddleware) != httpsMemberAbsent {
			continue
		}
		r.AtSetting(ruleSecurityMiddlewareMissing, m, "MIDDLEWARE",
			"MIDDLEWARE lacks django.middleware.security.SecurityMiddleware, so the HTTPS redirect, HSTS and the nosniff, Referrer-Policy and COOP headers are all off whatever the SECURE_* settings say: add it first in MIDDLEWARE")
	}
}

// httpsCheckFlag reports a flag Django compares with `is True`: the
// boolean True passes; a truthy string is reported at low (on at runtime).
func httpsCheckFlag(p *Project, r *Reporter, rule *Rule, m *settings.Model, name, what, todo string) {
	v, set := p.Get(m, name)
	st, ok := httpsFlagOf(v)
	if !ok || st == httpsFlagTrue {
		return
	}
	if st == httpsFlagTruthy {
		r.AtSetting(rule, m, name, fmt.Sprintf("%s is %s; %s", name, v.String(), httpsStringFlagHint(p, m, name, v)), WithSeverity(Low))
		return
	}
	r.AtSetting(rule, m, name, fmt.Sprintf("%s, so %s: %s", httpsDescribe(name, v, set), what, todo))
}

func checkSSLRedirectOff(p *Project, r *Reporter) {
	for _, m := range p.Settings {
		if httpsDevModule(m) || !httpsSecurityMiddlewareOn(p, m) {
			continue
		}
		httpsCheckFlag(p, r, ruleSSLRedirectOff, m, "SECURE_SSL_REDIRECT",
			"plain-HTTP requests are served instead of redirected to HTTPS", "set SECURE_SSL_REDIRECT = True")
	}
}

// httpsHSTSSeconds reads SECURE_HSTS_SECONDS as the header would carry it: the
// number of seconds, and whether it is a number at all.
func httpsHSTSSeconds(v *settings.Value) (secs float64, numeric bool) {
	switch v.Kind {
	case settings.Int:
		return float64(v.Int), true
	case settings.Float:
		return v.Float, true
	case settings.Str:
		n, err := strconv.ParseInt(strings.TrimSpace(v.Str), 10, 64)
		if err != nil {
			return 0, false
		}
		return float64(n), true
	}
	return 0, false
}

func checkHSTSOff(p *Project, r *Reporter) {
	min := p.Config.Thresholds.HSTSMinSeconds
	if min <= 0 {
		min = DefaultConfig().Thresholds.HSTSMinSeconds
	}
	for _, m := range p.Settings {
		if httpsDevModule(m) || !httpsSecurityMiddlewareOn(p, m) {
			continue
		}
		v, set := p.Get(m, "SECURE_HSTS_SECONDS")
		if !v.Known() {
			continue
		}
		on, _ := v.Truthy()
		if !on {
			r.AtSetting(ruleHSTSOff, m, "SECURE_HSTS_SECONDS", fmt.Sprintf(
				"%s, so no Strict-Transport-Security header is sent and a network attacker can strip HTTPS on a first plain-HTTP request: set SECURE_HSTS_SECONDS = 31536000 (start with 3600 while testing)",
				httpsDescribe("SECURE_HSTS_SECONDS", v, set)))
			continue
		}
		secs, numeric := httpsHSTSSeconds(v)
		switch {
		case !numeric:
			r.AtSetting(ruleHSTSOff, m, "SECURE_HSTS_SECONDS", fmt.Sprintf(
				"SECURE_HSTS_SECONDS is %s, not a number of seconds, so browsers ignore the header: set an integer such as 31536000",
				v.String()), WithSeverity(Medium), WithDjango(""))
		case secs <= 0:
			r.AtSetting(ruleHSTSOff, m, "SECURE_HSTS_SECONDS", fmt.Sprintf(
				"SECURE_HSTS_SECONDS is the string %s: Django's check accepts any non-empty string, but the header says max-age=0, which switches HSTS off; set the integer 31536000 (cast environment values, e.g. %s)",
				v.String(), envStyleOf(p, m).integer(debugVarOr(v.Env, "SECURE_HSTS_SECONDS"), 31536000)), WithDjango(""))
		case secs < float64(min):
			r.AtSetting(ruleHSTSOff, m, "SECURE_HSTS_SECONDS", fmt.Sprintf(
				"SECURE_HSTS_SECONDS is %s, below %d seconds: browsers forget the HTTPS-only rule quickly and the domain cannot be preloaded; raise it to 31536000 once HTTPS works everywhere",
				v.String(), min), WithSeverity(Medium), WithDjango(""))
		}
	}
}

// httpsHSTSOn is the W005/W021 gate beyond SecurityMiddleware: SECURE_HSTS_SECONDS truthy.
func httpsHSTSOn(p *Project, m *settings.Model) bool {
	v, _ := p.Get(m, "SECURE_HSTS_SECONDS")
	on, ok := httpsTruthy(v)
	return ok && on
}

func checkHSTSSubdomainsOff(p *Project, r *Reporter) {
	for _, m := range p.Settings {
		if httpsDevModule(m) || !httpsSecurityMiddlewareOn(p, m) || !httpsHSTSOn(p, m) {
			continue
		}
		httpsCheckFlag(p, r, ruleHSTSSubdomainsOff, m, "SECURE_HSTS_INCLUDE_SUBDOMAINS",
			"HSTS does not cover subdomains, and a plain-HTTP subdomain can still be used to plant cookies",
			"set SECURE_HSTS_INCLUDE_SUBDOMAINS = True once every subdomain serves HTTPS")
	}
}

func checkHSTSPreloadOff(p *Project, r *Reporter) {
	if httpsSeriesBefore(p, 1, 11) {
		return
	}
	for _, m := range p.Settings {
		if httpsDevModule(m) || !httpsSecurityMiddlewareOn(p, m) || !httpsHSTSOn(p, m) {
			continue
		}
		httpsCheckFlag(p, r, ruleHSTSPreloadOff, m, "SECURE_HSTS_PRELOAD",
			"the domain cannot join the browsers' HSTS preload list and first visits stay unprotected",
			"set SECURE_HSTS_PRELOAD = True and submit the domain at hstspreload.org")
	}
}

// httpsCookieFlagFails applies Django's comparison for SESSION_COOKIE_SECURE,
// SESSION_COOKIE_HTTPONLY and CSRF_COOKIE_SECURE: `is True` since 4.1
// (django/django#15443), truthiness before. fails is false when Django is
// satisfied; low marks a value that is on at runtime (a truthy string).
func httpsCookieFlagFails(p *Project, v *settings.Value) (fails, low, ok bool) {
	st, ok := httpsFlagOf(v)
	if !ok {
		return false, false, false
	}
	switch st {
	case httpsFlagTrue:
		return false, false, true
	case httpsFlagTruthy:
		if httpsSeriesBefore(p, 4, 1) {
			return false, false, true
		}
		return true, true, true
	}
	return true, false, true
}

// httpsSessionCheckID is the ID of Django's session-cookie checks for the
// sessions app and middleware presence: app only, middleware only, both.
// fire is false when Django would be silent; id is empty when djsec cannot
// tell which of the three applies.
func httpsSessionCheckID(p *Project, m *settings.Model, appOnly, mwOnly, both string) (id string, fire bool) {
	app := httpsListMember(p, m, "INSTALLED_APPS", httpsSessionsApp)
	mw := httpsListMember(p, m, "MIDDLEWARE", httpsSessionMiddleware)
	switch {
	case app == httpsMemberPresent && mw == httpsMemberPresent:
		return both, true
	case app == httpsMemberPresent && mw == httpsMemberAbsent:
		return appOnly, true
	case app == httpsMemberAbsent && mw == httpsMemberPresent:
		return mwOnly, true
	case app == httpsMemberPresent || mw == httpsMemberPresent:
		return "", true
	}
	return "", false
}

func httpsCheckSessionCookie(p *Project, r *Reporter, rule *Rule, m *settings.Model, name string, ids [3]string, what, todo string) {
	v, set := p.Get(m, name)
	fails, low, ok := httpsCookieFlagFails(p, v)
	if !ok || !fails {
		return
	}
	id, fire := httpsSessionCheckID(p, m, ids[0], ids[1], ids[2])
	if !fire {
		return
	}
	if low {
		r.AtSetting(rule, m, name, fmt.Sprintf("%s is %s; %s", name, v.String(), httpsStringFlagHint(p, m, name, v)), WithDjango(id), WithSeverity(Low))
		return
	}
	r.AtSetting(rule, m, name, fmt.Sprintf("%s, so %s: %s", httpsDescribe(name, v, set), what, todo), WithDjango(id))
}

func checkSessionCookieInsecure(p *Project, r *Reporter) {
	for _, m := range p.Settings {
		if httpsDevModule(m) {
			continue
		}
		httpsCheckSessionCookie(p, r, ruleSessionCookieInsecure, m, "SESSION_COOKIE_SECURE",
			[3]string{"security.W010", "security.W011", "security.W012"},
			"the session cookie is also sent over plain HTTP, where it can be sniffed and the session hijacked",
			"set SESSION_COOKIE_SECURE = True")
	}
}

func checkSessionCookieHTTPOnlyOff(p *Project, r *Reporter) {
	for _, m := range p.Settings {
		httpsCheckSessionCookie(p, r, ruleSessionCookieHTTPOnlyOff, m, "SESSION_COOKIE_HTTPONLY",
			[3]string{"security.W013", "security.W014", "security.W015"},
			"JavaScript can read the session cookie and any XSS bug can steal sessions",
			"remove the override or set SESSION_COOKIE_HTTPONLY = True")
	}
}

func checkCSRFCookieInsecure(p *Project, r *Reporter) {
	for _, m := range p.Settings {
		if httpsDevModule(m) || httpsListMember(p, m, "MIDDLEWARE", httpsCSRFMiddleware) != httpsMemberPresent {
			continue
		}
		useSessions, ok := httpsTruthy(httpsGet(p, m, "CSRF_USE_SESSIONS"))
		if !ok || useSessions {
			continue
		}
		v, set := p.Get(m, "CSRF_COOKIE_SECURE")
		fails, low, ok := httpsCookieFlagFails(p, v)
		if !ok || !fails {
			continue
		}
		if low {
			r.AtSetting(ruleCSRFCookieInsecure, m, "CSRF_COOKIE_SECURE", fmt.Sprintf("CSRF_COOKIE_SECURE is %s; %s", v.String(), httpsStringFlagHint(p, m, "CSRF_COOKIE_SECURE", v)), WithSeverity(Low))
			continue
		}
		r.AtSetting(ruleCSRFCookieInsecure, m, "CSRF_COOKIE_SECURE", fmt.Sprintf(
			"%s, so the CSRF cookie is also sent over plain HTTP, where it can be read or overwritten: set CSRF_COOKIE_SECURE = True",
			httpsDescribe("CSRF_COOKIE_SECURE", v, set)))
	}
}

// httpsGet is p.Get without the "set" result.
func httpsGet(p *Project, m *settings.Model, name string) *settings.Value {
	v, _ := p.Get(m, name)
	return v
}

func checkNosniffOff(p *Project, r *Reporter) {
	for _, m := range p.Settings {
		if !httpsSecurityMiddlewareOn(p, m) {
			continue
		}
		httpsCheckFlag(p, r, ruleNosniffOff, m, "SECURE_CONTENT_TYPE_NOSNIFF",
			"responses lack X-Content-Type-Options: nosniff and browsers may run an uploaded file as script",
			"remove the override or set SECURE_CONTENT_TYPE_NOSNIFF = True")
	}
}

func checkClickjackingUnprotected(p *Project, r *Reporter) {
	for _, m := range p.Settings {
		switch httpsListMember(p, m, "MIDDLEWARE", httpsXFrameMiddleware) {
		case httpsMemberAbsent:
			r.AtSetting(ruleClickjackingUnprotected, m, "MIDDLEWARE",
				"MIDDLEWARE lacks django.middleware.clickjacking.XFrameOptionsMiddleware, so pages carry no X-Frame-Options header and other sites can frame them for clickjacking: add it to MIDDLEWARE and keep X_FRAME_OPTIONS = \"DENY\"",
				WithDjango("security.W002"))
		case httpsMemberPresent:
			v, set := p.Get(m, "X_FRAME_OPTIONS")
			if !v.Known() || v.Kind == settings.Str && v.Str == "DENY" {
				continue
			}
			if v.Kind == settings.Str && strings.ToUpper(v.Str) == "DENY" {
				r.AtSetting(ruleClickjackingUnprotected, m, "X_FRAME_OPTIONS", fmt.Sprintf(
					"X_FRAME_OPTIONS is %s: the middleware upper-cases it so framing is denied, but Django's check wants exactly \"DENY\"; write X_FRAME_OPTIONS = \"DENY\"",
					v.String()), WithDjango("security.W019"), WithSeverity(Low))
				continue
			}
			if v.Kind == settings.Str && strings.EqualFold(v.Str, "SAMEORIGIN") {
				// SAMEORIGIN already stops other sites framing the pages;
				// Django only asks for DENY since 3.0 (W019), whose
				// default it became, and before that recommended it.
				series := p.Series()
				if series[0] < 3 {
					continue
				}
				r.AtSetting(ruleClickjackingUnprotected, m, "X_FRAME_OPTIONS", fmt.Sprintf(
					"%s, not \"DENY\", so the site's own pages can frame each other (other sites cannot): set X_FRAME_OPTIONS = \"DENY\" and mark views that must be framed with @xframe_options_sameorigin",
					httpsDescribe("X_FRAME_OPTIONS", v, set)), WithDjango("security.W019"), WithSeverity(Low))
				continue
			}
			r.AtSetting(ruleClickjackingUnprotected, m, "X_FRAME_OPTIONS", fmt.Sprintf(
				"%s, not \"DENY\", so other sites may frame the pages: set X_FRAME_OPTIONS = \"DENY\" and mark views that must be framed with @xframe_options_sameorigin",
				httpsDescribe("X_FRAME_OPTIONS", v, set)), WithDjango("security.W019"))
		}
	}
}

var httpsReferrerPolicyValues = map[string]bool{
	"no-referrer": true, "no-referrer-when-downgrade": true, "origin": true, "origin-when-cross-origin": true,
	"same-origin": true, "strict-origin": true, "strict-origin-when-cross-origin": true, "unsafe-url": true,
}

// httpsReferrerPolicyTokens splits SECURE_REFERRER_POLICY as Django's check does:
// a string on commas with each piece stripped, a sequence as is. ok is false
// for shapes Django does not judge (or crashes on) and for unknown elements.
func httpsReferrerPolicyTokens(v *settings.Value) (tokens []string, valid, ok bool) {
	switch {
	case v == nil:
		return nil, false, false
	case v.Kind == settings.Str:
		for _, t := range strings.Split(v.Str, ",") {
			tokens = append(tokens, strings.TrimSpace(t))
		}
	case v.IsSequence():
		for _, it := range v.Items {
			if it == nil || !it.Known() {
				return nil, false, false
			}
			if it.Kind != settings.Str {
				// A number or None can never be a valid token.
				return []string{it.String()}, false, true
			}
			tokens = append(tokens, it.Str)
		}
	default:
		return nil, false, false
	}
	for _, t := range tokens {
		if !httpsReferrerPolicyValues[t] {
			return tokens, false, true
		}
	}
	return tokens, true, true
}

func checkReferrerPolicy(p *Project, r *Reporter) {
	if httpsSeriesBefore(p, 3, 0) {
		return
	}
	for _, m := range p.Settings {
		if !httpsSecurityMiddlewareOn(p, m) {
			continue
		}
		v, set := p.Get(m, "SECURE_REFERRER_POLICY")
		if v == nil || !v.Known() {
			continue
		}
		if v.Kind == settings.None {
			r.AtSetting(ruleReferrerPolicy, m, "SECURE_REFERRER_POLICY", fmt.Sprintf(
				"%s, so no Referrer-Policy header is sent and full URLs leak to other sites: set SECURE_REFERRER_POLICY = \"same-origin\" (or \"strict-origin-when-cross-origin\")",
				httpsDescribe("SECURE_REFERRER_POLICY", v, set)), WithDjango("security.W022"))
			continue
		}
		_, valid, ok := httpsReferrerPolicyTokens(v)
		if !ok || valid {
			continue
		}
		r.AtSetting(ruleReferrerPolicy, m, "SECURE_REFERRER_POLICY", fmt.Sprintf(
			"SECURE_REFERRER_POLICY is %s, which holds a value browsers do not know (valid, case-sensitive: no-referrer, no-referrer-when-downgrade, origin, origin-when-cross-origin, same-origin, strict-origin, strict-origin-when-cross-origin, unsafe-url): use one of them, e.g. \"same-origin\"",
			v.String()), WithDjango("security.E023"), WithSeverity(Medium))
	}
}

var httpsCOOPValues = map[string]bool{"same-origin": true, "same-origin-allow-popups": true, "unsafe-none": true}

func checkCOOPInvalid(p *Project, r *Reporter) {
	if httpsSeriesBefore(p, 4, 0) {
		return
	}
	for _, m := range p.Settings {
		if !httpsSecurityMiddlewareOn(p, m) {
			continue
		}
		v, _ := p.Get(m, "SECURE_CROSS_ORIGIN_OPENER_POLICY")
		if v == nil {
			continue
		}
		switch v.Kind {
		case settings.Str:
			if httpsCOOPValues[v.Str] {
				continue
			}
		case settings.Bool, settings.Int, settings.Float:
		default:
			// None is allowed; containers and unknowns are not judged.
			continue
		}
		r.AtSetting(ruleCOOPInvalid, m, "SECURE_CROSS_ORIGIN_OPENER_POLICY", fmt.Sprintf(
			"SECURE_CROSS_ORIGIN_OPENER_POLICY is %s, which browsers ignore, leaving pages open to cross-origin windows: use \"same-origin\", \"same-origin-allow-popups\" or \"unsafe-none\" (or None to send no header)",
			v.String()))
	}
}

// httpsSameSiteOff reports whether a SameSite setting disables the protection:
// the string "None" (any case, as Django lower-cases it) sends SameSite=None;
// None and False omit the attribute.
func httpsSameSiteOff(v *settings.Value) bool {
	switch {
	case v == nil:
		return false
	case v.Kind == settings.None:
		return true
	case v.Kind == settings.Bool:
		return !v.Bool
	case v.Kind == settings.Str:
		return strings.EqualFold(strings.TrimSpace(v.Str), "none")
	}
	return false
}

func checkCookieSameSiteNone(p *Project, r *Reporter) {
	for _, m := range p.Settings {
		if v, set := p.Get(m, "SESSION_COOKIE_SAMESITE"); set && httpsSameSiteOff(v) {
			app := httpsListMember(p, m, "INSTALLED_APPS", httpsSessionsApp)
			mw := httpsListMember(p, m, "MIDDLEWARE", httpsSessionMiddleware)
			if !(app == httpsMemberAbsent && mw == httpsMemberAbsent) {
				r.AtSetting(ruleCookieSameSiteNone, m, "SESSION_COOKIE_SAMESITE", fmt.Sprintf(
					"SESSION_COOKIE_SAMESITE is %s, so browsers may send the session cookie with cross-site requests, removing a defence against CSRF: use \"Lax\" (the default) or \"Strict\"",
					v.String()))
			}
		}
		if v, set := p.Get(m, "CSRF_COOKIE_SAMESITE"); set && httpsSameSiteOff(v) {
			if useSessions, ok := httpsTruthy(httpsGet(p, m, "CSRF_USE_SESSIONS")); ok && !useSessions {
				r.AtSetting(ruleCookieSameSiteNone, m, "CSRF_COOKIE_SAMESITE", fmt.Sprintf(
					"CSRF_COOKIE_SAMESITE is %s, so browsers may send the CSRF cookie with cross-site requests: use \"Lax\" (the default) or \"Strict\"",
					v.String()))
			}
		}
	}
}

// httpsCSPMiddlewareHint matches middleware that may set a CSP header itself.
func httpsCSPMiddlewareHint(path string) bool {
	l := strings.ToLower(path)
	return strings.Contains(l, "csp") || strings.Contains(l, "contentsecuritypolicy") || strings.Contains(l, "securityheaders")
}

// cspAdvice offers Django's own CSP where the project's Django has it
// (6.0+), django-csp where it cannot, and both, naming the version, where
// the requirements do not say.
func cspAdvice(p *Project) string {
	yes, known := djangoSeriesAllowed(p, [2]int{6, 0})
	switch {
	case known && yes:
		return "add Django's ContentSecurityPolicyMiddleware with SECURE_CSP, or django-csp's csp.middleware.CSPMiddleware"
	case known:
		return fmt.Sprintf("add django-csp's csp.middleware.CSPMiddleware (Django's own SECURE_CSP needs Django 6.0; the requirements hold Django %s)", djangoHeld(p))
	}
	return "add Django's ContentSecurityPolicyMiddleware with SECURE_CSP (Django 6.0+) or django-csp's csp.middleware.CSPMiddleware"
}

// djangoHeld names the Django series the requirements pin, or their range.
func djangoHeld(p *Project) string {
	if p.DjangoKnown {
		return fmt.Sprintf("%d.%d", p.Django[0], p.Django[1])
	}
	if r := authRequirement(p, "django"); r != nil && r.Specifier != "" {
		return r.Specifier
	}
	return "below 6.0"
}

func checkCSPMissing(p *Project, r *Reporter) {
	for _, m := range p.Settings {
		if m.Opaque {
			continue
		}
		mw, _ := p.Get(m, "MIDDLEWARE")
		paths, ok := mw.Strings()
		if !ok {
			continue
		}
		provided, builtin := false, false
		for _, s := range paths {
			switch {
			case s == httpsDjangoCSPMiddleware:
				builtin = true
			case s == httpsCSPPackageMiddleware || httpsCSPMiddlewareHint(s):
				provided = true
			}
		}
		if provided {
			continue
		}
		msg := "no Content-Security-Policy is configured, so an XSS bug can load scripts from anywhere: " + cspAdvice(p)
		if builtin {
			csp, ok := httpsTruthy(httpsGet(p, m, "SECURE_CSP"))
			if !ok || csp {
				continue
			}
			msg = "ContentSecurityPolicyMiddleware is installed but SECURE_CSP is empty, so no enforcing Content-Security-Policy header is sent (SECURE_CSP_REPORT_ONLY only reports): define SECURE_CSP, e.g. {\"default-src\": [CSP.SELF]}"
			r.AtSetting(ruleCSPMissing, m, "SECURE_CSP", msg)
			continue
		}
		r.AtSetting(ruleCSPMissing, m, "MIDDLEWARE", msg)
	}
}
