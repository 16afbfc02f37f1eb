package githubtest

import (
	"strings"
	"testing"
)

type treeAnswer struct {
	SHA  string
	Tree []struct {
		Path, Mode, Type, SHA string
		Size                  int
	}
	Truncated bool
}

func TestSymlinks(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.repo.Commit("main", map[string]string{"requirements/prod.txt": "Django==5.2.1\n"})
	f.repo.Symlink("main", "requirements.txt", "requirements/prod.txt")
	f.repo.Symlink("main", "lib/reqs.txt", "../requirements.txt") // a chain of two
	f.repo.Symlink("main", "dangling.txt", "nowhere.txt")
	f.repo.Symlink("main", "escape.txt", "../../etc/passwd")

	// The tree lists the link's own blob: the target path's bytes.
	var tree treeAnswer
	f.do("GET", "/repos/o/r/git/trees/main?recursive=1", "", &tree)
	found := false
	for _, e := range tree.Tree {
		if e.Path == "requirements.txt" {
			found = true
			if e.Mode != "120000" || e.Type != "blob" || e.SHA != blobSHA([]byte("requirements/prod.txt")) || e.Size != len("requirements/prod.txt") {
				t.Errorf("link entry %+v: want mode 120000 and the target path's blob", e)
			}
		}
	}
	if !found {
		t.Fatalf("no requirements.txt entry in %+v", tree.Tree)
	}

	// The contents API follows a link to a file of the repository.
	for _, p := range []string{"requirements.txt", "lib/reqs.txt"} {
		_, raw := f.c.do("GET", "/repos/o/r/contents/"+p+"?ref=main", "", "Accept", "application/vnd.github.raw+json")
		if raw != "Django==5.2.1\n" {
			t.Errorf("raw %s = %q, want the target's content", p, raw)
		}
	}
	var file struct{ Type, Path, Content, Encoding, SHA string }
	f.do("GET", "/repos/o/r/contents/requirements.txt?ref=main", "", &file)
	if file.Type != "file" || file.Path != "requirements/prod.txt" || file.SHA != blobSHA([]byte("Django==5.2.1\n")) || file.Encoding != "base64" {
		t.Errorf("JSON of a link to a file: %+v", file)
	}
	// Any other link is described, not followed.
	for _, p := range []string{"dangling.txt", "escape.txt"} {
		var link struct{ Type, Target string }
		f.do("GET", "/repos/o/r/contents/"+p+"?ref=main", "", &link)
		if link.Type != "symlink" || link.Target == "" {
			t.Errorf("JSON of %s: %+v, want a symlink object", p, link)
		}
	}
	var dir []struct{ Type, Name, Target string }
	f.do("GET", "/repos/o/r/contents/lib?ref=main", "", &dir)
	if len(dir) != 1 || dir[0].Type != "symlink" || dir[0].Target != "../requirements.txt" {
		t.Errorf("directory listing: %+v", dir)
	}

	// Content committed to a link's path makes a regular file of it.
	f.repo.Commit("main", map[string]string{"requirements.txt": "Django==5.2.2\n"})
	if m := f.repo.Mode("main", "requirements.txt"); m != "100644" {
		t.Errorf("mode after writing content: %s", m)
	}
}

func TestContentsOverOneMBHasNoContent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	big := strings.Repeat("x", maxJSONContent+1)
	f.repo.Commit("main", map[string]string{"big.txt": big, "small.txt": "x"})
	var file struct{ Content, Encoding string }
	f.do("GET", "/repos/o/r/contents/big.txt?ref=main", "", &file)
	if file.Content != "" || file.Encoding != "none" {
		t.Errorf("over 1 MB: encoding %q, %d bytes of content; want none and empty", file.Encoding, len(file.Content))
	}
	if _, raw := f.c.do("GET", "/repos/o/r/contents/big.txt?ref=main", "", "Accept", "application/vnd.github.raw+json"); raw != big {
		t.Errorf("raw over 1 MB: %d bytes, want %d", len(raw), len(big))
	}
	f.do("GET", "/repos/o/r/contents/small.txt?ref=main", "", &file)
	if file.Encoding != "base64" || file.Content == "" {
		t.Errorf("small file: %+v", file)
	}
}

func TestTruncatedTreesAndSubtrees(t *testing.T) {
	t.Parallel()
	f := newFixture(t, WithTreeLimit(5, 0))
	f.repo.Commit("main", map[string]string{
		"a/1.py": "1", "a/2.py": "2", "a/3.py": "3", "b/c/settings.py": "DEBUG = False\n", "top.py": "t",
	})
	var tree treeAnswer
	f.do("GET", "/repos/o/r/git/trees/main?recursive=1", "", &tree)
	if !tree.Truncated || len(tree.Tree) != 5 {
		t.Fatalf("recursive over the limit: truncated %v, %d entries; want true, 5", tree.Truncated, len(tree.Tree))
	}
	f.do("GET", "/repos/o/r/git/trees/main", "", &tree)
	if tree.Truncated || len(tree.Tree) != 3 {
		t.Fatalf("root: truncated %v, %+v", tree.Truncated, tree.Tree)
	}
	var b string
	for _, e := range tree.Tree {
		if e.Path == "b" && e.Type == "tree" {
			b = e.SHA
		}
	}
	var sub treeAnswer
	f.do("GET", "/repos/o/r/git/trees/"+b+"?recursive=1", "", &sub)
	if sub.SHA != b || sub.Truncated || len(sub.Tree) != 2 || sub.Tree[1].Path != "c/settings.py" {
		t.Errorf("subtree b: %+v", sub)
	}
	f.do("GET", "/repos/o/r/git/trees/"+b, "", &sub)
	if len(sub.Tree) != 1 || sub.Tree[0].Path != "c" || sub.Tree[0].Type != "tree" {
		t.Errorf("subtree b, not recursive: %+v", sub)
	}

	// The byte limit cuts too.
	f.s.SetTreeLimit(0, 300)
	f.do("GET", "/repos/o/r/git/trees/main?recursive=1", "", &tree)
	if !tree.Truncated || len(tree.Tree) == 0 || len(tree.Tree) >= 8 {
		t.Errorf("over the byte limit: truncated %v, %d entries", tree.Truncated, len(tree.Tree))
	}
	f.s.SetTreeLimit(0, 0)
	f.do("GET", "/repos/o/r/git/trees/main?recursive=1", "", &tree)
	if tree.Truncated || len(tree.Tree) != 8 {
		t.Errorf("GitHub's limits: truncated %v, %d entries, want 8", tree.Truncated, len(tree.Tree))
	}
}
