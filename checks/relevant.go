package checks

import (
	"path"
	"strings"
)

// ConfigPath is where a repository keeps its djsec configuration.
const ConfigPath = ".github/djsec.yml"

// relevantSkippedDirs are directories that never hold a project's own settings,
// manifests or code: version control, dependencies, virtualenvs, caches,
// build output and migrations (generated, and full of literals that look
// like settings).
var relevantSkippedDirs = map[string]bool{
	".git": true, ".hg": true, ".svn": true,
	"node_modules": true, "bower_components": true,
	".venv": true, "venv": true, "env": true, "virtualenv": true, ".virtualenv": true,
	"site-packages": true, "dist-packages": true,
	"__pycache__": true, ".mypy_cache": true, ".pytest_cache": true, ".ruff_cache": true,
	".tox": true, ".nox": true, ".eggs": true,
	"build": true, "dist": true,
	"migrations": true,
}

// SkippedDir reports whether a directory of this name is never searched.
// A directory holding pyvenv.cfg is a virtualenv whatever its name; only a
// walker that can see the file system can tell that.
func SkippedDir(name string) bool {
	return relevantSkippedDirs[name] || strings.HasSuffix(name, ".egg-info")
}

// Relevant reports whether the analyzer wants a repository file, by its
// slash-separated path alone, so callers fetch or read only what matters.
// Every Python file counts: settings modules are recognised by content as
// well as by name, and the code rules read views, URL confs and signal
// receivers wherever a project keeps them.
func Relevant(p string) bool {
	p = strings.TrimPrefix(path.Clean("/"+strings.ReplaceAll(p, "\\", "/")), "/")
	if p == "" || p == "." {
		return false
	}
	dirs := strings.Split(p, "/")
	base := dirs[len(dirs)-1]
	for _, d := range dirs[:len(dirs)-1] {
		if SkippedDir(d) {
			return false
		}
	}
	if p == ConfigPath {
		return true
	}
	lower := strings.ToLower(base)
	switch {
	case strings.HasSuffix(lower, ".py"):
		return !relevantTestFile(lower)
	case isEnvFile(p):
		return true
	case relevantRequirements(dirs, lower):
		return true
	case lower == "pyproject.toml", base == "Pipfile", base == "Pipfile.lock",
		lower == "poetry.lock", lower == "uv.lock", lower == "pdm.lock":
		return true
	case base == ".gitignore":
		return true
	case strings.HasPrefix(lower, "dockerfile"), strings.HasSuffix(lower, ".dockerfile"), lower == "containerfile":
		return true
	case base == "Procfile", lower == "fly.toml":
		return true
	case relevantCompose(lower):
		return true
	case relevantEntryPoint(p, lower):
		return true
	}
	return false
}

// relevantEntryPoint matches the files that name a settings module besides
// Python, Docker, Procfile, fly.toml, compose and .env files: test
// configuration, platform files, CI workflows, uWSGI configuration and
// scripts (entrypoints.go reads them to learn which settings are
// production's).
func relevantEntryPoint(p, lower string) bool {
	switch lower {
	case "pytest.ini", "tox.ini", "setup.cfg", "app.json", "render.yaml", "app.yaml", "heroku.yml", "makefile",
		"railway.json", "railway.toml", "nixpacks.toml":
		return true
	}
	if platformSpec(p) {
		return true
	}
	return strings.HasSuffix(lower, ".ini") && strings.Contains(lower, "uwsgi") || strings.HasSuffix(lower, ".sh") || entryCIFile(p)
}

// AuditRelevant is Relevant plus the files only whole-repository rules
// read: those that say how the project is served when no manifest names a
// server (DJS1005). `bot audit` and the weekly audit read them; a pull
// request's check run, which sees the changed files only, does not.
func AuditRelevant(p string) bool {
	if Relevant(p) {
		return true
	}
	p = strings.TrimPrefix(path.Clean("/"+strings.ReplaceAll(p, "\\", "/")), "/")
	if p == "" || p == "." {
		return false
	}
	dirs := strings.Split(p, "/")
	for _, d := range dirs[:len(dirs)-1] {
		if SkippedDir(d) {
			return false
		}
	}
	return relevantDeployEvidence(dirs, strings.ToLower(dirs[len(dirs)-1]))
}

// relevantDeployEvidence matches the files that say how a project is
// served when no manifest names a server (DJS1005): a uWSGI
// configuration, App Engine's app.yaml, Elastic Beanstalk's .ebextensions,
// an Apache configuration for mod_wsgi, CI workflows and deploy scripts
// (which name the hosting platform) and the repository's README.
func relevantDeployEvidence(dirs []string, base string) bool {
	ext := path.Ext(base)
	switch {
	case strings.Contains(base, "uwsgi") && (ext == ".ini" || ext == ".yml" || ext == ".yaml" || ext == ".xml" || ext == ".json"):
		return true
	case base == "app.yaml" || base == "app.yml":
		return true
	case ext == ".config" && len(dirs) >= 2 && dirs[len(dirs)-2] == ".ebextensions":
		return true
	case ext == ".conf" && (strings.Contains(base, "apache") || strings.Contains(base, "httpd") || strings.Contains(base, "wsgi")):
		return true
	case (ext == ".yml" || ext == ".yaml") && len(dirs) == 3 && dirs[0] == ".github" && dirs[1] == "workflows":
		return true
	case strings.HasPrefix(base, "deploy") && (ext == ".sh" || ext == ""):
		return true
	case len(dirs) == 1 && (base == "readme" || strings.HasPrefix(base, "readme.")):
		return true
	}
	return false
}

// relevantTestFile matches pytest and unittest modules; they assign settings-like
// names (override_settings fixtures) and build SQL on purpose, so reading
// them only adds noise.
func relevantTestFile(base string) bool {
	return strings.HasPrefix(base, "test_") || strings.HasSuffix(base, "_test.py") || base == "conftest.py"
}

// relevantRequirements matches requirements.txt, requirements-dev.txt,
// requirements.in, constraints.txt and any .txt/.in file in a requirements/
// directory (requirements/base.txt, requirements/prod.txt).
func relevantRequirements(dirs []string, base string) bool {
	if !strings.HasSuffix(base, ".txt") && !strings.HasSuffix(base, ".in") {
		return false
	}
	if strings.Contains(base, "requirements") || strings.HasPrefix(base, "constraints") {
		// dev-requirements.txt, test_requirements.txt, requirements_prod.in
		return true
	}
	if len(dirs) >= 2 {
		parent := strings.ToLower(dirs[len(dirs)-2])
		return parent == "requirements" || parent == "reqs"
	}
	return false
}

// relevantCompose matches docker-compose.yml, docker-compose.prod.yaml,
// compose.yml and compose.override.yaml.
func relevantCompose(base string) bool {
	if !strings.HasSuffix(base, ".yml") && !strings.HasSuffix(base, ".yaml") {
		return false
	}
	return strings.HasPrefix(base, "docker-compose") || strings.HasPrefix(base, "compose")
}
