package checks

import (
	"context"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// httpsApps and httpsMiddleware are what startproject writes (DJANGO_FACTS.md §1.5).
const httpsApps = `INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]
`

const httpsMiddleware = `MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
`

// httpsStartproject is a startproject settings module, as far as these rules care.
const httpsStartproject = `SECRET_KEY = "django-insecure-0123456789abcdefghijklmnopqrstuvwxyz!@#$%^&*(-_=+)"
DEBUG = True
ALLOWED_HOSTS = []
` + httpsApps + httpsMiddleware

// httpsHard is DJANGO_FACTS.md §2.3's HARD: startproject hardened until
// `check --deploy` is silent.
const httpsHard = `SECRET_KEY = "v8#k2!qz@x0m%w3^e7r&t9y(u1i)o5p-a4s_d6f=g8h+j2k0l3z5x7c9v1b3n5m7q9"
DEBUG = False
ALLOWED_HOSTS = ["example.com"]
` + httpsApps + httpsMiddleware + `SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_SSL_REDIRECT = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
`

// httpsHardWithout drops the middleware line naming cls from httpsHard.
func httpsHardWithout(cls string) string {
	var out []string
	for _, l := range strings.Split(httpsHard, "\n") {
		if !strings.Contains(l, `"`+cls+`"`) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// httpsMine reports whether a finding comes from §3 or §4.
func httpsMine(f Finding) bool {
	n := ruleNumber(f.Rule)
	return n >= 301 && n <= 307 || n >= 401 && n <= 414
}

// httpsDjangoIDs is the sorted set of Django IDs §3/§4 findings carry, without
// the "security." prefix.
func httpsDjangoIDs(res *Result, only map[string]bool) string {
	set := map[string]bool{}
	for _, f := range res.Findings {
		if f.Suppressed || !httpsMine(f) && !slices.ContainsFunc(f.Also, func(a Absorbed) bool { return httpsMine(Finding{Rule: a.Rule}) }) {
			continue
		}
		for _, dj := range f.DjangoChecks() {
			id := strings.TrimPrefix(dj, "security.")
			if only != nil && !only[id] {
				continue
			}
			set[id] = true
		}
	}
	ids := make([]string, 0, len(set))
	for id := range set {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return strings.Join(ids, " ")
}

func httpsIDSet(ids ...string) map[string]bool {
	m := map[string]bool{}
	for _, id := range ids {
		m[id] = true
	}
	return m
}

// httpsFiles analyzes settings src, with Django pinned to version when given.
func httpsFiles(t *testing.T, src, django string) *Result {
	t.Helper()
	files := map[string]string{"mysite/settings.py": src}
	if django != "" {
		files["requirements.txt"] = "django==" + django + "\n"
	}
	return analyzeFiles(t, files)
}

// TestHTTPSDjangoWholeRuns replays DJANGO_FACTS.md §2.3 (whole `check
// --deploy` runs of Django main) restricted to the IDs §3/§4 rules carry.
func TestHTTPSDjangoWholeRuns(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, src, want string
	}{
		{"startproject defaults", httpsStartproject, "W004 W008 W012 W016"},
		{"hard", httpsHard, ""},
		{"hard, subdomains and preload off", httpsHard + "SECURE_HSTS_INCLUDE_SUBDOMAINS = False\nSECURE_HSTS_PRELOAD = False\n", "W005 W021"},
		{"hard, hsts 0", httpsHard + "SECURE_HSTS_SECONDS = 0\nSECURE_HSTS_INCLUDE_SUBDOMAINS = False\nSECURE_HSTS_PRELOAD = False\n", "W004"},
		{"hard, hsts None", httpsHard + "SECURE_HSTS_SECONDS = None\n", "W004"},
		{"hard, hsts string 0", httpsHard + "SECURE_HSTS_SECONDS = \"0\"\nSECURE_HSTS_PRELOAD = False\n", "W021"},
		{"hard, redirect False", httpsHard + "SECURE_SSL_REDIRECT = False\n", "W008"},
		{"hard, redirect string", httpsHard + "SECURE_SSL_REDIRECT = \"True\"\n", "W008"},
		{"hard, nosniff False", httpsHard + "SECURE_CONTENT_TYPE_NOSNIFF = False\n", "W006"},
		{"hard, xfo SAMEORIGIN", httpsHard + "X_FRAME_OPTIONS = \"SAMEORIGIN\"\n", "W019"},
		{"hard, xfo deny", httpsHard + "X_FRAME_OPTIONS = \"deny\"\n", "W019"},
		{"hard, referrer None", httpsHard + "SECURE_REFERRER_POLICY = None\n", "W022"},
		{"hard, referrer invalid", httpsHard + "SECURE_REFERRER_POLICY = \"invalid\"\n", "E023"},
		{"hard, referrer case", httpsHard + "SECURE_REFERRER_POLICY = \"Same-Origin\"\n", "E023"},
		{"hard, referrer empty", httpsHard + "SECURE_REFERRER_POLICY = \"\"\n", "E023"},
		{"hard, referrer list string", httpsHard + "SECURE_REFERRER_POLICY = \"no-referrer, strict-origin\"\n", ""},
		{"hard, coop bogus", httpsHard + "SECURE_CROSS_ORIGIN_OPENER_POLICY = \"bogus\"\n", "E024"},
		{"hard, coop None", httpsHard + "SECURE_CROSS_ORIGIN_OPENER_POLICY = None\n", ""},
		{"hard, coop unsafe-none", httpsHard + "SECURE_CROSS_ORIGIN_OPENER_POLICY = \"unsafe-none\"\n", ""},
		{"hard, allowed hosts star", httpsHard + "ALLOWED_HOSTS = [\"*\"]\n", ""},
		{"hard, session cookie False", httpsHard + "SESSION_COOKIE_SECURE = False\n", "W012"},
		{"hard, session cookie string", httpsHard + "SESSION_COOKIE_SECURE = \"True\"\n", "W012"},
		{"hard, session httponly False", httpsHard + "SESSION_COOKIE_HTTPONLY = False\n", "W015"},
		{"hard, csrf cookie False", httpsHard + "CSRF_COOKIE_SECURE = False\n", "W016"},
		{"hard, csrf cookie False with sessions", httpsHard + "CSRF_COOKIE_SECURE = False\nCSRF_USE_SESSIONS = True\n", ""},
		{"hard, no middleware", httpsHard + "MIDDLEWARE = []\nSESSION_COOKIE_SECURE = False\nCSRF_COOKIE_SECURE = False\n", "W001 W002 W003 W010"},
		{"hard minus security middleware", httpsHardWithout(httpsSecurityMiddleware) + "SECURE_HSTS_SECONDS = 0\nSECURE_SSL_REDIRECT = False\n", "W001"},
		{"hard minus xframe middleware", httpsHardWithout(httpsXFrameMiddleware) + "X_FRAME_OPTIONS = \"SAMEORIGIN\"\n", "W002"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			res := analyzeSettings(t, c.src)
			if got := httpsDjangoIDs(res, nil); got != c.want {
				t.Errorf("django IDs = %q, want %q (findings: %s)", got, c.want, ruleIDs(res))
			}
		})
	}
}

// TestHTTPSDjangoUnitRows replays the rows of Django's
// tests/check_framework/test_security.py (DJANGO_FACTS.md §2.1) that §3/§4
// rules mirror. Each row runs one Django check function, so only that
// function's IDs are compared.
func TestHTTPSDjangoUnitRows(t *testing.T) {
	t.Parallel()
	const (
		secM  = "MIDDLEWARE = [\"django.middleware.security.SecurityMiddleware\"]\n"
		xfM   = "MIDDLEWARE = [\"django.middleware.clickjacking.XFrameOptionsMiddleware\"]\n"
		csrfM = "MIDDLEWARE = [\"django.middleware.csrf.CsrfViewMiddleware\"]\n"
		sessM = "MIDDLEWARE = [\"django.contrib.sessions.middleware.SessionMiddleware\"]\n"
		noMW  = "MIDDLEWARE = []\n"
		app   = "INSTALLED_APPS = [\"django.contrib.sessions\"]\n"
	)
	sessionSecure := httpsIDSet("W010", "W011", "W012")
	httponly := httpsIDSet("W013", "W014", "W015")
	cases := []struct {
		name, src string
		ids       map[string]bool
		want      string
	}{
		{"session secure False, app", "SESSION_COOKIE_SECURE = False\n" + app + noMW, sessionSecure, "W010"},
		{"session secure \"1\", app", "SESSION_COOKIE_SECURE = \"1\"\n" + app + noMW, sessionSecure, "W010"},
		{"session secure False, middleware", "SESSION_COOKIE_SECURE = False\nINSTALLED_APPS = []\n" + sessM, sessionSecure, "W011"},
		{"session secure False, both", "SESSION_COOKIE_SECURE = False\n" + app + sessM, sessionSecure, "W012"},
		{"session secure True, both", "SESSION_COOKIE_SECURE = True\n" + app + sessM, sessionSecure, ""},
		{"session secure False, neither", "SESSION_COOKIE_SECURE = False\nINSTALLED_APPS = []\n" + noMW, sessionSecure, ""},
		{"session secure False, AppConfig path", "SESSION_COOKIE_SECURE = False\nINSTALLED_APPS = [\"django.contrib.sessions.apps.SessionsConfig\"]\n" + noMW, sessionSecure, ""},
		{"httponly False, app", "SESSION_COOKIE_HTTPONLY = False\n" + app + noMW, httponly, "W013"},
		{"httponly \"1\", app", "SESSION_COOKIE_HTTPONLY = \"1\"\n" + app + noMW, httponly, "W013"},
		{"httponly False, middleware", "SESSION_COOKIE_HTTPONLY = False\nINSTALLED_APPS = []\n" + sessM, httponly, "W014"},
		{"httponly False, both", "SESSION_COOKIE_HTTPONLY = False\n" + app + sessM, httponly, "W015"},
		{"httponly True, both", "SESSION_COOKIE_HTTPONLY = True\n" + app + sessM, httponly, ""},
		{"csrf middleware missing", noMW, httpsIDSet("W003"), "W003"},
		{"csrf middleware present", csrfM, httpsIDSet("W003"), ""},
		{"csrf cookie False", csrfM + "CSRF_COOKIE_SECURE = False\n", httpsIDSet("W016"), "W016"},
		{"csrf cookie \"1\"", csrfM + "CSRF_COOKIE_SECURE = \"1\"\n", httpsIDSet("W016"), "W016"},
		{"csrf cookie with sessions", csrfM + "CSRF_USE_SESSIONS = True\nCSRF_COOKIE_SECURE = False\n", httpsIDSet("W016"), ""},
		{"csrf cookie no middleware", noMW + "CSRF_COOKIE_SECURE = False\n", httpsIDSet("W016"), ""},
		{"csrf cookie True", csrfM + "CSRF_COOKIE_SECURE = True\n", httpsIDSet("W016"), ""},
		{"security middleware missing", noMW, httpsIDSet("W001"), "W001"},
		{"security middleware present", secM, httpsIDSet("W001"), ""},
		{"sts 0", secM + "SECURE_HSTS_SECONDS = 0\n", httpsIDSet("W004"), "W004"},
		{"sts 0 no middleware", noMW + "SECURE_HSTS_SECONDS = 0\n", httpsIDSet("W004"), ""},
		{"sts 3600", secM + "SECURE_HSTS_SECONDS = 3600\n", httpsIDSet("W004"), ""},
		{"subdomains False", secM + "SECURE_HSTS_INCLUDE_SUBDOMAINS = False\nSECURE_HSTS_SECONDS = 3600\n", httpsIDSet("W005"), "W005"},
		{"subdomains False no middleware", noMW + "SECURE_HSTS_INCLUDE_SUBDOMAINS = False\nSECURE_HSTS_SECONDS = 3600\n", httpsIDSet("W005"), ""},
		{"subdomains, hsts None", secM + "SECURE_HSTS_SECONDS = None\nSECURE_SSL_REDIRECT = False\n", httpsIDSet("W005"), ""},
		{"subdomains True", secM + "SECURE_HSTS_INCLUDE_SUBDOMAINS = True\nSECURE_HSTS_SECONDS = 3600\n", httpsIDSet("W005"), ""},
		{"preload False", secM + "SECURE_HSTS_PRELOAD = False\nSECURE_HSTS_SECONDS = 3600\n", httpsIDSet("W021"), "W021"},
		{"preload False no middleware", noMW + "SECURE_HSTS_PRELOAD = False\nSECURE_HSTS_SECONDS = 3600\n", httpsIDSet("W021"), ""},
		{"preload, hsts None", secM + "SECURE_HSTS_SECONDS = None\n", httpsIDSet("W021"), ""},
		{"preload True", secM + "SECURE_HSTS_PRELOAD = True\nSECURE_HSTS_SECONDS = 3600\n", httpsIDSet("W021"), ""},
		{"xframe middleware missing", noMW, httpsIDSet("W002"), "W002"},
		{"xframe middleware present", xfM, httpsIDSet("W002"), ""},
		{"xframe SAMEORIGIN", xfM + "X_FRAME_OPTIONS = \"SAMEORIGIN\"\n", httpsIDSet("W019"), "W019"},
		{"xframe SAMEORIGIN no middleware", noMW + "X_FRAME_OPTIONS = \"SAMEORIGIN\"\n", httpsIDSet("W019"), ""},
		{"xframe DENY", xfM + "X_FRAME_OPTIONS = \"DENY\"\n", httpsIDSet("W019"), ""},
		{"nosniff False", secM + "SECURE_CONTENT_TYPE_NOSNIFF = False\n", httpsIDSet("W006"), "W006"},
		{"nosniff False no middleware", noMW + "SECURE_CONTENT_TYPE_NOSNIFF = False\n", httpsIDSet("W006"), ""},
		{"nosniff True", secM + "SECURE_CONTENT_TYPE_NOSNIFF = True\n", httpsIDSet("W006"), ""},
		{"ssl redirect False", secM + "SECURE_SSL_REDIRECT = False\n", httpsIDSet("W008"), "W008"},
		{"ssl redirect False no middleware", noMW + "SECURE_SSL_REDIRECT = False\n", httpsIDSet("W008"), ""},
		{"ssl redirect True", secM + "SECURE_SSL_REDIRECT = True\n", httpsIDSet("W008"), ""},
		{"referrer None", secM + "SECURE_REFERRER_POLICY = None\n", httpsIDSet("W022", "E023"), "W022"},
		{"referrer None no middleware", noMW + "SECURE_REFERRER_POLICY = None\n", httpsIDSet("W022", "E023"), ""},
		{"referrer one", secM + "SECURE_REFERRER_POLICY = \"strict-origin\"\n", httpsIDSet("W022", "E023"), ""},
		{"referrer comma", secM + "SECURE_REFERRER_POLICY = \"strict-origin,origin\"\n", httpsIDSet("W022", "E023"), ""},
		{"referrer comma space", secM + "SECURE_REFERRER_POLICY = \"strict-origin, origin\"\n", httpsIDSet("W022", "E023"), ""},
		{"referrer list", secM + "SECURE_REFERRER_POLICY = [\"strict-origin\", \"origin\"]\n", httpsIDSet("W022", "E023"), ""},
		{"referrer tuple", secM + "SECURE_REFERRER_POLICY = (\"strict-origin\", \"origin\")\n", httpsIDSet("W022", "E023"), ""},
		{"referrer invalid", secM + "SECURE_REFERRER_POLICY = \"invalid-value\"\n", httpsIDSet("W022", "E023"), "E023"},
		{"referrer list with invalid", secM + "SECURE_REFERRER_POLICY = [\"origin\", \"nope\"]\n", httpsIDSet("W022", "E023"), "E023"},
		{"coop None", secM + "SECURE_CROSS_ORIGIN_OPENER_POLICY = None\n", httpsIDSet("E024"), ""},
		{"coop same-origin", secM + "SECURE_CROSS_ORIGIN_OPENER_POLICY = \"same-origin\"\n", httpsIDSet("E024"), ""},
		{"coop allow-popups", secM + "SECURE_CROSS_ORIGIN_OPENER_POLICY = \"same-origin-allow-popups\"\n", httpsIDSet("E024"), ""},
		{"coop unsafe-none", secM + "SECURE_CROSS_ORIGIN_OPENER_POLICY = \"unsafe-none\"\n", httpsIDSet("E024"), ""},
		{"coop invalid", secM + "SECURE_CROSS_ORIGIN_OPENER_POLICY = \"invalid-value\"\n", httpsIDSet("E024"), "E024"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			res := analyzeSettings(t, c.src)
			if got := httpsDjangoIDs(res, c.ids); got != c.want {
				t.Errorf("django IDs = %q, want %q (findings: %s)", got, c.want, ruleIDs(res))
			}
		})
	}
}

// TestHTTPSDjangoSeries pins older Django series, whose defaults and
// comparisons differ (DJANGO_FACTS.md §1.2, §11.6; django/django#15443 made
// the cookie checks `is True` in 4.1). Verified against Debian's Django 3.2.
func TestHTTPSDjangoSeries(t *testing.T) {
	t.Parallel()
	const (
		secM = "MIDDLEWARE = [\"django.middleware.security.SecurityMiddleware\"]\n"
		xfM  = "MIDDLEWARE = [\"django.middleware.clickjacking.XFrameOptionsMiddleware\"]\n"
		app  = "INSTALLED_APPS = [\"django.contrib.sessions\"]\n"
	)
	cases := []struct {
		name, django, src string
		ids               map[string]bool
		want              string
	}{
		{"3.2 session secure string passes", "3.2.25", "SESSION_COOKIE_SECURE = \"1\"\n" + app + "MIDDLEWARE = []\n", httpsIDSet("W010", "W011", "W012"), ""},
		{"4.0 session secure string passes", "4.0.10", "SESSION_COOKIE_SECURE = \"1\"\n" + app + "MIDDLEWARE = []\n", httpsIDSet("W010", "W011", "W012"), ""},
		{"4.1 session secure string fails", "4.1.13", "SESSION_COOKIE_SECURE = \"1\"\n" + app + "MIDDLEWARE = []\n", httpsIDSet("W010", "W011", "W012"), "W010"},
		{"3.2 session secure False", "3.2.25", "SESSION_COOKIE_SECURE = False\n" + app + "MIDDLEWARE = []\n", httpsIDSet("W010", "W011", "W012"), "W010"},
		{"3.2 httponly string passes", "3.2.25", "SESSION_COOKIE_HTTPONLY = \"1\"\n" + app + "MIDDLEWARE = []\n", httpsIDSet("W013"), ""},
		{"3.2 csrf cookie string passes", "3.2.25", "MIDDLEWARE = [\"django.middleware.csrf.CsrfViewMiddleware\"]\nCSRF_COOKIE_SECURE = \"1\"\n", httpsIDSet("W016"), ""},
		{"3.2 ssl redirect string fails", "3.2.25", secM + "SECURE_SSL_REDIRECT = \"True\"\n", httpsIDSet("W008"), "W008"},
		{"3.2 coop invalid is not a setting", "3.2.25", secM + "SECURE_CROSS_ORIGIN_OPENER_POLICY = \"bogus\"\n", httpsIDSet("E024"), ""},
		{"3.2 referrer default", "3.2.25", secM, httpsIDSet("W022", "E023"), ""},
		{"3.0 referrer default None", "3.0.14", secM, httpsIDSet("W022", "E023"), "W022"},
		{"2.2 has no referrer setting", "2.2.28", secM + "SECURE_REFERRER_POLICY = None\n", httpsIDSet("W022", "E023"), ""},
		// W019 and DENY as the default came in 3.0; before that SAMEORIGIN
		// was Django's own recommendation.
		{"2.2 xframe default SAMEORIGIN", "2.2.28", xfM, httpsIDSet("W019"), ""},
		{"3.2 xframe default DENY", "3.2.25", xfM, httpsIDSet("W019"), ""},
		{"2.2 nosniff default False", "2.2.28", secM, httpsIDSet("W006"), "W006"},
		{"3.2 nosniff default True", "3.2.25", secM, httpsIDSet("W006"), ""},
		{"3.2 startproject", "3.2.25", httpsStartproject, nil, "W004 W008 W012 W016"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			res := httpsFiles(t, c.src, c.django)
			if got := httpsDjangoIDs(res, c.ids); got != c.want {
				t.Errorf("django IDs = %q, want %q (findings: %s)", got, c.want, ruleIDs(res))
			}
		})
	}
}

// httpsWant is one expected finding of a rule; an empty list means silence.
type httpsWant struct {
	django string
	sev    Severity
	line   int // 0: any
}

func httpsCheck(t *testing.T, res *Result, rule string, want []httpsWant) {
	t.Helper()
	got := findingsOf(res, rule)
	if len(got) != len(want) {
		t.Fatalf("%s: %d findings, want %d (all: %s)", rule, len(got), len(want), ruleIDs(res))
	}
	for i, w := range want {
		f := got[i]
		if f.Rule != rule {
			// Taken in by a finding of the same root cause (DJS404 takes
			// DJS405): it keeps its Django ID, the severity is the
			// merged finding's.
			for _, a := range f.Also {
				if a.Rule == rule {
					f.DjangoCheck = a.DjangoCheck
				}
			}
			f.Severity = w.sev
		}
		if f.DjangoCheck != w.django || f.Severity != w.sev || w.line != 0 && f.Line != w.line {
			t.Errorf("%s finding %d = {django %q, %s, line %d}, want {django %q, %s, line %d}: %s",
				rule, i, f.DjangoCheck, f.Severity, f.Line, w.django, w.sev, w.line, f.Message)
		}
		if f.Message == "" || !strings.Contains(f.Message, ":") {
			t.Errorf("%s message %q should say what is wrong and what to do", rule, f.Message)
		}
	}
}

// TestHTTPSRules covers the rules' own terms: severities, silence on unknown
// values and opaque modules, development modules, environment reads.
func TestHTTPSRules(t *testing.T) {
	t.Parallel()
	const (
		secM = "MIDDLEWARE = [\"django.middleware.security.SecurityMiddleware\"]\n"
		app  = "INSTALLED_APPS = [\"django.contrib.sessions\"]\n"
		imp  = "import os\nimport environ\nenv = environ.Env()\n"
	)
	prod := func(src string) map[string]string { return map[string]string{"mysite/settings.py": src} }
	dev := func(src string) map[string]string { return map[string]string{"mysite/settings/dev.py": src} }
	cases := []struct {
		name  string
		files map[string]string
		rule  string
		want  []httpsWant
	}{
		// DJS401
		{"401 missing", prod(httpsHardWithout(httpsSecurityMiddleware)), "DJS401", []httpsWant{{"security.W001", High, 12}}},
		{"401 unset middleware is Django's empty default", prod("DEBUG = False\n"), "DJS401", []httpsWant{{"security.W001", High, 1}}},
		{"401 present", prod(httpsHard), "DJS401", nil},
		{"401 unknown middleware", prod("MIDDLEWARE = get_middleware()\n"), "DJS401", nil},
		{"401 unknown element", prod("MIDDLEWARE = [\"django.middleware.common.CommonMiddleware\", EXTRA]\n"), "DJS401", nil},
		{"401 opaque unset", prod("from somewhere_else.settings import *\n"), "DJS401", nil},
		{"401 subclass does not count", prod("MIDDLEWARE = [\"myapp.middleware.SecurityMiddleware\"]\n"), "DJS401", []httpsWant{{"security.W001", High, 1}}},
		{"401 dev silent", dev("MIDDLEWARE = []\n"), "DJS401", nil},
		// DJS402
		{"402 off", prod(secM + "SECURE_SSL_REDIRECT = False\n"), "DJS402", []httpsWant{{"security.W008", High, 2}}},
		{"402 unset", prod(secM), "DJS402", []httpsWant{{"security.W008", High, 1}}},
		{"402 without security middleware", prod("MIDDLEWARE = []\nSECURE_SSL_REDIRECT = False\n"), "DJS402", nil},
		{"402 middleware unknown", prod("MIDDLEWARE = get_middleware()\nSECURE_SSL_REDIRECT = False\n"), "DJS402", nil},
		{"402 env string default", prod(imp + secM + "SECURE_SSL_REDIRECT = os.environ.get(\"SSL_REDIRECT\", \"True\")\n"), "DJS402", []httpsWant{{"security.W008", Low, 5}}},
		{"402 env bool default False", prod(imp + secM + "SECURE_SSL_REDIRECT = env.bool(\"SSL_REDIRECT\", default=False)\n"), "DJS402", []httpsWant{{"security.W008", High, 5}}},
		{"402 env bool default True", prod(imp + secM + "SECURE_SSL_REDIRECT = env.bool(\"SSL_REDIRECT\", default=True)\n"), "DJS402", nil},
		{"402 env required", prod(imp + secM + "SECURE_SSL_REDIRECT = env.bool(\"SSL_REDIRECT\")\n"), "DJS402", nil},
		{"402 unknown", prod(secM + "SECURE_SSL_REDIRECT = get_flag()\n"), "DJS402", nil},
		{"402 opaque unset", prod("from somewhere_else.settings import *\n" + secM), "DJS402", nil},
		{"402 dev silent", dev(secM + "SECURE_SSL_REDIRECT = False\n"), "DJS402", nil},
		// DJS403
		{"403 unset", prod(secM), "DJS403", []httpsWant{{"security.W004", High, 1}}},
		{"403 zero", prod(secM + "SECURE_HSTS_SECONDS = 0\n"), "DJS403", []httpsWant{{"security.W004", High, 2}}},
		{"403 short", prod(secM + "SECURE_HSTS_SECONDS = 3600\n"), "DJS403", []httpsWant{{"", Medium, 2}}},
		{"403 year", prod(secM + "SECURE_HSTS_SECONDS = 31536000\n"), "DJS403", nil},
		{"403 env string year", prod(imp + secM + "SECURE_HSTS_SECONDS = os.environ.get(\"HSTS\", \"31536000\")\n"), "DJS403", nil},
		{"403 string zero", prod(secM + "SECURE_HSTS_SECONDS = \"0\"\n"), "DJS403", []httpsWant{{"", High, 2}}},
		{"403 not a number", prod(secM + "SECURE_HSTS_SECONDS = \"one year\"\n"), "DJS403", []httpsWant{{"", Medium, 2}}},
		{"403 env int default 0", prod(imp + secM + "SECURE_HSTS_SECONDS = env.int(\"HSTS\", default=0)\n"), "DJS403", []httpsWant{{"security.W004", High, 5}}},
		{"403 without security middleware", prod("MIDDLEWARE = []\n"), "DJS403", nil},
		{"403 unknown", prod(secM + "SECURE_HSTS_SECONDS = compute()\n"), "DJS403", nil},
		{"403 dev silent", dev(secM), "DJS403", nil},
		// DJS404, DJS405
		{"404 off", prod(secM + "SECURE_HSTS_SECONDS = 31536000\nSECURE_HSTS_INCLUDE_SUBDOMAINS = False\n"), "DJS404", []httpsWant{{"security.W005", Medium, 3}}},
		{"404 string", prod(secM + "SECURE_HSTS_SECONDS = 31536000\nSECURE_HSTS_INCLUDE_SUBDOMAINS = \"True\"\n"), "DJS404", []httpsWant{{"security.W005", Low, 3}}},
		{"404 hsts off", prod(secM + "SECURE_HSTS_SECONDS = 0\n"), "DJS404", nil},
		{"404 hsts unknown", prod(secM + "SECURE_HSTS_SECONDS = compute()\n"), "DJS404", nil},
		{"405 off", prod(secM + "SECURE_HSTS_SECONDS = 31536000\n"), "DJS405", []httpsWant{{"security.W021", Low, 1}}},
		{"405 on", prod(secM + "SECURE_HSTS_SECONDS = 31536000\nSECURE_HSTS_PRELOAD = True\n"), "DJS405", nil},
		// DJS406, DJS407
		{"406 app and middleware", prod(httpsStartproject), "DJS406", []httpsWant{{"security.W012", High, 1}}},
		{"406 no sessions", prod("INSTALLED_APPS = []\nMIDDLEWARE = []\n"), "DJS406", nil},
		{"406 app, middleware unknown", prod(app + "MIDDLEWARE = get_middleware()\n"), "DJS406", []httpsWant{{"", High, 1}}},
		{"406 app unknown, no middleware", prod("INSTALLED_APPS = get_apps()\nMIDDLEWARE = []\n"), "DJS406", nil},
		{"406 env string", prod(imp + app + "MIDDLEWARE = []\nSESSION_COOKIE_SECURE = os.environ.get(\"SECURE\", \"True\")\n"), "DJS406", []httpsWant{{"security.W010", Low, 6}}},
		{"406 env empty string", prod(imp + app + "MIDDLEWARE = []\nSESSION_COOKIE_SECURE = os.environ.get(\"SECURE\", \"\")\n"), "DJS406", []httpsWant{{"security.W010", High, 6}}},
		{"406 unknown", prod(app + "MIDDLEWARE = []\nSESSION_COOKIE_SECURE = flag()\n"), "DJS406", nil},
		{"406 if/else both off", prod(app + "MIDDLEWARE = []\nif os.environ.get(\"X\"):\n    SESSION_COOKIE_SECURE = False\nelse:\n    SESSION_COOKIE_SECURE = 0\n"), "DJS406", []httpsWant{{"security.W010", High, 0}}},
		{"406 if/else undecided", prod(app + "MIDDLEWARE = []\nif os.environ.get(\"X\"):\n    SESSION_COOKIE_SECURE = True\nelse:\n    SESSION_COOKIE_SECURE = False\n"), "DJS406", nil},
		{"406 dev silent", dev(httpsStartproject), "DJS406", nil},
		{"407 off", prod(app + "MIDDLEWARE = []\nSESSION_COOKIE_HTTPONLY = False\n"), "DJS407", []httpsWant{{"security.W013", High, 3}}},
		{"407 default", prod(httpsStartproject), "DJS407", nil},
		{"407 dev silent", dev(app + "MIDDLEWARE = []\nSESSION_COOKIE_HTTPONLY = False\n"), "DJS407", nil},
		// DJS408
		{"408 default", prod(httpsStartproject), "DJS408", []httpsWant{{"security.W016", High, 1}}},
		{"408 no csrf middleware", prod("MIDDLEWARE = []\n"), "DJS408", nil},
		{"408 csrf sessions unknown", prod(httpsStartproject + "CSRF_USE_SESSIONS = flag()\n"), "DJS408", nil},
		{"408 dev silent", dev(httpsStartproject), "DJS408", nil},
		// DJS409
		{"409 off", prod(secM + "SECURE_CONTENT_TYPE_NOSNIFF = False\n"), "DJS409", []httpsWant{{"security.W006", Medium, 2}}},
		{"409 default", prod(secM), "DJS409", nil},
		// DJS410
		{"410 middleware missing", prod("MIDDLEWARE = []\n"), "DJS410", []httpsWant{{"security.W002", Medium, 1}}},
		{"410 sameorigin", prod(httpsHard + "X_FRAME_OPTIONS = \"SAMEORIGIN\"\n"), "DJS410", []httpsWant{{"security.W019", Low, 27}}},
		{"410 allow-from", prod(httpsHard + "X_FRAME_OPTIONS = \"ALLOW-FROM https://partner.example\"\n"), "DJS410", []httpsWant{{"security.W019", Medium, 27}}},
		{"410 lower-case deny", prod(httpsHard + "X_FRAME_OPTIONS = \"deny\"\n"), "DJS410", []httpsWant{{"security.W019", Low, 27}}},
		{"410 unknown", prod(httpsHard + "X_FRAME_OPTIONS = frame_policy()\n"), "DJS410", nil},
		{"410 middleware unknown", prod("MIDDLEWARE = get_middleware()\n"), "DJS410", nil},
		// DJS411, DJS412
		{"411 None", prod(secM + "SECURE_REFERRER_POLICY = None\n"), "DJS411", []httpsWant{{"security.W022", Low, 2}}},
		{"411 invalid", prod(secM + "SECURE_REFERRER_POLICY = \"same-origin, bogus\"\n"), "DJS411", []httpsWant{{"security.E023", Medium, 2}}},
		{"411 empty list passes", prod(secM + "SECURE_REFERRER_POLICY = []\n"), "DJS411", nil},
		{"411 unknown element", prod(secM + "SECURE_REFERRER_POLICY = [\"origin\", POLICY]\n"), "DJS411", nil},
		{"412 invalid", prod(secM + "SECURE_CROSS_ORIGIN_OPENER_POLICY = \"same-site\"\n"), "DJS412", []httpsWant{{"security.E024", Medium, 2}}},
		{"412 no middleware", prod("MIDDLEWARE = []\nSECURE_CROSS_ORIGIN_OPENER_POLICY = \"same-site\"\n"), "DJS412", nil},
		// DJS413
		{"413 session None", prod(httpsStartproject + "SESSION_COOKIE_SAMESITE = None\n"), "DJS413", []httpsWant{{"", Medium, 21}}},
		{"413 both \"None\"", prod(httpsStartproject + "SESSION_COOKIE_SAMESITE = \"None\"\nCSRF_COOKIE_SAMESITE = \"none\"\n"), "DJS413", []httpsWant{{"", Medium, 21}, {"", Medium, 22}}},
		{"413 lax", prod(httpsStartproject + "SESSION_COOKIE_SAMESITE = \"Lax\"\n"), "DJS413", nil},
		{"413 no sessions", prod("INSTALLED_APPS = []\nMIDDLEWARE = []\nSESSION_COOKIE_SAMESITE = None\n"), "DJS413", nil},
		{"413 csrf in session", prod(httpsStartproject + "CSRF_USE_SESSIONS = True\nCSRF_COOKIE_SAMESITE = None\n"), "DJS413", nil},
		{"413 unknown", prod(httpsStartproject + "SESSION_COOKIE_SAMESITE = policy()\n"), "DJS413", nil},
		// DJS414
		{"414 missing", prod(httpsHard), "DJS414", []httpsWant{{"", Low, 12}}},
		{"414 django-csp", prod(httpsHard + "MIDDLEWARE += [\"csp.middleware.CSPMiddleware\"]\n"), "DJS414", nil},
		{"414 django 6 csp", prod(httpsHard + "MIDDLEWARE += [\"django.middleware.csp.ContentSecurityPolicyMiddleware\"]\nSECURE_CSP = {\"default-src\": [\"'self'\"]}\n"), "DJS414", nil},
		{"414 django 6 csp empty", prod(httpsHard + "MIDDLEWARE += [\"django.middleware.csp.ContentSecurityPolicyMiddleware\"]\n"), "DJS414", []httpsWant{{"", Low, 1}}},
		{"414 custom headers middleware", prod(httpsHard + "MIDDLEWARE += [\"core.middleware.SecurityHeadersMiddleware\"]\n"), "DJS414", nil},
		{"414 opaque", prod("from somewhere_else.settings import *\n" + httpsHard), "DJS414", nil},
		{"414 unknown element", prod(httpsHard + "MIDDLEWARE += EXTRA_MIDDLEWARE\n"), "DJS414", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			httpsCheck(t, analyzeFiles(t, c.files), c.rule, c.want)
		})
	}
}

// TestHTTPSThreshold uses djsec.yml's hsts_min_seconds.
func TestHTTPSThreshold(t *testing.T) {
	t.Parallel()
	cfg := DefaultConfig()
	cfg.Thresholds.HSTSMinSeconds = 3600
	src := "MIDDLEWARE = [\"django.middleware.security.SecurityMiddleware\"]\nSECURE_HSTS_SECONDS = 7200\n"
	res := Analyze(context.Background(), Input{
		Files:  map[string][]byte{"mysite/settings.py": []byte(src)},
		Config: cfg, Now: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC),
	})
	httpsCheck(t, res, "DJS403", nil)
	cfg2 := DefaultConfig()
	cfg2.Thresholds.HSTSMinSeconds = 86400
	res = Analyze(context.Background(), Input{
		Files:  map[string][]byte{"mysite/settings.py": []byte(src)},
		Config: cfg2, Now: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC),
	})
	httpsCheck(t, res, "DJS403", []httpsWant{{"", Medium, 2}})
}

// TestHTTPSMetadata keeps the catalogue entries complete.
func TestHTTPSMetadata(t *testing.T) {
	t.Parallel()
	fixable := map[string]bool{"DJS301": true, "DJS302": true}
	for i := 401; i <= 409; i++ {
		fixable["DJS"+itoa(i)] = true
	}
	for _, id := range []string{"DJS301", "DJS302", "DJS303", "DJS304", "DJS305", "DJS306", "DJS307",
		"DJS401", "DJS402", "DJS403", "DJS404", "DJS405", "DJS406", "DJS407", "DJS408", "DJS409", "DJS410",
		"DJS411", "DJS412", "DJS413", "DJS414"} {
		r, ok := LookupRule(id)
		if !ok {
			t.Errorf("%s not registered", id)
			continue
		}
		if r.Check == nil || r.Title == "" || r.FiresWhen == "" || r.Doc == "" || r.Fix == "" {
			t.Errorf("%s: incomplete metadata", id)
		}
		if r.Fixable != fixable[id] {
			t.Errorf("%s: fixable = %v, want %v", id, r.Fixable, fixable[id])
		}
	}
}
