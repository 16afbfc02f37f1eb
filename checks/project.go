package checks

import (
	"path"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/djsec/djsec/checks/advisories"
	"github.com/djsec/djsec/checks/deps"
	"github.com/djsec/djsec/checks/envfile"
	"github.com/djsec/djsec/checks/settings"
	"github.com/djsec/djsec/internal/lazyre"
)

// Input is everything one analysis reads. Files maps slash-separated paths,
// relative to the analyzed root, to their contents; callers pass the files
// Relevant accepts (they may pass more; the rest is ignored).
type Input struct {
	Files map[string][]byte
	// Config is the repository configuration; nil means DefaultConfig.
	Config *Config
	// ConfigErrors are problems found while loading Config (reported as
	// DJS002 findings on the config file).
	ConfigErrors []ConfigError
	// Now is the date the analysis judges support windows against.
	Now time.Time
	// Audit runs the whole-repository rules (AuditOnly) too.
	Audit bool
	// Advisories are vulnerability records from a live source (the OSV
	// API, see package osv), matched by DJS1002 alongside the bundled
	// data; nil means the bundled data alone.
	Advisories []advisories.Record
}

// ConfigError is one problem in .github/djsec.yml.
type ConfigError struct {
	Path    string
	Line    int
	Message string
}

// FileError is a file the analyzer could not read or parse.
type FileError struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

// Project is the analyzer's view of a repository, shared by every rule.
type Project struct {
	Files  map[string][]byte
	Config *Config
	Now    time.Time
	Audit  bool
	// Settings holds the evaluated entry settings modules (those no other
	// settings module star-imports), production ones first.
	Settings []*settings.Model
	// EnvFiles are dotenv files, example ones included, by path.
	EnvFiles map[string][]envfile.Entry
	// Requirements are the dependencies declared in every manifest, with
	// the versions of the lock files next to them.
	Requirements []deps.Requirement
	// Locked lists every package the lock files pin.
	Locked []deps.Locked
	// advisories is the bundled vulnerability data plus Input.Advisories.
	advisories *advisories.DB
	// Django is the pinned Django version's series (major, minor), when known.
	Django      [2]int
	DjangoKnown bool
	Errors      []FileError
	// paths is Files' keys, sorted once for every rule that walks them.
	paths []string
}

// Paths lists the analyzed files in sorted order; rules walk it so their
// findings come out in a stable order.
func (p *Project) Paths() []string { return p.paths }

var (
	settingsNameRE   = lazyre.New(`(^|/)(settings|[^/]*_settings|settings_[^/]*)\.py$|(^|/)settings/[^/]+\.py$`)
	settingsBodyRE   = lazyre.New(`(?m)^(SECRET_KEY|INSTALLED_APPS|MIDDLEWARE|ROOT_URLCONF|DATABASES|ALLOWED_HOSTS|WSGI_APPLICATION)\s*=`)
	devModuleRE      = lazyre.New(`(^|[_.])(dev|devel|development|local|test|tests|testing|ci|debug)([_.]|$)|^test`)
	prodModuleRE     = lazyre.New(`(^|[_.])(prod|production|live|deploy|deployment)([_.]|$)`)
	fragmentModuleRE = lazyre.New(`local|override|custom|site_settings|secret`)
	settingsEnvRE    = lazyre.New(`DJANGO_SETTINGS_MODULE["']?\s*[,=:]\s*["']?([A-Za-z_][A-Za-z0-9_.]*)`)
)

// IsSettingsCandidate reports whether a Python file is a settings module by
// name, or by assigning at least two of Django's core settings.
func IsSettingsCandidate(p string, data []byte) bool {
	if !strings.HasSuffix(p, ".py") {
		return false
	}
	base := path.Base(p)
	if strings.HasPrefix(base, "test_") || strings.Contains(p, "/migrations/") {
		return false
	}
	if base == "global_settings.py" || strings.HasSuffix(p, "django/conf/project_template/project_name/settings.py") {
		// Django's own defaults table, in a vendored Django: not a
		// project's settings.
		return false
	}
	if settingsNameRE().MatchString(p) && base != "__init__.py" {
		return true
	}
	if base == "__init__.py" && strings.HasSuffix(path.Dir(p), "settings") {
		return len(settingsBodyRE().FindAllIndex(data, 2)) >= 1
	}
	return len(settingsBodyRE().FindAllIndex(data, 2)) >= 2
}

// moduleName turns a path into a dotted module name.
func moduleName(p string) string {
	p = strings.TrimSuffix(p, ".py")
	p = strings.TrimSuffix(p, "/__init__")
	return strings.ReplaceAll(p, "/", ".")
}

func lastSegment(module string) string {
	if i := strings.LastIndexByte(module, '.'); i >= 0 {
		return module[i+1:]
	}
	return module
}

// roleOf decides whether a settings module is for development.
func roleOf(module string, production map[string]bool) settings.Role {
	if production[module] {
		return settings.Production
	}
	last := strings.ToLower(lastSegment(module))
	if last == "settings" || last == "__init__" {
		return settings.Production
	}
	if devModuleRE().MatchString(last) && !prodModuleRE().MatchString(last) {
		return settings.Development
	}
	return settings.Production
}

// declaredSettingsModules reads DJANGO_SETTINGS_MODULE from the files that
// usually name it: manage.py, wsgi.py, asgi.py, Dockerfile, Procfile,
// fly.toml, compose files and .env files.
func declaredSettingsModules(files map[string][]byte) map[string]bool {
	out := map[string]bool{}
	for p, data := range files {
		base := path.Base(p)
		switch {
		case base == "manage.py", base == "wsgi.py", base == "asgi.py", strings.HasPrefix(base, "Dockerfile"),
			base == "Procfile", base == "fly.toml", strings.Contains(base, "compose"), strings.HasPrefix(base, ".env"):
		default:
			continue
		}
		for _, m := range settingsEnvRE().FindAllSubmatch(data, -1) {
			out[string(m[1])] = true
		}
	}
	return out
}

// ReadFile gives the settings evaluator the project's files; with Paths it
// makes *Project a settings.FileSet, so star-imports resolve against the
// paths sorted once.
func (p *Project) ReadFile(path string) ([]byte, bool) { b, ok := p.Files[path]; return b, ok }

// loadSettings evaluates every settings candidate and keeps the entry
// modules: those no other candidate star-imports.
func (p *Project) loadSettings() {
	var candidates []string
	for _, fp := range p.Paths() {
		if IsSettingsCandidate(fp, p.Files[fp]) {
			candidates = append(candidates, fp)
		}
	}
	declared := declaredSettingsModules(p.Files)
	production := map[string]bool{}
	if ps := p.Config.ProductionSettings; ps != "" {
		production[moduleName(ps)] = true
		production[ps] = true
	}
	models := map[string]*settings.Model{}
	imported := map[string]bool{}
	reported := map[string]bool{}
	for _, c := range candidates {
		m := settings.Evaluate(p, c)
		m.Module = moduleName(c)
		models[c] = m
		for _, d := range m.Diags {
			// Syntax errors are DJS001 findings; everything else the
			// evaluator could not read is a file error, once per message.
			if d.Kind != "syntax" && !reported[d.Message] {
				reported[d.Message] = true
				p.fileErr(d.Pos.Path, "%s", d.Message)
			}
		}
		for _, f := range m.Files {
			if f != c {
				imported[f] = true
			}
		}
		for _, f := range m.Skipped {
			// try: from .local_settings import * — a fragment that
			// overrides another module, not a settings module of its own.
			imported[f] = true
		}
	}
	// A candidate that star-imports one of its importers is in an import
	// cycle: each module of the cycle imports another, so none would be an
	// entry and one added line would hide every setting. Such a candidate
	// stays an entry unless an importer outside its cycle reads it.
	for _, c := range candidates {
		if !imported[c] {
			continue
		}
		outside := false
		for _, d := range candidates {
			if d != c && slices.Contains(models[d].Files, c) && !slices.Contains(models[c].Files, d) && !slices.Contains(models[c].Skipped, d) {
				outside = true
				break
			}
		}
		if !outside && !slices.ContainsFunc(candidates, func(d string) bool { return slices.Contains(models[d].Skipped, c) }) {
			imported[c] = false
		}
	}
	for _, c := range candidates {
		if imported[c] {
			continue
		}
		m := models[c]
		prod := production
		if len(production) == 0 {
			prod = map[string]bool{}
			for mod := range declared {
				prod[mod] = !devModuleRE().MatchString(strings.ToLower(lastSegment(mod))) || prodModuleRE().MatchString(lastSegment(mod))
			}
		}
		m.Role = roleOf(m.Module, prod)
		m.Why = "by its name"
		if _, full := m.Lookup("INSTALLED_APPS"); !full && fragmentModuleRE().MatchString(strings.ToLower(lastSegment(m.Module))) {
			// A fragment (a local_settings.py, a deployment override)
			// sets a few names on top of settings djsec cannot see, so
			// what it leaves unset is no evidence of anything.
			m.Opaque = true
		}
		p.Settings = append(p.Settings, m)
	}
	sort.SliceStable(p.Settings, func(i, j int) bool {
		a, b := p.Settings[i], p.Settings[j]
		if a.Role != b.Role {
			return a.Role < b.Role
		}
		return a.Path < b.Path
	})
}

// Modules lists the settings modules and their roles, in path order: the
// entry modules and every project module they star-import (a base.py
// imported by production.py and dev.py takes the first role of the order
// production, development, test, example).
func (p *Project) Modules() []ModuleInfo {
	seen := map[string]int{}
	var out []ModuleInfo
	for _, m := range p.Settings {
		for _, f := range m.Files {
			why := m.Why
			if f != m.Path {
				why = "imported by " + m.Path
			}
			if i, ok := seen[f]; ok {
				if f == m.Path {
					out[i].Why = why
				}
				continue
			}
			seen[f] = len(out)
			out = append(out, ModuleInfo{Path: f, Role: m.Role.String(), Why: why})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// isEnvFile matches .env, .env.production, prod.env and the example forms.
func isEnvFile(p string) bool {
	base := path.Base(p)
	return base == ".env" || strings.HasPrefix(base, ".env.") || strings.HasSuffix(base, ".env")
}

// IsEnvExample reports a dotenv file meant to be committed as documentation.
func IsEnvExample(p string) bool {
	base := strings.ToLower(path.Base(p))
	for _, s := range []string{"example", "sample", "template", "dist", "defaults", "tmpl", "tpl"} {
		if strings.Contains(base, s) {
			return true
		}
	}
	return false
}
