package checkrun_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/djsec/djsec/githubapp/githubtest"
	"github.com/djsec/djsec/jobs"
)

type fixes struct {
	mu   sync.Mutex
	reqs []jobs.FixRequest
}

func (f *fixes) RequestFix(_ context.Context, r jobs.FixRequest) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqs = append(f.reqs, r)
	return nil
}

func (f *fixes) got() []jobs.FixRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]jobs.FixRequest(nil), f.reqs...)
}

// The check run's buttons act only for people who can write to the
// repository; anyone else is refused (logged, nothing done).
func TestButtons(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		identifier string
		sender     string
		permission string // "" leaves the sender unknown to the repository
		fixer      bool
		rechecked  bool
		fixed      bool
		refused    bool
	}{
		{"recheck by a writer", "recheck", "dev", "write", false, true, false, false},
		{"recheck by a maintainer", "recheck", "lead", "maintain", false, true, false, false},
		{"recheck by a reader", "recheck", "visitor", "read", false, false, false, true},
		{"recheck by a triager", "recheck", "triager", "triage", false, false, false, true},
		{"recheck by a stranger", "recheck", "stranger", "", false, false, false, true},
		{"fix by an admin", "fix", "owner", "admin", true, false, true, false},
		{"fix by a reader", "fix", "visitor", "read", true, false, false, true},
		{"fix without a fixer", "fix", "owner", "admin", false, false, false, false},
		{"unknown button", "deploy", "owner", "admin", true, false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := &fixes{}
			o := envOptions{}
			if tt.fixer {
				o.fixer = f
			}
			e := newEnv(t, o)
			e.repo.Commit("main", map[string]string{"mysite/settings.py": hardened(t), ".gitignore": gitignore})
			p := e.pr("unsafe", map[string]string{"mysite/settings.py": unsafe(t)})
			e.open(p)
			first := e.only(p.HeadSHA)
			if tt.permission != "" {
				e.repo.SetPermission(tt.sender, tt.permission)
			}
			e.gh.ResetRequests()
			e.wait(e.deliver("check_run", e.gh.CheckRunEvent(t, e.repo, "requested_action", first.ID, tt.identifier, githubtest.Sender(tt.sender))))
			rechecked := len(e.runs(p.HeadSHA)) > 1
			if rechecked != tt.rechecked {
				t.Errorf("rechecked = %v, want %v:\n%s", rechecked, tt.rechecked, e.gh.BudgetReport())
			}
			if fixed := len(f.got()) > 0; fixed != tt.fixed {
				t.Errorf("fix requested = %v, want %v", fixed, tt.fixed)
			}
			if tt.fixed {
				if r := f.got()[0]; r.PR != p.Number || r.HeadSHA != p.HeadSHA || r.Sender != tt.sender || r.CheckRunID != first.ID {
					t.Errorf("fix request %+v", r)
				}
			}
			if refused := strings.Contains(e.logs.String(), "button refused"); refused != tt.refused {
				t.Errorf("refused = %v, want %v", refused, tt.refused)
			}
			if tt.refused && e.gh.Budget() != 1 {
				t.Errorf("a refused press made %d calls, want 1 (the permission):\n%s", e.gh.Budget(), e.gh.BudgetReport())
			}
		})
	}
}

// With a fixer, a run with a fixable critical finding offers the button.
func TestFixButtonOffered(t *testing.T) {
	t.Parallel()
	for _, withFixer := range []bool{false, true} {
		o := envOptions{}
		if withFixer {
			o.fixer = &fixes{}
		}
		e := newEnv(t, o)
		e.repo.Commit("main", map[string]string{"mysite/settings.py": hardened(t), ".gitignore": gitignore})
		p := e.pr("unsafe", map[string]string{"mysite/settings.py": unsafe(t)})
		e.open(p)
		var ids []string
		for _, a := range e.only(p.HeadSHA).Actions {
			ids = append(ids, a["identifier"].(string))
		}
		hasFix := false
		for _, id := range ids {
			hasFix = hasFix || id == "fix"
		}
		if hasFix != withFixer {
			t.Errorf("fixer %v: actions %v", withFixer, ids)
		}
	}
}

// The buttons follow the commands' policy (repo.CanRun): with the default
// branch's .github/djsec.yml narrowing commands to alice, bob, a writer
// too, is refused the press as he is refused /djsec recheck (the log line
// carries the command's refusal sentence) and nothing runs; alice's press
// runs. A reader is still refused on the permission alone, in one call.
func TestButtonsFollowTheCommandsAllowList(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		identifier string
		sender     string
		permission string
		ran        bool
		refusal    string // in the log line of a refused press
		calls      int    // of a refused press: permission, repository, config
	}{
		{"recheck by a listed writer", "recheck", "alice", "write", true, "", 0},
		{"recheck by an unlisted writer", "recheck", "bob", "write", false,
			"this repository's `.github/djsec.yml@main` limits commands to the users `alice`, and `bob` is not among them.", 3},
		{"fix by an unlisted admin", "fix", "carol", "admin", false,
			"this repository's `.github/djsec.yml@main` limits commands to the users `alice`, and `carol` is not among them.", 3},
		{"recheck by a listed reader", "recheck", "alice", "read", false, "the sender cannot write to the repository", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := &fixes{}
			e := newEnv(t, envOptions{fixer: f})
			e.repo.Commit("main", map[string]string{"mysite/settings.py": hardened(t), ".gitignore": gitignore,
				".github/djsec.yml": "commands:\n  allowed_users: [alice]\n"})
			p := e.pr("unsafe", map[string]string{"mysite/settings.py": unsafe(t)})
			e.open(p)
			first := e.only(p.HeadSHA)
			e.repo.SetPermission(tt.sender, tt.permission)
			e.gh.ResetRequests()
			e.wait(e.deliver("check_run", e.gh.CheckRunEvent(t, e.repo, "requested_action", first.ID, tt.identifier, githubtest.Sender(tt.sender))))
			ran := len(e.runs(p.HeadSHA)) > 1 || len(f.got()) > 0
			if ran != tt.ran {
				t.Errorf("ran = %v, want %v:\n%s", ran, tt.ran, e.gh.BudgetReport())
			}
			logs := e.logs.String()
			if refused := strings.Contains(logs, "button refused"); refused != !tt.ran {
				t.Errorf("refused = %v, want %v", refused, !tt.ran)
			}
			if tt.refusal != "" && !strings.Contains(logs, tt.refusal) {
				t.Errorf("the refusal does not say %q:\n%s", tt.refusal, logs)
			}
			if !tt.ran && e.gh.Budget() != tt.calls {
				t.Errorf("a refused press made %d calls, want %d:\n%s", e.gh.Budget(), tt.calls, e.gh.BudgetReport())
			}
		})
	}
}
