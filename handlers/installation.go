package handlers

import (
	"github.com/djsec/djsec/jobs"
)

// installation queues the App's installation changes. GitHub sends these
// to every App without a subscription.
type installationEvents struct{}

func (installationEvents) Handles() []string {
	return []string{"installation", "installation_repositories"}
}

type installedRepo struct {
	FullName string `json:"full_name"`
}

type installationPayload struct {
	envelope
	Repositories        []installedRepo `json:"repositories"`
	RepositoriesAdded   []installedRepo `json:"repositories_added"`
	RepositoriesRemoved []installedRepo `json:"repositories_removed"`
}

func names(rs []installedRepo) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.FullName)
	}
	return out
}

func (installationEvents) route(d *delivery) (jobs.Args, string, error) {
	var p installationPayload
	if err := decode(d, &p); err != nil {
		return nil, "", err
	}
	switch {
	case d.Event == "installation" && (p.Action == "created" || p.Action == "deleted" || p.Action == "suspend" ||
		p.Action == "unsuspend" || p.Action == "new_permissions_accepted"):
	case d.Event == "installation_repositories" && (p.Action == "added" || p.Action == "removed"):
	default:
		return nil, ignoreAction, nil
	}
	if !p.hasInstallation() {
		return nil, ignoreNoInstallation, nil
	}
	a := jobs.InstallationArgs{Origin: p.origin(d), Event: d.Event, Action: p.Action,
		Added: names(p.RepositoriesAdded), Removed: names(p.RepositoriesRemoved)}
	if p.Installation.Account != nil {
		a.Account = p.Installation.Account.Login
	}
	if p.Action == "created" {
		a.Added = names(p.Repositories)
	}
	if p.Action == "deleted" {
		a.Removed = names(p.Repositories)
	}
	return a, "", nil
}
