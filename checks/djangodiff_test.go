package checks

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The Django differential (issue 2 item 4, docs/DJANGO_PARITY.md): many
// settings modules, each judged by Django's real `check --deploy` and by
// djsec, and the sets of security.* IDs compared. Django runs through
// testdata/djangodiff/driver.py under the system interpreter, which is where
// Debian's python3-django lives.

const (
	// djdiffPython is the system interpreter: a python3 earlier on PATH
	// (pyenv, a virtualenv) does not see Debian's dist-packages.
	djdiffPython = "/usr/bin/python3"
	djdiffDriver = "testdata/djangodiff/driver.py"
	// djdiffSeed fixes the generated variants; change it only on purpose,
	// since a failure report names variants by number.
	djdiffSeed = 20261127
)

var (
	djdiffAll = flag.Bool("djdiff.all", false, "TestDjangoDifferential: print the source of every disagreeing variant, not three per group")
	djdiffDir = flag.String("djdiff.dir", "", "TestDjangoDifferential: write the variants to this directory and keep them "+
		"(then: /usr/bin/python3 -m django check --deploy --pythonpath DIR --settings NAME)")
)

// The seven startproject middleware, in startproject order.
const (
	djdiffSecM     = "django.middleware.security.SecurityMiddleware"
	djdiffSessM    = "django.contrib.sessions.middleware.SessionMiddleware"
	djdiffCommonM  = "django.middleware.common.CommonMiddleware"
	djdiffCsrfM    = "django.middleware.csrf.CsrfViewMiddleware"
	djdiffAuthM    = "django.contrib.auth.middleware.AuthenticationMiddleware"
	djdiffMessageM = "django.contrib.messages.middleware.MessageMiddleware"
	djdiffXFrameM  = "django.middleware.clickjacking.XFrameOptionsMiddleware"
)

var djdiffMiddleware = []string{djdiffSecM, djdiffSessM, djdiffCommonM, djdiffCsrfM, djdiffAuthM, djdiffMessageM, djdiffXFrameM}

// djdiffCheckIDs are the security.* IDs Django's deployment checks can emit,
// with the release that added them and the one that removed them
// (DJANGO_FACTS.md §1.3). Only IDs the running Django can emit are compared.
var djdiffCheckIDs = []struct {
	ID             string
	Added, Removed [2]int
}{
	{"security.W001", [2]int{1, 8}, [2]int{}},
	{"security.W002", [2]int{1, 8}, [2]int{}},
	{"security.W003", [2]int{1, 8}, [2]int{}},
	{"security.W004", [2]int{1, 8}, [2]int{}},
	{"security.W005", [2]int{1, 8}, [2]int{}},
	{"security.W006", [2]int{1, 8}, [2]int{}},
	{"security.W007", [2]int{1, 8}, [2]int{3, 0}},
	{"security.W008", [2]int{1, 8}, [2]int{}},
	{"security.W009", [2]int{1, 8}, [2]int{}},
	{"security.W010", [2]int{1, 8}, [2]int{}},
	{"security.W011", [2]int{1, 8}, [2]int{}},
	{"security.W012", [2]int{1, 8}, [2]int{}},
	{"security.W013", [2]int{1, 8}, [2]int{}},
	{"security.W014", [2]int{1, 8}, [2]int{}},
	{"security.W015", [2]int{1, 8}, [2]int{}},
	{"security.W016", [2]int{1, 8}, [2]int{}},
	{"security.W017", [2]int{1, 8}, [2]int{1, 11}},
	{"security.W018", [2]int{1, 8}, [2]int{}},
	{"security.W019", [2]int{1, 8}, [2]int{}},
	{"security.W020", [2]int{1, 9}, [2]int{}},
	{"security.W021", [2]int{1, 11}, [2]int{}},
	{"security.W022", [2]int{3, 0}, [2]int{}},
	{"security.E023", [2]int{3, 0}, [2]int{}},
	{"security.E024", [2]int{4, 0}, [2]int{}},
	{"security.W025", [2]int{4, 1}, [2]int{}},
}

// djdiffComparable is the set of IDs a Django series can emit.
func djdiffComparable(series [2]int) map[string]bool {
	atLeast := func(v [2]int) bool { return series[0] > v[0] || series[0] == v[0] && series[1] >= v[1] }
	out := map[string]bool{}
	for _, c := range djdiffCheckIDs {
		if atLeast(c.Added) && (c.Removed == [2]int{} || !atLeast(c.Removed)) {
			out[c.ID] = true
		}
	}
	return out
}

// djdiffVariant is one settings module of the differential.
type djdiffVariant struct {
	// Name identifies the variant; it is a plain Python identifier.
	Name string
	Src  string
	// Base, when set, makes a split-settings variant: Src star-imports
	// Base (`from .base import *`), laid out as settings/base.py and
	// settings/production.py in a package on both sides.
	Base string
	// Divergence, when set, is a documented difference between djsec and
	// Django for this variant; the test then asserts exactly that difference.
	Divergence *djdiffDivergence
}

// djangoFiles lays the variant out for Django, paths relative to the
// directory put on sys.path, and names the settings module to load.
func (v djdiffVariant) djangoFiles() (files map[string]string, module string) {
	if v.Base == "" {
		return map[string]string{v.Name + ".py": v.Src}, v.Name
	}
	return map[string]string{
		v.Name + "/__init__.py":            "",
		v.Name + "/settings/__init__.py":   "",
		v.Name + "/settings/base.py":       v.Base,
		v.Name + "/settings/production.py": v.Src,
	}, v.Name + ".settings.production"
}

// djsecFiles lays the variant out for djsec: the same files under proj/.
func (v djdiffVariant) djsecFiles() map[string]string {
	if v.Base == "" {
		return map[string]string{"proj/settings.py": v.Src}
	}
	return map[string]string{"proj/settings/base.py": v.Base, "proj/settings/production.py": v.Src}
}

// djdiffDivergence is a difference kept on purpose (docs/DJANGO_PARITY.md).
type djdiffDivergence struct {
	DjangoOnly, DjsecOnly []string
	Why                   string
}

// djdiffSettings is an ordered settings module under construction: a
// setting's position is where it was first set, as in a hand-written file.
type djdiffSettings struct {
	names []string
	exprs map[string]string
	// head and tail are raw statements before and after the assignments
	// (star-imports; .append, if/else and the like).
	head, tail []string
}

func djdiffNew() *djdiffSettings { return &djdiffSettings{exprs: map[string]string{}} }

// set assigns a Python expression to a setting; "" removes the setting, so
// Django's default applies.
func (s *djdiffSettings) set(name, expr string) *djdiffSettings {
	if expr == "" {
		delete(s.exprs, name)
		return s
	}
	if _, ok := s.exprs[name]; !ok {
		s.names = append(s.names, name)
	}
	s.exprs[name] = expr
	return s
}

func (s *djdiffSettings) render(title string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# djsec differential variant: %s\nimport os\n\n", title)
	for _, l := range s.head {
		b.WriteString(l + "\n")
	}
	for _, n := range s.names {
		if e, ok := s.exprs[n]; ok {
			fmt.Fprintf(&b, "%s = %s\n", n, e)
		}
	}
	for _, l := range s.tail {
		b.WriteString(l + "\n")
	}
	return b.String()
}

// loadable keeps a variant importable by Django: with no usable SECRET_KEY
// (unset, empty or None), django.setup() itself fails once the admin is
// installed (its autodiscover builds the password-reset token generator,
// which reads the key), so `check --deploy` never reaches W009. Such
// variants drop the admin app, which no security check reads.
func (s *djdiffSettings) loadable() {
	switch s.exprs["SECRET_KEY"] {
	case "", `""`, "None":
		s.dropAdmin()
	}
}

// dropAdmin removes django.contrib.admin from INSTALLED_APPS (see loadable).
func (s *djdiffSettings) dropAdmin() {
	if apps, ok := s.exprs["INSTALLED_APPS"]; ok {
		s.exprs["INSTALLED_APPS"] = strings.Replace(apps, `"django.contrib.admin", `, "", 1)
	}
}

// djdiffStr renders a Python string literal. Generated values never hold a
// quote or a backslash, which keeps Go and Python quoting identical.
func djdiffStr(s string) string {
	if strings.ContainsAny(s, "\"\\\n") {
		panic("djdiffStr: unsupported character in " + s)
	}
	return `"` + s + `"`
}

// djdiffList renders a Python list of strings.
func djdiffList(items ...string) string {
	parts := make([]string, len(items))
	for i, it := range items {
		parts[i] = djdiffStr(it)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// djdiffTuple renders a Python tuple of strings.
func djdiffTuple(items ...string) string {
	if len(items) == 1 {
		return "(" + djdiffStr(items[0]) + ",)"
	}
	parts := make([]string, len(items))
	for i, it := range items {
		parts[i] = djdiffStr(it)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// djdiffKeyChars is get_random_secret_key's alphabet.
const djdiffKeyChars = "abcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*(-_=+)"

func djdiffKey(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = djdiffKeyChars[r.IntN(len(djdiffKeyChars))]
	}
	return string(b)
}

// djdiffEnv is an environment variable that is never set when Django runs
// (the driver gets a scrubbed environment), so an env read takes its default,
// exactly as djsec's production view assumes.
func djdiffEnv(setting string) string { return djdiffStr("DJSEC_UNSET_" + setting) }

var (
	djdiffStartprojectApps = []string{"django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
		"django.contrib.sessions", "django.contrib.messages", "django.contrib.staticfiles"}
	djdiffAppsNoSessions = []string{"django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
		"django.contrib.messages", "django.contrib.staticfiles"}
	// An AppConfig path installs the sessions app, but Django's checks look
	// for the bare string "django.contrib.sessions" and do not see it.
	djdiffAppsSessionsConfig = []string{"django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
		"django.contrib.sessions.apps.SessionsConfig", "django.contrib.messages", "django.contrib.staticfiles"}
)

// djdiffStartproject is what `django-admin startproject` writes (the parts
// the deployment checks read).
func djdiffStartproject(r *rand.Rand) *djdiffSettings {
	return djdiffNew().
		set("SECRET_KEY", djdiffStr("django-insecure-"+djdiffKey(r, 50))).
		set("DEBUG", "True").
		set("ALLOWED_HOSTS", "[]").
		set("INSTALLED_APPS", djdiffList(djdiffStartprojectApps...)).
		set("MIDDLEWARE", djdiffList(djdiffMiddleware...))
}

// djdiffHard is DJANGO_FACTS.md §2.3's HARD: startproject hardened until
// `check --deploy` is silent.
func djdiffHard(r *rand.Rand) *djdiffSettings {
	return djdiffStartproject(r).
		set("SECRET_KEY", djdiffStr(djdiffKey(r, 50))).
		set("DEBUG", "False").
		set("ALLOWED_HOSTS", djdiffList("example.com")).
		set("SECURE_HSTS_SECONDS", "31536000").
		set("SECURE_HSTS_INCLUDE_SUBDOMAINS", "True").
		set("SECURE_HSTS_PRELOAD", "True").
		set("SECURE_SSL_REDIRECT", "True").
		set("SESSION_COOKIE_SECURE", "True").
		set("CSRF_COOKIE_SECURE", "True")
}

// djdiffQuiet is the base for DJANGO_FACTS.md §2.1's single-check rows: a
// good key, DEBUG off, a host, and exactly the given apps and middleware.
func djdiffQuiet(r *rand.Rand, apps, middleware []string) *djdiffSettings {
	return djdiffNew().
		set("SECRET_KEY", djdiffStr(djdiffKey(r, 50))).
		set("DEBUG", "False").
		set("ALLOWED_HOSTS", djdiffList("example.com")).
		set("INSTALLED_APPS", djdiffList(apps...)).
		set("MIDDLEWARE", djdiffList(middleware...))
}

// djdiffPools are the values the random variants draw from, per setting.
// "" leaves the setting unset. Entries reading DJSEC_UNSET_* express a value
// through the environment shapes djsec's production view models.
func djdiffPools(r *rand.Rand) map[string][]string {
	good := func() string { return djdiffStr(djdiffKey(r, 50)) }
	return map[string][]string{
		"DEBUG": {"True", "False", `"False"`, "", "0", `""`,
			"os.environ.get(" + djdiffEnv("DEBUG") + `, "True") == "True"`,
			"os.environ.get(" + djdiffEnv("DEBUG") + `, "False") == "True"`,
			"os.getenv(" + djdiffEnv("DEBUG") + `, "False")`,
			"os.environ.get(" + djdiffEnv("DEBUG") + `, "false").lower() in ("true", "1", "yes")`,
			"bool(int(os.environ.get(" + djdiffEnv("DEBUG") + `, "1")))`,
		},
		"ALLOWED_HOSTS": {"[]", djdiffList("*"), djdiffList("example.com"), djdiffList(".example.com"), "", "()",
			"os.environ.get(" + djdiffEnv("ALLOWED_HOSTS") + `, "example.com").split(",")`,
			"os.environ.get(" + djdiffEnv("ALLOWED_HOSTS") + `, "").split(",")`,
		},
		"SECRET_KEY": {good(), good(), djdiffStr(djdiffKey(r, 20)), djdiffStr(djdiffKey(r, 49)),
			djdiffStr(strings.Repeat("abcd", 20)), djdiffStr("django-insecure-" + djdiffKey(r, 50)),
			djdiffStr("django-insecure" + djdiffKey(r, 50)), `""`, "None", "",
			"os.environ.get(" + djdiffEnv("SECRET_KEY") + ", " + good() + ")",
			"os.getenv(" + djdiffEnv("SECRET_KEY") + ", " + djdiffStr("django-insecure-"+djdiffKey(r, 50)) + ")",
			"os.environ.get(" + djdiffEnv("SECRET_KEY") + `, "change-me")`,
		},
		"SECRET_KEY_FALLBACKS": {"", "", "[]", "[" + good() + "]", "[" + good() + `, "old"]`,
			djdiffList("django-insecure-" + djdiffKey(r, 50))},
		"SECURE_HSTS_SECONDS": {"0", "None", "3600", "31536000", `"0"`, "", "60 * 60 * 24 * 365",
			"int(os.environ.get(" + djdiffEnv("SECURE_HSTS_SECONDS") + `, "3600"))`,
			"int(os.getenv(" + djdiffEnv("SECURE_HSTS_SECONDS") + `, "0"))`,
			"os.environ.get(" + djdiffEnv("SECURE_HSTS_SECONDS") + `, "0")`,
		},
		"SECURE_HSTS_INCLUDE_SUBDOMAINS": {"True", "False", `"True"`, "", "1"},
		"SECURE_HSTS_PRELOAD":            {"True", "False", `"True"`, "", "1"},
		"SECURE_SSL_REDIRECT": {"True", "False", `"True"`, "",
			"os.environ.get(" + djdiffEnv("SECURE_SSL_REDIRECT") + `, "True") == "True"`,
			"os.environ.get(" + djdiffEnv("SECURE_SSL_REDIRECT") + `, "True")`,
		},
		"SECURE_CONTENT_TYPE_NOSNIFF": {"True", "False", `"True"`, "", "1"},
		"SESSION_COOKIE_SECURE": {"True", "False", `"1"`, "",
			"os.environ.get(" + djdiffEnv("SESSION_COOKIE_SECURE") + `, "True")`,
			"os.environ.get(" + djdiffEnv("SESSION_COOKIE_SECURE") + `, "true").lower() == "true"`,
		},
		"SESSION_COOKIE_HTTPONLY": {"True", "False", `"1"`, ""},
		"CSRF_COOKIE_SECURE": {"True", "False", `"True"`, "",
			"os.environ.get(" + djdiffEnv("CSRF_COOKIE_SECURE") + `, "False") == "True"`,
		},
		"CSRF_USE_SESSIONS": {"True", "False", "", "", `""`, `"yes"`, "1",
			"os.environ.get(" + djdiffEnv("CSRF_USE_SESSIONS") + `, "False")`,
		},
		"X_FRAME_OPTIONS": {djdiffStr("DENY"), djdiffStr("SAMEORIGIN"), djdiffStr("deny"), "",
			"os.environ.get(" + djdiffEnv("X_FRAME_OPTIONS") + `, "SAMEORIGIN")`,
		},
		"SECURE_REFERRER_POLICY": {djdiffStr("same-origin"), djdiffStr("strict-origin-when-cross-origin"),
			djdiffStr("invalid-value"), djdiffStr("Same-Origin"), `""`, "None", "",
			djdiffList("strict-origin", "origin"), djdiffTuple("no-referrer"), djdiffList("same-origin", "bogus"),
			djdiffStr("strict-origin,origin"), djdiffStr("no-referrer, strict-origin"), djdiffStr("no-referrer, bogus"),
			"os.environ.get(" + djdiffEnv("SECURE_REFERRER_POLICY") + `, "same-origin")`,
		},
		"SECURE_CROSS_ORIGIN_OPENER_POLICY": {djdiffStr("same-origin"), djdiffStr("same-origin-allow-popups"),
			djdiffStr("unsafe-none"), djdiffStr("invalid-value"), "None", "", ""},
	}
}

// djdiffPoolOrder fixes the iteration order over the pools (map order is
// random) so the variants depend on the seed alone.
var djdiffPoolOrder = []string{"DEBUG", "ALLOWED_HOSTS", "SECRET_KEY", "SECRET_KEY_FALLBACKS",
	"SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "SECURE_SSL_REDIRECT",
	"SECURE_CONTENT_TYPE_NOSNIFF", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "CSRF_COOKIE_SECURE",
	"CSRF_USE_SESSIONS", "X_FRAME_OPTIONS", "SECURE_REFERRER_POLICY", "SECURE_CROSS_ORIGIN_OPENER_POLICY"}

// djdiffRandomMiddleware draws a subset of the seven middleware, sometimes
// reordered, sometimes as a tuple.
func djdiffRandomMiddleware(r *rand.Rand) string {
	var mw []string
	for _, m := range djdiffMiddleware {
		if r.IntN(4) != 0 {
			mw = append(mw, m)
		}
	}
	if r.IntN(3) == 0 {
		r.Shuffle(len(mw), func(i, j int) { mw[i], mw[j] = mw[j], mw[i] })
	}
	if r.IntN(5) == 0 {
		if len(mw) == 0 {
			return "()"
		}
		return djdiffTuple(mw...)
	}
	return djdiffList(mw...)
}

func djdiffRandomApps(r *rand.Rand) string {
	switch r.IntN(6) {
	case 0:
		return djdiffList(djdiffAppsNoSessions...)
	case 1:
		return djdiffList(djdiffAppsSessionsConfig...)
	case 2:
		return "[]"
	case 3:
		return djdiffList("django.contrib.sessions")
	}
	return djdiffList(djdiffStartprojectApps...)
}

// djdiffRandomSetting sets one setting (or MIDDLEWARE / INSTALLED_APPS) to a
// random pool value.
func djdiffRandomSetting(r *rand.Rand, s *djdiffSettings, pools map[string][]string, name string) {
	switch name {
	case "MIDDLEWARE":
		s.set(name, djdiffRandomMiddleware(r))
	case "INSTALLED_APPS":
		s.set(name, djdiffRandomApps(r))
	default:
		pool := pools[name]
		s.set(name, pool[r.IntN(len(pool))])
	}
}

// djdiffVariants generates every variant: the hand-written scenarios of
// DJANGO_FACTS.md §2.3 and §2.1, environment-shaped scenarios, documented
// divergences, then seeded random ones.
func djdiffVariants() []djdiffVariant {
	r := rand.New(rand.NewPCG(djdiffSeed, 0x646a736563))
	var out []djdiffVariant
	add := func(name string, s *djdiffSettings) {
		s.loadable()
		out = append(out, djdiffVariant{Name: name, Src: s.render(name)})
	}
	hard := func() *djdiffSettings { return djdiffHard(r) }
	without := func(drop string) []string {
		var mw []string
		for _, m := range djdiffMiddleware {
			if m != drop {
				mw = append(mw, m)
			}
		}
		return mw
	}

	// §2.3: whole `check --deploy` runs.
	add("f_startproject", djdiffStartproject(r))
	add("f_hard", hard())
	add("f_hard_no_subdomains_preload", hard().set("SECURE_HSTS_INCLUDE_SUBDOMAINS", "False").set("SECURE_HSTS_PRELOAD", "False"))
	add("f_hsts_0", hard().set("SECURE_HSTS_SECONDS", "0").set("SECURE_HSTS_INCLUDE_SUBDOMAINS", "False").set("SECURE_HSTS_PRELOAD", "False"))
	add("f_hsts_none", hard().set("SECURE_HSTS_SECONDS", "None"))
	add("f_hsts_str0_no_preload", hard().set("SECURE_HSTS_SECONDS", `"0"`).set("SECURE_HSTS_PRELOAD", "False"))
	add("f_ssl_redirect_false", hard().set("SECURE_SSL_REDIRECT", "False"))
	add("f_ssl_redirect_str", hard().set("SECURE_SSL_REDIRECT", `"True"`))
	add("f_nosniff_false", hard().set("SECURE_CONTENT_TYPE_NOSNIFF", "False"))
	add("f_xfo_sameorigin", hard().set("X_FRAME_OPTIONS", djdiffStr("SAMEORIGIN")))
	add("f_xfo_lower_deny", hard().set("X_FRAME_OPTIONS", djdiffStr("deny")))
	add("f_referrer_none", hard().set("SECURE_REFERRER_POLICY", "None"))
	add("f_referrer_invalid", hard().set("SECURE_REFERRER_POLICY", djdiffStr("invalid")))
	add("f_referrer_case", hard().set("SECURE_REFERRER_POLICY", djdiffStr("Same-Origin")))
	add("f_referrer_empty", hard().set("SECURE_REFERRER_POLICY", `""`))
	add("f_referrer_comma", hard().set("SECURE_REFERRER_POLICY", djdiffStr("no-referrer, strict-origin")))
	add("f_coop_bogus", hard().set("SECURE_CROSS_ORIGIN_OPENER_POLICY", djdiffStr("bogus")))
	add("f_coop_none", hard().set("SECURE_CROSS_ORIGIN_OPENER_POLICY", "None"))
	add("f_coop_unsafe_none", hard().set("SECURE_CROSS_ORIGIN_OPENER_POLICY", djdiffStr("unsafe-none")))
	add("f_debug_str_false", hard().set("DEBUG", `"False"`))
	add("f_hosts_star", hard().set("ALLOWED_HOSTS", djdiffList("*")))
	add("f_key_49", hard().set("SECRET_KEY", djdiffStr(djdiffKey(r, 49))))
	add("f_key_4_distinct", hard().set("SECRET_KEY", djdiffStr(strings.Repeat("abcd", 20))))
	add("f_key_insecure", hard().set("SECRET_KEY", djdiffStr("django-insecure-"+djdiffKey(r, 50))))
	add("f_fallbacks_old", hard().set("SECRET_KEY_FALLBACKS", "["+djdiffStr(djdiffKey(r, 50))+`, "old"]`))
	add("f_session_secure_false", hard().set("SESSION_COOKIE_SECURE", "False"))
	add("f_session_secure_str", hard().set("SESSION_COOKIE_SECURE", `"True"`))
	add("f_session_httponly_false", hard().set("SESSION_COOKIE_HTTPONLY", "False"))
	add("f_csrf_secure_false", hard().set("CSRF_COOKIE_SECURE", "False"))
	add("f_csrf_secure_false_sessions", hard().set("CSRF_COOKIE_SECURE", "False").set("CSRF_USE_SESSIONS", "True"))
	add("f_no_middleware", hard().set("MIDDLEWARE", "[]").set("SESSION_COOKIE_SECURE", "False").set("CSRF_COOKIE_SECURE", "False"))
	add("f_no_secm", hard().set("MIDDLEWARE", djdiffList(without(djdiffSecM)...)).set("SECURE_HSTS_SECONDS", "0").set("SECURE_SSL_REDIRECT", "False"))
	add("f_no_xfm", hard().set("MIDDLEWARE", djdiffList(without(djdiffXFrameM)...)).set("X_FRAME_OPTIONS", djdiffStr("SAMEORIGIN")))

	// §2.1: Django's unit tests, one check each, as whole settings modules
	// holding exactly the apps and middleware the test overrides.
	sess := []string{"django.contrib.sessions"}
	unit := func(name string, apps, mw []string, kv ...string) {
		s := djdiffQuiet(r, apps, mw)
		for i := 0; i+1 < len(kv); i += 2 {
			s.set(kv[i], kv[i+1])
		}
		add("u_"+name, s)
	}
	unit("session_secure_false_app", sess, nil, "SESSION_COOKIE_SECURE", "False")
	unit("session_secure_str1_app", sess, nil, "SESSION_COOKIE_SECURE", `"1"`)
	unit("session_secure_false_mw", nil, []string{djdiffSessM}, "SESSION_COOKIE_SECURE", "False")
	unit("session_secure_false_both", sess, []string{djdiffSessM}, "SESSION_COOKIE_SECURE", "False")
	unit("session_secure_true_both", sess, []string{djdiffSessM}, "SESSION_COOKIE_SECURE", "True")
	unit("session_httponly_false_app", sess, nil, "SESSION_COOKIE_HTTPONLY", "False")
	unit("session_httponly_str1_app", sess, nil, "SESSION_COOKIE_HTTPONLY", `"1"`)
	unit("session_httponly_false_mw", nil, []string{djdiffSessM}, "SESSION_COOKIE_HTTPONLY", "False")
	unit("session_httponly_false_both", sess, []string{djdiffSessM}, "SESSION_COOKIE_HTTPONLY", "False")
	unit("session_httponly_true_both", sess, []string{djdiffSessM}, "SESSION_COOKIE_HTTPONLY", "True")
	unit("csrf_middleware_none", nil, nil)
	unit("csrf_middleware", nil, []string{djdiffCsrfM})
	unit("csrf_secure_false", nil, []string{djdiffCsrfM}, "CSRF_COOKIE_SECURE", "False")
	unit("csrf_secure_str1", nil, []string{djdiffCsrfM}, "CSRF_COOKIE_SECURE", `"1"`)
	unit("csrf_use_sessions", nil, []string{djdiffCsrfM}, "CSRF_USE_SESSIONS", "True", "CSRF_COOKIE_SECURE", "False")
	unit("csrf_secure_false_no_mw", nil, nil, "CSRF_COOKIE_SECURE", "False")
	unit("csrf_secure_true", nil, []string{djdiffCsrfM}, "CSRF_COOKIE_SECURE", "True")
	unit("secm", nil, []string{djdiffSecM})
	unit("sts_0", nil, []string{djdiffSecM}, "SECURE_HSTS_SECONDS", "0")
	unit("sts_0_no_mw", nil, nil, "SECURE_HSTS_SECONDS", "0")
	unit("sts_3600", nil, []string{djdiffSecM}, "SECURE_HSTS_SECONDS", "3600")
	unit("subdomains_false", nil, []string{djdiffSecM}, "SECURE_HSTS_INCLUDE_SUBDOMAINS", "False", "SECURE_HSTS_SECONDS", "3600")
	unit("subdomains_false_no_mw", nil, nil, "SECURE_HSTS_INCLUDE_SUBDOMAINS", "False", "SECURE_HSTS_SECONDS", "3600")
	unit("subdomains_hsts_none", nil, []string{djdiffSecM}, "SECURE_HSTS_SECONDS", "None", "SECURE_SSL_REDIRECT", "False")
	unit("subdomains_true", nil, []string{djdiffSecM}, "SECURE_HSTS_INCLUDE_SUBDOMAINS", "True", "SECURE_HSTS_SECONDS", "3600")
	unit("preload_false", nil, []string{djdiffSecM}, "SECURE_HSTS_PRELOAD", "False", "SECURE_HSTS_SECONDS", "3600")
	unit("preload_false_no_mw", nil, nil, "SECURE_HSTS_PRELOAD", "False", "SECURE_HSTS_SECONDS", "3600")
	unit("preload_hsts_none", nil, []string{djdiffSecM}, "SECURE_HSTS_SECONDS", "None")
	unit("preload_true", nil, []string{djdiffSecM}, "SECURE_HSTS_PRELOAD", "True", "SECURE_HSTS_SECONDS", "3600")
	unit("xfm", nil, []string{djdiffXFrameM})
	unit("xfo_sameorigin", nil, []string{djdiffXFrameM}, "X_FRAME_OPTIONS", djdiffStr("SAMEORIGIN"))
	unit("xfo_sameorigin_no_mw", nil, nil, "X_FRAME_OPTIONS", djdiffStr("SAMEORIGIN"))
	unit("xfo_deny", nil, []string{djdiffXFrameM}, "X_FRAME_OPTIONS", djdiffStr("DENY"))
	unit("nosniff_false", nil, []string{djdiffSecM}, "SECURE_CONTENT_TYPE_NOSNIFF", "False")
	unit("nosniff_false_no_mw", nil, nil, "SECURE_CONTENT_TYPE_NOSNIFF", "False")
	unit("nosniff_true", nil, []string{djdiffSecM}, "SECURE_CONTENT_TYPE_NOSNIFF", "True")
	unit("ssl_false", nil, []string{djdiffSecM}, "SECURE_SSL_REDIRECT", "False")
	unit("ssl_false_no_mw", nil, nil, "SECURE_SSL_REDIRECT", "False")
	unit("ssl_true", nil, []string{djdiffSecM}, "SECURE_SSL_REDIRECT", "True")
	unit("key_empty", nil, nil, "SECRET_KEY", `""`)
	unit("key_none", nil, nil, "SECRET_KEY", "None")
	unit("key_insecure", nil, nil, "SECRET_KEY", djdiffStr("django-insecure-"+djdiffKey(r, 50)))
	unit("key_49", nil, nil, "SECRET_KEY", djdiffStr(djdiffKey(r, 49)))
	unit("key_4_distinct", nil, nil, "SECRET_KEY", djdiffStr(strings.Repeat("abcd", 20)))
	{
		s := djdiffQuiet(r, nil, nil)
		s.set("SECRET_KEY", "")
		add("u_key_unset", s)
	}
	unit("fallbacks_good", nil, nil, "SECRET_KEY_FALLBACKS", "["+djdiffStr(djdiffKey(r, 50))+"]")
	unit("fallbacks_insecure", nil, nil, "SECRET_KEY_FALLBACKS", djdiffList("django-insecure-"+djdiffKey(r, 50)))
	unit("fallbacks_49", nil, nil, "SECRET_KEY_FALLBACKS", djdiffList(djdiffKey(r, 49)))
	unit("fallbacks_4_distinct", nil, nil, "SECRET_KEY_FALLBACKS", djdiffList(strings.Repeat("abcd", 20)))
	unit("fallbacks_one_bad", nil, nil, "SECRET_KEY_FALLBACKS", "["+djdiffStr(djdiffKey(r, 50))+`, "badkey"]`)
	unit("fallbacks_two_bad", nil, nil, "SECRET_KEY_FALLBACKS", "["+djdiffStr(djdiffKey(r, 50))+`, "badkey1", "badkey2"]`)
	unit("debug_true", nil, nil, "DEBUG", "True")
	unit("hosts_empty", nil, nil, "ALLOWED_HOSTS", "[]")
	unit("hosts_dot", nil, nil, "ALLOWED_HOSTS", djdiffList(".example.com"))
	unit("referrer_none", nil, []string{djdiffSecM}, "SECURE_REFERRER_POLICY", "None")
	unit("referrer_none_no_mw", nil, nil, "SECURE_REFERRER_POLICY", "None")
	unit("referrer_one", nil, []string{djdiffSecM}, "SECURE_REFERRER_POLICY", djdiffStr("strict-origin"))
	unit("referrer_comma", nil, []string{djdiffSecM}, "SECURE_REFERRER_POLICY", djdiffStr("strict-origin,origin"))
	unit("referrer_comma_space", nil, []string{djdiffSecM}, "SECURE_REFERRER_POLICY", djdiffStr("strict-origin, origin"))
	unit("referrer_list", nil, []string{djdiffSecM}, "SECURE_REFERRER_POLICY", djdiffList("strict-origin", "origin"))
	unit("referrer_tuple", nil, []string{djdiffSecM}, "SECURE_REFERRER_POLICY", djdiffTuple("strict-origin", "origin"))
	unit("referrer_invalid", nil, []string{djdiffSecM}, "SECURE_REFERRER_POLICY", djdiffStr("invalid-value"))
	unit("coop_none", nil, []string{djdiffSecM}, "SECURE_CROSS_ORIGIN_OPENER_POLICY", "None")
	for _, v := range []string{"same-origin", "same-origin-allow-popups", "unsafe-none"} {
		unit("coop_"+strings.ReplaceAll(v, "-", "_"), nil, []string{djdiffSecM}, "SECURE_CROSS_ORIGIN_OPENER_POLICY", djdiffStr(v))
	}
	unit("coop_invalid", nil, []string{djdiffSecM}, "SECURE_CROSS_ORIGIN_OPENER_POLICY", djdiffStr("invalid-value"))

	// Sessions gating by app path: an AppConfig path is not the string
	// Django looks for.
	add("g_sessions_config_path", hard().set("INSTALLED_APPS", djdiffList(djdiffAppsSessionsConfig...)).set("SESSION_COOKIE_SECURE", "False"))
	add("g_sessions_config_no_mw", hard().set("INSTALLED_APPS", djdiffList(djdiffAppsSessionsConfig...)).
		set("MIDDLEWARE", djdiffList(without(djdiffSessM)...)).set("SESSION_COOKIE_SECURE", "False"))

	// The production view: each value reaches Django through an environment
	// variable that is unset, so Django sees the default djsec judges.
	env := func(name string, kv ...string) {
		s := hard()
		for i := 0; i+1 < len(kv); i += 2 {
			s.set(kv[i], kv[i+1])
		}
		add("e_"+name, s)
	}
	env("debug_compare_true", "DEBUG", "os.environ.get("+djdiffEnv("DEBUG")+`, "True") == "True"`)
	env("debug_compare_false", "DEBUG", "os.environ.get("+djdiffEnv("DEBUG")+`, "False") == "True"`)
	env("debug_raw_false", "DEBUG", "os.getenv("+djdiffEnv("DEBUG")+`, "False")`)
	env("debug_raw_empty", "DEBUG", "os.getenv("+djdiffEnv("DEBUG")+`, "")`)
	env("debug_no_default", "DEBUG", "os.environ.get("+djdiffEnv("DEBUG")+")")
	env("debug_lower_in", "DEBUG", "os.environ.get("+djdiffEnv("DEBUG")+`, "True").lower() in ("true", "1")`)
	env("debug_bool_int", "DEBUG", "bool(int(os.environ.get("+djdiffEnv("DEBUG")+`, "1")))`)
	env("debug_bool_int_0", "DEBUG", "bool(int(os.environ.get("+djdiffEnv("DEBUG")+`, "0")))`)
	env("hosts_split", "ALLOWED_HOSTS", "os.environ.get("+djdiffEnv("ALLOWED_HOSTS")+`, "example.com").split(",")`)
	env("hosts_split_empty", "ALLOWED_HOSTS", "os.environ.get("+djdiffEnv("ALLOWED_HOSTS")+`, "").split(",")`)
	env("key_good", "SECRET_KEY", "os.environ.get("+djdiffEnv("SECRET_KEY")+", "+djdiffStr(djdiffKey(r, 50))+")")
	env("key_insecure", "SECRET_KEY", "os.environ.get("+djdiffEnv("SECRET_KEY")+", "+djdiffStr("django-insecure-"+djdiffKey(r, 50))+")")
	env("key_short", "SECRET_KEY", "os.getenv("+djdiffEnv("SECRET_KEY")+`, "dev")`)
	env("key_or_default", "SECRET_KEY", "os.environ.get("+djdiffEnv("SECRET_KEY")+`) or "dev-key"`)
	env("hsts_int", "SECURE_HSTS_SECONDS", "int(os.environ.get("+djdiffEnv("SECURE_HSTS_SECONDS")+`, "3600"))`)
	env("hsts_int_0", "SECURE_HSTS_SECONDS", "int(os.environ.get("+djdiffEnv("SECURE_HSTS_SECONDS")+`, "0"))`)
	env("hsts_raw_0", "SECURE_HSTS_SECONDS", "os.environ.get("+djdiffEnv("SECURE_HSTS_SECONDS")+`, "0")`,
		"SECURE_HSTS_PRELOAD", "False")
	env("hsts_no_default", "SECURE_HSTS_SECONDS", "os.environ.get("+djdiffEnv("SECURE_HSTS_SECONDS")+")")
	env("ssl_compare", "SECURE_SSL_REDIRECT", "os.environ.get("+djdiffEnv("SECURE_SSL_REDIRECT")+`, "True") == "True"`)
	env("ssl_raw", "SECURE_SSL_REDIRECT", "os.environ.get("+djdiffEnv("SECURE_SSL_REDIRECT")+`, "True")`)
	env("ssl_compare_false", "SECURE_SSL_REDIRECT", "os.getenv("+djdiffEnv("SECURE_SSL_REDIRECT")+`, "0") == "1"`)
	env("session_secure_raw", "SESSION_COOKIE_SECURE", "os.environ.get("+djdiffEnv("SESSION_COOKIE_SECURE")+`, "True")`)
	env("session_secure_lower", "SESSION_COOKIE_SECURE", "os.environ.get("+djdiffEnv("SESSION_COOKIE_SECURE")+`, "true").lower() == "true"`)
	env("csrf_secure_compare_false", "CSRF_COOKIE_SECURE", "os.environ.get("+djdiffEnv("CSRF_COOKIE_SECURE")+`, "False") == "True"`)
	env("csrf_use_sessions_raw", "CSRF_COOKIE_SECURE", "False",
		"CSRF_USE_SESSIONS", "os.environ.get("+djdiffEnv("CSRF_USE_SESSIONS")+`, "False")`)
	env("xfo_env", "X_FRAME_OPTIONS", "os.environ.get("+djdiffEnv("X_FRAME_OPTIONS")+`, "SAMEORIGIN")`)
	env("referrer_env_bad", "SECURE_REFERRER_POLICY", "os.environ.get("+djdiffEnv("SECURE_REFERRER_POLICY")+`, "no-referrer, bogus")`)
	env("nosniff_compare", "SECURE_CONTENT_TYPE_NOSNIFF", "os.environ.get("+djdiffEnv("SECURE_CONTENT_TYPE_NOSNIFF")+`, "True") == "True"`)

	// Shapes the evaluator must follow (issue 2 item 2): comparisons and
	// casts of environment reads, conditionals on known values, list
	// methods, names reused in later settings.
	probe := func(name string, s *djdiffSettings) { add("x_"+name, s) }
	ev := func(setting string) string { return djdiffEnv(setting) }
	probe("debug_not_env", hard().set("DEBUG", "not os.environ.get("+ev("DEBUG")+")"))
	probe("debug_eq_1", hard().set("DEBUG", "os.environ.get("+ev("DEBUG")+`, "0") == "1"`))
	probe("debug_reversed_compare", hard().set("DEBUG", `"true" == os.environ.get(`+ev("DEBUG")+`, "true").lower()`))
	probe("debug_ne", hard().set("DEBUG", "os.environ.get("+ev("DEBUG")+`, "production") != "production"`))
	probe("debug_in_tuple", hard().set("DEBUG", "os.environ.get("+ev("DEBUG")+`, "") in ("1", "true")`))
	probe("debug_bool_default", hard().set("DEBUG", "os.environ.get("+ev("DEBUG")+", True)"))
	probe("debug_bool_of_raw", hard().set("DEBUG", "bool(os.environ.get("+ev("DEBUG")+", False))"))
	probe("debug_getenv_int_default", hard().set("DEBUG", "int(os.getenv("+ev("DEBUG")+", 0))"))
	probe("hosts_split_ws", hard().set("ALLOWED_HOSTS", "os.environ.get("+ev("ALLOWED_HOSTS")+`, "example.com www.example.com").split()`))
	probe("hosts_split_two", hard().set("ALLOWED_HOSTS", "os.getenv("+ev("ALLOWED_HOSTS")+`, "a.example.com,b.example.com").split(",")`))
	probe("hosts_ternary_debug", hard().set("ALLOWED_HOSTS", djdiffList("*")+" if DEBUG else []"))
	probe("ssl_not_debug", hard().set("SECURE_SSL_REDIRECT", "not DEBUG"))
	probe("session_secure_alias", hard().set("SESSION_COOKIE_SECURE", "SECURE_SSL_REDIRECT"))
	probe("csrf_secure_not_debug_on", hard().set("DEBUG", "True").set("CSRF_COOKIE_SECURE", "not DEBUG"))
	probe("hsts_ternary_debug", hard().set("SECURE_HSTS_SECONDS", "0 if DEBUG else 31536000"))
	probe("hsts_int_int_default", hard().set("SECURE_HSTS_SECONDS", "int(os.environ.get("+ev("SECURE_HSTS_SECONDS")+", 0))"))
	probe("hsts_raw_int_default", hard().set("SECURE_HSTS_SECONDS", "os.environ.get("+ev("SECURE_HSTS_SECONDS")+", 3600)"))
	probe("hsts_mult_env", hard().set("SECURE_HSTS_SECONDS", "60 * int(os.environ.get("+ev("SECURE_HSTS_SECONDS")+`, "0"))`))
	probe("xfo_upper", hard().set("X_FRAME_OPTIONS", "os.environ.get("+ev("X_FRAME_OPTIONS")+`, "deny").upper()`))
	probe("key_or_literal", hard().set("SECRET_KEY", "os.environ.get("+ev("SECRET_KEY")+") or "+djdiffStr(djdiffKey(r, 50))))
	{
		s := hard()
		s.tail = append(s.tail, "if DEBUG:", "    SECURE_SSL_REDIRECT = False", "else:", "    SECURE_SSL_REDIRECT = True")
		probe("if_debug_known", s.set("SECURE_SSL_REDIRECT", ""))
	}
	{
		s := hard().set("DEBUG", "True")
		s.tail = append(s.tail, "if DEBUG:", "    SESSION_COOKIE_SECURE = False")
		probe("if_debug_true", s)
	}
	{
		s := hard().set("MIDDLEWARE", djdiffList(without(djdiffXFrameM)...))
		s.tail = append(s.tail, "MIDDLEWARE.append("+djdiffStr(djdiffXFrameM)+")")
		probe("middleware_append", s)
	}
	{
		s := hard().set("MIDDLEWARE", djdiffList(without(djdiffSecM)...))
		s.tail = append(s.tail, "MIDDLEWARE.insert(0, "+djdiffStr(djdiffSecM)+")")
		probe("middleware_insert", s)
	}
	{
		s := hard()
		s.tail = append(s.tail, "MIDDLEWARE.remove("+djdiffStr(djdiffCsrfM)+")")
		probe("middleware_remove", s)
	}
	{
		s := hard().set("INSTALLED_APPS", djdiffList(djdiffAppsNoSessions...)).set("SESSION_COOKIE_SECURE", "False")
		s.tail = append(s.tail, "INSTALLED_APPS += "+djdiffList("django.contrib.sessions"))
		probe("apps_plus_eq", s)
	}
	{
		s := hard().set("MIDDLEWARE", djdiffList(djdiffSecM)).set("SECURE_REFERRER_POLICY", "None")
		s.tail = append(s.tail, "MIDDLEWARE.extend("+djdiffList(djdiffMiddleware[1:]...)+")")
		probe("middleware_extend", s)
	}
	{
		// A relative import from a top-level module fails with ImportError
		// in Django; djsec finds no local.py. Both keep the values above.
		s := hard()
		s.tail = append(s.tail, "try:", "    from .local import *", "except ImportError:", "    pass")
		probe("try_local", s)
	}

	// Split settings: production star-imports base, as DESIGN.md's
	// settings/base.py + settings/production.py layout.
	split := func(name string, base, prod *djdiffSettings) {
		prod.head = append([]string{"from .base import *"}, prod.head...)
		base.loadable()
		prod.loadable()
		out = append(out, djdiffVariant{Name: "s_" + name, Src: prod.render(name + " (production)"), Base: base.render(name + " (base)")})
	}
	hardOverrides := func() *djdiffSettings {
		h := hard()
		delete(h.exprs, "INSTALLED_APPS")
		delete(h.exprs, "MIDDLEWARE")
		return h
	}
	split("startproject_hardened", djdiffStartproject(r), hardOverrides())
	split("debug_in_base_only", djdiffStartproject(r), hardOverrides().set("DEBUG", ""))
	{
		p := hardOverrides()
		p.tail = append(p.tail, "MIDDLEWARE.remove("+djdiffStr(djdiffXFrameM)+")")
		split("remove_xfm", djdiffStartproject(r), p)
	}
	{
		b := djdiffStartproject(r).set("MIDDLEWARE", djdiffList(without(djdiffSecM)...))
		p := hardOverrides()
		p.tail = append(p.tail, "MIDDLEWARE.insert(0, "+djdiffStr(djdiffSecM)+")")
		split("insert_secm", b, p)
	}
	{
		b := djdiffStartproject(r).set("INSTALLED_APPS", djdiffList(djdiffAppsNoSessions...))
		p := hardOverrides().set("SESSION_COOKIE_SECURE", "False")
		p.tail = append(p.tail, "INSTALLED_APPS += "+djdiffList("django.contrib.sessions"))
		split("apps_plus_eq", b, p)
	}
	split("env_debug_base", djdiffStartproject(r).set("DEBUG", "os.environ.get("+ev("DEBUG")+`, "True") == "True"`), hardOverrides().set("DEBUG", ""))

	// Documented divergences (docs/DJANGO_PARITY.md): djsec departs from
	// Django's verdict on purpose; the test pins the exact difference.
	diverge := func(name string, s *djdiffSettings, d djdiffDivergence) {
		s.loadable()
		s.dropAdmin()
		out = append(out, djdiffVariant{Name: "d_" + name, Src: s.render(name), Divergence: &d})
	}
	keyFromEnv := djdiffDivergence{DjangoOnly: []string{"security.W009"},
		Why: "DJS103 does not judge a SECRET_KEY read from the environment with no default or an empty one: " +
			"a deployment without the variable fails on the first use of the key, it never runs with a weak one"}
	diverge("key_env_no_default", hard().set("SECRET_KEY", "os.environ.get("+ev("SECRET_KEY")+")"), keyFromEnv)
	diverge("key_env_empty_default", hard().set("SECRET_KEY", "os.environ.get("+ev("SECRET_KEY")+`, "")`), keyFromEnv)
	diverge("hosts_env_empty_default", hard().set("ALLOWED_HOSTS", "os.environ.get("+ev("ALLOWED_HOSTS")+`, "").split()`),
		djdiffDivergence{DjangoOnly: []string{"security.W020"},
			Why: "DJS203 does not report an empty list that is the default of an environment read: a deployment " +
				"without the variable fails closed (400 for every request), and the variable is how the hosts arrive"})
	{
		s := hard().set("DEBUG", "")
		s.tail = append(s.tail, "if os.environ.get("+ev("ENVIRONMENT")+`) == "production":`, "    DEBUG = False", "else:", "    DEBUG = True")
		diverge("debug_if_env", s, djdiffDivergence{DjangoOnly: []string{"security.W018"},
			Why: "the evaluator does not decide a condition on an environment variable: DEBUG is Unknown " +
				"(both branches are kept as alternatives), and no rule fires on an Unknown value"})
	}

	// Seeded random variants: half start from HARD and change one to three
	// settings (so a single wrong rule shows alone), half draw every setting.
	pools := djdiffPools(r)
	names := append([]string{"MIDDLEWARE", "INSTALLED_APPS"}, djdiffPoolOrder...)
	for i := 0; i < 200; i++ {
		s := hard()
		for k := 1 + r.IntN(3); k > 0; k-- {
			djdiffRandomSetting(r, s, pools, names[r.IntN(len(names))])
		}
		add(fmt.Sprintf("m%03d", i), s)
	}
	for i := 0; i < 200; i++ {
		s := djdiffNew()
		for _, n := range names {
			djdiffRandomSetting(r, s, pools, n)
		}
		add(fmt.Sprintf("r%03d", i), s)
	}
	return out
}

// djdiffDjangoVersion is the Django version the system interpreter imports,
// or an error saying why it cannot.
func djdiffDjangoVersion(ctx context.Context) (string, error) {
	if _, err := os.Stat(djdiffPython); err != nil {
		return "", fmt.Errorf("no %s: %w", djdiffPython, err)
	}
	cmd := exec.CommandContext(ctx, djdiffPython, "-I", "-B", "-c", "import django; print(django.get_version())")
	cmd.Env = djdiffPythonEnv()
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%s cannot import django: %w: %s", djdiffPython, err, bytes.TrimSpace(out))
	}
	return strings.TrimSpace(string(out)), nil
}

// djdiffPythonEnv is the whole environment of the Python side: nothing of
// the caller's leaks in, so every DJSEC_UNSET_* variable is unset (and -I
// makes Python ignore PYTHON* variables and the user site directory).
func djdiffPythonEnv() []string {
	return []string{"PATH=/usr/bin:/bin", "LANG=C.UTF-8"}
}

// djdiffSeriesOf parses "3.2.25" (or "4.2", "5.0a1") into (3, 2).
func djdiffSeriesOf(version string) ([2]int, error) {
	parts := strings.SplitN(version, ".", 3)
	if len(parts) < 2 {
		return [2]int{}, fmt.Errorf("unexpected Django version %q", version)
	}
	maj, err1 := strconv.Atoi(parts[0])
	min, err2 := strconv.Atoi(leadingDigits(parts[1]))
	if err1 != nil || err2 != nil {
		return [2]int{}, fmt.Errorf("unexpected Django version %q", version)
	}
	return [2]int{maj, min}, nil
}

// djdiffDjangoResult is one module's outcome in the driver's output.
type djdiffDjangoResult struct {
	IDs   []string `json:"ids"`
	Error string   `json:"error"`
}

// djdiffRunDjango writes files (paths relative to dir) and runs Django's
// deployment checks over each of the settings modules, one fresh process
// each; it returns the Django version and the security.* IDs per module.
// Reusable by any test that wants Django's verdict on settings sources.
func djdiffRunDjango(ctx context.Context, dir string, files map[string]string, modules []string) (string, map[string]djdiffDjangoResult, error) {
	for rel, src := range files {
		fp := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(fp), 0o755); err != nil {
			return "", nil, fmt.Errorf("write variant: %w", err)
		}
		if err := os.WriteFile(fp, []byte(src), 0o644); err != nil {
			return "", nil, fmt.Errorf("write variant: %w", err)
		}
	}
	names := append([]string(nil), modules...)
	sort.Strings(names)
	driver, err := filepath.Abs(djdiffDriver)
	if err != nil {
		return "", nil, fmt.Errorf("driver path: %w", err)
	}
	jobs := runtime.NumCPU()
	args := append([]string{"-I", "-B", driver, dir, strconv.Itoa(jobs)}, names...)
	cmd := exec.CommandContext(ctx, djdiffPython, args...)
	cmd.Env = djdiffPythonEnv()
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", nil, fmt.Errorf("driver: %w: %s", err, stderr.String())
	}
	var res struct {
		Django  string                        `json:"django"`
		Results map[string]djdiffDjangoResult `json:"results"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		return "", nil, fmt.Errorf("driver output: %w (stderr: %s)", err, stderr.String())
	}
	return res.Django, res.Results, nil
}

// djdiffDjsec analyzes one settings source next to a requirements.txt
// pinning version, so unset settings take that series' defaults, and returns
// the Django IDs its findings carry plus the findings for failure reports.
func djdiffDjsec(files map[string]string, version string) ([]string, []Finding) {
	in := Input{
		Files: map[string][]byte{"requirements.txt": []byte("Django==" + version + "\n")},
		Now:   time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC),
		Audit: true,
	}
	for p, src := range files {
		in.Files[p] = []byte(src)
	}
	res := Analyze(context.Background(), in)
	seen := map[string]bool{}
	var ids []string
	for _, f := range res.Findings {
		// A merged finding carries the IDs of the findings it took in.
		for _, id := range f.DjangoChecks() {
			if strings.HasPrefix(id, "security.") && !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	sort.Strings(ids)
	return ids, res.Findings
}

// djdiffSetDiff returns the members of a not in b.
func djdiffSetDiff(a, b []string) []string {
	in := map[string]bool{}
	for _, x := range b {
		in[x] = true
	}
	var out []string
	for _, x := range a {
		if !in[x] {
			out = append(out, x)
		}
	}
	return out
}

func djdiffEqual(a, b []string) bool {
	return len(djdiffSetDiff(a, b)) == 0 && len(djdiffSetDiff(b, a)) == 0
}

func TestDjangoDifferential(t *testing.T) {
	if testing.Short() {
		t.Skip("Django differential skipped in -short mode")
	}
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	version, err := djdiffDjangoVersion(ctx)
	if err != nil {
		t.Skipf("Django differential skipped: %v (install it with `apt-get install -y python3-django`)", err)
	}
	series, err := djdiffSeriesOf(version)
	if err != nil {
		t.Fatal(err)
	}
	if series[0] < 3 || series[0] == 3 && series[1] < 2 {
		t.Skipf("Django differential skipped: Django %s is older than 3.2, whose W009 and SECRET_KEY handling the variants assume", version)
	}
	comparable := djdiffComparable(series)

	variants := djdiffVariants()
	files := map[string]string{}
	modules := make([]string, len(variants))
	for i, v := range variants {
		fs, mod := v.djangoFiles()
		for p, src := range fs {
			if _, dup := files[p]; dup {
				t.Fatalf("two variants write %s", p)
			}
			files[p] = src
		}
		modules[i] = mod
	}
	start := time.Now()
	dir := *djdiffDir
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ran, djangoRes, err := djdiffRunDjango(ctx, dir, files, modules)
	t.Logf("Django %s judged %d variants in %v", version, len(variants), time.Since(start).Round(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if ran != version {
		t.Fatalf("driver ran Django %s, the version check saw %s", ran, version)
	}

	type outcome struct {
		djsec    []string
		findings []Finding
	}
	start = time.Now()
	outcomes := make([]outcome, len(variants))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.NumCPU())
	for i := range variants {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			ids, fs := djdiffDjsec(variants[i].djsecFiles(), version)
			outcomes[i] = outcome{ids, fs}
		}(i)
	}
	wg.Wait()
	t.Logf("djsec judged %d variants in %v", len(variants), time.Since(start).Round(time.Millisecond))

	// Mismatches are grouped by their difference, so one wrong rule reads
	// as one group with a count, followed by the smallest reproducers.
	type mismatch struct {
		v                 djdiffVariant
		django, djsec     []string
		missing, extra    []string
		findings          []Finding
		declaredDivergent bool
	}
	groups := map[string][]mismatch{}
	ignored := map[string]int{}
	fired := map[string]int{}
	for i, v := range variants {
		dr, ok := djangoRes[modules[i]]
		if !ok {
			t.Errorf("%s: no result from the driver", v.Name)
			continue
		}
		if dr.Error != "" {
			t.Errorf("%s: Django failed on the variant (harness bug: every variant must load):\n%s\n--- source ---\n%s%s", v.Name, dr.Error, v.Base, v.Src)
			continue
		}
		var django []string
		for _, id := range dr.IDs {
			if comparable[id] {
				django = append(django, id)
				fired[id]++
			} else {
				ignored[id]++
			}
		}
		djsec := outcomes[i].djsec
		missing := djdiffSetDiff(django, djsec)
		extra := djdiffSetDiff(djsec, django)
		if d := v.Divergence; d != nil {
			if djdiffEqual(missing, d.DjangoOnly) && djdiffEqual(extra, d.DjsecOnly) {
				continue
			}
		} else if len(missing) == 0 && len(extra) == 0 {
			continue
		}
		key := "djsec misses [" + strings.Join(missing, " ") + "], djsec adds [" + strings.Join(extra, " ") + "]"
		for _, id := range extra {
			if !comparable[id] {
				key += " (Django " + version + " cannot emit " + id + ")"
			}
		}
		if v.Divergence != nil {
			key = "documented divergence changed: " + key
		}
		groups[key] = append(groups[key], mismatch{v, django, djsec, missing, extra, outcomes[i].findings, v.Divergence != nil})
	}
	// The variants must exercise every ID the running Django can emit, and
	// each must also stay silent somewhere, or the comparison proves little.
	counts := make([]string, 0, len(comparable))
	for id := range comparable {
		counts = append(counts, fmt.Sprintf("%s×%d", strings.TrimPrefix(id, "security."), fired[id]))
		if fired[id] == 0 || fired[id] == len(variants) {
			t.Errorf("Django %s reported %s on %d of %d variants: extend the generator so it both fires and stays silent", version, id, fired[id], len(variants))
		}
	}
	sort.Strings(counts)
	t.Logf("variants on which Django %s reported each compared ID: %s", version, strings.Join(counts, " "))
	for id, n := range ignored {
		t.Logf("Django %s reported %s on %d variants; not compared (not a deployment check djsec mirrors)", version, id, n)
	}
	if len(groups) == 0 {
		t.Logf("%d variants: djsec and Django %s agree on every security.* ID", len(variants), version)
		return
	}
	keys := make([]string, 0, len(groups))
	total := 0
	for k, ms := range groups {
		keys = append(keys, k)
		total += len(ms)
	}
	sort.Strings(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "%d of %d variants disagree with Django %s, in %d groups:\n", total, len(variants), version, len(keys))
	for _, k := range keys {
		fmt.Fprintf(&b, "  %3d × %s\n", len(groups[k]), k)
	}
	const shown = 3
	for _, k := range keys {
		ms := groups[k]
		sort.SliceStable(ms, func(i, j int) bool { return len(ms[i].v.Src) < len(ms[j].v.Src) })
		fmt.Fprintf(&b, "\n=== %s (%d variants: ", k, len(ms))
		for i, m := range ms {
			if i > 0 {
				b.WriteString(" ")
			}
			b.WriteString(m.v.Name)
		}
		b.WriteString(")\n")
		for i, m := range ms {
			if i >= shown && !*djdiffAll {
				fmt.Fprintf(&b, "--- %s: Django %v, djsec %v (source: run with -djdiff.all)\n", m.v.Name, m.django, m.djsec)
				continue
			}
			if m.v.Base != "" {
				fmt.Fprintf(&b, "--- %s: settings/base.py\n%s--- %s: settings/production.py\n", m.v.Name, m.v.Base, m.v.Name)
			} else {
				fmt.Fprintf(&b, "--- %s\n", m.v.Name)
			}
			b.WriteString(m.v.Src)
			fmt.Fprintf(&b, "Django: %v\ndjsec:  %v\nmissing in djsec: %v\nextra in djsec:   %v\n", m.django, m.djsec, m.missing, m.extra)
			if m.declaredDivergent {
				fmt.Fprintf(&b, "declared divergence: Django only %v, djsec only %v (%s)\n",
					m.v.Divergence.DjangoOnly, m.v.Divergence.DjsecOnly, m.v.Divergence.Why)
			}
			for _, f := range m.findings {
				if f.DjangoCheck != "" || f.Severity >= Medium {
					fmt.Fprintf(&b, "  finding %s %s line %d [%s]: %s\n", f.Rule, f.Severity, f.Line, f.DjangoCheck, f.Message)
				}
			}
		}
	}
	t.Error(b.String())
}

// TestDjangoDifferentialVariants guards the generator itself, with or
// without Django: deterministic, unique valid module names, several hundred
// variants, and no DJSEC_UNSET_* variable set in this process.
func TestDjangoDifferentialVariants(t *testing.T) {
	t.Parallel()
	a, b := djdiffVariants(), djdiffVariants()
	if len(a) < 300 {
		t.Fatalf("only %d variants", len(a))
	}
	seen := map[string]bool{}
	for i := range a {
		if a[i].Name != b[i].Name || a[i].Src != b[i].Src {
			t.Fatalf("variant %d differs between two generations: not deterministic", i)
		}
		if seen[a[i].Name] {
			t.Fatalf("duplicate variant name %s", a[i].Name)
		}
		seen[a[i].Name] = true
		for j, c := range a[i].Name {
			if !(c == '_' || c >= 'a' && c <= 'z' || j > 0 && c >= '0' && c <= '9') {
				t.Fatalf("variant name %q is not a plain Python module name", a[i].Name)
			}
		}
	}
	for _, kv := range djdiffPythonEnv() {
		if strings.HasPrefix(kv, "DJSEC_UNSET_") {
			t.Fatalf("the Python environment sets %s", kv)
		}
	}
	for _, id := range []struct {
		series [2]int
		id     string
		want   bool
	}{
		{[2]int{3, 2}, "security.W009", true},
		{[2]int{3, 2}, "security.E024", false},
		{[2]int{3, 2}, "security.W025", false},
		{[2]int{3, 2}, "security.W007", false},
		{[2]int{4, 0}, "security.E024", true},
		{[2]int{4, 1}, "security.W025", true},
		{[2]int{2, 2}, "security.W007", true},
		{[2]int{2, 2}, "security.W022", false},
	} {
		if got := djdiffComparable(id.series)[id.id]; got != id.want {
			t.Errorf("djdiffComparable(%v)[%s] = %v, want %v", id.series, id.id, got, id.want)
		}
	}
}
