package commandrun_test

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/djsec/djsec/githubapp/githubtest"
)

const (
	contentsRoute   = "GET /repos/{owner}/{repo}/contents/{path}"
	membershipRoute = "GET /orgs/{org}/teams/{team_slug}/memberships/{username}"
)

// narrowEnv is a repository whose main branch has cfg as .github/djsec.yml
// and an open pull request against main.
func narrowEnv(t *testing.T, cfg string) (*env, int) {
	t.Helper()
	e := newEnv(t, envOptions{})
	e.repo.Commit("main", map[string]string{".github/djsec.yml": cfg})
	return e, e.base().Number
}

// tryIgnore posts a mutating command as login and reports whether it ran
// (✅ and 🚀; a refusal leaves the ignores as they were) and the reply.
func tryIgnore(t *testing.T, e *env, pr int, login string) (bool, string) {
	t.Helper()
	before, err := e.db.Ignores(context.Background(), e.repo.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	id := e.post(comment{number: pr, pr: true, user: login, body: "/djsec ignore DJS201 -- reviewed by " + login})
	after, err := e.db.Ignores(context.Background(), e.repo.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	rs := e.replies()
	reply := rs[len(rs)-1].Body
	ran := strings.HasPrefix(reply, "✅")
	if !ran && !reflect.DeepEqual(before, after) {
		t.Errorf("%s: refused, yet the ignores changed from %+v to %+v", login, before, after)
	}
	if ran && len(after) == 0 {
		t.Errorf("%s: ran, yet no ignore is stored", login)
	}
	if want := map[bool]string{true: "eyes,rocket", false: "eyes,confused"}[ran]; reactions(e, id) != want {
		t.Errorf("%s: reactions %q, want %q (ran %v)", login, reactions(e, id), want, ran)
	}
	return ran, reply
}

// allowed_users: a listed writer runs commands; an unlisted writer and an
// unlisted admin are refused with the reason, and nothing changes; a
// listed reader still lacks the permission.
func TestAllowedUsers(t *testing.T) {
	t.Parallel()
	e, pr := narrowEnv(t, "commands:\n  allowed_users: [Alice]\n")
	e.repo.SetPermission("alice", "write")
	e.repo.SetPermission("bob", "write")
	e.repo.SetPermission("carol", "admin")
	e.repo.SetPermission("Alice-reader", "read")

	if ran, r := tryIgnore(t, e, pr, "alice"); !ran {
		t.Errorf("listed writer refused:\n%s", r)
	}
	for _, login := range []string{"bob", "carol"} {
		ran, r := tryIgnore(t, e, pr, login)
		if ran {
			t.Errorf("%s ran a command without being listed:\n%s", login, r)
		}
		for _, want := range []string{"this repository's `.github/djsec.yml@main` limits commands to the users `Alice`", "`" + login + "` is not among them", "Nothing was changed"} {
			if !strings.Contains(r, want) {
				t.Errorf("%s: refusal lacks %q:\n%s", login, want, r)
			}
		}
	}
	if e.gh.Count(membershipRoute, 0) != 0 {
		t.Errorf("asked for team memberships with no teams configured:\n%s", e.gh.BudgetReport())
	}
	log, err := e.db.CommandLog(context.Background(), e.repo.ID)
	if err != nil {
		t.Fatal(err)
	}
	refused := 0
	for _, l := range log {
		if strings.Contains(l.Result, "not allowed by .github/djsec.yml commands") {
			refused++
		}
	}
	if refused != 2 {
		t.Errorf("audit log has %d narrowing refusals, want 2: %+v", refused, log)
	}
}

// allowed_teams: an active member of a listed team (the owner's
// organization for a bare slug, or org/slug) runs commands; a pending
// invitation, a non-member and a member of an unlisted team are refused.
// A membership answer is reused within 5 minutes.
func TestAllowedTeams(t *testing.T) {
	t.Parallel()
	e, pr := narrowEnv(t, "commands:\n  allowed_teams: [security, octo-org/release-managers]\n")
	for _, login := range []string{"dave", "erin", "frank", "gina", "hank"} {
		e.repo.SetPermission(login, "write")
	}
	// The organisation granted the App Members: read (app.yml does not).
	e.gh.GrantPermission("members", "read")
	e.gh.SetTeamMember("octo-org", "security", "dave", true)
	e.gh.SetTeamMember("octo-org", "release-managers", "hank", true)
	e.gh.SetTeamMember("octo-org", "security", "erin", false)
	e.gh.SetTeamMember("octo-org", "frontend", "gina", true)

	for _, tc := range []struct {
		login string
		ok    bool
	}{{"dave", true}, {"hank", true}, {"erin", false}, {"frank", false}, {"gina", false}} {
		ran, r := tryIgnore(t, e, pr, tc.login)
		if ran != tc.ok {
			t.Errorf("%s: ran %v, want %v:\n%s", tc.login, ran, tc.ok, r)
		}
		if !tc.ok && !strings.Contains(r, "limits commands to the members of the teams `octo-org/security`, `octo-org/release-managers`") {
			t.Errorf("%s: refusal does not name the teams:\n%s", tc.login, r)
		}
	}
	asked := e.gh.Count(membershipRoute, 0)
	if ran, _ := tryIgnore(t, e, pr, "dave"); !ran {
		t.Error("dave refused the second time")
	}
	if n := e.gh.Count(membershipRoute, 0); n != asked {
		t.Errorf("membership asked again within 5 minutes: %d calls, then %d", asked, n)
	}
}

// The narrowing reads the configuration only for someone who has write
// access, and never for the open commands, which anyone may still run.
func TestNarrowingLeavesOpenCommandsAlone(t *testing.T) {
	t.Parallel()
	e, pr := narrowEnv(t, "commands:\n  allowed_users: [alice]\n  allowed_teams: [security]\n")
	e.post(comment{number: pr, pr: true, user: "reader", body: "/djsec help\n/djsec explain DJS201\n/djsec ignores"})
	r := e.onlyReply().Body
	if strings.Contains(r, "❌") || strings.Contains(r, "limits commands") {
		t.Errorf("open commands refused:\n%s", r)
	}
	if n := e.gh.Count(contentsRoute, 0) + e.gh.Count(membershipRoute, 0); n != 0 {
		t.Errorf("open commands read the configuration or teams:\n%s", e.gh.BudgetReport())
	}

	if ran, r := tryIgnore(t, e, pr, "reader"); ran || !strings.Contains(r, "needs the write, maintain or admin permission") {
		t.Errorf("reader: ran %v:\n%s", ran, r)
	}
	if n := e.gh.Count(contentsRoute, 0); n != 0 {
		t.Errorf("a refused reader made djsec read the configuration:\n%s", e.gh.BudgetReport())
	}

	e.post(comment{number: pr, pr: true, user: "reader", body: "/djsec config"})
	rs := e.replies()
	cfg := rs[len(rs)-1].Body
	for _, want := range []string{
		"| `commands.allowed_users` | `alice` | from `.github/djsec.yml` |",
		"| `commands.allowed_teams` | `security` | from `.github/djsec.yml` |",
	} {
		if !strings.Contains(cfg, want) {
			t.Errorf("config reply lacks %q:\n%s", want, cfg)
		}
	}
}

// On an issue the default branch's file decides; a file whose entries are
// all mistyped admits nobody rather than every writer; without the key
// every writer may.
func TestNarrowingOnIssuesAndBadEntries(t *testing.T) {
	t.Parallel()
	e, _ := narrowEnv(t, "commands:\n  allowed_users: [\"not a login\"]\n")
	e.repo.SetPermission("alice", "admin")
	n := e.issue("tracking")
	e.post(comment{number: n, user: "alice", body: "/djsec ignore DJS201 -- reviewed"})
	r := e.onlyReply().Body
	if !strings.Contains(r, "limits commands to nobody") || !strings.Contains(r, "Nothing was changed") {
		t.Errorf("mistyped narrowing on an issue:\n%s", r)
	}
	if igs, _ := e.db.Ignores(context.Background(), e.repo.ID, 0); len(igs) != 0 {
		t.Errorf("ignores %+v", igs)
	}

	open, pr := narrowEnv(t, "fail_on: high\n")
	open.repo.SetPermission("bob", "write")
	if ran, r := tryIgnore(t, open, pr, "bob"); !ran {
		t.Errorf("no commands key, writer refused:\n%s", r)
	}
}

// An App without the organization's Members (read) permission is refused
// the membership: GitHub answers 403, or 404 as it does for a non-member.
// Either way the person is refused, nothing changes, and the reply says
// how an organization grants the permission (allowed_teams cannot work
// without it, and app.yml does not ask for it).
func TestAllowedTeamsWithoutMembersPermission(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusForbidden, http.StatusNotFound} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			t.Parallel()
			e, pr := narrowEnv(t, "commands:\n  allowed_teams: [security]\n")
			e.repo.SetPermission("dave", "write")
			e.gh.SetTeamMember("octo-org", "security", "dave", true)
			e.gh.FailTimes(membershipRoute, 1, status)
			ran, r := tryIgnore(t, e, pr, "dave")
			if ran || !strings.Contains(r, "Nothing was changed") {
				t.Fatalf("%d on the membership: ran %v:\n%s", status, ran, r)
			}
			for _, want := range []string{
				fmt.Sprintf("(%d)", status), "`octo-org/security`",
				"allowed_teams needs the organization's **Members (read)** permission",
				"Members: Read-only", "accepts the new permission on the installation",
			} {
				if status == http.StatusNotFound && want == "(404)" {
					want = "answered 404"
				}
				if !strings.Contains(r, want) {
					t.Errorf("%d: the refusal lacks %q:\n%s", status, want, r)
				}
			}
		})
	}
}

// The allow-list is the default branch's: a writer outside it who opens a
// pull request into a branch without .github/djsec.yml is still refused,
// so their ignore never applies to the whole repository.
func TestNarrowingComesFromTheDefaultBranch(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.repo.Commit("main", map[string]string{".github/djsec.yml": "commands:\n  allowed_users: [alice]\n", "mysite/settings.py": hardened(t)})
	// A branch of their own, from before the file: no allow-list there.
	e.repo.Commit("unguarded", map[string]string{".github/djsec.yml": "fail_on: high\n"})
	e.repo.Commit("feature", map[string]string{"README.md": "x\n"})
	pr := e.repo.AddPull(githubtest.Pull{HeadRef: "feature", BaseRef: "unguarded"})
	e.repo.SetPermission("bob", "write")
	ran, r := tryIgnore(t, e, pr.Number, "bob")
	if ran {
		t.Fatalf("bob ran a command through a pull request into a branch without the allow-list:\n%s", r)
	}
	if !strings.Contains(r, "`.github/djsec.yml@main` limits commands") {
		t.Errorf("the refusal should name the default branch's file:\n%s", r)
	}
}
