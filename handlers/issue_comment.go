package handlers

import (
	"encoding/json"

	"github.com/djsec/djsec/jobs"
)

// issueComment queues new comments (people's, never bots': djsec must not
// answer itself or another bot) for the `/djsec` commands.
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
	} `json:"comment"`
}

func (issueComment) route(d *delivery) (jobs.Args, string, error) {
	var p issueCommentPayload
	if err := decode(d, &p); err != nil {
		return nil, "", err
	}
	switch p.Action {
	case "created":
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
	return jobs.CommentArgs{
		Origin:            p.origin(d),
		Action:            p.Action,
		Number:            p.Issue.Number,
		IsPullRequest:     len(p.Issue.PullRequest) > 0 && string(p.Issue.PullRequest) != "null",
		CommentID:         p.Comment.ID,
		Body:              p.Comment.Body,
		Author:            author,
		AuthorAssociation: p.Comment.AuthorAssociation,
	}, "", nil
}
