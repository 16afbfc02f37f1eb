package fixes

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/djsec/djsec/checks"
)

// composeShape is a project shape that occurs in real repositories, built
// around one settings body so every combination of fixers meets it.
type composeShape struct {
	name  string
	files func() map[string][]byte
}

// readerLines are how a style reads the database variables the project
// already requires, and the import that makes the reader available.
var readerLines = map[string][2]string{
	"os":       {"import os\n", "os.environ[%q]"},
	"getenv":   {"import os\n", "os.environ.get(%q)"}, // has a default (None): not required
	"decouple": {"from decouple import config\n", "config(%q)"},
	"environ":  {"import environ\n\nenv = environ.Env()\n", "env(%q)"},
}

const composeBody = `
SECRET_KEY = 'django-insecure-9f$k2m!x@q7w#e4r5t6y8u0i-p1a3s5d7f9g2h4j6k8l0z'
DEBUG = True
ALLOWED_HOSTS = ['example.com']

INSTALLED_APPS = [
    'django.contrib.admin',
    'django.contrib.auth',
    'django.contrib.contenttypes',
    'django.contrib.sessions',
    'django.contrib.messages',
    'django.contrib.staticfiles',
    'corsheaders',
]

MIDDLEWARE = [
    'django.middleware.security.SecurityMiddleware',
    'corsheaders.middleware.CorsMiddleware',
    'django.contrib.sessions.middleware.SessionMiddleware',
    'django.middleware.common.CommonMiddleware',
    'django.middleware.csrf.CsrfViewMiddleware',
    'django.contrib.auth.middleware.AuthenticationMiddleware',
    'django.contrib.messages.middleware.MessageMiddleware',
    'django.middleware.clickjacking.XFrameOptionsMiddleware',
]

ROOT_URLCONF = 'myproj.urls'

DATABASES = {
    'default': {
        'ENGINE': 'django.db.backends.postgresql',
        'NAME': %s,
        'USER': %s,
        'PASSWORD': %s,
        'HOST': 'db',
    }
}

CORS_ALLOW_ALL_ORIGINS = True
`

func composeSettings(style string) string {
	r := readerLines[style]
	return r[0] + fmt.Sprintf(composeBody, fmt.Sprintf(r[1], "DB_NAME"), fmt.Sprintf(r[1], "DB_USER"), fmt.Sprintf(r[1], "DB_PASSWORD"))
}

const composeManage = "import os\nimport sys\n\nif __name__ == '__main__':\n    os.environ.setdefault('DJANGO_SETTINGS_MODULE', %q)\n    from django.core.management import execute_from_command_line\n    execute_from_command_line(sys.argv)\n"

const composeWSGI = "import os\n\nfrom django.core.wsgi import get_wsgi_application\n\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', %q)\napplication = get_wsgi_application()\n"

func composeProject(style, module, settingsPath, settings string) map[string][]byte {
	return map[string][]byte{
		"manage.py":          fmt.Appendf(nil, composeManage, module),
		"myproj/wsgi.py":     fmt.Appendf(nil, composeWSGI, module),
		settingsPath:         []byte(settings),
		"requirements.txt":   []byte("Django==5.2.8\ndjango-cors-headers==4.6.0\ngunicorn==23.0.0\n" + map[string]string{"decouple": "python-decouple==3.8\n", "environ": "django-environ==0.12.0\n"}[style]),
		"myproj/__init__.py": nil,
	}
}

var composeShapes = []composeShape{
	{"os, no example file", func() map[string][]byte {
		return composeProject("os", "myproj.settings", "myproj/settings.py", composeSettings("os"))
	}},
	{"getenv, no example file", func() map[string][]byte {
		return composeProject("os", "myproj.settings", "myproj/settings.py", composeSettings("getenv"))
	}},
	{"decouple, no example file", func() map[string][]byte {
		return composeProject("decouple", "myproj.settings", "myproj/settings.py", composeSettings("decouple"))
	}},
	{"environ, no example file", func() map[string][]byte {
		return composeProject("environ", "myproj.settings", "myproj/settings.py", composeSettings("environ"))
	}},
	{"example file in a subdirectory", func() map[string][]byte {
		fs := composeProject("os", "myproj.settings", "myproj/settings.py", composeSettings("os"))
		fs["deploy/.env.example"] = []byte("# the database\nDB_NAME=myproj\nDB_USER=myproj\nDB_PASSWORD=\n")
		return fs
	}},
	{"example file missing a variable", func() map[string][]byte {
		fs := composeProject("os", "myproj.settings", "myproj/settings.py", composeSettings("os"))
		fs[".env.example"] = []byte("DB_NAME=myproj\n")
		return fs
	}},
	{"split settings, base and production", func() map[string][]byte {
		fs := composeProject("os", "myproj.settings.production", "myproj/settings/base.py", composeSettings("os"))
		fs["manage.py"] = fmt.Appendf(nil, composeManage, "myproj.settings.dev")
		fs["myproj/settings/__init__.py"] = nil
		fs["myproj/settings/production.py"] = []byte("from .base import *  # noqa\n\nALLOWED_HOSTS = ['www.example.com']\n")
		fs["myproj/settings/dev.py"] = []byte("from .base import *  # noqa\n\nDEBUG = True\n")
		return fs
	}},
	{"settings package whose __init__ star-imports", func() map[string][]byte {
		fs := composeProject("os", "myproj.settings", "myproj/settings/base.py", composeSettings("os"))
		fs["myproj/settings/__init__.py"] = []byte("from .base import *  # noqa: F401,F403\n")
		return fs
	}},
	{"CRLF line ends", func() map[string][]byte {
		fs := composeProject("os", "myproj.settings", "myproj/settings.py", strings.ReplaceAll(composeSettings("os"), "\n", "\r\n"))
		fs["requirements.txt"] = []byte(strings.ReplaceAll(string(fs["requirements.txt"]), "\n", "\r\n"))
		return fs
	}},
}

// composeRules are the critical fixers and the two the checklist's
// critical items bring along.
var composeRules = []string{"DJS101", "DJS201", "DJS301", "DJS605", "DJS801"}

// TestFixersCompose runs every combination of the critical fixers on every
// shape: each asked-for finding is fixed, none is refused, nothing new
// appears on re-analysis (DJS108 included, though the fixers create the
// example file), the example file documents every variable the fixed
// settings require, and the same input gives the same bytes.
func TestFixersCompose(t *testing.T) {
	t.Parallel()
	for _, sh := range composeShapes {
		t.Run(sh.name, func(t *testing.T) {
			t.Parallel()
			files := sh.files()
			first := checks.Analyze(context.Background(), checks.Input{Files: files, Now: now})
			have := map[string]bool{}
			for _, f := range first.Findings {
				have[f.Rule] = true
			}
			for _, r := range composeRules {
				if !have[r] {
					t.Fatalf("the shape has no %s finding to fix; findings: %v", r, rulesOf(first.Findings))
				}
			}
			roles := map[string]string{}
			for _, m := range first.Modules {
				roles[m.Path] = m.Role
			}
			for mask := 1; mask < 1<<len(composeRules); mask++ {
				var rules []string
				for i, r := range composeRules {
					if mask&(1<<i) != 0 {
						rules = append(rules, r)
					}
				}
				in := checks.Input{Files: files, Now: now, Audit: mask%2 == 0}
				res, err := Fix(context.Background(), in, rules)
				if err != nil {
					t.Fatal(err)
				}
				for _, u := range res.Unfixed {
					t.Errorf("%v: %s at %s:%d refused: %s", rules, u.Finding.Rule, u.Finding.Path, u.Finding.Line, u.Reason)
				}
				fixed := map[string]bool{}
				for _, f := range res.Fixed {
					fixed[f.Rule] = true
				}
				for _, r := range rules {
					if !fixed[r] {
						t.Errorf("%v: %s not fixed", rules, r)
					}
				}
				for p := range res.Files {
					if strings.HasSuffix(p, ".py") && roles[p] != "production" {
						t.Errorf("%v: edited %s, a module of role %q; fixes edit where the production value comes from", rules, p, roles[p])
					}
				}
				after := maps.Clone(files)
				maps.Copy(after, res.Files)
				before := live(checks.Analyze(context.Background(), in))
				for fp, f := range live(checks.Analyze(context.Background(), checks.Input{Files: after, Now: now, Audit: in.Audit})) {
					if _, ok := before[fp]; !ok {
						t.Errorf("%v: new finding %s at %s:%d: %s", rules, f.Rule, f.Path, f.Line, f.Message)
					}
				}
				again, err := Fix(context.Background(), in, rules)
				if err != nil {
					t.Fatal(err)
				}
				if !maps.EqualFunc(res.Files, again.Files, func(a, b []byte) bool { return string(a) == string(b) }) {
					t.Errorf("%v: two runs on the same input wrote different files", rules)
				}
			}
		})
	}
}

func rulesOf(fs []checks.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Rule)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
