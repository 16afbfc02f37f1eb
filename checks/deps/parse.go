package deps

// ParseAll reads every manifest in files (requirements*.txt and includes,
// pyproject.toml, Pipfile) and returns their requirements. Problems with a
// file are returned per path; the rest of the files still count.
func ParseAll(files map[string][]byte) ([]Requirement, map[string]error) {
	return nil, nil
}
