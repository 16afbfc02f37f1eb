package deps

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseAll feeds the same bytes to every manifest reader: none may
// panic or hang, and every requirement must be placed in its file.
func FuzzParseAll(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*/*")
	for _, s := range seeds {
		if data, err := os.ReadFile(s); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("-r requirements.txt\n-c requirements.txt\nDjango==4.2 \\\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		files := map[string][]byte{
			"requirements.txt":      data,
			"requirements/base.txt": data,
			"pyproject.toml":        data,
			"Pipfile":               data,
		}
		reqs, _ := ParseAll(files)
		for _, r := range reqs {
			if r.Line < 1 || r.Col < 1 || r.Name == "" {
				t.Fatalf("requirement without a place or name: %+v", r)
			}
			if _, ok := files[r.Path]; !ok {
				t.Fatalf("requirement from unknown file %q", r.Path)
			}
		}
	})
}

// FuzzVersion: a parsed version's normal form parses to an equal version,
// and Compare is antisymmetric.
func FuzzVersion(f *testing.F) {
	for _, v := range depsOrderedVersions {
		f.Add(v, "1.0")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		va, err := ParseVersion(a)
		if err != nil {
			return
		}
		again, err := ParseVersion(va.String())
		if err != nil || Compare(va, again) != 0 {
			t.Fatalf("%q → %q does not round-trip: %v", a, va.String(), err)
		}
		if vb, err := ParseVersion(b); err == nil && Compare(va, vb) != -Compare(vb, va) {
			t.Fatalf("Compare(%q, %q) is not antisymmetric", a, b)
		}
		set, err := ParseSpecifier(">=" + a + ",<" + b)
		if err == nil {
			set.Contains(va)
			set.UpperBound()
			set.LowerBound()
		}
	})
}

// FuzzParseLocks feeds the same bytes to every lock reader next to
// manifests: none may panic, and every locked package is placed.
func FuzzParseLocks(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/locks/*/*")
	for _, s := range seeds {
		if data, err := os.ReadFile(s); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		files := map[string][]byte{
			"pyproject.toml": []byte("[tool.poetry.dependencies]\ndjango = \"*\"\n[project]\ndependencies = [\"django\"]\n"),
			"Pipfile":        []byte("[packages]\ndjango = \"*\"\n"),
			"poetry.lock":    data,
			"uv.lock":        data,
			"pdm.lock":       data,
			"Pipfile.lock":   data,
		}
		m := Parse(files)
		for _, l := range m.Locked {
			if l.Line < 1 || l.Name == "" || l.Version == "" || !IsLockFile(l.Path) {
				t.Fatalf("locked package without a place, name or version: %+v", l)
			}
		}
		for _, r := range m.Requirements {
			if r.Locked != "" && (r.LockedLine < 1 || r.Version == "") {
				t.Fatalf("requirement locked without a place: %+v", r)
			}
		}
	})
}
