package checks

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
)

// Finding is one rule violation at one place. Paths are slash-separated and
// relative to the root that was analyzed.
type Finding struct {
	Rule           string   `json:"rule"`
	Slug           string   `json:"slug"`
	Severity       Severity `json:"severity"`
	DjangoCheck    string   `json:"django_check"`
	Path           string   `json:"path"`
	Line           int      `json:"line"`
	Column         int      `json:"column"`
	EndLine        int      `json:"end_line"`
	Message        string   `json:"message"`
	Fixable        bool     `json:"fixable"`
	Fingerprint    string   `json:"fingerprint"`
	Suppressed     bool     `json:"suppressed"`
	SuppressReason string   `json:"suppress_reason"`
	// Also lists the findings this one stands for as well: one root cause
	// (no django-axes) reported once, not at three rules (merge.go).
	Also []Absorbed `json:"also,omitempty"`
	// Key is what the fingerprint is made of besides rule and path: the
	// setting name (DEBUG, SIMPLE_JWT.ACCESS_TOKEN_LIFETIME) or another stable
	// handle such as a package or variable name. Never a line number, so a
	// finding keeps its identity when lines move.
	Key string `json:"-"`
	// leak: reported in every settings module, whatever its role (Leak).
	leak bool
	// fromDebug: the setting's value is computed from DEBUG
	// (SECURE_SSL_REDIRECT = not DEBUG), so it is wrong exactly when DEBUG
	// is, and DJS201 takes it in (merge.go).
	fromDebug bool
}

// Absorbed is a finding folded into another that has the same root cause:
// its rule, and the Django check ID it carried (Django still reports it).
type Absorbed struct {
	Rule        string `json:"rule"`
	DjangoCheck string `json:"django_check,omitempty"`
	// Fingerprint is the absorbed finding's own: when a change separates
	// it again (the lockout stays after a throttle fixes DJS605), it is
	// the finding that was there, not a new one.
	Fingerprint string `json:"fingerprint"`
	// Key is the absorbed finding's key, for fingerprints under a new path.
	Key string `json:"-"`
}

// StandsFor reports whether f is a finding of rule, or took one in.
func (f Finding) StandsFor(rule string) bool {
	if f.Rule == rule {
		return true
	}
	for _, a := range f.Also {
		if a.Rule == rule {
			return true
		}
	}
	return false
}

// Fingerprints lists f's fingerprint and those of the findings it took in.
func (f Finding) Fingerprints() []string {
	out := []string{f.Fingerprint}
	for _, a := range f.Also {
		if a.Fingerprint != "" {
			out = append(out, a.Fingerprint)
		}
	}
	return out
}

// DjangoChecks lists the Django check IDs f carries: its own and those of
// the findings it took in.
func (f Finding) DjangoChecks() []string {
	var out []string
	if f.DjangoCheck != "" {
		out = append(out, f.DjangoCheck)
	}
	for _, a := range f.Also {
		if a.DjangoCheck != "" && !slices.Contains(out, a.DjangoCheck) {
			out = append(out, a.DjangoCheck)
		}
	}
	return out
}

// Fingerprint is the fingerprint a finding of rule with key would have at
// path: a pull request's review uses it to carry a renamed file's base
// findings over to the file's new name.
func Fingerprint(rule, path, key string) string { return fingerprint(rule, path, key) }

// fingerprint identifies a finding across commits: rule + path + key.
func fingerprint(rule, path, key string) string {
	sum := sha256.Sum256([]byte(rule + "\x00" + path + "\x00" + key))
	return hex.EncodeToString(sum[:8])
}
