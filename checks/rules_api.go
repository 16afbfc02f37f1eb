package checks

import (
	"bytes"
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/djsec/djsec/checks/pysrc"
	"github.com/djsec/djsec/checks/settings"
	"github.com/djsec/djsec/internal/lazyre"
)

// Rules about who may call the API and what it accepts (RULES.md §7):
// Django REST framework's defaults, views that opt out of authentication
// and request-size limits. SQL built from request data (DJS704, the same
// section) is rules_rawsql.go, over the taint engine in sqltaint.go.
var (
	ruleDRFDefaultAllowAny = &Rule{
		ID: "DJS701", Slug: "drf-default-allow-any", Severity: High, Where: "S", Section: 7,
		Title:     "DRF lets anyone call the API by default",
		FiresWhen: "DRF installed and DEFAULT_PERMISSION_CLASSES absent (DRF's default is AllowAny) or AllowAny",
		Doc: "Django REST framework checks `REST_FRAMEWORK[\"DEFAULT_PERMISSION_CLASSES\"]` for every view " +
			"that does not set its own `permission_classes`, and the built-in default is " +
			"`rest_framework.permissions.AllowAny`. A project that never sets it serves every such " +
			"endpoint to anonymous callers, and a view added later is public unless its author " +
			"remembers to lock it. Failing closed (authenticated by default, public by exception) " +
			"keeps a forgotten view private.\n\n" +
			"DRF requires every listed class to grant access, so `AllowAny` next to another class " +
			"changes nothing; djsec fires when the list is empty or holds only `AllowAny`. It stays " +
			"silent when `REST_FRAMEWORK` is built in a way it cannot read.",
		Fix: "Require authentication by default and open individual views on purpose:\n\n" +
			"```python\nREST_FRAMEWORK = {\n    \"DEFAULT_PERMISSION_CLASSES\": [\n" +
			"        \"rest_framework.permissions.IsAuthenticated\",\n    ],\n}\n```\n\n" +
			"Then give public views (sign-up, login) `permission_classes = [AllowAny]` explicitly.",
	}
	ruleDRFThrottlingMissing = &Rule{
		ID: "DJS702", Slug: "drf-throttling-missing", Severity: High, Where: "S", Section: 7,
		Title:     "DRF API has no rate limiting",
		FiresWhen: "DRF installed without DEFAULT_THROTTLE_CLASSES and matching DEFAULT_THROTTLE_RATES",
		Doc: "Without throttling an API answers as fast as a client can ask: credential stuffing, " +
			"scraping and expensive queries cost an attacker nothing. DRF ships no throttle by default " +
			"(`DEFAULT_THROTTLE_CLASSES = []`), and each throttle class needs a rate for its scope in " +
			"`DEFAULT_THROTTLE_RATES` (`anon` for `AnonRateThrottle`, `user` for `UserRateThrottle`): " +
			"a rate of `None` turns the throttle off, a missing scope raises `ImproperlyConfigured` on " +
			"the first request, and a rate string is `\"<number>/<period>\"` where only the first " +
			"letter of the period counts (`s`, `m`, `h`, `d`), so `\"5/15m\"` is invalid.\n\n" +
			"`ScopedRateThrottle` and custom classes take their scopes from views, which djsec does not " +
			"follow; they are accepted as they are.",
		Fix: "Throttle anonymous and authenticated clients by default:\n\n" +
			"```python\nREST_FRAMEWORK = {\n    \"DEFAULT_THROTTLE_CLASSES\": [\n" +
			"        \"rest_framework.throttling.AnonRateThrottle\",\n" +
			"        \"rest_framework.throttling.UserRateThrottle\",\n    ],\n" +
			"    \"DEFAULT_THROTTLE_RATES\": {\"anon\": \"100/hour\", \"user\": \"1000/hour\"},\n}\n```\n\n" +
			"Behind a proxy, set `NUM_PROXIES` too, or every client shares the proxy's address.",
		Fixable: true,
	}
	ruleViewAllowAny = &Rule{
		ID: "DJS703", Slug: "view-allow-any", Severity: Medium, Where: "C", Section: 7, PROnly: true,
		Title:     "API view opts out of permissions or authentication",
		FiresWhen: "a changed view sets `permission_classes` to AllowAny or `authentication_classes` to empty",
		Doc: "`permission_classes = [AllowAny]` (as a class attribute, through `@permission_classes`, " +
			"or `@action(permission_classes=...)`) makes a DRF view public whatever the project's " +
			"default says; `authentication_classes = []` makes every caller anonymous (and skips the " +
			"CSRF check `SessionAuthentication` enforces). Both are right for a login or webhook " +
			"endpoint and wrong anywhere else, so each one deserves a reviewer's look when it " +
			"changes. It runs on pull requests, where a new or changed opt-out is news; a " +
			"whole-repository audit leaves long-standing public endpoints alone (DJS701 judges " +
			"the project's default).\n\n" +
			"djsec reads Python files that import from `rest_framework`, outside tests and " +
			"migrations. A list that holds another class besides `AllowAny` is not reported: DRF " +
			"requires every class to grant access. An empty `authentication_classes` is not reported " +
			"when the same view sets restrictive `permission_classes`.",
		Fix: "Remove the override so the project default applies, or require what the endpoint needs:\n\n" +
			"```python\nclass InvoiceView(APIView):\n    permission_classes = [IsAuthenticated]\n```\n\n" +
			"For an endpoint that is public on purpose, keep it and suppress the finding with a reason: " +
			"`# djsec: ignore[DJS703] public sign-up endpoint`.",
	}
	ruleUploadLimitsOff = &Rule{
		ID: "DJS705", Slug: "upload-limits-off", Severity: Medium, Where: "S", Section: 7,
		Title:     "Request size limits disabled",
		FiresWhen: "DATA_UPLOAD_MAX_MEMORY_SIZE, DATA_UPLOAD_MAX_NUMBER_FIELDS or FILE_UPLOAD_MAX_MEMORY_SIZE set to None or above *50 MB*",
		Doc: "Django caps what one request may make it hold in memory: `DATA_UPLOAD_MAX_MEMORY_SIZE` " +
			"(2.5 MB of body outside file uploads), `DATA_UPLOAD_MAX_NUMBER_FIELDS` (1000 fields) and " +
			"`FILE_UPLOAD_MAX_MEMORY_SIZE` (2.5 MB of an upload kept in memory before it spills to a " +
			"temporary file). `None` removes the first two checks; very large values make a handful " +
			"of requests enough to exhaust the workers' memory.\n\n" +
			"The byte sizes are judged against the `upload_max_mb` threshold (50 MB by default). " +
			"`DATA_UPLOAD_MAX_NUMBER_FIELDS` counts fields, not bytes: djsec reports `None` and " +
			"values above 100,000 (a hundred times Django's default, where the check no longer " +
			"protects anything).",
		Fix: "Keep Django's defaults, or raise them only as far as a real form needs:\n\n" +
			"```python\nDATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024  # 5 MB\n" +
			"DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000\nFILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024\n```\n\n" +
			"Limit upload sizes at the proxy too (`client_max_body_size` in nginx).",
	}
)

func init() {
	ruleDRFDefaultAllowAny.Check = checkDRFDefaultAllowAny
	ruleDRFThrottlingMissing.Check = checkDRFThrottling
	ruleViewAllowAny.Check = checkViewAllowAny
	ruleUploadLimitsOff.Check = checkUploadLimits
	register(ruleDRFDefaultAllowAny, ruleDRFThrottlingMissing, ruleViewAllowAny, ruleUploadLimitsOff)
}

const (
	drfAllowAny      = "rest_framework.permissions.AllowAny"
	drfAnonThrottle  = "rest_framework.throttling.AnonRateThrottle"
	drfUserThrottle  = "rest_framework.throttling.UserRateThrottle"
	drfSettingPrefix = "REST_FRAMEWORK."
)

// apiInstalledApp finds app in INSTALLED_APPS, by its module or by an
// AppConfig path under it, and returns the list item. known is false when
// the list is unknown or holds an item djsec cannot read, so that an absent
// app is not proof of absence.
func apiInstalledApp(p *Project, m *settings.Model, app string) (item *settings.Value, known bool) {
	apps, _ := p.Get(m, "INSTALLED_APPS")
	if !apps.Known() || !apps.IsSequence() {
		// A list known only in part still proves what every branch holds.
		for _, it := range apps.Certain() {
			if it != nil && it.Kind == settings.Str && (it.Str == app || strings.HasPrefix(it.Str, app+".apps.")) {
				return it, true
			}
		}
		return nil, false
	}
	known = true
	for _, it := range apps.Items {
		if it == nil || it.Kind != settings.Str {
			known = false
			continue
		}
		if it.Str == app || strings.HasPrefix(it.Str, app+".apps.") {
			return it, true
		}
	}
	return nil, known
}

// apiPos is where a value was written, or fallback when the evaluator did
// not record it.
func apiPos(v *settings.Value, fallback settings.Pos) settings.Pos {
	if v != nil && v.Pos.Path != "" && v.Pos.Line > 0 {
		return v.Pos
	}
	return fallback
}

// apiSettingPos is where m set name (the zero Pos when unset).
func apiSettingPos(m *settings.Model, name string) settings.Pos {
	if s, ok := m.Lookup(name); ok {
		return s.Pos
	}
	return settings.Pos{}
}

// drfSettings returns REST_FRAMEWORK for a module that installs DRF. ok is
// false when DRF is not (known to be) installed or REST_FRAMEWORK cannot be
// read; rf is nil when the module does not set it. at is where a finding
// about a missing key belongs.
func drfSettings(p *Project, m *settings.Model) (rf *settings.Value, at settings.Pos, ok bool) {
	app, _ := apiInstalledApp(p, m, "rest_framework")
	if app == nil {
		return nil, settings.Pos{}, false
	}
	rf, set := p.Get(m, "REST_FRAMEWORK")
	if !set {
		if rf != nil {
			return nil, settings.Pos{}, false // unset in an opaque model
		}
		if !drfUsedByProjectCode(p) {
			// Installed for a package's own API (a CMS's read-only
			// endpoints), configured by that package: no view of the
			// project's relies on DRF's defaults that djsec can see.
			return nil, settings.Pos{}, false
		}
		return nil, apiPos(app, apiSettingPos(m, "INSTALLED_APPS")), true
	}
	if !rf.Known() || rf.Kind != settings.Dict {
		return nil, settings.Pos{}, false
	}
	return rf, apiSettingPos(m, "REST_FRAMEWORK"), true
}

// drfImportRE is an import of Django REST framework in Python code.
var drfImportRE = lazyre.New(`(?m)^\s*(?:from\s+rest_framework(?:\.[\w.]+)?\s+import\b|import\s+rest_framework\b)`)

// drfUsedByProjectCode reports whether the project's own code (not its
// settings) imports Django REST framework: views, serializers, routers.
func drfUsedByProjectCode(p *Project) bool {
	for _, fp := range apiCodeFiles(p) {
		if drfImportRE().Match(p.Files[fp]) {
			return true
		}
	}
	return false
}

func checkDRFDefaultAllowAny(p *Project, r *Reporter) {
	const key = drfSettingPrefix + "DEFAULT_PERMISSION_CLASSES"
	for _, m := range p.Settings {
		rf, at, ok := drfSettings(p, m)
		if !ok {
			continue
		}
		if rf == nil {
			r.Emit(ruleDRFDefaultAllowAny, m, at, key, "Django REST framework is installed but REST_FRAMEWORK is not set, so DEFAULT_PERMISSION_CLASSES is DRF's default AllowAny and every view without its own permission_classes is open to anonymous callers: set REST_FRAMEWORK = {\"DEFAULT_PERMISSION_CLASSES\": [\"rest_framework.permissions.IsAuthenticated\"]}")
			continue
		}
		perms := rf.Get("DEFAULT_PERMISSION_CLASSES")
		if perms == nil {
			if rf.HasUnknownKeys() {
				continue
			}
			r.Emit(ruleDRFDefaultAllowAny, m, at, key, "REST_FRAMEWORK has no DEFAULT_PERMISSION_CLASSES, so DRF's default AllowAny opens every view without its own permission_classes to anonymous callers: add \"DEFAULT_PERMISSION_CLASSES\": [\"rest_framework.permissions.IsAuthenticated\"]")
			continue
		}
		classes, known := perms.Strings()
		if !known {
			continue
		}
		pos := apiPos(perms, at)
		switch {
		case len(classes) == 0:
			r.Emit(ruleDRFDefaultAllowAny, m, pos, key, "REST_FRAMEWORK DEFAULT_PERMISSION_CLASSES is empty, so DRF checks no permission and every view without its own permission_classes is open to anonymous callers: use [\"rest_framework.permissions.IsAuthenticated\"]")
		case apiAllSame(classes, drfAllowAny):
			r.Emit(ruleDRFDefaultAllowAny, m, pos, key, "REST_FRAMEWORK DEFAULT_PERMISSION_CLASSES is AllowAny, so every view without its own permission_classes is open to anonymous callers: use [\"rest_framework.permissions.IsAuthenticated\"] and open public views one by one")
		}
	}
}

func apiAllSame(list []string, s string) bool {
	for _, x := range list {
		if x != s {
			return false
		}
	}
	return len(list) > 0
}

// drfThrottleScope is the rate scope of DRF's built-in throttles; ok is
// false for classes whose scope djsec cannot know (ScopedRateThrottle takes
// it from each view, custom classes from their code).
func drfThrottleScope(class string) (scope string, ok bool) {
	switch class {
	case drfAnonThrottle:
		return "anon", true
	case drfUserThrottle:
		return "user", true
	}
	return "", false
}

// drfRateValid mirrors SimpleRateThrottle.parse_rate: "<int>/<period>",
// where only the period's first character counts.
func drfRateValid(rate string) bool {
	num, period, found := strings.Cut(rate, "/")
	if !found || strings.Contains(period, "/") || period == "" {
		return false
	}
	num = strings.ReplaceAll(strings.TrimSpace(num), "_", "")
	if _, err := strconv.ParseInt(num, 10, 64); err != nil {
		return false
	}
	return strings.ContainsRune("smhd", rune(period[0]))
}

func checkDRFThrottling(p *Project, r *Reporter) {
	const classesKey = drfSettingPrefix + "DEFAULT_THROTTLE_CLASSES"
	for _, m := range p.Settings {
		rf, at, ok := drfSettings(p, m)
		if !ok {
			continue
		}
		if rf == nil {
			r.Emit(ruleDRFThrottlingMissing, m, at, classesKey, "Django REST framework is installed but REST_FRAMEWORK is not set, so the API has no rate limiting: set DEFAULT_THROTTLE_CLASSES (AnonRateThrottle, UserRateThrottle) and DEFAULT_THROTTLE_RATES such as {\"anon\": \"100/hour\", \"user\": \"1000/hour\"}")
			continue
		}
		classes := rf.Get("DEFAULT_THROTTLE_CLASSES")
		if classes == nil {
			if !rf.HasUnknownKeys() {
				r.Emit(ruleDRFThrottlingMissing, m, at, classesKey, "REST_FRAMEWORK has no DEFAULT_THROTTLE_CLASSES, so the API has no rate limiting: add AnonRateThrottle and UserRateThrottle with DEFAULT_THROTTLE_RATES such as {\"anon\": \"100/hour\", \"user\": \"1000/hour\"}")
			}
			continue
		}
		if !classes.Known() || !classes.IsSequence() {
			continue
		}
		if len(classes.Items) == 0 {
			r.Emit(ruleDRFThrottlingMissing, m, apiPos(classes, at), classesKey, "REST_FRAMEWORK DEFAULT_THROTTLE_CLASSES is empty, so the API has no rate limiting: add AnonRateThrottle and UserRateThrottle with DEFAULT_THROTTLE_RATES such as {\"anon\": \"100/hour\", \"user\": \"1000/hour\"}")
			continue
		}
		rates := rf.Get("DEFAULT_THROTTLE_RATES")
		if rates == nil && rf.HasUnknownKeys() || rates != nil && (!rates.Known() || rates.Kind != settings.Dict) {
			continue
		}
		seen := map[string]bool{}
		for _, c := range classes.Items {
			if c == nil || c.Kind != settings.Str {
				continue
			}
			scope, ok := drfThrottleScope(c.Str)
			if !ok || seen[scope] {
				continue
			}
			seen[scope] = true
			key := drfSettingPrefix + "DEFAULT_THROTTLE_RATES." + scope
			class := c.Str[strings.LastIndexByte(c.Str, '.')+1:]
			if rates == nil {
				r.Emit(ruleDRFThrottlingMissing, m, apiPos(c, at), key, fmt.Sprintf("%s is enabled but REST_FRAMEWORK has no DEFAULT_THROTTLE_RATES, so its %q rate is DRF's default None and it throttles nothing: add \"DEFAULT_THROTTLE_RATES\": {%q: \"100/hour\"}", class, scope, scope))
				continue
			}
			rate := rates.Get(scope)
			switch {
			case rate == nil:
				if rates.HasUnknownKeys() {
					continue
				}
				r.Emit(ruleDRFThrottlingMissing, m, apiPos(rates, at), key, fmt.Sprintf("%s is enabled but DEFAULT_THROTTLE_RATES has no %q rate, so DRF raises ImproperlyConfigured on the first throttled request: add %q: \"100/hour\"", class, scope, scope))
			case !rate.Known():
			case rate.Kind == settings.None:
				r.Emit(ruleDRFThrottlingMissing, m, apiPos(rate, at), key, fmt.Sprintf("DEFAULT_THROTTLE_RATES[%q] is None%s, which turns %s off: set a rate such as \"100/hour\"", scope, apiEnvNote(rate), class))
			case rate.Kind != settings.Str || !drfRateValid(rate.Str):
				r.Emit(ruleDRFThrottlingMissing, m, apiPos(rate, at), key, fmt.Sprintf("DEFAULT_THROTTLE_RATES[%q] is %s%s, not a DRF rate (\"<number>/<period>\", the period's first letter s, m, h or d), so throttled requests fail: use a rate such as \"100/hour\"", scope, rate.String(), apiEnvNote(rate)))
			}
		}
	}
}

// apiEnvNote explains that a value is an environment read's default.
func apiEnvNote(v *settings.Value) string {
	if v == nil || v.Env == nil || v.Env.Var == "" {
		return ""
	}
	return " (the default used when " + v.Env.Var + " is unset)"
}

// Upload limits.

// uploadMaxFields is the DATA_UPLOAD_MAX_NUMBER_FIELDS value above which the
// limit protects nothing: a hundred times Django's default of 1000.
const uploadMaxFields = 100000

func checkUploadLimits(p *Project, r *Reporter) {
	maxBytes := float64(p.Config.Thresholds.UploadMaxMB) * 1024 * 1024
	for _, m := range p.Settings {
		for _, name := range []string{"DATA_UPLOAD_MAX_MEMORY_SIZE", "DATA_UPLOAD_MAX_NUMBER_FIELDS", "FILE_UPLOAD_MAX_MEMORY_SIZE"} {
			v, set := p.Get(m, name)
			if !set || !v.Known() {
				continue
			}
			fields := name == "DATA_UPLOAD_MAX_NUMBER_FIELDS"
			var n float64
			switch v.Kind {
			case settings.None:
				if name == "FILE_UPLOAD_MAX_MEMORY_SIZE" {
					r.AtSetting(ruleUploadLimitsOff, m, name, "FILE_UPLOAD_MAX_MEMORY_SIZE is None"+apiEnvNote(v)+", which Django cannot compare with an upload's size: set a byte count such as 2621440 (2.5 MB)")
					continue
				}
				what := "request body size"
				if fields {
					what = "number of form fields"
				}
				r.AtSetting(ruleUploadLimitsOff, m, name, fmt.Sprintf("%s is None%s, which removes Django's limit on the %s, so one request can exhaust a worker's memory: remove it to keep Django's default or set a limit", name, apiEnvNote(v), what))
				continue
			case settings.Int:
				n = float64(v.Int)
			case settings.Float:
				n = v.Float
			default:
				continue
			}
			if fields {
				if n > uploadMaxFields {
					r.AtSetting(ruleUploadLimitsOff, m, name, fmt.Sprintf("DATA_UPLOAD_MAX_NUMBER_FIELDS is %s%s, so one request may send that many fields to parse: keep Django's default of 1000 or the smallest count your largest form needs", v.String(), apiEnvNote(v)))
				}
				continue
			}
			if n > maxBytes {
				r.AtSetting(ruleUploadLimitsOff, m, name, fmt.Sprintf("%s is %s bytes (%.0f MB)%s, above the %d MB limit, so a few requests can exhaust a worker's memory: keep Django's default of 2621440 (2.5 MB) or the smallest size your uploads need", name, v.String(), n/(1024*1024), apiEnvNote(v), p.Config.Thresholds.UploadMaxMB))
			}
		}
	}
}

// Code rules: views and SQL in the repository's Python files.

// apiCodeFiles lists, in order, the Python files the code rules read: the
// project's own modules, not tests or migrations.
func apiCodeFiles(p *Project) []string {
	var out []string
	for _, fp := range p.Paths() {
		if !strings.HasSuffix(fp, ".py") {
			continue
		}
		base := path.Base(fp)
		if apiTestFile(base) {
			continue
		}
		skip := false
		for _, d := range strings.Split(path.Dir(fp), "/") {
			if d == "tests" || d == "test" || SkippedDir(d) {
				skip = true
				break
			}
		}
		if !skip {
			out = append(out, fp)
		}
	}
	return out
}

// apiTestFile matches pytest and unittest modules by name; their views and
// SQL never serve a request.
func apiTestFile(base string) bool {
	return strings.HasPrefix(base, "test_") || strings.HasSuffix(base, "_test.py") || strings.HasSuffix(base, "_tests.py") ||
		base == "tests.py" || base == "test.py" || base == "conftest.py"
}

// apiParse parses a Python file for a code rule, or returns nil for one
// that is binary or too large: such a file is no view, and judging it would
// be a guess.
func apiParse(src []byte) *pysrc.File {
	f, err := pysrc.Parse(src)
	if err != nil {
		return nil
	}
	return f
}

// apiImportsDRF reports an import of rest_framework (or a submodule)
// anywhere in the file.
func apiImportsDRF(f *pysrc.File) bool {
	found := false
	pysrc.Walk(f.Root, func(n *pysrc.Node) bool {
		if found {
			return false
		}
		switch n.Kind() {
		case "import_statement", "import_from_statement":
			for _, c := range pysrc.Named(n) {
				name := c
				if c.Kind() == "aliased_import" {
					name = c.ChildByFieldName("name")
				}
				t := f.Text(name)
				if t == "rest_framework" || strings.HasPrefix(t, "rest_framework.") {
					found = true
				}
				if n.Kind() == "import_from_statement" {
					break // only the module name counts
				}
			}
			return false
		}
		return true
	})
	return found
}

// apiScope tracks the qualified name of the class or function a node sits in.
type apiScope []string

func (s apiScope) String() string {
	if len(s) == 0 {
		return "<module>"
	}
	return strings.Join(s, ".")
}

// apiDefinition unwraps a class or function definition (through a
// decorated_definition) and returns its name.
func apiDefinition(f *pysrc.File, n *pysrc.Node) (def *pysrc.Node, name string) {
	if n.Kind() == "decorated_definition" {
		n = n.ChildByFieldName("definition")
	}
	if n == nil {
		return nil, ""
	}
	switch n.Kind() {
	case "class_definition", "function_definition":
		return n, f.Text(n.ChildByFieldName("name"))
	}
	return nil, ""
}

// apiIsAllowAny reports an expression naming DRF's AllowAny, or an OR
// composition with it (AllowAny | IsAdminUser grants everyone).
func apiIsAllowAny(f *pysrc.File, n *pysrc.Node) bool {
	if n == nil {
		return false
	}
	switch n.Kind() {
	case "identifier":
		return f.Text(n) == "AllowAny"
	case "attribute":
		return f.Text(n.ChildByFieldName("attribute")) == "AllowAny"
	case "parenthesized_expression":
		if in := pysrc.Named(n); len(in) == 1 {
			return apiIsAllowAny(f, in[0])
		}
	case "binary_operator":
		if op := n.ChildByFieldName("operator"); op != nil && f.Text(op) == "|" {
			return apiIsAllowAny(f, n.ChildByFieldName("left")) || apiIsAllowAny(f, n.ChildByFieldName("right"))
		}
	}
	return false
}

// apiClassList classifies a permission_classes/authentication_classes
// value: a list or tuple literal, empty or holding only AllowAny.
func apiClassList(f *pysrc.File, n *pysrc.Node) (isList, empty, allowAny bool) {
	if n == nil || (n.Kind() != "list" && n.Kind() != "tuple") {
		return false, false, false
	}
	items := pysrc.Named(n)
	if len(items) == 0 {
		return true, true, false
	}
	for _, it := range items {
		if !apiIsAllowAny(f, it) {
			return true, false, false
		}
	}
	return true, false, true
}

func checkViewAllowAny(p *Project, r *Reporter) {
	for _, fp := range apiCodeFiles(p) {
		src := p.Files[fp]
		if !bytes.Contains(src, []byte("rest_framework")) ||
			!bytes.Contains(src, []byte("AllowAny")) && !bytes.Contains(src, []byte("authentication_classes")) {
			continue
		}
		f := apiParse(src)
		if f == nil {
			continue
		}
		if apiImportsDRF(f) {
			apiViewsIn(f, fp, r, f.Root, nil)
		}
		f.Close()
	}
}

// apiViewsIn reports AllowAny and empty authentication overrides in the
// classes and functions under n.
func apiViewsIn(f *pysrc.File, fp string, r *Reporter, n *pysrc.Node, scope apiScope) {
	for _, st := range pysrc.Named(n) {
		def, name := apiDefinition(f, st)
		if def == nil {
			if st.Kind() == "if_statement" || st.Kind() == "try_statement" || st.Kind() == "block" ||
				st.Kind() == "else_clause" || st.Kind() == "elif_clause" || st.Kind() == "except_clause" || st.Kind() == "finally_clause" {
				apiViewsIn(f, fp, r, st, scope)
			}
			continue
		}
		inner := append(append(apiScope(nil), scope...), name)
		if st.Kind() == "decorated_definition" {
			apiDecorators(f, fp, r, st, inner)
		}
		if def.Kind() == "class_definition" {
			apiClassBody(f, fp, r, def.ChildByFieldName("body"), inner)
		}
		apiViewsIn(f, fp, r, def.ChildByFieldName("body"), inner)
	}
}

// apiClassBody reads a class's own permission_classes and
// authentication_classes attributes.
func apiClassBody(f *pysrc.File, fp string, r *Reporter, body *pysrc.Node, scope apiScope) {
	var perm, auth *pysrc.Node
	permRestrictive := false
	for _, st := range pysrc.Named(body) {
		if st.Kind() != "expression_statement" {
			continue
		}
		a := pysrc.Named(st)
		if len(a) != 1 || a[0].Kind() != "assignment" {
			continue
		}
		left, right := a[0].ChildByFieldName("left"), a[0].ChildByFieldName("right")
		if left == nil || right == nil || left.Kind() != "identifier" {
			continue
		}
		isList, empty, allowAny := apiClassList(f, right)
		switch f.Text(left) {
		case "permission_classes":
			perm, permRestrictive = nil, false
			if allowAny {
				perm = st
			} else if isList && !empty {
				permRestrictive = true
			}
		case "authentication_classes":
			auth = nil
			if empty {
				auth = st
			}
		}
	}
	pos := func(n *pysrc.Node) settings.Pos { return settings.Pos{Path: fp, Pos: pysrc.PosOf(n)} }
	if perm != nil {
		r.Emit(ruleViewAllowAny, nil, pos(perm), scope.String()+".permission_classes", fmt.Sprintf("%s sets permission_classes to AllowAny, so anyone, signed in or not, can call it: require a permission such as IsAuthenticated, or suppress this finding with the reason the endpoint is public", scope))
		return
	}
	if auth != nil && !permRestrictive {
		r.Emit(ruleViewAllowAny, nil, pos(auth), scope.String()+".authentication_classes", fmt.Sprintf("%s sets authentication_classes to empty, so every caller is anonymous and SessionAuthentication's CSRF check is skipped: remove the override, or pair it with permission_classes that do not depend on the user", scope))
	}
}

// apiDecorators reads @permission_classes([...]), @authentication_classes([])
// and permission_classes=/authentication_classes= keyword arguments of any
// decorator (@action, @api_view-style wrappers).
func apiDecorators(f *pysrc.File, fp string, r *Reporter, dd *pysrc.Node, scope apiScope) {
	var perm, auth *pysrc.Node
	permRestrictive := false
	for _, d := range pysrc.Named(dd) {
		if d.Kind() != "decorator" {
			continue
		}
		in := pysrc.Named(d)
		if len(in) != 1 || in[0].Kind() != "call" {
			continue
		}
		call := in[0]
		fn := call.ChildByFieldName("function")
		fname := f.Text(fn)
		if fn != nil && fn.Kind() == "attribute" {
			fname = f.Text(fn.ChildByFieldName("attribute"))
		}
		judge := func(kind string, arg *pysrc.Node) {
			isList, empty, allowAny := apiClassList(f, arg)
			switch kind {
			case "permission_classes":
				if allowAny {
					perm = d
				} else if isList && !empty {
					permRestrictive = true
				}
			case "authentication_classes":
				if empty {
					auth = d
				}
			}
		}
		for _, a := range pysrc.Named(call.ChildByFieldName("arguments")) {
			if a.Kind() == "keyword_argument" {
				judge(f.Text(a.ChildByFieldName("name")), a.ChildByFieldName("value"))
			} else if fname == "permission_classes" || fname == "authentication_classes" {
				judge(fname, a)
				break
			}
		}
	}
	pos := func(n *pysrc.Node) settings.Pos { return settings.Pos{Path: fp, Pos: pysrc.PosOf(n)} }
	if perm != nil {
		r.Emit(ruleViewAllowAny, nil, pos(perm), scope.String()+".permission_classes", fmt.Sprintf("%s is declared with permission_classes AllowAny, so anyone, signed in or not, can call it: require a permission such as IsAuthenticated, or suppress this finding with the reason the endpoint is public", scope))
		return
	}
	if auth != nil && !permRestrictive {
		r.Emit(ruleViewAllowAny, nil, pos(auth), scope.String()+".authentication_classes", fmt.Sprintf("%s is declared with empty authentication_classes, so every caller is anonymous and SessionAuthentication's CSRF check is skipped: remove the override, or pair it with permission_classes that do not depend on the user", scope))
	}
}
