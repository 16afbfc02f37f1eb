package checks

import (
	"github.com/djsec/djsec/checks/settings"
)

// newestDjango is the series whose defaults apply when nothing is pinned.
var newestDjango = [2]int{6, 1}

func str(s string) *settings.Value   { return &settings.Value{Kind: settings.Str, Str: s} }
func boolean(b bool) *settings.Value { return &settings.Value{Kind: settings.Bool, Bool: b} }
func integer(i int64) *settings.Value {
	return &settings.Value{Kind: settings.Int, Int: i}
}
func none() *settings.Value      { return &settings.Value{Kind: settings.None} }
func emptyList() *settings.Value { return &settings.Value{Kind: settings.List} }
func emptyDict() *settings.Value { return &settings.Value{Kind: settings.Dict} }

// djangoDefault is global_settings.py's value of name for a Django series
// (DJANGO_FACTS.md §1.2), or nil when djsec does not model it.
func djangoDefault(name string, series [2]int) *settings.Value {
	before := func(maj, min int) bool {
		return series[0] < maj || series[0] == maj && series[1] < min
	}
	switch name {
	case "DEBUG", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "SECURE_SSL_REDIRECT",
		"SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "CSRF_COOKIE_HTTPONLY", "CSRF_USE_SESSIONS",
		"DEBUG_PROPAGATE_EXCEPTIONS":
		return boolean(false)
	case "SESSION_COOKIE_HTTPONLY":
		return boolean(true)
	case "SECURE_CONTENT_TYPE_NOSNIFF":
		return boolean(!before(3, 0))
	case "SECURE_HSTS_SECONDS":
		return integer(0)
	case "ALLOWED_HOSTS", "SECRET_KEY_FALLBACKS", "MIDDLEWARE", "INSTALLED_APPS", "CSRF_TRUSTED_ORIGINS",
		"AUTH_PASSWORD_VALIDATORS", "ADMINS":
		return emptyList()
	case "SECRET_KEY":
		return str("")
	case "X_FRAME_OPTIONS":
		if before(3, 0) {
			return str("SAMEORIGIN")
		}
		return str("DENY")
	case "SECURE_REFERRER_POLICY":
		if before(3, 1) {
			return none()
		}
		return str("same-origin")
	case "SECURE_CROSS_ORIGIN_OPENER_POLICY":
		if before(4, 0) {
			return none()
		}
		return str("same-origin")
	case "SESSION_COOKIE_SAMESITE", "CSRF_COOKIE_SAMESITE":
		return str("Lax")
	case "AUTHENTICATION_BACKENDS":
		return &settings.Value{Kind: settings.List, Items: []*settings.Value{str("django.contrib.auth.backends.ModelBackend")}}
	case "LOGGING", "SECURE_CSP", "SECURE_CSP_REPORT_ONLY":
		return emptyDict()
	case "DATA_UPLOAD_MAX_MEMORY_SIZE", "FILE_UPLOAD_MAX_MEMORY_SIZE":
		return integer(2621440)
	case "DATA_UPLOAD_MAX_NUMBER_FIELDS":
		return integer(1000)
	}
	return nil
}

// Series is the Django series whose defaults apply: the pinned one, or the
// newest supported release.
func (p *Project) Series() [2]int {
	if p.DjangoKnown {
		return p.Django
	}
	return newestDjango
}

// Get returns the production value of name in m, or Django's default when m
// leaves it unset. set tells which. A nil value means unset with no modelled
// default. When m is Opaque and the name is unset, Get returns an Unknown
// value: something djsec could not follow may have set it.
func (p *Project) Get(m *settings.Model, name string) (v *settings.Value, set bool) {
	if s, ok := m.Lookup(name); ok {
		return s.Value, true
	}
	if m.Opaque {
		return &settings.Value{Kind: settings.Unknown}, false
	}
	return djangoDefault(name, p.Series()), false
}
