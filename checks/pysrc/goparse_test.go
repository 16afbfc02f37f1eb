package pysrc

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// diffTrees compares two trees node by node and describes the first
// difference, or returns "".
func diffTrees(src []byte, a, b *Node) string {
	var walk func(a, b *Node, path string) string
	walk = func(a, b *Node, path string) string {
		here := fmt.Sprintf("%s/%s[%d-%d]", path, b.Kind(), b.startByte, b.endByte)
		switch {
		case a.Kind() != b.Kind():
			return fmt.Sprintf("%s: kind %q, tree-sitter %q", here, a.Kind(), b.Kind())
		case a.fieldName() != b.fieldName():
			return fmt.Sprintf("%s: field %q, tree-sitter %q", here, a.fieldName(), b.fieldName())
		case a.flags != b.flags:
			return fmt.Sprintf("%s: flags %d, tree-sitter %d", here, a.flags, b.flags)
		case a.startByte != b.startByte || a.endByte != b.endByte:
			return fmt.Sprintf("%s: bytes %d-%d, tree-sitter %d-%d", here, a.startByte, a.endByte, b.startByte, b.endByte)
		case a.start != b.start || a.end != b.end:
			return fmt.Sprintf("%s: points %v-%v, tree-sitter %v-%v", here, a.start, a.end, b.start, b.end)
		case a.nnamed != b.nnamed:
			return fmt.Sprintf("%s: %d named children, tree-sitter %d", here, a.nnamed, b.nnamed)
		}
		for i := range uint(min(a.nkids, b.nkids)) {
			ac, bc := a.Child(i), b.Child(i)
			if ac.Parent() != a || bc.Parent() != b {
				return here + ": parent link"
			}
			if d := walk(ac, bc, here); d != "" {
				return d
			}
		}
		if a.nkids != b.nkids {
			return fmt.Sprintf("%s: %d children, tree-sitter %d", here, a.nkids, b.nkids)
		}
		for i := range uint(a.nnamed) {
			an, bn := a.NamedChild(i), b.NamedChild(i)
			if !an.IsNamed() || an.Kind() != bn.Kind() || an.startByte != bn.startByte {
				return here + ": named children differ"
			}
		}
		return ""
	}
	if a.Parent() != nil || b.Parent() != nil {
		return "root has a parent"
	}
	return walk(a, b, "")
}

// goParserSeeds are shapes the Go parser must either reproduce exactly or
// refuse: comments around dedents, continuation lines, string quirks,
// Python 2 forms, soft keywords, and inputs that once broke a parser.
var goParserSeeds = []string{
	"",
	"\n\n  \n",
	"# only a comment",
	"x = 1",
	"x = 1\n",
	"if x:  # c\n    # first\n    a = 1  # ca\n    # inner\n# outer\nelif not a == b:\n    pass\nelse: b = 2  # cb\n",
	"if a:\n    if b:\n        x = 1\n    # c4\ny = 2\n",
	"if a:\n    if b:\n        x = 1\n        # deeper\n  # shallow\ny = 2\n",
	"z = a + \\\n    b\nw = \"a\" \\\n    \"b\"\n",
	"r = r\"\\\\\"\nt = b\"\\N\\x41\"\ne = \"\"\nq = \"\"\"a \"\" b \\\nc\"\"\"\n",
	"x = 'a \"\\h b'\ny = \"\\033\\[[0-9;]*m\"\n",
	"print \"a\"\nprint(1)\nprint >>f, x\nexec code in ns\n",
	"match = re.match(x)\nmatch x:\n    case 1:\n        pass\ntype X = int\ntype(x)\n",
	"from __future__ import annotations, division\nfrom ... import z\nfrom . import (a, b,)\n",
	"def f(a: int, b: x.Y, c: \"S\" = 1, *d: int, **e: str) -> None:\n    pass\n",
	"v: Dict[str, int] = {}\n",
	"x = [1,\n  2]\nif x:\n    D = {'a':\n1}\n",
	"f = f'{x!r:{y}}'\n",
	"async def f():\n    await g()\n",
	"with (open(a) as b, open(c) as d):\n    pass\n",
	"try:\n    pass\nexcept* E:\n    pass\n",
	"x = 1; y = 2;\n",
	"@dec  # c\nclass A(B, metaclass=M):\n    pass\n",
	"x = (yield)\n",
	"s = a[1:2, ::3, :]\nl = [i for i in x if i if j]\nd = {k: v for k, v in x.items()}\n",
	"x = -1 ** -2\nz = -a ** b & c ^ d\nu = a not in b is not c\n",
	"\tx = 1\n",
	"if x:\n\tpass\n",
	"if x:\n        a = 1\n\tb = 2\n",
	"DEBUG = " + strings.Repeat("(", 500) + "1" + strings.Repeat(")", 500) + "\n",
	"DEBUG = True\x00\xff\xfe\n",
	"\ufeffDEBUG = True\r\nALLOWED_HOSTS = ['*']\r\n",
	"def f(:\n    pass\nDEBUG = True\n",
	"if True:\n\tDEBUG = (\n",
	"x = 0x_1 + 0b1_0 + 0o7L + 1e5j + 1_000.5e-3 + 07 + 1.\n",
	"x = `y`\n",
	"x = 1 if y else 2 if z else 3\nf = lambda: a if b else c\n",
	"class A: pass\nclass B(): x = 1\n",
	"for x in a, b: pass\nelse: pass\nwhile x: break\nelse: continue\n",
	"del a, b\nraise E from e\nassert x, 'm'\nglobal q\nnonlocal r\nreturn\nreturn a, b,\n",
	"a, b = c\n(a, b) = c\n[a, *b] = c\na, = c\nx = y = z = 1\na.b[0] += 1\n",
	"x = \"\\N{DASH}\\u12345\\U0001F600\\x4\\8\\\n\"\n",
	"x = b'\\u1234' rb'\\'' r'\\\n' u'a' Rb\"x\"\n",
	// f-strings: escapes of braces, conversions, nested specifiers and
	// quotes, self-documenting =, raw and triple-quoted.
	"x = f\"a{b!r:>{w}}c{{d}}\" f'{x=}' F\"\"\"q{y}\nz\"\"\"\n",
	"y = f\"{'a'}\" rf\"\\d{x}\\n\" f\"{x: }\" f\"{x:}\" f\"{x[\"a\"]}\" f\"{ x = !r:>4 }\" f\"{a, b}\" f\"{a!=b}\"\n",
	"z = f\"{x:%Y-%m-%d %H}\" f\"{(yield)}\" f\"{x:{a}{b}.{c}}\" f\"\\{x}\\N{DASH}\"\n",
	// Annotations: generic, union, member and plain types.
	"x: Dict[str, int] = {}\ny: typing.Callable[..., int]\nz: list[int] | dict[str, int] | None\nw: list[int] | None | str\n",
	"def f(a: list[int] | None = None, *b: int, c: \"X\" | None, d: Literal[\"a\", 1]) -> Optional[str]:\n    pass\n",
	// yield, await, async, walrus, stars.
	"def g():\n    y = yield\n    yield x, y\n    z = yield from g()\n    w = (yield a)\n    x += yield\n    yield\n",
	"async def h():\n    async for x in y: pass\n    async with a as b: pass\n    await q(a)\n    return await x.y() + 1\n@d\nasync def k(): pass\n",
	"if (n := len(a)) > 1: pass\nwhile m := f(): pass\n[y for x in a if (y := f(x))]\n",
	"*a, b = c\na, *b = c\nx = *a, b\nreturn *a, b\nx = [*a.b, *c]\ny = [*a.b]\nz = {*a()}\nfor x in *a, b: pass\n",
	"with (open(a) as b, open(c) as d):\n    pass\nwith (a, b):\n    pass\nwith (a) as b, c as d:\n    pass\nwith (a, b) as c:\n    pass\n",
	"with (a as b, c as d,):\n    pass\nwith (a as b,):\n    pass\na, (b, c) = x, y = r, (1, 2)\n",
	// match, PEP 695 and soft keywords as names.
	"match engine:\n    case \"sqlite\" | \"x\":\n        pass\n    case Device():\n        pass\n    case A.B if x > 1:\n        pass\n" +
		"    case Point(x=0, y=-1) as p:\n        pass\n    case [a, (b, _)]:\n        pass\n    case _:\n        pass\nmatch a, b:\n    case None: pass\n",
	"type X = int\ntype Y[T] = list[T] | None\ndef f[T: int, *Ts](x: T) -> T: pass\nclass A[T](B): pass\ntype(x)\ntype = 1\nmatch = 2\nmatch(x)\nx: y[1:2]\n",
	// CR LF line ends and a byte order mark.
	"a = 1\r\nif x:\r\n    b = 2  # c\r\n    s = \"\"\"x\r\ny\"\"\"\r\n    t = a + \\\r\n  b\r\n",
	"\ufeff# c\nDEBUG = True\n",
	// Joined trailing-comma lines, a leading splat's quirk, a continuation
	// line less indented than its block.
	"def f():\n    a,\n    b = ()\n    f(a),\n    x = 1\n    c, = d\n    *a.b, c = d\n    x = *a.b, c\n    return *a, c\n",
	"def g():\n    return foo(a,\n  b,\n)\n",
}

// TestParseConcurrent parses through both parsers at once (the server
// analyzes several pull requests in parallel): shared state is the names
// table and the scratch buffers. Run with -race.
func TestParseConcurrent(t *testing.T) {
	t.Parallel()
	want := make([]*File, len(goParserSeeds))
	for i, s := range goParserSeeds {
		want[i], _ = Parse([]byte(s))
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, s := range goParserSeeds {
				f, err := Parse([]byte(s))
				if (err == nil) != (want[i] != nil) {
					t.Errorf("seed %d: error %v the first time, %v now", i, want[i] == nil, err)
					continue
				}
				if f != nil {
					if d := diffTrees(f.Src, f.Root, want[i].Root); d != "" {
						t.Errorf("seed %d: %s", i, d)
					}
				}
			}
		}()
	}
	wg.Wait()
}
