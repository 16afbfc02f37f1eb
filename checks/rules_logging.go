package checks

import (
	"bytes"
	"strings"

	"github.com/djsec/djsec/checks/pysrc"
	"github.com/djsec/djsec/checks/settings"
)

// Rules about recording what happens in production (RULES.md §8): security
// events, failed logins, errors and admin actions.
var (
	ruleSecurityLoggingMissing = &Rule{
		ID: "DJS801", Slug: "security-logging-missing", Severity: Medium, Where: "S", Section: 8, FixUp: true,
		Title:     "Security events are not logged",
		FiresWhen: "no LOGGING, or nothing in it records the `django.security` loggers (a handler on `django.security`, `django`, or root at WARNING or lower)",
		Doc: "Django reports attacks it stops on the `django.security.*` loggers: every CSRF rejection " +
			"(`django.security.csrf`, WARNING), requests for hosts outside ALLOWED_HOSTS " +
			"(`DisallowedHost`, ERROR) and the other SuspiciousOperation subtypes. With no LOGGING " +
			"setting, Django's default configuration prints them only when DEBUG is True and emails " +
			"the errors to ADMINS, so in production the warnings are dropped and nobody can tell an " +
			"attack happened.\n\n" +
			"djsec follows the way Python's logging delivers a `django.security` record: the " +
			"effective level comes from the nearest logger that sets one (`django` keeps INFO from " +
			"Django's defaults), then the record goes to the handlers of `django.security`, " +
			"`django` and the root logger in turn until a logger with `propagate: False`. A handler " +
			"counts when it is not a `NullHandler`, its level is WARNING or lower, and it has no " +
			"`RequireDebugTrue` filter. It stays silent when `LOGGING` is built in a way it cannot " +
			"read, when `LOGGING_CONFIG` is None or custom (the project configures logging " +
			"itself), and for development settings modules. `disable_existing_loggers` is not " +
			"modelled.",
		Fix: "Send the security loggers to a handler that reaches your log collector:\n\n" +
			"```python\nLOGGING = {\n    \"version\": 1,\n    \"disable_existing_loggers\": False,\n" +
			"    \"handlers\": {\"console\": {\"class\": \"logging.StreamHandler\"}},\n" +
			"    \"loggers\": {\n        \"django.security\": {\"handlers\": [\"console\"], \"level\": \"WARNING\", \"propagate\": False},\n" +
			"        \"django.request\": {\"handlers\": [\"console\"], \"level\": \"WARNING\", \"propagate\": False},\n    },\n}\n```",
		Fixable: true,
	}
	ruleAuthFailureLoggingMissing = &Rule{
		ID: "DJS802", Slug: "auth-failure-logging-missing", Severity: Medium, Where: "S+C", Section: 8,
		Title:     "Failed logins are not recorded",
		FiresWhen: "nothing records failed logins (django-axes, or a `user_login_failed` receiver)",
		Doc: "Django logs nothing when a login fails; it only sends the `user_login_failed` signal. " +
			"Without a receiver, password guessing and credential stuffing leave no trace to alert " +
			"on or investigate.\n\n" +
			"djsec accepts django-axes, django-defender or django-easy-audit in INSTALLED_APPS, or a " +
			"receiver anywhere in the repository's Python code outside tests " +
			"(`@receiver(user_login_failed)` or `user_login_failed.connect(...)`). It reads the " +
			"whole repository, so it runs in audits, not on pull requests; it does not judge " +
			"development settings modules or projects without `django.contrib.auth`.",
		Fix: "Install django-axes (which also locks accounts out), or log the signal yourself:\n\n" +
			"```python\n# accounts/signals.py (imported from AppConfig.ready)\nimport logging\n" +
			"from django.contrib.auth.signals import user_login_failed\nfrom django.dispatch import receiver\n\n" +
			"logger = logging.getLogger(\"accounts.security\")\n\n@receiver(user_login_failed)\n" +
			"def log_failed_login(sender, credentials, request=None, **kwargs):\n" +
			"    logger.warning(\"login failed for %s from %s\", credentials.get(\"username\"),\n" +
			"                   request and request.META.get(\"REMOTE_ADDR\"))\n```",
		AuditOnly: true,
	}
	ruleErrorMonitoringMissing = &Rule{
		ID: "DJS803", Slug: "error-monitoring-missing", Severity: Low, Where: "S+R", Section: 8,
		Title:     "No error monitoring",
		FiresWhen: "no error monitoring (sentry-sdk, rollbar, … in requirements or initialised in settings)",
		Doc: "With DEBUG off, a server error shows the visitor a plain 500 page and leaves a line in a " +
			"log at best. An error tracker (Sentry, Rollbar, Bugsnag, Honeybadger, an APM agent) " +
			"collects the tracebacks, groups them and alerts, so exceptions caused by an attack or a " +
			"broken deployment are seen the day they happen.\n\n" +
			"djsec looks for a tracker imported or initialised in the settings, named in " +
			"INSTALLED_APPS, MIDDLEWARE or a LOGGING handler, or listed in a non-development " +
			"requirement (the same evidence DJS205 uses). It does not judge development settings " +
			"modules or settings it cannot fully read.",
		Fix: "Add an error tracker, for example Sentry:\n\n" +
			"```python\n# requirements.txt: sentry-sdk\nimport sentry_sdk\n\n" +
			"sentry_sdk.init(dsn=os.environ.get(\"SENTRY_DSN\"), send_default_pii=False)\n```",
	}
	ruleAdminAuditLogMissing = &Rule{
		ID: "DJS804", Slug: "admin-audit-log-missing", Severity: Low, Where: "S+R", Section: 8,
		Title:     "No audit trail for admin actions",
		FiresWhen: "no audit trail package for admin actions (django-auditlog, django-simple-history, django-easy-audit, …)",
		Doc: "Django admin's own LogEntry records that an object changed, not what changed, and " +
			"nothing is recorded for changes made outside the admin. An audit trail package keeps " +
			"the before and after of each change and who made it, which is what an investigation " +
			"of a compromised staff account needs.\n\n" +
			"djsec accepts django-auditlog (`auditlog`), django-simple-history (`simple_history`), " +
			"django-easy-audit (`easyaudit`), django-reversion (`reversion`), django-pghistory " +
			"(`pghistory`) or django-field-history (`field_history`) in INSTALLED_APPS or in a " +
			"non-development requirement. It does not judge development settings modules or " +
			"settings it cannot fully read.",
		Fix: "Install an audit trail and register the models staff can change:\n\n" +
			"```python\n# requirements.txt: django-auditlog\nINSTALLED_APPS += [\"auditlog\"]\n\n" +
			"# models.py\nfrom auditlog.registry import auditlog\nauditlog.register(Order)\n```",
	}
)

func init() {
	ruleSecurityLoggingMissing.Check = checkSecurityLogging
	ruleAuthFailureLoggingMissing.Check = checkAuthFailureLogging
	ruleErrorMonitoringMissing.Check = checkErrorMonitoring
	ruleAdminAuditLogMissing.Check = checkAdminAuditLog
	register(ruleSecurityLoggingMissing, ruleAuthFailureLoggingMissing, ruleErrorMonitoringMissing, ruleAdminAuditLogMissing)
}

// logTri is what djsec can tell about a logging path: it records, it
// provably does not, or it cannot say.
type logTri int8

const (
	logNo logTri = iota
	logMaybe
	logYes
)

func logOr(a, b logTri) logTri {
	if a > b {
		return a
	}
	return b
}

// Python's logging levels (logging._nameToLevel).
var logLevels = map[string]int{"CRITICAL": 50, "FATAL": 50, "ERROR": 40, "WARN": 30, "WARNING": 30, "INFO": 20, "DEBUG": 10, "NOTSET": 0}

const logWarning = 30

// logLevel reads a "level" value: set is false when absent or None (the
// logger keeps its level), known false when djsec cannot read it (or
// logging would reject it at startup).
func logLevel(v *settings.Value) (level int, set, known bool) {
	if v == nil || v.Kind == settings.None {
		return 0, false, true
	}
	switch v.Kind {
	case settings.Str:
		l, ok := logLevels[v.Str]
		return l, true, ok
	case settings.Int:
		return int(v.Int), true, true
	}
	return 0, true, false
}

// logConfig is a LOGGING dict being judged.
type logConfig struct {
	root *settings.Value
}

// logger returns the configuration of a named logger ("" for root), nil
// when LOGGING does not configure it; known is false when it may.
func (c logConfig) logger(name string) (cfg *settings.Value, known bool) {
	if name == "" {
		if r := c.root.Get("root"); r != nil {
			return r, true
		}
		if c.root.HasUnknownKeys() {
			return nil, false
		}
	}
	loggers := c.root.Get("loggers")
	if loggers == nil {
		return nil, !c.root.HasUnknownKeys()
	}
	if !loggers.Known() || loggers.Kind != settings.Dict {
		return nil, false
	}
	if name == "" {
		// dictConfig configures loggers before root, and getLogger("") and
		// getLogger("root") both return the root logger.
		if l := loggers.Get(""); l != nil {
			return l, true
		}
		name = "root"
	}
	if l := loggers.Get(name); l != nil {
		return l, true
	}
	return nil, !loggers.HasUnknownKeys()
}

// handler judges one handler name of a logger: whether it records a
// WARNING in production.
func (c logConfig) handler(name *settings.Value) logTri {
	if name == nil || !name.Known() || name.Kind != settings.Str {
		return logMaybe
	}
	handlers := c.root.Get("handlers")
	if handlers == nil || !handlers.Known() || handlers.Kind != settings.Dict {
		return logMaybe
	}
	h := handlers.Get(name.Str)
	if h == nil || !h.Known() || h.Kind != settings.Dict {
		return logMaybe // unknown, or a dangling name dictConfig refuses at startup
	}
	if cls := h.Get("class"); cls != nil {
		if !cls.Known() {
			return logMaybe
		}
		if cls.Kind == settings.Str && (cls.Str == "logging.NullHandler" || strings.HasSuffix(cls.Str, ".NullHandler")) {
			return logNo
		}
	}
	level, set, known := logLevel(h.Get("level"))
	if !known {
		return logMaybe
	}
	if set && level > logWarning {
		return logNo
	}
	if fs := h.Get("filters"); fs != nil {
		if !fs.IsSequence() {
			return logMaybe
		}
		for _, f := range fs.Items {
			if t := c.filterDrops(f); t != logYes {
				return t
			}
		}
	}
	if h.HasUnknownKeys() {
		return logMaybe
	}
	return logYes
}

// filterDrops tells whether a filter lets production records through:
// logYes when it does, logNo for Django's RequireDebugTrue.
func (c logConfig) filterDrops(name *settings.Value) logTri {
	if name == nil || !name.Known() || name.Kind != settings.Str {
		return logMaybe
	}
	filters := c.root.Get("filters")
	if filters == nil || !filters.Known() || filters.Kind != settings.Dict {
		return logMaybe
	}
	f := filters.Get(name.Str)
	if f == nil || !f.Known() || f.Kind != settings.Dict {
		return logMaybe
	}
	if factory := f.Get("()"); factory != nil && factory.Kind == settings.Str && factory.Str == "django.utils.log.RequireDebugTrue" {
		return logNo
	}
	return logYes
}

// handlers judges a logger's own handlers.
func (c logConfig) handlers(cfg *settings.Value) logTri {
	hs := cfg.Get("handlers")
	if hs == nil || hs.Kind == settings.None {
		return logNo
	}
	if !hs.Known() || !hs.IsSequence() {
		return logMaybe
	}
	out := logNo
	for _, h := range hs.Items {
		out = logOr(out, c.handler(h))
	}
	return out
}

// records judges whether a record of WARNING on origin, a django.security
// logger, reaches a handler. chain lists origin and its ancestors up to
// django; root follows.
func (c logConfig) records(chain []string) (logTri, string) {
	names := append(append([]string(nil), chain...), "")
	// The effective level: the nearest explicit level. Django's
	// DEFAULT_LOGGING gives `django` INFO, which LOGGING keeps unless it sets
	// another; the root logger starts at WARNING.
	level, levelKnown := -1, true
	for _, n := range names {
		cfg, known := c.logger(n)
		if !known || cfg != nil && (!cfg.Known() || cfg.Kind != settings.Dict) {
			levelKnown = false
			break
		}
		l, set, ok := 0, false, true
		if cfg != nil {
			l, set, ok = logLevel(cfg.Get("level"))
		}
		if !ok {
			levelKnown = false
			break
		}
		switch {
		case set && l != 0:
			level = l
		case !set && n == "django":
			level = 20
		case !set && n == "":
			level = logWarning
		}
		if level >= 0 {
			break
		}
	}
	if levelKnown && level > logWarning {
		return logNo, "the effective level of the django.security loggers is above WARNING"
	}
	out := logNo
	if !levelKnown {
		out = logMaybe
	}
	for _, n := range names {
		cfg, known := c.logger(n)
		if !known {
			return logOr(out, logMaybe), ""
		}
		if cfg == nil {
			continue // unconfigured: Django's `django` handlers only print under DEBUG or email ERRORs
		}
		if !cfg.Known() || cfg.Kind != settings.Dict {
			return logOr(out, logMaybe), ""
		}
		out = logOr(out, c.handlers(cfg))
		if out == logYes {
			return logYes, ""
		}
		if p := cfg.Get("propagate"); p != nil {
			t, ok := p.Truthy()
			if !ok {
				return logOr(out, logMaybe), ""
			}
			if !t {
				return out, "the " + logName(n) + " logger stops propagation before any handler records them"
			}
		}
		if cfg.HasUnknownKeys() {
			out = logOr(out, logMaybe)
		}
	}
	return out, "no handler on django.security, django or the root logger records WARNING in production"
}

func logName(n string) string {
	if n == "" {
		return "root"
	}
	return n
}

// logSecurityRecorded judges a LOGGING dict: logYes (or logMaybe) when some
// django.security record reaches a handler.
func logSecurityRecorded(lg *settings.Value) (logTri, string) {
	c := logConfig{root: lg}
	if inc := lg.Get("incremental"); inc != nil {
		if t, ok := inc.Truthy(); !ok || t {
			return logMaybe, ""
		}
	}
	origins := [][]string{{"django.security", "django"}}
	if loggers := lg.Get("loggers"); loggers != nil && loggers.Kind == settings.Dict {
		for _, k := range loggers.Keys {
			if k != nil && k.Kind == settings.Str && strings.HasPrefix(k.Str, "django.security.") {
				origins = append(origins, []string{k.Str, "django.security", "django"})
			}
		}
	}
	best, why := logNo, ""
	for i, o := range origins {
		t, w := c.records(o)
		if i == 0 {
			why = w
		}
		best = logOr(best, t)
	}
	return best, why
}

func checkSecurityLogging(p *Project, r *Reporter) {
	for _, m := range p.Settings {
		if m.Role != settings.Production {
			continue // the production module carries the finding
		}
		if lc, set := p.Get(m, "LOGGING_CONFIG"); set || lc != nil {
			if !lc.Known() || lc.Kind != settings.Str || lc.Str != "logging.config.dictConfig" {
				continue // None: the project configures logging itself
			}
		}
		lg, set := p.Get(m, "LOGGING")
		if lg == nil || !lg.Known() || lg.Kind != settings.Dict {
			continue
		}
		if len(lg.Items) == 0 {
			what := "LOGGING is not set"
			if set {
				what = "LOGGING is empty"
			}
			r.AtSetting(ruleSecurityLoggingMissing, m, "LOGGING", what+", so in production Django drops CSRF failures and other django.security warnings (its default handlers print only under DEBUG): add a LOGGING dict with a StreamHandler or FileHandler on the \"django.security\" logger at level WARNING")
			continue
		}
		if lg.HasUnknownKeys() {
			continue
		}
		t, why := logSecurityRecorded(lg)
		if t != logNo {
			continue
		}
		r.AtSetting(ruleSecurityLoggingMissing, m, "LOGGING", "LOGGING does not record Django's security events ("+why+"), so CSRF failures and DisallowedHost errors leave no trace: add a \"django.security\" logger at level WARNING with a StreamHandler or FileHandler")
	}
}

// Failed logins.

// logLoginRecorders are apps that record failed logins themselves.
var logLoginRecorders = []string{"axes", "defender", "easyaudit"}

func checkAuthFailureLogging(p *Project, r *Reporter) {
	receiver, scanned := false, false
	for _, m := range p.Settings {
		if m.Role != settings.Production || m.Opaque {
			continue
		}
		apps, _ := p.Get(m, "INSTALLED_APPS")
		if !apps.Known() || !apps.IsSequence() {
			continue
		}
		if auth, _ := apiInstalledApp(p, m, "django.contrib.auth"); auth == nil {
			continue // no logins to fail
		}
		recorded := false
		for _, app := range logLoginRecorders {
			item, known := apiInstalledApp(p, m, app)
			if item != nil || !known {
				recorded = true
				break
			}
		}
		if recorded {
			continue
		}
		if !scanned {
			receiver, scanned = logLoginFailedReceiver(p), true
		}
		if receiver {
			return
		}
		r.AtSetting(ruleAuthFailureLoggingMissing, m, "INSTALLED_APPS", "nothing records failed logins (no django-axes and no user_login_failed receiver in the code), so password guessing leaves no trace: add \"axes\" to INSTALLED_APPS, or log the user_login_failed signal from a receiver")
	}
}

// logLoginFailedReceiver looks through the project's code for a receiver of
// user_login_failed: @receiver(user_login_failed) (alone or in a list) or
// user_login_failed.connect(handler).
func logLoginFailedReceiver(p *Project) bool {
	for _, fp := range apiCodeFiles(p) {
		src := p.Files[fp]
		if !bytes.Contains(src, []byte("user_login_failed")) {
			continue
		}
		f := apiParse(src)
		if f == nil {
			continue
		}
		found := false
		pysrc.Walk(f.Root, func(n *pysrc.Node) bool {
			if found || n.Kind() != "call" {
				return !found
			}
			fn := n.ChildByFieldName("function")
			switch {
			case fn == nil:
			case fn.Kind() == "attribute" && f.Text(fn.ChildByFieldName("attribute")) == "connect":
				found = logLoginFailedSignal(f, fn.ChildByFieldName("object"))
			case f.Text(fn) == "receiver" || fn.Kind() == "attribute" && f.Text(fn.ChildByFieldName("attribute")) == "receiver":
				if args := pysrc.Named(n.ChildByFieldName("arguments")); len(args) > 0 {
					first := args[0]
					if first.Kind() == "list" || first.Kind() == "tuple" {
						for _, s := range pysrc.Named(first) {
							found = found || logLoginFailedSignal(f, s)
						}
					} else {
						found = logLoginFailedSignal(f, first)
					}
				}
			}
			return !found
		})
		f.Close()
		if found {
			return true
		}
	}
	return false
}

func logLoginFailedSignal(f *pysrc.File, n *pysrc.Node) bool {
	if n == nil {
		return false
	}
	switch n.Kind() {
	case "identifier":
		return f.Text(n) == "user_login_failed"
	case "attribute":
		return f.Text(n.ChildByFieldName("attribute")) == "user_login_failed"
	}
	return false
}

// Error monitoring and audit trails.

func checkErrorMonitoring(p *Project, r *Reporter) {
	for _, m := range p.Settings {
		if m.Role != settings.Production || m.Opaque {
			continue
		}
		if apps, _ := p.Get(m, "INSTALLED_APPS"); !apps.Known() {
			continue
		}
		if errorMonitoringConfigured(p, m) {
			continue
		}
		r.Emit(ruleErrorMonitoringMissing, m, settings.Pos{}, "error-monitoring", "no error tracker is configured (no sentry-sdk, rollbar, bugsnag or similar in the settings or requirements), so production exceptions go unnoticed: add one, e.g. sentry-sdk with sentry_sdk.init(dsn=os.environ.get(\"SENTRY_DSN\")) in the settings")
	}
}

// logAuditApps are audit trail packages: their INSTALLED_APPS module and
// distribution name.
var logAuditApps = []struct{ app, dist string }{
	{"auditlog", "django-auditlog"}, {"simple_history", "django-simple-history"}, {"easyaudit", "django-easy-audit"},
	{"reversion", "django-reversion"}, {"pghistory", "django-pghistory"}, {"field_history", "django-field-history"},
}

func checkAdminAuditLog(p *Project, r *Reporter) {
	for _, req := range p.Requirements {
		for _, a := range logAuditApps {
			if !req.Dev && req.Name == a.dist {
				return
			}
		}
	}
	for _, m := range p.Settings {
		if m.Role != settings.Production || m.Opaque {
			continue
		}
		missing := true
		for _, a := range logAuditApps {
			item, known := apiInstalledApp(p, m, a.app)
			if item != nil || !known {
				missing = false
				break
			}
		}
		if !missing {
			continue
		}
		if admin, known := apiInstalledApp(p, m, "django.contrib.admin"); admin == nil || !known {
			// No admin site, no admin actions to audit (or djsec cannot
			// tell): the checklist item is about admin actions.
			continue
		}
		r.AtSetting(ruleAdminAuditLogMissing, m, "INSTALLED_APPS", "no audit trail package is installed, so changes made by staff (in the admin or elsewhere) are not recorded with their before and after: add one such as django-auditlog (\"auditlog\" in INSTALLED_APPS) and register the models staff can change")
	}
}
