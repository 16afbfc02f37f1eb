package settings

// Setting is one module-level name as the production view sees it.
type Setting struct {
	Name  string
	Value *Value
	// Pos is the last statement that assigned or changed the name.
	Pos Pos
}

// Role says which deployment a settings module serves.
type Role uint8

const (
	// Production modules serve traffic: every rule, full severity.
	Production Role = iota
	// Development modules run on a developer's machine (dev.py,
	// local.py, the settings manage.py names when something else names
	// production, a compose stack that runs runserver).
	Development
	// Test modules configure a test run (named by pytest, tox or a CI
	// workflow, or kept under tests/).
	Test
	// Example modules are templates an operator copies and fills in
	// (configuration_example.py, settings.py.example, cookiecutter
	// placeholders).
	Example
)

// String is the role's name in JSON and the check run ("production" …).
func (r Role) String() string {
	switch r {
	case Production:
		return "production"
	case Development:
		return "development"
	case Test:
		return "test"
	case Example:
		return "example"
	}
	return "unknown"
}

// Diag is a problem the evaluator met: a syntax error, an import cycle, a
// star-import it could not resolve, a file too large or not text.
type Diag struct {
	Pos     Pos
	Message string
	// Kind is "syntax", "cycle", "import", "read" or "limit".
	Kind string
}

// Model is an evaluated settings module, its star-import chain included.
type Model struct {
	// Module is the dotted module name ("mysite.settings.production").
	Module string
	// Path is the entry file.
	Path string
	Role Role
	// Why says what decided Role, for people ("named by wsgi.py").
	Why string
	// Settings holds every module-level name, upper-case or not.
	Settings map[string]*Setting
	// Files lists the entry file and every file it star-imported.
	Files []string
	// Imports lists modules imported anywhere at module level
	// ("sentry_sdk", "decouple"), for rules that look for a package in use.
	Imports []string
	// Calls lists module-level calls by dotted callee ("sentry_sdk.init").
	Calls []Call
	// Opaque is true when something the evaluator could not follow may
	// have set arbitrary names (a star-import from outside the project,
	// globals().update(...), exec). Rules about a missing setting must then
	// stay silent.
	Opaque bool
	// Skipped lists modules the production view did not follow: local and
	// development overrides imported inside try, and star-imports djsec
	// could not find (file paths where known, module names otherwise).
	Skipped []string
	Diags   []Diag
	// Variants lists the files an include() selector can pick
	// (environments/development.py, environments/production.py); the
	// module is then judged once per variant (EvaluateVariant), and this
	// first pass, which picked none, is opaque.
	Variants []string
	// Variant is the file picked in this evaluation, if any.
	Variant string
}

// Call is a module-level call expression.
type Call struct {
	Callee string
	Pos    Pos
}

// Lookup returns a setting and whether the module (or its chain) set it.
func (m *Model) Lookup(name string) (*Setting, bool) {
	s, ok := m.Settings[name]
	return s, ok
}

// Value returns the setting's value or nil when unset.
func (m *Model) Value(name string) *Value {
	if s, ok := m.Settings[name]; ok {
		return s.Value
	}
	return nil
}

// Imported reports whether module (or a submodule of it) was imported.
func (m *Model) Imported(module string) bool {
	for _, imp := range m.Imports {
		if imp == module || len(imp) > len(module) && imp[:len(module)] == module && imp[len(module)] == '.' {
			return true
		}
	}
	return false
}
