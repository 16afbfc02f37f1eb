package settings

import "testing"

func TestHerokuSettings(t *testing.T) {
	t.Parallel()
	const base = `import django_heroku
BASE_DIR = "/srv"
SECRET_KEY = "literal-key"
ALLOWED_HOSTS = ["a.example.org"]
MIDDLEWARE = ["django.middleware.security.SecurityMiddleware"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "db"}}
`
	tests := []struct {
		name, src, setting, want string
	}{
		{"allowed hosts", base + "django_heroku.settings(locals())", "ALLOWED_HOSTS", `["*"]`},
		{"whitenoise first", base + "django_heroku.settings(locals())", "MIDDLEWARE",
			`("whitenoise.middleware.WhiteNoiseMiddleware", "django.middleware.security.SecurityMiddleware")`},
		{"old-style middleware setting", base + "MIDDLEWARE_CLASSES = ['a.B']\ndjango_heroku.settings(locals())", "MIDDLEWARE_CLASSES",
			`("whitenoise.middleware.WhiteNoiseMiddleware", "a.B")`},
		{"storage", base + "django_heroku.settings(locals())", "STATICFILES_STORAGE", `"whitenoise.storage.CompressedManifestStaticFilesStorage"`},
		{"secret key kept without the variable", base + "django_heroku.settings(locals())", "SECRET_KEY", `"literal-key"`},
		{"database kept without the variable", base + "django_heroku.settings(locals())", "DATABASES",
			`{"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "db"}}`},
		{"no databases: needs DATABASE_URL", "import django_heroku\ndjango_heroku.settings(locals())", "DATABASES", `{"default": <unknown>}`},
		{"logging", base + "django_heroku.settings(locals())", "LOGGING",
			`{"version": 1, "disable_existing_loggers": False, "formatters": {"verbose": {"format": "%(asctime)s [%(process)d] [%(levelname)s] pathname=%(pathname)s lineno=%(lineno)s funcname=%(funcName)s %(message)s", "datefmt": "%Y-%m-%d %H:%M:%S"}, "simple": {"format": "%(levelname)s %(message)s"}}, "handlers": {"null": {"level": "DEBUG", "class": "logging.NullHandler"}, "console": {"level": "DEBUG", "class": "logging.StreamHandler", "formatter": "verbose"}}, "loggers": {"testlogger": {"handlers": ["console"], "level": "INFO"}}}`},
		{"switch off", base + "django_heroku.settings(locals(), allowed_hosts=False)", "ALLOWED_HOSTS", `["a.example.org"]`},
		{"switch unknown", base + "django_heroku.settings(locals(), allowed_hosts=ON_HEROKU)", "ALLOWED_HOSTS", `<unknown>`},
		{"imported function", "from django_heroku import settings as configure\nALLOWED_HOSTS = []\nconfigure(locals(), logging=False)", "ALLOWED_HOSTS", `["*"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := evalSrc(t, tt.src)
			if m.Opaque {
				t.Fatalf("model is opaque")
			}
			if got := m.Value(tt.setting).String(); got != tt.want {
				t.Fatalf("%s = %s, want %s", tt.setting, got, tt.want)
			}
		})
	}
}

// TestHerokuSettingsOpaque: shapes the model does not cover keep the old
// treatment of a call passing locals().
func TestHerokuSettingsOpaque(t *testing.T) {
	t.Parallel()
	for _, src := range []string{
		"import django_heroku\ndjango_heroku.settings(locals(), 1)",
		"import django_heroku\ndjango_heroku.settings(locals(), colour=True)",
		"import other\nother.settings(locals())",
	} {
		if m := evalSrc(t, src); !m.Opaque {
			t.Errorf("%q: model not opaque", src)
		}
	}
}
