package checks

import (
	"context"
	"testing"
	"time"
)

// jwtApps is an INSTALLED_APPS line with simplejwt, so §5 rules apply.
const jwtApps = "from datetime import timedelta\nINSTALLED_APPS = [\"django.contrib.auth\", \"rest_framework\", \"rest_framework_simplejwt\"]\n"

func TestJWTAccessLifetime(t *testing.T) {
	t.Parallel()
	runRuleCases(t, []ruleCase{
		{name: "30 minutes is medium", rule: "DJS501", want: 1, sev: Medium, line: 4, msg: "30 minutes",
			src: jwtApps + "SIMPLE_JWT = {\n    \"ACCESS_TOKEN_LIFETIME\": timedelta(minutes=30),\n}\n"},
		{name: "two hours is high", rule: "DJS501", want: 1, sev: High, line: 3, msg: "2 hours",
			src: jwtApps + "SIMPLE_JWT = {\"ACCESS_TOKEN_LIFETIME\": timedelta(hours=2)}\n"},
		{name: "one day via datetime module", rule: "DJS501", want: 1, sev: High, msg: "1 day",
			src: "import datetime\nSIMPLE_JWT = {\"ACCESS_TOKEN_LIFETIME\": datetime.timedelta(days=1)}\n"},
		{name: "exactly one hour is medium", rule: "DJS501", want: 1, sev: Medium,
			src: jwtApps + "SIMPLE_JWT = {\"ACCESS_TOKEN_LIFETIME\": timedelta(minutes=60)}\n"},
		{name: "15 minutes is fine", rule: "DJS501", want: 0,
			src: jwtApps + "SIMPLE_JWT = {\"ACCESS_TOKEN_LIFETIME\": timedelta(minutes=15)}\n"},
		{name: "unset key takes the 5 minute default", rule: "DJS501", want: 0,
			src: jwtApps + "SIMPLE_JWT = {\"ROTATE_REFRESH_TOKENS\": True}\n"},
		{name: "no SIMPLE_JWT", rule: "DJS501", want: 0, src: jwtApps},
		{name: "required env var is unknown", rule: "DJS501", want: 0,
			src: "import os\n" + jwtApps + "SIMPLE_JWT = {\"ACCESS_TOKEN_LIFETIME\": timedelta(minutes=int(os.environ[\"JWT_MINUTES\"]))}\n"},
		{name: "function call is unknown", rule: "DJS501", want: 0,
			src: jwtApps + "SIMPLE_JWT = {\"ACCESS_TOKEN_LIFETIME\": lifetime()}\n"},
		{name: "whole dict unknown", rule: "DJS501", want: 0,
			src: jwtApps + "SIMPLE_JWT = build_jwt_settings()\n"},
		{name: "spread dict with explicit key still judged", rule: "DJS501", want: 1, sev: High,
			src: jwtApps + "SIMPLE_JWT = {**BASE_JWT, \"ACCESS_TOKEN_LIFETIME\": timedelta(days=7)}\n"},
		{name: "development module silent", rule: "DJS501", want: 0,
			files: map[string]string{"mysite/settings/dev.py": jwtApps + "SIMPLE_JWT = {\"ACCESS_TOKEN_LIFETIME\": timedelta(days=7)}\n"}},
		{name: "drf-jwt expiration delta", rule: "DJS501", want: 1, sev: High, line: 3, key: "JWT_AUTH.JWT_EXPIRATION_DELTA", msg: "7 days",
			src: "import datetime\nJWT_AUTH = {\n    \"JWT_EXPIRATION_DELTA\": datetime.timedelta(days=7),\n    \"JWT_ALLOW_REFRESH\": False,\n}\n"},
		{name: "drf-jwt delta from an env default in seconds", rule: "DJS501", want: 1, sev: High, msg: "when JWT_TTL is unset",
			src: "import os\nfrom datetime import timedelta\nTTL = int(os.getenv(\"JWT_TTL\", 60 * 60 * 24))\nJWT_AUTH = {\"JWT_EXPIRATION_DELTA\": timedelta(seconds=TTL)}\n"},
		{name: "drf-jwt half an hour is medium", rule: "DJS501", want: 1, sev: Medium,
			src: "from datetime import timedelta\nJWT_AUTH = {\"JWT_EXPIRATION_DELTA\": timedelta(minutes=30)}\n"},
		{name: "drf-jwt expiry not verified", rule: "DJS501", want: 1, sev: High, key: "JWT_AUTH.JWT_VERIFY_EXPIRATION", msg: "forever",
			src: "from datetime import timedelta\nJWT_AUTH = {\"JWT_VERIFY_EXPIRATION\": False, \"JWT_EXPIRATION_DELTA\": timedelta(minutes=5)}\n"},
		{name: "drf-jwt short delta and default", rule: "DJS501", want: 0,
			src: "from datetime import timedelta\nJWT_AUTH = {\"JWT_EXPIRATION_DELTA\": timedelta(minutes=5)}\nX = {\"JWT_AUTH_COOKIE\": \"jwt\"}\n"},
		{name: "drf-jwt unknown delta", rule: "DJS501", want: 0,
			src: "import os\nfrom datetime import timedelta\nJWT_AUTH = {\"JWT_EXPIRATION_DELTA\": timedelta(seconds=int(os.environ[\"TTL\"]))}\n"},
		{name: "top-level names are not drf-jwt's", rule: "DJS501", want: 0,
			src: "from datetime import timedelta\nJWT_EXPIRATION_DELTA = timedelta(days=7)\n"},
	})
}

func TestJWTAccessLifetimeThresholds(t *testing.T) {
	t.Parallel()
	cfg := DefaultConfig()
	cfg.Thresholds.JWTAccessMinutes = 60
	cfg.Thresholds.JWTAccessHighMinutes = 240
	run := func(src string) []Finding {
		in := Input{Files: map[string][]byte{"mysite/settings.py": []byte(jwtApps + src)}, Config: cfg,
			Now: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC), Audit: true}
		return findingsOf(Analyze(context.Background(), in), "DJS501")
	}
	if got := run("SIMPLE_JWT = {\"ACCESS_TOKEN_LIFETIME\": timedelta(minutes=30)}\n"); len(got) != 0 {
		t.Errorf("30 minutes under a 60 minute threshold: got %v", got)
	}
	got := run("SIMPLE_JWT = {\"ACCESS_TOKEN_LIFETIME\": timedelta(hours=2)}\n")
	if len(got) != 1 || got[0].Severity != Medium {
		t.Errorf("2 hours with high above 4 hours: want one medium finding, got %v", got)
	}
}

func TestJWTRefreshNotRotated(t *testing.T) {
	t.Parallel()
	runRuleCases(t, []ruleCase{
		{name: "app installed without SIMPLE_JWT", rule: "DJS502", want: 1, sev: Medium, line: 1, msg: "defaults to False",
			src: jwtApps},
		{name: "explicit False", rule: "DJS502", want: 1, line: 5, msg: "is False",
			src: jwtApps + "SIMPLE_JWT = {\n    \"ACCESS_TOKEN_LIFETIME\": timedelta(minutes=5),\n    \"ROTATE_REFRESH_TOKENS\": False,\n}\n"},
		{name: "key absent from a known dict", rule: "DJS502", want: 1, line: 3,
			src: jwtApps + "SIMPLE_JWT = {\"ACCESS_TOKEN_LIFETIME\": timedelta(minutes=5)}\n"},
		{name: "rotation on", rule: "DJS502", want: 0,
			src: jwtApps + "SIMPLE_JWT = {\"ROTATE_REFRESH_TOKENS\": True, \"BLACKLIST_AFTER_ROTATION\": True}\n"},
		{name: "in use through DEFAULT_AUTHENTICATION_CLASSES", rule: "DJS502", want: 1,
			src: "INSTALLED_APPS = [\"django.contrib.auth\", \"rest_framework\"]\nREST_FRAMEWORK = {\"DEFAULT_AUTHENTICATION_CLASSES\": [\"rest_framework_simplejwt.authentication.JWTAuthentication\"]}\n"},
		{name: "in use through requirements", rule: "DJS502", want: 1,
			files: map[string]string{
				"mysite/settings.py": "INSTALLED_APPS = [\"django.contrib.auth\", \"rest_framework\"]\n",
				"requirements.txt":   "Django==5.2.1\ndjangorestframework-simplejwt==5.5.0\n",
			}},
		{name: "dev requirement only is not use", rule: "DJS502", want: 0,
			files: map[string]string{
				"mysite/settings.py":   "INSTALLED_APPS = [\"django.contrib.auth\", \"rest_framework\"]\n",
				"requirements-dev.txt": "djangorestframework-simplejwt==5.5.0\n",
			}},
		{name: "simplejwt not in use", rule: "DJS502", want: 0,
			src: "INSTALLED_APPS = [\"django.contrib.auth\", \"rest_framework\"]\n"},
		{name: "spread dict may set it", rule: "DJS502", want: 0,
			src: jwtApps + "SIMPLE_JWT = {**COMMON_JWT, \"ACCESS_TOKEN_LIFETIME\": timedelta(minutes=5)}\n"},
		{name: "unknown flag", rule: "DJS502", want: 0,
			src: "import os\n" + jwtApps + "SIMPLE_JWT = {\"ROTATE_REFRESH_TOKENS\": os.environ[\"ROTATE\"] == \"1\"}\n"},
		{name: "opaque module without SIMPLE_JWT", rule: "DJS502", want: 0,
			src: "from somepackage.settings import *\n" + jwtApps},
		{name: "SIMPLE_JWT read by a vendored copy", rule: "DJS502", want: 0,
			files: map[string]string{
				"mysite/settings.py":   "from datetime import timedelta\nINSTALLED_APPS = [\"django.contrib.auth\", \"rest_framework\", \"mysite.auth\"]\nSIMPLE_JWT = {\"ACCESS_TOKEN_LIFETIME\": timedelta(minutes=5)}\n",
				"mysite/auth/state.py": "from django.conf import settings\nUSER_SETTINGS = getattr(settings, \"SIMPLE_JWT\", None)\n",
			}},
		{name: "simplejwt imported by the code", rule: "DJS502", want: 1,
			files: map[string]string{
				"mysite/settings.py": "from datetime import timedelta\nINSTALLED_APPS = [\"django.contrib.auth\", \"rest_framework\"]\nSIMPLE_JWT = {\"ACCESS_TOKEN_LIFETIME\": timedelta(minutes=5)}\n",
				"mysite/urls.py":     "from rest_framework_simplejwt.views import TokenObtainPairView\nurlpatterns = []\n",
			}},
		{name: "simplejwt quoted in a docstring and a comment", rule: "DJS502", want: 0,
			files: map[string]string{
				"mysite/settings.py":    "from datetime import timedelta\nINSTALLED_APPS = [\"django.contrib.auth\"]\nSIMPLE_JWT = {\"ACCESS_TOKEN_LIFETIME\": timedelta(minutes=5)}\n",
				"mysite/auth/tokens.py": "\"\"\"Adapted from simplejwt. Use it as\n\n    from rest_framework_simplejwt.tokens import RefreshToken\n\"\"\"\n# from rest_framework_simplejwt import tokens\nclass Token: pass\n",
			}},
	})
}

func TestJWTBlacklistMissing(t *testing.T) {
	t.Parallel()
	blApps := "from datetime import timedelta\nINSTALLED_APPS = [\"django.contrib.auth\", \"rest_framework_simplejwt\", \"rest_framework_simplejwt.token_blacklist\"]\n"
	runRuleCases(t, []ruleCase{
		{name: "rotation without blacklist", rule: "DJS503", want: 1, sev: Medium, line: 4, msg: "BLACKLIST_AFTER_ROTATION",
			src: jwtApps + "SIMPLE_JWT = {\n    \"ROTATE_REFRESH_TOKENS\": True,\n}\n"},
		{name: "rotation with blacklist False", rule: "DJS503", want: 1, line: 5,
			src: blApps + "SIMPLE_JWT = {\n    \"ROTATE_REFRESH_TOKENS\": True,\n    \"BLACKLIST_AFTER_ROTATION\": False,\n}\n"},
		{name: "blacklist without the app", rule: "DJS503", want: 1, line: 5, msg: "not in INSTALLED_APPS",
			src: jwtApps + "SIMPLE_JWT = {\n    \"ROTATE_REFRESH_TOKENS\": True,\n    \"BLACKLIST_AFTER_ROTATION\": True,\n}\n"},
		{name: "complete setup", rule: "DJS503", want: 0,
			src: blApps + "SIMPLE_JWT = {\"ROTATE_REFRESH_TOKENS\": True, \"BLACKLIST_AFTER_ROTATION\": True}\n"},
		{name: "app as AppConfig path", rule: "DJS503", want: 0,
			src: "INSTALLED_APPS = [\"rest_framework_simplejwt\", \"rest_framework_simplejwt.token_blacklist.apps.TokenBlacklistConfig\"]\n" +
				"SIMPLE_JWT = {\"ROTATE_REFRESH_TOKENS\": True, \"BLACKLIST_AFTER_ROTATION\": True}\n"},
		{name: "app added with append", rule: "DJS503", want: 0,
			src: jwtApps + "INSTALLED_APPS.append(\"rest_framework_simplejwt.token_blacklist\")\n" +
				"SIMPLE_JWT = {\"ROTATE_REFRESH_TOKENS\": True, \"BLACKLIST_AFTER_ROTATION\": True}\n"},
		{name: "no rotation is DJS502's finding", rule: "DJS503", want: 0,
			src: jwtApps + "SIMPLE_JWT = {\"ACCESS_TOKEN_LIFETIME\": timedelta(minutes=5)}\n"},
		{name: "no SIMPLE_JWT at all", rule: "DJS503", want: 0, src: jwtApps},
		{name: "INSTALLED_APPS partly unknown", rule: "DJS503", want: 0,
			src: "INSTALLED_APPS = [\"rest_framework_simplejwt\", *extra_apps()]\n" +
				"SIMPLE_JWT = {\"ROTATE_REFRESH_TOKENS\": True, \"BLACKLIST_AFTER_ROTATION\": True}\n"},
		{name: "spread may set the blacklist flag", rule: "DJS503", want: 0,
			src: jwtApps + "SIMPLE_JWT = {**BASE, \"ROTATE_REFRESH_TOKENS\": True}\n"},
	})
}

func TestJWTRefreshLifetime(t *testing.T) {
	t.Parallel()
	runRuleCases(t, []ruleCase{
		{name: "30 days", rule: "DJS504", want: 1, sev: Low, line: 3, msg: "30 days",
			src: jwtApps + "SIMPLE_JWT = {\"REFRESH_TOKEN_LIFETIME\": timedelta(days=30)}\n"},
		{name: "15 days in weeks and a day", rule: "DJS504", want: 1,
			src: jwtApps + "SIMPLE_JWT = {\"REFRESH_TOKEN_LIFETIME\": timedelta(weeks=2, days=1)}\n"},
		{name: "14 days is fine", rule: "DJS504", want: 0,
			src: jwtApps + "SIMPLE_JWT = {\"REFRESH_TOKEN_LIFETIME\": timedelta(days=14)}\n"},
		{name: "default one day", rule: "DJS504", want: 0,
			src: jwtApps + "SIMPLE_JWT = {\"ROTATE_REFRESH_TOKENS\": True}\n"},
		{name: "unknown lifetime", rule: "DJS504", want: 0,
			src: jwtApps + "SIMPLE_JWT = {\"REFRESH_TOKEN_LIFETIME\": timedelta(days=get_days())}\n"},
		{name: "drf-jwt refresh window with refresh on", rule: "DJS504", want: 1, key: "JWT_AUTH.JWT_REFRESH_EXPIRATION_DELTA", msg: "30 days",
			src: "import datetime\nJWT_AUTH = {\"JWT_ALLOW_REFRESH\": True, \"JWT_REFRESH_EXPIRATION_DELTA\": datetime.timedelta(days=30)}\n"},
		{name: "drf-jwt refresh window with refresh off", rule: "DJS504", want: 0,
			src: "import datetime\nJWT_AUTH = {\"JWT_ALLOW_REFRESH\": False, \"JWT_REFRESH_EXPIRATION_DELTA\": datetime.timedelta(days=30)}\n"},
		{name: "drf-jwt refresh default off", rule: "DJS504", want: 0,
			src: "import datetime\nJWT_AUTH = {\"JWT_REFRESH_EXPIRATION_DELTA\": datetime.timedelta(days=30)}\n"},
	})
}

func TestJWTCookieInsecure(t *testing.T) {
	t.Parallel()
	runRuleCases(t, []ruleCase{
		{name: "REST_AUTH cookie with default Secure", rule: "DJS505", want: 1, sev: High, line: 3, msg: "JWT_AUTH_SECURE",
			src: "REST_AUTH = {\n    \"USE_JWT\": True,\n    \"JWT_AUTH_COOKIE\": \"access\",\n}\n"},
		{name: "REST_AUTH hardened", rule: "DJS505", want: 0,
			src: "REST_AUTH = {\"USE_JWT\": True, \"JWT_AUTH_COOKIE\": \"access\", \"JWT_AUTH_SECURE\": True}\n"},
		{name: "REST_AUTH httponly off and SameSite None", rule: "DJS505", want: 2,
			src: "REST_AUTH = {\"USE_JWT\": True, \"JWT_AUTH_COOKIE\": \"access\", \"JWT_AUTH_SECURE\": True, \"JWT_AUTH_HTTPONLY\": False, \"JWT_AUTH_SAMESITE\": \"None\"}\n"},
		{name: "SameSite Python None", rule: "DJS505", want: 1, msg: "JWT_AUTH_SAMESITE",
			src: "REST_AUTH = {\"USE_JWT\": True, \"JWT_AUTH_COOKIE\": \"access\", \"JWT_AUTH_SECURE\": True, \"JWT_AUTH_SAMESITE\": None}\n"},
		{name: "Secure explicitly False", rule: "DJS505", want: 1, line: 4, msg: "is False",
			src: "REST_AUTH = {\n    \"USE_JWT\": True,\n    \"JWT_AUTH_COOKIE\": \"access\",\n    \"JWT_AUTH_SECURE\": False,\n}\n"},
		{name: "no JWT", rule: "DJS505", want: 0,
			src: "REST_AUTH = {\"USE_JWT\": False, \"JWT_AUTH_COOKIE\": \"access\"}\n"},
		{name: "JWT without cookie", rule: "DJS505", want: 0,
			src: "REST_AUTH = {\"USE_JWT\": True}\n"},
		{name: "cookie None", rule: "DJS505", want: 0,
			src: "REST_AUTH = {\"USE_JWT\": True, \"JWT_AUTH_COOKIE\": None}\n"},
		{name: "USE_JWT unknown", rule: "DJS505", want: 0,
			src: "import os\nREST_AUTH = {\"USE_JWT\": os.environ[\"USE_JWT\"] == \"1\", \"JWT_AUTH_COOKIE\": \"access\"}\n"},
		{name: "spread may set Secure", rule: "DJS505", want: 0,
			src: "REST_AUTH = {**BASE_AUTH, \"USE_JWT\": True, \"JWT_AUTH_COOKIE\": \"access\"}\n"},
		{name: "Secure from env with False default", rule: "DJS505", want: 1,
			src: "from decouple import config\nREST_AUTH = {\"USE_JWT\": True, \"JWT_AUTH_COOKIE\": \"access\", \"JWT_AUTH_SECURE\": config(\"JWT_SECURE\", default=False, cast=bool)}\n"},
		{name: "pre-3.0 top-level names", rule: "DJS505", want: 1, line: 2, msg: "JWT_AUTH_SECURE",
			src: "REST_USE_JWT = True\nJWT_AUTH_COOKIE = \"my-app-auth\"\n"},
		{name: "pre-3.0 hardened", rule: "DJS505", want: 0,
			src: "REST_USE_JWT = True\nJWT_AUTH_COOKIE = \"my-app-auth\"\nJWT_AUTH_SECURE = True\n"},
		{name: "pre-3.0 httponly off", rule: "DJS505", want: 1, line: 4, msg: "JWT_AUTH_HTTPONLY",
			src: "REST_USE_JWT = True\nJWT_AUTH_COOKIE = \"my-app-auth\"\nJWT_AUTH_SECURE = True\nJWT_AUTH_HTTPONLY = False\n"},
		{name: "pinned 2.x ignores the REST_AUTH dict", rule: "DJS505", want: 0,
			files: map[string]string{
				"mysite/settings.py": "REST_AUTH = {\"USE_JWT\": True, \"JWT_AUTH_COOKIE\": \"access\"}\n",
				"requirements.txt":   "dj-rest-auth==2.2.8\n",
			}},
		{name: "pinned 3.x reads the REST_AUTH dict", rule: "DJS505", want: 1,
			files: map[string]string{
				"mysite/settings.py": "REST_AUTH = {\"USE_JWT\": True, \"JWT_AUTH_COOKIE\": \"access\"}\n",
				"requirements.txt":   "dj-rest-auth==7.0.1\n",
			}},
		{name: "opaque module, top-level names", rule: "DJS505", want: 0,
			src: "from company_defaults import *\nREST_USE_JWT = True\nJWT_AUTH_COOKIE = \"my-app-auth\"\n"},
	})
}

func TestJWTRefreshEndpointMissing(t *testing.T) {
	t.Parallel()
	urls := func(body string) map[string]string {
		return map[string]string{
			"mysite/settings.py": jwtApps,
			"mysite/urls.py":     "from django.urls import path\n" + body + "urlpatterns = [\n    path(\"api/token/\", TokenObtainPairView.as_view()),\n]\n",
		}
	}
	runRuleCases(t, []ruleCase{
		{name: "no refresh route", rule: "DJS506", want: 1, sev: Low, line: 1, files: urls("from rest_framework_simplejwt.views import TokenObtainPairView\n")},
		{name: "TokenRefreshView routed", rule: "DJS506", want: 0,
			files: urls("from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView\nurlpatterns_extra = [path(\"r/\", TokenRefreshView.as_view())]\n")},
		{name: "dj_rest_auth urls", rule: "DJS506", want: 0, files: urls("from django.urls import include\nx = include(\"dj_rest_auth.urls\")\n")},
		{name: "dj_rest_auth get_refresh_view", rule: "DJS506", want: 0, files: urls("from dj_rest_auth.jwt_auth import get_refresh_view\n")},
		{name: "mentioned in a comment only", rule: "DJS506", want: 1, files: urls("# TODO: TokenRefreshView\n")},
		{name: "no URLconf in the files", rule: "DJS506", want: 0, files: map[string]string{"mysite/settings.py": jwtApps}},
		{name: "simplejwt not in use", rule: "DJS506", want: 0,
			files: map[string]string{"mysite/settings.py": "INSTALLED_APPS = [\"django.contrib.auth\"]\n", "mysite/urls.py": "urlpatterns = []\n"}},
	})
}

func TestJWTRefreshEndpointAuditOnly(t *testing.T) {
	t.Parallel()
	in := Input{Files: map[string][]byte{
		"mysite/settings.py": []byte(jwtApps),
		"mysite/urls.py":     []byte("urlpatterns = []\n"),
	}, Now: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)}
	if got := findingsOf(Analyze(context.Background(), in), "DJS506"); len(got) != 0 {
		t.Errorf("DJS506 ran outside audit mode: %v", got)
	}
}

func TestJWTHuman(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		30 * time.Minute:                  "30 minutes",
		time.Hour:                         "1 hour",
		48 * time.Hour:                    "2 days",
		90 * time.Second:                  "1m30s",
		25 * time.Hour:                    "25 hours",
		time.Minute + time.Second:         "1m1s",
		7 * 24 * time.Hour:                "7 days",
		time.Duration(1) * time.Hour * 24: "1 day",
	} {
		if got := jwtHuman(d); got != want {
			t.Errorf("jwtHuman(%v) = %q, want %q", d, got, want)
		}
	}
}
