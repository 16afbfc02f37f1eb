// Package deps reads Python dependency manifests (requirements files,
// pyproject.toml, Pipfile) into requirements: name, specifier, where; and
// lock files (poetry.lock, uv.lock, pdm.lock, Pipfile.lock) into the exact
// versions they pin.
package deps

import (
	"strings"

	"github.com/djsec/djsec/internal/lazyre"
)

// Requirement is one declared dependency.
type Requirement struct {
	// Name is normalised per PEP 503 (lower case, runs of -_. become -).
	Name string
	// Specifier is the version constraint in PEP 440 form (">=4.2,<5",
	// "==4.2.11"): as written in requirements files, PEP 621 lists and
	// Pipfiles; Poetry's ^, ~, bare and * forms are translated (^4.2 →
	// ">=4.2,<5.0", 4.2.1 → "==4.2.1", * → ""). Empty means any version.
	Specifier string
	// Version is the exact version when the specifier pins one (== without
	// a wildcard, or ===), when a constraints file (-c) pins it, or when a
	// lock file does (see Locked).
	Version string
	Extras  []string
	Marker  string
	// URL is the direct reference of `name @ url`, an editable (-e) VCS
	// URL or path, or a Poetry/Pipfile git, url or path source.
	URL      string
	Editable bool
	// Constraint is what a constraints file (-c) reachable from this
	// requirement's manifest says about the same name; pip applies it to the
	// whole install.
	Constraint string
	// Dev is true for development-only groups (Pipfile dev-packages, Poetry
	// dev/test groups, requirements-dev.txt, PEP 735 dev groups).
	Dev bool
	// Locked is the lock file next to the manifest (poetry.lock, uv.lock,
	// pdm.lock, Pipfile.lock) that Version comes from; LockedLine is the
	// package's entry in it. A lock's exact version wins over the
	// manifest's range.
	Locked     string
	LockedLine int
	Path       string
	Line       int
	Col        int
}

// Specifiers parses Specifier and Constraint together: every clause of
// both must hold. ok is false when either does not parse (a Poetry "||"
// union, a typo), so callers stay silent about what they cannot read.
func (r Requirement) Specifiers() (SpecifierSet, bool) {
	own, err := ParseSpecifier(r.Specifier)
	if err != nil {
		return nil, false
	}
	extra, err := ParseSpecifier(r.Constraint)
	if err != nil {
		return nil, false
	}
	return append(own, extra...), true
}

var nameRunRE = lazyre.New(`[-_.]+`)

// NormalizeName is PEP 503's canonical form: "Django_REST.framework" →
// "django-rest-framework".
func NormalizeName(name string) string {
	return nameRunRE().ReplaceAllString(strings.ToLower(strings.TrimSpace(name)), "-")
}
