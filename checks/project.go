package checks

import (
	"bytes"
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
	// copied maps a module a build copies into place (settings/config.py)
	// to its source in the repository (docker/config.py).
	copied map[string]string
	// ownLimiter caches authProjectLimiter, which reads every code file.
	ownLimiter *bool
	// codeMentions caches what every line of code was searched for.
	codeMentions map[string]bool
	// derived pairs a production module with the production module it
	// star-imports ({importer, imported}): what the imported one leaves
	// unset is reported on it alone.
	derived [][2]string
}

// Paths lists the analyzed files in sorted order; rules walk it so their
// findings come out in a stable order.
func (p *Project) Paths() []string { return p.paths }

var (
	settingsNameRE   = lazyre.New(`(^|/)(settings|[^/]*_settings|settings_[^/]*)\.py$|(^|/)settings/[^/]+\.py$`)
	settingsBodyRE   = lazyre.New(`(?m)^(SECRET_KEY|INSTALLED_APPS|MIDDLEWARE|ROOT_URLCONF|DATABASES|ALLOWED_HOSTS|WSGI_APPLICATION)\s*=`)
	fragmentModuleRE = lazyre.New(`local|override|custom|site_settings|secret`)
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

// DefinesCoreSettings reports a module whose own text assigns at least two
// of Django's core settings at the start of a line: a settings module that
// stands on its own, whatever names it.
func DefinesCoreSettings(data []byte) bool {
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

// settingsFiles is the project as the settings evaluator reads it: the
// repository's files plus the modules a build copies into place, at the
// path they run from.
type settingsFiles struct {
	p     *Project
	paths []string
}

func (fs settingsFiles) ReadFile(name string) ([]byte, bool) {
	if src, ok := fs.p.copied[name]; ok {
		return fs.p.Files[src], true
	}
	return fs.p.ReadFile(name)
}

func (fs settingsFiles) Paths() []string { return fs.paths }

// ReadFile gives the settings evaluator the project's files; with Paths it
// makes *Project a settings.FileSet, so star-imports resolve against the
// paths sorted once.
func (p *Project) ReadFile(path string) ([]byte, bool) { b, ok := p.Files[path]; return b, ok }

// realPath maps a path the evaluator read back to the repository file it
// came from (a copied module's source).
func (p *Project) realPath(name string) string {
	if src, ok := p.copied[name]; ok {
		return src
	}
	return name
}

// loadSettings finds the settings modules the way Django does (entry
// points name them, their star-imports complete them), evaluates them and
// gives each entry module a role.
func (p *Project) loadSettings() {
	refs := scanEntryPoints(p.Files, p.Paths())
	p.copied = map[string]string{}
	copySources := map[string]bool{}
	fsPaths := slices.Clone(p.Paths())
	for _, c := range dockerCopies(p.Files, p.Paths()) {
		if _, dup := p.copied[c.Target]; dup {
			continue
		}
		p.copied[c.Target] = c.Source
		copySources[c.Source] = true
		fsPaths = append(fsPaths, c.Target)
	}
	sort.Strings(fsPaths)
	var pyPaths []string
	for _, fp := range fsPaths {
		if strings.HasSuffix(fp, ".py") {
			pyPaths = append(pyPaths, fp)
		}
	}
	named := resolveRefs(refs, pyPaths)
	if ps := p.Config.ProductionSettings; ps != "" {
		// The repository's own word: the module is settings whatever it
		// sets (assignRoles makes it production).
		ref := entryRef{Module: strings.TrimSuffix(ps, ".py"), From: ConfigPath, Kind: entryServe, What: "production_settings"}
		if strings.HasSuffix(ps, ".py") {
			named[path.Clean(ps)] = append(named[path.Clean(ps)], ref)
		} else {
			for p, r := range resolveRefs([]entryRef{ref}, pyPaths) {
				named[p] = append(named[p], r...)
			}
		}
	}
	// A copy only stands in for a module that an entry point names and
	// that the repository does not hold under that name.
	for target, src := range p.copied {
		if len(named[target]) == 0 {
			delete(p.copied, target)
			delete(copySources, src)
			fsPaths = slices.DeleteFunc(fsPaths, func(s string) bool { return s == target })
		}
	}
	fs := settingsFiles{p: p, paths: fsPaths}

	var candidates []string
	for _, fp := range fsPaths {
		if copySources[fp] || !strings.HasSuffix(fp, ".py") {
			continue // a copied module is analysed where the build puts it
		}
		data, _ := fs.ReadFile(fp)
		if len(named[fp]) > 0 || IsSettingsCandidate(fp, data) {
			candidates = append(candidates, fp)
		}
	}
	models := map[string]*settings.Model{}
	variants := map[string][]*settings.Model{}
	imported := map[string]bool{}
	reported := map[string]bool{}
	for _, c := range candidates {
		m := settings.Evaluate(fs, c)
		m.Module = moduleName(c)
		p.legacyMiddleware(m)
		for _, v := range m.Variants {
			// include(f"environments/{ENV}.py"): one model per file the
			// deployment selector can pick, each judged by its own role.
			mv := settings.EvaluateVariant(fs, c, v)
			mv.Module = m.Module
			p.legacyMiddleware(mv)
			variants[c] = append(variants[c], mv)
			for _, f := range mv.Files {
				if f != c {
					imported[f] = true
				}
			}
		}
		models[c] = m
		for _, d := range m.Diags {
			// Syntax errors are DJS001 findings; everything else the
			// evaluator could not read is a file error, once per message.
			if d.Kind != "syntax" && !reported[d.Message] {
				reported[d.Message] = true
				p.fileErr(p.realPath(d.Pos.Path), "%s", d.Message)
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
	var entries []*roleCandidate
	for _, c := range candidates {
		if imported[c] {
			continue
		}
		m := models[c]
		switch {
		case hasSyntaxError(m):
			// Stays, so DJS001 says what could not be read.
		case len(named[c]) == 0 && !definesCore(m):
			// Named settings.py or kept in a settings/ folder, but it sets
			// none of Django's core settings and nothing starts Django
			// with it: an app's module, constants, a pytest plugin.
			continue
		case !setsAnySetting(m):
			// Named by an entry point but empty (a package __init__.py
			// whose modules are chosen elsewhere): nothing to judge. One
			// that holds code (class-based settings exported by a helper)
			// is said to be unread rather than dropped in silence.
			if data, _ := fs.ReadFile(c); bytes.Contains(data, []byte("class ")) {
				p.fileErr(p.realPath(c), "%s is named as the settings module (%s) but sets no settings djsec can read: class-based settings (django-configurations and the like) are not modelled, so nothing in it is judged",
					p.realPath(c), refNames(named[c]))
			}
			continue
		}
		if vs := variants[c]; len(vs) > 0 {
			for _, mv := range vs {
				entries = append(entries, &roleCandidate{m: mv, refs: named[c]})
			}
			continue
		}
		data, _ := fs.ReadFile(c)
		entries = append(entries, &roleCandidate{m: m, refs: named[c], template: templateSource(data)})
	}
	assignRoles(entries, p.Config.ProductionSettings)
	// A module other settings star-import is judged through them (base.py
	// through production.py). But when wsgi.py, asgi.py, a deployment file
	// or manage.py runs it as the site's settings and no importer makes a
	// stronger production claim (only test settings extend it, or a worker's
	// module), it is the production module itself and is judged as one.
	var extra []*roleCandidate
	for _, c := range candidates {
		if !imported[c] || !servesByDefault(named[c]) || len(variants[c]) > 0 {
			continue
		}
		m := models[c]
		if !definesCore(m) && !hasSyntaxError(m) {
			continue
		}
		stronger := false
		for _, e := range entries {
			if slices.Contains(e.m.Files, c) && strongProduction(e) {
				stronger = true
			}
		}
		if stronger {
			continue
		}
		data, _ := fs.ReadFile(c)
		extra = append(extra, &roleCandidate{m: m, refs: named[c], template: templateSource(data)})
	}
	if len(extra) > 0 {
		all := append(append([]*roleCandidate{}, entries...), extra...)
		assignRoles(all, p.Config.ProductionSettings)
		entries = all
		// An importer that is production too (a worker's settings built
		// on the site's) would repeat the site's "not set" findings.
		for _, e := range entries {
			for _, x := range extra {
				if e != x && e.m.Role == settings.Production && x.m.Role == settings.Production && slices.Contains(e.m.Files, x.m.Path) {
					p.derived = append(p.derived, [2]string{e.m.Path, x.m.Path})
				}
			}
		}
	}
	for _, rc := range entries {
		m := rc.m
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

// legacyMiddleware reads MIDDLEWARE_CLASSES as Django before 2.0 did: the
// only middleware setting before 1.10, and the one in force in 1.10 and
// 1.11 while MIDDLEWARE is unset. From 2.0 on Django ignores it, so a
// project that pins such a release and sets only MIDDLEWARE_CLASSES really
// runs with no middleware, and the rules say so.
func (p *Project) legacyMiddleware(m *settings.Model) {
	if _, ok := m.Lookup("MIDDLEWARE"); ok {
		return
	}
	old, ok := m.Lookup("MIDDLEWARE_CLASSES")
	if !ok || p.DjangoKnown && p.Django[0] >= 2 {
		return
	}
	m.Settings["MIDDLEWARE"] = &settings.Setting{Name: "MIDDLEWARE_CLASSES", Value: old.Value, Pos: old.Pos}
}

// setsAnySetting reports whether a module sets an upper-case name.
func setsAnySetting(m *settings.Model) bool {
	for name := range m.Settings {
		if name != "" && strings.ToUpper(name) == name && name[0] != '_' {
			return true
		}
	}
	return m.Opaque
}

// hasSyntaxError reports a module that did not parse: it stays a settings
// module so DJS001 says so, whatever else it sets.
func hasSyntaxError(m *settings.Model) bool {
	for _, d := range m.Diags {
		if d.Kind == "syntax" {
			return true
		}
	}
	return false
}

// Modules lists the settings modules and their roles, in path order: the
// entry modules and every project module they star-import (a base.py
// imported by production.py and dev.py takes the first role of the order
// production, development, test, example).
func (p *Project) Modules() []ModuleInfo {
	seen := map[string]int{}
	var out []ModuleInfo
	for _, m := range p.Settings {
		entry := p.realPath(m.Path)
		for _, f := range m.Files {
			why := m.Why
			if f != m.Path {
				why = "imported by " + entry
			} else if entry != f {
				why += "; copied to " + f + " by the image build"
			}
			f = p.realPath(f)
			if f != entry && f != m.Variant && !IsSettingsCandidate(f, p.Files[f]) && !strings.Contains("/"+path.Dir(f)+"/", "/settings/") {
				// A helper or constants module imported for a name or two
				// (config/env.py): read, but not settings.
				continue
			}
			if i, ok := seen[f]; ok {
				if f == entry && strings.HasPrefix(out[i].Why, "imported by ") && out[i].Role == m.Role.String() {
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
