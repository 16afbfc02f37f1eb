package handlers

import (
	"github.com/djsec/djsec/jobs"
)

// issues queues changes to issues, for the weekly audit issue: a box
// ticked (edited), the issue closed, reopened or deleted. Bots' changes
// are ignored, djsec's own updates of the audit issue first of all.
type issues struct{}

func (issues) Handles() []string { return []string{"issues"} }

type issuesPayload struct {
	envelope
	Issue struct {
		Number int   `json:"number"`
		User   *user `json:"user"`
	} `json:"issue"`
}

func (issues) route(d *delivery) (jobs.Args, string, error) {
	var p issuesPayload
	if err := decode(d, &p); err != nil {
		return nil, "", err
	}
	switch p.Action {
	case "edited", "closed", "reopened", "deleted":
	default:
		return nil, ignoreAction, nil
	}
	if p.fromBot() {
		return nil, ignoreBot, nil
	}
	if !p.hasInstallation() {
		return nil, ignoreNoInstallation, nil
	}
	a := jobs.IssueArgs{Origin: p.origin(d), Action: p.Action, Number: p.Issue.Number, Sender: p.senderLogin()}
	if p.Issue.User != nil {
		a.Author = p.Issue.User.Login
	}
	return a, "", nil
}
