package handlers

import (
	"encoding/json"
	"errors"

	"github.com/djsec/djsec/jobs"
)

// eventHandler turns one family of verified, well-formed deliveries into
// jobs. One file per family; each names its events in Handles and maps
// actions to work in route, in one switch whose default ignores.
type eventHandler interface {
	Handles() []string
	// route returns the job to queue, or nil and why nothing is to be done.
	// A payload that does not decode into the family's shape is an error
	// (400).
	route(d *delivery) (args jobs.Args, ignored string, err error)
}

// errNotObject: the payload is JSON, but not an object.
var errNotObject = errors.New("the payload is not a JSON object")

// decode parses the body into p, the family's payload (which embeds the
// envelope), in one pass, and records the action on d.
func decode(d *delivery, p interface{ env() *envelope }) error {
	if !isObject(d.Body) {
		return errNotObject
	}
	if err := json.Unmarshal(d.Body, p); err != nil {
		return err
	}
	d.Action = p.env().Action
	return nil
}

func (e *envelope) env() *envelope { return e }

// delivery is a webhook whose signature checked out.
type delivery struct {
	ID    string // X-GitHub-Delivery
	Event string // X-GitHub-Event
	Body  []byte
	// AppID is djsec's own App ID (0 while unknown), to tell our check
	// suites from other apps'.
	AppID int64
	// Action is filled from the payload once parsed.
	Action string
}

// envelope is what every App webhook payload shares.
type envelope struct {
	Action       string        `json:"action"`
	Installation *installation `json:"installation"`
	Repository   *repository   `json:"repository"`
	Sender       *user         `json:"sender"`
}

type installation struct {
	ID      int64 `json:"id"`
	Account *user `json:"account"`
}

type repository struct {
	ID            int64  `json:"id"`
	FullName      string `json:"full_name"`
	DefaultBranch string `json:"default_branch"`
}

type user struct {
	Login string `json:"login"`
	Type  string `json:"type"` // User, Bot, Organization
}

// Reasons a handled event is ignored, logged with the delivery.
const (
	ignoreAction         = "action not handled"
	ignoreBot            = "sent by a bot"
	ignoreNoInstallation = "no installation in the payload (not an App delivery)"
	ignoreOtherApp       = "another app's check"
	ignoreAppUnknown     = "djsec's App ID is not known yet"
	ignoreNotDefault     = "not a push to the default branch"
	ignoreNoMergeGroup   = "no merge group head or base in the payload"
)

// origin is the Origin of a job from e.
func (e envelope) origin(d *delivery) jobs.Origin {
	o := jobs.Origin{Delivery: d.ID}
	if e.Installation != nil {
		o.Installation = e.Installation.ID
	}
	if e.Repository != nil {
		o.Repo, o.RepoID = e.Repository.FullName, e.Repository.ID
	}
	return o
}

func (e envelope) hasInstallation() bool { return e.Installation != nil && e.Installation.ID > 0 }

func (e envelope) fromBot() bool { return e.Sender != nil && e.Sender.Type == "Bot" }

func (e envelope) senderLogin() string {
	if e.Sender == nil {
		return ""
	}
	return e.Sender.Login
}
