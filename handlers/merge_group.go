package handlers

import (
	"github.com/djsec/djsec/jobs"
)

// mergeGroup queues the check of a merge queue's group. A repository that
// requires `djsec` and merges through a merge queue waits until the group's
// head commit has a completed djsec run; nothing else asks for it (the
// group's commit belongs to no pull request, so no pull_request event
// comes). destroyed (merged, dequeued, invalidated) needs nothing.
type mergeGroup struct{}

func (mergeGroup) Handles() []string { return []string{"merge_group"} }

type mergeGroupPayload struct {
	envelope
	MergeGroup *struct {
		HeadSHA string `json:"head_sha"`
		HeadRef string `json:"head_ref"`
		BaseSHA string `json:"base_sha"`
		BaseRef string `json:"base_ref"`
	} `json:"merge_group"`
}

func (mergeGroup) route(d *delivery) (jobs.Args, string, error) {
	var p mergeGroupPayload
	if err := decode(d, &p); err != nil {
		return nil, "", err
	}
	if p.Action != "checks_requested" {
		return nil, ignoreAction, nil
	}
	if !p.hasInstallation() {
		return nil, ignoreNoInstallation, nil
	}
	g := p.MergeGroup
	if g == nil || g.HeadSHA == "" || (g.BaseSHA == "" && g.BaseRef == "") {
		return nil, ignoreNoMergeGroup, nil
	}
	return jobs.MergeGroupArgs{
		Origin: p.origin(d), Action: p.Action,
		HeadSHA: g.HeadSHA, HeadRef: g.HeadRef, BaseSHA: g.BaseSHA, BaseRef: g.BaseRef,
	}, "", nil
}
