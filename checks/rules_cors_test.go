package checks

import (
	"strings"
	"testing"
)

// corsBase installs corsheaders the way its README says.
const corsBase = `INSTALLED_APPS = ["django.contrib.sessions", "corsheaders"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
]
`

// corsBaseLines is the number of lines corsBase takes.
const corsBaseLines = 8

func corsLine(n int) int { return corsBaseLines + n }

func TestCORSRules(t *testing.T) {
	t.Parallel()
	const imp = "import os\nimport environ\nenv = environ.Env()\n"
	prod := func(src string) map[string]string { return map[string]string{"mysite/settings.py": src} }
	dev := func(src string) map[string]string { return map[string]string{"mysite/settings/dev.py": src} }
	cases := []struct {
		name  string
		files map[string]string
		rule  string
		want  []httpsWant
	}{
		// DJS301
		{"301 new name", prod(corsBase + "CORS_ALLOW_ALL_ORIGINS = True\n"), "DJS301", []httpsWant{{"", Critical, corsLine(1)}}},
		{"301 old name", prod(corsBase + "CORS_ORIGIN_ALLOW_ALL = True\n"), "DJS301", []httpsWant{{"", Critical, corsLine(1)}}},
		{"301 new name wins (off)", prod(corsBase + "CORS_ALLOW_ALL_ORIGINS = False\nCORS_ORIGIN_ALLOW_ALL = True\n"), "DJS301", nil},
		{"301 new name wins (on)", prod(corsBase + "CORS_ALLOW_ALL_ORIGINS = True\nCORS_ORIGIN_ALLOW_ALL = False\n"), "DJS301", []httpsWant{{"", Critical, corsLine(1)}}},
		{"301 off", prod(corsBase + "CORS_ALLOW_ALL_ORIGINS = False\n"), "DJS301", nil},
		{"301 unset", prod(corsBase), "DJS301", nil},
		{"301 raw env string False is truthy", prod(imp + corsBase + "CORS_ALLOW_ALL_ORIGINS = os.environ.get(\"CORS_ALL\", \"False\")\n"), "DJS301", []httpsWant{{"", Critical, corsLine(4)}}},
		{"301 raw env bool default", prod(imp + corsBase + "CORS_ALLOW_ALL_ORIGINS = os.environ.get(\"CORS_ALL\", False)\n"), "DJS301", nil},
		{"301 raw env empty default", prod(imp + corsBase + "CORS_ALLOW_ALL_ORIGINS = os.environ.get(\"CORS_ALL\", \"\")\n"), "DJS301", nil},
		{"301 env bool default True", prod(imp + corsBase + "CORS_ALLOW_ALL_ORIGINS = env.bool(\"CORS_ALL\", default=True)\n"), "DJS301", []httpsWant{{"", Critical, corsLine(4)}}},
		{"301 env required", prod(imp + corsBase + "CORS_ALLOW_ALL_ORIGINS = env.bool(\"CORS_ALL\")\n"), "DJS301", nil},
		{"301 unknown", prod(corsBase + "CORS_ALLOW_ALL_ORIGINS = allow_all()\n"), "DJS301", nil},
		{"301 corsheaders not used", prod("INSTALLED_APPS = []\nMIDDLEWARE = []\nCORS_ALLOW_ALL_ORIGINS = True\n"), "DJS301", nil},
		{"301 corsheaders app config", prod("INSTALLED_APPS = [\"corsheaders.apps.CorsHeadersAppConfig\"]\nMIDDLEWARE = [\"corsheaders.middleware.CorsMiddleware\"]\nCORS_ALLOW_ALL_ORIGINS = True\n"), "DJS301", []httpsWant{{"", Critical, 3}}},
		{"301 opaque old name", prod("from somewhere_else.settings import *\n" + corsBase + "CORS_ORIGIN_ALLOW_ALL = True\n"), "DJS301", nil},
		{"301 dev silent", dev(corsBase + "CORS_ALLOW_ALL_ORIGINS = True\n"), "DJS301", nil},
		// DJS302
		{"302 with credentials", prod(corsBase + "CORS_ALLOW_ALL_ORIGINS = True\nCORS_ALLOW_CREDENTIALS = True\n"), "DJS302", []httpsWant{{"", Critical, corsLine(1)}}},
		{"302 old name with credentials", prod(corsBase + "CORS_ORIGIN_ALLOW_ALL = True\nCORS_ALLOW_CREDENTIALS = True\n"), "DJS302", []httpsWant{{"", Critical, corsLine(1)}}},
		{"302 without credentials", prod(corsBase + "CORS_ALLOW_ALL_ORIGINS = True\nCORS_ALLOW_CREDENTIALS = False\n"), "DJS302", nil},
		{"302 credentials without allow-all", prod(corsBase + "CORS_ALLOW_CREDENTIALS = True\n"), "DJS302", nil},
		{"302 credentials unknown", prod(corsBase + "CORS_ALLOW_ALL_ORIGINS = True\nCORS_ALLOW_CREDENTIALS = creds()\n"), "DJS302", nil},
		// DJS303: regexes
		{"303 catch-all", prod(corsBase + "CORS_ALLOWED_ORIGIN_REGEXES = [r\".*\"]\n"), "DJS303", []httpsWant{{"", High, corsLine(1)}}},
		{"303 any https", prod(corsBase + "CORS_ALLOWED_ORIGIN_REGEXES = [r\"^https?://.*$\"]\n"), "DJS303", []httpsWant{{"", High, corsLine(1)}}},
		{"303 unanchored", prod(corsBase + "CORS_ALLOWED_ORIGIN_REGEXES = [r\"^https://example\\.com\"]\n"), "DJS303", []httpsWant{{"", High, corsLine(1)}}},
		{"303 unanchored alternative", prod(corsBase + "CORS_ALLOWED_ORIGIN_REGEXES = [r\"^https://a\\.com$|^https://b\\.com\"]\n"), "DJS303", []httpsWant{{"", High, corsLine(1)}}},
		{"303 trailing dot-star", prod(corsBase + "CORS_ALLOWED_ORIGIN_REGEXES = [r\"^https://example\\.com.*$\"]\n"), "DJS303", []httpsWant{{"", High, corsLine(1)}}},
		{"303 anchored", prod(corsBase + "CORS_ALLOWED_ORIGIN_REGEXES = [r\"^https://example\\.com$\", r\"^https://(\\w+\\.)?example\\.com\\Z\"]\n"), "DJS303", nil},
		{"303 anchored group", prod(corsBase + "CORS_ALLOWED_ORIGIN_REGEXES = [r\"(^https://a\\.com$|^https://b\\.com$)\"]\n"), "DJS303", nil},
		{"303 subdomain wildcard", prod(corsBase + "CORS_ALLOWED_ORIGIN_REGEXES = [r\"^https://.*\\.example\\.com$\"]\n"), "DJS303", nil},
		{"303 look-around not judged", prod(corsBase + "CORS_ALLOWED_ORIGIN_REGEXES = [r\"^https://(?!evil).*\\.example\\.com$\"]\n"), "DJS303", nil},
		{"303 old regex name", prod(corsBase + "CORS_ORIGIN_REGEX_WHITELIST = (r\"^https://x\\.com\",)\n"), "DJS303", []httpsWant{{"", High, corsLine(1)}}},
		{"303 two bad patterns", prod(corsBase + "CORS_ALLOWED_ORIGIN_REGEXES = [\n    r\".*\",\n    r\"^https://x\\.com\",\n]\n"), "DJS303", []httpsWant{{"", High, corsLine(2)}, {"", High, corsLine(3)}}},
		{"303 regexes unknown", prod(corsBase + "CORS_ALLOWED_ORIGIN_REGEXES = patterns()\n"), "DJS303", nil},
		// DJS303: origins
		{"303 http origin", prod(corsBase + "CORS_ALLOWED_ORIGINS = [\"https://app.example.com\", \"http://example.com\"]\n"), "DJS303", []httpsWant{{"", High, corsLine(1)}}},
		{"303 localhost origin", prod(corsBase + "CORS_ALLOWED_ORIGINS = [\n    \"https://localhost:3000\",\n    \"http://127.0.0.1:8000\",\n]\n"), "DJS303", []httpsWant{{"", High, corsLine(2)}, {"", High, corsLine(3)}}},
		{"303 https origins", prod(corsBase + "CORS_ALLOWED_ORIGINS = [\"https://app.example.com\"]\n"), "DJS303", nil},
		{"303 old whitelist", prod(corsBase + "CORS_ORIGIN_WHITELIST = [\"http://example.com\"]\n"), "DJS303", []httpsWant{{"", High, corsLine(1)}}},
		{"303 env list default", prod(imp + corsBase + "CORS_ALLOWED_ORIGINS = env.list(\"CORS_ORIGINS\", default=[\"http://localhost:3000\"])\n"), "DJS303", []httpsWant{{"", High, corsLine(4)}}},
		{"303 localhost in dev module", dev(corsBase + "CORS_ALLOWED_ORIGINS = [\"http://localhost:3000\"]\n"), "DJS303", nil},
		{"303 corsheaders not used", prod("INSTALLED_APPS = []\nMIDDLEWARE = []\nCORS_ALLOWED_ORIGIN_REGEXES = [r\".*\"]\n"), "DJS303", nil},
		// DJS304
		{"304 order fine", prod(corsBase), "DJS304", nil},
		{"304 missing middleware", prod("INSTALLED_APPS = [\"corsheaders\"]\nMIDDLEWARE = [\"django.middleware.common.CommonMiddleware\"]\n"), "DJS304", []httpsWant{{"", Medium, 2}}},
		{"304 after common", prod("INSTALLED_APPS = [\"corsheaders\"]\nMIDDLEWARE = [\n    \"django.middleware.common.CommonMiddleware\",\n    \"corsheaders.middleware.CorsMiddleware\",\n]\n"), "DJS304", []httpsWant{{"", Medium, 0}}},
		{"304 after whitenoise", prod("MIDDLEWARE = [\n    \"whitenoise.middleware.WhiteNoiseMiddleware\",\n    \"corsheaders.middleware.CorsMiddleware\",\n    \"django.middleware.common.CommonMiddleware\",\n]\n"), "DJS304", []httpsWant{{"", Medium, 0}}},
		{"304 middleware unknown", prod("INSTALLED_APPS = [\"corsheaders\"]\nMIDDLEWARE = get_middleware()\n"), "DJS304", nil},
		{"304 unknown element", prod("INSTALLED_APPS = [\"corsheaders\"]\nMIDDLEWARE = [\"django.middleware.common.CommonMiddleware\", EXTRA]\n"), "DJS304", nil},
		{"304 not installed", prod("INSTALLED_APPS = []\nMIDDLEWARE = []\n"), "DJS304", nil},
		// DJS305
		{"305 missing", prod("MIDDLEWARE = [\"django.middleware.common.CommonMiddleware\"]\n"), "DJS305", []httpsWant{{"security.W003", High, 1}}},
		{"305 unset middleware", prod("DEBUG = False\n"), "DJS305", []httpsWant{{"security.W003", High, 1}}},
		{"305 present", prod(corsBase), "DJS305", nil},
		{"305 unknown", prod("MIDDLEWARE = get_middleware()\n"), "DJS305", nil},
		{"305 unknown element", prod("MIDDLEWARE = [\"django.middleware.common.CommonMiddleware\", EXTRA]\n"), "DJS305", nil},
		{"305 opaque unset", prod("from somewhere_else.settings import *\n"), "DJS305", nil},
		{"305 dev silent", dev("MIDDLEWARE = []\n"), "DJS305", nil},
		// DJS306
		{"306 http", prod("CSRF_TRUSTED_ORIGINS = [\"https://example.com\", \"http://example.com\"]\n"), "DJS306", []httpsWant{{"", Medium, 1}}},
		{"306 bare wildcard", prod("CSRF_TRUSTED_ORIGINS = [\n    \"https://*\",\n    \"https://*.com\",\n    \"https://*.co.uk\",\n]\n"), "DJS306", []httpsWant{{"", Medium, 2}, {"", Medium, 3}, {"", Medium, 4}}},
		{"306 subdomain wildcard", prod("CSRF_TRUSTED_ORIGINS = [\"https://*.example.com\", \"https://example.co.uk\"]\n"), "DJS306", nil},
		{"306 dev localhost", dev("CSRF_TRUSTED_ORIGINS = [\"http://localhost:8000\", \"http://127.0.0.1:8000\"]\n"), "DJS306", nil},
		{"306 loopback in production", prod("CSRF_TRUSTED_ORIGINS = [\"http://127.0.0.1:8000\", \"http://0.0.0.0:8000\", \"http://10.0.0.5:8000\"]\n"), "DJS306", []httpsWant{{"", Medium, 1}}},
		{"306 dev other http silent", dev("CSRF_TRUSTED_ORIGINS = [\"http://staging.example.com\"]\n"), "DJS306", nil},
		{"306 unknown", prod("CSRF_TRUSTED_ORIGINS = origins()\n"), "DJS306", nil},
		{"306 env default", prod(imp + "CSRF_TRUSTED_ORIGINS = env.list(\"CSRF_TRUSTED\", default=[\"http://example.com\"])\n"), "DJS306", []httpsWant{{"", Medium, 4}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			httpsCheck(t, analyzeFiles(t, c.files), c.rule, c.want)
		})
	}
}

func TestCORSKeys(t *testing.T) {
	t.Parallel()
	res := analyzeSettings(t, corsBase+"CORS_ALLOW_ALL_ORIGINS = True\nCORS_ALLOW_CREDENTIALS = True\n")
	fs := findingsOf(res, "DJS302")
	if len(fs) != 1 || fs[0].Key != "CORS_ALLOW_ALL_ORIGINS+CREDENTIALS" {
		t.Fatalf("DJS302 findings %+v, want one keyed CORS_ALLOW_ALL_ORIGINS+CREDENTIALS", fs)
	}
	// The key, not the line, identifies a finding: adding lines above keeps it.
	moved := analyzeSettings(t, "# comment\n\n"+corsBase+"CORS_ALLOW_ALL_ORIGINS = True\nCORS_ALLOW_CREDENTIALS = True\n")
	if m := findingsOf(moved, "DJS302"); len(m) != 1 || m[0].Fingerprint != fs[0].Fingerprint {
		t.Errorf("fingerprint changed when lines moved")
	}
	msg := findingsOf(analyzeSettings(t, "import os\n"+corsBase+"CORS_ALLOW_ALL_ORIGINS = os.environ.get(\"X\", \"False\")\n"), "DJS301")
	if len(msg) != 1 || !strings.Contains(msg[0].Message, "truthy") {
		t.Errorf("a raw env string should be explained as truthy: %+v", msg)
	}
}

func TestCORSRegexHelpers(t *testing.T) {
	t.Parallel()
	cases := []struct {
		pat               string
		catchAll, catchOK bool
		unanchored        bool
	}{
		{`.*`, true, true, true},
		{`^.*$`, true, true, true},
		{`.+`, true, true, true},
		{`^https?://.*`, true, true, true},
		{`^https://[^/]+$`, true, true, false},
		{`^https://example\.com$`, false, true, false},
		{`^https://example\.com`, false, true, true},
		{`^https://example\.com\Z`, false, true, false},
		{`^https://(a|b)\.example\.com$`, false, true, false},
		{`^https://a\.com$|^https://b\.com`, false, true, true},
		{`(?:^https://a\.com$)`, false, true, false},
		{`^https://example\.com/?$`, false, true, false},
		{`^https://example\.com\$`, false, true, true},
		{`^https://(?=x)x\.com$`, false, false, false},
	}
	for _, c := range cases {
		ca, ok := corsRegexCatchAll(c.pat)
		if ca != c.catchAll || ok != c.catchOK {
			t.Errorf("corsRegexCatchAll(%q) = %v, %v; want %v, %v", c.pat, ca, ok, c.catchAll, c.catchOK)
		}
		if got := corsRegexUnanchored(c.pat); got != c.unanchored {
			t.Errorf("corsRegexUnanchored(%q) = %v, want %v", c.pat, got, c.unanchored)
		}
	}
}
