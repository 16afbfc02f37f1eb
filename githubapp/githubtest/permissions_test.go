package githubtest

import (
	"net/http"
	"strings"
	"testing"
)

// A route the App has no permission for answers as GitHub does, whatever
// the handler would say: the permissions are app.yml's.
func TestRoutesNeedTheirPermission(t *testing.T) {
	t.Parallel()
	s := New(t)
	inst := s.AddInstallation(7, "o")
	s.AddRepo(inst, "o/r").Commit("main", map[string]string{"README.md": "hi\n"})
	tok := s.token(t, 7)
	get := func(path string) (int, string) {
		req, _ := http.NewRequest("GET", s.URL+path, nil)
		req.Header.Set("Authorization", "token "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b strings.Builder
		buf := make([]byte, 512)
		n, _ := resp.Body.Read(buf)
		b.Write(buf[:n])
		return resp.StatusCode, b.String()
	}
	if code, body := get("/orgs/o/teams/security/memberships/alice"); code != 403 || !strings.Contains(body, "Resource not accessible by integration") {
		t.Errorf("team membership without Members: read: %d %s", code, body)
	}
	if code, _ := get("/repos/o/r/contents/README.md?ref=main"); code != 200 {
		t.Errorf("contents with contents: write: %d", code)
	}
	s.mu.Lock()
	delete(s.app.Permissions, "contents")
	s.mu.Unlock()
	if code, body := get("/repos/o/r/contents/README.md?ref=main"); code != 403 || !strings.Contains(body, "Resource not accessible by integration") {
		t.Errorf("contents without the permission: %d %s", code, body)
	}
}

// Every route served with an installation token is in the table, so a new
// one cannot slip in without its permission.
func TestEveryTokenRouteHasAPermission(t *testing.T) {
	t.Parallel()
	s := New(t)
	for _, route := range s.tokenRoutes {
		if _, ok := routePermissions[route]; !ok {
			t.Errorf("%s: no permission listed in routePermissions", route)
		}
	}
}
