package patch

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sourcegraph/go-diff/diff"
)

var updateReverse = flag.Bool("update", false, "rewrite the patch files under testdata/reverse from git diff")

// gitPatch is the patch GitHub lists for a file changed from base to head:
// git's unified diff with the diff --git/index/---/+++ header cut off and no
// final newline.
func gitPatch(t *testing.T, base, head []byte, args ...string) string {
	t.Helper()
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	if err := os.WriteFile(a, base, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(b, head, 0o644); err != nil {
		t.Fatal(err)
	}
	cmdArgs := append([]string{"-c", "core.autocrlf=false", "-c", "core.safecrlf=false", "diff", "--no-index", "--no-color", "--no-ext-diff", "--no-textconv", "--text"}, args...)
	cmdArgs = append(cmdArgs, a, b)
	cmd := exec.Command("git", cmdArgs...)
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir, "LC_ALL=C")
	out, err := cmd.Output()
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1) {
		t.Fatalf("git diff: %v", err)
	}
	s := string(out)
	if s == "" {
		return ""
	}
	i := strings.Index(s, "\n@@ ")
	if i < 0 {
		t.Fatalf("git diff printed no hunk:\n%s", s)
	}
	return strings.TrimSuffix(s[i+1:], "\n")
}

func needGit(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
}

func TestReverseApplyGit(t *testing.T) {
	t.Parallel()
	needGit(t)
	settingsBase := "DEBUG = False\nALLOWED_HOSTS = [\"example.com\"]\n\nMIDDLEWARE = [\n    \"django.middleware.security.SecurityMiddleware\",\n    \"django.contrib.sessions.middleware.SessionMiddleware\",\n]\n\nSECURE_HSTS_SECONDS = 31536000\n"
	many := func(n int, f func(i int) string) string {
		var b strings.Builder
		for i := range n {
			b.WriteString(f(i))
		}
		return b.String()
	}
	long := many(60, func(i int) string { return fmt.Sprintf("line %d\n", i) })
	cases := []struct {
		name, base, head string
	}{
		{"modified", settingsBase, strings.Replace(settingsBase, "31536000", "3600", 1)},
		{"added lines", settingsBase, settingsBase + "SECURE_SSL_REDIRECT = True\nSESSION_COOKIE_SECURE = True\n"},
		{"removed lines", settingsBase, strings.Replace(settingsBase, "    \"django.middleware.security.SecurityMiddleware\",\n", "", 1)},
		{"change at start", settingsBase, "# settings\n" + strings.TrimPrefix(settingsBase, "DEBUG = False\n")},
		{"change at end", settingsBase, strings.TrimSuffix(settingsBase, "SECURE_HSTS_SECONDS = 31536000\n") + "SECURE_HSTS_SECONDS = 0\n"},
		{"multiple hunks", long, strings.NewReplacer("line 3\n", "line three\n", "line 30\n", "", "line 55\n", "line 55\nextra\n").Replace(long)},
		{"adjacent hunks merge", long, strings.NewReplacer("line 10\n", "ten\n", "line 16\n", "sixteen\n").Replace(long)},
		{"no newline at end of base", "a\nb\nc", "a\nb\nc\n"},
		{"no newline at end of head", "a\nb\nc\n", "a\nb\nc"},
		{"no newline at either end", "a\nb\nc", "a\nB\nc"},
		{"no newline, last line changed", "a\nb\nc", "a\nb\nC"},
		{"no newline, far from change", long + "end", "changed\n" + strings.TrimPrefix(long, "line 0\n") + "end"},
		{"no newline, lines appended", "a\nb", "a\nb\nc\nd"},
		{"crlf modified", "a\r\nb\r\nc\r\n", "a\r\nB\r\nc\r\n"},
		{"crlf to lf", "a\r\nb\r\nc\r\n", "a\nb\nc\n"},
		{"lf to crlf", "a\nb\nc\n", "a\r\nb\r\nc\r\n"},
		{"crlf no newline", "a\r\nb\r\nc", "a\r\nb\r\nc\r\nd"},
		{"mixed endings", "a\r\nb\nc\r\n\r\nd\n", "a\r\nb\nX\r\n\r\nd\n"},
		{"empty base", "", "a\nb\n"},
		{"empty base, head without newline", "", "a"},
		{"empty head", "a\nb\n", ""},
		{"empty head from no newline", "a", ""},
		{"blank lines", "a\n\n\nb\n\n\nc\n", "a\n\n\nB\n\n\nc\n"},
		{"blank context at hunk end", "x\n\n\n\ny\n\n\n\nz\n", "x\n\n\n\nY\n\n\n\nz\n"},
		{"only blank lines changed", "\n\n\n", "\n\n\n\n\n"},
		{"unicode", "NAME = \"café\"\n# 日本語のコメント\nX = \"🙂\"\n", "NAME = \"cafè\"\n# 日本語のコメント\nX = \"🙃\"\n"},
		{"lines that look like patch syntax", "@@ -1,2 +1,2 @@\n--- a\n+++ b\n\\ No newline\n", "@@ -1,2 +1,2 @@\n--- b\n+++ b\n\\ No newline\n"},
		{"trailing whitespace", "a  \nb\t\nc \n", "a  \nB\t\nc \n"},
		{"whole file replaced", "a\nb\nc\n", "x\ny\n"},
		{"carriage return only", "a\rb\rc\n", "a\rB\rc\n"},
	}
	for _, tc := range cases {
		for _, opts := range [][]string{{"-U3"}, {"-U0"}, {"-U1", "--diff-algorithm=patience"}, {"-U5", "--diff-algorithm=histogram"}} {
			t.Run(tc.name+" "+strings.Join(opts, " "), func(t *testing.T) {
				t.Parallel()
				patch := gitPatch(t, []byte(tc.base), []byte(tc.head), opts...)
				if patch == "" {
					t.Fatalf("git found no difference")
				}
				for _, p := range []string{patch, patch + "\n"} {
					got, err := ReverseApply([]byte(tc.head), p)
					if err != nil {
						t.Fatalf("ReverseApply: %v\npatch:\n%s", err, p)
					}
					if !bytes.Equal(got, []byte(tc.base)) {
						t.Fatalf("ReverseApply = %q, want %q\npatch:\n%s", got, tc.base, p)
					}
				}
			})
		}
	}
}

// TestReverseApplyTestdata replays stored head/patch/base triples, so the
// parser is exercised without git too; -update regenerates each patch
// from its base and head with git.
func TestReverseApplyTestdata(t *testing.T) {
	t.Parallel()
	dirs, err := filepath.Glob(filepath.Join("testdata", "reverse", "*"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no cases under testdata/reverse: %v", err)
	}
	for _, dir := range dirs {
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			continue // .gitattributes keeps git from touching the CRLF cases
		}
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			base, err := os.ReadFile(filepath.Join(dir, "base"))
			if err != nil {
				t.Fatal(err)
			}
			head, err := os.ReadFile(filepath.Join(dir, "head"))
			if err != nil {
				t.Fatal(err)
			}
			if *updateReverse {
				needGit(t)
				if err := os.WriteFile(filepath.Join(dir, "patch"), []byte(gitPatch(t, base, head)), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			patch, err := os.ReadFile(filepath.Join(dir, "patch"))
			if err != nil {
				t.Fatal(err)
			}
			got, err := ReverseApply(head, string(patch))
			if err != nil {
				t.Fatalf("ReverseApply: %v", err)
			}
			if !bytes.Equal(got, base) {
				t.Fatalf("ReverseApply = %q, want %q", got, base)
			}
		})
	}
}

// TestReverseApplyRandom diffs random edits of random files with git and
// checks that every patch reverses to the exact base.
func TestReverseApplyRandom(t *testing.T) {
	t.Parallel()
	needGit(t)
	pieces := []string{"", " ", "x = 1", "y = 2", "# c", "DEBUG = False", "é", "日本", "\t", "-", "+", "@@", "\\"}
	eols := []string{"\n", "\n", "\n", "\r\n"}
	randFile := func(r *rand.Rand) []string {
		n := r.IntN(12)
		lines := make([]string, n)
		for i := range lines {
			lines[i] = pieces[r.IntN(len(pieces))] + eols[r.IntN(len(eols))]
		}
		return lines
	}
	join := func(lines []string, noEOL bool) []byte {
		s := strings.Join(lines, "")
		if noEOL {
			s = strings.TrimSuffix(strings.TrimSuffix(s, "\n"), "\r")
		}
		return []byte(s)
	}
	for seed := range uint64(120) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Parallel()
			r := rand.New(rand.NewPCG(seed, 4))
			baseLines := randFile(r)
			headLines := append([]string(nil), baseLines...)
			for range 1 + r.IntN(4) {
				switch i := r.IntN(len(headLines) + 1); r.IntN(3) {
				case 0:
					headLines = slices.Insert(headLines, i, pieces[r.IntN(len(pieces))]+eols[r.IntN(len(eols))])
				case 1:
					if i < len(headLines) {
						headLines = append(headLines[:i], headLines[i+1:]...)
					}
				case 2:
					if i < len(headLines) {
						headLines[i] = pieces[r.IntN(len(pieces))] + eols[r.IntN(len(eols))]
					}
				}
			}
			base := join(baseLines, r.IntN(4) == 0)
			head := join(headLines, r.IntN(4) == 0)
			ctx := fmt.Sprintf("-U%d", r.IntN(4))
			patch := gitPatch(t, base, head, ctx)
			if patch == "" {
				if !bytes.Equal(base, head) {
					t.Fatalf("git found no difference between %q and %q", base, head)
				}
				return
			}
			got, err := ReverseApply(head, patch)
			if err != nil {
				t.Fatalf("ReverseApply: %v\nbase %q\nhead %q\npatch:\n%s", err, base, head, patch)
			}
			if !bytes.Equal(got, base) {
				t.Fatalf("ReverseApply = %q, want %q\npatch:\n%s", got, base, patch)
			}
			// Any line the patch shows at head, changed, must make it fail:
			// the patch was not made from that head.
			if at, ok := shownLine(t, patch, r); ok {
				lines := splitLines(head)
				lines[at-1] = append([]byte("#"), lines[at-1]...)
				other := bytes.Join(lines, nil)
				if got, err := ReverseApply(other, patch); err == nil {
					t.Fatalf("head with line %d changed gave %q with no error\npatch:\n%s", at, got, patch)
				}
			}
		})
	}
}

// shownLine picks a random head line that patch shows (context or added),
// read with go-diff rather than the parser under test.
func shownLine(t *testing.T, patch string, r *rand.Rand) (int, bool) {
	t.Helper()
	hunks, err := diff.ParseHunks([]byte(patch + "\n"))
	if err != nil {
		t.Fatalf("go-diff: %v", err)
	}
	var shown []int
	for _, h := range hunks {
		n := int(h.NewStartLine)
		for _, l := range strings.Split(strings.TrimSuffix(string(h.Body), "\n"), "\n") {
			if l != "" && (l[0] == '+' || l[0] == ' ') {
				shown = append(shown, n)
				n++
			}
		}
	}
	if len(shown) == 0 {
		return 0, false
	}
	return shown[r.IntN(len(shown))], true
}

func TestReverseApplyErrors(t *testing.T) {
	t.Parallel()
	head := "a\nB\nc\nd\n"
	good := "@@ -1,3 +1,3 @@\n a\n-b\n+B\n c"
	if got, err := ReverseApply([]byte(head), good); err != nil || string(got) != "a\nb\nc\nd\n" {
		t.Fatalf("the valid patch = %q, %v", got, err)
	}
	cases := []struct {
		name, head, patch string
		want              string // substring of the error
	}{
		{"empty patch", head, "", "no patch"},
		{"garbage", head, "this is not a patch", "want a hunk header"},
		{"json", head, `{"message": "Not Found"}`, "want a hunk header"},
		{"header only", head, "@@ -1,3 +1,3 @@", "no added or removed line"},
		{"context only", head, "@@ -1,2 +1,2 @@\n a\n B", "no added or removed line"},
		{"truncated", head, "@@ -1,3 +1,3 @@\n a\n-b", "patch ends inside hunk"},
		{"truncated after added line", head, "@@ -1,3 +1,4 @@\n a\n-b\n+B", "patch ends inside hunk"},
		{"truncated, blank context assumed", head, "@@ -1,3 +1,4 @@\n a\n-b\n+B\n+x", "head line 3"},
		{"context line differs", "a\nX\nc\nd\n", good, "head line 2"},
		{"context line differs at the end", "a\nB\nC\nd\n", good, "head line 3"},
		{"added line differs", "a\nb\nc\nd\n", good, "head line 2"},
		{"head shorter than the hunk", "a\nB\n", good, "runs past the end"},
		{"head shifted", "z\na\nB\nc\nd\n", good, "head line 1"},
		{"hunk beyond head", head, "@@ -10,1 +10,1 @@\n-x\n+y", "starts at head line"},
		{"newline state differs", "a\nB\nc", good, "head line 3"},
		{"no-newline marker but head has one", head, "@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n\\ No newline at end of file", "head line 3"},
		{"too many lines", head, "@@ -1,2 +1,2 @@\n a\n-b\n+B\n c", "want a hunk header"},
		{"too many removed", head, "@@ -1,1 +1,2 @@\n a\n-b\n+B", "removes more lines"},
		{"too many added", head, "@@ -1,3 +1,1 @@\n a\n+B\n-b\n c", "adds more lines"},
		{"a line after a complete hunk", head, "@@ -1,2 +1,1 @@\n a\n-b\n+B", "want a hunk header"},
		{"bad line prefix", head, "@@ -1,3 +1,3 @@\n a\n*b\n+B\n c", "not a hunk line"},
		{"stray marker", head, "@@ -1,3 +1,3 @@\n\\ No newline at end of file\n a\n-b\n+B\n c", "marker with no line"},
		{"marker in the middle", head, "@@ -1,3 +1,3 @@\n a\n\\ No newline at end of file\n-b\n+B\n c", "middle of the file"},
		{"overlapping hunks", head, "@@ -1,2 +1,2 @@\n a\n-b\n+B\n@@ -2,1 +2,1 @@\n-b\n+B", "overlaps"},
		{"hunks out of order", "a\nB\nc\nd\ne\nF\n", "@@ -6 +6 @@\n-f\n+F\n@@ -2 +2 @@\n-b\n+B", "overlaps"},
		{"unaligned hunks", "a\nB\nc\nd\ne\nF\n", "@@ -2 +2 @@\n-b\n+B\n@@ -7 +6 @@\n-f\n+F", "does not line up"},
		{"line zero", head, "@@ -0,1 +0,1 @@\n-a\n+a", "line 0"},
		{"huge numbers", head, "@@ -99999999999999999999,1 +1,1 @@\n-a\n+a", "bad hunk start"},
		{"base ends early", "a\nb\nc\n", "@@ -1,1 +1,1 @@\n-a\n\\ No newline at end of file\n+a", "ends the base file without a newline"},
		{"crlf head, lf patch", "a\r\nB\r\nc\r\nd\r\n", good, "head line 1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ReverseApply([]byte(tc.head), tc.patch)
			if err == nil {
				t.Fatalf("ReverseApply = %q, want an error", got)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not mention %q", err, tc.want)
			}
			if got != nil {
				t.Fatalf("ReverseApply returned %q with its error", got)
			}
		})
	}
	if _, err := ReverseApply([]byte(head), ""); !errors.Is(err, ErrNoPatch) {
		t.Fatalf("empty patch error = %v, want ErrNoPatch", err)
	}
}

// TestReverseApplyTrimmedPatch accepts a patch whose trailing blank context
// lines were lost to whitespace trimming, still checking them against head.
func TestReverseApplyTrimmedPatch(t *testing.T) {
	t.Parallel()
	base, head := "a\nb\n\n\nc\n", "a\nB\n\n\nc\n"
	patch := "@@ -1,4 +1,4 @@\n a\n-b\n+B\n \n "
	trimmed := strings.TrimRight(patch, " \n")
	for _, p := range []string{patch, trimmed} {
		got, err := ReverseApply([]byte(head), p)
		if err != nil || string(got) != base {
			t.Fatalf("ReverseApply(%q) = %q, %v; want %q", p, got, err, base)
		}
	}
	if got, err := ReverseApply([]byte("a\nB\nx\n\nc\n"), trimmed); err == nil {
		t.Fatalf("trimmed context that does not match head gave %q", got)
	}
}

// FuzzReverseApply feeds arbitrary heads and patches: ReverseApply must
// never panic, and an accepted patch must be one whose shown head lines
// are really in head.
func FuzzReverseApply(f *testing.F) {
	f.Add([]byte("a\nB\nc\n"), "@@ -1,3 +1,3 @@\n a\n-b\n+B\n c")
	f.Add([]byte("a\nb"), "@@ -1,2 +1,2 @@\n a\n-b\n+b\n\\ No newline at end of file")
	f.Add([]byte(""), "@@ -1 +0,0 @@\n-a")
	f.Add([]byte("a\r\n"), "@@ -0,0 +1 @@\n+a\r")
	f.Fuzz(func(t *testing.T, head []byte, patch string) {
		got, err := ReverseApply(head, patch)
		if err != nil {
			if got != nil {
				t.Fatalf("result %q with error %v", got, err)
			}
			return
		}
		// Every head line outside the patch's added lines survives into
		// the base, so the base is at least as long as head minus what
		// was added.
		added := strings.Count("\n"+patch, "\n+")
		if len(splitLines(got)) < len(splitLines(head))-added {
			t.Fatalf("base %q lost head lines the patch does not add (head %q)", got, head)
		}
	})
}
