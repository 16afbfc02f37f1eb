//go:build treesitter

package pysrc

// The oracle tests: the Go parser against tree-sitter, built with
// -tags treesitter (cgo). .ci/run runs them, and the fuzzer.

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// compareParsers parses src both ways. It returns whether the Go parser
// took the file, and the first difference when it did.
func compareParsers(src []byte) (took bool, diff string) {
	g, ok := goParse(src)
	if !ok {
		return false, ""
	}
	ts, err := parseTree(src)
	if err != nil {
		return true, "tree-sitter failed: " + err.Error()
	}
	if ts.HasError() {
		return true, "the Go parser took a file tree-sitter finds errors in"
	}
	return true, diffTrees(src, g, ts)
}

// hasSyntaxError reports a source tree-sitter finds errors in.
func hasSyntaxError(src []byte) bool {
	ts, err := parseTree(src)
	return err == nil && ts.HasError()
}

func pyFiles(t *testing.T, roots ...string) []string {
	t.Helper()
	var out []string
	seen := map[string]bool{}
	for _, root := range roots {
		_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".py") {
				return nil
			}
			if r, err := filepath.EvalSymlinks(p); err == nil && !seen[r] {
				seen[r] = true
				out = append(out, p)
			}
			return nil
		})
	}
	sort.Strings(out)
	return out
}

// TestGoParserIdenticalToTreeSitter parses every Python file of the
// repository's examples and test data, of the Debian corpus when
// DJSEC_CORPUS names it and of the real repositories' checkouts
// (DJSEC_REALWORLD, or /work/rw), with both parsers: wherever the Go parser does not
// give up, its tree must be tree-sitter's, node for node.
func TestGoParserIdenticalToTreeSitter(t *testing.T) {
	t.Parallel()
	own := pyFiles(t, "../../examples", "../../testdata", "../testdata")
	if len(own) == 0 {
		t.Fatal("no Python files found")
	}
	ownSet := map[string]bool{}
	for _, f := range own {
		ownSet[f] = true
	}
	files := own
	// The Debian corpus (scripts/corpus.sh) and the real-repository
	// checkouts (docs/REALWORLD.md) when present.
	for _, c := range []string{os.Getenv("DJSEC_CORPUS"), os.Getenv("DJSEC_REALWORLD"), "/work/rw"} {
		if c != "" {
			files = append(files, pyFiles(t, c)...)
		}
	}
	took, failed := 0, 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil || len(src) > MaxSize || !IsText(src) {
			continue
		}
		ok, diff := compareParsers(src)
		if ok {
			took++
		} else if ownSet[f] && !hasSyntaxError(src) && !strings.Contains(filepath.ToSlash(f), "/testdata/shapes/") {
			// This repository's own Python (examples, test data) is
			// written in what the fast path covers; a file it gives up on
			// means the Go parser lost ground. Fixtures that are broken on
			// purpose go to tree-sitter, as they should, and so do the
			// shapes of real projects (checks/testdata/shapes), which use
			// what real projects use (f-strings around a selector).
			t.Errorf("%s: the Go parser gave up on it", f)
		}
		if diff != "" {
			failed++
			if failed <= 30 {
				t.Errorf("%s: %s", f, diff)
			}
		}
	}
	t.Logf("%d Python files, the Go parser took %d, %d differ", len(files), took, failed)
}

// FuzzGoParser: on any input the Go parser takes, its tree is
// tree-sitter's. Seeds: goParserSeeds and every Python file of the
// examples and test data.
func FuzzGoParser(f *testing.F) {
	for _, s := range goParserSeeds {
		f.Add([]byte(s))
	}
	for _, root := range []string{"../../examples", "../../testdata", "../testdata"} {
		_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".py") {
				if data, err := os.ReadFile(p); err == nil && len(data) < 1<<16 {
					f.Add(data)
				}
			}
			return nil
		})
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		if len(src) > MaxSize || !IsText(src) {
			return
		}
		if _, diff := compareParsers(src); diff != "" {
			t.Fatalf("%q: %s", src, diff)
		}
	})
}
