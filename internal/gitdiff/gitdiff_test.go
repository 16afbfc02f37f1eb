package gitdiff

import (
	"bytes"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/diff/*/patch with what git diff prints (needs git)")

// gitPatch runs `git diff --no-index` on old and cur and returns its hunks
// as GitHub's patch field holds them: without the headers and final newline.
func gitPatch(t testing.TB, old, cur []byte) string {
	t.Helper()
	dir := t.TempDir()
	for name, b := range map[string][]byte{"a": old, "b": cur} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("git", "-c", "diff.noprefix=false", "diff", "--no-index", "--no-color", "--no-ext-diff", "-U3", "a", "b")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null")
	out, err := cmd.Output()
	if err != nil && cmd.ProcessState.ExitCode() != 1 {
		t.Fatalf("git diff: %v", err)
	}
	s := string(out)
	i := strings.Index(s, "\n@@ ")
	if i < 0 {
		return ""
	}
	return strings.TrimSuffix(s[i+1:], "\n")
}

// TestPatchGolden compares the patches with what git diff printed
// for the same files (testdata/diff/<case>/{old,new,patch}).
func TestPatchGolden(t *testing.T) {
	t.Parallel()
	dirs, err := filepath.Glob("testdata/diff/*/old")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	for _, dir := range dirs {
		dir = filepath.Dir(dir)
		old, err1 := os.ReadFile(filepath.Join(dir, "old"))
		cur, err2 := os.ReadFile(filepath.Join(dir, "new"))
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: %v %v", dir, err1, err2)
		}
		if *update {
			if err := os.WriteFile(filepath.Join(dir, "patch"), []byte(gitPatch(t, old, cur)), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(filepath.Join(dir, "patch"))
		if err != nil {
			t.Fatal(err)
		}
		got, adds, dels := Patch(old, cur)
		if got != string(want) {
			t.Errorf("%s: patch\n%s\nwant (git diff)\n%s", dir, got, want)
		}
		if a, d := countLines(string(want)); adds != a || dels != d {
			t.Errorf("%s: +%d -%d, the patch has +%d -%d", dir, adds, dels, a, d)
		}
		checkApplies(t, dir, old, cur, got)
	}
}

func countLines(patch string) (adds, dels int) {
	for _, l := range strings.Split(patch, "\n") {
		if strings.HasPrefix(l, "+") {
			adds++
		} else if strings.HasPrefix(l, "-") {
			dels++
		}
	}
	return adds, dels
}

// applyPatch applies a GitHub-style patch to old (reverse: undoes it on
// the new text), failing on any line that does not match.
func applyPatch(old []byte, patch string, reverse bool) ([]byte, error) {
	src := SplitLines(old)
	var out []string
	pos := 0
	lines := strings.Split(patch, "\n")
	for i := 0; i < len(lines); i++ {
		h, ok := ParseHunkHeader(lines[i])
		if !ok {
			return nil, fmt.Errorf("line %d: %q is not a hunk header", i, lines[i])
		}
		start, count := h.OldStart, h.OldCount
		if reverse {
			start, count = h.NewStart, h.NewCount
		}
		if count > 0 {
			start-- // 1-based; an empty side names the line before
		}
		if start < pos || start > len(src) {
			return nil, fmt.Errorf("hunk %q out of order", lines[i])
		}
		out = append(out, src[pos:start]...)
		pos = start
		for i+1 < len(lines) && !strings.HasPrefix(lines[i+1], "@@ ") {
			i++
			l := lines[i]
			if l == `\ No newline at end of file` {
				continue
			}
			text := l[1:] + "\n"
			if i+1 < len(lines) && lines[i+1] == `\ No newline at end of file` {
				text = l[1:]
			}
			mark := l[0]
			if reverse && mark != ' ' {
				mark = map[byte]byte{'+': '-', '-': '+'}[mark]
			}
			switch mark {
			case ' ', '-':
				if pos >= len(src) || src[pos] != text {
					return nil, fmt.Errorf("line %d: %q does not match the source", i, l)
				}
				if mark == ' ' {
					out = append(out, text)
				}
				pos++
			case '+':
				out = append(out, text)
			default:
				return nil, fmt.Errorf("line %d: %q", i, l)
			}
		}
	}
	out = append(out, src[pos:]...)
	return []byte(strings.Join(out, "")), nil
}

func checkApplies(t *testing.T, name string, old, cur []byte, patch string) {
	t.Helper()
	if patch == "" {
		if !bytes.Equal(old, cur) && len(old)+len(cur) > 0 {
			t.Errorf("%s: no patch for a change", name)
		}
		return
	}
	if got, err := applyPatch(old, patch, false); err != nil || !bytes.Equal(got, cur) {
		t.Errorf("%s: applying the patch: %v\n%q\nwant\n%q", name, err, got, cur)
	}
	if got, err := applyPatch(cur, patch, true); err != nil || !bytes.Equal(got, old) {
		t.Errorf("%s: reversing the patch: %v\n%q\nwant\n%q", name, err, got, old)
	}
}

// mutate makes random files and edits to them: mostly unique lines (as in
// settings modules) with blank lines, indentation, repeated lines and
// files that end without a newline.
func mutate(r *rand.Rand) (old, cur []byte) {
	line := func() string {
		switch r.Intn(12) {
		case 0, 1:
			return "\n"
		case 2:
			return "]\n"
		case 3:
			return "    return None\n"
		case 4:
			return fmt.Sprintf("\tif x%d:\n", r.Intn(5))
		case 5:
			return fmt.Sprintf("def f%d():\n", r.Intn(20))
		default:
			return fmt.Sprintf("%sX_%d = %d\n", strings.Repeat(" ", 4*r.Intn(3)), r.Intn(200), r.Intn(3))
		}
	}
	var a, b []string
	for range r.Intn(120) {
		a = append(a, line())
	}
	rate := 2 + r.Intn(12)
	for _, l := range a {
		switch r.Intn(rate) {
		case 0:
		case 1:
			b = append(b, line(), l)
		case 2:
			b = append(b, line())
		default:
			b = append(b, l)
		}
	}
	o, c := strings.Join(a, ""), strings.Join(b, "")
	if r.Intn(4) == 0 {
		o = strings.TrimSuffix(o, "\n")
	}
	if r.Intn(4) == 0 {
		c = strings.TrimSuffix(c, "\n")
	}
	return []byte(o), []byte(c)
}

func TestPatchRoundTrip(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewSource(4))
	for i := range 500 {
		old, cur := mutate(r)
		patch, adds, dels := Patch(old, cur)
		checkApplies(t, fmt.Sprint("case ", i), old, cur, patch)
		if a, d := countLines(patch); a != adds || d != dels {
			t.Errorf("case %d: counts +%d -%d, patch +%d -%d", i, adds, dels, a, d)
		}
	}
}

// TestPatchMatchesGit diffs random edits with Patch and with git.
func TestPatchMatchesGit(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	r := rand.New(rand.NewSource(5))
	for i := range 60 {
		old, cur := mutate(r)
		if got, want := mustPatch(old, cur), gitPatch(t, old, cur); got != want {
			t.Errorf("case %d: patch\n%s\nwant (git diff)\n%s", i, got, want)
		}
	}
	// Large, very different files take xdiff's cut-offs for costly diffs.
	gen := func(n, alphabet int) []byte {
		var b bytes.Buffer
		for range n {
			if r.Intn(4) == 0 {
				b.WriteString("\n")
				continue
			}
			fmt.Fprintf(&b, "L%d\n", r.Intn(alphabet))
		}
		return b.Bytes()
	}
	for i := range 4 {
		old, cur := gen(1500+r.Intn(1500), 10+r.Intn(2000)), gen(1500+r.Intn(1500), 10+r.Intn(2000))
		if got, want := mustPatch(old, cur), gitPatch(t, old, cur); got != want {
			t.Errorf("large case %d: the patches differ (%d and %d bytes)", i, len(got), len(want))
		}
	}
}

func mustPatch(old, cur []byte) string {
	p, _, _ := Patch(old, cur)
	return p
}

func TestParseHunkHeader(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]HunkHeader{
		"@@ -1,3 +1,4 @@":                 {1, 3, 1, 4},
		"@@ -0,0 +1 @@":                   {0, 0, 1, 1},
		"@@ -7 +6,0 @@ def f():":          {7, 1, 6, 0},
		"@@ -10,2 +10,2 @@ SECRET = @@ x": {10, 2, 10, 2},
	} {
		if got, ok := ParseHunkHeader(in); !ok || got != want {
			t.Errorf("%q: %+v %v", in, got, ok)
		}
	}
	for _, bad := range []string{"", "@@ -a +1 @@", " unchanged", "@@ -1,2 +3"} {
		if _, ok := ParseHunkHeader(bad); ok {
			t.Errorf("%q parsed", bad)
		}
	}
}
