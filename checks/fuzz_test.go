package checks

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fuzzDeadline bounds one input. Settings modules are small; anything that
// takes this long on a fuzzer-sized input is a hang.
const fuzzDeadline = 10 * time.Second

// fuzzLayout places the fuzzer's bytes in a repository according to kind,
// so one target reaches every parser: settings (single or split with
// star-imports both ways), requirements, pyproject, Pipfile, dotenv,
// djsec.yml, Dockerfile/compose/Procfile, and the code rules' views.
func fuzzLayout(kind uint8, data []byte) Input {
	settings := []byte("DEBUG = False\nSECRET_KEY = 'x'\nINSTALLED_APPS = ['django.contrib.sessions']\n")
	files := map[string][]byte{}
	in := Input{Now: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC), Audit: true}
	switch kind % 10 {
	case 0:
		files["mysite/settings.py"] = data
	case 1:
		// Split settings: the input is cut in two at the first NUL (or in
		// the middle); each half star-imports the other, so cycles and
		// chains are exercised with fuzzer-chosen bodies.
		a, b, ok := bytes.Cut(data, []byte{0})
		if !ok {
			a, b = data[:len(data)/2], data[len(data)/2:]
		}
		files["mysite/settings/base.py"] = append([]byte("from .production import *\n"), a...)
		files["mysite/settings/production.py"] = append([]byte("from .base import *\n"), b...)
		files["manage.py"] = []byte("os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings.production')\n")
	case 2:
		files["mysite/settings.py"] = settings
		files["requirements.txt"] = data
		files["requirements/base.txt"] = []byte("-r ../requirements.txt\n-c constraints.txt\n")
	case 3:
		files["mysite/settings.py"] = settings
		files["pyproject.toml"] = data
	case 4:
		files["mysite/settings.py"] = settings
		files["Pipfile"] = data
	case 5:
		files["mysite/settings.py"] = []byte("import environ\nenv = environ.Env()\nSECRET_KEY = env('SECRET_KEY')\nDEBUG = env.bool('DEBUG', default=False)\n")
		files[".env"] = data
		files[".env.example"] = data
	case 6:
		files["mysite/settings.py"] = settings
		cfg, errs := ParseConfig(ConfigPath, data)
		files[ConfigPath] = data
		in.Config = cfg
		in.ConfigErrors = errs
	case 7:
		files["mysite/settings.py"] = settings
		files["Dockerfile"] = data
		files["Procfile"] = data
		files["fly.toml"] = data
		files["docker-compose.yml"] = data
		files[".gitignore"] = data
	case 8:
		files["mysite/settings.py"] = settings
		files["app/views.py"] = data
		files["app/urls.py"] = data
		files["app/signals.py"] = data
	case 9:
		// A settings module that a second module also star-imports, with
		// the fuzzer's bytes as a local override.
		files["mysite/settings.py"] = append([]byte("try:\n    from .local_settings import *\nexcept ImportError:\n    pass\n"), data...)
		files["mysite/local_settings.py"] = data
		files["mysite/settings_ci.py"] = []byte("from .settings import *\nDEBUG = True\n")
	}
	in.Files = files
	return in
}

// fuzzSeeds are inputs that once broke, or plausibly could break, a parser
// or the evaluator.
func fuzzSeeds() []string {
	deep := strings.Repeat("(", 5000) + "1" + strings.Repeat(")", 5000)
	deepList := strings.Repeat("[", 3000) + strings.Repeat("]", 3000)
	return []string{
		"",
		"DEBUG = True\n",
		"SECRET_KEY = 'django-insecure-" + strings.Repeat("a", 60) + "'\nDEBUG = True\nALLOWED_HOSTS = ['*']\n",
		"import os\nDEBUG = os.environ.get('DEBUG', 'True') == 'True'\nSECRET_KEY = os.getenv('SECRET_KEY', 'dev')\n",
		"from decouple import config, Csv\nDEBUG = config('DEBUG', default=True, cast=bool)\nALLOWED_HOSTS = config('HOSTS', cast=Csv())\n",
		"import environ\nenv = environ.Env(DEBUG=(bool, True))\nDEBUG = env('DEBUG')\nDATABASES = {'default': env.db()}\n",
		"MIDDLEWARE = []\nMIDDLEWARE += ['a']\nMIDDLEWARE.insert(0, 'b')\nMIDDLEWARE.remove('a')\nMIDDLEWARE.extend(MIDDLEWARE)\n",
		"from datetime import timedelta\nSIMPLE_JWT = {'ACCESS_TOKEN_LIFETIME': timedelta(days=10**10)}\n",
		"DEBUG = " + deep + "\n",
		"X = " + deepList + "\n",
		"SECRET_KEY = '" + strings.Repeat("k", 200000) + "'\n",
		"X = 'a' * 10**12\nY = [1] * 10**9\nZ = X + X\n",
		"X = 1\n" + strings.Repeat("X = X + X\n", 200),
		"L = []\n" + strings.Repeat("L += L\n", 100),
		"DEBUG = True\x00\xff\xfe\n",
		"SECRET_KEY = '\xc3\x28'\n",
		"if True:\n\tDEBUG = (\n",
		"def f(:\n    pass\nDEBUG = True\n",
		"class Settings:\n    DEBUG = True\nDEBUG = Settings.DEBUG\n",
		"from .settings import *\nfrom .settings import *\n",
		"from . import *\nfrom .. import *\nfrom ... import *\n",
		"try:\n    from .local import *\nexcept ImportError:\n    DEBUG = True\n",
		"base\x00DEBUG = True\nfrom .base import *\n",
		"Django==5.2.8\n-r requirements.txt\n-c requirements.txt\ndjango[argon2]>=4.2,<5 ; python_version >= '3.10' \\\n    --hash=sha256:00\n",
		"-r requirements/base.txt\n-r ../../../../etc/passwd\n",
		"[project]\ndependencies = [\"django==5.2\"]\n[tool.poetry.dependencies]\ndjango = \"^4.2\"\n",
		"[packages]\ndjango = \"==4.2\"\n[dev-packages]\n",
		"SECRET_KEY=abc\nexport DEBUG=\"True\"\nMULTI='a\nb'\n=novalue\n",
		"production_settings: mysite.settings\nfail_on: high\nseverity:\n  DJS201: low\ndisable: [DJS999]\nignore: ['**']\n",
		"&a [*a, *a]\n",
		"FROM python:3.12\nCMD python manage.py runserver 0.0.0.0:8000\n",
		"from django.views.decorators.csrf import csrf_exempt\n@csrf_exempt\ndef v(r):\n    User.objects.raw(f\"SELECT {r.GET['q']}\")\n",
		"DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql', 'PASSWORD': 'p' * 3}}\n",
		"LOGGING = {'version': 1, 'loggers': {'': {'level': 'DEBUG'}}, 'root': None}\n",
		"REST_FRAMEWORK = {'DEFAULT_PERMISSION_CLASSES': ()}\nCORS_ALLOWED_ORIGIN_REGEXES = [r'.*', r'(']\n",
		"AUTH_PASSWORD_VALIDATORS = [{'NAME': 'x.MinimumLengthValidator', 'OPTIONS': {'min_length': -1}}]\n",
		"SECURE_HSTS_SECONDS = 1e309\nSECURE_HSTS_SECONDS = -1\nDATA_UPLOAD_MAX_MEMORY_SIZE = 10**400\n",
		"x = f'{x!r:{y}}' rb'\\x00' '''\n",
		"\ufeffDEBUG = True\r\nALLOWED_HOSTS = ['*']\r\n",
	}
}

func FuzzAnalyze(f *testing.F) {
	for _, s := range fuzzSeeds() {
		for kind := uint8(0); kind < 10; kind++ {
			f.Add(kind, []byte(s))
		}
	}
	// Every file of the example projects, in every layout.
	_ = filepath.WalkDir(examplesDir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if data, err := os.ReadFile(p); err == nil && len(data) < 1<<16 {
			for kind := uint8(0); kind < 10; kind++ {
				f.Add(kind, data)
			}
		}
		return nil
	})
	f.Fuzz(func(t *testing.T, kind uint8, data []byte) {
		in := fuzzLayout(kind, data)
		done := make(chan *Result, 1)
		go func() {
			// A panic here crashes the fuzz worker, which records the input
			// under testdata/fuzz/FuzzAnalyze as a regression seed.
			done <- Analyze(context.Background(), in)
		}()
		select {
		case res := <-done:
			fuzzCheckResult(t, in, res)
		case <-time.After(fuzzDeadline):
			t.Fatalf("Analyze did not finish within %v (kind %d, %d bytes)", fuzzDeadline, kind%10, len(data))
		}
	})
}

// fuzzCheckResult asserts what holds for any input: findings point at files
// that were analyzed, on real lines, with a known rule and severity.
func fuzzCheckResult(t *testing.T, in Input, res *Result) {
	t.Helper()
	if res == nil {
		t.Fatal("Analyze returned nil")
	}
	for _, f := range res.Findings {
		r, ok := LookupRule(f.Rule)
		if !ok {
			t.Fatalf("finding of unknown rule %q", f.Rule)
		}
		if r.Slug != f.Slug {
			t.Fatalf("%s: slug %q, want %q", f.Rule, f.Slug, r.Slug)
		}
		if f.Severity < Info || f.Severity > Critical {
			t.Fatalf("%s: severity %d out of range", f.Rule, f.Severity)
		}
		if f.Line < 1 || f.EndLine < f.Line || f.Column < 0 {
			t.Fatalf("%s: bad position %d:%d-%d", f.Rule, f.Line, f.Column, f.EndLine)
		}
		if f.Message == "" || f.Fingerprint == "" {
			t.Fatalf("%s: empty message or fingerprint", f.Rule)
		}
		if _, ok := in.Files[f.Path]; !ok && f.Path != ConfigPath && f.Path != ".gitignore" {
			t.Fatalf("%s reported on %q, which is not an input file", f.Rule, f.Path)
		}
	}
}
