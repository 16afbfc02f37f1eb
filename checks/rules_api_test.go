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

func TestRawSQL(t *testing.T) {
	t.Parallel()
	const imp = "from django.db import connection\nfrom django.db.models.expressions import RawSQL\n"
	code := func(src string) map[string]string { return map[string]string{"shop/views.py": imp + src} }
	withURLs := func(urls, src string) map[string]string {
		return map[string]string{"shop/views.py": imp + src, "shop/urls.py": "from django.urls import path, re_path\nfrom . import views\nurlpatterns = [\n" + urls + "]\n"}
	}
	runRuleCases(t, []ruleCase{
		// Request data reaches the SQL text.
		{name: "f-string of a GET value", rule: "DJS704", want: 1, sev: High, line: 5, key: "report#1", path: "shop/views.py", msg: "runs SQL built with an f-string from request.GET, so",
			files: code("def report(request):\n    with connection.cursor() as c:\n        c.execute(f\"SELECT * FROM t WHERE id = {request.GET['id']}\")\n")},
		{name: "percent formatting through variables", rule: "DJS704", want: 1, msg: "% formatting from request.POST",
			files: code("def upload(request):\n    name = request.POST.get('name', False)\n    curs = connection.cursor()\n    curs.execute(\"INSERT INTO f (name) VALUES ('%s')\" % (name,))\n")},
		{name: "format call", rule: "DJS704", want: 1, msg: ".format()",
			files: code("def report(request):\n    pk = request.GET.get('pk')\n    connection.cursor().execute(\"SELECT * FROM t WHERE id = {}\".format(pk))\n")},
		{name: "concatenation into raw", rule: "DJS704", want: 1, msg: "string concatenation", key: "login#1",
			files: code("def login(request):\n    name = request.POST.get('name')\n    password = request.POST.get('pass')\n    q = \"SELECT * FROM u WHERE user='\" + name + \"' AND password='\" + password + \"'\"\n    return User.objects.raw(q)\n")},
		{name: "RawSQL with parameters still judges its text", rule: "DJS704", want: 1, msg: "RawSQL()",
			files: code("def annotate(request, qs):\n    col = request.GET['col']\n    return qs.annotate(v=RawSQL(\"SELECT %s FROM t WHERE a = %%s\" % col, [1]))\n")},
		{name: "extra where", rule: "DJS704", want: 1, msg: ".extra()",
			files: code("def search(request, qs):\n    term = request.GET.get('q', '')\n    return qs.extra(where=[f\"name LIKE '%{term}%'\"])\n")},
		{name: "extra where and select bound to names", rule: "DJS704", want: 1, msg: ".extra() runs SQL built with an f-string from request.GET",
			files: code("def search(request, qs):\n    where = [f\"name LIKE '{request.GET['q']}'\"]\n    select = {'n': 'SELECT 1'}\n    return qs.extra(select=select, where=where)\n")},
		{name: "class-based view reads self.request", rule: "DJS704", want: 1, key: "Search.get_queryset#1", msg: "request.query_params",
			files: code("class Search:\n    def get_queryset(self):\n        q = self.request.query_params.get('q')\n        return Order.objects.raw(f\"SELECT * FROM o WHERE q = '{q}'\")\n")},
		{name: "augmented assignment", rule: "DJS704", want: 1, msg: "string concatenation",
			files: code("def report(request):\n    cursor = connection.cursor()\n    sql = \"SELECT * FROM t ORDER BY \"\n    sql += request.GET['order']\n    cursor.execute(sql)\n")},
		{name: "join of a list from the request", rule: "DJS704", want: 1,
			files: code("def report(request, cursor):\n    ids = ','.join(request.GET.getlist('id'))\n    cursor.execute('SELECT * FROM t WHERE id IN (' + ids + ')')\n")},
		{name: "comprehension over request data", rule: "DJS704", want: 1,
			files: code("def report(request, cursor):\n    ids = ','.join([\"'%s'\" % i for i in request.GET.getlist('id')])\n    cursor.execute('SELECT * FROM t WHERE id IN (%s)' % ids)\n")},
		{name: "bound form's cleaned data", rule: "DJS704", want: 1, msg: "request.GET",
			files: code("def report(request, cursor):\n    form = SearchForm(request.GET)\n    if form.is_valid():\n        cursor.execute(\"SELECT * FROM t WHERE name = '%s'\" % form.cleaned_data['name'])\n")},
		{name: "identifier from the request next to parameters", rule: "DJS704", want: 1,
			files: code("def report(request, cursor):\n    cursor.execute(f\"SELECT * FROM t ORDER BY {request.GET['sort']} LIMIT %s\", [10])\n")},
		{name: "request data as the whole query", rule: "DJS704", want: 1, msg: "cursor.execute() runs request.POST as SQL",
			files: code("def console(request, cursor):\n    cursor.execute(request.POST['sql'])\n")},
		{name: "text URL parameter", rule: "DJS704", want: 1, msg: "URL parameter name",
			files: withURLs("    path('by-name/<name>/', views.by_name),\n", "def by_name(request, name):\n    with connection.cursor() as c:\n        c.execute(f\"SELECT * FROM t WHERE name = '{name}'\")\n")},
		{name: "text URL regex group", rule: "DJS704", want: 1, msg: "URL parameter slug",
			files: withURLs("    re_path(r'^p/(?P<slug>[^/]+)/$', views.page),\n", "def page(request, slug):\n    return Page.objects.raw(\"SELECT * FROM p WHERE slug = '%s'\" % slug)\n")},
		{name: "self.kwargs of a text URL parameter", rule: "DJS704", want: 1, msg: "URL parameter code",
			files: withURLs("    path('c/<str:code>/', views.CodeView.as_view()),\n", "class CodeView:\n    def get(self, request, *args, **kwargs):\n        code = self.kwargs['code']\n        return Code.objects.raw('SELECT * FROM c WHERE code = ' + code)\n")},
		{name: "helper called with request data", rule: "DJS704", want: 1, key: "find#1", line: 5, msg: "built with % formatting from the parameter term, which search passes request.GET at shop/views.py:8",
			files: code("def find(term):\n    with connection.cursor() as c:\n        c.execute(\"SELECT * FROM t WHERE name = '%s'\" % term)\n\ndef search(request):\n    return find(request.GET.get('q'))\n")},
		{name: "helper in another module", rule: "DJS704", want: 1, path: "shop/db.py", msg: "which search passes request.GET at shop/views.py:3",
			files: map[string]string{
				"shop/db.py":    imp + "def find(cursor, term):\n    cursor.execute(f\"SELECT * FROM t WHERE name = '{term}'\")\n",
				"shop/views.py": "from .db import find\ndef search(request):\n    find(connection.cursor(), request.GET['q'])\n"}},
		{name: "helper module imported under a name", rule: "DJS704", want: 1, path: "shop/db.py",
			files: map[string]string{
				"shop/db.py":    imp + "def find(cursor, term):\n    cursor.execute(f\"SELECT * FROM t WHERE name = '{term}'\")\n",
				"shop/views.py": "from shop import db as queries\ndef search(request):\n    queries.find(None, term=request.GET['q'])\n"}},
		{name: "two helpers deep", rule: "DJS704", want: 1, key: "find#1", msg: "from the parameter term, which search passes request.GET",
			files: code("def find(term):\n    connection.cursor().execute('SELECT * FROM t WHERE n = ' + term)\n\ndef lookup(value):\n    return find(value.strip())\n\ndef search(request):\n    return lookup(request.GET['q'])\n")},
		{name: "method called on self", rule: "DJS704", want: 1, key: "Report._run#1",
			files: code("class Report:\n    def _run(self, order):\n        connection.cursor().execute('SELECT * FROM t ORDER BY ' + order)\n    def get(self, request):\n        return self._run(request.GET['o'])\n")},
		{name: "helper that returns the SQL", rule: "DJS704", want: 1,
			files: code("def build(term):\n    return \"SELECT * FROM t WHERE n = '%s'\" % term\n\ndef search(request, cursor):\n    cursor.execute(build(request.GET['q']))\n")},
		{name: "request under another name", rule: "DJS704", want: 1, msg: "request.GET",
			files: code("def report(req, cursor):\n    cursor.execute(\"SELECT * FROM t WHERE n = '%s'\" % req.GET['n'])\n")},
		{name: "text URL parameter of a wrapped view", rule: "DJS704", want: 1, msg: "URL parameter name",
			files: withURLs("    path('n/<name>/', login_required(views.by_name)),\n", "def by_name(request, name):\n    connection.cursor().execute('SELECT * FROM t WHERE n = ' + name)\n")},
		{name: "text URL parameter captured before an include", rule: "DJS704", want: 1, msg: "URL parameter org",
			files: withURLs("    path('<str:org>/', include('shop.more_urls')),\n", "def members(request, org):\n    connection.cursor().execute('SELECT * FROM m WHERE org = ' + org)\n")},
		{name: "helper re-exported by its package", rule: "DJS704", want: 1, path: "shop/queries/db.py",
			files: map[string]string{
				"shop/queries/__init__.py": "from .db import find\n",
				"shop/queries/db.py":       imp + "def find(cursor, term):\n    cursor.execute(f\"SELECT * FROM t WHERE name = '{term}'\")\n",
				"shop/views.py":            "from shop.queries import find\ndef search(request):\n    find(None, request.GET['q'])\n"}},
		{name: "helper star-imported", rule: "DJS704", want: 1, path: "shop/db.py",
			files: map[string]string{
				"shop/db.py":    imp + "def find(cursor, term):\n    cursor.execute(f\"SELECT * FROM t WHERE name = '{term}'\")\n",
				"shop/views.py": "from .db import *\ndef search(request):\n    find(None, request.GET['q'])\n"}},
		{name: "ViewSet lookup parameter", rule: "DJS704", want: 1, msg: "URL parameter pk",
			files: code("class OrderViewSet(viewsets.ViewSet):\n    def retrieve(self, request, pk=None):\n        return Order.objects.raw(\"SELECT * FROM o WHERE id = '%s'\" % pk)\n")},
		{name: "ViewSet lookup through self.kwargs", rule: "DJS704", want: 1, msg: "URL parameter slug",
			files: code("class PageViewSet(ModelViewSet):\n    lookup_field = 'slug'\n    def get_queryset(self):\n        return Page.objects.raw(\"SELECT * FROM p WHERE slug = '%s'\" % self.kwargs.get('slug'))\n")},
		{name: "user's own text", rule: "DJS704", want: 1, msg: "request.user.username",
			files: code("def mine(request, cursor):\n    user = request.user\n    cursor.execute(\"SELECT * FROM o WHERE owner = '%s'\" % user.username)\n")},
		{name: "clauses appended to a list", rule: "DJS704", want: 1, msg: "% formatting from request.GET",
			files: code("def search(request, cursor):\n    clauses = []\n    if 'name' in request.GET:\n        clauses.append(\"name = '%s'\" % request.GET['name'])\n    cursor.execute('SELECT * FROM t WHERE ' + ' AND '.join(clauses))\n")},
		{name: "clauses set by key", rule: "DJS704", want: 1,
			files: code("def search(request, cursor):\n    parts = {}\n    parts['order'] = request.GET['o']\n    cursor.execute('SELECT * FROM t ORDER BY %(order)s' % parts)\n")},
		{name: "second call keeps its ordinal", rule: "DJS704", want: 1, key: "report#2",
			files: code("def report(request, cursor):\n    cursor.execute(\"SELECT 1\")\n    cursor.execute(f\"SELECT {request.GET['x']}\")\n")},

		// Values that are not text an attacker chooses.
		{name: "helper without a visible caller", rule: "DJS704", want: 0,
			files: code("def report(cursor, pk):\n    cursor.execute(\"SELECT * FROM t WHERE id = %s\" % pk)\n")},
		{name: "helper called with internal values", rule: "DJS704", want: 0,
			files: code("def drop(name):\n    connection.cursor().execute('DROP SEQUENCE {0};'.format(name))\n\ndef seq_name(project):\n    return 'seq_project{0}'.format(project.pk)\n\ndef on_delete(sender, instance, **kwargs):\n    drop(seq_name(instance))\n")},
		{name: "ids, primary keys and table names", rule: "DJS704", want: 0,
			files: code("def attach(request, queryset):\n    model = queryset.model\n    ct = ContentType.objects.get_for_model(model)\n    sql = 'SELECT count(*) FROM w WHERE w.type_id = {type_id} AND w.object_id = {tbl}.id AND w.user_id = {user_id}'\n    sql = sql.format(type_id=ct.id, tbl=model._meta.db_table, user_id=request.user.id)\n    return queryset.extra(select={'n': sql})\n")},
		{name: "numeric cast", rule: "DJS704", want: 0,
			files: code("def page(request, cursor):\n    n = int(request.GET.get('n', 10))\n    cursor.execute(f\"SELECT * FROM t LIMIT {n}\")\n")},
		{name: "rebound to a number", rule: "DJS704", want: 0,
			files: code("def page(request, cursor):\n    n = request.GET['n']\n    n = int(n)\n    cursor.execute('SELECT * FROM t LIMIT %s' % n)\n")},
		{name: "cast in a try", rule: "DJS704", want: 0,
			files: code("def page(request, cursor):\n    n = request.GET['n']\n    try:\n        n = int(n)\n    except ValueError:\n        return None\n    cursor.execute('SELECT * FROM t LIMIT %s' % n)\n")},
		{name: "cast in one branch only", rule: "DJS704", want: 1,
			files: code("def page(request, cursor):\n    n = request.GET['n']\n    if n.isdigit():\n        n = int(n)\n    cursor.execute('SELECT * FROM t LIMIT %s' % n)\n")},
		{name: "numeric formatting", rule: "DJS704", want: 0,
			files: code("def page(request, cursor):\n    cursor.execute(\"SELECT * FROM t LIMIT %d\" % request.GET['n'])\n")},
		{name: "length of request data", rule: "DJS704", want: 0,
			files: code("def page(request, cursor):\n    cursor.execute(f\"SELECT {len(request.GET)}\")\n")},
		{name: "quoted identifier", rule: "DJS704", want: 0,
			files: code("def count(request):\n    table = connection.ops.quote_name(request.GET['t'])\n    with connection.cursor() as cursor:\n        cursor.execute(\"SELECT COUNT(*) FROM %s\" % table)\n")},
		{name: "psycopg composition", rule: "DJS704", want: 0,
			files: code("from psycopg2 import sql\ndef count(request, cursor):\n    cursor.execute(sql.SQL('SELECT * FROM {}').format(sql.Identifier(request.GET['t'])))\n")},
		{name: "parameters passed", rule: "DJS704", want: 0,
			files: code("def report(request, cursor):\n    cursor.execute(\"SELECT * FROM t WHERE id = %s\", [request.GET['id']])\n")},
		{name: "raw with params keyword", rule: "DJS704", want: 0,
			files: code("def f(request):\n    return Order.objects.raw(\"SELECT * FROM o WHERE q = %s\", params=[request.GET['q']])\n")},
		{name: "constant table name", rule: "DJS704", want: 0,
			files: code("TABLE = \"shop_order\"\ndef count(request, cursor):\n    cursor.execute(f\"SELECT COUNT(*) FROM {TABLE} WHERE a = %s\", [request.GET['a']])\n")},
		{name: "constant branches", rule: "DJS704", want: 0,
			files: code("def tz(request, cursor):\n    cursor.execute(\"SET A = 1\" + (\" TZ = 'UTC'\" if request.GET.get('utc') else \"\"))\n")},
		{name: "row from the database", rule: "DJS704", want: 0,
			files: code("def show(request, cursor):\n    obj = Order.objects.get(pk=request.GET['id'])\n    cursor.execute(f\"SELECT * FROM {obj.table_name}\")\n")},
		{name: "session value", rule: "DJS704", want: 0,
			files: code("def show(request, cursor):\n    cursor.execute(f\"SET search_path TO {request.session['schema']}\")\n")},
		{name: "integer URL parameter", rule: "DJS704", want: 0,
			files: withURLs("    path('o/<int:pk>/', views.show),\n", "def show(request, pk):\n    connection.cursor().execute(f\"SELECT * FROM o WHERE id = {pk}\")\n")},
		{name: "digits URL regex group", rule: "DJS704", want: 0,
			files: withURLs("    re_path(r'^(?P<project_id>\\d+)/upload/$', views.upload),\n", "def upload(request, project_id):\n    connection.cursor().execute(\"SELECT * FROM p WHERE id = %s\" % project_id)\n")},
		{name: "text URL parameter of another view", rule: "DJS704", want: 0,
			files: withURLs("    path('n/<name>/', views.by_name),\n", "def by_name(request, name):\n    return name\n\ndef render_table(request, name):\n    connection.cursor().execute('SELECT * FROM ' + name)\n\ndef home(request):\n    return render_table(request, 'shop_order')\n")},
		{name: "URL parameter of a view nobody routes", rule: "DJS704", want: 0,
			files: code("def detail(request, slug):\n    connection.cursor().execute(f\"SELECT * FROM p WHERE slug = '{slug}'\")\n")},
		{name: "ViewSet lookup restricted to digits", rule: "DJS704", want: 0,
			files: code("class OrderViewSet(viewsets.ViewSet):\n    lookup_value_regex = r'[0-9]+'\n    def retrieve(self, request, pk=None):\n        return Order.objects.raw(\"SELECT * FROM o WHERE id = %s\" % pk)\n")},
		{name: "what middleware sets on the request", rule: "DJS704", want: 0,
			files: code("def home(request, cursor):\n    cursor.execute(f\"SET search_path TO {request.tenant.schema_name}\")\n    cursor.execute('SET lang = ' + request.LANGUAGE_CODE)\n")},
		{name: "task context named request", rule: "DJS704", want: 0,
			files: code("class Cleanup(Task):\n    def run(self, cursor):\n        cursor.execute(f\"DELETE FROM jobs WHERE task = '{self.request.id}' AND a = '{self.request.args}'\")\n")},
		{name: "kwargs of a class that is no view", rule: "DJS704", want: 0,
			files: code("class Exporter:\n    def run(self, cursor):\n        cursor.execute('SELECT * FROM ' + self.kwargs['table'])\n")},
		{name: "extra fragments from constants passed to a helper", rule: "DJS704", want: 0,
			files: code("def _by_query(qs, tsquery, tsvector, text):\n    select = {'rank': 'ts_rank({v},{q})'.format(q=tsquery, v=tsvector)}\n    where = ['{v} @@ {q}'.format(q=tsquery, v=tsvector)]\n    return qs.extra(select=select, where=where, params=[text], select_params=[text])\n\ndef _items(qs, table, text):\n    return _by_query(qs, \"to_tsquery('simple', %s)\", \"to_tsvector({table}.subject)\".format(table=table), text)\n\ndef search(request, qs):\n    return _items(qs, 'shop_item', request.GET['q'])\n")},
		{name: "stored data hanging off the user", rule: "DJS704", want: 0,
			files: code("def mine(request, cursor):\n    cursor.execute('SET search_path TO ' + request.user.profile.schema)\n")},
		{name: "request and user passed whole to a helper", rule: "DJS704", want: 0,
			files: code("def use_schema(user, req):\n    connection.cursor().execute('SET search_path TO ' + user.profile.schema + req.tenant.name)\n\ndef home(request):\n    use_schema(request.user, request)\n")},
		{name: "placeholders appended, values passed", rule: "DJS704", want: 0,
			files: code("def search(request, cursor):\n    clauses, params = [], []\n    for key in ('name', 'city'):\n        if key in request.GET:\n            clauses.append(key + ' = %s')\n            params.append(request.GET[key])\n    cursor.execute('SELECT * FROM t WHERE ' + ' AND '.join(clauses), params)\n")},
		{name: "same name in a module not imported", rule: "DJS704", want: 0,
			files: map[string]string{
				"shop/db.py":       imp + "def find(cursor, term):\n    cursor.execute(f\"SELECT * FROM t WHERE name = '{term}'\")\n",
				"blog/views.py":    "from blog.lookup import find\ndef search(request):\n    find(None, request.GET['q'])\n",
				"blog/lookup.py":   "def find(cursor, term):\n    return term\n",
				"shop/__init__.py": ""}},
		{name: "execute on something else", rule: "DJS704", want: 0,
			files: code("def run(request, schema):\n    schema.execute(f\"{{ user(id: {request.GET['q']}) {{ name }} }}\")\n")},
		{name: "splat arguments", rule: "DJS704", want: 0,
			files: code("def run(request, cursor, *args):\n    cursor.execute(f\"SELECT {request.GET['x']}\", *args)\n")},
		{name: "test module", rule: "DJS704", want: 0,
			files: map[string]string{"shop/test_reports.py": imp + "def t(request, cursor):\n    cursor.execute(f\"SELECT {request.GET['x']}\")\n"}},
		{name: "migration", rule: "DJS704", want: 0,
			files: map[string]string{"shop/migrations/0002_data.py": imp + "def t(request, cursor):\n    cursor.execute(f\"SELECT {request.GET['x']}\")\n"}},
	})
}

func TestSQLNumericFormat(t *testing.T) {
	t.Parallel()
	for format, want := range map[string]bool{
		`'%d'`: true, `"LIMIT %d OFFSET %d"`: true, `"%(n)05.2f%%"`: true,
		`"%s"`: false, `"%d %s"`: false, `"%(name)s"`: false, `"no conversions"`: false, `"%r"`: false,
	} {
		if got := sqlNumericFormat(format); got != want {
			t.Errorf("sqlNumericFormat(%s) = %v, want %v", format, got, want)
		}
	}
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
