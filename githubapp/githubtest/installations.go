package githubtest

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// SetTeamMember makes login a member of org's team (the slug): active
// false records a pending membership, an invitation not yet accepted,
// which GitHub answers with state "pending" and which grants nothing. A
// login never added is answered 404, as GitHub answers a non-member.
func (s *Server) SetTeamMember(org, team, login string, active bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.teams == nil {
		s.teams = map[string]string{}
	}
	state := "pending"
	if active {
		state = "active"
	}
	s.teams[teamKey(org, team, login)] = state
}

// RemoveTeamMember ends login's membership of org's team.
func (s *Server) RemoveTeamMember(org, team, login string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.teams, teamKey(org, team, login))
}

func teamKey(org, team, login string) string {
	return strings.ToLower(org + "/" + team + "/" + login)
}

// getTeamMembership answers GET /orgs/{org}/teams/{team_slug}/memberships/{username}.
// GitHub answers 404 alike for an unknown team and a non-member, and only
// an installation of the organization may ask.
func (s *Server) getTeamMembership(c *call) (int, any) {
	org, team, login := c.r.PathValue("org"), c.r.PathValue("team_slug"), c.r.PathValue("username")
	state, ok := s.teams[teamKey(org, team, login)]
	if !ok || (c.inst != nil && !strings.EqualFold(c.inst.Account, org)) {
		return http.StatusNotFound, notFound()
	}
	return http.StatusOK, map[string]any{
		"url":   fmt.Sprintf("%s/organizations/%d/team/%d/memberships/%s", s.URL, userID(org), userID(org+"/"+team), login),
		"role":  "member",
		"state": state,
	}
}

// listInstallationRepos answers GET /installation/repositories: the
// repositories the token's installation can see, oldest first, a page at
// a time, with total_count the number on every page.
func (s *Server) listInstallationRepos(c *call) (int, any) {
	var repos []*Repo
	for key := range c.inst.repos {
		if r := s.repos[key]; r != nil {
			repos = append(repos, r)
		}
	}
	slices.SortFunc(repos, func(a, b *Repo) int { return int(a.ID - b.ID) })
	items := make([]any, 0, len(repos))
	for _, r := range page(c, repos) {
		items = append(items, s.repoJSON(r))
	}
	return http.StatusOK, map[string]any{
		"total_count":          len(repos),
		"repositories":         items,
		"repository_selection": "selected",
	}
}

// listInstallations answers GET /app/installations (app JWT): the app's
// installations in ID order, a page at a time.
func (s *Server) listInstallations(c *call) (int, any) {
	var insts []*Installation
	for _, inst := range s.installations {
		insts = append(insts, inst)
	}
	slices.SortFunc(insts, func(a, b *Installation) int { return int(a.ID - b.ID) })
	items := make([]any, 0, len(insts))
	for _, inst := range page(c, insts) {
		items = append(items, s.installationJSON(inst))
	}
	return http.StatusOK, items
}

// installationJSON is an installation with every field the description
// requires of one.
func (s *Server) installationJSON(inst *Installation) map[string]any {
	u := s.URL + "/app/installations/" + fmt.Sprint(inst.ID)
	// The description makes the account allOf a Simple User and an
	// Enterprise (anyOf is meant), so an account must carry the
	// enterprise's required fields as well to validate.
	account := s.userJSON(inst.Account, "Organization")
	account["name"], account["slug"] = inst.Account, strings.ToLower(inst.Account)
	account["created_at"], account["updated_at"] = "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z"
	return map[string]any{
		"id": inst.ID, "account": account,
		"repository_selection": "selected",
		"access_tokens_url":    u + "/access_tokens",
		"repositories_url":     s.URL + "/installation/repositories",
		"html_url":             fmt.Sprintf("https://github.com/organizations/%s/settings/installations/%d", inst.Account, inst.ID),
		"app_id":               s.app.ID, "app_slug": s.app.Slug,
		"target_id": userID(inst.Account), "target_type": "Organization",
		"permissions": s.app.Permissions, "events": s.app.Events,
		"created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z",
		"single_file_name": nil, "suspended_by": nil, "suspended_at": nil,
	}
}
