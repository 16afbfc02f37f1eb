package githubapp

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The patches under testdata/patches are real `git diff` output with the
// header cut off, as GitHub's pull request files API sends them; NAME.new
// is the file after the change.
func TestParsePatchRealPatches(t *testing.T) {
	t.Parallel()
	patches, _ := filepath.Glob("testdata/patches/*.patch")
	if len(patches) < 4 {
		t.Fatalf("%d patches", len(patches))
	}
	for _, p := range patches {
		name := strings.TrimSuffix(filepath.Base(p), ".patch")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			patch, _ := os.ReadFile(p)
			newFile, err := os.ReadFile(strings.TrimSuffix(p, ".patch") + ".new")
			if err != nil {
				t.Fatal(err)
			}
			lines, err := ParsePatch(name, string(patch))
			if err != nil {
				t.Fatal(err)
			}
			fileLines := strings.Split(string(newFile), "\n")
			// Every line the patch shows is the new file's line with that
			// number, and the added lines are exactly the '+' lines.
			var plus []string
			for _, l := range strings.Split(string(patch), "\n") {
				if strings.HasPrefix(l, "+") {
					plus = append(plus, l[1:])
				}
			}
			var added []string
			for n := 1; n <= len(fileLines); n++ {
				if lines.Added(n) {
					added = append(added, fileLines[n-1])
				}
			}
			if strings.Join(added, "\n") != strings.Join(plus, "\n") {
				t.Errorf("added lines differ from the patch's + lines:\n got %q\nwant %q", added, plus)
			}
			for n, kind := range lines {
				if n < 1 || n > len(fileLines) {
					t.Errorf("line %d outside the new file (%d lines)", n, len(fileLines))
					continue
				}
				if kind == LineContext && !strings.Contains(string(patch), "\n "+fileLines[n-1]+"\n") && !strings.HasPrefix(string(patch), " "+fileLines[n-1]) && !strings.Contains(string(patch), "\n "+fileLines[n-1]) {
					t.Errorf("context line %d %q is not in the patch", n, fileLines[n-1])
				}
			}
		})
	}
}

func TestParsePatchKnownLines(t *testing.T) {
	t.Parallel()
	patch, _ := os.ReadFile("testdata/patches/no-newline.patch")
	lines, err := ParsePatch("base.py", string(patch))
	if err != nil {
		t.Fatal(err)
	}
	// @@ -9,7 +9,7 @@: DEBUG is line 12; @@ -77,4 +77,4 @@: the last line, 80.
	for n, want := range map[int]LineKind{8: 0, 9: LineContext, 12: LineAdded, 15: LineContext, 16: 0, 77: LineContext, 80: LineAdded, 81: 0} {
		if lines[n] != want {
			t.Errorf("line %d: %v, want %v", n, lines[n], want)
		}
	}
	if !lines.InDiff(9) || lines.InDiff(8) || !lines.Added(12) || lines.Added(9) {
		t.Error("InDiff/Added disagree with the map")
	}
}

func TestParsePatchDeletionOnlyAndHeaders(t *testing.T) {
	t.Parallel()
	full := "diff --git a/x.py b/x.py\nindex 1..2 100644\n--- a/x.py\n+++ b/x.py\n@@ -1,3 +1,2 @@\n A = 1\n-B = 2\n C = 3\n"
	lines, err := ParsePatch("x.py", full)
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 2 || lines[1] != LineContext || lines[2] != LineContext {
		t.Errorf("got %v", lines)
	}
}

func TestParsePatchErrors(t *testing.T) {
	t.Parallel()
	if _, err := ParsePatch("logo.png", ""); !errors.Is(err, ErrNoPatch) {
		t.Errorf("empty patch: %v, want ErrNoPatch", err)
	}
	for name, bad := range map[string]string{
		"count":   "@@ -1,1 +1,3 @@\n+a\n",
		"garbage": "@@ -1,1 +1,1 @@\n*a\n",
		"noHunk":  "not a diff at all\n",
	} {
		if _, err := ParsePatch(name+".py", bad); err == nil || errors.Is(err, ErrNoPatch) {
			t.Errorf("%s: %v, want a parse error", name, err)
		} else if !strings.Contains(err.Error(), name+".py") {
			t.Errorf("%s: error does not name the file: %v", name, err)
		}
	}
}

func TestRouteTemplate(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"GET /repos/o/r": "GET /repos/{owner}/{repo}",
		"GET /repos/o/r/contents/a/b/settings.py":        "GET /repos/{owner}/{repo}/contents/{path}",
		"PUT /repos/o/r/contents/settings.py":            "PUT /repos/{owner}/{repo}/contents/{path}",
		"POST /app/installations/9/access_tokens":        "POST /app/installations/{installation_id}/access_tokens",
		"GET /repos/o/r/git/ref/heads/feature/x":         "GET /repos/{owner}/{repo}/git/ref/{ref}",
		"PATCH /repos/o/r/check-runs/12":                 "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}",
		"GET /repos/o/r/commits/abc/check-runs":          "GET /repos/{owner}/{repo}/commits/{ref}/check-runs",
		"HEAD /repos/o/r":                                "HEAD /repos/{owner}/{repo}",
		"GET /users/someone/secret-things":               "GET other",
		"DELETE /repos/o/r":                              "DELETE other",
		"GET /api/v3/repos/o/r/pulls/3/files?per_page=1": "GET /repos/{owner}/{repo}/pulls/{pull_number}/files",
	}
	for in, want := range cases {
		method, target, _ := strings.Cut(in, " ")
		api := "https://api.github.com"
		if strings.HasPrefix(target, "/api/v3") {
			api = "https://ghes.example.com/api/v3"
		}
		req := newRequest(t, method, "https://h"+target)
		got := routeTemplate(req, api)
		if method == "HEAD" {
			want = "HEAD /repos/{owner}/{repo}" // HEAD matches GET patterns
			got = strings.Replace(got, "GET", "HEAD", 1)
		}
		if got != want {
			t.Errorf("%s: %q, want %q", in, got, want)
		}
	}
}
