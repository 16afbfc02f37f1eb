// Package fixes rewrites a Django project's settings so the critical
// findings go away: bytes in, edits out. Every edit is proved by running the
// analyzer again on the result; an edit that does not remove its finding, or
// that brings a new one, is dropped and the finding is left for a human.
package fixes

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/djsec/djsec/checks"
	"github.com/djsec/djsec/checks/pysrc"
)

// EnvVar is an environment variable a fix reads; it is listed in the PR body
// and added to .env.example.
type EnvVar struct{ Name, Description, Example string } // Example "" for secrets

// Change is one row of the fix-up PR body's table.
type Change struct{ Rule, Path, Description string }

// Unfixed is a finding the fixers left for a human, with why.
type Unfixed struct {
	Finding checks.Finding
	Reason  string
}

// Result is what Fix changed.
type Result struct {
	Files   map[string][]byte // path → new content, only files that changed
	Deleted []string          // normally empty
	Changes []Change
	Fixed   []checks.Finding // findings gone after the fix (proved by re-analysis)
	Unfixed []Unfixed
	EnvVars []EnvVar // every new environment variable (also added to .env.example)
}

// Fix applies the fixers for rules (nil or empty: every fix-up target, checks.FixUpTarget) to in.Files and proves
// each edit by re-running checks.Analyze: an edit is kept only if the file still parses, the
// targeted finding is gone and no new finding appeared; otherwise it is dropped and the finding
// goes to Unfixed with the reason.
func Fix(ctx context.Context, in checks.Input, rules []string) (*Result, error) {
	files := maps.Clone(in.Files)
	if files == nil {
		files = map[string][]byte{}
	}
	analyze := func(fs map[string][]byte) *checks.Result {
		cur := in
		cur.Files = fs
		return checks.Analyze(ctx, cur)
	}
	first := analyze(files)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("fixes: analyzing: %w", err)
	}
	want := map[string]bool{}
	for _, r := range rules {
		want[strings.ToUpper(strings.TrimSpace(r))] = true
	}
	var targets []checks.Finding
	for _, f := range first.Findings {
		if f.Suppressed {
			continue
		}
		if len(rules) == 0 {
			if checks.FixUpTarget(f) {
				targets = append(targets, f)
			}
		} else if want[f.Rule] {
			targets = append(targets, f)
		}
	}

	res := &Result{Files: map[string][]byte{}}
	current := live(first)
	envSeen := map[string]bool{}
	handled := map[string]bool{} // fingerprints already fixed or given up on
	for _, fx := range registry {
		for _, t := range targets {
			if handled[t.Fingerprint] || !slices.Contains(fx.rules, t.Rule) {
				continue
			}
			if _, still := current[t.Fingerprint]; !still {
				// An earlier fix took it away (DJS302 goes with DJS301).
				handled[t.Fingerprint] = true
				continue
			}
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("fixes: %w", err)
			}
			// Lines move as earlier edits land: the job works on the
			// finding as the latest analysis placed it.
			group := sameSpot(targets, t, fx, handled)
			e, reason := fx.apply(&job{files: files, f: *current[t.Fingerprint]})
			if reason == "" {
				completeExample(files, e, t.Rule, current, analyze)
				var next map[string]*checks.Finding
				next, reason = prove(files, e, group, current, analyze)
				if reason == "" {
					for p, b := range e.files {
						files[p] = b
					}
					current = next
					res.Changes = append(res.Changes, e.changes...)
					for _, v := range e.env {
						if !envSeen[v.Name] {
							envSeen[v.Name] = true
							res.EnvVars = append(res.EnvVars, v)
						}
					}
				}
			}
			for _, g := range group {
				handled[g.Fingerprint] = true
				if reason != "" {
					res.Unfixed = append(res.Unfixed, Unfixed{Finding: g, Reason: reason})
				}
			}
		}
	}
	for _, t := range targets {
		if !handled[t.Fingerprint] {
			res.Unfixed = append(res.Unfixed, Unfixed{Finding: t, Reason: "djsec has no automatic fix for " + t.Rule})
		}
	}
	for _, f := range first.Findings {
		if _, still := current[f.Fingerprint]; !still && !f.Suppressed {
			res.Fixed = append(res.Fixed, f)
		}
	}
	for p, b := range files {
		if old, ok := in.Files[p]; !ok || string(old) != string(b) {
			res.Files[p] = b
		}
	}
	return res, nil
}

// sameSpot is t with the other targets the same fixer handles at the same
// setting, so SECRET_KEY's DJS101 and DJS103 are fixed (or given up) together.
func sameSpot(targets []checks.Finding, t checks.Finding, fx fixer, handled map[string]bool) []checks.Finding {
	out := []checks.Finding{t}
	for _, o := range targets {
		if o.Fingerprint != t.Fingerprint && !handled[o.Fingerprint] && slices.Contains(fx.rules, o.Rule) &&
			o.Path == t.Path && o.Key == t.Key && o.Key != "" {
			out = append(out, o)
		}
	}
	return out
}

// live indexes the findings that count: suppressed ones are the team's choice.
func live(r *checks.Result) map[string]*checks.Finding {
	m := map[string]*checks.Finding{}
	for i := range r.Findings {
		if !r.Findings[i].Suppressed {
			// A finding taken into another (DJS606 in DJS605) is there
			// too: an edit that separates it again does not add it.
			for _, fp := range r.Findings[i].Fingerprints() {
				m[fp] = &r.Findings[i]
			}
		}
	}
	return m
}

// prove re-runs the analyzer with e applied and says why e must be dropped
// ("" when it stays).
func prove(files map[string][]byte, e *edit, group []checks.Finding, before map[string]*checks.Finding,
	analyze func(map[string][]byte) *checks.Result) (map[string]*checks.Finding, string) {
	trial := maps.Clone(files)
	for p, b := range e.files {
		if strings.HasSuffix(p, ".py") {
			f, err := pysrc.Parse(b)
			if err != nil {
				return nil, fmt.Sprintf("the edited %s could not be read back: %v", p, err)
			}
			if f.HasErrors() {
				if orig, err := pysrc.Parse(files[p]); err == nil && orig.HasErrors() {
					line, _ := orig.FirstError()
					return nil, fmt.Sprintf("%s does not parse (a syntax error at line %d), so djsec does not edit it; fix the syntax first", p, line)
				}
				line, _ := f.FirstError()
				return nil, fmt.Sprintf("the edit would leave a syntax error in %s at line %d", p, line)
			}
		}
		trial[p] = b
	}
	after := live(analyze(trial))
	for _, g := range group {
		if _, still := after[g.Fingerprint]; still {
			return nil, "the edit did not make the finding go away, so it was not made"
		}
	}
	var added []string
	for fp, f := range after {
		if _, ok := before[fp]; !ok {
			added = append(added, f.Rule+" at "+f.Path)
		}
	}
	if len(added) > 0 {
		slices.Sort(added)
		return nil, "the edit would bring a new finding (" + strings.Join(added, ", ") + "), so it was not made"
	}
	return after, ""
}
