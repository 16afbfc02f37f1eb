package auditrun_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/djsec/djsec/jobs"
	"github.com/djsec/djsec/jobs/auditrun/auditissue"
	"github.com/djsec/djsec/server"
	"github.com/djsec/djsec/server/servertest"
)

// Repositories added to the installation, as `bot serve` wires it: the
// signed webhook through the real handler, the River queue, the
// installation job queuing an audit, the audit job making the issue.
func TestRepositoryAddedIsAuditedThroughTheQueue(t *testing.T) {
	t.Parallel()
	s := servertest.Start(t, servertest.Options{Server: server.Options{Queue: jobs.Options{MaxAttempts: 3}}})
	gh := s.GitHub()
	inst := gh.AddInstallation(42, "octo-org")
	repo := gh.AddRepo(inst, "octo-org/shop")
	repo.Commit("main", example(t, "startproject"))
	body := []byte(fmt.Sprintf(`{"action":"added","installation":{"id":42,"account":{"login":"octo-org"}},
		"repository_selection":"selected","repositories_added":[{"id":%d,"full_name":"octo-org/shop"}],"repositories_removed":[],
		"sender":{"login":"octocat","type":"User"}}`, repo.ID))
	s.Accepted(t, "installation_repositories", body)
	// The job saves its state after writing the issue: wait for both.
	s.Wait(t, "the audit", func() bool {
		st, err := s.DB().Audit(context.Background(), repo.ID)
		return err == nil && st.IssueNumber > 0
	})
	n := 0
	for _, i := range repo.Issues() {
		if i.Title == auditissue.Title {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d audit issues, want 1", n)
	}
}
