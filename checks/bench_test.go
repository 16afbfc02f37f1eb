package checks

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/djsec/djsec/checks/pysrc"
)

// Performance budgets from issue 2; docs/BENCHMARKS.md records the figures
// and the commands that produced them (scripts/bench-audit.sh runs them all).
//
//	go test ./checks -run '^$' -bench 'Analyze' -benchmem -count 5

// benchSettingsLines is the size of the generated settings module.
const benchSettingsLines = 2000

// benchRepoFiles is the size of the generated repository.
const benchRepoFiles = 1000

// benchSettings generates a settings module of exactly n lines in the shapes
// real projects use: the startproject body, then repeated feature blocks
// with environment reads of every reader, timedelta, nested dicts, if/else
// and try/except, and list mutation of INSTALLED_APPS and MIDDLEWARE. Two
// lines in five are comments or blank (more than half are in Django's own
// global_settings.py) and a line averages 35 bytes, as it does there.
func benchSettings(n int) []byte {
	var b strings.Builder
	b.WriteString(`"""Generated settings for the analyzer benchmark."""

import os
from datetime import timedelta
from pathlib import Path

import environ
from decouple import Csv, config

env = environ.Env(DEBUG=(bool, False))
BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
DEBUG = env("DEBUG")
ALLOWED_HOSTS = config("ALLOWED_HOSTS", default="example.com", cast=Csv())

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "corsheaders",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

DATABASES = {"default": env.db("DATABASE_URL", default="postgres://app@localhost/app")}

REST_FRAMEWORK = {
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"user": "1000/hour"},
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=5),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=1),
    "ROTATE_REFRESH_TOKENS": True,
}

LOGGING = {
    "version": 1,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.security": {"handlers": ["console"], "level": "WARNING"}},
}

SECURE_HSTS_SECONDS = 31536000
SECURE_SSL_REDIRECT = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
`)
	for i := 0; ; i++ {
		block := fmt.Sprintf(`

# ---------------------------------------------------------------------------
# Feature %[1]d
# ---------------------------------------------------------------------------
# Each feature reads its switches from the environment; the defaults are
# what a deployment gets when the variable is missing.

FEATURE_%[1]d_ENABLED = os.environ.get("FEATURE_%[1]d_ENABLED", "False").lower() in ("1", "true", "yes")

# Where the service lives, and the token it wants.
FEATURE_%[1]d_URL = config("FEATURE_%[1]d_URL", default="https://f%[1]d.example.com")
FEATURE_%[1]d_TOKEN = env.str("FEATURE_%[1]d_TOKEN", default="")

FEATURE_%[1]d_TIMEOUT = timedelta(minutes=%[1]d, seconds=30)
FEATURE_%[1]d_HOSTS = ["a%[1]d.example.com", "b%[1]d.example.com"] + ALLOWED_HOSTS

FEATURE_%[1]d = {
    "NAME": "feature-%[1]d",
    "OPTIONS": {"retries": %[1]d, "backoff": 1.5, "enabled": True, "path": BASE_DIR / "f%[1]d"},
    "TAGS": ("x", "y", "z"),
}

if FEATURE_%[1]d_ENABLED:
    INSTALLED_APPS += ["feature%[1]d"]
    MIDDLEWARE.append("feature%[1]d.middleware.FeatureMiddleware")
else:
    FEATURE_%[1]d_FALLBACK = None

try:
    FEATURE_%[1]d_WORKERS = int(os.getenv("FEATURE_%[1]d_WORKERS", "4"))
except ValueError:
    FEATURE_%[1]d_WORKERS = 4`+"\n", i)
		if strings.Count(b.String(), "\n")+strings.Count(block, "\n") > n {
			break
		}
		b.WriteString(block)
	}
	for strings.Count(b.String(), "\n") < n {
		b.WriteString("# padding\n")
	}
	return []byte(b.String())
}

func TestBenchSettingsShape(t *testing.T) {
	t.Parallel()
	src := benchSettings(benchSettingsLines)
	if got := strings.Count(string(src), "\n"); got != benchSettingsLines {
		t.Fatalf("generated %d lines, want %d", got, benchSettingsLines)
	}
	// The budget rests on the module taking the Go parser's path (cgo-free;
	// checks/pysrc/goparse.go), not tree-sitter's.
	if f, err := pysrc.Parse(src); err != nil || f.ParsedBy() != "go" {
		t.Fatalf("generated settings are not parsed by the Go parser (err %v)", err)
	}
	res := analyzeFiles(t, map[string]string{"mysite/settings.py": string(src)})
	if fs := findingsOf(res, ruleParseError.ID); len(fs) > 0 {
		t.Fatalf("generated settings do not parse: %s", fs[0].Message)
	}
	if len(res.Errors) > 0 {
		t.Fatalf("generated settings hit a limit: %v", res.Errors)
	}
}

// BenchmarkAnalyzeLargeSettings: one 2,000-line settings module, the whole
// analysis (parse, evaluate, every rule). Budget: 5 ms/op.
func BenchmarkAnalyzeLargeSettings(b *testing.B) {
	in := Input{
		Files: map[string][]byte{"mysite/settings.py": benchSettings(benchSettingsLines)},
		Now:   time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC),
		Audit: true,
	}
	b.SetBytes(int64(len(in.Files["mysite/settings.py"])))
	b.ReportAllocs()
	for b.Loop() {
		Analyze(context.Background(), in)
	}
}

// BenchmarkParseLargeSettings: the parse alone of the same module by the
// Go parser, which Parse is (tree-sitter's figure for the same tree:
// BenchmarkParseLargeSettingsTreeSitter, under -tags treesitter).
func BenchmarkParseLargeSettings(b *testing.B) {
	benchParse(b, pysrc.Parse)
}

func benchParse(b *testing.B, parse func([]byte) (*pysrc.File, error)) {
	src := benchSettings(benchSettingsLines)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parse(src); err != nil {
			b.Fatal(err)
		}
	}
}

// benchRepo generates a Django repository of exactly n files that
// Relevant accepts: split settings, manifests, deployment files and apps
// made of models, views (with the shapes the code rules look for), URL
// confs, admin, forms, serializers and signal receivers.
func benchRepo(n int) map[string][]byte {
	files := map[string][]byte{}
	settings := benchSettings(400)
	files["manage.py"] = []byte("import os\nos.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", \"mysite.settings.production\")\n")
	files["mysite/__init__.py"] = nil
	files["mysite/settings/__init__.py"] = nil
	files["mysite/settings/base.py"] = settings
	files["mysite/settings/dev.py"] = []byte("from .base import *\nDEBUG = True\nSECRET_KEY = \"dev\"\nINSTALLED_APPS += [\"debug_toolbar\"]\n")
	files["mysite/settings/production.py"] = []byte("import os\nfrom .base import *\nDEBUG = False\nALLOWED_HOSTS = [\"example.com\"]\nSECURE_HSTS_INCLUDE_SUBDOMAINS = True\n")
	files["mysite/urls.py"] = []byte("from django.contrib import admin\nfrom django.urls import include, path\nfrom rest_framework_simplejwt.views import TokenRefreshView\n\nurlpatterns = [\n    path(\"admin/\", admin.site.urls),\n    path(\"api/token/refresh/\", TokenRefreshView.as_view()),\n    path(\"accounts/\", include(\"django.contrib.auth.urls\")),\n]\n")
	files["mysite/wsgi.py"] = []byte("import os\nfrom django.core.wsgi import get_wsgi_application\nos.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", \"mysite.settings.production\")\napplication = get_wsgi_application()\n")
	files["mysite/asgi.py"] = []byte("import os\nfrom django.core.asgi import get_asgi_application\nos.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", \"mysite.settings.production\")\napplication = get_asgi_application()\n")
	files["requirements.txt"] = []byte("Django==5.2.8\ndjangorestframework==3.16.1\ndjangorestframework-simplejwt==5.5.1\ndjango-cors-headers==4.9.0\ndjango-environ==0.12.0\npython-decouple==3.8\ngunicorn==23.0.0\npsycopg[binary]==3.2.12\n")
	files["requirements-dev.txt"] = []byte("-r requirements.txt\ndjango-debug-toolbar==6.1.0\npytest-django==4.11.1\n")
	files["pyproject.toml"] = []byte("[project]\nname = \"mysite\"\nversion = \"1.0\"\ndependencies = [\"Django==5.2.8\"]\n")
	files[".env.example"] = []byte("DJANGO_SECRET_KEY=\nDATABASE_URL=postgres://app:<password>@localhost/app\nALLOWED_HOSTS=localhost\n")
	files[".gitignore"] = []byte(".env\n__pycache__/\n")
	files["Dockerfile"] = []byte("FROM python:3.12-slim\nCOPY . /app\nRUN pip install -r /app/requirements.txt\nCMD [\"gunicorn\", \"mysite.wsgi\"]\n")
	files["Procfile"] = []byte("web: gunicorn mysite.wsgi\n")
	files["docker-compose.yml"] = []byte("services:\n  web:\n    build: .\n    command: gunicorn mysite.wsgi\n")
	parts := []string{"__init__", "apps", "models", "views", "urls", "admin", "forms", "serializers", "signals", "services"}
	for app := 0; len(files) < n; app++ {
		for _, part := range parts {
			if len(files) >= n {
				break
			}
			files[fmt.Sprintf("app%03d/%s.py", app, part)] = []byte(benchAppFile(app, part))
		}
	}
	return files
}

func benchAppFile(app int, part string) string {
	name := fmt.Sprintf("App%03d", app)
	switch part {
	case "__init__":
		return ""
	case "apps":
		return fmt.Sprintf("from django.apps import AppConfig\n\n\nclass %sConfig(AppConfig):\n    name = \"app%03d\"\n    default_auto_field = \"django.db.models.BigAutoField\"\n", name, app)
	case "models":
		var b strings.Builder
		b.WriteString("from django.conf import settings\nfrom django.db import models\n\n")
		for i := 0; i < 6; i++ {
			fmt.Fprintf(&b, "\nclass %sItem%d(models.Model):\n    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)\n    title = models.CharField(max_length=200)\n    body = models.TextField(blank=True)\n    created = models.DateTimeField(auto_now_add=True)\n\n    class Meta:\n        ordering = [\"-created\"]\n\n    def __str__(self):\n        return self.title\n", name, i)
		}
		return b.String()
	case "views":
		var b strings.Builder
		b.WriteString("from django.db import connection\nfrom django.http import JsonResponse\nfrom django.views.decorators.csrf import csrf_exempt\nfrom rest_framework import permissions, viewsets\n\nfrom .models import *\nfrom .serializers import *\n\n")
		for i := 0; i < 4; i++ {
			fmt.Fprintf(&b, "\nclass %[1]sItem%[2]dViewSet(viewsets.ModelViewSet):\n    permission_classes = [permissions.IsAuthenticated]\n    serializer_class = %[1]sItem%[2]dSerializer\n\n    def get_queryset(self):\n        return %[1]sItem%[2]d.objects.filter(owner=self.request.user)\n", name, i)
		}
		fmt.Fprintf(&b, "\n\ndef search(request):\n    q = request.GET.get(\"q\", \"\")\n    with connection.cursor() as cursor:\n        cursor.execute(\"SELECT id FROM app%03d_item WHERE title = %%s\", [q])\n        rows = cursor.fetchall()\n    return JsonResponse({\"ids\": [r[0] for r in rows]})\n", app)
		if app%10 == 0 {
			b.WriteString("\n\n@csrf_exempt\ndef webhook(request):\n    return JsonResponse({\"ok\": True})\n")
		}
		return b.String()
	case "urls":
		return fmt.Sprintf("from django.urls import include, path\nfrom rest_framework.routers import DefaultRouter\n\nfrom . import views\n\nrouter = DefaultRouter()\nrouter.register(\"items\", views.%sItem0ViewSet, basename=\"items\")\n\nurlpatterns = [\n    path(\"\", include(router.urls)),\n    path(\"search/\", views.search),\n]\n", name)
	case "admin":
		return fmt.Sprintf("from django.contrib import admin\n\nfrom .models import %[1]sItem0, %[1]sItem1\n\nadmin.site.register(%[1]sItem0)\nadmin.site.register(%[1]sItem1)\n", name)
	case "forms":
		return fmt.Sprintf("from django import forms\n\nfrom .models import %[1]sItem0\n\n\nclass %[1]sForm(forms.ModelForm):\n    class Meta:\n        model = %[1]sItem0\n        fields = [\"title\", \"body\"]\n", name)
	case "serializers":
		var b strings.Builder
		b.WriteString("from rest_framework import serializers\n\nfrom .models import *\n")
		for i := 0; i < 4; i++ {
			fmt.Fprintf(&b, "\n\nclass %[1]sItem%[2]dSerializer(serializers.ModelSerializer):\n    class Meta:\n        model = %[1]sItem%[2]d\n        fields = \"__all__\"\n", name, i)
		}
		return b.String()
	case "signals":
		return "import logging\n\nfrom django.contrib.auth.signals import user_login_failed\nfrom django.dispatch import receiver\n\nlog = logging.getLogger(__name__)\n\n\n@receiver(user_login_failed)\ndef login_failed(sender, credentials, request=None, **kwargs):\n    log.warning(\"login failed for %s\", credentials.get(\"username\"))\n"
	default:
		return fmt.Sprintf("import logging\n\nlog = logging.getLogger(__name__)\n\n\ndef run_%s(items):\n    total = 0\n    for item in items:\n        total += len(item.title)\n    log.info(\"processed %%d\", total)\n    return total\n", strings.ToLower(name))
	}
}

func TestBenchRepoShape(t *testing.T) {
	t.Parallel()
	files := benchRepo(benchRepoFiles)
	if len(files) != benchRepoFiles {
		t.Fatalf("generated %d files, want %d", len(files), benchRepoFiles)
	}
	for p := range files {
		if !Relevant(p) {
			t.Errorf("%s: not a file the analyzer reads", p)
		}
	}
	res := Analyze(context.Background(), Input{Files: files, Now: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC), Audit: true})
	if len(res.Errors) > 0 {
		t.Errorf("file errors: %v", res.Errors)
	}
	if fs := findingsOf(res, ruleParseError.ID); len(fs) > 0 {
		t.Errorf("generated files do not parse: %s", examplesDescribe(fs))
	}
}

// TestBenchWriteRepo writes the generated repository to the directory
// DJSEC_BENCH_REPO names, for the whole-process measurement of `bot audit`
// in scripts/bench-audit.sh; without it the test skips.
func TestBenchWriteRepo(t *testing.T) {
	dir := os.Getenv("DJSEC_BENCH_REPO")
	if dir == "" {
		t.Skip("DJSEC_BENCH_REPO not set (scripts/bench-audit.sh sets it)")
	}
	paths := make([]string, 0, benchRepoFiles)
	files := benchRepo(benchRepoFiles)
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, files[p], 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("wrote %d files under %s", len(paths), dir)
}

// benchHeapPeak samples the Go heap while fn runs and returns the largest
// value seen, in bytes: live objects plus not-yet-swept garbage, the figure
// that matters for a container's memory limit. tree-sitter's C allocations
// are not in it; scripts/bench-audit.sh measures the process's peak RSS.
func benchHeapPeak(fn func()) uint64 {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	var peak atomic.Uint64
	peak.Store(read())
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(200 * time.Microsecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				if v := read(); v > peak.Load() {
					peak.Store(v)
				}
			}
		}
	}()
	fn()
	close(stop)
	wg.Wait()
	if v := read(); v > peak.Load() {
		peak.Store(v)
	}
	return peak.Load()
}

// BenchmarkAnalyzeRepo1000Files: a 1,000-file repository (files already in
// memory, as the CLI holds them after reading). Budget: peak heap 50 MB,
// reported as peak-heap-MB (the input itself included).
func BenchmarkAnalyzeRepo1000Files(b *testing.B) {
	files := benchRepo(benchRepoFiles)
	var size int64
	for _, d := range files {
		size += int64(len(d))
	}
	in := Input{Files: files, Now: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC), Audit: true}
	b.SetBytes(size)
	b.ReportAllocs()
	var peak uint64
	runtime.GC()
	for b.Loop() {
		if p := benchHeapPeak(func() { Analyze(context.Background(), in) }); p > peak {
			peak = p
		}
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}
