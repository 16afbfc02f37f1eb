// Package deps reads Python dependency manifests (requirements files,
// pyproject.toml, Pipfile) into requirements: name, specifier, where.
package deps

// Requirement is one declared dependency.
type Requirement struct {
	// Name is normalised per PEP 503 (lower case, runs of -_. become -).
	Name string
	// Specifier is the version constraint as written ("==4.2.11", ">=4.2,<5").
	Specifier string
	// Version is the exact version when the specifier pins one (== or ===).
	Version string
	Extras  []string
	Marker  string
	// Dev is true for development-only groups (Pipfile dev-packages, Poetry
	// dev/test groups, requirements-dev.txt, PEP 735 dev groups).
	Dev  bool
	Path string
	Line int
	Col  int
}
