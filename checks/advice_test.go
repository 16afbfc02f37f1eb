package checks

import (
	"strings"
	"testing"
)

// TestAdviceFollowsProject: a finding's advice reads the environment with
// the library the settings import and offers Django features only to a
// project whose requirements allow them (issue 18: env.db() offered
// without django-environ, Django 6.0's SECURE_CSP to a Django 3.2 project).
func TestAdviceFollowsProject(t *testing.T) {
	t.Parallel()
	const sqlite = "DATABASES = {\"default\": {\"ENGINE\": \"django.db.backends.sqlite3\", \"NAME\": \"db.sqlite3\"}}\n"
	const noCSP = "MIDDLEWARE = [\"django.middleware.security.SecurityMiddleware\"]\n"
	cases := []struct {
		name    string
		files   map[string]string
		rule    string
		want    []string
		wantNot []string
	}{
		{name: "SQLite, os.environ only: no env.db()", rule: "DJS904",
			files:   map[string]string{"mysite/settings.py": "import os\n" + sqlite},
			want:    []string{`"PASSWORD": os.environ["DB_PASSWORD"]`},
			wantNot: []string{"env.db", "dj_database_url"}},
		{name: "SQLite, django-environ", rule: "DJS904",
			files: map[string]string{"mysite/settings.py": "import environ\nENV = environ.Env()\n" + sqlite},
			want:  []string{`DATABASES = {"default": ENV.db()}`}},
		{name: "SQLite, dj-database-url required", rule: "DJS904",
			files: map[string]string{"mysite/settings.py": "import os\n" + sqlite, "requirements.txt": "Django==5.2.8\ndj-database-url==2.3.0\n"},
			want:  []string{"dj_database_url.config()"}, wantNot: []string{"env.db"}},
		{name: "SQLite, python-decouple without a URL parser", rule: "DJS904",
			files: map[string]string{"mysite/settings.py": "from decouple import config\n" + sqlite},
			want:  []string{`"PASSWORD": config("DB_PASSWORD")`}, wantNot: []string{"env.db", "os.environ"}},
		{name: "database URL default, django-environ", rule: "DJS901",
			files: map[string]string{"mysite/settings.py": "import environ\nenv = environ.Env()\nDATABASES = {\"default\": env.db(\"DATABASE_URL\", default=\"postgres://shop:s3cret@db/shop\")}\n"},
			want:  []string{`env.db("DATABASE_URL")`}, wantNot: []string{"dj_database_url"}},
		{name: "database URL default, dj-database-url", rule: "DJS901",
			files: map[string]string{"mysite/settings.py": "import dj_database_url\nDATABASES = {\"default\": dj_database_url.config(default=\"postgres://shop:s3cret@db/shop\")}\n"},
			want:  []string{"dj_database_url.config()"}, wantNot: []string{"env.db"}},
		{name: "password literal, python-decouple", rule: "DJS901",
			files: map[string]string{"mysite/settings.py": "from decouple import config\nDATABASES = {\"default\": {\"ENGINE\": \"django.db.backends.postgresql\", \"NAME\": \"shop\", \"PASSWORD\": \"s3cret-Pa55\"}}\n"},
			want:  []string{`config("DB_PASSWORD")`}, wantNot: []string{"os.environ"}},
		{name: "raw DEBUG, os.environ: no decouple", rule: "DJS206",
			files:   map[string]string{"mysite/settings.py": "import os\nDEBUG = os.environ.get(\"DJANGO_DEBUG\", \"\")\n"},
			want:    []string{`DEBUG = os.environ.get("DJANGO_DEBUG", "").lower() in ("1", "true")`},
			wantNot: []string{"config(", "env.bool"}},
		{name: "raw DEBUG, python-decouple", rule: "DJS206",
			files: map[string]string{"mysite/settings.py": "from decouple import config\nDEBUG = config(\"DJANGO_DEBUG\", default=\"\")\n"},
			want:  []string{`DEBUG = config("DJANGO_DEBUG", default=False, cast=bool)`}, wantNot: []string{"os.environ"}},
		{name: "raw is-True flag, os.environ: neither decouple nor environ", rule: "DJS206",
			files:   map[string]string{"mysite/settings.py": "import os\nSECURE_SSL_REDIRECT = os.environ.get(\"SSL_REDIRECT\", \"True\")\n"},
			want:    []string{`SECURE_SSL_REDIRECT = os.environ.get("SSL_REDIRECT", "true").lower() in ("1", "true")`},
			wantNot: []string{"config(", "env.bool"}},
		{name: "raw is-True flag, environs", rule: "DJS206",
			files: map[string]string{"mysite/settings.py": "from environs import Env\nenv = Env()\nSECURE_SSL_REDIRECT = env(\"SSL_REDIRECT\", \"True\")\n"},
			want:  []string{`SECURE_SSL_REDIRECT = env.bool("SSL_REDIRECT", default=True)`}, wantNot: []string{"config("}},
		{name: "hardcoded SECRET_KEY, python-decouple", rule: "DJS101",
			files: map[string]string{"mysite/settings.py": "from decouple import config\nSECRET_KEY = \"k8#x!2v@9qz$w7m&p4r*t6y^u1i(o3a)s5d-f0g+h=j_l\"\n"},
			want:  []string{`SECRET_KEY = config("DJANGO_SECRET_KEY")`}, wantNot: []string{"os.environ"}},
		{name: "no CSP, Django 3.2 pinned: django-csp only", rule: "DJS414",
			files:   map[string]string{"mysite/settings.py": noCSP, "requirements.txt": "Django==3.2.25\n"},
			want:    []string{"django-csp", "needs Django 6.0", "Django 3.2"},
			wantNot: []string{"ContentSecurityPolicyMiddleware"}},
		{name: "no CSP, Django range below 6.0: django-csp only", rule: "DJS414",
			files:   map[string]string{"mysite/settings.py": noCSP, "requirements.txt": "Django>=4.2,<5.0\n"},
			want:    []string{"django-csp", "needs Django 6.0", "Django >=4.2,<5.0"},
			wantNot: []string{"ContentSecurityPolicyMiddleware"}},
		{name: "no CSP, Django 6.0 pinned: built-in first, no version caveat", rule: "DJS414",
			files:   map[string]string{"mysite/settings.py": noCSP, "requirements.txt": "Django==6.0.1\n"},
			want:    []string{"ContentSecurityPolicyMiddleware with SECURE_CSP, or django-csp"},
			wantNot: []string{"6.0+"}},
		{name: "no CSP, Django unknown: the version is named", rule: "DJS414",
			files: map[string]string{"mysite/settings.py": noCSP},
			want:  []string{"SECURE_CSP (Django 6.0+)", "django-csp"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fs := findingsOf(analyzeFiles(t, tc.files), tc.rule)
			if len(fs) != 1 {
				t.Fatalf("%d findings of %s, want 1: %+v", len(fs), tc.rule, fs)
			}
			msg := fs[0].Message
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message lacks %q:\n%s", w, msg)
				}
			}
			for _, w := range tc.wantNot {
				if strings.Contains(msg, w) {
					t.Errorf("message offers %q:\n%s", w, msg)
				}
			}
		})
	}
}

// TestAdviceStringFlag: a truthy string in a flag Django checks with `is
// True` is fixed by the boolean True when it is a literal, and by a
// boolean cast in the project's reader when it comes from the environment.
func TestAdviceStringFlag(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, src, want string
	}{
		{"literal", "SECURE_SSL_REDIRECT = \"yes\"\n", "set SECURE_SSL_REDIRECT = True"},
		{"os.environ", "import os\nSECURE_SSL_REDIRECT = os.environ.get(\"SSL_REDIRECT\", \"yes\")\n",
			`SECURE_SSL_REDIRECT = os.environ.get("SSL_REDIRECT", "true").lower() in ("1", "true")`},
		{"django-environ", "import environ\nenv = environ.Env()\nSECURE_SSL_REDIRECT = env.str(\"SSL_REDIRECT\", default=\"yes\")\n",
			`SECURE_SSL_REDIRECT = env.bool("SSL_REDIRECT", default=True)`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fs := findingsOf(analyzeSettings(t, "MIDDLEWARE = [\"django.middleware.security.SecurityMiddleware\"]\n"+tc.src), "DJS402")
			if len(fs) != 1 {
				t.Fatalf("%d DJS402 findings, want 1: %+v", len(fs), fs)
			}
			if !strings.Contains(fs[0].Message, tc.want) || strings.Contains(fs[0].Message, "config(") {
				t.Errorf("message = %q, want %q and no python-decouple", fs[0].Message, tc.want)
			}
		})
	}
}
