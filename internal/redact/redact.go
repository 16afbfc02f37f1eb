// Package redact keeps credentials in URLs out of logs and error messages.
package redact

import (
	"net/url"
	"strings"
)

const mask = "xxxxx"

// URL is raw with its credentials masked: the userinfo password and any
// query parameter that carries a secret (Postgres takes ?password= and
// ?sslpassword= as well as user:password@). A value that does not parse
// as a URL is not shown at all: it may be a key/value DSN with the
// password in it.
func URL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme == "" && strings.Contains(raw, "=")) {
		return "(a database address that is not a URL; not shown)"
	}
	if u.RawQuery != "" {
		q := u.Query()
		changed := false
		for k := range q {
			if secretParam(k) {
				q.Set(k, mask)
				changed = true
			}
		}
		if changed {
			u.RawQuery = q.Encode()
		}
	}
	return u.Redacted()
}

func secretParam(k string) bool {
	k = strings.ToLower(k)
	for _, w := range []string{"password", "passwd", "pwd", "secret", "token", "key"} {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}
