package checks

import (
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/djsec/djsec/internal/lazyre"
)

// Django finds its settings the way a process is started: manage.py,
// wsgi.py and asgi.py set DJANGO_SETTINGS_MODULE's default, a Dockerfile,
// Procfile, compose file or platform file sets the variable for the
// process that serves traffic, pytest and tox set it for test runs, and
// `--settings=` overrides it on a command line. djsec reads the same
// places to learn which modules are settings and which deployment each
// serves (roles.go).

// entryKind is what kind of process a reference starts, which decides the
// role it gives the module it names.
type entryKind uint8

const (
	// entryServe starts the server that takes traffic: wsgi.py/asgi.py, a
	// Dockerfile, a Procfile, fly.toml, app.json, a production compose file.
	entryServe entryKind = iota
	// entryManage is manage.py's default: what a developer's commands use
	// unless something else names the production module.
	entryManage
	// entryDev starts a development server: a compose file or script that
	// runs runserver, a Dockerfile for local use.
	entryDev
	// entryTest starts a test run: pytest/tox configuration, CI workflows,
	// a conftest.py.
	entryTest
	// entryOther names a module without saying which deployment uses it
	// (celery.py, a plain .env, a script).
	entryOther
	// entryDocs builds the documentation (docs/conf.py): no traffic.
	entryDocs
)

// entryRef is one place that names a settings module.
type entryRef struct {
	// Module is the dotted module name as written ("mysite.settings.prod").
	Module string
	// From is the file that names it.
	From string
	Kind entryKind
	// What says how, for people: "wsgi.py", "Dockerfile ENV", "pytest.ini".
	What string
}

var (
	// DJANGO_SETTINGS_MODULE followed by a value: Python calls and
	// assignments, shell and Dockerfile ENV (= or space), YAML and TOML
	// (: or =), JSON ("…": "…" or "…": {"value": "…"}), ${VAR:-default}.
	entrySettingsEnvRE = lazyre.New(`DJANGO_SETTINGS_MODULE["']?\s*(?:[,=:]|\s)\s*(?:\{\s*"value"\s*:\s*)?["']?(?:\$\{DJANGO_SETTINGS_MODULE:?-)?([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)`)
	// render.yaml and similar: "- key: DJANGO_SETTINGS_MODULE" then "value: x".
	entryKeyValueRE = lazyre.New(`key:\s*["']?DJANGO_SETTINGS_MODULE["']?\s*\n\s*value:\s*["']?([A-Za-z_][A-Za-z0-9_.]*)`)
	// --settings=mysite.settings.test, --settings mysite.settings.test,
	// and pytest-django's --ds.
	entrySettingsFlagRE = lazyre.New(`--(?:settings|ds)(?:=|\s+)["']?([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)`)
	// pytest-django's ini key: DJANGO_SETTINGS_MODULE = x is caught above;
	// "ds = x" is its short form.
	entryPytestDSRE = lazyre.New(`(?m)^\s*ds\s*=\s*["']?([A-Za-z_][A-Za-z0-9_.]*)`)
	// A CI workflow's environment variables whose value is a dotted module
	// (NETBOX_CONFIGURATION: app.configuration_testing): a module a test
	// run loads by another name than DJANGO_SETTINGS_MODULE.
	entryCIModuleRE = lazyre.New(`(?m)^\s*-?\s*["']?[A-Z][A-Z0-9_]*["']?\s*[:=]\s*["']?([a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*)["']?\s*$`)
	// Names that say a file serves development, tests or production.
	entryDevNameRE  = lazyre.New(`(^|[-_.])(dev|devel|development|local|debug)([-_.]|$)`)
	entryTestNameRE = lazyre.New(`(^|[-_.])(test|tests|testing|ci)([-_.]|$)`)
	entryProdNameRE = lazyre.New(`(^|[-_.])(prod|production|live|deploy|deployment|staging|release)([-_.]|$)`)
)

// scanEntryPoints reads every file that can name a settings module.
func scanEntryPoints(files map[string][]byte, paths []string) []entryRef {
	var out []entryRef
	for _, p := range paths {
		data := files[p]
		kind, what, ok := entryFileKind(p, data)
		if !ok {
			continue
		}
		add := func(mod string, k entryKind, w string) {
			mod = strings.TrimSuffix(mod, ".")
			if mod == "" || strings.HasPrefix(mod, "$") {
				return
			}
			out = append(out, entryRef{Module: mod, From: p, Kind: k, What: w})
		}
		for _, m := range entrySettingsEnvRE().FindAllSubmatch(data, -1) {
			add(string(m[1]), kind, what)
		}
		for _, m := range entryKeyValueRE().FindAllSubmatch(data, -1) {
			add(string(m[1]), kind, what)
		}
		for _, loc := range entrySettingsFlagRE().FindAllSubmatchIndex(data, -1) {
			// The command on the flag's line says what it starts: a
			// runserver is development, a test run is a test, whatever
			// file it is written in.
			k, w := kind, what+" --settings"
			switch line := lineAround(data, loc[0]); {
			case strings.Contains(line, "runserver"):
				k = entryDev
			case strings.Contains(line, " test") || strings.Contains(line, "pytest"):
				k = entryTest
			case kind == entryOther && (strings.Contains(line, "gunicorn") || strings.Contains(line, "uwsgi") ||
				strings.Contains(line, "uvicorn") || strings.Contains(line, "daphne")):
				k = entryServe
			}
			add(string(data[loc[2]:loc[3]]), k, w)
		}
		if kind == entryTest && (strings.HasSuffix(p, ".ini") || strings.HasSuffix(p, ".cfg") || strings.HasSuffix(p, ".toml")) {
			for _, m := range entryPytestDSRE().FindAllSubmatch(data, -1) {
				add(string(m[1]), kind, what)
			}
		}
		if kind == entryTest && entryCIFile(p) {
			for _, m := range entryCIModuleRE().FindAllSubmatch(data, -1) {
				if strings.Contains(string(m[1]), ".") || strings.Contains(string(m[1]), "_") {
					add(string(m[1]), kind, what+" (environment)")
				}
			}
		}
	}
	return out
}

// lineAround is the line of data holding offset i.
func lineAround(data []byte, i int) string {
	start, end := i, i
	for start > 0 && data[start-1] != '\n' {
		start--
	}
	for end < len(data) && data[end] != '\n' {
		end++
	}
	return string(data[start:end])
}

// entryFileKind says whether a file can name a settings module and which
// kind of process it starts.
func entryFileKind(p string, data []byte) (entryKind, string, bool) {
	base := path.Base(p)
	lower := strings.ToLower(base)
	stem := strings.TrimSuffix(lower, path.Ext(lower))
	switch {
	case strings.HasSuffix(lower, ".py"):
		if !strings.Contains(string(data), "DJANGO_SETTINGS_MODULE") && !strings.Contains(string(data), "--settings") {
			return 0, "", false
		}
		switch {
		case lower == "manage.py":
			return entryManage, "manage.py", true
		case lower == "wsgi.py", lower == "asgi.py", strings.HasPrefix(lower, "gunicorn"):
			return entryServe, base, true
		case strings.Contains(string(data), "get_wsgi_application") || strings.Contains(string(data), "get_asgi_application"):
			return entryServe, base + " (WSGI/ASGI application)", true
		case lower == "conftest.py" || underTestsDir(p):
			return entryTest, base, true
		case underDir(p, "docs", "doc"):
			return entryDocs, base + " (the documentation build)", true
		}
		return entryOther, base, true
	case strings.HasPrefix(lower, "dockerfile") || strings.HasSuffix(lower, ".dockerfile") || lower == "containerfile":
		if nameSays(entryDevNameRE(), lower) {
			return entryDev, base + " (a development image)", true
		}
		if nameSays(entryTestNameRE(), lower) {
			return entryTest, base + " (a test image)", true
		}
		return entryServe, base, true
	case base == "Procfile" || strings.HasPrefix(base, "Procfile."):
		return entryServe, base, true
	case lower == "fly.toml", lower == "app.json", lower == "render.yaml", lower == "app.yaml", lower == "heroku.yml",
		lower == "railway.json", lower == "railway.toml", lower == "nixpacks.toml", platformSpec(p):
		return entryServe, base, true
	case relevantCompose(lower):
		switch {
		case nameSays(entryProdNameRE(), stem):
			return entryServe, base, true
		case nameSays(entryDevNameRE(), stem) || strings.Contains(string(data), "runserver"):
			return entryDev, base + " (runs runserver)", true
		case nameSays(entryTestNameRE(), stem):
			return entryTest, base, true
		}
		return entryOther, base, true
	case lower == "pytest.ini", lower == "tox.ini", lower == "setup.cfg", lower == ".coveragerc":
		return entryTest, base, true
	case lower == "pyproject.toml":
		// Only its pytest and tox sections name a settings module.
		return entryTest, base, true
	case entryCIFile(p):
		return entryTest, p + " (CI)", true
	case isEnvFile(p):
		switch {
		case IsEnvExample(p):
			return entryOther, base, true
		case nameSays(entryProdNameRE(), lower):
			return entryServe, base, true
		case nameSays(entryDevNameRE(), lower):
			return entryDev, base, true
		case nameSays(entryTestNameRE(), lower):
			return entryTest, base, true
		}
		return entryOther, base, true
	case strings.HasSuffix(lower, ".ini"):
		if strings.Contains(string(data), "[uwsgi]") {
			return entryServe, base + " (uWSGI)", true
		}
		return entryOther, base, true
	case strings.HasSuffix(lower, ".sh"), base == "Makefile", strings.HasSuffix(lower, ".mk"):
		if nameSays(entryTestNameRE(), stem) || underTestsDir(p) {
			return entryTest, base, true
		}
		return entryOther, base, true
	}
	return 0, "", false
}

// platformSpec matches a hosting platform's app specification kept in a
// folder of its own (DigitalOcean's .do/app.yaml and deploy templates).
func platformSpec(p string) bool {
	lower := strings.ToLower(p)
	return strings.HasPrefix(lower, ".do/") && (strings.HasSuffix(lower, ".yaml") || strings.HasSuffix(lower, ".yml"))
}

// underDir reports a path inside a folder of one of these names.
func underDir(p string, names ...string) bool {
	for _, d := range strings.Split(path.Dir(p), "/") {
		for _, n := range names {
			if d == n {
				return true
			}
		}
	}
	return false
}

// entryCIFile matches CI configuration: GitHub workflows, GitLab,
// CircleCI, Travis, Azure Pipelines, Bitbucket and Woodpecker.
func entryCIFile(p string) bool {
	lower := strings.ToLower(p)
	switch {
	case strings.HasPrefix(lower, ".github/workflows/") && strings.Count(lower, "/") == 2 &&
		(strings.HasSuffix(lower, ".yml") || strings.HasSuffix(lower, ".yaml")):
		// GitHub reads workflows from the folder itself, not below it.
		return true
	case lower == ".gitlab-ci.yml", lower == ".travis.yml", lower == "azure-pipelines.yml", lower == "bitbucket-pipelines.yml",
		lower == ".circleci/config.yml", strings.HasPrefix(lower, ".woodpecker"):
		return true
	}
	return false
}

func underTestsDir(p string) bool {
	for _, d := range strings.Split(path.Dir(p), "/") {
		if d == "tests" || d == "test" {
			return true
		}
	}
	return false
}

// nameSays matches a role pattern against a file or module name, split
// into words on "-", "_" and ".".
func nameSays(re *regexp.Regexp, name string) bool { return re.MatchString(strings.ToLower(name)) }

// copiedModule is a file a build step copies into place, where it runs
// under another name: `RUN cp docker/config.py settings/config.py` makes
// docker/config.py the module settings.config.
type copiedModule struct {
	// Source is the file in the repository; Target is where it runs,
	// relative to the repository root.
	Source, Target string
}

var (
	entryCopyRE = lazyre.New(`(?:^|[\s;&|(])(?:COPY|ADD|cp|install)(?:\s+-[-A-Za-z=]+)*\s+["']?([A-Za-z0-9_./-]+\.py)["']?\s+["']?([A-Za-z0-9_./-]+\.py)["']?`)
)

// dockerCopies lists Python files that Dockerfiles copy to another path in
// the image. A target is mapped back into the repository by its longest
// tail whose directory exists there (the image's WORKDIR holds a copy of
// the repository, so /app/mysite/settings/prod.py is mysite/settings/prod.py).
func dockerCopies(files map[string][]byte, paths []string) []copiedModule {
	dirs := map[string]bool{"": true}
	for _, p := range paths {
		for d := path.Dir(p); d != "." && !dirs[d]; d = path.Dir(d) {
			dirs[d] = true
		}
	}
	var out []copiedModule
	for _, p := range paths {
		lower := strings.ToLower(path.Base(p))
		if !strings.HasPrefix(lower, "dockerfile") && !strings.HasSuffix(lower, ".dockerfile") && lower != "containerfile" {
			continue
		}
		ctx := path.Dir(p)
		for _, m := range entryCopyRE().FindAllSubmatch(files[p], -1) {
			src, dst := path.Clean(string(m[1])), string(m[2])
			if _, ok := files[src]; !ok {
				// A COPY source is relative to the build context, which is
				// usually the repository root but may be the Dockerfile's.
				if alt := path.Join(ctx, src); files[alt] != nil {
					src = alt
				} else {
					continue
				}
			}
			target := mapIntoRepo(dst, dirs)
			if target == "" || target == src {
				continue
			}
			if _, exists := files[target]; exists {
				continue // replaces a file we read anyway
			}
			out = append(out, copiedModule{Source: src, Target: target})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Target < out[j].Target })
	return out
}

// mapIntoRepo finds the repository path an image path stands for.
func mapIntoRepo(dst string, dirs map[string]bool) string {
	parts := strings.Split(strings.Trim(path.Clean("/"+dst), "/"), "/")
	for i := range parts {
		tail := strings.Join(parts[i:], "/")
		dir := path.Dir(tail)
		if dir == "." {
			dir = ""
		}
		if dir != "" && dirs[dir] {
			return tail
		}
	}
	return ""
}

// EntryPointFile reports, by path alone, a file that may name a settings
// module (manage.py, wsgi.py, a Dockerfile, pytest.ini, a CI workflow …):
// a pull request's check reads these unchanged files too, so its modules
// get the roles `bot audit` gives them.
func EntryPointFile(p string) bool {
	base := path.Base(p)
	lower := strings.ToLower(base)
	switch {
	case lower == "manage.py", lower == "wsgi.py", lower == "asgi.py", lower == "railway.json", lower == "railway.toml", platformSpec(p):
		return true
	case strings.HasPrefix(lower, "dockerfile"), strings.HasSuffix(lower, ".dockerfile"), lower == "containerfile":
		return true
	case base == "Procfile", lower == "fly.toml", lower == "app.json", lower == "render.yaml", lower == "heroku.yml":
		return true
	case relevantCompose(lower):
		return true
	case lower == "pytest.ini", lower == "tox.ini", lower == "setup.cfg", lower == "pyproject.toml":
		return true
	case strings.HasSuffix(lower, ".ini") && strings.Contains(lower, "uwsgi"):
		return true
	case entryCIFile(p):
		return true
	}
	return false
}

// NamedModules lists the Python files that the given entry-point files
// name as settings (DJANGO_SETTINGS_MODULE, --settings) or copy into place
// (a Dockerfile's cp docker/config.py settings/config.py), among paths, the
// repository's files.
func NamedModules(files map[string][]byte, paths []string) []string {
	keys := make([]string, 0, len(files))
	for p := range files {
		keys = append(keys, p)
	}
	sort.Strings(keys)
	var py []string
	exists := map[string][]byte{}
	for _, p := range paths {
		if strings.HasSuffix(p, ".py") {
			py = append(py, p)
			exists[p] = nil
		}
	}
	for p, data := range files {
		exists[p] = data
	}
	seen := map[string]bool{}
	var out []string
	for p := range resolveRefs(scanEntryPoints(files, keys), py) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	all := append([]string(nil), paths...)
	sort.Strings(all)
	for _, c := range dockerCopies(exists, all) {
		if !seen[c.Source] {
			seen[c.Source] = true
			out = append(out, c.Source)
		}
	}
	sort.Strings(out)
	return out
}
