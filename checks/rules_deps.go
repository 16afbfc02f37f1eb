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
			"with no upper bound is not judged (see DJS1003), nor are development-only manifests. The " +
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
		FiresWhen: "Django or a security package has no exact pin or upper bound",
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
			"uv.lock, pdm.lock): the lock pins what gets installed.",
		Fix: "Pin the version, or bound it to a series and commit a lock file:\n\n" +
			"```\n# requirements.txt\nDjango==5.2.18\ndjangorestframework>=3.15,<3.16\n```\n\n" +
			"With pip-tools, keep ranges in `requirements.in` and install from the compiled " +
			"`requirements.txt`; with Poetry, uv or PDM, commit the lock file.",
	}
	ruleDevToolInProduction = &Rule{
		ID: "DJS1004", Slug: "dev-tool-in-production", Severity: Medium, Where: "S+R", Section: 10,
		Title:     "Development tool installed in production",
		FiresWhen: "debug_toolbar/django_extensions installed unconditionally in the production view",
		Doc: "django-debug-toolbar shows SQL queries, settings, headers and templates of every request to " +
			"whoever its `SHOW_TOOLBAR_CALLBACK` lets through (by default, `DEBUG` on and a client in " +
			"`INTERNAL_IPS`, which a proxy can make every client); its panels have had their own " +
			"vulnerabilities. django-extensions adds management commands such as `runserver_plus` (the " +
			"Werkzeug debugger, remote code execution when exposed) and `shell_plus`. Neither belongs in a " +
			"production install.\n\n" +
			"djsec reports the app (`debug_toolbar`, `django_extensions`) or the toolbar's middleware when a " +
			"production settings module adds it unconditionally — added only under `if DEBUG:` (or another " +
			"condition djsec cannot decide) is not reported — and the packages " +
			"(`django-debug-toolbar`, `django-extensions`) when a production manifest lists them rather " +
			"than a development one.",
		Fix: "Add the tools in development settings only, and move the packages to development requirements:\n\n" +
			"```python\n# settings/dev.py\nfrom .base import *\n\nINSTALLED_APPS += [\"debug_toolbar\", \"django_extensions\"]\n" +
			"MIDDLEWARE.insert(0, \"debug_toolbar.middleware.DebugToolbarMiddleware\")\n```\n\n" +
			"```\n# requirements-dev.txt\n-r requirements.txt\ndjango-debug-toolbar==4.4.6\ndjango-extensions==3.2.3\n```",
	}
	ruleWSGIServerMissing = &Rule{
		ID: "DJS1005", Slug: "wsgi-server-missing", Severity: Medium, Where: "R+C", Section: 10,
		Title:     "No production WSGI/ASGI server",
		FiresWhen: "no production server (gunicorn, uvicorn, daphne, hypercorn, granian, uwsgi, waitress) in requirements",
		Doc: "Django does not include a production web server: `manage.py runserver` is a development " +
			"server that has not gone through security audits or performance tests, as Django's " +
			"documentation says. A project that depends on Django but on no WSGI or ASGI server most " +
			"likely runs that development server in production.\n\n" +
			"djsec fires when a production manifest lists Django and no manifest (development ones " +
			"included) lists gunicorn, uvicorn, daphne, hypercorn, granian, uWSGI (uwsgi, pyuwsgi), " +
			"waitress, mod_wsgi, bjoern or meinheld, nor a serverless adapter (zappa, mangum, " +
			"serverless-wsgi, apig-wsgi), and no Dockerfile, Procfile, fly.toml or compose file names one " +
			"of those servers (an image that installs the server outside the manifests counts). A " +
			"repository without manifests is not judged.",
		Fix: "Add a production server and run it instead of `runserver`:\n\n" +
			"```\n# requirements.txt\ngunicorn==23.0.0\n```\n\n" +
			"```\n# Procfile\nweb: gunicorn mysite.wsgi --bind 0.0.0.0:$PORT\n```\n\n" +
			"For an ASGI project: `uvicorn mysite.asgi:application` (or gunicorn with uvicorn workers).",
	}
	ruleRunserverInProduction = &Rule{
		ID: "DJS1006", Slug: "runserver-in-production", Severity: High, Where: "C", Section: 10,
		Title:     "Production runs Django's development server",
		FiresWhen: "Dockerfile, Procfile, fly.toml or compose runs `manage.py runserver`",
		Doc: "`manage.py runserver` (and `django-admin runserver`, `runserver_plus`) is Django's development " +
			"server, and Django's documentation says in capitals not to use it in a production setting: it " +
			"has not gone through security audits or performance tests. It serves static files only with " +
			"DEBUG on, reloads code, and handles every request in one process; `runserver_plus` adds the " +
			"Werkzeug debugger.\n\n" +
			"djsec reads the commands that start production processes: a Dockerfile's `CMD`, `ENTRYPOINT` " +
			"and `RUN` (the stages a build can target, not `dev`/`test` stages), the Procfile's `web` " +
			"process, fly.toml's `[processes]` and `[experimental] cmd`, and the `command`/`entrypoint` of " +
			"compose services. Files whose names mark them as development (`Dockerfile.dev`, " +
			"`docker-compose.local.yml`, `docker-compose.test.yml`, `docker-compose.override.yml`, " +
			"`Procfile.dev`, anything under `.devcontainer/`) are not judged.",
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
	for _, req := range reqs {
		if req.Name != "django" || req.Dev || req.URL != "" {
			continue
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

func depsHasLockFile(p *Project, manifest string) bool {
	dir := path.Dir(manifest)
	for _, lock := range depsLockFiles {
		if _, ok := p.Files[path.Join(dir, lock)]; ok {
			return true
		}
	}
	return false
}

// depsDevTools maps each development tool's app label to its distribution
// and, for the toolbar, its middleware.
var depsDevTools = []struct{ app, dist, middleware string }{
	{"debug_toolbar", "django-debug-toolbar", "debug_toolbar.middleware.DebugToolbarMiddleware"},
	{"django_extensions", "django-extensions", ""},
}

func checkDevToolInProduction(p *Project, r *Reporter) {
	for _, m := range p.Settings {
		if m.Role != settings.Production {
			continue
		}
		apps, _ := p.Get(m, "INSTALLED_APPS")
		middleware, _ := p.Get(m, "MIDDLEWARE")
		for _, tool := range depsDevTools {
			if it := depsListItem(apps, tool.app); it != nil {
				r.Emit(ruleDevToolInProduction, m, depsItemPos(m, "INSTALLED_APPS", it), tool.app, fmt.Sprintf(
					"%s is in INSTALLED_APPS of the production settings unconditionally: add it only in "+
						"development settings (or under if DEBUG:) and move %s to development requirements",
					tool.app, tool.dist))
				continue
			}
			if tool.middleware == "" {
				continue
			}
			if it := depsListItem(middleware, tool.middleware); it != nil {
				r.Emit(ruleDevToolInProduction, m, depsItemPos(m, "MIDDLEWARE", it), tool.middleware, fmt.Sprintf(
					"%s is in MIDDLEWARE of the production settings unconditionally: add it only in "+
						"development settings, next to the debug_toolbar app", tool.middleware))
			}
		}
	}
	for _, req := range p.Requirements {
		if req.Dev {
			continue
		}
		for _, tool := range depsDevTools {
			if req.Name == tool.dist {
				r.Emit(ruleDevToolInProduction, nil, depsReqPos(req), tool.dist, fmt.Sprintf(
					"%s is a production requirement in %s, so every deployment installs a debugging tool: "+
						"move it to development requirements (requirements-dev.txt, a dev dependency group)",
					tool.dist, req.Path))
			}
		}
	}
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
	for fp, data := range p.Files {
		if depsDeployFileKind(fp) != "" && depsServerCommandRE().Match(data) {
			return
		}
	}
	r.Emit(ruleWSGIServerMissing, nil, depsReqPos(*django), "django",
		"the project depends on Django but on no production server (gunicorn, uvicorn, daphne, uwsgi, …), "+
			"so it most likely serves traffic with manage.py runserver: add gunicorn (WSGI) or uvicorn (ASGI) "+
			"to the requirements and start it from the Procfile, Dockerfile or process manager")
}

// depsDeployFileKind classifies the files that start production
// processes: "dockerfile", "procfile", "fly" or "compose" ("" otherwise).
func depsDeployFileKind(fp string) string {
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
			if hits, err = depsComposeRunserver(data); err != nil {
				p.fileErr(fp, "compose file does not parse: %v", err)
			}
		}
		for _, h := range hits {
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

// depsDockerfileRunserver judges the stages a build can produce: the last
// stage and every stage no other stage builds on, except development and
// test stages. CMD and ENTRYPOINT count when they are a stage's effective
// ones (inherited through FROM <stage>); RUN counts in the stage and its
// ancestors.
func depsDockerfileRunserver(data []byte) []depsRunserverHit {
	type stage struct {
		name, from string
		parent     int
		cmd, entry *depsDockerInstr
		runs       []depsDockerInstr
		hasChild   bool
	}
	var stages []*stage
	for _, in := range depsDockerInstructions(data) {
		if in.keyword == "FROM" {
			fields := strings.Fields(in.args)
			st := &stage{parent: -1}
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
		}
	}
	seen := map[int]bool{}
	var hits []depsRunserverHit
	add := func(in *depsDockerInstr) {
		if in == nil || seen[in.line] {
			return
		}
		if m := depsRunserverRE().FindString(in.args); m != "" {
			seen[in.line] = true
			hits = append(hits, depsRunserverHit{process: in.keyword, where: "the Dockerfile " + in.keyword,
				command: depsTrimCommand(m), line: in.line, col: 1, endLine: in.endLine})
		}
	}
	for i, st := range stages {
		if st.hasChild && i != len(stages)-1 {
			continue
		}
		if depsDevNameRE().MatchString(st.name) {
			continue
		}
		var cmd, entry *depsDockerInstr
		for k := i; k >= 0; k = stages[k].parent {
			if cmd == nil {
				cmd = stages[k].cmd
			}
			if entry == nil {
				entry = stages[k].entry
			}
			for j := range stages[k].runs {
				add(&stages[k].runs[j])
			}
		}
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
				command: depsTrimCommand(m), line: i + 1, col: 1, endLine: i + 1})
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
		m := depsRunserverRE().FindString(depsCommandText(v))
		if m == "" {
			return
		}
		line := depsTOMLKeyLine(lines, table, key)
		hits = append(hits, depsRunserverHit{process: process, where: where, command: depsTrimCommand(m),
			line: line, col: 1, endLine: line})
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
// service not named for development.
func depsComposeRunserver(data []byte) ([]depsRunserverHit, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	services := depsYAMLGet(doc.Content[0], "services")
	if services == nil || services.Kind != yaml.MappingNode {
		return nil, nil
	}
	var hits []depsRunserverHit
	for i := 0; i+1 < len(services.Content); i += 2 {
		name := services.Content[i].Value
		if depsDevNameRE().MatchString(name) {
			continue
		}
		svc := depsYAMLDeref(services.Content[i+1])
		for _, key := range []string{"entrypoint", "command"} {
			n := depsYAMLGet(svc, key)
			if n == nil {
				continue
			}
			var text string
			if n.Kind == yaml.SequenceNode {
				parts := make([]string, 0, len(n.Content))
				for _, c := range n.Content {
					parts = append(parts, depsYAMLDeref(c).Value)
				}
				text = strings.Join(parts, " ")
			} else {
				text = n.Value
			}
			if m := depsRunserverRE().FindString(text); m != "" {
				end := n.Line
				if n.Kind == yaml.SequenceNode && len(n.Content) > 0 {
					end = n.Content[len(n.Content)-1].Line
				}
				hits = append(hits, depsRunserverHit{process: name, where: fmt.Sprintf("the %s of compose service %q", key, name),
					command: depsTrimCommand(m), line: n.Line, col: n.Column, endLine: end})
			}
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
	n = depsYAMLDeref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return depsYAMLDeref(n.Content[i+1])
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
