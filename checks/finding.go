package checks

import (
	"crypto/sha256"
	"encoding/hex"
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
	// Also lists the rules this finding stands for as well: one root cause
	// (no django-axes) reported once, not at three rules (merge.go).
	Also []string `json:"also,omitempty"`
	// Key is what the fingerprint is made of besides rule and path: the
	// setting name (DEBUG, SIMPLE_JWT.ACCESS_TOKEN_LIFETIME) or another stable
	// handle such as a package or variable name. Never a line number, so a
	// finding keeps its identity when lines move.
	Key string `json:"-"`
	// leak: reported in every settings module, whatever its role (Leak).
	leak bool
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
