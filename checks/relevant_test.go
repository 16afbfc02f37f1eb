package checks

import "testing"

func TestRelevant(t *testing.T) {
	t.Parallel()
	cases := map[string]bool{
		// settings candidates and code
		"mysite/settings.py":            true,
		"mysite/settings/production.py": true,
		"config/settings/__init__.py":   true,
		"manage.py":                     true,
		"mysite/wsgi.py":                true,
		"mysite/asgi.py":                true,
		"app/views.py":                  true,
		"app/views/accounts.py":         true,
		"app/urls.py":                   true,
		"app/signals.py":                true,
		// env files
		".env":                 true,
		".env.production":      true,
		".env.example":         true,
		"deploy/prod.env":      true,
		"docker/.env.template": true,
		// manifests
		"requirements.txt":           true,
		"requirements-dev.txt":       true,
		"requirements_prod.txt":      true,
		"requirements.in":            true,
		"constraints.txt":            true,
		"requirements/base.txt":      true,
		"requirements/production.in": true,
		"pyproject.toml":             true,
		"backend/pyproject.toml":     true,
		"Pipfile":                    true,
		"Pipfile.lock":               true,
		"poetry.lock":                true,
		"uv.lock":                    true,
		"pdm.lock":                   true,
		// repository files
		".gitignore":               true,
		"backend/.gitignore":       true,
		"Dockerfile":               true,
		"Dockerfile.prod":          true,
		"docker/web.Dockerfile":    true,
		"Containerfile":            true,
		"Procfile":                 true,
		"fly.toml":                 true,
		"docker-compose.yml":       true,
		"docker-compose.prod.yaml": true,
		"compose.yaml":             true,
		"compose.override.yml":     true,
		".github/djsec.yml":        true,
		"./.github/djsec.yml":      true,
		// not wanted
		"":                                   false,
		"README.md":                          false,
		"static/app.js":                      false,
		"notes.txt":                          false,
		"docs/requirements.md":               false,
		"config.yml":                         false,
		".github/workflows/ci.yml":           true, // names test settings
		".github/dependabot.yml":             false,
		"pytest.ini":                         true,
		"tox.ini":                            true,
		"scripts/run.sh":                     true,
		"deploy/uwsgi.ini":                   true,
		"app.json":                           true,
		"docs/index.md":                      false,
		"sub/.github/djsec.yml":              false,
		"app/tests/test_views.py":            false,
		"app/views_test.py":                  false,
		"conftest.py":                        false,
		"app/migrations/0001_initial.py":     false,
		"node_modules/pkg/settings.py":       false,
		".venv/lib/python3.12/site.py":       false,
		"venv/bin/activate_this.py":          false,
		"env/.env":                           false,
		"lib/site-packages/django/conf.py":   false,
		"app/__pycache__/settings.py":        false,
		".tox/py312/requirements.txt":        false,
		"build/lib/mysite/settings.py":       false,
		"dist/mysite/settings.py":            false,
		".git/hooks/pre-commit.py":           false,
		"mypkg.egg-info/requires.txt":        false,
		"frontend/node_modules/x/Dockerfile": false,
		"image.png":                          false,
		"settings.pyc":                       false,
	}
	for p, want := range cases {
		if got := Relevant(p); got != want {
			t.Errorf("Relevant(%q) = %v, want %v", p, got, want)
		}
	}
}

func TestSkippedDir(t *testing.T) {
	t.Parallel()
	for _, d := range []string{".git", "node_modules", ".venv", "venv", "env", "site-packages", "__pycache__", "migrations", ".tox", "build", "dist", "x.egg-info"} {
		if !SkippedDir(d) {
			t.Errorf("SkippedDir(%q) = false, want true", d)
		}
	}
	for _, d := range []string{"mysite", "settings", ".github", "requirements", "environments", "docs"} {
		if SkippedDir(d) {
			t.Errorf("SkippedDir(%q) = true, want false", d)
		}
	}
}

func TestAuditRelevant(t *testing.T) {
	t.Parallel()
	cases := map[string]bool{
		// everything Relevant takes
		"mysite/settings.py": true,
		"requirements.txt":   true,
		"Procfile":           true,
		// how the project is served (DJS1005)
		"uwsgi.ini":                    true,
		"deploy/mysite_uwsgi.ini":      true,
		"app.yaml":                     true,
		".ebextensions/django.config":  true,
		"deploy/apache-mysite.conf":    true,
		".github/workflows/deploy.yml": true,
		".github/workflows/ci.yaml":    true,
		"deploy.sh":                    true,
		"scripts/deploy_production.sh": true,
		"README.md":                    true,
		"README.rst":                   true,
		"docs/README.md":               false,
		"docs/conf.ini":                false,
		"nginx/site.conf":              false,
		"scripts/run.sh":               true, // may say --settings=
		".github/workflows/sub/x.yml":  false,
		".github/dependabot.yml":       false,
		"node_modules/pkg/README.md":   false,
		".venv/app.yaml":               false,
	}
	for p, want := range cases {
		if got := AuditRelevant(p); got != want {
			t.Errorf("AuditRelevant(%q) = %v, want %v", p, got, want)
		}
		if Relevant(p) && !AuditRelevant(p) {
			t.Errorf("%q: Relevant but not AuditRelevant", p)
		}
	}
}
