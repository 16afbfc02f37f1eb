package auditrun_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/djsec/djsec/jobs"
)

// TestInstallationListsRepositoriesOnce: a large installation event gives
// each first audit its repository's ID and default branch from the
// installation's repository listing (a hundred a call) instead of a lookup
// per audit; a handful of added repositories among thousands are left to
// look themselves up, since listing would cost more.
func TestInstallationListsRepositoriesOnce(t *testing.T) {
	t.Parallel()
	const listRoute = "GET /installation/repositories"
	tests := []struct {
		name       string
		repos      int // in the installation, besides the env's own
		added      func(all []string) []string
		wantBranch bool
		maxLists   int
	}{
		{"every repository of a 250-repository installation", 250, func(all []string) []string { return all }, true, 3},
		{"12 added, the newest of 450", 450, func(all []string) []string { return all[len(all)-12:] }, true, 5},
		{"11 added, the newest of 2,000", 2000, func(all []string) []string { return all[len(all)-11:] }, false, 1},
		{"a few added: looked up one by one", 50, func(all []string) []string { return all[:3] }, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			var all []string
			for i := range tt.repos {
				all = append(all, e.gh.AddRepo(e.inst, fmt.Sprintf("octo-org/repo-%04d", i)).FullName())
			}
			added := tt.added(all)
			p := jobs.Lookup[jobs.InstallationArgs](jobs.Registered(e.runner.Register))
			err := p.Process(context.Background(), jobs.Job[jobs.InstallationArgs]{Args: jobs.InstallationArgs{
				Event: "installation", Action: "created", Origin: jobs.Origin{Installation: 42}, Added: added}})
			if err != nil {
				t.Fatal(err)
			}
			e.queue.mu.Lock()
			queued := append([]jobs.Args(nil), e.queue.args...)
			e.queue.mu.Unlock()
			if len(queued) != len(added) {
				t.Fatalf("%d audits queued, want %d", len(queued), len(added))
			}
			for i, q := range queued {
				a := q.(jobs.AuditArgs)
				if a.Repo != added[i] {
					t.Fatalf("audit %d is of %s, want %s", i, a.Repo, added[i])
				}
				if got := a.DefaultBranch != "" && a.RepoID != 0; got != tt.wantBranch {
					t.Fatalf("audit of %s: branch %q, ID %d; want them known: %v", a.Repo, a.DefaultBranch, a.RepoID, tt.wantBranch)
				}
			}
			if n := e.gh.Count(listRoute, 0); n > tt.maxLists {
				t.Errorf("%d listing calls, want at most %d", n, tt.maxLists)
			}
			if n := e.gh.Count("GET /repos/{owner}/{repo}", 0); n != 0 {
				t.Errorf("%d repository lookups while queueing, want none", n)
			}
		})
	}
}

// TestInstallationListingFails: when the listing fails, every first audit
// is still queued and looks its repository up itself.
func TestInstallationListingFails(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var added []string
	for i := range 30 {
		added = append(added, e.gh.AddRepo(e.inst, fmt.Sprintf("octo-org/repo-%02d", i)).FullName())
	}
	e.gh.FailTimes("GET /installation/repositories", 100, 502)
	p := jobs.Lookup[jobs.InstallationArgs](jobs.Registered(e.runner.Register))
	if err := p.Process(context.Background(), jobs.Job[jobs.InstallationArgs]{Args: jobs.InstallationArgs{
		Event: "installation_repositories", Action: "added", Origin: jobs.Origin{Installation: 42}, Added: added}}); err != nil {
		t.Fatalf("a failed listing failed the job: %v", err)
	}
	e.queue.mu.Lock()
	defer e.queue.mu.Unlock()
	if len(e.queue.args) != len(added) {
		t.Fatalf("%d audits queued, want %d", len(e.queue.args), len(added))
	}
	for _, q := range e.queue.args {
		if a := q.(jobs.AuditArgs); a.DefaultBranch != "" {
			t.Errorf("audit of %s has a default branch %q from a listing that failed", a.Repo, a.DefaultBranch)
		}
	}
}
