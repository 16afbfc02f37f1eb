package githubtest

import (
	"fmt"
	"net/http"
	"testing"
)

func TestGitDataCommitOnABranch(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	head := f.repo.Commit("feature", map[string]string{"a.py": "A = 1\n", "b.py": "B = 1\n"})
	pr := f.repo.AddPull(Pull{HeadRef: "feature"})

	var blob struct{ SHA string }
	if st, _ := f.do("POST", "/repos/o/r/git/blobs", `{"content":"QSA9IDIK","encoding":"base64"}`, &blob); st != http.StatusCreated {
		t.Fatalf("blob: %d", st)
	}
	var tree struct{ SHA string }
	body := fmt.Sprintf(`{"base_tree":%q,"tree":[{"path":"a.py","mode":"100644","type":"blob","sha":%q},{"path":"b.py","mode":"100644","type":"blob","sha":null}]}`, head, blob.SHA)
	if st, _ := f.do("POST", "/repos/o/r/git/trees", body, &tree); st != http.StatusCreated {
		t.Fatalf("tree: %d", st)
	}
	var cm struct{ SHA string }
	if st, _ := f.do("POST", "/repos/o/r/git/commits", fmt.Sprintf(`{"message":"fix","tree":%q,"parents":[%q]}`, tree.SHA, head), &cm); st != http.StatusCreated {
		t.Fatalf("commit: %d", st)
	}
	// A commit alone changes no branch.
	if sha, _ := f.repo.Branch("feature"); sha != head {
		t.Errorf("feature moved to %s before any ref update", sha)
	}
	if st, _ := f.do("POST", "/repos/o/r/git/refs", fmt.Sprintf(`{"ref":"refs/heads/djsec/fix/pr-1","sha":%q}`, cm.SHA), nil); st != http.StatusCreated {
		t.Fatalf("create ref: %d", st)
	}
	var ref struct{ Object struct{ SHA string } }
	if st, _ := f.do("GET", "/repos/o/r/git/ref/heads/djsec/fix/pr-1", "", &ref); st != http.StatusOK || ref.Object.SHA != cm.SHA {
		t.Errorf("get ref: %d %s, want %s", st, ref.Object.SHA, cm.SHA)
	}
	if got, _ := f.repo.File("djsec/fix/pr-1", "a.py"); got != "A = 2\n" {
		t.Errorf("a.py = %q", got)
	}
	if _, ok := f.repo.File("djsec/fix/pr-1", "b.py"); ok {
		t.Error("b.py survived a null sha")
	}

	// Moving feature to an unrelated commit: refused without force.
	other := f.repo.Commit("other", map[string]string{"c.py": "C = 1\n"})
	if st, _ := f.do("PATCH", "/repos/o/r/git/refs/heads/feature", fmt.Sprintf(`{"sha":%q}`, other), nil); st != http.StatusUnprocessableEntity {
		t.Errorf("non-fast-forward without force: %d, want 422", st)
	}
	if st, _ := f.do("PATCH", "/repos/o/r/git/refs/heads/feature", fmt.Sprintf(`{"sha":%q,"force":true}`, other), nil); st != http.StatusOK {
		t.Errorf("forced update: %d", st)
	}
	if p := f.repo.Pull(pr.Number); p.HeadSHA != other {
		t.Errorf("pull request head %s, want %s after the ref moved", p.HeadSHA, other)
	}
	if st, _ := f.do("DELETE", "/repos/o/r/git/refs/heads/djsec/fix/pr-1", "", nil); st != http.StatusNoContent {
		t.Errorf("delete ref: %d", st)
	}
	if st, _ := f.do("GET", "/repos/o/r/git/ref/heads/djsec/fix/pr-1", "", nil); st != http.StatusNotFound {
		t.Errorf("deleted ref: %d, want 404", st)
	}
}

func TestGitDataRejects(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, tt := range []struct{ method, path, body string }{
		{"POST", "/repos/o/r/git/trees", `{"base_tree":"0000000000000000000000000000000000000000","tree":[]}`},
		{"POST", "/repos/o/r/git/trees", `{"tree":[{"path":"a","mode":"100644","type":"blob","sha":"1111111111111111111111111111111111111111"}]}`},
		{"POST", "/repos/o/r/git/commits", `{"message":"m","tree":"2222222222222222222222222222222222222222"}`},
		{"PATCH", "/repos/o/r/git/refs/heads/nope", `{"sha":"3333333333333333333333333333333333333333"}`},
		{"DELETE", "/repos/o/r/git/refs/heads/nope", ``},
	} {
		if st, _ := f.do(tt.method, tt.path, tt.body, nil); st != http.StatusUnprocessableEntity {
			t.Errorf("%s %s: %d, want 422", tt.method, tt.path, st)
		}
	}
}

func TestListAndClosePulls(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.repo.Commit("a", map[string]string{"a.py": "A = 1\n"})
	f.repo.Commit("b", map[string]string{"b.py": "B = 1\n"})
	pa := f.repo.AddPull(Pull{HeadRef: "a"})
	f.repo.AddPull(Pull{HeadRef: "b"})
	var list []struct{ Number int }
	f.do("GET", "/repos/o/r/pulls?head=o:a", "", &list)
	if len(list) != 1 || list[0].Number != pa.Number {
		t.Errorf("head=o:a lists %v", list)
	}
	f.do("GET", "/repos/o/r/pulls?head=someone:a", "", &list)
	if len(list) != 0 {
		t.Errorf("another owner's head lists %v", list)
	}
	if st, _ := f.do("PATCH", fmt.Sprintf("/repos/o/r/pulls/%d", pa.Number), `{"state":"closed"}`, nil); st != http.StatusOK {
		t.Fatalf("close: %d", st)
	}
	f.do("GET", "/repos/o/r/pulls", "", &list)
	if len(list) != 1 || list[0].Number == pa.Number {
		t.Errorf("open pulls after closing #%d: %v", pa.Number, list)
	}
	f.do("GET", "/repos/o/r/pulls?state=all", "", &list)
	if len(list) != 2 {
		t.Errorf("state=all lists %v", list)
	}
}
