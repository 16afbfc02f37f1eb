package handlers

import (
	"encoding/json"
	"time"

	"github.com/djsec/djsec/jobs"
)

// pullRequest queues the check of a pull request: on every push to it
// (opened, synchronize, reopened, ready_for_review, and edited when the
// base branch changed). closed is queued too, for the work that follows a
// pull request's end; the check itself ignores it.
type pullRequest struct{}

func (pullRequest) Handles() []string { return []string{"pull_request"} }

type pullRequestPayload struct {
	envelope
	Number      int `json:"number"`
	PullRequest struct {
		Number       int       `json:"number"`
		Draft        bool      `json:"draft"`
		Head         ref       `json:"head"`
		Base         ref       `json:"base"`
		UpdatedAt    time.Time `json:"updated_at"`
		ChangedFiles int       `json:"changed_files"`
	} `json:"pull_request"`
	Changes struct {
		Base json.RawMessage `json:"base"`
	} `json:"changes"`
}

type ref struct {
	Ref  string      `json:"ref"`
	SHA  string      `json:"sha"`
	Repo *repository `json:"repo"`
}

func (pullRequest) route(d *delivery) (jobs.Args, string, error) {
	var p pullRequestPayload
	if err := decode(d, &p); err != nil {
		return nil, "", err
	}
	switch p.Action {
	case "opened", "synchronize", "reopened", "ready_for_review", "closed":
	case "edited":
		if p.Changes.Base == nil {
			return nil, ignoreAction + " (edited without a new base branch)", nil
		}
	default:
		return nil, ignoreAction, nil
	}
	if !p.hasInstallation() {
		return nil, ignoreNoInstallation, nil
	}
	pr := p.PullRequest
	number := p.Number
	if number == 0 {
		number = pr.Number
	}
	fork := pr.Head.Repo == nil || pr.Base.Repo == nil || pr.Head.Repo.ID != pr.Base.Repo.ID
	return jobs.PullRequestArgs{
		Origin:  p.origin(d),
		Action:  p.Action,
		Number:  number,
		HeadSHA: pr.Head.SHA,
		HeadRef: pr.Head.Ref,
		BaseSHA: pr.Base.SHA,
		BaseRef: pr.Base.Ref,
		Fork:    fork,
		Draft:   pr.Draft,
		// The order of this pull request's events, whatever order they
		// are delivered in; UTC so that equal instants compare equal.
		UpdatedAt:    pr.UpdatedAt.UTC(),
		ChangedFiles: pr.ChangedFiles,
	}, "", nil
}
