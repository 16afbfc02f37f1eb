package checks

import (
	"testing"
)

// debugEnviron starts a django-environ settings module.
const debugEnviron = "import environ\nenv = environ.Env()\n"

// debugApps makes a module a whole settings module rather than a fragment,
// so what it leaves unset takes Django's defaults.
const debugApps = "INSTALLED_APPS = [\"django.contrib.admin\"]\n"

func TestDebugEnabled(t *testing.T) {
	t.Parallel()
	runRuleCases(t, []ruleCase{
		{name: "literal True", rule: "DJS201", want: 1, sev: Critical, line: 2, key: "DEBUG", django: "security.W018",
			src: "import os\nDEBUG = True\n"},
		{name: "literal False", rule: "DJS201", want: 0, src: "DEBUG = False\n"},
		{name: "unset", rule: "DJS201", want: 0, src: "ALLOWED_HOSTS = ['example.com']\n"},
		{name: "the string False is truthy", rule: "DJS201", want: 1, django: "security.W018", msg: "string",
			src: "DEBUG = 'False'\n"},
		{name: "comparison with a true default", rule: "DJS201", want: 1, django: "security.W018", msg: "DEBUG is unset",
			src: "import os\nDEBUG = os.environ.get('DEBUG', 'True') == 'True'\n"},
		{name: "comparison with a false default", rule: "DJS201", want: 0,
			src: "import os\nDEBUG = os.environ.get('DEBUG', 'False') == 'True'\n"},
		{name: "lower in idiom", rule: "DJS201", want: 1,
			src: "import os\nDEBUG = os.getenv('DJANGO_DEBUG', 'true').lower() in ('1', 'true', 'yes')\n"},
		{name: "uncast False default", rule: "DJS201", want: 0, src: "import os\nDEBUG = os.getenv('DEBUG', False)\n"},
		{name: "uncast string default", rule: "DJS201", want: 1, django: "security.W018", msg: "string",
			src: "import os\nDEBUG = os.getenv('DEBUG', 'False')\n"},
		{name: "decouple default True", rule: "DJS201", want: 1,
			src: "from decouple import config\nDEBUG = config('DEBUG', default=True, cast=bool)\n"},
		{name: "decouple default False", rule: "DJS201", want: 0,
			src: "from decouple import config\nDEBUG = config('DEBUG', default=False, cast=bool)\n"},
		{name: "environ bool default", rule: "DJS201", want: 1, src: debugEnviron + "DEBUG = env.bool('DEBUG', default=True)\n"},
		{name: "environ scheme", rule: "DJS201", want: 1,
			src: "import environ\nenv = environ.Env(DEBUG=(bool, True))\nDEBUG = env('DEBUG')\n"},
		{name: "environ scheme off", rule: "DJS201", want: 0,
			src: "import environ\nenv = environ.Env(DEBUG=(bool, False))\nDEBUG = env('DEBUG')\n"},
		{name: "required read", rule: "DJS201", want: 0, src: "import os\nDEBUG = os.environ['DEBUG'] == '1'\n"},
		{name: "unknown", rule: "DJS201", want: 0, src: "DEBUG = get_debug()\n"},
		{name: "undecided condition", rule: "DJS201", want: 0,
			src: "import os\nif os.environ.get('PRODUCTION'):\n    DEBUG = False\nelse:\n    DEBUG = True\n"},
		{name: "on in every branch", rule: "DJS201", want: 1,
			src: "import os\nif os.environ.get('PRODUCTION'):\n    DEBUG = True\nelse:\n    DEBUG = 1\n"},
		{name: "dev module silent, production silent", rule: "DJS201", want: 0, path: "mysite/settings/dev.py", line: 2,
			files: secretsSplit("DEBUG = False\n", "DEBUG = True\n", "")},
		{name: "base seen from production", rule: "DJS201", want: 1, sev: Critical, path: "mysite/settings/base.py",
			files: secretsSplit("DEBUG = True\n", "", "")},
		{name: "production turns it off", rule: "DJS201", want: 0,
			files: secretsSplit("DEBUG = True\n", "", "DEBUG = False\n")},
		{name: "suppressed", rule: "DJS201", want: 0, src: "DEBUG = True  # djsec: ignore[DJS201] local only\n"},
		{name: "nosec", rule: "DJS201", want: 0, src: "DEBUG = True  # nosec\n"},
	})
}

func TestAllowedHostsWildcard(t *testing.T) {
	t.Parallel()
	runRuleCases(t, []ruleCase{
		{name: "star", rule: "DJS202", want: 1, sev: High, line: 1, key: "ALLOWED_HOSTS", django: "none",
			src: "ALLOWED_HOSTS = ['*']\n"},
		{name: "star among others", rule: "DJS202", want: 1, src: "ALLOWED_HOSTS = ['example.com', '*']\n"},
		{name: "string", rule: "DJS202", want: 1, src: "ALLOWED_HOSTS = '*'\n"},
		{name: "domains", rule: "DJS202", want: 0, src: "ALLOWED_HOSTS = ['.example.com', 'example.org']\n"},
		{name: "env default split", rule: "DJS202", want: 1, msg: "ALLOWED_HOSTS is unset",
			src: "import os\nALLOWED_HOSTS = os.environ.get('ALLOWED_HOSTS', '*').split(',')\n"},
		{name: "environ list default", rule: "DJS202", want: 1,
			src: debugEnviron + "ALLOWED_HOSTS = env.list('ALLOWED_HOSTS', default=['*'])\n"},
		{name: "decouple Csv default", rule: "DJS202", want: 1,
			src: "from decouple import config, Csv\nALLOWED_HOSTS = config('ALLOWED_HOSTS', default='*', cast=Csv())\n"},
		{name: "required read", rule: "DJS202", want: 0, src: "import os\nALLOWED_HOSTS = os.environ['ALLOWED_HOSTS'].split(',')\n"},
		{name: "unknown", rule: "DJS202", want: 0, src: "ALLOWED_HOSTS = hosts()\n"},
		{name: "unset", rule: "DJS202", want: 0, src: "DEBUG = False\n"},
		{name: "dev module silent", rule: "DJS202", want: 0,
			files: secretsSplit("ALLOWED_HOSTS = ['example.com']\n", "ALLOWED_HOSTS = ['*']\n", "")},
	})
}

func TestAllowedHostsEmpty(t *testing.T) {
	t.Parallel()
	runRuleCases(t, []ruleCase{
		{name: "empty list", rule: "DJS203", want: 1, sev: Medium, line: 2, key: "ALLOWED_HOSTS", django: "security.W020",
			src: "DEBUG = False\nALLOWED_HOSTS = []\n"},
		{name: "whatever DEBUG says", rule: "DJS203", want: 1, django: "security.W020",
			src: "DEBUG = True\nALLOWED_HOSTS = []\n"},
		{name: "unset takes the default", rule: "DJS203", want: 1, line: 1, msg: "not set", src: debugApps + "DEBUG = False\n"},
		{name: "empty string", rule: "DJS203", want: 1, src: "ALLOWED_HOSTS = ''\n"},
		{name: "domains", rule: "DJS203", want: 0, src: "ALLOWED_HOSTS = ['example.com']\n"},
		{name: "wildcard passes W020", rule: "DJS203", want: 0, src: "ALLOWED_HOSTS = ['*']\n"},
		{name: "required env read", rule: "DJS203", want: 0, src: "import os\nALLOWED_HOSTS = os.environ['ALLOWED_HOSTS'].split(',')\n"},
		{name: "empty env default fails closed", rule: "DJS203", want: 0,
			src: debugEnviron + "ALLOWED_HOSTS = env.list('ALLOWED_HOSTS', default=[])\n"},
		{name: "unknown", rule: "DJS203", want: 0, src: "ALLOWED_HOSTS = hosts()\n"},
		{name: "opaque module", rule: "DJS203", want: 0, src: "from somewhere_else import *\nDEBUG = False\n"},
		{name: "appended later", rule: "DJS203", want: 0, src: "ALLOWED_HOSTS = []\nALLOWED_HOSTS.append('example.com')\n"},
		{name: "dev module silent", rule: "DJS203", want: 0, path: "mysite/settings/dev.py",
			files: secretsSplit("DEBUG = False\n", "ALLOWED_HOSTS = []\n", "ALLOWED_HOSTS = ['example.com']\n")},
	})
}

func TestDebugPropagateExceptions(t *testing.T) {
	t.Parallel()
	runRuleCases(t, []ruleCase{
		{name: "True", rule: "DJS204", want: 1, sev: High, line: 1, key: "DEBUG_PROPAGATE_EXCEPTIONS",
			src: "DEBUG_PROPAGATE_EXCEPTIONS = True\n"},
		{name: "truthy string from env default", rule: "DJS204", want: 1, msg: "unset",
			src: "import os\nDEBUG_PROPAGATE_EXCEPTIONS = os.getenv('PROPAGATE', 'False')\n"},
		{name: "False", rule: "DJS204", want: 0, src: "DEBUG_PROPAGATE_EXCEPTIONS = False\n"},
		{name: "unset", rule: "DJS204", want: 0, src: "DEBUG = False\n"},
		{name: "unknown", rule: "DJS204", want: 0, src: "DEBUG_PROPAGATE_EXCEPTIONS = flag()\n"},
	})
}

func TestAdminsMissing(t *testing.T) {
	t.Parallel()
	runRuleCases(t, []ruleCase{
		{name: "nothing configured", rule: "DJS205", want: 1, sev: Low, line: 1, key: "ADMINS", src: debugApps + "DEBUG = False\n"},
		{name: "empty ADMINS", rule: "DJS205", want: 1, line: 3, src: debugApps + "DEBUG = False\nADMINS = []\n"},
		{name: "ADMINS set", rule: "DJS205", want: 0, src: "ADMINS = [('Ops', 'ops@example.com')]\n"},
		{name: "ADMINS unknown", rule: "DJS205", want: 0, src: "ADMINS = load_admins()\n"},
		{name: "ADMINS from the environment", rule: "DJS205", want: 0,
			src: debugEnviron + "ADMINS = env.list('ADMINS', default=[])\n"},
		{name: "sentry initialised", rule: "DJS205", want: 0,
			src: "import os\nimport sentry_sdk\nsentry_sdk.init(dsn=os.environ['SENTRY_DSN'])\n"},
		{name: "sentry imported from", rule: "DJS205", want: 0,
			src: "from sentry_sdk.integrations.django import DjangoIntegration\n"},
		{name: "rollbar middleware", rule: "DJS205", want: 0,
			src: "MIDDLEWARE = ['rollbar.contrib.django.middleware.RollbarNotifierMiddleware']\n"},
		{name: "raven app", rule: "DJS205", want: 0, src: "INSTALLED_APPS = ['raven.contrib.django.raven_compat']\n"},
		{name: "logging handler", rule: "DJS205", want: 0,
			src: "LOGGING = {'version': 1, 'handlers': {'bugsnag': {'class': 'bugsnag.handlers.BugsnagHandler'}}}\n"},
		{name: "requirement", rule: "DJS205", want: 0,
			files: map[string]string{"mysite/settings.py": debugApps, "requirements.txt": "Django==5.2.1\nsentry-sdk[django]==2.19.0\n"}},
		{name: "dev requirement does not count", rule: "DJS205", want: 1,
			files: map[string]string{"mysite/settings.py": debugApps, "requirements-dev.txt": "sentry-sdk==2.19.0\n"}},
		{name: "dev module not judged", rule: "DJS205", want: 0, files: map[string]string{"mysite/settings/local.py": "DEBUG = True\nSECRET_KEY = 'x'\n"}},
		{name: "opaque module", rule: "DJS205", want: 0, src: "from company_defaults import *\n"},
		{name: "opaque module with empty ADMINS", rule: "DJS205", want: 0, src: "from company_defaults import *\nADMINS = []\n"},
	})
}

func TestDebugEnvUncast(t *testing.T) {
	t.Parallel()
	runRuleCases(t, []ruleCase{
		{name: "getenv False default", rule: "DJS206", want: 1, sev: High, line: 2, key: "DEBUG", msg: "\"False\"",
			src: "import os\nDEBUG = os.getenv('DEBUG', False)\n"},
		{name: "no default", rule: "DJS206", want: 1, src: "import os\nDEBUG = os.environ.get('DEBUG')\n"},
		{name: "required", rule: "DJS206", want: 1, src: "import os\nDEBUG = os.environ['DJANGO_DEBUG']\n", msg: "DJANGO_DEBUG"},
		{name: "decouple without cast", rule: "DJS206", want: 1, src: "from decouple import config\nDEBUG = config('DEBUG', default=False)\n"},
		{name: "decouple cast", rule: "DJS206", want: 0, src: "from decouple import config\nDEBUG = config('DEBUG', default=False, cast=bool)\n"},
		{name: "comparison", rule: "DJS206", want: 0, src: "import os\nDEBUG = os.getenv('DEBUG', 'False') == 'True'\n"},
		{name: "lower in", rule: "DJS206", want: 0, src: "import os\nDEBUG = os.getenv('DEBUG', '').lower() in ('1', 'true')\n"},
		{name: "int cast", rule: "DJS206", want: 0, src: "import os\nDEBUG = int(os.getenv('DEBUG', '0'))\n"},
		{name: "environ bool", rule: "DJS206", want: 0, src: debugEnviron + "DEBUG = env.bool('DEBUG', default=False)\n"},
		{name: "environ smart cast by the default's type", rule: "DJS206", want: 0, src: debugEnviron + "DEBUG = env('DEBUG', default=False)\n"},
		{name: "environ string default stays a string", rule: "DJS206", want: 1, src: debugEnviron + "DEBUG = env('DEBUG', default='False')\n"},
		{name: "environ without default", rule: "DJS206", want: 1, src: debugEnviron + "DEBUG = env('DEBUG')\n"},
		{name: "literal", rule: "DJS206", want: 0, src: "DEBUG = False\n"},
		{name: "CORS allow-all", rule: "DJS206", want: 1, sev: High, key: "CORS_ALLOW_ALL_ORIGINS",
			src: "import os\nCORS_ALLOW_ALL_ORIGINS = os.getenv('CORS_ALLOW_ALL', False)\n"},
		{name: "is-True flag", rule: "DJS206", want: 1, sev: Medium, key: "SECURE_SSL_REDIRECT", msg: "security.W008",
			src: "import os\nSECURE_SSL_REDIRECT = os.getenv('SECURE_SSL_REDIRECT', True)\n"},
		{name: "cookie flags", rule: "DJS206", want: 2,
			src: "import os\nSESSION_COOKIE_SECURE = os.environ.get('COOKIE_SECURE', 'True')\nCSRF_COOKIE_SECURE = os.environ.get('COOKIE_SECURE', 'True')\n"},
		{name: "unrelated setting", rule: "DJS206", want: 0, src: "import os\nTIME_ZONE = os.getenv('TZ', 'UTC')\n"},
		{name: "dev module silent", rule: "DJS206", want: 0,
			files: secretsSplit("DEBUG = False\n", "import os\nDEBUG = os.getenv('DEBUG', True)\n", "")},
	})
}
