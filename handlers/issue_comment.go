package handlers

import (
	"encoding/json"

	"github.com/djsec/djsec/jobs"
)

// issueComment queues new and edited comments (people's, never bots':
// djsec must not answer itself or another bot) for the `/djsec` commands.
// An edit carries the previous body, so the job can tell whether the
// commands in it changed.
type issueComment struct{}

func (issueComment) Handles() []string { return []string{"issue_comment"} }

type issueCommentPayload struct {
	envelope
	Issue struct {
		Number      int             `json:"number"`
		PullRequest json.RawMessage `json:"pull_request"`
	} `json:"issue"`
	Comment struct {
		ID                int64  `json:"id"`
		Body              string `json:"body"`
		User              *user  `json:"user"`
		AuthorAssociation string `json:"author_association"`
		UpdatedAt         string `json:"updated_at"`
	} `json:"comment"`
	Changes struct {
		Body *struct {
			From string `json:"from"`
		} `json:"body"`
	} `json:"changes"`
}

func (issueComment) route(d *delivery) (jobs.Args, string, error) {
	var p issueCommentPayload
	if err := decode(d, &p); err != nil {
		return nil, "", err
	}
	switch p.Action {
	case "created":
	case "edited":
		if p.Changes.Body == nil {
			// Only the title or nothing the commands read changed.
			return nil, ignoreAction, nil
		}
	default:
		return nil, ignoreAction, nil
	}
	if p.fromBot() || (p.Comment.User != nil && p.Comment.User.Type == "Bot") {
		return nil, ignoreBot, nil
	}
	if !p.hasInstallation() {
		return nil, ignoreNoInstallation, nil
	}
	author := p.senderLogin()
	if p.Comment.User != nil {
		author = p.Comment.User.Login
	}
	previous := ""
	if p.Changes.Body != nil {
		previous = p.Changes.Body.From
	}
	return jobs.CommentArgs{
		Origin:            p.origin(d),
		Action:            p.Action,
		Number:            p.Issue.Number,
		IsPullRequest:     len(p.Issue.PullRequest) > 0 && string(p.Issue.PullRequest) != "null",
		CommentID:         p.Comment.ID,
		Body:              p.Comment.Body,
		Author:            author,
		AuthorAssociation: p.Comment.AuthorAssociation,
		PreviousBody:      previous,
		CommentVersion:    p.Comment.UpdatedAt,
	}, "", nil
}
