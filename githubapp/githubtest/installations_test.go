package githubtest

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestInstallationRepositoriesArePaginated(t *testing.T) {
	t.Parallel()
	s := New(t)
	inst := s.AddInstallation(1, "o")
	s.AddRepo(inst, "o/r")
	for i := range 149 {
		s.AddRepo(inst, fmt.Sprintf("o/r%03d", i))
	}
	// another installation's repository is not listed
	s.AddRepo(s.AddInstallation(2, "p"), "p/hidden")
	f := &fixture{t: t, s: s, c: client{t, s.URL, "token " + s.token(t, 1)}}
	var seen []string
	var list struct {
		TotalCount   int `json:"total_count"`
		Repositories []struct {
			FullName string `json:"full_name"`
		}
	}
	status, h := f.do("GET", "/installation/repositories?per_page=100", "", &list)
	if status != 200 || list.TotalCount != 150 || len(list.Repositories) != 100 || !strings.Contains(h.Get("Link"), `page=2&per_page=100>; rel="next"`) {
		t.Fatalf("page 1: %d, total %d, %d repositories, Link %q", status, list.TotalCount, len(list.Repositories), h.Get("Link"))
	}
	for _, r := range list.Repositories {
		seen = append(seen, r.FullName)
	}
	status, h = f.do("GET", "/installation/repositories?per_page=100&page=2", "", &list)
	if status != 200 || list.TotalCount != 150 || len(list.Repositories) != 50 || strings.Contains(h.Get("Link"), `rel="next"`) {
		t.Fatalf("page 2: %d, total %d, %d repositories, Link %q", status, list.TotalCount, len(list.Repositories), h.Get("Link"))
	}
	for _, r := range list.Repositories {
		seen = append(seen, r.FullName)
	}
	if seen[0] != "o/r" || seen[1] != "o/r000" || seen[149] != "o/r148" || strings.Contains(strings.Join(seen, " "), "hidden") {
		t.Errorf("listed %v", seen)
	}
	// per_page above 100 is cut to 100, as GitHub does
	f.do("GET", "/installation/repositories?per_page=500", "", &list)
	if len(list.Repositories) != 100 {
		t.Errorf("per_page=500: %d repositories", len(list.Repositories))
	}
	if r, _ := (client{t, f.s.URL, "Bearer " + f.s.jwt(t, time.Now().Add(-time.Minute), 5*time.Minute)}).do("GET", "/installation/repositories", ""); r.StatusCode != 401 {
		t.Errorf("with the app JWT: %d, want 401", r.StatusCode)
	}
}

func TestAppInstallationsArePaginated(t *testing.T) {
	t.Parallel()
	s := New(t)
	for i := range 35 {
		s.AddInstallation(int64(100+i), fmt.Sprintf("org%d", i))
	}
	c := client{t, s.URL, "Bearer " + s.jwt(t, time.Now().Add(-time.Minute), 5*time.Minute)}
	r, body := c.do("GET", "/app/installations", "")
	if r.StatusCode != 200 || strings.Count(body, `"access_tokens_url"`) != 30 || !strings.Contains(r.Header.Get("Link"), `rel="next"`) {
		t.Fatalf("page 1: %d, Link %q: %.300s", r.StatusCode, r.Header.Get("Link"), body)
	}
	r, body = c.do("GET", "/app/installations?page=2", "")
	if strings.Count(body, `"access_tokens_url"`) != 5 || !strings.Contains(body, `"login":"org34"`) || !strings.Contains(body, `"id":134`) {
		t.Errorf("page 2: %d: %.300s", r.StatusCode, body)
	}
	if r, _ := (client{t, s.URL, "token " + s.token(t, 100)}).do("GET", "/app/installations", ""); r.StatusCode != 401 {
		t.Errorf("with an installation token: %d, want 401", r.StatusCode)
	}
}

func TestTeamMembership(t *testing.T) {
	t.Parallel()
	f := newFixture(t) // installed on "o"
	// app.yml does not ask for Members: read; an organisation that wants
	// allowed_teams grants it.
	f.s.GrantPermission("members", "read")
	f.s.SetTeamMember("o", "security", "alice", true)
	f.s.SetTeamMember("O", "Security", "Bob", false)
	f.s.SetTeamMember("other", "security", "carol", true)
	for _, tc := range []struct {
		path   string
		status int
		state  string
	}{
		{"/orgs/o/teams/security/memberships/alice", 200, "active"},
		{"/orgs/o/teams/security/memberships/bob", 200, "pending"},
		{"/orgs/o/teams/security/memberships/mallory", 404, ""},
		{"/orgs/o/teams/admins/memberships/alice", 404, ""},
		// another organisation's teams are not the installation's to read
		{"/orgs/other/teams/security/memberships/carol", 404, ""},
	} {
		var m struct{ State, Role string }
		if status, _ := f.do("GET", tc.path, "", &m); status != tc.status || m.State != tc.state {
			t.Errorf("%s: %d %q, want %d %q", tc.path, status, m.State, tc.status, tc.state)
		}
	}
	f.s.RemoveTeamMember("o", "security", "alice")
	if status, _ := f.do("GET", "/orgs/o/teams/security/memberships/alice", "", nil); status != http.StatusNotFound {
		t.Errorf("after RemoveTeamMember: %d", status)
	}
}
