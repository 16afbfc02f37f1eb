package pysrc

import (
	"strings"
	"testing"
	"time"
)

// TestRecoverKeepsStatements: a file with syntax errors still yields every
// statement around the broken ones, each broken statement an ERROR node
// (an unclosed bracket swallowing the simple statements after it, as in
// tree-sitter), and FirstError points at the first error.
func TestRecoverKeepsStatements(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, src string
		want      []string // the module's named children: kind, or ERROR:text
		line      int      // FirstError's line
	}{
		{"unclosed bracket", "DEBUG = True\nX = (\nALLOWED_HOSTS = ['*']\nSECRET_KEY = 'x'\n\ndef f():\n    pass\nY = 2\n",
			[]string{"expression_statement", "ERROR:X = (\nALLOWED_HOSTS = ['*']\nSECRET_KEY = 'x'", "function_definition", "expression_statement"}, 2},
		{"broken def", "DEBUG = True\ndef f(:\n    pass\nX = 1\n",
			[]string{"expression_statement", "ERROR:def f(:\n    pass", "expression_statement"}, 2},
		{"broken block", "if x:\n    A = 1\n    B = = 2\n    C = 3\n# after\nD = 4\n",
			[]string{"ERROR:if x:\n    A = 1\n    B = = 2\n    C = 3", "comment", "expression_statement"}, 3},
		{"decorator and def together", "@dec\ndef f(): pass\nX = = 1\nX = [\n1,\n]\n",
			[]string{"decorated_definition", "ERROR:X = = 1", "expression_statement"}, 3},
		{"string across column-0 lines", "A = '''\nB = 1\n'''\nC = (\nD = 2\n",
			[]string{"expression_statement", "ERROR:C = (\nD = 2"}, 4},
		{"unterminated string", "A = 1\nB = 'x\nC = 2\n",
			[]string{"expression_statement", "ERROR:B = 'x", "expression_statement"}, 2},
		{"else stays with its if", "if a:\n    b = 1\nelse:\n    c = (\nd = 1\n",
			[]string{"ERROR:if a:\n    b = 1\nelse:\n    c = (\nd = 1"}, 4},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, err := Parse([]byte(c.src))
			if err != nil {
				t.Fatal(err)
			}
			if !f.HasErrors() {
				t.Fatal("no error reported")
			}
			var got []string
			for i := range f.Root.NamedChildCount() {
				n := f.Root.NamedChild(i)
				if n.IsError() {
					got = append(got, "ERROR:"+f.Text(n))
				} else {
					got = append(got, n.Kind())
				}
				if n.Parent() != f.Root {
					t.Errorf("%s: parent link", n.Kind())
				}
			}
			if strings.Join(got, "|") != strings.Join(c.want, "|") {
				t.Errorf("got  %q\nwant %q", got, c.want)
			}
			if line, _ := f.FirstError(); line != c.line {
				t.Errorf("first error at line %d, want %d", line, c.line)
			}
			if f.Root.StartByte() != 0 || f.Root.EndByte() != uint(len(c.src)) {
				t.Errorf("module spans %d-%d", f.Root.StartByte(), f.Root.EndByte())
			}
		})
	}
}

// TestRecoverValidPieces: a valid file parsed in pieces is the tree of the
// whole-file parse, so the recovery never changes a statement that parses.
func TestRecoverValidPieces(t *testing.T) {
	t.Parallel()
	for i, s := range goParserSeeds {
		src := []byte(s)
		whole, ok := goParse(src)
		if !ok {
			continue
		}
		pieces, at := recoverParse(src)
		if at >= 0 {
			t.Errorf("seed %d: an error at %d in a file that parses", i, at)
			continue
		}
		if d := diffTrees(src, pieces, whole); d != "" {
			t.Errorf("seed %d %q: %s", i, s, d)
		}
	}
}

// TestRecoverBounded: a file of nothing but broken statements costs a few
// times a valid one, not the square of its size.
func TestRecoverBounded(t *testing.T) {
	t.Parallel()
	for _, line := range []string{"(\n", "x = = 1\n", "@d\n", "'\n", "if x:\n"} {
		src := []byte(strings.Repeat(line, MaxSize/len(line)))
		start := time.Now()
		f, err := Parse(src)
		if err != nil {
			t.Fatal(err)
		}
		if !f.HasErrors() {
			t.Errorf("%q: no error", line)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("%q x %d: %v", line, MaxSize/len(line), d)
		}
		t.Logf("%q: %v, %d top-level nodes", line, time.Since(start), f.Root.ChildCount())
	}
}
