// Package jobs is djsec's durable work queue (River): one typed job per
// kind of work a webhook asks for, the workers that run them, and the Queue
// that inserts a job in the same transaction as its delivery row.
//
// A worker does not hold the feature logic itself: it calls the Processor
// for its kind. Until the features land (check runs, fix-ups, commands,
// audits — each its own issue) every kind has LogProcessor, which logs
// "received" with the job's fields and succeeds.
package jobs

import (
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/djsec/djsec/store"
)

// Origin says where a job comes from; every job's arguments embed it, so
// every log line of a job carries the delivery, installation and repository.
type Origin struct {
	// Delivery is the X-GitHub-Delivery GUID of the webhook.
	Delivery string `json:"delivery"`
	// Installation is the App installation the event belongs to (0 when the
	// payload had none).
	Installation int64 `json:"installation"`
	// Repo is the repository's full name, owner/name ("" for installation events).
	Repo string `json:"repo,omitempty"`
	// RepoID is the repository's numeric ID (stable across renames).
	RepoID int64 `json:"repo_id,omitempty"`
}

// Args is implemented by every job's arguments.
type Args interface {
	river.JobArgs
	// JobOrigin is the delivery the job came from.
	JobOrigin() Origin
	// LogAttrs are the fields beyond the Origin every log line of the job
	// carries (PR number, head SHA, action …).
	LogAttrs() []slog.Attr
}

// JobOrigin returns o; embedding Origin gives every Args this method.
func (o Origin) JobOrigin() Origin { return o }

// Kinds, as stored in the queue. Never rename one that shipped (River
// would no longer find a worker for jobs already queued); add a KindAliases.
const (
	KindPullRequest  = "pull_request"
	KindComment      = "comment"
	KindIssue        = "issue"
	KindCheckRerun   = "check_rerun"
	KindCheckAction  = "check_action"
	KindPush         = "push"
	KindInstallation = "installation"
)

// PullRequestArgs: a pull request was opened, pushed to, reopened, marked
// ready, retargeted or closed (pull_request): the djsec check run (package
// checkrun); later fix-up pull requests and suggestions.
type PullRequestArgs struct {
	Origin
	Action  string `json:"action"`
	Number  int    `json:"number"`
	HeadSHA string `json:"head_sha"`
	HeadRef string `json:"head_ref"`
	BaseSHA string `json:"base_sha"`
	BaseRef string `json:"base_ref"`
	// Fork is true when the head branch lives in another repository: djsec
	// can suggest changes there but never push.
	Fork bool `json:"fork,omitempty"`
	// Draft pull requests are checked unless the base branch's
	// .github/djsec.yml says `drafts: false`.
	Draft bool `json:"draft,omitempty"`
	// UpdatedAt is pull_request.updated_at: it orders the events of one
	// pull request, so an older push never passes for the latest.
	UpdatedAt time.Time `json:"updated_at,omitzero"`
	// ChangedFiles is pull_request.changed_files (0: unknown). Up to 300
	// the check lists them with one compare call; beyond, page by page.
	ChangedFiles int `json:"changed_files,omitempty"`
}

func (PullRequestArgs) Kind() string { return KindPullRequest }
func (a PullRequestArgs) LogAttrs() []slog.Attr {
	return []slog.Attr{slog.String("action", a.Action), slog.Int("pr", a.Number), slog.String("head_sha", a.HeadSHA)}
}

// PRHead is the head this event makes the pull request's latest, recorded
// in the transaction that queues the job (see HeadRecorder). A closed pull
// request records nothing: no check runs for it.
func (a PullRequestArgs) PRHead() (store.PRHead, bool) {
	if a.Action == "closed" || a.RepoID == 0 || a.Number == 0 || a.HeadSHA == "" {
		return store.PRHead{}, false
	}
	return store.PRHead{RepoID: a.RepoID, Number: a.Number, HeadSHA: a.HeadSHA, UpdatedAt: a.UpdatedAt}, true
}

// HeadRecorder is implemented by Args whose event moves a pull request's
// head. Queue.Enqueue records the head in the same transaction as the job,
// so that a job which starts after a newer push was queued sees it was
// superseded, whatever order the workers run in.
type HeadRecorder interface {
	PRHead() (store.PRHead, bool)
}

// CommentArgs: someone (not a bot) commented on an issue or a pull request
// (issue_comment created or edited): the `/djsec` commands (package
// commandrun).
type CommentArgs struct {
	Origin
	Action string `json:"action"`
	// Number is the issue's or the pull request's number.
	Number        int   `json:"number"`
	IsPullRequest bool  `json:"is_pull_request,omitempty"`
	CommentID     int64 `json:"comment_id"`
	// Body is the comment's text (GitHub caps it at 65,536 characters).
	Body string `json:"body"`
	// Author is the commenter's login; AuthorAssociation is GitHub's hint
	// (OWNER, MEMBER, …) — not enough to authorize a command: ask the API.
	Author            string `json:"author"`
	AuthorAssociation string `json:"author_association,omitempty"`
	// PreviousBody is the body before an edit (changes.body.from; edited
	// only): the commands are run again only when they changed.
	PreviousBody string `json:"previous_body,omitempty"`
	// CommentVersion is the comment's updated_at as GitHub sent it: a
	// replayed delivery (same comment, same version, another delivery ID)
	// and an older edit arriving late run nothing.
	CommentVersion string `json:"comment_version,omitempty"`
}

func (CommentArgs) Kind() string { return KindComment }
func (a CommentArgs) LogAttrs() []slog.Attr {
	return []slog.Attr{slog.String("action", a.Action), slog.Int("pr", a.Number), slog.Int64("comment_id", a.CommentID), slog.String("author", a.Author)}
}

// IssueArgs: an issue changed. Retired: no delivery queues it since the
// App stopped subscribing to issues events (nothing followed from them);
// the kind stays so jobs an older version queued are logged and end.
type IssueArgs struct {
	Origin
	Action string `json:"action"`
	Number int    `json:"number"`
	Author string `json:"author"`
	// Sender is who made the change (the one who ticked a box).
	Sender string `json:"sender"`
}

func (IssueArgs) Kind() string { return KindIssue }
func (a IssueArgs) LogAttrs() []slog.Attr {
	return []slog.Attr{slog.String("action", a.Action), slog.Int("issue", a.Number), slog.String("sender", a.Sender)}
}

// CheckRerunArgs: someone asked for djsec's check again (check_suite
// rerequested, check_run rerequested — "Re-run" in the UI). check_suite
// requested is not one: it comes with every push, whose pull_request event
// already queues the check.
type CheckRerunArgs struct {
	Origin
	Event        string `json:"event"` // check_run or check_suite
	Action       string `json:"action"`
	HeadSHA      string `json:"head_sha"`
	HeadBranch   string `json:"head_branch,omitempty"`
	CheckSuiteID int64  `json:"check_suite_id"`
	CheckRunID   int64  `json:"check_run_id,omitempty"`
	// ExternalID is the check run's external_id, as djsec set it.
	ExternalID string `json:"external_id,omitempty"`
	// PullRequests are the numbers of the open pull requests with this head.
	PullRequests []int `json:"pull_requests,omitempty"`
}

func (CheckRerunArgs) Kind() string { return KindCheckRerun }
func (a CheckRerunArgs) LogAttrs() []slog.Attr {
	attrs := []slog.Attr{slog.String("event", a.Event), slog.String("action", a.Action), slog.String("head_sha", a.HeadSHA)}
	if len(a.PullRequests) > 0 {
		attrs = append(attrs, slog.Int("pr", a.PullRequests[0]))
	}
	return attrs
}

// CheckActionArgs: a person pressed a button of djsec's check run
// (check_run requested_action), e.g. "Open fix-up PR".
type CheckActionArgs struct {
	Origin
	// Identifier is the button's identifier, as djsec set it.
	Identifier   string `json:"identifier"`
	HeadSHA      string `json:"head_sha"`
	CheckRunID   int64  `json:"check_run_id"`
	ExternalID   string `json:"external_id,omitempty"`
	PullRequests []int  `json:"pull_requests,omitempty"`
	Sender       string `json:"sender"`
}

func (CheckActionArgs) Kind() string { return KindCheckAction }
func (a CheckActionArgs) LogAttrs() []slog.Attr {
	attrs := []slog.Attr{slog.String("identifier", a.Identifier), slog.String("head_sha", a.HeadSHA), slog.String("sender", a.Sender)}
	if len(a.PullRequests) > 0 {
		attrs = append(attrs, slog.Int("pr", a.PullRequests[0]))
	}
	return attrs
}

// PushArgs: commits were pushed to the repository's default branch (push).
// Later: the audit issue is refreshed when settings change.
type PushArgs struct {
	Origin
	Ref           string `json:"ref"`
	Before        string `json:"before"`
	After         string `json:"after"`
	DefaultBranch string `json:"default_branch"`
}

func (PushArgs) Kind() string { return KindPush }
func (a PushArgs) LogAttrs() []slog.Attr {
	return []slog.Attr{slog.String("ref", a.Ref), slog.String("after", a.After)}
}

// InstallationArgs: the App was installed, removed, suspended or given new
// permissions (installation), or repositories were added to or removed from
// an installation (installation_repositories).
type InstallationArgs struct {
	Origin
	Event   string `json:"event"` // installation or installation_repositories
	Action  string `json:"action"`
	Account string `json:"account"`
	// Added and Removed list repositories' full names (installation
	// created lists them in Added).
	Added   []string `json:"added,omitempty"`
	Removed []string `json:"removed,omitempty"`
}

func (InstallationArgs) Kind() string { return KindInstallation }
func (a InstallationArgs) LogAttrs() []slog.Attr {
	return []slog.Attr{slog.String("event", a.Event), slog.String("action", a.Action), slog.String("account", a.Account),
		slog.Int("repos_added", len(a.Added)), slog.Int("repos_removed", len(a.Removed))}
}
