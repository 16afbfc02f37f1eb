package checks

import (
	"context"
	"strings"
	"testing"
	"time"
)

// depsCase is one analysis and the findings one rule must produce, each
// rendered "path:line:col severity key".
type depsCase struct {
	name  string
	files map[string]string
	now   time.Time // zero: the helpers' date, 2026-11-27
	want  []string
	// msg must appear in every finding's message.
	msg string
}

// depsRun analyzes the files at c.now (or analyzeFiles' date) and compares
// the findings of rule.
func depsRun(t *testing.T, rule string, c depsCase) {
	t.Helper()
	var res *Result
	if c.now.IsZero() {
		res = analyzeFiles(t, c.files)
	} else {
		in := Input{Files: map[string][]byte{}, Now: c.now, Audit: true}
		for p, s := range c.files {
			in.Files[p] = []byte(s)
		}
		res = Analyze(context.Background(), in)
	}
	var got []string
	for _, f := range findingsOf(res, rule) {
		got = append(got, f.Path+":"+itoa(f.Line)+":"+itoa(f.Column)+" "+f.Severity.String()+" "+f.Key)
		if c.msg != "" && !strings.Contains(f.Message, c.msg) {
			t.Errorf("message %q does not contain %q", f.Message, c.msg)
		}
	}
	if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
		t.Errorf("%s findings:\n got: %v\nwant: %v\n(all: %s; errors: %v)", rule, got, c.want, ruleIDs(res), res.Errors)
	}
}

func depsRunAll(t *testing.T, rule string, cases []depsCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			depsRun(t, rule, c)
		})
	}
}

func TestDjangoEOL(t *testing.T) {
	t.Parallel()
	req := func(s string) map[string]string { return map[string]string{"requirements.txt": s} }
	depsRunAll(t, "DJS1001", []depsCase{
		{name: "pinned past end of support", files: req("Django==4.2.11\n"),
			want: []string{"requirements.txt:1:1 high django"},
			msg:  "Django 4.2.11 is pinned, and security support for Django 4.2 LTS ended on 2026-04-07, so new vulnerabilities stay unfixed: upgrade to Django 6.1, 6.0 or 5.2 LTS"},
		{name: "range capped to an ended series", files: req("# deps\nDjango>=4.2,<4.3\n"),
			want: []string{"requirements.txt:2:1 high django"}, msg: `"Django>=4.2,<4.3" allows at most Django 4.2`},
		{name: "compatible release", files: req("Django~=4.2.0\n"), want: []string{"requirements.txt:1:1 high django"}},
		{name: "wildcard", files: req("Django==5.1.*\n"), want: []string{"requirements.txt:1:1 high django"}, msg: "Django 5.1 ended on 2025-12-03"},
		{name: "highest allowed series ended", files: req("Django>=5.0,<5.2\n"), want: []string{"requirements.txt:1:1 high django"}, msg: "at most Django 5.1"},
		{name: "inclusive bound", files: req("Django<=5.0.14\n"), want: []string{"requirements.txt:1:1 high django"}, msg: "at most Django 5.0"},
		{name: "older than the table", files: req("Django==2.2.28\n"),
			want: []string{"requirements.txt:1:1 high django"}, msg: "Django 2.2.28 is pinned, older than Django 3.2 LTS, whose security support ended on 2024-04-01"},
		{name: "range below the table", files: req("django<3\n"),
			want: []string{"requirements.txt:1:1 high django"}, msg: `"Django<3" allows only Django versions below 3, older than Django 3.2 LTS`},
		{name: "Poetry caret", files: map[string]string{"pyproject.toml": "[tool.poetry.dependencies]\npython = \"^3.11\"\nDjango = \"^4.2\"\n"},
			want: []string{"pyproject.toml:3:1 high django"}},
		{name: "input range and its pin report once, on the pin", files: map[string]string{"requirements_base.txt": "Django>=4.2,<4.3\n", "requirements.txt": "Django==4.2.11\n"},
			want: []string{"requirements.txt:1:1 high django"}},
		{name: "Pipfile pin", files: map[string]string{"Pipfile": "[packages]\ndjango = \"==5.1.3\"\n"},
			want: []string{"Pipfile:2:1 high django"}},
		{name: "pinned by a constraints file", files: map[string]string{"requirements.txt": "Django\n-c constraints.txt\n", "constraints.txt": "Django==4.1.13\n"},
			want: []string{"requirements.txt:1:1 high django"}, msg: "Django 4.1.13 is pinned"},
		{name: "ending within 90 days", files: req("Django==6.0.9\n"), now: time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC),
			want: []string{"requirements.txt:1:1 medium django"},
			msg:  "security support for Django 6.0 ends on 2027-04-30, in 61 days: plan the upgrade to Django 6.1"},
		{name: "projected date is said so", files: req("Django==6.1.3\n"), now: time.Date(2027, 11, 1, 0, 0, 0, 0, time.UTC),
			want: []string{"requirements.txt:1:1 medium django"}, msg: "ends on 2027-12 (projected)"},
		{name: "ended the day before", files: req("Django==6.0.9\n"), now: time.Date(2027, 5, 1, 0, 0, 0, 0, time.UTC),
			want: []string{"requirements.txt:1:1 high django"}},
		{name: "last day of support", files: req("Django==6.0.9\n"), now: time.Date(2027, 4, 30, 23, 0, 0, 0, time.UTC),
			want: []string{"requirements.txt:1:1 medium django"}, msg: "in 1 days"},
		{name: "both manifests", files: map[string]string{"requirements.txt": "Django==4.2.11\n", "pyproject.toml": "[project]\ndependencies = [\"Django==4.2.11\"]\n"},
			want: []string{"pyproject.toml:2:18 high django", "requirements.txt:1:1 high django"}},

		{name: "locked by poetry.lock", files: map[string]string{"pyproject.toml": "[tool.poetry.dependencies]\npython = \"^3.11\"\nDjango = \"^4.2\"\n",
			"poetry.lock": "[[package]]\nname = \"django\"\nversion = \"4.2.10\"\n"},
			want: []string{"pyproject.toml:3:1 high django"}, msg: "Django 4.2.10 is locked in poetry.lock, and security support for Django 4.2 LTS ended"},
		{name: "Django only the lock lists", files: map[string]string{"pyproject.toml": "[project]\ndependencies = [\"wagtail>=6\"]\n",
			"uv.lock": "version = 1\n[[package]]\nname = \"wagtail\"\nversion = \"6.0\"\nsource = { registry = \"https://pypi.org/simple\" }\ndependencies = [{ name = \"django\" }]\n" +
				"[[package]]\nname = \"django\"\nversion = \"5.0.14\"\nsource = { registry = \"https://pypi.org/simple\" }\n"},
			want: []string{"uv.lock:8:1 high django"}, msg: "Django 5.0.14 is locked in uv.lock"},

		// Silent.
		{name: "supported LTS", files: req("Django==5.2.8\n")},
		{name: "lock pins a supported release", files: map[string]string{"Pipfile": "[packages]\ndjango = \">=4.2\"\n",
			"Pipfile.lock": `{"default": {"django": {"version": "==5.2.18"}}}`}},
		{name: "Django only in the lock's development section", files: map[string]string{"Pipfile": "[packages]\nrequests = \"*\"\n",
			"Pipfile.lock": `{"default": {"requests": {"version": "==2.32.3"}}, "develop": {"django": {"version": "==4.1.13"}}}`}},
		{name: "supported series far from its end", files: req("Django==6.0.9\n")},
		{name: "range ends in a supported series", files: req("Django>=4.2,<6\n")},
		{name: "no upper bound", files: req("Django>=4.2\n")},
		{name: "unpinned", files: req("Django\n")},
		{name: "unsatisfiable range", files: req("Django>=6.0,<5\n")},
		{name: "series djsec does not know", files: req("Django==7.0\n")},
		{name: "range reaching beyond the table", files: req("Django>=5.2,<2029\n"), now: time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)},
		{name: "series that does not exist", files: req("Django==4.3.1\n")},
		{name: "development manifest", files: map[string]string{"requirements-dev.txt": "Django==4.2.11\n"}},
		{name: "direct URL", files: req("Django @ https://example.com/Django-4.2.11.tar.gz\n")},
		{name: "unreadable Poetry union", files: map[string]string{"pyproject.toml": "[tool.poetry.dependencies]\nDjango = \"^4.1 || ^4.2\"\n"}},
		{name: "suppressed on the line", files: req("Django==4.2.11  # djsec: ignore[DJS1001] upgrade planned for Q1\n")},
		{name: "input range beside the compiled pin", files: map[string]string{"requirements/base.in.txt": "Django>=4.2,<4.3\n", "requirements/prod.txt": "Django==5.2.8\n"}},
	})
}

func TestDependencyUnpinned(t *testing.T) {
	t.Parallel()
	req := func(s string) map[string]string { return map[string]string{"requirements.txt": s} }
	depsRunAll(t, "DJS1003", []depsCase{
		{name: "lower bound only", files: req("Django>=4.2\n"), want: []string{"requirements.txt:1:1 low django"}, msg: `django has only ">=4.2"`},
		{name: "no version", files: req("six==1.16\ndjangorestframework\n"), want: []string{"requirements.txt:2:1 low djangorestframework"}, msg: "no version at all"},
		{name: "name normalised", files: req("PyJWT>=2\nDjango_Cors_Headers\n"),
			want: []string{"requirements.txt:1:1 low pyjwt", "requirements.txt:2:1 low django-cors-headers"}},
		{name: "every security package", files: req("djangorestframework-simplejwt\ndjango-axes\ndjango-ratelimit\ndj-rest-auth\ndjango-allauth\ndjango-csp\ncryptography\n"),
			want: []string{"requirements.txt:1:1 low djangorestframework-simplejwt", "requirements.txt:2:1 low django-axes", "requirements.txt:3:1 low django-ratelimit",
				"requirements.txt:4:1 low dj-rest-auth", "requirements.txt:5:1 low django-allauth", "requirements.txt:6:1 low django-csp", "requirements.txt:7:1 low cryptography"}},
		{name: "Poetry star without a lock", files: map[string]string{"pyproject.toml": "[tool.poetry.dependencies]\npython = \"^3.12\"\nDjango = \"*\"\n"},
			want: []string{"pyproject.toml:3:1 low django"}},
		{name: "lock file elsewhere", files: map[string]string{"backend/requirements.txt": "Django>=5\n", "poetry.lock": "# lock\n"},
			want: []string{"backend/requirements.txt:1:1 low django"}},
		{name: "pins of another project", files: map[string]string{"backend/requirements.txt": "Django>=5\n", "requirements.txt": "Django==5.2.8\n"},
			want: []string{"backend/requirements.txt:1:1 low django"}},
		{name: "pins only for development", files: map[string]string{"requirements.txt": "Django>=5\n", "requirements-dev.txt": "Django==5.2.8\n"},
			want: []string{"requirements.txt:1:1 low django"}},
		{name: "PEP 621 without a lock", files: map[string]string{"pyproject.toml": "[project]\ndependencies = [\n  \"cryptography>=42\",\n]\n"},
			want: []string{"pyproject.toml:3:4 low cryptography"}},

		// Silent.
		{name: "exact pin", files: req("Django==5.2.8\n")},
		{name: "arbitrary equality", files: req("Django===5.2.8\n")},
		{name: "upper bound", files: req("Django>=5.2,<6\n")},
		{name: "compatible release", files: req("Django~=5.2\n")},
		{name: "series wildcard", files: req("Django==5.2.*\n")},
		{name: "Poetry caret", files: map[string]string{"pyproject.toml": "[tool.poetry.dependencies]\nDjango = \"^5.2\"\n"}},
		{name: "not a security package", files: req("requests>=2\ncelery\n")},
		{name: "development manifest", files: map[string]string{"requirements-dev.txt": "Django>=4.2\n"}},
		{name: "Poetry lock", files: map[string]string{"pyproject.toml": "[tool.poetry.dependencies]\nDjango = \"*\"\n", "poetry.lock": "# lock\n"}},
		{name: "Pipfile lock", files: map[string]string{"Pipfile": "[packages]\ndjango = \"*\"\n", "Pipfile.lock": "{}\n"}},
		{name: "uv lock", files: map[string]string{"app/pyproject.toml": "[project]\ndependencies = [\"django>=5\"]\n", "app/uv.lock": "version = 1\n"}},
		{name: "pdm lock", files: map[string]string{"pyproject.toml": "[project]\ndependencies = [\"django>=5\"]\n", "pdm.lock": "# lock\n"}},
		{name: "bounded by a constraints file", files: map[string]string{"requirements.txt": "cryptography\n-c constraints.txt\n", "constraints.txt": "cryptography<44\n"}},
		{name: "direct URL", files: req("django @ git+https://github.com/django/django.git@5.2.8\n")},
		{name: "editable VCS", files: req("-e git+https://github.com/encode/django-rest-framework.git@3.15.2#egg=djangorestframework\n")},
		{name: "unreadable specifier", files: map[string]string{"pyproject.toml": "[tool.poetry.dependencies]\nDjango = \"^4.2 || ^5.2\"\n"}},
		{name: "pip-tools input beside its lock", files: map[string]string{"requirements.in": "django\n", "requirements.txt": "django==5.2.8\n"}},
		{name: "input list beside exact pins", files: map[string]string{"direct-requirements.txt": "django-cors-headers\nDjango>=5.2\n", "requirements.txt": "django-cors-headers==4.9.0\nDjango==5.2.8\n"}},
		{name: "pyproject beside compiled pins", files: map[string]string{
			"pyproject.toml":        "[project]\ndependencies = [\"django>=5\"]\n",
			"requirements/prod.txt": "django==5.2.8\n",
		}},
		{name: "a lock of the same project", files: map[string]string{"requirements/base.txt": "Django>=5\n", "poetry.lock": "[[package]]\nname = \"django\"\nversion = \"5.2.8\"\noptional = false\nfiles = []\n"}},
	})
}

func TestDevToolInProduction(t *testing.T) {
	t.Parallel()
	const mw = `MIDDLEWARE = ["django.middleware.security.SecurityMiddleware", "debug_toolbar.middleware.DebugToolbarMiddleware"]` + "\n"
	depsRunAll(t, "DJS1004", []depsCase{
		{name: "app and middleware unconditionally", files: map[string]string{"mysite/settings.py": "DEBUG = False\nINSTALLED_APPS = [\n    \"django.contrib.admin\",\n    \"debug_toolbar\",\n]\n" + mw},
			want: []string{"mysite/settings.py:6:64 medium debug_toolbar"},
			msg:  "debug_toolbar.middleware.DebugToolbarMiddleware is in MIDDLEWARE and debug_toolbar in INSTALLED_APPS of the production settings unconditionally"},
		{name: "AppConfig path and a subclassed middleware", files: map[string]string{"mysite/settings.py": "INSTALLED_APPS = [\"debug_toolbar.apps.DebugToolbarConfig\"]\nMIDDLEWARE = [\"graphql_tools.middleware.DebugToolbarMiddleware\"]\n"},
			want: []string{"mysite/settings.py:2:15 medium debug_toolbar"}},
		{name: "appended unconditionally", files: map[string]string{"mysite/settings.py": "INSTALLED_APPS = [\"django.contrib.admin\"]\nINSTALLED_APPS += [\"debug_toolbar\"]\nMIDDLEWARE = []\nMIDDLEWARE.insert(0, \"debug_toolbar.middleware.DebugToolbarMiddleware\")\n"},
			want: []string{"mysite/settings.py:4:22 medium debug_toolbar"}},
		{name: "in base, seen through production", files: map[string]string{
			"mysite/settings/base.py": "INSTALLED_APPS = [\"django.contrib.admin\", \"debug_toolbar\"]\n" + mw,
			"mysite/settings/dev.py":  "from .base import *\n",
			"mysite/settings/prod.py": "from .base import *\nDEBUG = False\n",
		}, want: []string{"mysite/settings/base.py:2:64 medium debug_toolbar"}},

		// Silent.
		{name: "package in production requirements", files: map[string]string{"requirements.txt": "Django==5.2.8\ndjango-debug-toolbar==4.4.6\ndjango-extensions==3.2.3\n"}},
		{name: "django-extensions app", files: map[string]string{"mysite/settings.py": "INSTALLED_APPS = [\"django.contrib.admin\", \"django_extensions\"]\nMIDDLEWARE = []\n"}},
		{name: "app without the middleware", files: map[string]string{"mysite/settings.py": "INSTALLED_APPS = [\"debug_toolbar\"]\nMIDDLEWARE = []\n"}},
		{name: "middleware without the app", files: map[string]string{"mysite/settings.py": "INSTALLED_APPS = []\n" + mw}},
		{name: "only under if DEBUG (off in production)", files: map[string]string{"mysite/settings.py": "import os\nDEBUG = os.environ.get(\"DEBUG\") == \"1\"\nINSTALLED_APPS = [\"django.contrib.admin\"]\nMIDDLEWARE = []\nif DEBUG:\n    INSTALLED_APPS += [\"debug_toolbar\"]\n    MIDDLEWARE += [\"debug_toolbar.middleware.DebugToolbarMiddleware\"]\n"}},
		{name: "removed unless DEBUG", files: map[string]string{"mysite/settings.py": "import os, sys\nDEBUG = os.environ.get(\"DEBUG\") == \"1\"\nINSTALLED_APPS = [\"django.contrib.admin\", \"debug_toolbar\"]\nif not DEBUG and \"collectstatic\" not in sys.argv:\n    INSTALLED_APPS.remove(\"debug_toolbar\")\n" + mw}},
		{name: "under a condition djsec cannot decide", files: map[string]string{"mysite/settings.py": "import sys\nINSTALLED_APPS = [\"django.contrib.admin\"]\nif \"test\" not in sys.argv:\n    INSTALLED_APPS += [\"debug_toolbar\"]\n" + mw}},
		{name: "unknown list", files: map[string]string{"mysite/settings.py": "INSTALLED_APPS = get_apps()\n" + mw}},
		{name: "development module", files: map[string]string{
			"mysite/settings/base.py": "INSTALLED_APPS = [\"django.contrib.admin\"]\nMIDDLEWARE = []\n",
			"mysite/settings/dev.py":  "from .base import *\nINSTALLED_APPS += [\"debug_toolbar\"]\nMIDDLEWARE += [\"debug_toolbar.middleware.DebugToolbarMiddleware\"]\n",
			"mysite/settings/prod.py": "from .base import *\nDEBUG = False\n",
		}},
	})
}

func TestWSGIServerMissing(t *testing.T) {
	t.Parallel()
	depsRunAll(t, "DJS1005", []depsCase{
		{name: "Django and no server", files: map[string]string{"requirements.txt": "psycopg==3.2.1\nDjango==5.2.8\n"},
			want: []string{"requirements.txt:2:1 medium django"}, msg: "nothing in the repository names a platform that supplies one, so it most likely serves traffic with manage.py runserver: add gunicorn (WSGI) or uvicorn (ASGI)"},
		{name: "Poetry project", files: map[string]string{"pyproject.toml": "[tool.poetry.dependencies]\npython = \"^3.12\"\ndjango = \"^5.2\"\n"},
			want: []string{"pyproject.toml:3:1 medium django"}},
		{name: "server only named in a development Dockerfile", files: map[string]string{"requirements.txt": "Django==5.2.8\n", "Dockerfile": "FROM python:3.12\nCMD [\"python\", \"manage.py\", \"runserver\"]\n"},
			want: []string{"requirements.txt:1:1 medium django"}},
		{name: "a README and a CI workflow that name no platform", files: map[string]string{
			"requirements.txt":         "Django==5.2.8\n",
			"README.md":                "# Notes app\nStart it with ./start.sh and open http://localhost:8000\n",
			".github/workflows/ci.yml": "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: python manage.py test\n",
		}, want: []string{"requirements.txt:1:1 medium django"}},
		{name: "a file named for uWSGI that configures nothing", files: map[string]string{"requirements.txt": "Django==5.2.8\n", "docs/uwsgi.ini": "; notes\n"},
			want: []string{"requirements.txt:1:1 medium django"}},
		{name: "a Procfile web process running Python", files: map[string]string{"requirements.txt": "Django==5.2.8\n", "Procfile": "web: python manage.py runserver 0.0.0.0:$PORT\n"},
			want: []string{"requirements.txt:1:1 medium django"}},
		{name: "an opaque command in a development Procfile", files: map[string]string{"requirements.txt": "Django==5.2.8\n", "Procfile.dev": "web: make dev\n"},
			want: []string{"requirements.txt:1:1 medium django"}},

		// Silent.
		{name: "gunicorn", files: map[string]string{"requirements.txt": "Django==5.2.8\ngunicorn==23.0.0\n"}},
		{name: "uvicorn with extras", files: map[string]string{"requirements.txt": "Django==5.2.8\nuvicorn[standard]\n"}},
		{name: "uWSGI", files: map[string]string{"requirements.txt": "Django==5.2.8\nuWSGI==2.0.26\n"}},
		{name: "mod_wsgi", files: map[string]string{"requirements.txt": "Django==5.2.8\nmod_wsgi\n"}},
		{name: "server in a development manifest", files: map[string]string{"requirements.txt": "Django==5.2.8\n", "requirements-dev.txt": "daphne\n"}},
		{name: "server in another manifest", files: map[string]string{"requirements.txt": "Django==5.2.8\n", "pyproject.toml": "[project]\ndependencies = [\"granian\"]\n"}},
		{name: "installed by the Dockerfile", files: map[string]string{"requirements.txt": "Django==5.2.8\n", "Dockerfile": "FROM python:3.12\nRUN pip install gunicorn\nCMD gunicorn mysite.wsgi\n"}},
		{name: "base image ships the server", files: map[string]string{"requirements.txt": "Django==5.2.8\n", "Dockerfile": "FROM tiangolo/uvicorn-gunicorn:python3.11\n"}},
		{name: "Procfile", files: map[string]string{"requirements.txt": "Django==5.2.8\n", "Procfile": "web: waitress-serve --port=$PORT mysite.wsgi:application\n"}},
		{name: "serverless adapter", files: map[string]string{"requirements.txt": "Django==5.2.8\nzappa\n"}},
		{name: "no manifest", files: map[string]string{"mysite/settings.py": "DEBUG = False\n"}},
		// A platform or the operating system supplies the server.
		{name: "deploy workflow to PythonAnywhere", files: map[string]string{"requirements.txt": "Django==5.2.8\n",
			".github/workflows/deploy.yml": "on: release\njobs:\n  deploy:\n    steps:\n      - run: curl -X POST https://www.pythonanywhere.com/api/v0/user/me/webapps/example.org/reload/\n"}},
		{name: "README says where it is hosted", files: map[string]string{"requirements.txt": "Django==5.2.8\n", "README.rst": "The site runs on PythonAnywhere.\n"}},
		{name: "deploy script for App Engine", files: map[string]string{"requirements.txt": "Django==5.2.8\n", "scripts/deploy.sh": "#!/bin/sh\ngcloud app deploy --quiet\n"}},
		{name: "PythonAnywhere WSGI file", files: map[string]string{"requirements.txt": "Django==5.2.8\n", "deploy/me_pythonanywhere_com_wsgi.py": "import os\n"}},
		{name: "uWSGI configuration", files: map[string]string{"requirements.txt": "Django==5.2.8\n", "deploy/mysite_uwsgi.ini": "[uwsgi]\nmodule = mysite.wsgi:application\n"}},
		{name: "App Engine app.yaml", files: map[string]string{"requirements.txt": "Django==5.2.8\n", "app.yaml": "runtime: python312\n"}},
		{name: "Elastic Beanstalk", files: map[string]string{"requirements.txt": "Django==5.2.8\n", ".ebextensions/django.config": "option_settings:\n  aws:elasticbeanstalk:container:python:\n    WSGIPath: mysite.wsgi:application\n"}},
		{name: "Apache mod_wsgi", files: map[string]string{"requirements.txt": "Django==5.2.8\n", "deploy/apache-mysite.conf": "<VirtualHost *:80>\n  WSGIDaemonProcess mysite python-path=/srv/mysite\n  WSGIScriptAlias / /srv/mysite/mysite/wsgi.py\n</VirtualHost>\n"}},
		{name: "Procfile web process running a script", files: map[string]string{"requirements.txt": "Django==5.2.8\n", "Procfile": "web: make run\n"}},
		{name: "fly.toml process running a script", files: map[string]string{"requirements.txt": "Django==5.2.8\n", "fly.toml": "[processes]\napp = \"bin/start-web\"\n"}},
		{name: "Django only in development", files: map[string]string{"requirements-dev.txt": "Django==5.2.8\n"}},
		{name: "no Django", files: map[string]string{"requirements.txt": "flask\n"}},
	})
}

func TestRunserverInProduction(t *testing.T) {
	t.Parallel()
	depsRunAll(t, "DJS1006", []depsCase{
		{name: "Dockerfile exec form", files: map[string]string{"Dockerfile": "FROM python:3.12\nCOPY . /app\nCMD [\"python\", \"manage.py\", \"runserver\", \"0.0.0.0:8000\"]\n"},
			want: []string{"Dockerfile:3:1 high Dockerfile:CMD"}, msg: "the Dockerfile CMD runs Django's development server (manage.py runserver)"},
		{name: "Dockerfile shell form after migrate", files: map[string]string{"docker/Dockerfile": "FROM python:3.12\nCMD python manage.py migrate && python manage.py runserver 0.0.0.0:$PORT\n"},
			want: []string{"docker/Dockerfile:2:1 high docker/Dockerfile:CMD"}},
		{name: "Dockerfile continuation", files: map[string]string{"Dockerfile": "FROM python:3.12\nCMD python manage.py \\\n    # listen everywhere\n    runserver 0.0.0.0:8000\n"},
			want: []string{"Dockerfile:2:1 high Dockerfile:CMD"}},
		{name: "Dockerfile ENTRYPOINT django-admin", files: map[string]string{"Dockerfile": "FROM python:3.12\nENTRYPOINT [\"django-admin\", \"runserver\"]\n"},
			want: []string{"Dockerfile:2:1 high Dockerfile:ENTRYPOINT"}},
		{name: "Dockerfile RUN", files: map[string]string{"Dockerfile": "FROM python:3.12\nRUN python -m django runserver &\n"},
			want: []string{"Dockerfile:2:1 high Dockerfile:RUN"}},
		{name: "runserver_plus", files: map[string]string{"app.dockerfile": "FROM python:3.12\ncmd ./manage.py runserver_plus 0.0.0.0:8000\n"},
			want: []string{"app.dockerfile:2:1 high app.dockerfile:CMD"}},
		{name: "production stage inherits the base CMD", files: map[string]string{"Dockerfile": "FROM python:3.12 AS base\nCMD python manage.py runserver\nFROM base AS dev\nFROM base AS prod\n"},
			want: []string{"Dockerfile:2:1 high Dockerfile:CMD"}},
		{name: "Procfile web", files: map[string]string{"Procfile": "release: python manage.py migrate\nweb: python manage.py runserver 0.0.0.0:$PORT\n"},
			want: []string{"Procfile:2:1 high Procfile:web"}, msg: "the Procfile's web process"},
		{name: "fly.toml processes", files: map[string]string{"fly.toml": "app = \"mysite\"\n\n[processes]\n  app = \"python manage.py runserver 0.0.0.0:8080\"\n  worker = \"celery -A mysite worker\"\n"},
			want: []string{"fly.toml:4:1 high fly.toml:app"}},
		{name: "fly.toml experimental cmd", files: map[string]string{"fly.toml": "[experimental]\ncmd = [\"python\", \"manage.py\", \"runserver\", \"0.0.0.0:8080\"]\n"},
			want: []string{"fly.toml:2:1 high fly.toml:cmd"}},
		{name: "compose command", files: map[string]string{"docker-compose.yml": "services:\n  web:\n    build: .\n    command: python manage.py runserver 0.0.0.0:8000\n  db:\n    image: postgres:16\n"},
			want: []string{"docker-compose.yml:4:14 high docker-compose.yml:web"}, msg: `the command of compose service "web"`},
		{name: "compose list command", files: map[string]string{"compose.yaml": "services:\n  app:\n    command:\n      - python\n      - manage.py\n      - runserver\n"},
			want: []string{"compose.yaml:4:7 high compose.yaml:app"}},
		{name: "a word containing test is not a test file", files: map[string]string{"Dockerfile.latest": "FROM python:3.12\nCMD python manage.py runserver\n"},
			want: []string{"Dockerfile.latest:2:1 high Dockerfile.latest:CMD"}},
		{name: "a sub-project's stack beside the main project's production files", files: map[string]string{
			"Procfile":                           "web: gunicorn mysite.wsgi\n",
			"docker-compose.yml":                 "services:\n  web:\n    build: .\n    command: gunicorn mysite.wsgi\n",
			"services/legacy/Dockerfile":         "FROM python:3.12\nCMD [\"python\", \"manage.py\", \"runserver\", \"0.0.0.0:8000\"]\n",
			"services/legacy/docker-compose.yml": "services:\n  web:\n    build: .\n    command: >\n      sh -c \"python manage.py migrate &&\n             python manage.py runserver 0.0.0.0:8000\"\n",
			"services/legacy/app/settings.py":    "DEBUG = True\n",
		}, want: []string{"services/legacy/Dockerfile:2:1 high services/legacy/Dockerfile:CMD", "services/legacy/docker-compose.yml:4:14 high services/legacy/docker-compose.yml:web"}},
		{name: "an unnamed compose file in a subfolder does not override", files: map[string]string{
			"docker-compose.yml":       "services:\n  web:\n    command: python manage.py runserver 0.0.0.0:8000\n",
			"other/docker-compose.yml": "services:\n  web:\n    command: gunicorn other.wsgi\n",
		}, want: []string{"docker-compose.yml:3:14 high docker-compose.yml:web"}},
		{name: "production settings on the command line", files: map[string]string{"Procfile": "web: python manage.py runserver 0.0.0.0:$PORT --settings=mysite.settings.production\n"},
			want: []string{"Procfile:1:1 high Procfile:web"}},
		{name: "interpreter under /usr/local", files: map[string]string{"Dockerfile": "FROM python:3.12\nENV NODE_ENV=development\nCMD [\"/usr/local/bin/python\", \"manage.py\", \"runserver\", \"0.0.0.0:8000\"]\n"},
			want: []string{"Dockerfile:3:1 high Dockerfile:CMD"}},
		{name: "production environment", files: map[string]string{"docker-compose.yml": "services:\n  web:\n    build: .\n    environment:\n      DJANGO_SETTINGS_MODULE: mysite.settings.prod\n      DJANGO_ENV: production\n    command: python manage.py runserver 0.0.0.0:8000\n"},
			want: []string{"docker-compose.yml:7:14 high docker-compose.yml:web"}},

		// Silent.
		{name: "gunicorn", files: map[string]string{"Dockerfile": "FROM python:3.12\nCMD [\"gunicorn\", \"mysite.wsgi\"]\n"}},
		{name: "comment", files: map[string]string{"Dockerfile": "FROM python:3.12\n# CMD python manage.py runserver\nCMD gunicorn mysite.wsgi\n"}},
		{name: "overridden by the production stage", files: map[string]string{"Dockerfile": "FROM python:3.12 AS base\nCMD python manage.py runserver\nFROM base AS prod\nCMD gunicorn mysite.wsgi\n"}},
		{name: "final development stage", files: map[string]string{"Dockerfile": "FROM python:3.12 AS prod\nCMD gunicorn mysite.wsgi\nFROM prod AS dev\nCMD python manage.py runserver\n"}},
		{name: "Dockerfile.dev", files: map[string]string{"Dockerfile.dev": "FROM python:3.12\nCMD python manage.py runserver\n"}},
		{name: "devcontainer", files: map[string]string{".devcontainer/Dockerfile": "FROM python:3.12\nCMD python manage.py runserver\n"}},
		{name: "Procfile other process", files: map[string]string{"Procfile": "web: gunicorn mysite.wsgi\nlocal: python manage.py runserver\n"}},
		{name: "Procfile.dev", files: map[string]string{"Procfile.dev": "web: python manage.py runserver\n"}},
		{name: "compose dev file", files: map[string]string{"docker-compose.dev.yml": "services:\n  web:\n    command: python manage.py runserver\n"}},
		{name: "compose local file", files: map[string]string{"docker-compose.local.yaml": "services:\n  web:\n    command: python manage.py runserver\n"}},
		{name: "compose test file", files: map[string]string{"docker-compose.test.yml": "services:\n  web:\n    command: python manage.py runserver\n"}},
		{name: "compose override file", files: map[string]string{"docker-compose.override.yml": "services:\n  web:\n    command: python manage.py runserver\n"}},
		{name: "compose dev service", files: map[string]string{"docker-compose.yml": "services:\n  web-dev:\n    command: python manage.py runserver\n  web:\n    command: gunicorn mysite.wsgi\n"}},
		{name: "word runserver elsewhere", files: map[string]string{"Dockerfile": "FROM python:3.12\nLABEL note=\"never use manage.py runserver\"\nCMD gunicorn mysite.wsgi\n"}},
		{name: "local.Dockerfile", files: map[string]string{"compose/local.Dockerfile": "FROM python:3.12\nCMD python manage.py runserver\n"}},
		{name: "dev.Dockerfile", files: map[string]string{"dev.Dockerfile": "FROM python:3.12\nCMD python manage.py runserver\n"}},

		// Compose stacks that show they are for development.
		{name: "compose service building a local Dockerfile", files: map[string]string{"docker-compose.yml": "services:\n  django:\n    build:\n      context: .\n      dockerfile: compose/local.Dockerfile\n    command: python manage.py runserver 0.0.0.0:8000\n"}},
		{name: "compose service building a development stage", files: map[string]string{"compose.yaml": "services:\n  web:\n    build:\n      context: .\n      target: development\n    command: python manage.py runserver 0.0.0.0:8000\n"}},
		{name: "compose development settings module", files: map[string]string{"docker-compose.yml": "services:\n  web:\n    build: .\n    environment:\n      - DJANGO_SETTINGS_MODULE=mysite.settings.docker\n    command: python manage.py runserver 0.0.0.0:8000\n"}},
		{name: "compose development environment in build args", files: map[string]string{"docker-compose.yml": "services:\n  web:\n    build:\n      context: .\n      args:\n        DJANGO_ENV: development\n    command: python manage.py runserver 0.0.0.0:8000\n"}},
		{name: "compose development entrypoint script", files: map[string]string{"docker-compose.yml": "services:\n  web:\n    build: .\n    entrypoint: ./scripts/start-dev.sh\n    command: python manage.py runserver 0.0.0.0:8000\n"}},
		{name: "compose development settings flag", files: map[string]string{"docker-compose.yml": "services:\n  web:\n    command: python manage.py runserver 0.0.0.0:8000 --settings=mysite.settings.local\n"}},
		{name: "compose overridden by a production compose file", files: map[string]string{
			"docker-compose.yml":                   "services:\n  web:\n    <<: &web\n      image: mysite:dev\n      build:\n        context: .\n    command: python manage.py runserver 0.0.0.0:8000\n",
			"deploy/docker-compose.production.yml": "services:\n  web:\n    <<: &web\n      image: registry.example/mysite:latest\n    command: bash ./docker/django/start.sh\n",
		}},
		{name: "compose overridden in the same folder by a server command", files: map[string]string{
			"docker-compose.yml":       "services:\n  web:\n    command: python manage.py runserver 0.0.0.0:8000\n",
			"docker-compose.swarm.yml": "services:\n  web:\n    command: gunicorn mysite.wsgi -b 0.0.0.0:8000\n",
		}},
		{name: "compose overrides an image that serves with gunicorn", files: map[string]string{
			"Dockerfile":         "FROM python:3.12 AS base\nCOPY . /app\nFROM base AS prod\nCMD [\"gunicorn\", \"mysite.wsgi\", \"--bind\", \"0.0.0.0:8000\"]\n",
			"docker-compose.yml": "services:\n  web:\n    build: .\n    volumes:\n      - .:/app\n    command: python manage.py runserver 0.0.0.0:8000\n",
		}},
		{name: "compose beside a Procfile serving with gunicorn", files: map[string]string{
			"Procfile":           "release: python manage.py migrate\nweb: gunicorn config.wsgi:application\n",
			"docker-compose.yml": "services:\n  django:\n    build: .\n    command: python manage.py runserver 0.0.0.0:8000\n",
		}},

		// Dockerfiles that show they are for development.
		{name: "Dockerfile with development settings", files: map[string]string{"Dockerfile": "FROM python:3.12\nENV PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=mysite.settings.local\nCMD python manage.py runserver 0.0.0.0:8000\n"}},
		{name: "Dockerfile with legacy ENV form", files: map[string]string{"Dockerfile": "FROM python:3.12 AS base\nENV DJANGO_SETTINGS_MODULE config.settings.dev\nFROM base\nCMD python manage.py runserver 0.0.0.0:8000\n"}},
		{name: "Dockerfile beside a Procfile serving with gunicorn", files: map[string]string{
			"Procfile":   "web: gunicorn mysite.wsgi\n",
			"Dockerfile": "FROM python:3.12\nCMD python manage.py runserver 0.0.0.0:8000\n",
		}},
	})
}

// TestRunserverBadFiles: deployment files that do not parse are file
// errors, never panics.
func TestRunserverBadFiles(t *testing.T) {
	t.Parallel()
	for name, files := range map[string]map[string]string{
		"compose": {"docker-compose.yml": "services:\n  web: [runserver\n"},
		"fly":     {"fly.toml": "[processes\napp = \"manage.py runserver\"\n"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			res := analyzeFiles(t, files)
			if len(findingsOf(res, "DJS1006")) != 0 || len(res.Errors) != 1 {
				t.Errorf("want one file error and no finding; findings %s, errors %v", ruleIDs(res), res.Errors)
			}
		})
	}
}

func TestDepsRulesCatalogue(t *testing.T) {
	t.Parallel()
	for _, want := range []struct {
		id, slug string
		sev      Severity
		where    string
	}{
		{"DJS1001", "django-eol", High, "R"},
		{"DJS1002", "vulnerable-dependency", High, "R"},
		{"DJS1003", "dependency-unpinned", Low, "R"},
		{"DJS1004", "dev-tool-in-production", Medium, "S"},
		{"DJS1005", "wsgi-server-missing", Medium, "R+C"},
		{"DJS1006", "runserver-in-production", High, "C"},
	} {
		r, ok := LookupRule(want.id)
		if !ok || r.Slug != want.slug || r.Severity != want.sev || r.Where != want.where || r.Check == nil || r.Doc == "" || r.Fix == "" {
			t.Errorf("%s: got %+v", want.id, r)
		}
	}
}

// TestDjangoReleasesTable guards the copied table: ordered, complete dates.
func TestDjangoReleasesTable(t *testing.T) {
	t.Parallel()
	for i, rel := range djangoReleases() {
		if i > 0 && !seriesLess(djangoReleases()[i-1].Series, rel.Series) {
			t.Errorf("row %d (%v) is out of order", i, rel.Series)
		}
		if _, ok := rel.supportEnd(); !ok {
			t.Errorf("%v: bad end date %q", rel.Series, rel.SecurityEnds)
		}
		if _, ok := dateAfter(rel.Released); !ok {
			t.Errorf("%v: bad release date %q", rel.Series, rel.Released)
		}
	}
	end, _ := djangoReleases()[3].supportEnd()
	if want := time.Date(2026, 4, 8, 0, 0, 0, 0, time.UTC); !end.Equal(want) {
		t.Errorf("4.2 support ends at %v, want %v", end, want)
	}
	end, _ = djangoReleases()[8].supportEnd()
	if want := time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC); !end.Equal(want) {
		t.Errorf("6.1 (month-only) support ends at %v, want %v", end, want)
	}
}
