package settings

// FileSet gives the evaluator the repository's files, for star-imports.
type FileSet interface {
	ReadFile(path string) ([]byte, bool)
	Paths() []string
}

// Evaluate reads the settings module at path, following star-imports inside
// fs, and returns its production view.
func Evaluate(fs FileSet, path string) *Model {
	m := &Model{Path: path, Settings: map[string]*Setting{}}
	return m
}
