package checks

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/djsec/djsec/checks/pysrc"
	"github.com/djsec/djsec/checks/settings"
)

// Rules of RULES.md §5: djangorestframework-simplejwt's SIMPLE_JWT dict and
// dj-rest-auth's JWT cookie (DJANGO_FACTS.md §4).
var (
	ruleJWTAccessLifetime = &Rule{
		ID: "DJS501", Slug: "jwt-access-lifetime-long", Severity: High, Where: "S", Section: 5,
		Title:     "JWT access tokens live too long",
		FiresWhen: "SIMPLE_JWT ACCESS_TOKEN_LIFETIME (or drf-jwt's JWT_AUTH JWT_EXPIRATION_DELTA) longer than *15 minutes* (> *1 hour* high, else medium); JWT_AUTH JWT_VERIFY_EXPIRATION off",
		Doc: "A simplejwt access token is checked only by its signature and expiry: logging out, changing the " +
			"password or deactivating the user does not revoke it (the blacklist covers refresh tokens only). " +
			"A stolen access token therefore works until it expires, and its lifetime is the window an attacker " +
			"gets. simplejwt's default is 5 minutes; clients are meant to refresh. djsec reports lifetimes above " +
			"15 minutes as medium and above one hour as high (`thresholds.jwt_access_minutes` and " +
			"`thresholds.jwt_access_high_minutes` in `.github/djsec.yml`).\n\n" +
			"django-rest-framework-jwt and its drf-jwt fork keep the same lifetime in the `JWT_AUTH` dict as " +
			"`JWT_EXPIRATION_DELTA` (default 5 minutes), judged the same way; `JWT_VERIFY_EXPIRATION: False` " +
			"makes their tokens never expire and is reported as high. A lifetime computed from an environment " +
			"variable is judged by its default.",
		Fix: "Keep access tokens short and let clients refresh them:\n\n" +
			"```python\nSIMPLE_JWT = {\n    \"ACCESS_TOKEN_LIFETIME\": timedelta(minutes=15),\n" +
			"    \"REFRESH_TOKEN_LIFETIME\": timedelta(days=7),\n}\n```",
		Fixable: true,
	}
	ruleJWTRefreshNotRotated = &Rule{
		ID: "DJS502", Slug: "jwt-refresh-not-rotated", Severity: Medium, Where: "S", Section: 5,
		Title:     "JWT refresh tokens are not rotated",
		FiresWhen: "simplejwt in use and ROTATE_REFRESH_TOKENS not True",
		Doc: "Without rotation, simplejwt's refresh view returns a new access token but leaves the refresh token " +
			"unchanged, so one refresh token stays usable for its whole lifetime (a day by default, often set " +
			"to weeks) and a stolen one cannot be detected. With `ROTATE_REFRESH_TOKENS` every refresh issues a " +
			"new refresh token; with `BLACKLIST_AFTER_ROTATION` (DJS503) the old one stops working.\n\n" +
			"\"In use\" means the real `djangorestframework-simplejwt` package: `rest_framework_simplejwt` in " +
			"`INSTALLED_APPS` or DRF's `DEFAULT_AUTHENTICATION_CLASSES`, a runtime requirement, or an import in the " +
			"project's code. A `SIMPLE_JWT` dict alone is not enough: projects that vendor simplejwt under their " +
			"own package read the same dict with defaults of their own, so this rule, DJS503 and DJS506 stay " +
			"silent there (DJS501 and DJS504 still judge explicit lifetimes).",
		Fix: "```python\nSIMPLE_JWT = {\n    # ...\n    \"ROTATE_REFRESH_TOKENS\": True,\n" +
			"    \"BLACKLIST_AFTER_ROTATION\": True,\n}\nINSTALLED_APPS += [\"rest_framework_simplejwt.token_blacklist\"]\n```\n\n" +
			"then `python manage.py migrate` to create the blacklist tables.",
		Fixable: true,
	}
	ruleJWTBlacklistMissing = &Rule{
		ID: "DJS503", Slug: "jwt-blacklist-missing", Severity: Medium, Where: "S", Section: 5,
		Title:     "Rotated JWT refresh tokens are not blacklisted",
		FiresWhen: "rotation on without BLACKLIST_AFTER_ROTATION, or BLACKLIST_AFTER_ROTATION without `rest_framework_simplejwt.token_blacklist` in INSTALLED_APPS",
		Doc: "Rotation alone hands out a new refresh token but leaves the old one valid until it expires, so a " +
			"stolen token keeps working alongside the legitimate one. `BLACKLIST_AFTER_ROTATION` records the old " +
			"token as used, and it only takes effect when the `rest_framework_simplejwt.token_blacklist` app is " +
			"installed: simplejwt silently skips blacklisting otherwise. The blacklist is also what makes logout " +
			"(`TokenBlacklistView`) revoke a refresh token.",
		Fix: "```python\nSIMPLE_JWT = {\n    # ...\n    \"ROTATE_REFRESH_TOKENS\": True,\n" +
			"    \"BLACKLIST_AFTER_ROTATION\": True,\n}\nINSTALLED_APPS += [\"rest_framework_simplejwt.token_blacklist\"]\n```\n\n" +
			"then `python manage.py migrate`, and schedule `python manage.py flushexpiredtokens`.",
		Fixable: true,
	}
	ruleJWTRefreshLifetime = &Rule{
		ID: "DJS504", Slug: "jwt-refresh-lifetime-long", Severity: Low, Where: "S", Section: 5,
		Title:     "JWT refresh tokens live too long",
		FiresWhen: "REFRESH_TOKEN_LIFETIME (or drf-jwt's JWT_REFRESH_EXPIRATION_DELTA with JWT_ALLOW_REFRESH on) longer than *14 days*",
		Doc: "A refresh token is a long-lived credential: whoever holds it can mint access tokens until it " +
			"expires (or is blacklisted). simplejwt's default is one day; lifetimes beyond two weeks keep " +
			"stolen tokens and forgotten sessions on lost devices alive for a long time " +
			"(`thresholds.jwt_refresh_days` in `.github/djsec.yml`).\n\n" +
			"drf-jwt (`JWT_AUTH`) refreshes the token itself, and only when `JWT_ALLOW_REFRESH` is on (default " +
			"off); `JWT_REFRESH_EXPIRATION_DELTA` is how long after login that stays possible, judged the same way.",
		Fix: "```python\nSIMPLE_JWT = {\n    # ...\n    \"REFRESH_TOKEN_LIFETIME\": timedelta(days=7),\n}\n```",
	}
	ruleJWTCookieInsecure = &Rule{
		ID: "DJS505", Slug: "jwt-cookie-insecure", Severity: High, Where: "S", Section: 5,
		Title:     "JWT cookie is insecure",
		FiresWhen: "dj-rest-auth JWT cookie in use with JWT_AUTH_SECURE off, JWT_AUTH_HTTPONLY off or SameSite None (top-level and `REST_AUTH` dict spellings)",
		Doc: "When dj-rest-auth puts the JWT in a cookie (`USE_JWT` with `JWT_AUTH_COOKIE` set) the cookie is the " +
			"credential. `JWT_AUTH_SECURE` defaults to False, so unless it is set the token also travels over " +
			"plain HTTP; with `JWT_AUTH_HTTPONLY` False any injected script can read it; with SameSite None " +
			"the browser attaches it to cross-site requests, and dj-rest-auth does not enforce CSRF on cookie " +
			"tokens unless `JWT_AUTH_COOKIE_USE_CSRF` is set. Since dj-rest-auth 3.0 the settings live in the " +
			"`REST_AUTH` dict; before, they were top-level names (`REST_USE_JWT`, `JWT_AUTH_SECURE`, …).",
		Fix: "```python\nREST_AUTH = {\n    \"USE_JWT\": True,\n    \"JWT_AUTH_COOKIE\": \"access\",\n" +
			"    \"JWT_AUTH_REFRESH_COOKIE\": \"refresh\",\n    \"JWT_AUTH_SECURE\": True,\n" +
			"    \"JWT_AUTH_HTTPONLY\": True,\n    \"JWT_AUTH_SAMESITE\": \"Lax\",\n}\n```",
	}
	ruleJWTRefreshEndpointMissing = &Rule{
		ID: "DJS506", Slug: "jwt-refresh-endpoint-missing", Severity: Low, Where: "C", Section: 5,
		Title:     "No JWT refresh endpoint",
		FiresWhen: "simplejwt in use and no URL routes TokenRefreshView (audit only)",
		Doc: "Short access tokens (DJS501) only work when clients can refresh them. A project that issues " +
			"tokens but routes no refresh view pushes clients to log in again with the password, or pushes " +
			"developers to lengthen the access lifetime. djsec looks for simplejwt's `TokenRefreshView` (or the " +
			"sliding variant), dj-rest-auth's `get_refresh_view` or `dj_rest_auth.urls`, and djoser's JWT URLs.",
		Fix: "```python\nfrom rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView\n\n" +
			"urlpatterns += [\n    path(\"api/token/\", TokenObtainPairView.as_view()),\n" +
			"    path(\"api/token/refresh/\", TokenRefreshView.as_view()),\n]\n```",
		AuditOnly: true,
	}
)

func init() {
	ruleJWTAccessLifetime.Check = checkJWTAccessLifetime
	ruleJWTRefreshNotRotated.Check = checkJWTRefreshNotRotated
	ruleJWTBlacklistMissing.Check = checkJWTBlacklistMissing
	ruleJWTRefreshLifetime.Check = checkJWTRefreshLifetime
	ruleJWTCookieInsecure.Check = checkJWTCookieInsecure
	ruleJWTRefreshEndpointMissing.Check = checkJWTRefreshEndpointMissing
	register(ruleJWTAccessLifetime, ruleJWTRefreshNotRotated, ruleJWTBlacklistMissing,
		ruleJWTRefreshLifetime, ruleJWTCookieInsecure, ruleJWTRefreshEndpointMissing)
}

const jwtBlacklistApp = "rest_framework_simplejwt.token_blacklist"

// jwtInUse reports whether m (or the project) uses the real
// djangorestframework-simplejwt package, whose defaults DJS502, DJS503 and
// DJS506 reason about: listed in INSTALLED_APPS or DRF's authentication
// classes, a runtime requirement, or imported by the project's code. A
// SIMPLE_JWT dict alone is not proof: projects that vendor simplejwt under
// their own package read the same dict with defaults of their own.
func jwtInUse(p *Project, m *settings.Model) bool {
	if m.Imported("rest_framework_simplejwt") {
		return true
	}
	apps, _ := p.Get(m, "INSTALLED_APPS")
	if found, _ := authListed(apps, "rest_framework_simplejwt"); found {
		return true
	}
	rf, _ := p.Get(m, "REST_FRAMEWORK")
	if classes, present, _ := authDictKey(rf, "DEFAULT_AUTHENTICATION_CLASSES"); present {
		if found, _ := authListed(classes, "rest_framework_simplejwt"); found {
			return true
		}
	}
	return authRequirement(p, "djangorestframework-simplejwt") != nil || codeImports(p, "rest_framework_simplejwt")
}

// codeImports reports an import statement of module (or a submodule) in
// any Python file of the project. Only files that name the module are
// parsed, so a docstring or comment quoting an import does not count.
func codeImports(p *Project, module string) bool {
	for _, fp := range p.Paths() {
		src := p.Files[fp]
		if !strings.HasSuffix(fp, ".py") || strings.Contains(fp, "/migrations/") || !bytes.Contains(src, []byte(module)) {
			continue
		}
		f, err := pysrc.Parse(src)
		if err != nil {
			continue
		}
		found := false
		pysrc.Walk(f.Root, func(n *pysrc.Node) bool {
			if found {
				return false
			}
			var names []*pysrc.Node
			switch n.Kind() {
			case "import_from_statement":
				names = append(names, n.ChildByFieldName("module_name"))
			case "import_statement":
				for _, c := range pysrc.Named(n) {
					if c.Kind() == "aliased_import" {
						c = c.ChildByFieldName("name")
					}
					names = append(names, c)
				}
			default:
				return true
			}
			for _, name := range names {
				if t := f.Text(name); t == module || strings.HasPrefix(t, module+".") {
					found = true
				}
			}
			return false
		})
		f.Close()
		if found {
			return true
		}
	}
	return false
}

// jwtConfig is SIMPLE_JWT as simplejwt reads it; ok is false when djsec
// cannot read it (set to something other than a dict literal, or unset in
// an opaque module).
func jwtConfig(p *Project, m *settings.Model) (cfg *settings.Value, ok bool) {
	v, _ := p.Get(m, "SIMPLE_JWT")
	if v == nil {
		return nil, true
	}
	if !v.Known() || v.Kind != settings.Dict {
		return nil, false
	}
	return v, true
}

// jwtKey reads one SIMPLE_JWT key: the value (nil = simplejwt's default),
// where to report it and whether djsec knows it.
func jwtKey(m *settings.Model, cfg *settings.Value, key string) (v *settings.Value, pos settings.Pos, known bool) {
	item, present, known := authDictKey(cfg, key)
	if !known {
		return nil, settings.Pos{}, false
	}
	if !present {
		return nil, authPos(m, "SIMPLE_JWT", nil), true
	}
	return item, authPos(m, "SIMPLE_JWT", item), item.Known()
}

// jwtTruth is a SIMPLE_JWT flag's truth; simplejwt tests these flags with
// a plain `if`, so truthiness is what matters.
func jwtTruth(v *settings.Value) (truth, ok bool) {
	if v == nil {
		return false, true // simplejwt's defaults for both flags are False
	}
	return v.Truthy()
}

// jwtHuman renders a lifetime for messages ("30 minutes", "2 days").
func jwtHuman(d time.Duration) string {
	unit := func(n int64, name string) string {
		if n == 1 {
			return "1 " + name
		}
		return strconv.FormatInt(n, 10) + " " + name + "s"
	}
	switch {
	case d >= 24*time.Hour && d%(24*time.Hour) == 0:
		return unit(int64(d/(24*time.Hour)), "day")
	case d >= time.Hour && d%time.Hour == 0:
		return unit(int64(d/time.Hour), "hour")
	case d >= time.Minute && d%time.Minute == 0:
		return unit(int64(d/time.Minute), "minute")
	}
	return d.String()
}

func checkJWTAccessLifetime(p *Project, r *Reporter) {
	th := p.Config.Thresholds
	limit := time.Duration(th.JWTAccessMinutes) * time.Minute
	high := time.Duration(th.JWTAccessHighMinutes) * time.Minute
	for _, m := range p.Settings {
		cfg, ok := jwtConfig(p, m)
		if !ok || cfg == nil {
			continue
		}
		v, pos, known := jwtKey(m, cfg, "ACCESS_TOKEN_LIFETIME")
		if !known || v == nil || v.Kind != settings.Duration || v.Dur <= limit {
			continue
		}
		var opts []Opt
		if v.Dur <= high {
			opts = append(opts, WithSeverity(Medium))
		}
		r.Emit(ruleJWTAccessLifetime, m, pos, "SIMPLE_JWT.ACCESS_TOKEN_LIFETIME",
			fmt.Sprintf("SIMPLE_JWT ACCESS_TOKEN_LIFETIME is %s, so a stolen access token works that long and cannot be revoked: set it to timedelta(minutes=%d) or less and let clients refresh", jwtHuman(v.Dur), th.JWTAccessMinutes),
			opts...)
	}
	for _, m := range p.Settings {
		cfg := jwtDRFConfig(p, m)
		if cfg == nil {
			continue
		}
		if v, pos, known := jwtDictKey(m, cfg, "JWT_AUTH", "JWT_VERIFY_EXPIRATION"); known && v != nil {
			if on, ok := v.Truthy(); ok && !on {
				r.Emit(ruleJWTAccessLifetime, m, pos, "JWT_AUTH.JWT_VERIFY_EXPIRATION",
					fmt.Sprintf("JWT_AUTH JWT_VERIFY_EXPIRATION is %s, so drf-jwt accepts tokens after they expire and a stolen token works forever: remove it (the default is True) and keep JWT_EXPIRATION_DELTA at timedelta(minutes=%d) or less", v, th.JWTAccessMinutes))
				continue
			}
		}
		v, pos, known := jwtDictKey(m, cfg, "JWT_AUTH", "JWT_EXPIRATION_DELTA")
		if !known || v == nil || v.Kind != settings.Duration || v.Dur <= limit {
			continue
		}
		var opts []Opt
		if v.Dur <= high {
			opts = append(opts, WithSeverity(Medium))
		}
		r.Emit(ruleJWTAccessLifetime, m, pos, "JWT_AUTH.JWT_EXPIRATION_DELTA",
			fmt.Sprintf("JWT_AUTH JWT_EXPIRATION_DELTA is %s%s, so a stolen drf-jwt token works that long and cannot be revoked: set it to timedelta(minutes=%d) or less and let clients refresh", jwtHuman(v.Dur), jwtEnvNote(v), th.JWTAccessMinutes),
			opts...)
	}
}

// jwtDRFConfig is the JWT_AUTH dict of django-rest-framework-jwt (and its
// drf-jwt fork) when djsec can read it, else nil. Its keys are specific to
// that package, so an explicit value is judged whatever else the project
// installs; defaults are not.
func jwtDRFConfig(p *Project, m *settings.Model) *settings.Value {
	v, set := p.Get(m, "JWT_AUTH")
	if !set || !v.Known() || v.Kind != settings.Dict {
		return nil
	}
	return v
}

// jwtDictKey reads one key of a JWT settings dict named name: its value
// (nil when absent), where to report it and whether djsec knows it.
func jwtDictKey(m *settings.Model, cfg *settings.Value, name, key string) (v *settings.Value, pos settings.Pos, known bool) {
	item, present, known := authDictKey(cfg, key)
	if !known || !present {
		return nil, authPos(m, name, nil), known
	}
	return item, authPos(m, name, item), item.Known()
}

// jwtEnvNote says that a lifetime is the default of an environment read.
func jwtEnvNote(v *settings.Value) string {
	if e := secretsFirstEnv(v); e != nil && e.Var != "" {
		return " when " + e.Var + " is unset"
	}
	return ""
}

func checkJWTRefreshNotRotated(p *Project, r *Reporter) {
	for _, m := range p.Settings {
		if !jwtInUse(p, m) {
			continue
		}
		cfg, ok := jwtConfig(p, m)
		if !ok {
			continue
		}
		v, pos, known := jwtKey(m, cfg, "ROTATE_REFRESH_TOKENS")
		if !known {
			continue
		}
		if on, ok := jwtTruth(v); !ok || on {
			continue
		}
		msg := "simplejwt never rotates refresh tokens (ROTATE_REFRESH_TOKENS defaults to False), so one refresh token stays usable for its whole lifetime: set SIMPLE_JWT[\"ROTATE_REFRESH_TOKENS\"] = True with BLACKLIST_AFTER_ROTATION"
		if v != nil {
			msg = fmt.Sprintf("SIMPLE_JWT ROTATE_REFRESH_TOKENS is %s, so one refresh token stays usable for its whole lifetime: set it to True with BLACKLIST_AFTER_ROTATION", v)
		}
		r.Emit(ruleJWTRefreshNotRotated, m, pos, "SIMPLE_JWT.ROTATE_REFRESH_TOKENS", msg)
	}
}

func checkJWTBlacklistMissing(p *Project, r *Reporter) {
	for _, m := range p.Settings {
		if !jwtInUse(p, m) {
			continue
		}
		cfg, ok := jwtConfig(p, m)
		if !ok || cfg == nil {
			continue // rotation and blacklisting are both off by default
		}
		rot, rotPos, rotKnown := jwtKey(m, cfg, "ROTATE_REFRESH_TOKENS")
		bl, blPos, blKnown := jwtKey(m, cfg, "BLACKLIST_AFTER_ROTATION")
		if !rotKnown || !blKnown {
			continue
		}
		rotOn, ok1 := jwtTruth(rot)
		blOn, ok2 := jwtTruth(bl)
		if !ok1 || !ok2 {
			continue
		}
		apps, _ := p.Get(m, "INSTALLED_APPS")
		appFound, appKnown := authListed(apps, jwtBlacklistApp)
		switch {
		case rotOn && !blOn:
			pos := blPos
			if bl == nil {
				pos = rotPos
			}
			msg := "SIMPLE_JWT rotates refresh tokens without BLACKLIST_AFTER_ROTATION, so every old refresh token stays valid until it expires: set \"BLACKLIST_AFTER_ROTATION\": True"
			if !appFound {
				msg += " and add \"" + jwtBlacklistApp + "\" to INSTALLED_APPS (then migrate)"
			}
			r.Emit(ruleJWTBlacklistMissing, m, pos, "SIMPLE_JWT.BLACKLIST_AFTER_ROTATION", msg)
		case blOn && appKnown && !appFound:
			r.Emit(ruleJWTBlacklistMissing, m, blPos, "SIMPLE_JWT.BLACKLIST_AFTER_ROTATION",
				"SIMPLE_JWT sets BLACKLIST_AFTER_ROTATION but \""+jwtBlacklistApp+"\" is not in INSTALLED_APPS, so simplejwt silently blacklists nothing: add the app and run migrate")
		}
	}
}

func checkJWTRefreshLifetime(p *Project, r *Reporter) {
	days := p.Config.Thresholds.JWTRefreshDays
	limit := time.Duration(days) * 24 * time.Hour
	for _, m := range p.Settings {
		cfg, ok := jwtConfig(p, m)
		if !ok || cfg == nil {
			continue
		}
		v, pos, known := jwtKey(m, cfg, "REFRESH_TOKEN_LIFETIME")
		if !known || v == nil || v.Kind != settings.Duration || v.Dur <= limit {
			continue
		}
		r.Emit(ruleJWTRefreshLifetime, m, pos, "SIMPLE_JWT.REFRESH_TOKEN_LIFETIME",
			fmt.Sprintf("SIMPLE_JWT REFRESH_TOKEN_LIFETIME is %s, so a stolen or forgotten refresh token mints access tokens that long: set it to timedelta(days=%d) or less", jwtHuman(v.Dur), days))
	}
	for _, m := range p.Settings {
		cfg := jwtDRFConfig(p, m)
		if cfg == nil {
			continue
		}
		// drf-jwt refreshes only with JWT_ALLOW_REFRESH (default False);
		// JWT_REFRESH_EXPIRATION_DELTA is how long after login a token
		// can still be refreshed.
		allow, _, known := jwtDictKey(m, cfg, "JWT_AUTH", "JWT_ALLOW_REFRESH")
		if !known || allow == nil {
			continue
		}
		if on, ok := allow.Truthy(); !ok || !on {
			continue
		}
		v, pos, known := jwtDictKey(m, cfg, "JWT_AUTH", "JWT_REFRESH_EXPIRATION_DELTA")
		if !known || v == nil || v.Kind != settings.Duration || v.Dur <= limit {
			continue
		}
		r.Emit(ruleJWTRefreshLifetime, m, pos, "JWT_AUTH.JWT_REFRESH_EXPIRATION_DELTA",
			fmt.Sprintf("JWT_AUTH JWT_REFRESH_EXPIRATION_DELTA is %s%s with JWT_ALLOW_REFRESH on, so a stolen drf-jwt token can be renewed that long after login: set it to timedelta(days=%d) or less", jwtHuman(v.Dur), jwtEnvNote(v), days))
	}
}

// jwtRestAuth reads dj-rest-auth settings in the spelling the project's
// dj-rest-auth reads: the REST_AUTH dict since 3.0, top-level names before.
type jwtRestAuth struct {
	p      *Project
	m      *settings.Model
	dict   *settings.Value
	inDict bool
}

func newJWTRestAuth(p *Project, m *settings.Model) (jwtRestAuth, bool) {
	ra := jwtRestAuth{p: p, m: m}
	_, dictSet := m.Lookup("REST_AUTH")
	switch major := jwtRestAuthMajor(p); {
	case major >= 3:
		ra.inDict = true
	case major > 0:
		ra.inDict = false
	default:
		ra.inDict = dictSet
	}
	if ra.inDict {
		v, _ := p.Get(m, "REST_AUTH")
		if v != nil && (!v.Known() || v.Kind != settings.Dict) {
			return ra, false
		}
		ra.dict = v
	}
	return ra, true
}

// jwtRestAuthMajor is the pinned dj-rest-auth major version, or 0.
func jwtRestAuthMajor(p *Project) int {
	r := authRequirement(p, "dj-rest-auth")
	if r == nil || r.Version == "" {
		return 0
	}
	major, err := strconv.Atoi(leadingDigits(r.Version))
	if err != nil {
		return 0
	}
	return major
}

// get returns the value of key (top-level name legacy before 3.0), nil for
// dj-rest-auth's default, the finding key and position, and whether djsec
// knows the value.
func (ra jwtRestAuth) get(key, legacy string) (v *settings.Value, name string, pos settings.Pos, known bool) {
	if ra.inDict {
		item, present, known := authDictKey(ra.dict, key)
		if !known {
			return nil, "", settings.Pos{}, false
		}
		name = "REST_AUTH." + key
		if !present {
			return nil, name, authPos(ra.m, "REST_AUTH", nil), true
		}
		return item, name, authPos(ra.m, "REST_AUTH", item), item.Known()
	}
	v, set := ra.p.Get(ra.m, legacy)
	if !set {
		if v != nil { // Unknown: an opaque module may set it
			return nil, "", settings.Pos{}, false
		}
		return nil, legacy, settings.Pos{}, true
	}
	return v, legacy, authPos(ra.m, legacy, nil), v.Known()
}

func checkJWTCookieInsecure(p *Project, r *Reporter) {
	for _, m := range p.Settings {
		ra, ok := newJWTRestAuth(p, m)
		if !ok {
			continue
		}
		useJWT, _, _, known := ra.get("USE_JWT", "REST_USE_JWT")
		if !known || useJWT == nil {
			continue // USE_JWT defaults to False: no JWT cookie
		}
		if on, ok := useJWT.Truthy(); !ok || !on {
			continue
		}
		cookie, _, cookiePos, known := ra.get("JWT_AUTH_COOKIE", "JWT_AUTH_COOKIE")
		if !known || cookie == nil || cookie.Kind != settings.Str || cookie.Str == "" {
			continue // no cookie name: dj-rest-auth returns tokens in the body only
		}
		name := cookie.Str
		// Both cookies get these flags; an unset flag reports on the cookie name.
		at := func(pos settings.Pos, v *settings.Value) settings.Pos {
			if v == nil {
				return cookiePos
			}
			return pos
		}
		prefix := "REST_AUTH[\""
		suffix := "\"]"
		if !ra.inDict {
			prefix, suffix = "", ""
		}
		if v, key, pos, known := ra.get("JWT_AUTH_SECURE", "JWT_AUTH_SECURE"); known {
			if on, ok := v.Truthy(); v == nil || ok && !on {
				msg := fmt.Sprintf("dj-rest-auth sends the JWT cookie %q without the Secure flag (JWT_AUTH_SECURE defaults to False), so the token also travels over plain HTTP: set %sJWT_AUTH_SECURE%s = True", name, prefix, suffix)
				if v != nil {
					msg = fmt.Sprintf("JWT_AUTH_SECURE is %s, so dj-rest-auth sends the JWT cookie %q over plain HTTP too: set %sJWT_AUTH_SECURE%s = True", v, name, prefix, suffix)
				}
				r.Emit(ruleJWTCookieInsecure, m, at(pos, v), key, msg)
			}
		}
		if v, key, pos, known := ra.get("JWT_AUTH_HTTPONLY", "JWT_AUTH_HTTPONLY"); known && v != nil {
			if on, ok := v.Truthy(); ok && !on {
				r.Emit(ruleJWTCookieInsecure, m, at(pos, v), key,
					fmt.Sprintf("JWT_AUTH_HTTPONLY is %s, so any script on the page (an XSS) can read the JWT cookie %q: set %sJWT_AUTH_HTTPONLY%s = True", v, name, prefix, suffix))
			}
		}
		if v, key, pos, known := ra.get("JWT_AUTH_SAMESITE", "JWT_AUTH_SAMESITE"); known && v != nil {
			if v.Kind == settings.None || v.Kind == settings.Str && strings.EqualFold(v.Str, "none") {
				r.Emit(ruleJWTCookieInsecure, m, at(pos, v), key,
					fmt.Sprintf("JWT_AUTH_SAMESITE is %s, so browsers attach the JWT cookie %q to cross-site requests and dj-rest-auth does not check CSRF on it by default: set %sJWT_AUTH_SAMESITE%s = \"Lax\" (or \"Strict\")", v, name, prefix, suffix))
			}
		}
	}
}

// jwtRefreshMarkers are what a routed refresh view looks like in source.
var jwtRefreshMarkers = []string{
	"TokenRefreshView", "TokenRefreshSlidingView", "get_refresh_view", "dj_rest_auth.urls", "djoser.urls.jwt",
}

func checkJWTRefreshEndpointMissing(p *Project, r *Reporter) {
	var user *settings.Model
	for _, m := range p.Settings {
		if jwtInUse(p, m) {
			user = m
			break
		}
	}
	if user == nil || !authHasURLConf(p) || authPyMentions(p, false, jwtRefreshMarkers...) {
		return
	}
	r.Emit(ruleJWTRefreshEndpointMissing, user, settings.Pos{}, "TokenRefreshView",
		"simplejwt issues refresh tokens but no URL routes TokenRefreshView, so clients cannot renew short-lived access tokens: add path(\"api/token/refresh/\", TokenRefreshView.as_view())")
}
