package checkrun_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/djsec/djsec/githubapp/githubtest"
	"github.com/djsec/djsec/jobs/checkrun"
)

type fixes struct {
	mu   sync.Mutex
	reqs []checkrun.FixRequest
}

func (f *fixes) RequestFix(_ context.Context, r checkrun.FixRequest) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqs = append(f.reqs, r)
	return nil
}

func (f *fixes) got() []checkrun.FixRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]checkrun.FixRequest(nil), f.reqs...)
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
