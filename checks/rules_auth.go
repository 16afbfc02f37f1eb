package checks

import (
	"bytes"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/djsec/djsec/checks/deps"
	"github.com/djsec/djsec/checks/settings"
	"github.com/djsec/djsec/internal/lazyre"
)

// Rules of RULES.md §6: password validation and hashing, login rate
// limiting, lockout and password reset (DJANGO_FACTS.md §5, §7, §8).
var (
	rulePasswordValidatorsMissing = &Rule{
		ID: "DJS601", Slug: "password-validators-missing", Severity: High, Where: "S", Section: 6,
		Title:     "No password validators",
		FiresWhen: "AUTH_PASSWORD_VALIDATORS unset or empty",
		Doc: "Django validates passwords only through `AUTH_PASSWORD_VALIDATORS`, and its global default is an " +
			"empty list: without the setting, `password1`, `123` or the username itself are accepted by " +
			"`createsuperuser`, the admin, `SetPasswordForm` and every API that calls `validate_password`. " +
			"`django-admin startproject` writes the four built-in validators into new projects; a settings file " +
			"that lost them (or never had them) leaves accounts open to trivial guessing and credential stuffing.",
		Fix: "Add the four built-in validators, with a minimum length of at least 12:\n\n" +
			"```python\nAUTH_PASSWORD_VALIDATORS = [\n" +
			"    {\"NAME\": \"django.contrib.auth.password_validation.UserAttributeSimilarityValidator\"},\n" +
			"    {\"NAME\": \"django.contrib.auth.password_validation.MinimumLengthValidator\", \"OPTIONS\": {\"min_length\": 12}},\n" +
			"    {\"NAME\": \"django.contrib.auth.password_validation.CommonPasswordValidator\"},\n" +
			"    {\"NAME\": \"django.contrib.auth.password_validation.NumericPasswordValidator\"},\n]\n```",
		Fixable: true,
	}
	rulePasswordMinLength = &Rule{
		ID: "DJS602", Slug: "password-min-length-low", Severity: Medium, Where: "S", Section: 6,
		Title:     "Minimum password length too low",
		FiresWhen: "MinimumLengthValidator absent or min_length below *12*",
		Doc: "Length is what makes a password expensive to guess. Django's `MinimumLengthValidator` defaults to " +
			"`min_length` 8, which current guidance (NIST SP 800-63B, OWASP ASVS) considers the floor for " +
			"passwords used with a second factor, not for the only factor. Without the validator at all there is " +
			"no minimum. The threshold is configurable (`thresholds.password_min_length` in `.github/djsec.yml`).",
		Fix: "Give MinimumLengthValidator an explicit `min_length`:\n\n" +
			"```python\n{\"NAME\": \"django.contrib.auth.password_validation.MinimumLengthValidator\", \"OPTIONS\": {\"min_length\": 12}},\n```",
		Fixable: true,
	}
	rulePasswordValidatorsIncomplete = &Rule{
		ID: "DJS603", Slug: "password-validators-incomplete", Severity: Low, Where: "S", Section: 6,
		Title:     "Built-in password validators missing",
		FiresWhen: "CommonPasswordValidator, NumericPasswordValidator or UserAttributeSimilarityValidator absent",
		Doc: "Each built-in validator closes a different gap: `CommonPasswordValidator` rejects the 20,000 most " +
			"common passwords (the first ones an attacker tries), `NumericPasswordValidator` rejects all-digit " +
			"passwords, and `UserAttributeSimilarityValidator` rejects passwords close to the username, name or " +
			"email. Length alone does not stop `password1234`.",
		Fix: "Add the missing validators to AUTH_PASSWORD_VALIDATORS:\n\n" +
			"```python\n{\"NAME\": \"django.contrib.auth.password_validation.UserAttributeSimilarityValidator\"},\n" +
			"{\"NAME\": \"django.contrib.auth.password_validation.CommonPasswordValidator\"},\n" +
			"{\"NAME\": \"django.contrib.auth.password_validation.NumericPasswordValidator\"},\n```",
		Fixable: true,
	}
	rulePasswordHasherWeak = &Rule{
		ID: "DJS604", Slug: "password-hasher-weak", Severity: High, Where: "S", Section: 6,
		Title:     "Weak password hasher first",
		FiresWhen: "PASSWORD_HASHERS puts MD5/SHA1/unsalted/crypt first",
		Doc: "Django hashes every new or changed password with the first entry of `PASSWORD_HASHERS`. MD5, SHA1 " +
			"and their unsalted variants are fast hashes: a leaked database is cracked at billions of guesses " +
			"per second, and unsalted hashes fall to precomputed tables. `CryptPasswordHasher` uses the " +
			"platform's `crypt(3)`, usually DES with an 8-character limit. Test settings often use MD5 for " +
			"speed; a production settings module must not.",
		Fix: "Put a slow hasher first and keep weak ones, if at all, only after it so old hashes are upgraded " +
			"at the next login:\n\n```python\nPASSWORD_HASHERS = [\n" +
			"    \"django.contrib.auth.hashers.Argon2PasswordHasher\",  # needs argon2-cffi\n" +
			"    \"django.contrib.auth.hashers.PBKDF2PasswordHasher\",\n" +
			"    \"django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher\",\n]\n```\n\n" +
			"Or remove the setting: Django's default starts with PBKDF2.",
	}
	ruleLoginRateLimitMissing = &Rule{
		ID: "DJS605", Slug: "login-rate-limit-missing", Severity: High, Where: "S+R", Section: 6, FixUp: true,
		Title:     "No rate limiting",
		FiresWhen: "no rate limiting anywhere: no DRF throttle classes, no django-ratelimit, no django-axes fully configured (app, middleware, backend)",
		Doc: "Neither Django's login view nor Django REST framework's token views limit how often they can be " +
			"called: without throttling, an attacker can try passwords (or stolen credential lists) as fast " +
			"as the server answers. djsec looks for every common limiter: DRF `DEFAULT_THROTTLE_CLASSES` or " +
			"per-view `throttle_classes`, django-ratelimit, django-axes, django-defender, django-brake, " +
			"django-ratelimit-backend, django-allauth's built-in rate limits and a limiter of the project's own " +
			"consulted where it checks passwords (a token bucket before `authenticate()`); only when none is " +
			"present does this rule fire. A limiter counts only when it acts: django-axes needs its app, " +
			"`AxesMiddleware` and an Axes authentication backend, django-defender its app and middleware, " +
			"django-ratelimit its decorator on views, DRF throttles need DRF and at least one rate that is not " +
			"`None` (a `None` rate lets every request through); a package that is only listed in the " +
			"requirements limits nothing. When nothing limits logins, the lockout (DJS606) and the record of " +
			"failed logins (DJS802) that django-axes also provides are named in this one finding. A limiter " +
			"that shares no cache between workers (LocMemCache) still lets attackers multiply their rate; " +
			"configure a shared cache.",
		Fix: "Throttle the API and install a login limiter, for example:\n\n" +
			"```python\nREST_FRAMEWORK = {\n" +
			"    \"DEFAULT_THROTTLE_CLASSES\": [\n" +
			"        \"rest_framework.throttling.AnonRateThrottle\",\n" +
			"        \"rest_framework.throttling.UserRateThrottle\",\n    ],\n" +
			"    \"DEFAULT_THROTTLE_RATES\": {\"anon\": \"100/hour\", \"user\": \"1000/hour\"},\n}\n```\n\n" +
			"and for the login endpoints django-axes (`pip install django-axes`, `\"axes\"` in INSTALLED_APPS, " +
			"`axes.middleware.AxesMiddleware` last in MIDDLEWARE, `axes.backends.AxesStandaloneBackend` first in " +
			"AUTHENTICATION_BACKENDS) or django-ratelimit's `@ratelimit(key=\"ip\", rate=\"5/m\")` on the login view.",
		Fixable: true,
	}
	ruleAccountLockoutMissing = &Rule{
		ID: "DJS606", Slug: "account-lockout-missing", Severity: Medium, Where: "S+R", Section: 6,
		Title:     "No account lockout",
		FiresWhen: "no lockout after failed logins (django-axes or equivalent)",
		Doc: "Rate limits slow a single client down; a lockout stops an attack on one account spread over many " +
			"IP addresses. django-axes (or django-defender) records failed logins and blocks the username, the " +
			"IP or both after a configurable number of failures (`AXES_FAILURE_LIMIT`, default 3). django-allauth's " +
			"default `login_failed` limit, which counts failures per account, is a lockout too. When nothing " +
			"limits logins at all, DJS605 reports the gap and names this rule.",
		Fix: "Install django-axes:\n\n```python\nINSTALLED_APPS += [\"axes\"]\n" +
			"MIDDLEWARE += [\"axes.middleware.AxesMiddleware\"]  # last\n" +
			"AUTHENTICATION_BACKENDS = [\n    \"axes.backends.AxesStandaloneBackend\",\n" +
			"    \"django.contrib.auth.backends.ModelBackend\",\n]\nAXES_FAILURE_LIMIT = 5\n" +
			"AXES_COOLOFF_TIME = 1  # hours\nAXES_LOCKOUT_PARAMETERS = [[\"username\", \"ip_address\"]]\n```",
	}
	rulePasswordResetMissing = &Rule{
		ID: "DJS607", Slug: "password-reset-missing", Severity: Info, Where: "C", Section: 6,
		Title:     "No password-reset route",
		FiresWhen: "no password-reset route (audit only)",
		Doc: "Without a self-service password reset, users who forget a password ask an administrator, who " +
			"then sets or mails passwords by hand, or they reuse one they can remember. djsec looks for Django's " +
			"`PasswordResetView` or `django.contrib.auth.urls`, dj-rest-auth, django-allauth, djoser and " +
			"django-rest-passwordreset routes in the repository's Python files.",
		Fix: "Route Django's views (they send a signed, expiring link):\n\n" +
			"```python\nurlpatterns += [path(\"accounts/\", include(\"django.contrib.auth.urls\"))]\n```\n\n" +
			"or, for an API, dj-rest-auth's `password/reset/` and `password/reset/confirm/` endpoints.",
		AuditOnly: true,
	}
)

func init() {
	rulePasswordValidatorsMissing.Check = checkPasswordValidatorsMissing
	rulePasswordMinLength.Check = checkPasswordMinLength
	rulePasswordValidatorsIncomplete.Check = checkPasswordValidatorsIncomplete
	rulePasswordHasherWeak.Check = checkPasswordHasherWeak
	ruleLoginRateLimitMissing.Check = checkLoginRateLimitMissing
	ruleAccountLockoutMissing.Check = checkAccountLockoutMissing
	rulePasswordResetMissing.Check = checkPasswordResetMissing
	register(rulePasswordValidatorsMissing, rulePasswordMinLength, rulePasswordValidatorsIncomplete,
		rulePasswordHasherWeak, ruleLoginRateLimitMissing, ruleAccountLockoutMissing, rulePasswordResetMissing)
}

const authValidatorPrefix = "django.contrib.auth.password_validation."

// authDictKey looks key up in a dict-valued setting. present says whether
// the key is there; known is false when the answer is not knowable (the
// setting is not a known dict, or the key is absent from a dict with keys
// djsec could not read, so absence is not proof). A nil d is an unset
// setting: every key takes its package default.
func authDictKey(d *settings.Value, key string) (item *settings.Value, present, known bool) {
	if d == nil {
		return nil, false, true
	}
	if d.Kind != settings.Dict {
		return nil, false, false
	}
	if it := d.Get(key); it != nil {
		return it, true, true
	}
	return nil, false, !d.HasUnknownKeys()
}

// authListed reports whether a sequence of dotted names (INSTALLED_APPS,
// MIDDLEWARE) names one of modules or something inside it (an AppConfig
// path such as "axes.apps.AppConfig"). known is false when v is not a known
// sequence or holds an element djsec cannot read.
func authListed(v *settings.Value, modules ...string) (found, known bool) {
	if !v.IsSequence() {
		return false, false
	}
	known = true
	for _, it := range v.Items {
		if it == nil || it.Kind != settings.Str {
			known = false
			continue
		}
		for _, mod := range modules {
			if it.Str == mod || strings.HasPrefix(it.Str, mod+".") {
				return true, true
			}
		}
	}
	return false, known
}

// authRequirement returns the first runtime (non-dev) requirement named one
// of names (PEP 503 normalised).
func authRequirement(p *Project, names ...string) *deps.Requirement {
	for i := range p.Requirements {
		r := &p.Requirements[i]
		if r.Dev {
			continue
		}
		for _, n := range names {
			if r.Name == n {
				return r
			}
		}
	}
	return nil
}

// authPos is the position of a value inside a setting (a dict entry, a list
// element), falling back to the statement that set the setting.
func authPos(m *settings.Model, name string, v *settings.Value) settings.Pos {
	if v != nil && v.Pos.Path != "" && v.Pos.Line > 0 {
		return v.Pos
	}
	if s, ok := m.Lookup(name); ok {
		return s.Pos
	}
	return settings.Pos{}
}

// authUsesAuthApp reports whether m's INSTALLED_APPS is known to hold
// django.contrib.auth; absent is true when it is known not to, so that
// password rules stay quiet for settings of projects without user accounts.
func authUsesAuthApp(p *Project, m *settings.Model) (present, absent bool) {
	apps, _ := p.Get(m, "INSTALLED_APPS")
	found, known := authListed(apps, "django.contrib.auth")
	return found, known && !found
}

// authValidatorClass is the class name of a built-in validator path
// ("django.contrib.auth.password_validation.MinimumLengthValidator" →
// "MinimumLengthValidator"); other modules' validators are not built-ins,
// whatever their class is called.
func authValidatorClass(name string) (string, bool) {
	if !strings.HasPrefix(name, "django.") {
		return "", false
	}
	return lastSegment(name), true
}

// authValidators returns AUTH_PASSWORD_VALIDATORS entries when the list is a
// known sequence of dicts with known string NAMEs; ok is false otherwise,
// and then rules about the list's content stay silent.
func authValidators(p *Project, m *settings.Model) (list *settings.Value, entries []*settings.Value, ok bool) {
	v, _ := p.Get(m, "AUTH_PASSWORD_VALIDATORS")
	if !v.IsSequence() {
		return nil, nil, false
	}
	for _, it := range v.Items {
		if it == nil || it.Kind != settings.Dict {
			return nil, nil, false
		}
		name := it.Get("NAME")
		if name == nil || name.Kind != settings.Str {
			return nil, nil, false
		}
		entries = append(entries, it)
	}
	return v, entries, true
}

func checkPasswordValidatorsMissing(p *Project, r *Reporter) {
	for _, m := range p.Settings {
		if _, absent := authUsesAuthApp(p, m); absent {
			continue
		}
		v, set := p.Get(m, "AUTH_PASSWORD_VALIDATORS")
		if !v.Known() || !v.IsSequence() || len(v.Items) > 0 {
			continue
		}
		msg := "AUTH_PASSWORD_VALIDATORS is empty, so any password is accepted (\"1\", the username): add Django's four validators with MinimumLengthValidator at min_length 12 or more"
		if !set {
			msg = "AUTH_PASSWORD_VALIDATORS is not set and Django's default is [], so any password is accepted (\"1\", the username): add Django's four validators with MinimumLengthValidator at min_length 12 or more"
		}
		r.AtSetting(rulePasswordValidatorsMissing, m, "AUTH_PASSWORD_VALIDATORS", msg)
	}
}

func checkPasswordMinLength(p *Project, r *Reporter) {
	min := int64(p.Config.Thresholds.PasswordMinLength)
	for _, m := range p.Settings {
		if _, absent := authUsesAuthApp(p, m); absent {
			continue
		}
		list, entries, ok := authValidators(p, m)
		if !ok || len(entries) == 0 {
			// An empty list is DJS601's finding; one finding says it.
			continue
		}
		n, pos, explicit, found, ok := authMinLength(m, entries)
		switch {
		case !ok:
		case !found:
			r.Emit(rulePasswordMinLength, m, authPos(m, "AUTH_PASSWORD_VALIDATORS", list), "AUTH_PASSWORD_VALIDATORS.MinimumLengthValidator",
				fmt.Sprintf("AUTH_PASSWORD_VALIDATORS has no MinimumLengthValidator, so passwords of any length are accepted: add django.contrib.auth.password_validation.MinimumLengthValidator with OPTIONS {\"min_length\": %d}", min))
		case n < min && !explicit:
			r.Emit(rulePasswordMinLength, m, pos, "AUTH_PASSWORD_VALIDATORS.MinimumLengthValidator",
				fmt.Sprintf("MinimumLengthValidator has no min_length option, so Django's default of 8 characters applies: set OPTIONS {\"min_length\": %d} or more", min))
		case n < min:
			r.Emit(rulePasswordMinLength, m, pos, "AUTH_PASSWORD_VALIDATORS.MinimumLengthValidator",
				fmt.Sprintf("MinimumLengthValidator accepts passwords of %d characters: raise min_length to %d or more", n, min))
		}
	}
}

// authMinLength is the minimum length m's MinimumLengthValidator entries
// enforce: every configured validator runs, so the largest applies. pos
// locates it, explicit says min_length was written rather than Django's
// default of 8, found says there is such an entry, ok that djsec can tell.
func authMinLength(m *settings.Model, entries []*settings.Value) (n int64, pos settings.Pos, explicit, found, ok bool) {
	n = -1
	for _, e := range entries {
		if cls, builtin := authValidatorClass(e.Get("NAME").Str); !builtin || cls != "MinimumLengthValidator" {
			continue
		}
		found = true
		opts, present, known := authDictKey(e, "OPTIONS")
		if !known || present && opts.Kind != settings.Dict {
			return 0, settings.Pos{}, false, true, false
		}
		val, at, expl := int64(8), authPos(m, "AUTH_PASSWORD_VALIDATORS", e), false
		if present {
			ml, mlPresent, mlKnown := authDictKey(opts, "min_length")
			if !mlKnown || mlPresent && ml.Kind != settings.Int {
				return 0, settings.Pos{}, false, true, false
			}
			if mlPresent {
				val, at, expl = ml.Int, authPos(m, "AUTH_PASSWORD_VALIDATORS", ml), true
			}
		}
		if val > n {
			n, pos, explicit = val, at, expl
		}
	}
	return n, pos, explicit, found, true
}

func checkPasswordValidatorsIncomplete(p *Project, r *Reporter) {
	for _, m := range p.Settings {
		if _, absent := authUsesAuthApp(p, m); absent {
			continue
		}
		list, entries, ok := authValidators(p, m)
		if !ok || len(entries) == 0 {
			continue
		}
		have := map[string]bool{}
		for _, e := range entries {
			if cls, builtin := authValidatorClass(e.Get("NAME").Str); builtin {
				have[cls] = true
			}
		}
		var missing []string
		for _, cls := range []string{"UserAttributeSimilarityValidator", "CommonPasswordValidator", "NumericPasswordValidator"} {
			if !have[cls] {
				missing = append(missing, cls)
			}
		}
		if len(missing) == 0 {
			continue
		}
		paths := make([]string, len(missing))
		for i, c := range missing {
			paths[i] = authValidatorPrefix + c
		}
		r.Emit(rulePasswordValidatorsIncomplete, m, authPos(m, "AUTH_PASSWORD_VALIDATORS", list), "AUTH_PASSWORD_VALIDATORS",
			fmt.Sprintf("AUTH_PASSWORD_VALIDATORS lacks %s: add %s", strings.Join(missing, ", "), strings.Join(paths, ", ")))
	}
}

// authWeakHashers are the hashers of django.contrib.auth.hashers that must
// not hash new passwords.
var authWeakHashers = map[string]string{
	"MD5PasswordHasher":          "a single fast MD5 round",
	"SHA1PasswordHasher":         "a single fast SHA1 round",
	"UnsaltedMD5PasswordHasher":  "unsalted MD5",
	"UnsaltedSHA1PasswordHasher": "unsalted SHA1",
	"CryptPasswordHasher":        "crypt(3), usually DES limited to 8 characters",
}

func checkPasswordHasherWeak(p *Project, r *Reporter) {
	for _, m := range p.Settings {
		if _, absent := authUsesAuthApp(p, m); absent {
			continue
		}
		v := m.Value("PASSWORD_HASHERS")
		if !v.IsSequence() || len(v.Items) == 0 {
			continue
		}
		first := v.Items[0]
		if first == nil || first.Kind != settings.Str || !strings.HasPrefix(first.Str, "django.contrib.auth.hashers.") {
			continue
		}
		cls := lastSegment(first.Str)
		what, weak := authWeakHashers[cls]
		if !weak {
			continue
		}
		r.Emit(rulePasswordHasherWeak, m, authPos(m, "PASSWORD_HASHERS", first), "PASSWORD_HASHERS",
			fmt.Sprintf("PASSWORD_HASHERS puts %s first, so every new or changed password is stored with %s and cracks quickly if the database leaks: put django.contrib.auth.hashers.PBKDF2PasswordHasher (or Argon2PasswordHasher) first, or remove the setting", cls, what))
	}
}

// authLimiter is a package that limits login attempts, and what must be
// in place for it to act: a half-installed limiter protects nothing
// (django-axes in INSTALLED_APPS without AxesMiddleware and its backend
// records and blocks nothing), so it does not clear the finding.
type authLimiter struct {
	name string
	// apps, middleware and backends are module prefixes that must each be
	// listed (INSTALLED_APPS, MIDDLEWARE, AUTHENTICATION_BACKENDS); an
	// empty list is not required.
	apps, middleware, backends []string
	// code are import forms that prove the package is used from views
	// (a decorator limits exactly the views it wraps).
	code    []string
	lockout bool
}

var authLimiters = []authLimiter{
	// DJANGO_FACTS §7.1: app, AxesMiddleware, an Axes backend.
	// Before 5.0 (and still supported), axes wraps the login view instead:
	// axes_dispatch, axes_form_invalid, watch_login.
	{name: "django-axes", apps: []string{"axes"}, middleware: []string{"axes.middleware"}, backends: []string{"axes.backends"},
		code: []string{"axes.decorators", "axes_dispatch", "watch_login("}, lockout: true},
	{name: "django-defender", apps: []string{"defender"}, middleware: []string{"defender.middleware"}, lockout: true},
	{name: "django-ratelimit", code: []string{"django_ratelimit", "from ratelimit", "import ratelimit"}},
	{name: "django-brake", code: []string{"from brake", "import brake"}},
	{name: "django-ratelimit-backend", backends: []string{"ratelimitbackend"}, code: []string{"ratelimitbackend"}},
}

// authListedLeast is authListed that also reads a list known only in part:
// an element every branch holds is listed.
func authListedLeast(v *settings.Value, modules ...string) (found, known bool) {
	if v != nil && v.Kind == settings.Unknown {
		for _, it := range v.Least {
			if it == nil || it.Kind != settings.Str {
				continue
			}
			for _, mod := range modules {
				if it.Str == mod || strings.HasPrefix(it.Str, mod+".") {
					return true, true
				}
			}
		}
		return false, false
	}
	return authListed(v, modules...)
}

// configured reports whether the limiter acts (known false: djsec cannot
// tell), and partial names what is in place when only part of it is.
func (l authLimiter) configured(p *Project, apps, mw, backends *settings.Value) (on, known bool, partial string) {
	if len(l.code) > 0 && authPyMentions(p, false, l.code...) {
		return true, true, ""
	}
	required := []struct {
		list    *settings.Value
		mods    []string
		setting string
	}{{apps, l.apps, "INSTALLED_APPS"}, {mw, l.middleware, "MIDDLEWARE"}, {backends, l.backends, "AUTHENTICATION_BACKENDS"}}
	known = true
	var have, lack []string
	any := false
	for _, r := range required {
		if len(r.mods) == 0 {
			continue
		}
		any = true
		f, k := authListedLeast(r.list, r.mods...)
		switch {
		case f:
			have = append(have, r.setting)
		case !k:
			known = false
		default:
			lack = append(lack, r.setting)
		}
	}
	if !any {
		return false, true, ""
	}
	if len(lack) == 0 && known {
		return true, true, ""
	}
	if len(have) > 0 && len(lack) > 0 {
		partial = fmt.Sprintf("%s is in %s but not in %s, so it limits nothing", l.name, strings.Join(have, " and "), strings.Join(lack, " or "))
	}
	if len(lack) > 0 {
		return false, true, partial
	}
	return false, known, partial
}

// authThrottleRE matches a non-empty per-view DRF throttle list:
// `throttle_classes = [AnonRateThrottle]` or `@throttle_classes([...])`.
var authThrottleRE = lazyre.New(`throttle_classes\s*(=|\()\s*[\[(]\s*[A-Za-z_]`)

// authLimiterState says whether m (with the project's requirements and
// code) has a limiter; known is false when djsec cannot tell. note says
// why a limiter that looks installed does not count.
func authLimiterState(p *Project, m *settings.Model, lockoutOnly bool) (has string, known bool, note string) {
	if m.Opaque {
		return "", false, ""
	}
	apps, _ := p.Get(m, "INSTALLED_APPS")
	if found, _ := authListedLeast(apps, "django.contrib.auth"); !found {
		// No user accounts to guess at (or djsec cannot see them).
		return "", false, ""
	}
	mw, _ := p.Get(m, "MIDDLEWARE")
	backends, _ := p.Get(m, "AUTHENTICATION_BACKENDS")
	allKnown := apps.Known() && apps.IsSequence()
	var notes []string
	for _, l := range authLimiters {
		if lockoutOnly && !l.lockout {
			continue
		}
		on, k, partial := l.configured(p, apps, mw, backends)
		if on {
			return l.name, true, ""
		}
		if !k {
			allKnown = false
		}
		if partial != "" {
			notes = append(notes, partial)
		}
	}
	if authProjectLimiter(p) {
		return "the project's own login limiting", true, ""
	}
	// django-allauth limits failed logins (ACCOUNT_RATE_LIMITS
	// "login_failed": per address and per account, the latter a lockout)
	// unless the setting is False.
	found, k := authListedLeast(apps, "allauth.account")
	if !k {
		allKnown = false
	}
	if found {
		rl := m.Value("ACCOUNT_RATE_LIMITS")
		if !(rl != nil && rl.Kind == settings.Bool && !rl.Bool) {
			return "django-allauth", true, ""
		}
	}
	if !lockoutOnly {
		drf, drfNote, k := authDRFThrottles(p, m, apps)
		switch {
		case drf:
			return "Django REST framework throttling", true, ""
		case !k:
			return "", false, ""
		case drfNote != "":
			notes = append(notes, drfNote)
		}
	}
	if !allKnown {
		return "", false, ""
	}
	return "", true, strings.Join(notes, "; ")
}

// authDRFThrottles reports DRF throttling that limits something: DRF in
// use, throttle classes set (by default or on views), and a rate that is
// not None (DRF's SimpleRateThrottle lets every request through when its
// rate is None). note says why configured throttles do not count.
func authDRFThrottles(p *Project, m *settings.Model, apps *settings.Value) (on bool, note string, known bool) {
	inApps, _ := authListedLeast(apps, "rest_framework")
	// DRF, or a copy of it vendored into the project, which reads the
	// same REST_FRAMEWORK settings and throttle_classes.
	framework := inApps || drfUsedByProjectCode(p) || authPyMatches(p, authThrottleRE())
	rf, _ := p.Get(m, "REST_FRAMEWORK")
	tc, present, k := authDictKey(rf, "DEFAULT_THROTTLE_CLASSES")
	if !k {
		return false, "", false
	}
	if present {
		truth, ok := tc.Truthy()
		if !ok {
			return false, "", false
		}
		if truth {
			rates, set, k := authDictKey(rf, "DEFAULT_THROTTLE_RATES")
			if !k || set && (!rates.Known() || rates.Kind != settings.Dict || rates.HasUnknownKeys()) {
				return false, "", false
			}
			if set && len(rates.Items) > 0 {
				limits := false
				for _, it := range rates.Items {
					if it == nil || it.Kind != settings.None {
						limits = true
					}
				}
				if !limits {
					return false, "REST_FRAMEWORK sets every DEFAULT_THROTTLE_RATES entry to None, so its throttle classes let every request through", true
				}
				if scopes, off := authLoginScopesOff(rates); off {
					return false, fmt.Sprintf("REST_FRAMEWORK sets the login throttle rate %s to None, so it lets every attempt through", scopes), true
				}
			}
			if !framework {
				// Throttle settings in a project without DRF limit nothing.
				return false, "", true
			}
			return true, "", true
		}
	}
	if framework && authPyMatches(p, authThrottleRE()) && !authEveryRateNone(rf) {
		return true, "", true
	}
	return false, "", true
}

// authLoginScopesOff reports a DEFAULT_THROTTLE_RATES whose scopes for
// logins ("login", "login-fail", "auth", "signin", "password") are all
// None: whatever else is throttled, password guessing is not.
func authLoginScopesOff(rates *settings.Value) (scopes string, off bool) {
	var names []string
	for i, k := range rates.Keys {
		if k == nil || k.Kind != settings.Str {
			continue
		}
		l := strings.ToLower(k.Str)
		if !strings.Contains(l, "login") && !strings.Contains(l, "auth") && !strings.Contains(l, "signin") &&
			!strings.Contains(l, "sign-in") && !strings.Contains(l, "password") {
			continue
		}
		if it := rates.Items[i]; it == nil || it.Kind != settings.None {
			return "", false
		}
		names = append(names, strconv.Quote(k.Str))
	}
	return strings.Join(names, " and "), len(names) > 0
}

// authEveryRateNone reports a REST_FRAMEWORK whose DEFAULT_THROTTLE_RATES
// are all None: per-view throttles read their rates there too.
func authEveryRateNone(rf *settings.Value) bool {
	rates, set, k := authDictKey(rf, "DEFAULT_THROTTLE_RATES")
	if !k || !set || !rates.Known() || rates.Kind != settings.Dict || len(rates.Items) == 0 {
		return false
	}
	for _, it := range rates.Items {
		if it == nil || it.Kind != settings.None {
			return false
		}
	}
	return true
}

var (
	// authLoginCallRE is code that checks a password.
	authLoginCallRE = lazyre.New(`\b(?:authenticate|check_password)\s*\(`)
	// authOwnLimiterRE is a name of a limiter a project writes itself: a
	// token bucket, a throttle, a rate limit, a lockout or an attempts
	// counter.
	// (DRF-style throttles are judged by authDRFThrottles, which knows
	// whether their rates limit anything.)
	authOwnLimiterRE = lazyre.New(`(?i)rate_?limit|token_?bucket|lockout|locked_?out|too[_ ]?many[_ ]?(?:attempts|requests|tries|logins|failures)|max_?attempts|failed_?attempts|brute_?force|(?:login|attempt|auth|password)\w*(?:bucket|limit)`)
)

// authProjectLimiter reports a file of the project's own code that checks
// passwords and limits the attempts itself (a token bucket per address or
// per account consulted before authenticate()): the login is limited by
// code no package list names.
func authProjectLimiter(p *Project) bool {
	if p.ownLimiter == nil {
		found := authFindProjectLimiter(p)
		p.ownLimiter = &found
	}
	return *p.ownLimiter
}

func authFindProjectLimiter(p *Project) bool {
	for _, fp := range authPyFiles(p) {
		if strings.Contains(fp, "/tests/") || strings.HasPrefix(path.Base(fp), "test") {
			continue
		}
		data := p.Files[fp]
		if !bytes.Contains(data, []byte("authenticate(")) && !bytes.Contains(data, []byte("check_password(")) {
			continue
		}
		login, limiter := false, false
		for _, line := range strings.Split(string(data), "\n") {
			t := strings.TrimSpace(line)
			if t == "" || strings.HasPrefix(t, "#") {
				continue
			}
			login = login || authLoginCallRE().MatchString(t)
			limiter = limiter || authOwnLimiterRE().MatchString(t)
			if login && limiter {
				return true
			}
		}
	}
	return false
}

func checkLoginRateLimitMissing(p *Project, r *Reporter) {
	for _, m := range p.Settings {
		if m.Role != settings.Production {
			continue
		}
		has, known, note := authLimiterState(p, m, false)
		if !known || has != "" {
			continue
		}
		what := "no REST_FRAMEWORK DEFAULT_THROTTLE_CLASSES, no django-ratelimit, no django-axes"
		if note != "" {
			what = note
		}
		r.Emit(ruleLoginRateLimitMissing, m, authPos(m, "INSTALLED_APPS", nil), "rate-limit",
			"Nothing limits login attempts ("+what+"), so passwords can be guessed as fast as the server answers: add django-axes (\"axes\" in INSTALLED_APPS, AxesMiddleware, AxesStandaloneBackend), @ratelimit on the login views, or DRF throttling with DEFAULT_THROTTLE_RATES")
	}
}

func checkAccountLockoutMissing(p *Project, r *Reporter) {
	for _, m := range p.Settings {
		if m.Role != settings.Production {
			continue
		}
		has, known, _ := authLimiterState(p, m, true)
		if !known || has != "" {
			continue
		}
		r.Emit(ruleAccountLockoutMissing, m, authPos(m, "INSTALLED_APPS", nil), "lockout",
			"No account lockout after failed logins: an attacker can keep guessing one account's password from many addresses; install django-axes (\"axes\" in INSTALLED_APPS, AxesMiddleware, AxesStandaloneBackend) or django-defender")
	}
}

// authResetMarkers are what a password-reset route looks like in Python
// source (compared case-insensitively): Django's view and URLconf, and the
// API packages' URLconfs, which all include a reset endpoint.
var authResetMarkers = []string{
	"passwordreset", "password_reset", "reset_password", "resetpassword",
	// Other names for the same flow, and login by an e-mailed link, which
	// lets a user who forgot the password in and set a new one.
	"password_recovery", "passwordrecovery", "recover_password", "recoverpassword", "forgot_password",
	"forgotpassword", "lost_password", "login_link", "loginlink", "magic_link", "magiclink",
	"django.contrib.auth.urls", "dj_rest_auth.urls", "rest_auth.urls",
	"allauth.urls", "allauth.account.urls", "allauth.headless.urls", "djoser.urls",
}

func checkPasswordResetMissing(p *Project, r *Reporter) {
	if !authHasURLConf(p) || authPyMentions(p, true, authResetMarkers...) {
		return
	}
	for _, m := range p.Settings {
		if present, _ := authUsesAuthApp(p, m); !present {
			continue
		}
		r.Emit(rulePasswordResetMissing, m, settings.Pos{}, "password-reset",
			"No URL routes a password reset (PasswordResetView, django.contrib.auth.urls, dj-rest-auth, allauth or djoser URLs): add a reset flow so users never need an administrator to set their password")
		return
	}
}

// authPyFiles lists the repository's Python files other than settings
// modules (whose PASSWORD_RESET_TIMEOUT or RATELIMIT_* names say nothing
// about routes or views), in a stable order.
func authPyFiles(p *Project) []string {
	settingsFile := map[string]bool{}
	for _, m := range p.Settings {
		for _, f := range m.Files {
			settingsFile[f] = true
		}
	}
	var out []string
	for _, fp := range p.Paths() {
		if strings.HasSuffix(fp, ".py") && !strings.Contains(fp, "/migrations/") && !settingsFile[fp] {
			out = append(out, fp)
		}
	}
	return out
}

// authCodeLines calls fn with each non-comment line of every Python file
// until fn returns true.
func authCodeLines(p *Project, fn func(line string) bool) bool {
	for _, fp := range authPyFiles(p) {
		for _, line := range strings.Split(string(p.Files[fp]), "\n") {
			if t := strings.TrimSpace(line); t == "" || strings.HasPrefix(t, "#") {
				continue
			}
			if fn(line) {
				return true
			}
		}
	}
	return false
}

// authPyMentions reports whether any Python code line contains one of the
// needles (case-insensitively when fold is set).
func authPyMentions(p *Project, fold bool, needles ...string) bool {
	// Several rules ask the same question of every line of code, once per
	// settings module: the answer is the project's, so it is kept.
	key := fmt.Sprint(fold, needles)
	if v, ok := p.codeMentions[key]; ok {
		return v
	}
	v := authScanMentions(p, fold, needles)
	if p.codeMentions == nil {
		p.codeMentions = map[string]bool{}
	}
	p.codeMentions[key] = v
	return v
}

func authScanMentions(p *Project, fold bool, needles []string) bool {
	lowered := needles
	if fold {
		lowered = make([]string, len(needles))
		for i, n := range needles {
			lowered[i] = strings.ToLower(n)
		}
	}
	for _, fp := range authPyFiles(p) {
		// Most files name none of the needles anywhere: skip them before
		// splitting them into lines.
		data := p.Files[fp]
		if fold {
			data = bytes.ToLower(data)
		}
		hit := false
		for _, n := range lowered {
			if bytes.Contains(data, []byte(n)) {
				hit = true
				break
			}
		}
		if !hit {
			continue
		}
		for _, line := range strings.Split(string(data), "\n") {
			if t := strings.TrimSpace(line); t == "" || strings.HasPrefix(t, "#") {
				continue
			}
			for _, n := range lowered {
				if strings.Contains(line, n) {
					return true
				}
			}
		}
	}
	return false
}

func authPyMatches(p *Project, re *regexp.Regexp) bool {
	key := "re:" + re.String()
	if v, ok := p.codeMentions[key]; ok {
		return v
	}
	v := authCodeLines(p, func(line string) bool { return re.MatchString(line) })
	if p.codeMentions == nil {
		p.codeMentions = map[string]bool{}
	}
	p.codeMentions[key] = v
	return v
}

// authHasURLConf reports whether the analyzed files include a URLconf, so
// that "no route" is a statement about the repository and not about a
// partial file set.
func authHasURLConf(p *Project) bool {
	return authPyMentions(p, false, "urlpatterns")
}
