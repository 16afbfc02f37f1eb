package handlers

import (
	"github.com/djsec/djsec/jobs"
)

// push queues pushes to a repository's default branch (the audit follows
// the default branch; pull requests bring their own events).
type push struct{}

func (push) Handles() []string { return []string{"push"} }

type pushPayload struct {
	envelope
	Ref     string `json:"ref"`
	Before  string `json:"before"`
	After   string `json:"after"`
	Deleted bool   `json:"deleted"`
}

func (push) route(d *delivery) (jobs.Args, string, error) {
	var p pushPayload
	if err := decode(d, &p); err != nil {
		return nil, "", err
	}
	if p.Repository == nil || p.Deleted || p.Ref != "refs/heads/"+p.Repository.DefaultBranch {
		return nil, ignoreNotDefault, nil
	}
	if !p.hasInstallation() {
		return nil, ignoreNoInstallation, nil
	}
	return jobs.PushArgs{Origin: p.origin(d), Ref: p.Ref, Before: p.Before, After: p.After,
		DefaultBranch: p.Repository.DefaultBranch}, "", nil
}
