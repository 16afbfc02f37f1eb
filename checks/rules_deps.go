package checks

import (
	"bytes"
	"fmt"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"go.yaml.in/yaml/v3"

	"github.com/djsec/djsec/checks/deps"
	"github.com/djsec/djsec/checks/pysrc"
	"github.com/djsec/djsec/checks/settings"
	"github.com/djsec/djsec/internal/lazyre"
)

// Dependencies and deployment (RULES.md §10; checklist §15 and the notes).
// DJS1002 (vulnerable-dependency) lives in rules_vuln.go, next to the
// advisory data it reads.
var (
	ruleDjangoEOL = &Rule{
		ID: "DJS1001", Slug: "django-eol", Severity: High, Where: "R", Section: 10,
		Title:     "Django release series is past end of support",
		FiresWhen: "the pinned Django version's series is past end of support",
		Doc: "Django fixes security issues only in its supported release series: the current feature " +
			"release, the one before it, and the long-term-support (LTS) release (every X.2). Once a series " +
			"leaves security support, new vulnerabilities are published with fixes for other series only, so " +
			"a project on it stays exposed.\n\n" +
			"djsec judges the Django version a production install gets: an exact pin (`Django==4.2.11`), the " +
			"version a lock file next to the manifest holds (poetry.lock, uv.lock, pdm.lock, Pipfile.lock; a " +
			"Django only the lock lists is judged at its line there), or the highest version a bounded range " +
			"allows (`Django>=4.2,<4.3` can only install 4.2). A range " +
			"with no upper bound is not judged (see DJS1003), nor are development-only manifests, nor the range " +
			"of an input list when another production file of the same project pins Django (a requirements.txt " +
			"compiled from it, a lock file): that pin is judged. The " +
			"finding is high once security support has ended and medium, \"plan the upgrade\", in the 90 " +
			"days before. Support dates come from Django's supported-versions table " +
			"(https://www.djangoproject.com/download/#supported-versions) as bundled with djsec; dates " +
			"Django has not confirmed yet are marked as projected.",
		Fix: "Upgrade to a supported series, preferably the current LTS, and pin it:\n\n" +
			"```\n# requirements.txt\nDjango==5.2.18\n# or follow the series' security releases\nDjango>=5.2,<5.3\n```\n\n" +
			"Read the release notes of every series in between and run `python -Wd manage.py test` to see " +
			"deprecation warnings before the upgrade.",
	}
	ruleDependencyUnpinned = &Rule{
		ID: "DJS1003", Slug: "dependency-unpinned", Severity: Low, Where: "R", Section: 10,
		Title:     "Security-relevant dependency is not pinned",
		FiresWhen: "Django or a security package has no exact pin or upper bound, and no pinned or lock file of the project covers it",
		Doc: "A requirement such as `Django>=4.2` or `djangorestframework` installs whatever is newest on " +
			"the day of the build, so two deployments of the same commit can run different major versions " +
			"of the code that guards authentication, CORS, CSRF and tokens; a release that changes a default " +
			"or drops a setting then ships untested.\n\n" +
			"djsec looks at Django and the packages the checklist relies on: djangorestframework, " +
			"djangorestframework-simplejwt, django-cors-headers, django-axes, django-ratelimit, dj-rest-auth, " +
			"django-allauth, django-csp, cryptography and PyJWT. A requirement is fine with an exact pin " +
			"(`==`, `===`, a Poetry bare version), an upper bound (`<5`, `~=4.2`, `==4.2.*`, Poetry `^`/`~`), " +
			"a pin from a constraints file (`-c`), or a direct URL. Development-only manifests are not " +
			"judged, and neither is a manifest with a lock file next to it (poetry.lock, Pipfile.lock, " +
			"uv.lock, pdm.lock): the lock pins what gets installed. The same holds for an input list " +
			"(`requirements-base.txt`, `requirements/common.txt`, `pyproject.toml` dependencies) when another " +
			"production file of the same project pins the package exactly or locks it, as pip-tools, " +
			"`uv pip compile` and similar workflows do: the project of a manifest is its folder, or the " +
			"folder above a `requirements/` folder.",
		Fix: "Pin the version, or bound it to a series and commit a lock file:\n\n" +
			"```\n# requirements.txt\nDjango==5.2.18\ndjangorestframework>=3.15,<3.16\n```\n\n" +
			"With pip-tools, keep ranges in `requirements.in` and install from the compiled " +
			"`requirements.txt`; with Poetry, uv or PDM, commit the lock file.",
	}
	ruleDevToolInProduction = &Rule{
		ID: "DJS1004", Slug: "dev-tool-in-production", Severity: Medium, Where: "S", Section: 10,
		Title:     "Debug toolbar installed in production",
		FiresWhen: "production settings install django-debug-toolbar's app and middleware unconditionally",
		Doc: "django-debug-toolbar shows the SQL queries, settings, headers, templates and cache calls of every " +
			"request to whoever its `SHOW_TOOLBAR_CALLBACK` lets through (by default, `DEBUG` on and a client in " +
			"`INTERNAL_IPS`, which a proxy or a container network can make every client); its panels have had " +
			"their own vulnerabilities. It does not belong in a production install.\n\n" +
			"djsec reports production settings whose `INSTALLED_APPS` holds `debug_toolbar` and whose " +
			"`MIDDLEWARE` holds its `DebugToolbarMiddleware` (or a subclass whose path ends in " +
			"`.DebugToolbarMiddleware`), both unconditionally. Added only under `if DEBUG:` (or another " +
			"condition djsec cannot decide), removed again unless DEBUG, or added in development settings only: " +
			"not reported. A package listed in a requirements file is not reported either: installing it " +
			"exposes nothing until settings enable it. django-extensions is not judged: it adds management " +
			"commands that need a shell on the server, and its Werkzeug debugger (`runserver_plus`) is " +
			"reported where a deployment starts it (DJS1006).",
		Fix: "Add the toolbar in development settings only, and move the package to development requirements:\n\n" +
			"```python\n# settings/dev.py\nfrom .base import *\n\nINSTALLED_APPS += [\"debug_toolbar\"]\n" +
			"MIDDLEWARE.insert(0, \"debug_toolbar.middleware.DebugToolbarMiddleware\")\n```\n\n" +
			"```\n# requirements-dev.txt\n-r requirements.txt\ndjango-debug-toolbar==4.4.6\n```",
	}
	ruleWSGIServerMissing = &Rule{
		ID: "DJS1005", Slug: "wsgi-server-missing", Severity: Medium, Where: "R+C", Section: 10,
		// Whether a server is missing is a question about the whole
		// repository; a pull request's files cannot answer it.
		AuditOnly: true,
		Title:     "No production WSGI/ASGI server",
		FiresWhen: "no production server (gunicorn, uvicorn, daphne, hypercorn, granian, uwsgi, waitress) in requirements or deployment files, and no platform that supplies one",
		Doc: "Django does not include a production web server: `manage.py runserver` is a development " +
			"server that has not gone through security audits or performance tests, as Django's " +
			"documentation says. A project that depends on Django but on no WSGI or ASGI server most " +
			"likely runs that development server in production.\n\n" +
			"djsec fires when a production manifest lists Django and no manifest (development ones " +
			"included) lists gunicorn, uvicorn, daphne, hypercorn, granian, uWSGI (uwsgi, pyuwsgi), " +
			"waitress, mod_wsgi, bjoern or meinheld, nor a serverless adapter (zappa, mangum, " +
			"serverless-wsgi, apig-wsgi), no Dockerfile, Procfile, fly.toml or compose file names one " +
			"of those servers (an image that installs the server outside the manifests counts), and " +
			"nothing shows a platform or system that supplies the server itself: a uWSGI configuration " +
			"(`[uwsgi]` in a file named for uWSGI), an Apache configuration with `WSGIScriptAlias` or " +
			"`WSGIDaemonProcess` (mod_wsgi from the operating system), App Engine's `app.yaml` with a " +
			"Python runtime, Elastic Beanstalk's `WSGIPath` under `.ebextensions/`, PythonAnywhere " +
			"(its own uWSGI) named in a CI workflow, a deploy script, the README or a " +
			"`*_pythonanywhere_com_wsgi.py` file, `gcloud app deploy`, `eb deploy` or Azure's web-app " +
			"deployment in a workflow or deploy script, or a Procfile/fly.toml web process that runs a " +
			"script or make target djsec cannot see into (an unknown server is not a missing one). A " +
			"repository without manifests is not judged.",
		Fix: "Add a production server and run it instead of `runserver`:\n\n" +
			"```\n# requirements.txt\ngunicorn==23.0.0\n```\n\n" +
			"```\n# Procfile\nweb: gunicorn mysite.wsgi --bind 0.0.0.0:$PORT\n```\n\n" +
			"For an ASGI project: `uvicorn mysite.asgi:application` (or gunicorn with uvicorn workers).",
	}
	ruleRunserverInProduction = &Rule{
		ID: "DJS1006", Slug: "runserver-in-production", Severity: High, Where: "C", Section: 10,
		Title:     "Production runs Django's development server",
		FiresWhen: "a production Dockerfile, Procfile, fly.toml or compose service runs `manage.py runserver`",
		Doc: "`manage.py runserver` (and `django-admin runserver`, `runserver_plus`) is Django's development " +
			"server, and Django's documentation says in capitals not to use it in a production setting: it " +
			"has not gone through security audits or performance tests. It serves static files only with " +
			"DEBUG on, reloads code, and handles every request in one process; `runserver_plus` adds the " +
			"Werkzeug debugger.\n\n" +
			"djsec reads the commands that start production processes: a Dockerfile's `CMD`, `ENTRYPOINT` " +
			"and `RUN` (the stages a build can target, not `dev`/`test` stages), the Procfile's `web` " +
			"process, fly.toml's `[processes]` and `[experimental] cmd`, and the `command`/`entrypoint` of " +
			"compose services. Files whose names mark them as development (`Dockerfile.dev`, " +
			"`local.Dockerfile`, `docker-compose.local.yml`, `docker-compose.test.yml`, " +
			"`docker-compose.override.yml`, `Procfile.dev`, anything under `.devcontainer/`) are not judged, " +
			"and neither is a process that shows it is for development: a command with " +
			"`--settings=` development settings (a last part such as dev, local, docker, test) or running " +
			"a development script (`./entrypoint-dev.sh`); a Dockerfile stage whose `ENV` sets " +
			"`DJANGO_SETTINGS_MODULE` to development settings or `DJANGO_ENV`-style variables to " +
			"development; a compose service named for development, building a development stage or " +
			"Dockerfile (`target: development`, `dockerfile: containers/local.Dockerfile`), or whose " +
			"`environment` or build `args` select development the same way; a compose service that a " +
			"production compose file of the project overrides with another command " +
			"(`docker-compose.yml` deployed with `deploy/compose.production.yml`), or whose image runs a " +
			"production server by itself (the compose file overrides the image's command for local work); " +
			"and a compose service or Dockerfile next to a Procfile whose web process runs a production " +
			"server.",
		Fix: "Run a production server:\n\n" +
			"```dockerfile\nCMD [\"gunicorn\", \"mysite.wsgi:application\", \"--bind\", \"0.0.0.0:8000\", \"--workers\", \"3\"]\n```\n\n" +
			"```\n# Procfile\nweb: gunicorn mysite.wsgi --bind 0.0.0.0:$PORT\n```\n\n" +
			"Keep `runserver` in a development-only file such as `docker-compose.dev.yml`.",
	}
)

func init() {
	ruleDjangoEOL.Check = checkDjangoEOL
	ruleDependencyUnpinned.Check = checkDependencyUnpinned
	ruleDevToolInProduction.Check = checkDevToolInProduction
	ruleWSGIServerMissing.Check = checkWSGIServerMissing
	ruleRunserverInProduction.Check = checkRunserverInProduction
	register(ruleDjangoEOL, ruleDependencyUnpinned, ruleDevToolInProduction, ruleWSGIServerMissing, ruleRunserverInProduction)
}

// depsEOLWarning is how long before the end of security support DJS1001
// starts asking for an upgrade.
const depsEOLWarning = 90 * 24 * time.Hour

// depsReqPos places a finding on a requirement's line.
func depsReqPos(r deps.Requirement) settings.Pos {
	return settings.Pos{Path: r.Path, Pos: pysrc.Pos{Line: r.Line, Col: r.Col, EndLine: r.Line}}
}

// checkDjangoEOL judges every production Django requirement against the
// support table, and a Django only a lock file lists (pulled in by
// another package) at its line in the lock.
func checkDjangoEOL(p *Project, r *Reporter) {
	reqs := p.Requirements
	for _, l := range p.Locked {
		if l.Name == "django" && !l.Dev && !l.Direct {
			reqs = append(slices.Clip(reqs), deps.Requirement{Name: l.Name, Version: l.Version, Path: l.Path, Line: l.Line, Col: 1, Locked: l.Path, LockedLine: l.Line})
		}
	}
	pinned := depsPinnedSources(p)
	for _, req := range reqs {
		if req.Name != "django" || req.Dev || req.URL != "" {
			continue
		}
		if _, covered := pinned.covers(req); covered && req.Version == "" {
			continue // an input range: the pinned file is judged
		}
		series, rel, known, what := depsJudgedDjango(req)
		if what == "" {
			continue
		}
		upgrade := depsSupportedSeries(p.Now, series)
		if !known {
			// Older than every series in the table: all of those ended long ago.
			oldest := djangoReleases()[0]
			r.Emit(ruleDjangoEOL, nil, depsReqPos(req), "django", fmt.Sprintf(
				"%s, older than Django %s, whose security support ended on %s, so it gets no security fixes: upgrade to %s",
				what, depsSeriesName(oldest), oldest.SecurityEnds, upgrade))
			continue
		}
		end, ok := rel.supportEnd()
		if !ok {
			continue
		}
		projected := ""
		if !rel.Confirmed {
			projected = " (projected)"
		}
		switch left := end.Sub(p.Now); {
		case left <= 0:
			r.Emit(ruleDjangoEOL, nil, depsReqPos(req), "django", fmt.Sprintf(
				"%s, and security support for Django %s ended on %s%s, so new vulnerabilities stay unfixed: upgrade to %s",
				what, depsSeriesName(rel), rel.SecurityEnds, projected, upgrade))
		case left <= depsEOLWarning:
			r.Emit(ruleDjangoEOL, nil, depsReqPos(req), "django", fmt.Sprintf(
				"%s, and security support for Django %s ends on %s%s, in %d days: plan the upgrade to %s",
				what, depsSeriesName(rel), rel.SecurityEnds, projected, int((left+24*time.Hour-1)/(24*time.Hour)), upgrade),
				WithSeverity(Medium))
		}
	}
}

// depsJudgedDjango decides which Django series a requirement installs: the
// exact pin, or the highest series an upper-bounded range allows. what
// describes it for messages and is empty when nothing can be judged
// (no upper bound, unreadable or unsatisfiable specifier, a series djsec
// does not know yet). known is false for a series older than the table.
func depsJudgedDjango(req deps.Requirement) (series [2]int, rel djangoRelease, known bool, what string) {
	set, ok := req.Specifiers()
	if !ok {
		return series, rel, false, ""
	}
	if req.Version != "" {
		v, err := deps.ParseVersion(req.Version)
		if err != nil {
			return series, rel, false, ""
		}
		series = v.Series()
		what = "Django " + req.Version + " is pinned"
		if req.Locked != "" {
			what = "Django " + req.Version + " is locked in " + req.Locked
		}
	} else {
		ub, inclusive, bounded := set.UpperBound()
		if !bounded {
			return series, rel, false, ""
		}
		lb, _, hasLower := set.LowerBound()
		found := false
		for i := len(djangoReleases()) - 1; i >= 0; i-- {
			s := djangoReleases()[i].Series
			first := deps.Version{Release: []int{s[0], s[1]}}
			c := deps.Compare(first, ub)
			if c < 0 || c == 0 && inclusive {
				series, found = s, true
				break
			}
		}
		if !found {
			// Below every known series: the range allows only older ones.
			oldest := djangoReleases()[0].Series
			if hasLower && !seriesLess(lb.Series(), oldest) {
				return series, rel, false, ""
			}
			return [2]int{}, rel, false, fmt.Sprintf("%q allows only Django versions below %s", depsSpec(req), ub)
		}
		if hasLower && seriesLess(series, lb.Series()) {
			return series, rel, false, "" // unsatisfiable, or a newer series than the table knows
		}
		newest := djangoReleases()[len(djangoReleases())-1].Series
		if series == newest && deps.Compare(ub, deps.Version{Release: []int{newest[0], newest[1] + 1}}) > 0 {
			return series, rel, false, "" // the range reaches series the table does not know yet
		}
		what = fmt.Sprintf("%q allows at most Django %d.%d", depsSpec(req), series[0], series[1])
	}
	if rel, ok := djangoReleaseOf(series); ok {
		return series, rel, true, what
	}
	if seriesLess(series, djangoReleases()[0].Series) {
		return series, rel, false, what
	}
	return series, rel, false, "" // a series newer than, or missing from, the table
}

// depsSpec renders a requirement's constraint for messages.
func depsSpec(req deps.Requirement) string {
	if req.Constraint != "" {
		return "Django" + req.Specifier + " (constraint " + req.Constraint + ")"
	}
	return "Django" + req.Specifier
}

func depsSeriesName(rel djangoRelease) string {
	name := fmt.Sprintf("%d.%d", rel.Series[0], rel.Series[1])
	if rel.LTS {
		name += " LTS"
	}
	return name
}

// depsSupportedSeries names the series newer than the one judged that have
// security support at now, newest first.
func depsSupportedSeries(now time.Time, judged [2]int) string {
	var names []string
	for i := len(djangoReleases()) - 1; i >= 0; i-- {
		rel := djangoReleases()[i]
		end, ok := rel.supportEnd()
		if !seriesLess(judged, rel.Series) || !ok || !rel.releasedBy(now) || !now.Before(end) {
			continue
		}
		names = append(names, depsSeriesName(rel))
	}
	switch len(names) {
	case 0:
		return "a supported series"
	case 1:
		return "Django " + names[0]
	}
	return "Django " + strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// depsSecurityPackages are the distributions DJS1003 wants pinned: Django
// and the packages the checklist's protections rest on.
var depsSecurityPackages = map[string]bool{
	"django": true, "djangorestframework": true, "djangorestframework-simplejwt": true,
	"django-cors-headers": true, "django-axes": true, "django-ratelimit": true, "dj-rest-auth": true,
	"django-allauth": true, "django-csp": true, "cryptography": true, "pyjwt": true,
}

// depsLockFiles pin a whole environment; a manifest next to one is judged
// by the lock, not by its ranges.
var depsLockFiles = []string{"poetry.lock", "Pipfile.lock", "uv.lock", "pdm.lock"}

func checkDependencyUnpinned(p *Project, r *Reporter) {
	pinned := depsPinnedSources(p)
	for _, req := range p.Requirements {
		if req.Dev || !depsSecurityPackages[req.Name] || req.URL != "" || req.Version != "" {
			continue
		}
		set, ok := req.Specifiers()
		if !ok {
			continue
		}
		if _, _, bounded := set.UpperBound(); bounded || depsHasLockFile(p, req.Path) {
			continue
		}
		if _, covered := pinned.covers(req); covered {
			continue
		}
		spec := "no version at all"
		if req.Specifier != "" {
			spec = fmt.Sprintf("only %q", req.Specifier)
		}
		r.Emit(ruleDependencyUnpinned, nil, depsReqPos(req), req.Name, fmt.Sprintf(
			"%s has %s, so every build installs whatever release is newest, majors included: "+
				"pin it (%s==X.Y.Z), bound it (%s>=X.Y,<X.Y+1) or commit a lock file",
			req.Name, spec, req.Name, req.Name))
	}
}

// depsProjectRoot is the folder a manifest belongs to: its own, or the
// parent of a requirements/ (reqs/) folder, so that requirements.txt,
// requirements/base.txt and pyproject.toml of one project share it while
// a second project in a subfolder keeps its own.
func depsProjectRoot(manifest string) string {
	dir := path.Dir(manifest)
	switch strings.ToLower(path.Base(dir)) {
	case "requirements", "reqs":
		return path.Dir(dir)
	}
	return dir
}

// depsPinned indexes, by project root and package name, the production
// sources that fix a package's installed version: exact pins (==, ===, a
// constraints file, a lock file's version filled into its manifest) and
// lock file entries.
type depsPinned map[[2]string][]string

func depsPinnedSources(p *Project) depsPinned {
	out := depsPinned{}
	add := func(src, name string) {
		k := [2]string{depsProjectRoot(src), name}
		if !slices.Contains(out[k], src) {
			out[k] = append(out[k], src)
		}
	}
	for _, req := range p.Requirements {
		if !req.Dev && req.URL == "" && req.Version != "" {
			add(req.Path, req.Name)
		}
	}
	for _, l := range p.Locked {
		if !l.Dev {
			add(l.Path, l.Name)
		}
	}
	return out
}

// covers reports whether another file of the requirement's project pins
// the package for production: the requirement is then an input list
// (requirements-base.txt, requirements.in-style ranges, pyproject
// dependencies compiled into a requirements.txt of exact pins, or locked
// by uv.lock/poetry.lock/Pipfile.lock), and the pinned file, which is what
// gets installed, is the one judged. by names that file.
func (pinned depsPinned) covers(req deps.Requirement) (by string, ok bool) {
	for _, src := range pinned[[2]string{depsProjectRoot(req.Path), req.Name}] {
		if src != req.Path {
			return src, true
		}
	}
	return "", false
}

func depsHasLockFile(p *Project, manifest string) bool {
	dir := path.Dir(manifest)
	for _, lock := range depsLockFiles {
		if _, ok := p.Files[path.Join(dir, lock)]; ok {
			return true
		}
	}
	return false
}

// depsToolbarApp and depsToolbarMiddleware are django-debug-toolbar's app
// label and middleware. A middleware path ending in .DebugToolbarMiddleware
// counts too: projects and libraries subclass it (a GraphQL-aware one, for
// example) and it exposes the same panels.
const (
	depsToolbarApp        = "debug_toolbar"
	depsToolbarMiddleware = "debug_toolbar.middleware.DebugToolbarMiddleware"
)

// checkDevToolInProduction reports production settings that install
// django-debug-toolbar where the web can reach it: its app and its
// middleware, both unconditionally. A package in a requirements file
// exposes nothing by itself (settings decide what runs), and
// django-extensions adds only management commands that need a shell on
// the server; its runserver_plus in a deployment command is DJS1006's.
func checkDevToolInProduction(p *Project, r *Reporter) {
	for _, m := range p.Settings {
		if m.Role != settings.Production {
			continue
		}
		apps, _ := p.Get(m, "INSTALLED_APPS")
		middleware, _ := p.Get(m, "MIDDLEWARE")
		app := depsListItem(apps, depsToolbarApp)
		mw := depsListItem(middleware, depsToolbarMiddleware)
		if mw == nil {
			mw = depsListSuffix(middleware, ".DebugToolbarMiddleware")
		}
		if app == nil || mw == nil {
			continue
		}
		r.Emit(ruleDevToolInProduction, m, depsItemPos(m, "MIDDLEWARE", mw), depsToolbarApp, fmt.Sprintf(
			"%s is in MIDDLEWARE and %s in INSTALLED_APPS of the production settings unconditionally, so the "+
				"toolbar's panels (SQL, settings, headers) are served to whoever SHOW_TOOLBAR_CALLBACK lets "+
				"through: add both only in development settings (or under if DEBUG:) and move "+
				"django-debug-toolbar to development requirements", mw.Str, depsToolbarApp))
	}
}

// depsListSuffix finds an element of a known list ending in suffix.
func depsListSuffix(v *settings.Value, suffix string) *settings.Value {
	if !v.Known() || !v.IsSequence() {
		return nil
	}
	for _, it := range v.Items {
		if it != nil && it.Kind == settings.Str && strings.HasSuffix(it.Str, suffix) {
			return it
		}
	}
	return nil
}

// depsListItem finds name (or one of its AppConfig paths, name.apps.X) in
// a known list; unknown lists and unknown elements never match.
func depsListItem(v *settings.Value, name string) *settings.Value {
	if !v.Known() || !v.IsSequence() {
		return nil
	}
	for _, it := range v.Items {
		if it != nil && it.Kind == settings.Str && (it.Str == name || strings.HasPrefix(it.Str, name+".")) {
			return it
		}
	}
	return nil
}

// depsItemPos is where a list element was written, falling back to the
// statement that set the list.
func depsItemPos(m *settings.Model, name string, it *settings.Value) settings.Pos {
	if it.Pos.Path != "" && it.Pos.Line > 0 {
		return it.Pos
	}
	if s, ok := m.Lookup(name); ok {
		return s.Pos
	}
	return settings.Pos{}
}

// depsServers are the distributions that serve a Django app in production.
var depsServers = map[string]bool{
	"gunicorn": true, "uvicorn": true, "daphne": true, "hypercorn": true, "granian": true,
	"uwsgi": true, "pyuwsgi": true, "waitress": true, "mod-wsgi": true, "mod-wsgi-standalone": true,
	"bjoern": true, "meinheld": true,
	// Serverless adapters run the app without a long-lived server.
	"zappa": true, "mangum": true, "serverless-wsgi": true, "apig-wsgi": true,
}

// depsServerCommandRE finds a production server named in a deployment
// file (a command, a pip install, a base image).
var depsServerCommandRE = lazyre.New(`(?i)\b(gunicorn|uvicorn|daphne|hypercorn|granian|uwsgi|waitress-serve|waitress|mod_wsgi-express|mod_wsgi|bjoern|meinheld)\b`)

func checkWSGIServerMissing(p *Project, r *Reporter) {
	var django *deps.Requirement
	for i, req := range p.Requirements {
		if depsServers[req.Name] {
			return
		}
		if req.Name == "django" && !req.Dev && django == nil {
			django = &p.Requirements[i]
		}
	}
	if django == nil {
		return
	}
	for _, fp := range p.Paths() {
		if depsDeployFileKind(fp) != "" && depsServerCommandRE().Match(p.Files[fp]) {
			return
		}
	}
	if depsPlatformServes(p) {
		return
	}
	r.Emit(ruleWSGIServerMissing, nil, depsReqPos(*django), "django",
		"the project depends on Django but on no production server (gunicorn, uvicorn, daphne, uwsgi, …), "+
			"and nothing in the repository names a platform that supplies one, so it most likely serves traffic "+
			"with manage.py runserver: add gunicorn (WSGI) or uvicorn (ASGI) to the requirements and start it "+
			"from the Procfile, Dockerfile or process manager")
}

// depsPlatformRE finds a hosting platform that runs the WSGI server
// itself, named in CI workflows, deploy scripts or the README:
// PythonAnywhere (its own uWSGI, configured in its web UI), App Engine
// (`gcloud app deploy`; gunicorn by default), Elastic Beanstalk
// (`eb deploy`; gunicorn or mod_wsgi) and Azure App Service (gunicorn).
var (
	depsPlatformRE       = lazyre.New(`(?i)pythonanywhere|\bgcloud\s+app\s+deploy\b|\beb\s+deploy\b|azure/webapps-deploy|\baz\s+webapp\b`)
	depsPythonAnywhereRE = lazyre.New(`(?i)pythonanywhere`)
	depsAppEngineRE      = lazyre.New(`(?m)^runtime:\s*["']?python`)
	depsBeanstalkRE      = lazyre.New(`WSGIPath`)
	depsModWSGIRE        = lazyre.New(`(?m)^\s*WSGI(ScriptAlias|DaemonProcess)\b`)
	depsUWSGIConfRE      = lazyre.New(`(?m)^\s*\[uwsgi\]|^\s*uwsgi:|<uwsgi>|"uwsgi"\s*:`)
)

// depsPlatformServes reports whether the repository shows a server the
// platform or the operating system supplies, outside every manifest: a
// uWSGI configuration, an Apache mod_wsgi configuration, App Engine's
// app.yaml, Elastic Beanstalk's WSGIPath, a platform named by a workflow,
// a deploy script or the README, a PythonAnywhere WSGI file, or a
// Procfile/fly.toml web process running a command djsec cannot see into
// (a script, a make target): an unknown server is not a missing one.
func depsPlatformServes(p *Project) bool {
	for _, fp := range p.Paths() {
		data := p.Files[fp]
		dirs := strings.Split(strings.ToLower(fp), "/")
		base := dirs[len(dirs)-1]
		ext := path.Ext(base)
		switch {
		case strings.Contains(base, "uwsgi") && ext != ".py":
			if depsUWSGIConfRE().Match(data) {
				return true
			}
		case base == "app.yaml" || base == "app.yml":
			if depsAppEngineRE().Match(data) {
				return true
			}
		case ext == ".config" && len(dirs) >= 2 && dirs[len(dirs)-2] == ".ebextensions":
			if depsBeanstalkRE().Match(data) {
				return true
			}
		case ext == ".conf":
			if depsModWSGIRE().Match(data) {
				return true
			}
		case len(dirs) == 3 && dirs[0] == ".github" && dirs[1] == "workflows",
			strings.HasPrefix(base, "deploy") && (ext == ".sh" || ext == ""),
			len(dirs) == 1 && (base == "readme" || strings.HasPrefix(base, "readme.")):
			if depsPlatformRE().Match(data) {
				return true
			}
		case ext == ".py" && depsPythonAnywhereRE().MatchString(base):
			return true // PythonAnywhere's WSGI file, user_pythonanywhere_com_wsgi.py
		}
		if depsIsDevFile(fp) {
			continue
		}
		switch depsDeployFileKind(fp) {
		case "procfile":
			for _, cmd := range depsProcfileWeb(data) {
				if depsOpaqueCommand(cmd) {
					return true
				}
			}
		case "fly":
			for _, cmd := range depsFlyCommands(data) {
				if depsOpaqueCommand(cmd) {
					return true
				}
			}
		}
	}
	return false
}

// depsOpaqueCommand reports whether a web process's command starts
// something djsec cannot see into (a script, a make target, a process
// manager) rather than a Python command it can read.
func depsOpaqueCommand(cmd string) bool {
	if depsRunserverRE().MatchString(cmd) {
		return false
	}
	fields := strings.Fields(depsTrimCommand(cmd))
	for len(fields) > 0 && (fields[0] == "exec" || strings.Contains(fields[0], "=")) {
		fields = fields[1:] // exec, VAR=value prefixes
	}
	if len(fields) == 0 {
		return false
	}
	first := path.Base(fields[0])
	return !strings.HasPrefix(first, "python") && first != "django-admin" && first != "django-admin.py" &&
		first != "celery" && first != "manage.py"
}

// depsProcfileWeb returns the commands of a Procfile's web processes.
func depsProcfileWeb(data []byte) []string {
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		name, cmd, ok := strings.Cut(line, ":")
		if ok && strings.TrimSpace(name) == "web" {
			out = append(out, strings.TrimSpace(cmd))
		}
	}
	return out
}

// depsFlyCommands returns the app/web processes and [experimental] cmd of
// a fly.toml; one that does not parse gives none (DJS1006 reports it).
func depsFlyCommands(data []byte) []string {
	var doc struct {
		Processes    map[string]any `toml:"processes"`
		Experimental map[string]any `toml:"experimental"`
	}
	if _, err := toml.Decode(string(data), &doc); err != nil {
		return nil
	}
	var out []string
	for _, name := range []string{"app", "web"} {
		if c := depsCommandText(doc.Processes[name]); c != "" {
			out = append(out, c)
		}
	}
	if c := depsCommandText(doc.Experimental["cmd"]); c != "" {
		out = append(out, c)
	}
	return out
}

// depsDeployFileKind classifies the files that start production
// processes: "dockerfile", "procfile", "fly" or "compose" ("" otherwise).
func depsDeployFileKind(fp string) string {
	if strings.HasPrefix(fp, ".github/") {
		return "" // CI workflows, whatever their names
	}
	base := path.Base(fp)
	lower := strings.ToLower(base)
	switch {
	case strings.HasPrefix(lower, "dockerfile"), strings.HasSuffix(lower, ".dockerfile"), lower == "containerfile":
		return "dockerfile"
	case strings.HasPrefix(base, "Procfile"):
		return "procfile"
	case lower == "fly.toml":
		return "fly"
	case (strings.HasPrefix(lower, "docker-compose") || strings.HasPrefix(lower, "compose")) &&
		(strings.HasSuffix(lower, ".yml") || strings.HasSuffix(lower, ".yaml")):
		return "compose"
	}
	return ""
}

// depsDevFileRE marks deployment files meant for development by name
// (Dockerfile.dev, docker-compose.local.yml, docker-compose.override.yml,
// which `docker compose up` merges on developers' machines), and
// depsDevDirRE directories such as .devcontainer/.
var (
	depsDevFileRE = lazyre.New(`(?i)(^|[-_.])(dev|local|test|override)`)
	depsDevDirRE  = lazyre.New(`(?i)^(\.devcontainer|dev|devel|development|local|test|tests|testing)$`)
	// depsDevNameRE marks a Dockerfile stage or compose service as
	// development by a whole word.
	depsDevNameRE = lazyre.New(`(?i)(^|[-_.])(dev|devel|develop|development|local|test|tests|testing|debug)([-_.]|$)`)
)

func depsIsDevFile(fp string) bool {
	parts := strings.Split(fp, "/")
	if depsDevFileRE().MatchString(parts[len(parts)-1]) {
		return true
	}
	for _, d := range parts[:len(parts)-1] {
		if depsDevDirRE().MatchString(d) {
			return true
		}
	}
	return false
}

// depsRunserverRE finds Django's development server in a command line,
// shell or exec (JSON array) form.
var depsRunserverRE = lazyre.New(`(?i)(manage\.py|django-admin(\.py)?|-m["',\s]+django)["',\s][^;&|\n]*?\brunserver(_plus)?\b`)

func checkRunserverInProduction(p *Project, r *Reporter) {
	idx := &depsComposeIndex{}
	for _, fp := range p.Paths() {
		kind := depsDeployFileKind(fp)
		if kind == "" || depsIsDevFile(fp) {
			continue
		}
		data := p.Files[fp]
		if !bytes.Contains(bytes.ToLower(data), []byte("runserver")) {
			continue
		}
		var hits []depsRunserverHit
		switch kind {
		case "dockerfile":
			hits = depsDockerfileRunserver(data)
		case "procfile":
			hits = depsProcfileRunserver(data)
		case "fly":
			var err error
			if hits, err = depsFlyRunserver(data); err != nil {
				p.fileErr(fp, "fly.toml does not parse: %v", err)
			}
		case "compose":
			var err error
			if hits, err = depsComposeRunserver(p, fp, idx); err != nil {
				p.fileErr(fp, "compose file does not parse: %v", err)
			}
		}
		for _, h := range hits {
			if kind != "compose" && depsDeployDevReason(p, fp, h) != "" {
				continue
			}
			pos := settings.Pos{Path: fp, Pos: pysrc.Pos{Line: h.line, Col: h.col, EndLine: h.endLine}}
			r.Emit(ruleRunserverInProduction, nil, pos, fp+":"+h.process, fmt.Sprintf(
				"%s runs Django's development server (%s), which is not built or audited for production: "+
					"run gunicorn (e.g. gunicorn mysite.wsgi --bind 0.0.0.0:8000) or uvicorn for ASGI instead",
				h.where, h.command))
		}
	}
}

// depsRunserverHit is one process that starts runserver.
type depsRunserverHit struct {
	process            string // CMD, web, app, a compose service
	where              string // for the message: "the Dockerfile CMD"
	command            string // the matching text
	full               string // the whole command, for --settings
	line, col, endLine int
}

// depsDockerInstr is one Dockerfile instruction after joining continuation
// lines (comment lines inside a continuation are dropped, as Docker does).
type depsDockerInstr struct {
	keyword, args string
	line, endLine int
}

func depsDockerInstructions(data []byte) []depsDockerInstr {
	var out []depsDockerInstr
	var cur *depsDockerInstr
	for i, raw := range strings.Split(string(data), "\n") {
		line := strings.TrimRight(raw, "\r \t")
		trimmed := strings.TrimSpace(line)
		if cur == nil && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if cur != nil && strings.HasPrefix(trimmed, "#") {
			continue
		}
		cont := strings.HasSuffix(line, `\`)
		text := strings.TrimSuffix(line, `\`)
		if cur == nil {
			kw, args, _ := strings.Cut(strings.TrimSpace(text), " ")
			cur = &depsDockerInstr{keyword: strings.ToUpper(kw), args: args, line: i + 1}
		} else {
			cur.args += " " + strings.TrimSpace(text)
		}
		cur.endLine = i + 1
		if !cont {
			out = append(out, *cur)
			cur = nil
		}
	}
	if cur != nil {
		out = append(out, *cur)
	}
	return out
}

// depsDockerStage is one FROM of a Dockerfile: its name, the stage it
// builds on (parent, -1 for an image), and the instructions djsec reads.
type depsDockerStage struct {
	name, from string
	parent     int
	cmd, entry *depsDockerInstr
	runs, envs []depsDockerInstr
	hasChild   bool
}

func depsDockerStages(data []byte) []*depsDockerStage {
	var stages []*depsDockerStage
	for _, in := range depsDockerInstructions(data) {
		if in.keyword == "FROM" {
			fields := strings.Fields(in.args)
			st := &depsDockerStage{parent: -1}
			for j, f := range fields {
				if strings.HasPrefix(f, "--") {
					continue
				}
				if st.from == "" {
					st.from = f
				}
				if strings.EqualFold(f, "as") && j+1 < len(fields) {
					st.name = fields[j+1]
				}
			}
			for k, prev := range stages {
				if prev.name != "" && strings.EqualFold(prev.name, st.from) {
					st.parent = k
					prev.hasChild = true
				}
			}
			stages = append(stages, st)
			continue
		}
		if len(stages) == 0 {
			continue
		}
		st := stages[len(stages)-1]
		switch in.keyword {
		case "CMD":
			st.cmd = &in
		case "ENTRYPOINT":
			st.entry = &in
		case "RUN":
			st.runs = append(st.runs, in)
		case "ENV":
			st.envs = append(st.envs, in)
		}
	}
	return stages
}

// depsDockerEffective is a stage's effective ENTRYPOINT and CMD, inherited
// through FROM <stage>.
func depsDockerEffective(stages []*depsDockerStage, i int) (entry, cmd *depsDockerInstr) {
	for k := i; k >= 0; k = stages[k].parent {
		if cmd == nil {
			cmd = stages[k].cmd
		}
		if entry == nil {
			entry = stages[k].entry
		}
	}
	return entry, cmd
}

// depsDockerfileRunserver judges the stages a build can produce: the last
// stage and every stage no other stage builds on, except development and
// test stages and stages whose environment selects development settings.
// CMD and ENTRYPOINT count when they are a stage's effective ones
// (inherited through FROM <stage>); RUN counts in the stage and its
// ancestors.
func depsDockerfileRunserver(data []byte) []depsRunserverHit {
	stages := depsDockerStages(data)
	seen := map[int]bool{}
	var hits []depsRunserverHit
	add := func(in *depsDockerInstr) {
		if in == nil || seen[in.line] {
			return
		}
		if m := depsRunserverRE().FindString(in.args); m != "" {
			seen[in.line] = true
			hits = append(hits, depsRunserverHit{process: in.keyword, where: "the Dockerfile " + in.keyword,
				command: depsTrimCommand(m), full: in.args, line: in.line, col: 1, endLine: in.endLine})
		}
	}
	for i, st := range stages {
		if st.hasChild && i != len(stages)-1 {
			continue
		}
		if depsDevNameRE().MatchString(st.name) || depsDockerDevEnv(stages, i) != "" {
			continue
		}
		for k := i; k >= 0; k = stages[k].parent {
			for j := range stages[k].runs {
				add(&stages[k].runs[j])
			}
		}
		entry, cmd := depsDockerEffective(stages, i)
		add(entry)
		add(cmd)
	}
	return hits
}

// depsProcfileRunserver reads the web process of a Procfile.
func depsProcfileRunserver(data []byte) []depsRunserverHit {
	var hits []depsRunserverHit
	for i, line := range strings.Split(string(data), "\n") {
		name, cmd, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(name) != "web" {
			continue
		}
		if m := depsRunserverRE().FindString(cmd); m != "" {
			hits = append(hits, depsRunserverHit{process: "web", where: "the Procfile's web process",
				command: depsTrimCommand(m), full: cmd, line: i + 1, col: 1, endLine: i + 1})
		}
	}
	return hits
}

// depsFlyRunserver reads fly.toml's [processes] and [experimental] cmd /
// entrypoint.
func depsFlyRunserver(data []byte) ([]depsRunserverHit, error) {
	var doc struct {
		Processes    map[string]any `toml:"processes"`
		Experimental map[string]any `toml:"experimental"`
	}
	if _, err := toml.Decode(string(data), &doc); err != nil {
		return nil, err
	}
	lines := strings.Split(string(data), "\n")
	var hits []depsRunserverHit
	check := func(table, key string, v any, process, where string) {
		text := depsCommandText(v)
		m := depsRunserverRE().FindString(text)
		if m == "" {
			return
		}
		line := depsTOMLKeyLine(lines, table, key)
		hits = append(hits, depsRunserverHit{process: process, where: where, command: depsTrimCommand(m),
			full: text, line: line, col: 1, endLine: line})
	}
	names := make([]string, 0, len(doc.Processes))
	for name := range doc.Processes {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		check("processes", name, doc.Processes[name], name, fmt.Sprintf("fly.toml's %q process", name))
	}
	for _, key := range []string{"entrypoint", "cmd"} {
		if v, ok := doc.Experimental[key]; ok {
			check("experimental", key, v, key, "fly.toml's [experimental] "+key)
		}
	}
	return hits, nil
}

// depsTOMLKeyLine finds `key =` under [table], or the table header, or 1.
func depsTOMLKeyLine(lines []string, table, key string) int {
	keyRE := regexp.MustCompile(`^\s*["']?` + regexp.QuoteMeta(key) + `["']?\s*=`)
	header, in := 0, false
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "[") {
			in = strings.Trim(strings.ReplaceAll(t, " ", ""), "[]") == table
			if in {
				header = i + 1
			}
			continue
		}
		if in && keyRE.MatchString(l) {
			return i + 1
		}
	}
	if header > 0 {
		return header
	}
	return 1
}

// depsComposeRunserver reads the command and entrypoint of every compose
// service that is not for development (see depsComposeDevReason).
func depsComposeRunserver(p *Project, fp string, idx *depsComposeIndex) ([]depsRunserverHit, error) {
	services, err := idx.services(p, fp)
	if err != nil {
		return nil, err
	}
	var hits []depsRunserverHit
	for _, svc := range services {
		for _, c := range svc.commands {
			m := depsRunserverRE().FindString(c.text)
			if m == "" {
				continue
			}
			if depsComposeDevReason(p, fp, svc, idx) != "" {
				break
			}
			hits = append(hits, depsRunserverHit{process: svc.name, where: fmt.Sprintf("the %s of compose service %q", c.key, svc.name),
				command: depsTrimCommand(m), full: c.text, line: c.line, col: c.col, endLine: c.endLine})
		}
	}
	return hits, nil
}

func depsYAMLDeref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// depsYAMLGet returns a mapping's value for key.
func depsYAMLGet(n *yaml.Node, key string) *yaml.Node {
	return depsYAMLGetDepth(n, key, 0)
}

func depsYAMLGetDepth(n *yaml.Node, key string, depth int) *yaml.Node {
	n = depsYAMLDeref(n)
	if n == nil || n.Kind != yaml.MappingNode || depth > 8 {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return depsYAMLDeref(n.Content[i+1])
		}
	}
	// YAML merge keys (<<: *base, or a list of them) supply what the
	// mapping does not set itself.
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].ShortTag() != "!!merge" {
			continue
		}
		src := depsYAMLDeref(n.Content[i+1])
		if src == nil {
			continue
		}
		if src.Kind == yaml.SequenceNode {
			for _, c := range src.Content {
				if v := depsYAMLGetDepth(c, key, depth+1); v != nil {
					return v
				}
			}
			continue
		}
		if v := depsYAMLGetDepth(src, key, depth+1); v != nil {
			return v
		}
	}
	return nil
}

// depsCommandText flattens a string or list-of-strings command.
func depsCommandText(v any) string {
	switch c := v.(type) {
	case string:
		return c
	case []any:
		parts := make([]string, 0, len(c))
		for _, it := range c {
			parts = append(parts, fmt.Sprint(it))
		}
		return strings.Join(parts, " ")
	}
	return ""
}

// depsTrimCommand tidies a matched command for a message: exec-form
// punctuation removed, spaces collapsed.
func depsTrimCommand(s string) string {
	s = strings.NewReplacer(`"`, " ", `'`, " ", ",", " ", "[", " ", "]", " ").Replace(s)
	return strings.Join(strings.Fields(s), " ")
}
