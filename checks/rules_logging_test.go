package checks

import "testing"

// loggingSrc wraps a LOGGING dict's handlers and loggers in a settings module.
func loggingSrc(handlers, loggers string) string {
	return "LOGGING = {\n    \"version\": 1,\n    \"disable_existing_loggers\": False,\n" +
		"    \"handlers\": {" + handlers + "},\n    \"loggers\": {" + loggers + "},\n}\n"
}

const loggingConsole = `"console": {"class": "logging.StreamHandler"}`

func TestSecurityLogging(t *testing.T) {
	t.Parallel()
	runRuleCases(t, []ruleCase{
		{name: "no LOGGING", rule: "DJS801", want: 1, sev: Medium, key: "LOGGING", line: 1, msg: "LOGGING is not set",
			src: "DEBUG = False\n"},
		{name: "empty LOGGING", rule: "DJS801", want: 1, line: 2, msg: "LOGGING is empty", src: "DEBUG = False\nLOGGING = {}\n"},
		{name: "only an app logger", rule: "DJS801", want: 1, line: 1, msg: "no handler on django.security",
			src: loggingSrc(loggingConsole, `"shop": {"handlers": ["console"], "level": "INFO"}`)},
		{name: "django.security to a NullHandler", rule: "DJS801", want: 1,
			src: loggingSrc(`"null": {"class": "logging.NullHandler"}`, `"django.security": {"handlers": ["null"], "propagate": False}`)},
		{name: "propagation stopped before the root handler", rule: "DJS801", want: 1, msg: "stops propagation",
			src: "LOGGING = {\"version\": 1, \"handlers\": {" + loggingConsole + ", \"null\": {\"class\": \"logging.NullHandler\"}}, " +
				"\"root\": {\"handlers\": [\"console\"]}, \"loggers\": {\"django\": {\"handlers\": [\"null\"], \"propagate\": False}}}\n"},
		{name: "django logger at ERROR", rule: "DJS801", want: 1, msg: "above WARNING",
			src: loggingSrc(loggingConsole, `"django": {"handlers": ["console"], "level": "ERROR"}`)},
		{name: "handler at ERROR", rule: "DJS801", want: 1,
			src: loggingSrc(`"mail": {"class": "django.utils.log.AdminEmailHandler", "level": "ERROR"}`, `"django": {"handlers": ["mail"]}`)},
		{name: "handler only under DEBUG", rule: "DJS801", want: 1,
			src: "LOGGING = {\"version\": 1, \"filters\": {\"debug\": {\"()\": \"django.utils.log.RequireDebugTrue\"}}, " +
				"\"handlers\": {\"console\": {\"class\": \"logging.StreamHandler\", \"filters\": [\"debug\"]}}, " +
				"\"loggers\": {\"django\": {\"handlers\": [\"console\"]}}}\n"},
		{name: "production module of split settings", rule: "DJS801", want: 1, path: "mysite/settings/production.py",
			files: map[string]string{"mysite/settings/base.py": "DEBUG = False\nINSTALLED_APPS = []\n", "mysite/settings/dev.py": "from .base import *\nDEBUG = True\n",
				"mysite/settings/production.py": "from .base import *\n"}},
		{name: "development module not judged", rule: "DJS801", want: 0,
			files: map[string]string{"mysite/settings/dev.py": "DEBUG = True\n"}},
		{name: "django.security logger", rule: "DJS801", want: 0,
			src: loggingSrc(loggingConsole, `"django.security": {"handlers": ["console"], "level": "WARNING", "propagate": False}`)},
		{name: "django logger with level unset", rule: "DJS801", want: 0,
			src: loggingSrc(loggingConsole, `"django": {"handlers": ["console"]}`)},
		{name: "root logger", rule: "DJS801", want: 0,
			src: "LOGGING = {\"version\": 1, \"handlers\": {" + loggingConsole + "}, \"root\": {\"handlers\": [\"console\"], \"level\": \"INFO\"}}\n"},
		{name: "root through loggers[\"\"]", rule: "DJS801", want: 0,
			src: loggingSrc(loggingConsole, `"": {"handlers": ["console"], "level": "WARNING"}`)},
		{name: "a django.security child", rule: "DJS801", want: 0,
			src: loggingSrc(loggingConsole, `"django.security.csrf": {"handlers": ["console"], "level": "WARNING"}`)},
		{name: "DisallowedHost silenced, the rest recorded", rule: "DJS801", want: 0,
			src: "LOGGING = {\"version\": 1, \"handlers\": {" + loggingConsole + ", \"null\": {\"class\": \"logging.NullHandler\"}}, " +
				"\"root\": {\"handlers\": [\"console\"]}, \"loggers\": {\"django.security.DisallowedHost\": {\"handlers\": [\"null\"], \"propagate\": False}}}\n"},
		{name: "level from the environment with a default", rule: "DJS801", want: 0,
			src: "import os\n" + loggingSrc(loggingConsole, `"django": {"handlers": ["console"], "level": os.getenv("DJANGO_LOG_LEVEL", "INFO")}`)},
		{name: "factory handler", rule: "DJS801", want: 0,
			src: loggingSrc(`"json": {"()": "shop.logging.JSONHandler"}`, `"django": {"handlers": ["json"]}`)},
		{name: "LOGGING built by code", rule: "DJS801", want: 0, src: "LOGGING = build_logging()\n"},
		{name: "LOGGING with a spread", rule: "DJS801", want: 0, src: "LOGGING = {**BASE_LOGGING, \"version\": 1}\n"},
		{name: "unknown level", rule: "DJS801", want: 0,
			src: "import os\n" + loggingSrc(loggingConsole, `"django": {"handlers": ["console"], "level": os.environ["LEVEL"]}`)},
		{name: "LOGGING_CONFIG None", rule: "DJS801", want: 0, src: "LOGGING_CONFIG = None\n"},
		{name: "opaque model", rule: "DJS801", want: 0, src: "from otherpkg.settings import *\n"},
	})
}

func TestAuthFailureLogging(t *testing.T) {
	t.Parallel()
	const apps = "INSTALLED_APPS = [\"django.contrib.auth\", \"shop\"]\n"
	runRuleCases(t, []ruleCase{
		// Nothing limits logins either: one DJS605 finding stands for both.
		{name: "nothing records failed logins", rule: "DJS802", want: 1, sev: High, key: "rate-limit", line: 1, src: apps},
		{name: "logins throttled but failures unrecorded", rule: "DJS802", want: 1, sev: Medium, line: 1,
			src: apps + "INSTALLED_APPS += [\"rest_framework\"]\nREST_FRAMEWORK = {\"DEFAULT_THROTTLE_CLASSES\": [\"rest_framework.throttling.AnonRateThrottle\"], \"DEFAULT_THROTTLE_RATES\": {\"anon\": \"20/min\"}}\n"},
		{name: "axes", rule: "DJS802", want: 0, src: "INSTALLED_APPS = [\"django.contrib.auth\", \"axes\"]\n"},
		{name: "axes AppConfig", rule: "DJS802", want: 0, src: "INSTALLED_APPS = [\"django.contrib.auth\", \"axes.apps.AppConfig\"]\n"},
		{name: "receiver decorator", rule: "DJS802", want: 0, files: map[string]string{
			"mysite/settings.py": apps,
			"shop/signals.py":    "from django.contrib.auth.signals import user_login_failed\nfrom django.dispatch import receiver\n@receiver(user_login_failed)\ndef log(sender, **kw):\n    pass\n"}},
		{name: "receiver for a list of signals", rule: "DJS802", want: 0, files: map[string]string{
			"mysite/settings.py": apps,
			"shop/signals.py":    "from django.contrib.auth import signals\n@receiver([signals.user_logged_in, signals.user_login_failed])\ndef log(sender, **kw):\n    pass\n"}},
		{name: "connect", rule: "DJS802", want: 0, files: map[string]string{
			"mysite/settings.py": apps,
			"shop/apps.py":       "class ShopConfig(AppConfig):\n    def ready(self):\n        user_login_failed.connect(log_failure)\n"}},
		{name: "receiver only in a test", rule: "DJS802", want: 1, files: map[string]string{
			"mysite/settings.py":  apps,
			"shop/test_signal.py": "@receiver(user_login_failed)\ndef log(sender, **kw):\n    pass\n"}},
		{name: "mentioned but not received", rule: "DJS802", want: 1, files: map[string]string{
			"mysite/settings.py": apps,
			"shop/notes.py":      "# TODO: handle user_login_failed\nuser_login_failed.send(sender=None)\n"}},
		{name: "not on pull requests", rule: "DJS802", want: 0, pr: true, src: apps},
		{name: "development module", rule: "DJS802", want: 0, files: map[string]string{"mysite/settings/dev.py": apps}},
		{name: "INSTALLED_APPS unknown", rule: "DJS802", want: 0, src: "INSTALLED_APPS = apps()\n"},
		{name: "no auth app", rule: "DJS802", want: 0, src: "INSTALLED_APPS = [\"shop\"]\n"},
		{name: "opaque model", rule: "DJS802", want: 0, src: apps + "from otherpkg.settings import *\n"},
	})
}

func TestErrorMonitoring(t *testing.T) {
	t.Parallel()
	const apps = "INSTALLED_APPS = [\"django.contrib.auth\"]\n"
	runRuleCases(t, []ruleCase{
		// No ADMINS either: one DJS205 finding stands for both.
		{name: "no tracker", rule: "DJS803", want: 1, sev: Low, key: "ADMINS", line: 1, src: apps},
		{name: "no tracker, ADMINS set", rule: "DJS803", want: 1, sev: Low, key: "error-monitoring", line: 1,
			src: apps + "ADMINS = [(\"Ops\", \"ops@example.com\")]\n"},
		{name: "sentry initialised", rule: "DJS803", want: 0,
			src: apps + "import sentry_sdk\nsentry_sdk.init(dsn=\"https://x@sentry.io/1\")\n"},
		{name: "rollbar middleware", rule: "DJS803", want: 0,
			src: apps + "MIDDLEWARE = [\"rollbar.contrib.django.middleware.RollbarNotifierMiddleware\"]\n"},
		{name: "sentry-sdk in requirements", rule: "DJS803", want: 0,
			files: map[string]string{"mysite/settings.py": apps, "requirements.txt": "Django==5.2.1\nsentry-sdk[django]==2.19.0\n"}},
		{name: "sentry-sdk only as a development requirement", rule: "DJS803", want: 1,
			files: map[string]string{"mysite/settings.py": apps, "requirements-dev.txt": "sentry-sdk==2.19.0\n"}},
		{name: "development module", rule: "DJS803", want: 0, files: map[string]string{"mysite/settings/local.py": apps}},
		{name: "opaque model", rule: "DJS803", want: 0, src: apps + "from otherpkg.settings import *\n"},
		{name: "INSTALLED_APPS unknown", rule: "DJS803", want: 0, src: "INSTALLED_APPS = apps()\n"},
	})
}

func TestAdminAuditLog(t *testing.T) {
	t.Parallel()
	const apps = "INSTALLED_APPS = [\"django.contrib.admin\", \"django.contrib.auth\"]\n"
	runRuleCases(t, []ruleCase{
		{name: "no audit trail", rule: "DJS804", want: 1, sev: Low, key: "INSTALLED_APPS", line: 1, src: apps},
		{name: "auditlog", rule: "DJS804", want: 0, src: "INSTALLED_APPS = [\"django.contrib.admin\", \"auditlog\"]\n"},
		{name: "simple_history", rule: "DJS804", want: 0, src: "INSTALLED_APPS = [\"simple_history\"]\n"},
		{name: "reversion", rule: "DJS804", want: 0, src: "INSTALLED_APPS = [\"reversion\"]\n"},
		{name: "appended later", rule: "DJS804", want: 0, src: apps + "INSTALLED_APPS += [\"easyaudit\"]\n"},
		{name: "package in requirements", rule: "DJS804", want: 0,
			files: map[string]string{"mysite/settings.py": apps, "requirements.txt": "django-simple-history==3.7.0\n"}},
		{name: "package in pyproject", rule: "DJS804", want: 0,
			files: map[string]string{"mysite/settings.py": apps, "pyproject.toml": "[project]\nname = \"shop\"\ndependencies = [\"django-auditlog>=3\"]\n"}},
		{name: "development module", rule: "DJS804", want: 0, files: map[string]string{"mysite/settings/dev.py": apps}},
		{name: "INSTALLED_APPS with an unknown entry", rule: "DJS804", want: 0, src: "INSTALLED_APPS = [\"django.contrib.admin\", extra_app()]\n"},
		{name: "opaque model", rule: "DJS804", want: 0, src: apps + "from otherpkg.settings import *\n"},
	})
}
