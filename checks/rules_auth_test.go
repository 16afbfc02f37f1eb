package checks

import (
	"context"
	"strings"
	"testing"
	"time"
)

// authApps is a startproject-like INSTALLED_APPS (django.contrib.auth in).
const authApps = "INSTALLED_APPS = [\n    \"django.contrib.admin\",\n    \"django.contrib.auth\",\n    \"django.contrib.contenttypes\",\n]\n"

// authValidatorsSrc builds AUTH_PASSWORD_VALIDATORS, one entry a line.
func authValidatorsSrc(entries ...string) string {
	s := "AUTH_PASSWORD_VALIDATORS = [\n"
	for _, e := range entries {
		s += "    " + e + ",\n"
	}
	return s + "]\n"
}

const (
	authSimilarity = `{"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"}`
	authMinLen     = `{"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"}`
	authMinLen12   = `{"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}}`
	authCommon     = `{"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"}`
	authNumeric    = `{"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"}`
)

func TestPasswordValidatorsMissing(t *testing.T) {
	t.Parallel()
	runRuleCases(t, []ruleCase{
		{name: "unset", rule: "DJS601", want: 1, sev: High, line: 1, msg: "not set", src: authApps},
		{name: "empty list", rule: "DJS601", want: 1, line: 6, msg: "is empty", src: authApps + "AUTH_PASSWORD_VALIDATORS = []\n"},
		{name: "startproject validators", rule: "DJS601", want: 0,
			src: authApps + authValidatorsSrc(authSimilarity, authMinLen, authCommon, authNumeric)},
		{name: "unknown value", rule: "DJS601", want: 0, src: authApps + "AUTH_PASSWORD_VALIDATORS = load_validators()\n"},
		{name: "opaque module", rule: "DJS601", want: 0, src: "from corp.django_defaults import *\n" + authApps},
		{name: "no auth app", rule: "DJS601", want: 0, src: "INSTALLED_APPS = [\"django.contrib.staticfiles\"]\n"},
		{name: "development module silent", rule: "DJS601", want: 0,
			files: map[string]string{"mysite/settings/local.py": authApps}},
	})
}

func TestPasswordMinLength(t *testing.T) {
	t.Parallel()
	runRuleCases(t, []ruleCase{
		{name: "startproject default of 8", rule: "DJS602", want: 1, sev: Medium, line: 8, msg: "default of 8",
			src: authApps + authValidatorsSrc(authSimilarity, authMinLen, authCommon, authNumeric)},
		{name: "explicit 10", rule: "DJS602", want: 1, msg: "10 characters",
			src: authApps + authValidatorsSrc(`{"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}}`)},
		{name: "explicit 12", rule: "DJS602", want: 0, src: authApps + authValidatorsSrc(authMinLen12, authCommon)},
		{name: "OPTIONS without min_length", rule: "DJS602", want: 1, msg: "default of 8",
			src: authApps + authValidatorsSrc(`{"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {}}`)},
		{name: "largest of two entries applies", rule: "DJS602", want: 0,
			src: authApps + authValidatorsSrc(authMinLen, `{"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 14}}`)},
		{name: "validator absent", rule: "DJS602", want: 1, line: 6, msg: "no MinimumLengthValidator",
			src: authApps + authValidatorsSrc(authSimilarity, authCommon, authNumeric)},
		{name: "custom validator is not the built-in", rule: "DJS602", want: 1, msg: "no MinimumLengthValidator",
			src: authApps + authValidatorsSrc(`{"NAME": "accounts.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 20}}`)},
		{name: "unknown min_length", rule: "DJS602", want: 0,
			src: "import os\n" + authApps + authValidatorsSrc(`{"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": int(os.environ["PW_MIN"])}}`)},
		{name: "unknown entry", rule: "DJS602", want: 0, src: authApps + authValidatorsSrc(authCommon, "extra_validator()")},
		{name: "empty list is DJS601's", rule: "DJS602", want: 0, src: authApps + "AUTH_PASSWORD_VALIDATORS = []\n"},
		{name: "unset is DJS601's", rule: "DJS602", want: 0, src: authApps},
	})
}

func TestPasswordMinLengthThreshold(t *testing.T) {
	t.Parallel()
	cfg := DefaultConfig()
	cfg.Thresholds.PasswordMinLength = 8
	in := Input{Files: map[string][]byte{"mysite/settings.py": []byte(authApps + authValidatorsSrc(authMinLen))},
		Config: cfg, Now: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)}
	if got := findingsOf(Analyze(context.Background(), in), "DJS602"); len(got) != 0 {
		t.Errorf("Django's 8 meets a threshold of 8, got %v", got)
	}
}

func TestPasswordValidatorsIncomplete(t *testing.T) {
	t.Parallel()
	runRuleCases(t, []ruleCase{
		{name: "only min length", rule: "DJS603", want: 1, sev: Low, line: 6,
			msg: "UserAttributeSimilarityValidator, CommonPasswordValidator, NumericPasswordValidator",
			src: authApps + authValidatorsSrc(authMinLen12)},
		{name: "numeric missing", rule: "DJS603", want: 1, msg: "lacks NumericPasswordValidator:",
			src: authApps + authValidatorsSrc(authSimilarity, authMinLen12, authCommon)},
		{name: "all four", rule: "DJS603", want: 0, src: authApps + authValidatorsSrc(authSimilarity, authMinLen12, authCommon, authNumeric)},
		{name: "all four and a custom one", rule: "DJS603", want: 0,
			src: authApps + authValidatorsSrc(authSimilarity, authMinLen12, authCommon, authNumeric, `{"NAME": "accounts.validators.SymbolValidator"}`)},
		{name: "unknown NAME", rule: "DJS603", want: 0, src: authApps + authValidatorsSrc(authMinLen12, `{"NAME": VALIDATOR_PATH}`)},
		{name: "empty list is DJS601's", rule: "DJS603", want: 0, src: authApps + "AUTH_PASSWORD_VALIDATORS = []\n"},
	})
}

func TestPasswordHasherWeak(t *testing.T) {
	t.Parallel()
	runRuleCases(t, []ruleCase{
		{name: "MD5 first", rule: "DJS604", want: 1, sev: High, line: 7, msg: "MD5PasswordHasher",
			src: authApps + "PASSWORD_HASHERS = [\n    \"django.contrib.auth.hashers.MD5PasswordHasher\",\n]\n"},
		{name: "unsalted SHA1 tuple", rule: "DJS604", want: 1, msg: "unsalted SHA1",
			src: authApps + "PASSWORD_HASHERS = (\"django.contrib.auth.hashers.UnsaltedSHA1PasswordHasher\",)\n"},
		{name: "crypt first", rule: "DJS604", want: 1,
			src: authApps + "PASSWORD_HASHERS = [\"django.contrib.auth.hashers.CryptPasswordHasher\", \"django.contrib.auth.hashers.PBKDF2PasswordHasher\"]\n"},
		{name: "MD5 kept after PBKDF2 to upgrade", rule: "DJS604", want: 0,
			src: authApps + "PASSWORD_HASHERS = [\"django.contrib.auth.hashers.PBKDF2PasswordHasher\", \"django.contrib.auth.hashers.MD5PasswordHasher\"]\n"},
		{name: "unset takes PBKDF2", rule: "DJS604", want: 0, src: authApps},
		{name: "unknown first", rule: "DJS604", want: 0, src: authApps + "PASSWORD_HASHERS = [hasher(), \"django.contrib.auth.hashers.MD5PasswordHasher\"]\n"},
		{name: "test settings silent", rule: "DJS604", want: 0,
			files: map[string]string{"mysite/settings/test.py": authApps + "PASSWORD_HASHERS = [\"django.contrib.auth.hashers.MD5PasswordHasher\"]\n"}},
	})
}

// authAxes installs django-axes the way its documentation says: app,
// middleware and backend (DJANGO_FACTS §7.1).
const authAxes = "INSTALLED_APPS += [\"axes\"]\nMIDDLEWARE = [\"axes.middleware.AxesMiddleware\"]\n" +
	"AUTHENTICATION_BACKENDS = [\"axes.backends.AxesStandaloneBackend\", \"django.contrib.auth.backends.ModelBackend\"]\n"

// authDRF installs Django REST framework next to the auth apps.
const authDRF = authApps + "INSTALLED_APPS += [\"rest_framework\"]\n"

// authRatelimitViews use django-ratelimit's decorator on the login view.
var authRatelimitViews = map[string]string{
	"accounts/views.py": "from django_ratelimit.decorators import ratelimit\n\n@ratelimit(key=\"ip\", rate=\"5/m\")\ndef login(request):\n    pass\n"}

func withFiles(extra map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range extra {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

func TestLoginRateLimitMissing(t *testing.T) {
	t.Parallel()
	runRuleCases(t, []ruleCase{
		{name: "nothing", rule: "DJS605", want: 1, sev: High, line: 1, msg: "no django-axes", src: authApps},
		{name: "on INSTALLED_APPS", rule: "DJS605", want: 1, line: 2, src: "DEBUG = False\n" + authApps},
		{name: "DRF throttling", rule: "DJS605", want: 0,
			src: authDRF + "REST_FRAMEWORK = {\"DEFAULT_THROTTLE_CLASSES\": [\"rest_framework.throttling.AnonRateThrottle\"], \"DEFAULT_THROTTLE_RATES\": {\"anon\": \"10/min\"}}\n"},
		// Half-done: none of these limits a single login.
		{name: "DRF throttle settings without DRF", rule: "DJS605", want: 1,
			src: authApps + "REST_FRAMEWORK = {\"DEFAULT_THROTTLE_CLASSES\": [\"rest_framework.throttling.AnonRateThrottle\"], \"DEFAULT_THROTTLE_RATES\": {\"anon\": \"10/min\"}}\n"},
		{name: "every DRF rate None", rule: "DJS605", want: 1, msg: "to None",
			src: authDRF + "REST_FRAMEWORK = {\"DEFAULT_THROTTLE_CLASSES\": [\"app.throttling.LoginThrottle\"], \"DEFAULT_THROTTLE_RATES\": {\"login\": None, \"anon\": None}}\n"},
		{name: "login scope None, another set", rule: "DJS605", want: 1, msg: `"login-fail"`,
			src: authDRF + "REST_FRAMEWORK = {\"DEFAULT_THROTTLE_CLASSES\": [\"app.throttling.Common\"], \"DEFAULT_THROTTLE_RATES\": {\"login-fail\": None, \"export\": \"1/minute\"}}\n"},
		{name: "one DRF rate set", rule: "DJS605", want: 0,
			src: authDRF + "REST_FRAMEWORK = {\"DEFAULT_THROTTLE_CLASSES\": [\"app.throttling.LoginThrottle\"], \"DEFAULT_THROTTLE_RATES\": {\"login\": \"5/min\", \"anon\": None}}\n"},
		{name: "empty DRF throttle list", rule: "DJS605", want: 1,
			src: authDRF + "REST_FRAMEWORK = {\"DEFAULT_THROTTLE_CLASSES\": []}\n"},
		{name: "REST_FRAMEWORK without throttles", rule: "DJS605", want: 1,
			src: authDRF + "REST_FRAMEWORK = {\"DEFAULT_PERMISSION_CLASSES\": [\"rest_framework.permissions.IsAuthenticated\"]}\n"},
		{name: "REST_FRAMEWORK unknown", rule: "DJS605", want: 0, src: authDRF + "REST_FRAMEWORK = drf_settings()\n"},
		{name: "REST_FRAMEWORK spread", rule: "DJS605", want: 0, src: authDRF + "REST_FRAMEWORK = {**BASE_DRF}\n"},
		{name: "axes installed", rule: "DJS605", want: 0, src: authApps + authAxes},
		{name: "axes app alone", rule: "DJS605", want: 1, msg: "django-axes is in INSTALLED_APPS but not in MIDDLEWARE or AUTHENTICATION_BACKENDS",
			src: authApps + "INSTALLED_APPS += [\"axes\"]\n"},
		{name: "axes without its backend", rule: "DJS605", want: 1, msg: "not in AUTHENTICATION_BACKENDS",
			src: authApps + "INSTALLED_APPS += [\"axes\"]\nMIDDLEWARE = [\"axes.middleware.AxesMiddleware\"]\n"},
		{name: "axes decorator on the login view", rule: "DJS605", want: 0, files: map[string]string{
			"mysite/settings.py": authApps + "INSTALLED_APPS += [\"axes\"]\n",
			"accounts/urls.py":   "from axes.decorators import axes_dispatch\nurlpatterns = [path(\"login/\", axes_dispatch(LoginView.as_view()))]\n"}},
		{name: "axes with middleware unknown", rule: "DJS605", want: 0,
			src: authApps + "INSTALLED_APPS += [\"axes\"]\nMIDDLEWARE = get_middleware()\n" +
				"AUTHENTICATION_BACKENDS = [\"axes.backends.AxesStandaloneBackend\"]\n"},
		{name: "django_ratelimit app without the decorator", rule: "DJS605", want: 1, src: authApps + "INSTALLED_APPS += [\"django_ratelimit\"]\n"},
		{name: "defender installed", rule: "DJS605", want: 0,
			src: authApps + "INSTALLED_APPS += [\"defender\"]\nMIDDLEWARE = [\"defender.middleware.FailedLoginMiddleware\"]\n"},
		{name: "defender middleware without its app", rule: "DJS605", want: 1,
			src: authApps + "MIDDLEWARE = [\"defender.middleware.FailedLoginMiddleware\"]\n"},
		{name: "allauth rate limits", rule: "DJS605", want: 0, src: authApps + "INSTALLED_APPS += [\"allauth\", \"allauth.account\"]\n"},
		{name: "allauth rate limits disabled", rule: "DJS605", want: 1,
			src: authApps + "INSTALLED_APPS += [\"allauth\", \"allauth.account\"]\nACCOUNT_RATE_LIMITS = False\n"},
		{name: "django-axes requirement alone", rule: "DJS605", want: 1,
			files: map[string]string{"mysite/settings.py": authApps, "requirements.txt": "Django==5.2.1\ndjango-axes==8.0.0\n"}},
		{name: "django-ratelimit requirement alone", rule: "DJS605", want: 1,
			files: map[string]string{"mysite/settings.py": authApps, "requirements.txt": "Django==5.2.1\ndjango_ratelimit>=4\n"}},
		{name: "ratelimit decorator in views", rule: "DJS605", want: 0,
			files: withFiles(authRatelimitViews, "mysite/settings.py", authApps)},
		{name: "per-view DRF throttle", rule: "DJS605", want: 0,
			files: map[string]string{"mysite/settings.py": authDRF,
				"accounts/views.py": "from rest_framework.views import APIView\n\nclass Login(APIView):\n    throttle_classes = [AnonRateThrottle]\n"}},
		{name: "empty per-view throttle", rule: "DJS605", want: 1,
			files: map[string]string{"mysite/settings.py": authDRF,
				"accounts/views.py": "from rest_framework.views import APIView\n\nclass Login(APIView):\n    throttle_classes = []\n"}},
		{name: "the project's own limiter", rule: "DJS605", want: 0,
			files: map[string]string{"mysite/settings.py": authApps,
				"accounts/forms.py": "from django.contrib.auth import authenticate\nfrom .models import LoginBucket\n\n" +
					"def check(username, password):\n    if not LoginBucket.allow(username):\n        raise TooManyAttempts()\n    return authenticate(username=username, password=password)\n"}},
		{name: "a limiter mentioned only in a comment", rule: "DJS605", want: 1,
			files: map[string]string{"mysite/settings.py": authApps,
				"accounts/forms.py": "from django.contrib.auth import authenticate\n# TODO: rate_limit this\n\ndef check(u, p):\n    return authenticate(username=u, password=p)\n"}},
		{name: "INSTALLED_APPS unknown", rule: "DJS605", want: 0, src: "INSTALLED_APPS = get_apps()\n"},
		{name: "INSTALLED_APPS partly unknown", rule: "DJS605", want: 0,
			src: "INSTALLED_APPS = [\"django.contrib.auth\", *THIRD_PARTY]\n"},
		{name: "no auth app", rule: "DJS605", want: 0, src: "INSTALLED_APPS = [\"django.contrib.staticfiles\"]\n"},
		{name: "opaque module", rule: "DJS605", want: 0, src: "from shared_config.settings import *\n" + authApps},
		{name: "development module only", rule: "DJS605", want: 0,
			files: map[string]string{"mysite/settings/dev.py": authApps}},
	})
}

func TestAccountLockoutMissing(t *testing.T) {
	t.Parallel()
	runRuleCases(t, []ruleCase{
		// Nothing at all: DJS605 stands for the lockout too.
		{name: "nothing", rule: "DJS606", want: 1, sev: High, line: 1, msg: "django-axes", src: authApps},
		{name: "rate limit is no lockout", rule: "DJS606", want: 1, sev: Medium,
			files: withFiles(authRatelimitViews, "mysite/settings.py", authApps)},
		{name: "axes installed", rule: "DJS606", want: 0, src: authApps + authAxes},
		{name: "axes AppConfig installed", rule: "DJS606", want: 0,
			src: authApps + strings.Replace(authAxes, "\"axes\"]", "\"axes.apps.AppConfig\"]", 1)},
		{name: "axes backend alone", rule: "DJS606", want: 1,
			src: authApps + "AUTHENTICATION_BACKENDS = [\"axes.backends.AxesStandaloneBackend\", \"django.contrib.auth.backends.ModelBackend\"]\n"},
		{name: "defender installed", rule: "DJS606", want: 0,
			src: authApps + "INSTALLED_APPS += [\"defender\"]\nMIDDLEWARE = [\"defender.middleware.FailedLoginMiddleware\"]\n"},
		{name: "django-defender requirement alone", rule: "DJS606", want: 1,
			files: map[string]string{"mysite/settings.py": authApps, "requirements.txt": "django-defender==0.9.8\n"}},
		{name: "allauth locks an account after failed logins", rule: "DJS606", want: 0,
			src: authApps + "INSTALLED_APPS += [\"allauth\", \"allauth.account\"]\n"},
		{name: "opaque", rule: "DJS606", want: 0, src: "from base_settings_pkg import *\n" + authApps},
		{name: "INSTALLED_APPS unknown", rule: "DJS606", want: 0, src: "INSTALLED_APPS = apps()\n"},
	})
}

func TestPasswordResetMissing(t *testing.T) {
	t.Parallel()
	files := func(urls string) map[string]string {
		return map[string]string{"mysite/settings.py": authApps, "mysite/urls.py": "from django.contrib import admin\nfrom django.urls import include, path\n\n" + urls}
	}
	runRuleCases(t, []ruleCase{
		{name: "admin only", rule: "DJS607", want: 1, sev: Info, line: 1,
			files: files("urlpatterns = [path(\"admin/\", admin.site.urls)]\n")},
		{name: "django.contrib.auth.urls", rule: "DJS607", want: 0,
			files: files("urlpatterns = [path(\"accounts/\", include(\"django.contrib.auth.urls\"))]\n")},
		{name: "password recovery API", rule: "DJS607", want: 0,
			files: files("urlpatterns = [path(\"api/users/password_recovery\", views.password_recovery)]\n")},
		{name: "login by e-mailed link", rule: "DJS607", want: 0,
			files: files("urlpatterns = [path(\"accounts/login_link/<token>/\", views.check_token)]\n")},
		{name: "PasswordResetView", rule: "DJS607", want: 0,
			files: files("from django.contrib.auth import views as auth_views\nurlpatterns = [path(\"reset/\", auth_views.PasswordResetView.as_view())]\n")},
		{name: "dj-rest-auth", rule: "DJS607", want: 0,
			files: files("urlpatterns = [path(\"auth/\", include(\"dj_rest_auth.urls\"))]\n")},
		{name: "allauth", rule: "DJS607", want: 0,
			files: files("urlpatterns = [path(\"accounts/\", include(\"allauth.urls\"))]\n")},
		{name: "only in a comment", rule: "DJS607", want: 1,
			files: files("# path(\"reset/\", PasswordResetView.as_view())\nurlpatterns = []\n")},
		{name: "no URLconf", rule: "DJS607", want: 0, files: map[string]string{"mysite/settings.py": authApps}},
		{name: "no auth app", rule: "DJS607", want: 0,
			files: map[string]string{"mysite/settings.py": "INSTALLED_APPS = [\"django.contrib.staticfiles\"]\n", "mysite/urls.py": "urlpatterns = []\n"}},
	})
}

func TestPasswordResetIgnoresSettingsNames(t *testing.T) {
	t.Parallel()
	res := analyzeFiles(t, map[string]string{
		"mysite/settings.py": authApps + "PASSWORD_RESET_TIMEOUT = 3600\n",
		"mysite/urls.py":     "urlpatterns = []\n",
	})
	if got := findingsOf(res, "DJS607"); len(got) != 1 {
		t.Errorf("PASSWORD_RESET_TIMEOUT in settings is not a route: got %d DJS607 findings, want 1", len(got))
	}
}
