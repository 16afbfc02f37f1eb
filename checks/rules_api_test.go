package checks

import (
	"testing"
)

// apiDRF installs Django REST framework.
const apiDRF = "INSTALLED_APPS = [\"django.contrib.auth\", \"rest_framework\"]\n"

// apiDRFView is project code built on DRF.
const apiDRFView = "from rest_framework import viewsets\n\n\nclass OrderViewSet(viewsets.ModelViewSet):\n    pass\n"

func TestDRFDefaultAllowAny(t *testing.T) {
	t.Parallel()
	runRuleCases(t, []ruleCase{
		{name: "no REST_FRAMEWORK", rule: "DJS701", want: 1, sev: High, line: 1,
			key: "REST_FRAMEWORK.DEFAULT_PERMISSION_CLASSES", msg: "REST_FRAMEWORK is not set",
			files: map[string]string{"mysite/settings.py": apiDRF, "shop/api.py": apiDRFView}},
		// DRF installed for a package's own endpoints, with no DRF code of
		// the project's: nothing of the project's relies on the defaults.
		{name: "no REST_FRAMEWORK and no DRF code", rule: "DJS701", want: 0, src: apiDRF},
		{name: "REST_FRAMEWORK without permission classes", rule: "DJS701", want: 1, line: 2, msg: "no DEFAULT_PERMISSION_CLASSES",
			src: apiDRF + "REST_FRAMEWORK = {\n    \"PAGE_SIZE\": 10,\n}\n"},
		{name: "AllowAny", rule: "DJS701", want: 1, line: 3, msg: "is AllowAny",
			src: apiDRF + "REST_FRAMEWORK = {\n    \"DEFAULT_PERMISSION_CLASSES\": [\n        \"rest_framework.permissions.AllowAny\",\n    ],\n}\n"},
		{name: "empty list", rule: "DJS701", want: 1, msg: "is empty",
			src: apiDRF + "REST_FRAMEWORK = {\"DEFAULT_PERMISSION_CLASSES\": ()}\n"},
		{name: "AppConfig path", rule: "DJS701", want: 1, files: map[string]string{
			"mysite/settings.py": "INSTALLED_APPS = [\"rest_framework.apps.RestFrameworkConfig\"]\n", "shop/api.py": apiDRFView}},
		{name: "development module silent", rule: "DJS701", want: 0,
			files: map[string]string{"mysite/settings/dev.py": apiDRF}},
		{name: "IsAuthenticated", rule: "DJS701", want: 0,
			src: apiDRF + "REST_FRAMEWORK = {\"DEFAULT_PERMISSION_CLASSES\": [\"rest_framework.permissions.IsAuthenticated\"]}\n"},
		{name: "AllowAny next to another class is redundant", rule: "DJS701", want: 0,
			src: apiDRF + "REST_FRAMEWORK = {\"DEFAULT_PERMISSION_CLASSES\": [\"rest_framework.permissions.IsAuthenticated\", \"rest_framework.permissions.AllowAny\"]}\n"},
		{name: "DRF not installed", rule: "DJS701", want: 0, src: "INSTALLED_APPS = [\"django.contrib.auth\"]\n"},
		{name: "INSTALLED_APPS unknown", rule: "DJS701", want: 0, src: "INSTALLED_APPS = get_apps()\n"},
		{name: "REST_FRAMEWORK built by code", rule: "DJS701", want: 0, src: apiDRF + "REST_FRAMEWORK = build()\n"},
		{name: "spread dict may hold the key", rule: "DJS701", want: 0, src: apiDRF + "REST_FRAMEWORK = {**BASE, \"PAGE_SIZE\": 10}\n"},
		{name: "permission classes unknown", rule: "DJS701", want: 0,
			src: apiDRF + "import os\nREST_FRAMEWORK = {\"DEFAULT_PERMISSION_CLASSES\": [os.environ[\"PERM\"]]}\n"},
		{name: "opaque model", rule: "DJS701", want: 0, src: apiDRF + "from otherpkg.settings import *\n"},
	})
}

func TestDRFThrottling(t *testing.T) {
	t.Parallel()
	const classes = "\"DEFAULT_THROTTLE_CLASSES\": [\"rest_framework.throttling.AnonRateThrottle\", \"rest_framework.throttling.UserRateThrottle\"]"
	runRuleCases(t, []ruleCase{
		{name: "no REST_FRAMEWORK", rule: "DJS702", want: 1, sev: High, key: "REST_FRAMEWORK.DEFAULT_THROTTLE_CLASSES",
			files: map[string]string{"mysite/settings.py": apiDRF, "shop/api.py": apiDRFView}},
		{name: "no REST_FRAMEWORK and no DRF code", rule: "DJS702", want: 0, src: apiDRF},
		{name: "no throttle classes", rule: "DJS702", want: 1, msg: "no DEFAULT_THROTTLE_CLASSES",
			src: apiDRF + "REST_FRAMEWORK = {\"PAGE_SIZE\": 10}\n"},
		{name: "empty throttle classes", rule: "DJS702", want: 1, msg: "is empty",
			src: apiDRF + "REST_FRAMEWORK = {\"DEFAULT_THROTTLE_CLASSES\": []}\n"},
		{name: "classes without rates", rule: "DJS702", want: 2, key: "REST_FRAMEWORK.DEFAULT_THROTTLE_RATES.anon", msg: "no DEFAULT_THROTTLE_RATES",
			src: apiDRF + "REST_FRAMEWORK = {" + classes + "}\n"},
		{name: "missing user scope", rule: "DJS702", want: 1, key: "REST_FRAMEWORK.DEFAULT_THROTTLE_RATES.user", msg: "ImproperlyConfigured",
			src: apiDRF + "REST_FRAMEWORK = {" + classes + ", \"DEFAULT_THROTTLE_RATES\": {\"anon\": \"100/hour\"}}\n"},
		{name: "None rate", rule: "DJS702", want: 1, key: "REST_FRAMEWORK.DEFAULT_THROTTLE_RATES.anon", msg: "is None",
			src: apiDRF + "REST_FRAMEWORK = {" + classes + ", \"DEFAULT_THROTTLE_RATES\": {\"anon\": None, \"user\": \"1000/day\"}}\n"},
		{name: "env default None", rule: "DJS702", want: 1, msg: "ANON_RATE is unset",
			src: apiDRF + "import os\nREST_FRAMEWORK = {" + classes + ", \"DEFAULT_THROTTLE_RATES\": {\"anon\": os.environ.get(\"ANON_RATE\"), \"user\": \"1000/day\"}}\n"},
		{name: "invalid period", rule: "DJS702", want: 1, msg: "not a DRF rate",
			src: apiDRF + "REST_FRAMEWORK = {" + classes + ", \"DEFAULT_THROTTLE_RATES\": {\"anon\": \"5/15m\", \"user\": \"1000/day\"}}\n"},
		{name: "invalid number", rule: "DJS702", want: 1,
			src: apiDRF + "REST_FRAMEWORK = {" + classes + ", \"DEFAULT_THROTTLE_RATES\": {\"anon\": \"many/min\", \"user\": \"1000/day\"}}\n"},
		{name: "valid rates", rule: "DJS702", want: 0,
			src: apiDRF + "REST_FRAMEWORK = {" + classes + ", \"DEFAULT_THROTTLE_RATES\": {\"anon\": \"100/hour\", \"user\": \"10/s\"}}\n"},
		{name: "env rate with a valid default", rule: "DJS702", want: 0,
			src: apiDRF + "import os\nREST_FRAMEWORK = {" + classes + ", \"DEFAULT_THROTTLE_RATES\": {\"anon\": os.environ.get(\"ANON\", \"50/min\"), \"user\": \"1000/day\"}}\n"},
		{name: "required env rate is unknown", rule: "DJS702", want: 0,
			src: apiDRF + "import os\nREST_FRAMEWORK = {" + classes + ", \"DEFAULT_THROTTLE_RATES\": {\"anon\": os.environ[\"ANON\"], \"user\": \"1000/day\"}}\n"},
		{name: "scoped throttle needs view scopes", rule: "DJS702", want: 0,
			src: apiDRF + "REST_FRAMEWORK = {\"DEFAULT_THROTTLE_CLASSES\": [\"rest_framework.throttling.ScopedRateThrottle\"]}\n"},
		{name: "custom throttle", rule: "DJS702", want: 0,
			src: apiDRF + "REST_FRAMEWORK = {\"DEFAULT_THROTTLE_CLASSES\": [\"api.throttles.BurstThrottle\"]}\n"},
		{name: "rates built by code", rule: "DJS702", want: 0,
			src: apiDRF + "REST_FRAMEWORK = {" + classes + ", \"DEFAULT_THROTTLE_RATES\": rates()}\n"},
		{name: "DRF not installed", rule: "DJS702", want: 0, src: "INSTALLED_APPS = []\n"},
		{name: "opaque model", rule: "DJS702", want: 0, src: apiDRF + "from otherpkg.settings import *\n"},
	})
}

func TestDRFRateValid(t *testing.T) {
	t.Parallel()
	for rate, want := range map[string]bool{
		"100/day": true, "5/min": true, "10/sec": true, "1/h": true, " 7 /d": true, "1_000/hour": true,
		"5/15m": false, "100": false, "/day": false, "x/day": false, "5/": false, "5/day/x": false, "5/week": false,
	} {
		if got := drfRateValid(rate); got != want {
			t.Errorf("drfRateValid(%q) = %v, want %v", rate, got, want)
		}
	}
}

func TestUploadLimits(t *testing.T) {
	t.Parallel()
	runRuleCases(t, []ruleCase{
		{name: "data size None", rule: "DJS705", want: 1, sev: Medium, key: "DATA_UPLOAD_MAX_MEMORY_SIZE", line: 1, msg: "is None",
			src: "DATA_UPLOAD_MAX_MEMORY_SIZE = None\n"},
		{name: "field count None", rule: "DJS705", want: 1, key: "DATA_UPLOAD_MAX_NUMBER_FIELDS", msg: "number of form fields",
			src: "DATA_UPLOAD_MAX_NUMBER_FIELDS = None\n"},
		{name: "file size None", rule: "DJS705", want: 1, key: "FILE_UPLOAD_MAX_MEMORY_SIZE", src: "FILE_UPLOAD_MAX_MEMORY_SIZE = None\n"},
		{name: "100 MB", rule: "DJS705", want: 1, msg: "(100 MB)", src: "DATA_UPLOAD_MAX_MEMORY_SIZE = 100 * 1024 * 1024\n"},
		{name: "file size 1 GB", rule: "DJS705", want: 1, src: "FILE_UPLOAD_MAX_MEMORY_SIZE = 1073741824\n"},
		{name: "env default above", rule: "DJS705", want: 1, msg: "MAX_UPLOAD is unset",
			src: "import os\nDATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get(\"MAX_UPLOAD\", 209715200))\n"},
		{name: "huge field count", rule: "DJS705", want: 1, src: "DATA_UPLOAD_MAX_NUMBER_FIELDS = 10 ** 6\n"},
		{name: "all three", rule: "DJS705", want: 3,
			src: "DATA_UPLOAD_MAX_MEMORY_SIZE = None\nDATA_UPLOAD_MAX_NUMBER_FIELDS = None\nFILE_UPLOAD_MAX_MEMORY_SIZE = None\n"},
		{name: "development module silent", rule: "DJS705", want: 0,
			files: map[string]string{"mysite/settings/local.py": "DATA_UPLOAD_MAX_MEMORY_SIZE = None\n"}},
		{name: "defaults", rule: "DJS705", want: 0, src: "DEBUG = False\n"},
		{name: "exactly 50 MB", rule: "DJS705", want: 0, src: "DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024\n"},
		{name: "10 MB", rule: "DJS705", want: 0, src: "FILE_UPLOAD_MAX_MEMORY_SIZE = 10485760\n"},
		{name: "10000 fields", rule: "DJS705", want: 0, src: "DATA_UPLOAD_MAX_NUMBER_FIELDS = 10000\n"},
		{name: "required env is unknown", rule: "DJS705", want: 0,
			src: "import os\nDATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ[\"MAX_UPLOAD\"])\n"},
		{name: "computed", rule: "DJS705", want: 0, src: "DATA_UPLOAD_MAX_MEMORY_SIZE = limit()\n"},
	})
}

func TestViewAllowAny(t *testing.T) {
	t.Parallel()
	const imp = "from rest_framework import permissions\nfrom rest_framework.permissions import AllowAny, IsAuthenticated\nfrom rest_framework.views import APIView\n"
	view := func(src string) map[string]string { return map[string]string{"shop/views.py": imp + src} }
	runRuleCases(t, []ruleCase{
		// A review prompt for what a pull request changes: the audit of the
		// whole repository leaves long-standing public endpoints alone.
		{name: "audit is silent", rule: "DJS703", want: 0, files: map[string]string{"mysite/settings.py": "INSTALLED_APPS = []\n",
			"shop/api.py": "from rest_framework.permissions import AllowAny\nfrom rest_framework.views import APIView\n\nclass Hook(APIView):\n    permission_classes = [AllowAny]\n"}},
		{name: "class AllowAny", pr: true, rule: "DJS703", want: 1, sev: Medium, line: 5, key: "SignupView.permission_classes", path: "shop/views.py",
			files: view("class SignupView(APIView):\n    permission_classes = [AllowAny]\n")},
		{name: "module attribute in a tuple", pr: true, rule: "DJS703", want: 1,
			files: view("class V(APIView):\n    permission_classes = (permissions.AllowAny,)\n")},
		{name: "OR with AllowAny", pr: true, rule: "DJS703", want: 1,
			files: view("class V(APIView):\n    permission_classes = [IsAuthenticated | AllowAny]\n")},
		{name: "empty authentication", pr: true, rule: "DJS703", want: 1, key: "Hook.authentication_classes", msg: "authentication_classes to empty",
			files: view("class Hook(APIView):\n    authentication_classes = []\n")},
		{name: "both reported once", pr: true, rule: "DJS703", want: 1, key: "Hook.permission_classes",
			files: view("class Hook(APIView):\n    authentication_classes = ()\n    permission_classes = [AllowAny]\n")},
		{name: "decorator", pr: true, rule: "DJS703", want: 1, line: 5, key: "ping.permission_classes",
			files: view("@api_view([\"GET\"])\n@permission_classes([AllowAny])\ndef ping(request):\n    pass\n")},
		{name: "authentication decorator", pr: true, rule: "DJS703", want: 1, key: "ping.authentication_classes",
			files: view("@api_view([\"GET\"])\n@authentication_classes([])\ndef ping(request):\n    pass\n")},
		{name: "action keyword", pr: true, rule: "DJS703", want: 1, key: "ShopViewSet.export.permission_classes",
			files: view("class ShopViewSet(ViewSet):\n    @action(detail=False, permission_classes=[AllowAny])\n    def export(self, request):\n        pass\n")},
		{name: "nested in if", pr: true, rule: "DJS703", want: 1,
			files: view("if True:\n    class V(APIView):\n        permission_classes = [AllowAny]\n")},
		{name: "two views", pr: true, rule: "DJS703", want: 2,
			files: view("class A(APIView):\n    permission_classes = [AllowAny]\nclass B(APIView):\n    permission_classes = [AllowAny]\n")},
		{name: "runs on pull requests", rule: "DJS703", want: 1, pr: true,
			files: view("class V(APIView):\n    permission_classes = [AllowAny]\n")},
		{name: "IsAuthenticated", pr: true, rule: "DJS703", want: 0,
			files: view("class V(APIView):\n    permission_classes = [IsAuthenticated]\n")},
		{name: "AllowAny with another class", pr: true, rule: "DJS703", want: 0,
			files: view("class V(APIView):\n    permission_classes = [IsAuthenticated, AllowAny]\n")},
		{name: "empty authentication with a restrictive permission", pr: true, rule: "DJS703", want: 0,
			files: view("class Hook(APIView):\n    authentication_classes = []\n    permission_classes = [HasSignature]\n")},
		{name: "no rest_framework import", pr: true, rule: "DJS703", want: 0,
			files: map[string]string{"shop/views.py": "from mylib import AllowAny\nclass V:\n    permission_classes = [AllowAny]\n"}},
		{name: "test module", pr: true, rule: "DJS703", want: 0,
			files: map[string]string{"shop/tests/test_views.py": imp + "class V(APIView):\n    permission_classes = [AllowAny]\n"}},
		{name: "tests.py", pr: true, rule: "DJS703", want: 0,
			files: map[string]string{"shop/tests.py": imp + "class V(APIView):\n    permission_classes = [AllowAny]\n"}},
		{name: "local variable is not an attribute", pr: true, rule: "DJS703", want: 0,
			files: view("def f():\n    permission_classes = [AllowAny]\n")},
		{name: "suppressed", pr: true, rule: "DJS703", want: 0,
			files: view("class V(APIView):\n    permission_classes = [AllowAny]  # djsec: ignore[DJS703] public sign-up\n")},
	})
}

// TestCodeRulesBrokenSource feeds every prefix of a view module to the code
// rules: error-tolerant trees have missing children, and no rule may panic
// on them.
func TestCodeRulesBrokenSource(t *testing.T) {
	t.Parallel()
	const src = "from rest_framework.permissions import AllowAny\nfrom django.db import connection\n" +
		"class V(APIView):\n    permission_classes = [AllowAny | IsAdminUser]\n    authentication_classes = ()\n" +
		"    @action(detail=True, permission_classes=[AllowAny])\n    def get(self, request, pk):\n" +
		"        sql = \"SELECT * FROM t WHERE id = \" + pk\n        sql += f\"AND {request.GET['q']}\"\n" +
		"        with connection.cursor() as c:\n            c.execute(sql % (pk,), *a)\n            c.execute(\"x {}\".format(pk))\n" +
		"        return Order.objects.raw(f\"{pk}\").extra(where=[f\"{pk}\"], select={\"a\": \"%s\" % pk})\n" +
		"@receiver([user_login_failed])\n@permission_classes([AllowAny])\ndef f(r):\n    user_login_failed.connect(f)\n"
	for i := 0; i <= len(src); i += 2 {
		p := &Project{Config: DefaultConfig(), Files: map[string][]byte{"shop/views.py": []byte(src[:i])}}
		r := &Reporter{p: p}
		checkViewAllowAny(p, r)
		checkRawSQL(p, r)
		logLoginFailedReceiver(p)
	}
}
