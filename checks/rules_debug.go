package checks

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/djsec/djsec/checks/settings"
)

// Debug and hosts (RULES.md §2, checklist §2 and §11).
var (
	ruleDebugEnabled = &Rule{
		ID: "DJS201", Slug: "debug-enabled", Severity: Critical, Where: "S", Section: 2, FixUp: true,
		Title:        "DEBUG is on in production",
		FiresWhen:    "DEBUG is True in the production view (literal, or env default true-ish)",
		DjangoChecks: []string{"security.W018"},
		Doc: "With `DEBUG` on, every error page shows a full traceback with local variables, the settings " +
			"(secrets are only partly masked), the SQL that ran and the list of URL patterns; Django also " +
			"keeps every query in memory. Django's `security.W018` fires when `DEBUG` is truthy, so the string " +
			"`\"False\"` (any non-empty string) counts as on.\n\n" +
			"djsec judges the production view: an environment read takes its default, the value a deployment " +
			"gets when the variable is missing. `DEBUG = os.environ.get(\"DEBUG\", \"True\") == \"True\"` is on; " +
			"`DEBUG = os.environ[\"DEBUG\"]` is not judged here (see DJS206). A value djsec cannot compute " +
			"(`DEBUG = get_debug()`) is never reported, and one chosen by a condition djsec cannot decide is " +
			"reported only when every branch turns DEBUG on. Development and test modules (`dev.py`, " +
			"`local.py`, the settings pytest names) are not judged: DEBUG on is what they are for. Settings " +
			"computed from DEBUG (`SECURE_SSL_REDIRECT = not DEBUG`) are named in this finding rather than " +
			"reported again.",
		Fix: "Turn DEBUG off unless the environment explicitly turns it on:\n\n" +
			"```python\nDEBUG = os.environ.get(\"DJANGO_DEBUG\", \"\") == \"1\"          # os\nDEBUG = config(\"DEBUG\", default=False, cast=bool)     # python-decouple\nDEBUG = env.bool(\"DEBUG\", default=False)              # django-environ\n```",
		Fixable: true,
	}
	ruleAllowedHostsWildcard = &Rule{
		ID: "DJS202", Slug: "allowed-hosts-wildcard", Severity: High, Where: "S", Section: 2,
		Title:     "ALLOWED_HOSTS accepts any host",
		FiresWhen: "ALLOWED_HOSTS holds `*` (or its env default does)",
		Doc: "`ALLOWED_HOSTS` is Django's defence against forged `Host` headers. With `\"*\"` any host is " +
			"accepted, so `request.get_host()` returns whatever the client sent: password-reset emails can " +
			"carry links to an attacker's domain (the token leaks when the victim clicks), and caches keyed " +
			"on the host can be poisoned. Django's own check does not flag `[\"*\"]` (W020 only wants a " +
			"non-empty list). A string such as `\"*\"` counts too: Django iterates over its characters.",
		Fix: "List the domains the site serves, from the environment if they differ per deployment:\n\n" +
			"```python\nALLOWED_HOSTS = [\"example.com\", \"www.example.com\"]\nALLOWED_HOSTS = [h for h in os.environ.get(\"DJANGO_ALLOWED_HOSTS\", \"\").split(\",\") if h]\n```",
		Fixable: true,
	}
	ruleAllowedHostsEmpty = &Rule{
		ID: "DJS203", Slug: "allowed-hosts-empty", Severity: Medium, Where: "S", Section: 2,
		Title:        "ALLOWED_HOSTS is empty",
		FiresWhen:    "ALLOWED_HOSTS is empty in the production view",
		DjangoChecks: []string{"security.W020"},
		Doc: "With `DEBUG` off and an empty `ALLOWED_HOSTS`, Django answers every request with 400 Bad " +
			"Request; a deployment that \"works\" with it usually does so because `DEBUG` is still on, or " +
			"because someone is about to reach for `[\"*\"]`. Django's `security.W020` fires whenever the " +
			"setting is falsy, unset included (the default is `[]`), whatever `DEBUG` says, and so does djsec.\n\n" +
			"An empty list that is the default of an environment read (`env.list(\"ALLOWED_HOSTS\", default=[])`) " +
			"is not reported: a deployment missing the variable fails closed, and the variable is how the " +
			"hosts are meant to arrive.",
		Fix: "List the domains the site serves:\n\n" +
			"```python\nALLOWED_HOSTS = [\"example.com\", \"www.example.com\"]\n```",
	}
	ruleDebugPropagateExceptions = &Rule{
		ID: "DJS204", Slug: "debug-propagate-exceptions", Severity: High, Where: "S", Section: 2,
		Title:     "DEBUG_PROPAGATE_EXCEPTIONS is on",
		FiresWhen: "DEBUG_PROPAGATE_EXCEPTIONS is True",
		Doc: "With `DEBUG_PROPAGATE_EXCEPTIONS` on, Django re-raises exceptions instead of turning them " +
			"into a 500 page, so they reach the WSGI/ASGI server, which may show the traceback to the " +
			"visitor; `handler500` and error logging through Django are skipped. Django reads it by " +
			"truthiness, so a non-empty string turns it on. It exists for test harnesses, not production.",
		Fix: "Remove the setting (its default is `False`):\n\n```python\n# DEBUG_PROPAGATE_EXCEPTIONS = True\n```",
	}
	ruleAdminsMissing = &Rule{
		ID: "DJS205", Slug: "admins-missing", Severity: Low, Where: "S", Section: 2,
		Title:     "No one hears about server errors",
		FiresWhen: "no ADMINS and no error monitoring configured (see DJS803)",
		Doc: "With `DEBUG` off, Django mails the traceback of every server error to `ADMINS` — if there are " +
			"any. With no `ADMINS` and no error tracker, 500s in production go unseen until users complain. " +
			"Error monitoring counts when a client (Sentry's `sentry_sdk`, `raven`, Rollbar, Bugsnag, " +
			"Honeybadger, Airbrake, New Relic, Datadog `ddtrace`, Elastic APM, AppSignal, Scout, Atatus) is " +
			"imported or initialised in settings, named in `INSTALLED_APPS`, `MIDDLEWARE` or a `LOGGING` " +
			"handler, or listed in the non-development requirements. Development modules are not judged, " +
			"and neither is a module that sets `ADMINS` to something djsec cannot read or star-imports " +
			"something djsec cannot follow.",
		Fix: "Name the people who receive error mails (and configure outgoing email), or initialise an error tracker:\n\n" +
			"```python\nADMINS = [(\"Ops\", \"ops@example.com\")]\n\n# or\nimport sentry_sdk\nsentry_sdk.init(dsn=os.environ[\"SENTRY_DSN\"])\n```",
	}
	ruleDebugEnvUncast = &Rule{
		ID: "DJS206", Slug: "debug-env-uncast", Severity: High, Where: "S", Section: 2,
		Title:     "Boolean flag read from the environment as a string",
		FiresWhen: "DEBUG (or another boolean security flag) is read from the environment as a string with no cast, so any non-empty value, \"False\" included, turns it on (or, for `is True` flags, never on)",
		Doc: "`os.environ.get`, `os.getenv`, `os.environ[...]` and python-decouple's `config()` without " +
			"`cast=` return the variable's text. Python treats every non-empty string as true, so " +
			"`DEBUG = os.getenv(\"DEBUG\", False)` is on as soon as someone sets `DEBUG=False` or `DEBUG=0`.\n\n" +
			"The flags judged by truthiness — `DEBUG`, `DEBUG_PROPAGATE_EXCEPTIONS`, `CORS_ALLOW_ALL_ORIGINS` " +
			"(and its old name `CORS_ORIGIN_ALLOW_ALL`), `CORS_ALLOW_CREDENTIALS` — are reported at high " +
			"severity: setting the variable to \"False\" turns them on. The hardening flags Django's deployment " +
			"check tests with `is True` — `SECURE_SSL_REDIRECT`, `SESSION_COOKIE_SECURE`, `CSRF_COOKIE_SECURE`, " +
			"`SESSION_COOKIE_HTTPONLY`, `SECURE_HSTS_INCLUDE_SUBDOMAINS`, `SECURE_HSTS_PRELOAD`, " +
			"`SECURE_CONTENT_TYPE_NOSNIFF` — are reported at medium: a string never satisfies `check --deploy` " +
			"(\"True\" is not `True`), and \"False\" cannot switch them off, but nothing turns insecure by itself.\n\n" +
			"A cast, a comparison (`== \"True\"`, `.lower() in (...)`), `config(..., cast=bool)`, " +
			"`env.bool(...)` and django-environ's `env(\"DEBUG\", default=False)` (which casts by the default's type) " +
			"are all fine.",
		Fix: "Cast the value:\n\n" +
			"```python\nDEBUG = os.environ.get(\"DJANGO_DEBUG\", \"\").lower() in (\"1\", \"true\", \"yes\")\nDEBUG = config(\"DEBUG\", default=False, cast=bool)\nDEBUG = env.bool(\"DEBUG\", default=False)\n```",
		Fixable: true,
	}
)

func init() {
	ruleDebugEnabled.Check = checkDebugEnabled
	ruleAllowedHostsWildcard.Check = checkAllowedHostsWildcard
	ruleAllowedHostsEmpty.Check = checkAllowedHostsEmpty
	ruleDebugPropagateExceptions.Check = checkDebugPropagateExceptions
	ruleAdminsMissing.Check = checkAdminsMissing
	ruleDebugEnvUncast.Check = checkDebugEnvUncast
	register(ruleDebugEnabled, ruleAllowedHostsWildcard, ruleAllowedHostsEmpty, ruleDebugPropagateExceptions,
		ruleAdminsMissing, ruleDebugEnvUncast)
}

// debugTruthy is Python's bool(v) for a known value.
func debugTruthy(v *settings.Value) bool {
	t, ok := v.Truthy()
	return ok && t
}

func checkDebugEnabled(p *Project, r *Reporter) {
	for _, m := range p.Settings {
		v, set := p.Get(m, "DEBUG")
		if !set || !holdsInEveryCase(v, debugTruthy) {
			continue
		}
		example := `os.environ.get("DJANGO_DEBUG", "") == "1"`
		if st := envStyleOf(p, m); st.reader != readerOS {
			example = st.boolean("DJANGO_DEBUG", false)
		}
		r.AtSetting(ruleDebugEnabled, m, "DEBUG", fmt.Sprintf(
			"%s, so error pages show tracebacks, settings and SQL to every visitor: "+
				"turn it off unless the environment turns it on, e.g. DEBUG = %s",
			debugDescribe(v), example))
	}
}

// debugDescribe says why DEBUG is on, for messages.
func debugDescribe(v *settings.Value) string {
	if !v.Known() {
		return "DEBUG is on in every branch of the condition that sets it"
	}
	what := "True"
	if v.Kind == settings.Str {
		what = fmt.Sprintf("the string %s, which Python treats as true (every non-empty string is)", v.String())
	} else if v.Kind != settings.Bool {
		what = v.String() + ", a true value"
	}
	if v.Env != nil {
		return fmt.Sprintf("DEBUG is %s when %s is unset", what, secretsEnvVarOf(v.Env))
	}
	return "DEBUG is " + what
}

func checkAllowedHostsWildcard(p *Project, r *Reporter) {
	for _, m := range p.Settings {
		s, ok := m.Lookup("ALLOWED_HOSTS")
		if !ok {
			continue
		}
		if !holdsInEveryCase(s.Value, hostsWildcard) {
			// A list that may have grown later (a helper appends to it
			// when a variable is set) still holds "*" in every case.
			if found, known := s.Value.ContainsStr("*"); !found || !known || s.Value.Kind != settings.Unknown {
				continue
			}
		}
		where := "ALLOWED_HOSTS accepts any host (\"*\")"
		if e := secretsFirstEnv(s.Value); e != nil {
			where = fmt.Sprintf("ALLOWED_HOSTS falls back to any host (\"*\") when %s is unset", secretsEnvVarOf(e))
		}
		r.AtSetting(ruleAllowedHostsWildcard, m, "ALLOWED_HOSTS", where+
			", so forged Host headers reach the app and can poison password-reset links and caches: "+
			"list the domains the site serves, e.g. ALLOWED_HOSTS = [\"example.com\", \"www.example.com\"]")
	}
}

// hostsWildcard reports "*" in a host list, or a string holding "*"
// (Django iterates a string's characters, so "*" matches every host).
func hostsWildcard(v *settings.Value) bool {
	if v.Kind == settings.Str {
		return strings.Contains(v.Str, "*")
	}
	found, _ := v.ContainsStr("*")
	return found
}

func checkAllowedHostsEmpty(p *Project, r *Reporter) {
	for _, m := range p.Settings {
		v, set := p.Get(m, "ALLOWED_HOSTS")
		if !holdsInEveryCase(v, func(c *settings.Value) bool { return c.Env == nil && !debugTruthy(c) }) {
			continue
		}
		what := "ALLOWED_HOSTS is empty"
		if !set {
			what = "ALLOWED_HOSTS is not set, so Django's default [] applies"
		}
		r.AtSetting(ruleAllowedHostsEmpty, m, "ALLOWED_HOSTS", what+
			": with DEBUG off Django rejects every request with 400 Bad Request; list the domains the site serves, e.g. ALLOWED_HOSTS = [\"example.com\"]")
	}
}

func checkDebugPropagateExceptions(p *Project, r *Reporter) {
	for _, m := range p.Settings {
		s, ok := m.Lookup("DEBUG_PROPAGATE_EXCEPTIONS")
		if !ok || !holdsInEveryCase(s.Value, debugTruthy) {
			continue
		}
		what := "is on"
		if e := secretsFirstEnv(s.Value); e != nil {
			what = "is on when " + secretsEnvVarOf(e) + " is unset"
		}
		r.AtSetting(ruleDebugPropagateExceptions, m, "DEBUG_PROPAGATE_EXCEPTIONS", "DEBUG_PROPAGATE_EXCEPTIONS "+what+
			", so exceptions escape Django's error handling and the server may show tracebacks to visitors: remove the setting (its default is False)")
	}
}

func checkAdminsMissing(p *Project, r *Reporter) {
	for _, m := range p.Settings {
		// What an opaque module pulls in may set up monitoring djsec cannot see.
		if m.Role != settings.Production || m.Opaque {
			continue
		}
		v, _ := p.Get(m, "ADMINS")
		if v == nil || !v.Known() || v.Env != nil || debugTruthy(v) {
			continue
		}
		if errorMonitoringConfigured(p, m) {
			continue
		}
		r.AtSetting(ruleAdminsMissing, m, "ADMINS",
			"neither ADMINS nor an error tracker is configured, so server errors in production go unnoticed: "+
				"set ADMINS = [(\"Ops\", \"ops@example.com\")] with working email settings, or initialise an error tracker such as sentry_sdk")
	}
}

// errorMonitors are error-tracking clients: the module settings import and
// the distribution requirements name.
var errorMonitors = []struct{ module, dist string }{
	{"sentry_sdk", "sentry-sdk"}, {"raven", "raven"}, {"rollbar", "rollbar"}, {"django_rollbar", "django-rollbar"},
	{"bugsnag", "bugsnag"}, {"honeybadger", "honeybadger"}, {"airbrake", "airbrake"}, {"pybrake", "pybrake"},
	{"newrelic", "newrelic"}, {"ddtrace", "ddtrace"}, {"elasticapm", "elastic-apm"}, {"opbeat", "opbeat"},
	{"appsignal", "appsignal"}, {"scout_apm", "scout-apm"}, {"atatus", "atatus"},
}

// errorMonitoringConfigured reports whether m (or the project) wires up an
// error tracker: one of errorMonitors imported anywhere at module level in
// the settings chain or called there (sentry_sdk.init), named by an
// INSTALLED_APPS or MIDDLEWARE entry or a LOGGING handler class, or listed
// in a non-development requirement. DJS205 and DJS803 share it, so both say
// the same thing about a project.
func errorMonitoringConfigured(p *Project, m *settings.Model) bool {
	underModule := func(s, module string) bool {
		return s == module || strings.HasPrefix(s, module+".")
	}
	var names []string
	for _, setting := range []string{"INSTALLED_APPS", "MIDDLEWARE"} {
		if v := m.Value(setting); v.IsSequence() {
			for _, it := range v.Items {
				if it != nil && it.Kind == settings.Str {
					names = append(names, it.Str)
				}
			}
		}
	}
	if handlers := m.Value("LOGGING").Get("handlers"); handlers != nil {
		for _, h := range handlers.Items {
			if c := h.Get("class"); c != nil && c.Kind == settings.Str {
				names = append(names, c.Str)
			}
		}
	}
	for _, mon := range errorMonitors {
		if m.Imported(mon.module) {
			return true
		}
		for _, c := range m.Calls {
			if underModule(c.Callee, mon.module) {
				return true
			}
		}
		for _, n := range names {
			if underModule(n, mon.module) {
				return true
			}
		}
		for _, req := range p.Requirements {
			if !req.Dev && req.Name == mon.dist {
				return true
			}
		}
	}
	return false
}

// debugTruthyFlags are read by truthiness at runtime and make the site less
// safe when on; debugIsTrueFlags are hardening flags Django's deployment
// check tests with `is True` (DJANGO_FACTS.md §1.4).
var (
	debugTruthyFlags = []string{"DEBUG", "DEBUG_PROPAGATE_EXCEPTIONS", "CORS_ALLOW_ALL_ORIGINS", "CORS_ORIGIN_ALLOW_ALL",
		"CORS_ALLOW_CREDENTIALS"}
	debugIsTrueFlags = map[string]string{
		"SECURE_SSL_REDIRECT":            "security.W008",
		"SESSION_COOKIE_SECURE":          "security.W010–W012",
		"CSRF_COOKIE_SECURE":             "security.W016",
		"SESSION_COOKIE_HTTPONLY":        "security.W013–W015",
		"SECURE_HSTS_INCLUDE_SUBDOMAINS": "security.W005",
		"SECURE_HSTS_PRELOAD":            "security.W021",
		"SECURE_CONTENT_TYPE_NOSNIFF":    "security.W006",
	}
)

// debugUncast reports a flag that arrives as the variable's raw text.
// django-environ casts by the default's type when no cast is given
// (smart_cast: env("DEBUG", default=False) is a bool), so a non-string
// default of an environ read is not raw, whatever the read records.
func debugUncast(v *settings.Value) bool {
	if !v.FromEnv() || !v.Env.Raw() {
		return false
	}
	if v.Env.Reader == "environ" && v.Env.HasDefault && v.Known() && v.Kind != settings.Str && v.Kind != settings.None {
		return false
	}
	return true
}

func checkDebugEnvUncast(p *Project, r *Reporter) {
	for _, m := range p.Settings {
		for _, name := range debugTruthyFlags {
			s, ok := m.Lookup(name)
			if !ok || !debugUncast(s.Value) {
				continue
			}
			r.AtSetting(ruleDebugEnvUncast, m, name, fmt.Sprintf(
				"%s is read from %s as a raw string, so any non-empty value, \"False\" and \"0\" included, turns it on: "+
					"cast it, e.g. %s = %s",
				name, secretsEnvVarOf(s.Value.Env), name, envStyleOf(p, m).boolean(debugVarOr(s.Value.Env, name), false)))
		}
		for _, name := range slices.Sorted(maps.Keys(debugIsTrueFlags)) {
			s, ok := m.Lookup(name)
			if !ok || !debugUncast(s.Value) {
				continue
			}
			r.AtSetting(ruleDebugEnvUncast, m, name, fmt.Sprintf(
				"%s is read from %s as a raw string: Django's deployment check wants the boolean True, so \"True\" from the environment never passes it (%s), "+
					"and \"False\" cannot turn it off: cast it, e.g. %s = %s",
				name, secretsEnvVarOf(s.Value.Env), debugIsTrueFlags[name], name, envStyleOf(p, m).boolean(debugVarOr(s.Value.Env, name), true)),
				WithSeverity(Medium))
		}
	}
}

func debugVarOr(e *settings.EnvRead, name string) string {
	if e != nil && e.Var != "" {
		return e.Var
	}
	return name
}
