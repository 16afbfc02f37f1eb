package checks

import (
	"path"
	"sort"
	"strings"

	"github.com/djsec/djsec/checks/settings"
	"github.com/djsec/djsec/internal/lazyre"
)

// Which deployment a settings module serves decides what djsec says about
// it: production gets every rule at full severity; development, test and
// example modules only findings that matter wherever the file is (a real
// credential of a third-party service). Names alone were wrong four times
// in five on real repositories (an app called "settings", a pytest plugin
// named django_settings.py, the dev module manage.py defaults to), so the
// role comes first from what starts a process with the module
// (entrypoints.go), then from its name.

var (
	// A module whose last name says development or tests. "docker" is a
	// weaker hint: a compose stack's settings, unless a deployment file
	// names the module.
	roleDevNameRE    = lazyre.New(`(^|[_.])(dev|devel|develop|development|local|debug|localhost)([_.]|$)`)
	roleTestNameRE   = lazyre.New(`(^|[_.])(test|tests|testing|ci|pytest|smoketest|e2e)([_.]|$)|^test`)
	roleDockerNameRE = lazyre.New(`(^|[_.])(docker|compose|container)([_.]|$)`)
	roleProdNameRE   = lazyre.New(`(^|[_.])(prod|production|live|deploy|deployment|staging|release)([_.]|$)`)
	// Templates an operator copies and fills in.
	roleExampleNameRE = lazyre.New(`(^|[_.])(example|examples|sample|template|tmpl|tpl|dist|skel|skeleton)([_.]|$)`)
)

// roleCandidate is an entry settings module with what names it.
type roleCandidate struct {
	m    *settings.Model
	refs []entryRef
	// template: the file holds project-template placeholders
	// ({{ cookiecutter.x }}, {% if … %} lines), so it is not Python until
	// someone renders it.
	template bool
}

// templatePlaceholderRE finds a project template's placeholders in Python
// source: a Jinja block tag on its own line, or a cookiecutter variable.
var templatePlaceholderRE = lazyre.New(`(?m)^\s*\{%-?\s|\{\{-?\s*cookiecutter\.`)

// templateSource reports a file that is a project template's source.
func templateSource(data []byte) bool { return templatePlaceholderRE().Match(data) }

// assignRoles sets Role and Why on every candidate.
func assignRoles(cands []*roleCandidate, productionSetting string) {
	pendingManage := []*roleCandidate{}
	var production []*roleCandidate
	for _, c := range cands {
		role, why, decided := firstRole(c, productionSetting)
		if why == whyUnclaimed && len(cands) == 1 {
			why = "the project's only settings module"
		}
		switch {
		case decided:
			c.m.Role, c.m.Why = role, why
			if role == settings.Production {
				production = append(production, c)
			}
		default:
			pendingManage = append(pendingManage, c)
		}
	}
	for _, c := range pendingManage {
		if len(production) > 0 {
			c.m.Role = settings.Development
			c.m.Why = "named only by commands (" + refNames(c.refs) + "); " + production[0].m.Path + " is production"
			continue
		}
		c.m.Role, c.m.Why = settings.Production, "named by "+refNames(c.refs)+", and no other module is production"
	}
}

// firstRole decides a candidate's role from configuration, names and the
// references to it; decided is false when only manage.py names it, which
// is development exactly when another module is production.
func firstRole(c *roleCandidate, productionSetting string) (role settings.Role, why string, decided bool) {
	m := c.m
	if productionSetting != "" && (m.Module == moduleName(productionSetting) || m.Path == productionSetting ||
		strings.HasSuffix("."+m.Module, "."+strings.TrimSuffix(productionSetting, ".py"))) {
		return settings.Production, "production_settings in " + ConfigPath, true
	}
	if c.template {
		return settings.Example, "it is a project template's source (cookiecutter placeholders), not Python until rendered", true
	}
	last := strings.ToLower(lastSegment(m.Module))
	if last == "__init__" {
		last = strings.ToLower(lastSegment(strings.TrimSuffix(m.Module, ".__init__")))
	}
	base := strings.ToLower(path.Base(m.Path))
	also := ""
	if len(c.refs) > 0 {
		also = "; named by " + refNames(c.refs)
	}
	if m.Variant != "" {
		// A variant is what the environment file it includes makes it.
		base = strings.ToLower(path.Base(m.Variant))
		last = strings.TrimSuffix(base, ".py")
		role, why := variantRole(last)
		return role, "with " + m.Variant + " chosen by include(): " + why, true
	}
	switch {
	case roleExampleNameRE().MatchString(last) || roleExampleNameRE().MatchString(base):
		return settings.Example, "its name says it is a template to copy" + also, true
	case roleTestNameRE().MatchString(last):
		return settings.Test, "its name says tests" + also, true
	case underTestsDir(m.Path):
		return settings.Test, "it is kept under tests/" + also, true
	case roleDevNameRE().MatchString(last) && !roleProdNameRE().MatchString(last):
		return settings.Development, "its name says development" + also, true
	}
	var serve, deploy, test, dev, manage, docs, other, scripts []entryRef
	for _, r := range c.refs {
		switch r.Kind {
		case entryServe:
			serve = append(serve, r)
			if !strings.HasSuffix(r.What, "wsgi.py") && !strings.HasSuffix(r.What, "asgi.py") && !strings.Contains(r.What, "WSGI/ASGI") {
				deploy = append(deploy, r)
			}
		case entryTest:
			test = append(test, r)
		case entryDev:
			dev = append(dev, r)
		case entryManage:
			manage = append(manage, r)
		case entryDocs:
			docs = append(docs, r)
		case entryOther:
			// A Python module (celery.py) names what the deployment runs;
			// a script or Makefile line that migrates or loads data says
			// nothing about it.
			if strings.HasSuffix(r.From, ".py") {
				other = append(other, r)
			} else {
				scripts = append(scripts, r)
			}
		}
	}
	switch {
	case len(deploy) > 0:
		return settings.Production, "named by " + refNames(deploy), true
	case len(test) > 0 && len(serve) == 0:
		return settings.Test, "named by " + refNames(test), true
	case len(dev) > 0 && len(serve) == 0:
		return settings.Development, "named by " + refNames(dev), true
	case roleDockerNameRE().MatchString(last) && len(serve) == 0:
		return settings.Development, "its name says a local container stack", true
	case len(serve) > 0:
		return settings.Production, "named by " + refNames(serve), true
	case roleProdNameRE().MatchString(last):
		return settings.Production, "its name says production", true
	case len(manage) > 0 || len(scripts) > 0:
		// Commands run with it (manage.py's default, a script's
		// --settings): development when something else is production.
		return 0, "", false
	case len(other) > 0:
		return settings.Production, "named by " + refNames(other), true
	case len(docs) > 0:
		return settings.Development, "named by " + refNames(docs) + "; it serves no traffic", true
	}
	return settings.Production, whyUnclaimed, true
}

// whyUnclaimed is the reason for a module nothing names and whose name
// says no other role.
const whyUnclaimed = "no entry point names it and its name says no other role"

// strongProduction reports a production module whose claim beats a
// wsgi.py default: a deployment file names it, its name says production, or
// the repository's configuration does.
func strongProduction(c *roleCandidate) bool {
	if c.m.Role != settings.Production {
		return false
	}
	for _, r := range c.refs {
		if r.Kind == entryServe && r.From == ConfigPath {
			return true
		}
		if r.Kind == entryServe && !strings.HasSuffix(r.What, "wsgi.py") && !strings.HasSuffix(r.What, "asgi.py") && !strings.Contains(r.What, "WSGI/ASGI") {
			return true
		}
	}
	last := strings.ToLower(lastSegment(c.m.Module))
	if c.m.Variant != "" {
		last = strings.ToLower(strings.TrimSuffix(path.Base(c.m.Variant), ".py"))
	}
	return roleProdNameRE().MatchString(last)
}

// servesByDefault reports references that run a module as the site's
// settings: wsgi.py/asgi.py, a deployment file, manage.py.
func servesByDefault(refs []entryRef) bool {
	for _, r := range refs {
		if r.Kind == entryServe || r.Kind == entryManage {
			return true
		}
	}
	return false
}

// RoleFromName reports whether a settings module's path alone decides
// its role (dev.py, settings_test.py, tests/…, configuration_example.py,
// production.py): entry points then only confirm it.
func RoleFromName(p string) bool {
	last := strings.ToLower(lastSegment(moduleName(p)))
	if last == "__init__" {
		last = strings.ToLower(lastSegment(strings.TrimSuffix(moduleName(p), ".__init__")))
	}
	return roleExampleNameRE().MatchString(last) || roleTestNameRE().MatchString(last) || underTestsDir(p) ||
		roleDevNameRE().MatchString(last) || roleProdNameRE().MatchString(last)
}

// variantRole is the role an environment file's name gives a variant; a
// name that says nothing is production, the deployment that matters.
func variantRole(name string) (settings.Role, string) {
	switch {
	case roleExampleNameRE().MatchString(name):
		return settings.Example, "a template"
	case roleTestNameRE().MatchString(name):
		return settings.Test, "its name says tests"
	case roleDevNameRE().MatchString(name) && !roleProdNameRE().MatchString(name):
		return settings.Development, "its name says development"
	case roleDockerNameRE().MatchString(name):
		return settings.Development, "its name says a local container stack"
	}
	return settings.Production, "its name says no other role"
}

// refNames lists where a module is named, for people: "wsgi.py, Dockerfile".
func refNames(refs []entryRef) string {
	seen := map[string]bool{}
	var out []string
	for _, r := range refs {
		s := r.From
		if path.Base(r.From) != r.What && !strings.HasPrefix(r.What, r.From) {
			s = r.From + " (" + strings.TrimPrefix(r.What, path.Base(r.From)+" ") + ")"
		}
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	if len(out) > 3 {
		out = append(out[:3], "…")
	}
	return strings.Join(out, ", ")
}

// definesCore reports whether an evaluated module sets Django's core
// settings (itself or through what it star-imports): an app called
// "settings", a constants module or a vendored api_settings does not.
func definesCore(m *settings.Model) bool {
	for _, n := range []string{"INSTALLED_APPS", "MIDDLEWARE", "MIDDLEWARE_CLASSES", "DATABASES", "ROOT_URLCONF"} {
		if _, ok := m.Lookup(n); ok {
			return true
		}
	}
	if _, ok := m.Lookup("SECRET_KEY"); ok {
		for _, n := range []string{"ALLOWED_HOSTS", "DEBUG", "WSGI_APPLICATION", "TEMPLATES", "STATIC_URL"} {
			if _, ok := m.Lookup(n); ok {
				return true
			}
		}
	}
	return false
}

// resolveRefs maps each reference to the settings file it names: the
// module whose path ends with the dotted name, the one closest to the
// naming file when several do (two projects in one repository).
func resolveRefs(refs []entryRef, pyPaths []string) map[string][]entryRef {
	byLast := map[string][]string{}
	for _, p := range pyPaths {
		k := moduleKey(p)
		byLast[path.Base(k)] = append(byLast[path.Base(k)], p)
	}
	out := map[string][]entryRef{}
	for _, r := range refs {
		want := strings.ReplaceAll(r.Module, ".", "/")
		var best string
		bestScore := -1
		for _, p := range byLast[path.Base(want)] {
			k := moduleKey(p)
			if k != want && !strings.HasSuffix(k, "/"+want) {
				continue
			}
			root := strings.TrimSuffix(strings.TrimSuffix(k, want), "/")
			score := commonDirPrefix(root, path.Dir(r.From))
			if score > bestScore || score == bestScore && len(p) < len(best) {
				best, bestScore = p, score
			}
		}
		if best != "" {
			out[best] = append(out[best], r)
		}
	}
	return out
}

// moduleKey is a module's path without .py or /__init__.py.
func moduleKey(p string) string {
	return strings.TrimSuffix(strings.TrimSuffix(p, "/__init__.py"), ".py")
}

// commonDirPrefix counts the leading directories two paths share, plus one
// when root holds the naming file (the project's source root).
func commonDirPrefix(root, dir string) int {
	if dir == "." {
		dir = ""
	}
	a, b := strings.Split(root, "/"), strings.Split(dir, "/")
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] && a[n] != "" {
		n++
	}
	if root == "" || dir == root || strings.HasPrefix(dir, root+"/") {
		n++
	}
	return n
}
