package handlers

import (
	"github.com/djsec/djsec/jobs"
)

// check queues re-runs of djsec's check and presses of its check run's
// buttons. Every app with the checks permission receives every app's
// check_run and check_suite events: only those whose app is djsec count.
type check struct{}

func (check) Handles() []string { return []string{"check_run", "check_suite"} }

type app struct {
	ID int64 `json:"id"`
}

type checkPR struct {
	Number int `json:"number"`
}

type checkSuite struct {
	ID           int64     `json:"id"`
	HeadSHA      string    `json:"head_sha"`
	HeadBranch   string    `json:"head_branch"`
	App          *app      `json:"app"`
	PullRequests []checkPR `json:"pull_requests"`
}

type checkPayload struct {
	envelope
	CheckRun *struct {
		ID           int64      `json:"id"`
		HeadSHA      string     `json:"head_sha"`
		ExternalID   string     `json:"external_id"`
		App          *app       `json:"app"`
		CheckSuite   checkSuite `json:"check_suite"`
		PullRequests []checkPR  `json:"pull_requests"`
	} `json:"check_run"`
	CheckSuite      *checkSuite `json:"check_suite"`
	RequestedAction *struct {
		Identifier string `json:"identifier"`
	} `json:"requested_action"`
}

func numbers(prs []checkPR) []int {
	var out []int
	for _, p := range prs {
		out = append(out, p.Number)
	}
	return out
}

func (check) route(d *delivery) (jobs.Args, string, error) {
	var p checkPayload
	if err := decode(d, &p); err != nil {
		return nil, "", err
	}
	// Filter on the action first: most check events (created, completed)
	// are other apps' progress reports. check_suite requested comes with
	// every push; the pull_request event of the same push already queues
	// the check, so only a person's "Re-run" (rerequested) counts.
	switch {
	case d.Event == "check_run" && (p.Action == "rerequested" || p.Action == "requested_action"):
	case d.Event == "check_suite" && p.Action == "rerequested":
	default:
		return nil, ignoreAction, nil
	}
	if d.AppID == 0 {
		return nil, ignoreAppUnknown, nil
	}
	var owner *app
	if p.CheckRun != nil {
		owner = p.CheckRun.App
	} else if p.CheckSuite != nil {
		owner = p.CheckSuite.App
	}
	if owner == nil || owner.ID != d.AppID {
		return nil, ignoreOtherApp, nil
	}
	if !p.hasInstallation() {
		return nil, ignoreNoInstallation, nil
	}
	o := p.origin(d)
	if d.Event == "check_suite" {
		s := p.CheckSuite
		return jobs.CheckRerunArgs{Origin: o, Event: d.Event, Action: p.Action, HeadSHA: s.HeadSHA, HeadBranch: s.HeadBranch,
			CheckSuiteID: s.ID, PullRequests: numbers(s.PullRequests)}, "", nil
	}
	r := p.CheckRun
	prs := numbers(r.PullRequests)
	if p.Action == "requested_action" {
		a := jobs.CheckActionArgs{Origin: o, HeadSHA: r.HeadSHA, CheckRunID: r.ID, ExternalID: r.ExternalID,
			PullRequests: prs, Sender: p.senderLogin()}
		if p.RequestedAction != nil {
			a.Identifier = p.RequestedAction.Identifier
		}
		return a, "", nil
	}
	return jobs.CheckRerunArgs{Origin: o, Event: d.Event, Action: p.Action, HeadSHA: r.HeadSHA, HeadBranch: r.CheckSuite.HeadBranch,
		CheckSuiteID: r.CheckSuite.ID, CheckRunID: r.ID, ExternalID: r.ExternalID, PullRequests: prs}, "", nil
}
