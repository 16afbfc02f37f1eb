package githubtest

import (
	"net/http"
	"testing"
)

// ETags are tied to the credential, as on GitHub: a new installation token
// gets no 304 for what the old one read.
func TestETagsAreBoundToTheToken(t *testing.T) {
	t.Parallel()
	s := New(t)
	inst := s.AddInstallation(7, "o")
	r := s.AddRepo(inst, "o/r")
	r.Commit("main", map[string]string{"README.md": "hi\n"})
	get := func(tok, inm string) (int, string) {
		req, _ := http.NewRequest("GET", s.URL+"/repos/o/r/contents/README.md?ref=main", nil)
		req.Header.Set("Authorization", "token "+tok)
		if inm != "" {
			req.Header.Set("If-None-Match", inm)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("ETag")
	}
	first, second := s.token(t, 7), s.token(t, 7)
	code, etag := get(first, "")
	if code != 200 || etag == "" {
		t.Fatalf("first read: %d %q", code, etag)
	}
	if code, _ := get(first, etag); code != http.StatusNotModified {
		t.Errorf("same token, same ETag: %d, want 304", code)
	}
	if code, _ := get(second, etag); code != http.StatusOK {
		t.Errorf("another token with the first one's ETag: %d, want 200", code)
	}
}
