package repo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/djsec/djsec/checks"
	"github.com/djsec/djsec/githubapp"
	"github.com/djsec/djsec/internal/jobctx"
	"github.com/djsec/djsec/internal/md"
)

// Who may run djsec's mutating commands and press its check run's
// buttons: one policy for both. Someone with the write, maintain or admin
// permission on the repository (asked of the API; author_association
// grants nothing) who, when the default branch's .github/djsec.yml has a
// commands key, is listed in it or is an active member of a listed team.
// The allow-list is read from the default branch whatever the pull
// request: its base is a branch its author may choose.

// DefaultPeopleTTL bounds how long People trusts an answer: someone whose
// write access was removed loses the commands and buttons within it.
const DefaultPeopleTTL = 5 * time.Minute

// People remembers GitHub's answers about people (a repository
// permission, a team membership) across jobs, each for its TTL. Safe for
// concurrent use: one per server.
type People struct {
	ttl time.Duration
	now func() time.Time

	mu    sync.Mutex
	perms map[personKey]remembered[permEntry]
	teams map[personKey]remembered[teamEntry]
}

// NewPeople is a cache trusting answers for ttl (DefaultPeopleTTL when not
// positive) by the clock now (time.Now when nil).
func NewPeople(ttl time.Duration, now func() time.Time) *People {
	if ttl <= 0 {
		ttl = DefaultPeopleTTL
	}
	if now == nil {
		now = time.Now
	}
	return &People{ttl: ttl, now: now, perms: map[personKey]remembered[permEntry]{}, teams: map[personKey]remembered[teamEntry]{}}
}

func (p *People) permShelf() map[personKey]remembered[permEntry] {
	if p == nil {
		return nil
	}
	return p.perms
}

func (p *People) teamShelf() map[personKey]remembered[teamEntry] {
	if p == nil {
		return nil
	}
	return p.teams
}

// personKey is one login (lower case) in one repository or team.
type personKey struct{ where, login string }

type permEntry struct {
	perm string
	ok   bool
}

type teamEntry struct {
	member bool
	// notFound: GitHub answered 404, which it gives alike for a
	// non-member, an unknown team and an App without the organization's
	// Members (read) permission.
	notFound bool
}

// remembered is an answer and when it came.
type remembered[V any] struct {
	v  V
	at time.Time
}

// recall is k's answer in shelf when it is younger than the TTL (never
// with no People).
func recall[V any](p *People, shelf map[personKey]remembered[V], k personKey) (V, bool) {
	if p == nil {
		var zero V
		return zero, false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	e, ok := shelf[k]
	return e.v, ok && p.now().Sub(e.at) < p.ttl
}

// remember keeps k's answer in shelf (nothing with no People).
func remember[V any](p *People, shelf map[personKey]remembered[V], k personKey, v V) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	shelf[k] = remembered[V]{v: v, at: p.now()}
}

// Refusal says which part of the policy refused someone.
type Refusal int

// Refusals.
const (
	NotRefused Refusal = iota
	// RefusedPermission: not write, maintain or admin.
	RefusedPermission
	// RefusedAllowList: a writer the commands key does not list.
	RefusedAllowList
)

// Access is CanRun's answer.
type Access struct {
	Refused Refusal
	// Permission is the person's role on the repository ("write",
	// "maintain", "read", …; "none" without access).
	Permission string
	// Why is, for RefusedAllowList, the Markdown sentence a person is
	// shown (who the repository lets in, and how to grant what team
	// lookups need).
	Why string
}

// Allowed reports whether the person may run mutating commands and press
// the buttons.
func (a Access) Allowed() bool { return a.Refused == NotRefused }

// What CanRun could not find out; the refusal a person is shown differs.
var (
	// ErrPermissionUnknown: GitHub did not say what permission the person
	// has.
	ErrPermissionUnknown = errors.New("could not ask GitHub for the permission")
	// ErrAllowListUnknown: the default branch's allow-list (or a team
	// listed in it) could not be read; it may narrow, so nobody passes.
	ErrAllowListUnknown = errors.New("could not read the commands allow-list")
)

// CanRun decides whether login may run djsec's mutating commands and
// press its buttons on the repository (the policy above). The permission
// is asked first: someone without write access costs that one call.
// Answers are remembered for the job, or for the People cache's TTL.
func (r *Repo) CanRun(ctx context.Context, login string) (Access, error) {
	ok, perm, err := r.permission(ctx, login)
	if err != nil {
		return Access{}, fmt.Errorf("%w: %w", ErrPermissionUnknown, err)
	}
	if !ok {
		return Access{Refused: RefusedPermission, Permission: perm}, nil
	}
	why, err := r.allowList(ctx, login)
	if err != nil {
		return Access{}, fmt.Errorf("%w: %w", ErrAllowListUnknown, err)
	}
	if why != "" {
		return Access{Refused: RefusedAllowList, Permission: perm, Why: why}, nil
	}
	return Access{Permission: perm}, nil
}

// permission asks GitHub whether login may write to the repository: admin,
// maintain or write.
func (r *Repo) permission(ctx context.Context, login string) (bool, string, error) {
	if login == "" {
		return false, "none", nil
	}
	key := personKey{strings.ToLower(r.FullName()), strings.ToLower(login)}
	if e, ok := recall(r.people, r.people.permShelf(), key); ok {
		return e.ok, e.perm, nil
	}
	r.mu.Lock()
	e, hit := r.perms[key.login]
	r.mu.Unlock()
	if hit {
		return e.ok, e.perm, nil
	}
	r.calls.Add(1)
	lvl, _, err := r.gh.Repositories.GetPermissionLevel(noCache(ctx), r.owner, r.name, login)
	if err != nil && !githubapp.NotFound(err) {
		return false, "", Wrap("permission of "+login, err)
	}
	e = permEntry{perm: "none"}
	if err == nil {
		perm, role := lvl.GetPermission(), lvl.GetRoleName()
		e.perm = role
		if e.perm == "" {
			e.perm = perm
		}
		e.ok = perm == "admin" || perm == "write" || role == "admin" || role == "maintain" || role == "write"
	}
	r.mu.Lock()
	r.perms[key.login] = e
	r.mu.Unlock()
	remember(r.people, r.people.permShelf(), key, e)
	return e.ok, e.perm, nil
}

// allowList checks the commands key of the default branch's
// .github/djsec.yml for someone who already has write access: "" when it
// lets them in, else why not. A file with problems still narrows with
// what is valid in it; a file too large to read refuses, since it may
// narrow.
func (r *Repo) allowList(ctx context.Context, login string) (string, error) {
	ref, err := r.policyBranch(ctx)
	if err != nil {
		return "", err
	}
	c, err := r.Config(ctx, ref)
	if msg, ok := Unreadable(err); ok {
		return md.Code(checks.ConfigPath) + " is " + msg + ".", nil
	}
	if err != nil {
		return "", err
	}
	if !c.Found() {
		return "", nil
	}
	cfg, _ := c.Parse()
	a := cfg.Commands
	if !a.Limited || a.Allows(login) {
		return "", nil
	}
	var hidden, notFound []string
	for _, team := range a.AllowedTeams {
		if !strings.Contains(team, "/") {
			team = strings.ToLower(r.owner) + "/" + team
		}
		ok, missing, err := r.member(ctx, team, login)
		if missing {
			notFound = append(notFound, team)
		}
		switch {
		case errors.Is(err, errTeamsHidden):
			// Another listed team may still admit them.
			hidden = append(hidden, team)
			continue
		case err != nil:
			return "", err
		}
		if ok {
			return "", nil
		}
	}
	// allowed_teams needs the organization's Members (read) permission,
	// which app.yml leaves out (least privilege). Without it GitHub answers
	// 403, or 404 as for a non-member: either way the refusal says how to
	// grant it, since the person may well be in the team.
	why := ""
	if len(hidden) > 0 {
		why = fmt.Sprintf(" GitHub refused to tell djsec who is in %s (403): %s", codeList(hidden), membersHelp)
	} else if len(notFound) > 0 {
		why = fmt.Sprintf(" GitHub answered 404 for %s in %s: not an active member, no such team, or the App may not read the organization's teams. If %s is in the team: %s",
			md.Code(login), codeList(notFound), md.Code(login), membersHelp)
	}
	return fmt.Sprintf("this repository's %s limits commands to %s, and %s is not among them.%s",
		md.Code(checks.ConfigPath+"@"+ref), allowedText(a, r.owner), md.Code(login), why), nil
}

// policyBranch is the default branch, whose configuration says who may
// run commands: asked once per Repo, however many commands a job runs.
func (r *Repo) policyBranch(ctx context.Context) (string, error) {
	r.mu.Lock()
	ref := r.policyRef
	r.mu.Unlock()
	if ref != "" {
		return ref, nil
	}
	rp, err := r.Get(ctx)
	if err != nil {
		return "", err
	}
	r.mu.Lock()
	r.policyRef = rp.GetDefaultBranch()
	r.mu.Unlock()
	return rp.GetDefaultBranch(), nil
}

// errTeamsHidden is GitHub's 403 for a team membership: the App lacks the
// organization's Members (read) permission, which app.yml does not ask for.
var errTeamsHidden = errors.New("the App may not read the organization's team memberships")

// member asks GitHub whether login is an active member of team
// ("org/slug"). A pending invitation, an unknown team and a non-member
// are all "no"; notFound says GitHub answered 404, which is also its
// answer to an App that may not read the teams.
func (r *Repo) member(ctx context.Context, team, login string) (member, notFound bool, err error) {
	key := personKey{strings.ToLower(team), strings.ToLower(login)}
	if e, ok := recall(r.people, r.people.teamShelf(), key); ok {
		return e.member, e.notFound, nil
	}
	org, slug, _ := strings.Cut(team, "/")
	r.calls.Add(1)
	m, _, err := r.gh.Teams.GetTeamMembershipBySlug(noCache(ctx), org, slug, login)
	if githubapp.Status(err) == http.StatusForbidden {
		jobctx.Logger(ctx).WarnContext(ctx, "team membership not readable", slog.String("team", team), slog.String("error", err.Error()))
		return false, false, fmt.Errorf("membership of %s in team %s: %w: %w", login, team, errTeamsHidden, err)
	}
	if err != nil && !githubapp.NotFound(err) {
		return false, false, Wrap("membership of "+login+" in team "+team, err)
	}
	e := teamEntry{member: err == nil && m.GetState() == "active", notFound: err != nil}
	remember(r.people, r.people.teamShelf(), key, e)
	return e.member, e.notFound, nil
}

// allowedText names who the commands key lets in.
func allowedText(a checks.CommandAccess, owner string) string {
	var parts []string
	if len(a.AllowedUsers) > 0 {
		parts = append(parts, "the users "+codeList(a.AllowedUsers))
	}
	if len(a.AllowedTeams) > 0 {
		teams := make([]string, len(a.AllowedTeams))
		for i, t := range a.AllowedTeams {
			if !strings.Contains(t, "/") {
				t = strings.ToLower(owner) + "/" + t
			}
			teams[i] = t
		}
		parts = append(parts, "the members of the teams "+codeList(teams))
	}
	if len(parts) == 0 {
		return "nobody (every entry under `commands` has a problem; `/djsec config` lists them)"
	}
	return strings.Join(parts, " and ")
}

func codeList(s []string) string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = md.Code(v)
	}
	return strings.Join(out, ", ")
}

// membersHelp says how an organisation grants what allowed_teams needs
// (docs/APP.md, "/djsec commands").
const membersHelp = "allowed_teams needs the organization's **Members (read)** permission, which djsec does not ask for by default. " +
	"An owner of the App adds it (the App's settings → Permissions & events → Organization permissions → Members: Read-only), " +
	"then an organization owner accepts the new permission on the installation (Settings → GitHub Apps → djsec → Review request)."
