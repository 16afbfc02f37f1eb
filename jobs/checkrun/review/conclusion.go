package review

import (
	"fmt"
	"strings"

	"github.com/djsec/djsec/checks"
)

// failing lists the findings that fail the check run under cfg: new ones at
// or above fail_on, and existing ones too when fail_on_existing says so.
func failing(cfg *checks.Config, res *Result) (newOnes, existing []checks.Finding) {
	if cfg.FailNever {
		return nil, nil
	}
	for _, f := range res.New {
		if f.Severity >= cfg.FailOn {
			newOnes = append(newOnes, f)
		}
	}
	if cfg.FailOnExisting {
		for _, f := range res.Existing {
			if f.Severity >= cfg.FailOn {
				existing = append(existing, f)
			}
		}
	}
	return newOnes, existing
}

// conclude decides the conclusion and the one-line title. A failure wins
// over neutral (a new critical finding matters even when another file did
// not parse); neutral wins over success, so an analysis that saw less than
// it should have never passes silently.
func conclude(in Input, cfg *checks.Config, res *Result) (conclusion, title string) {
	title = countsTitle(res.New, "new finding")
	newOnes, existing := failing(cfg, res)
	if len(existing) > 0 {
		title += fmt.Sprintf("; %s at or above %s", plural(len(existing), "existing finding"), cfg.FailOn)
	}
	switch {
	case len(newOnes)+len(existing) > 0:
		return ConclusionFailure, title
	case len(res.Incomplete) > 0:
		return ConclusionNeutral, title + "; " + incompleteTitle(in, res.HeadResult)
	}
	return ConclusionSuccess, title
}

// countsTitle reads "2 new findings (1 high, 1 medium)" or "No new findings".
func countsTitle(fs []checks.Finding, noun string) string {
	if len(fs) == 0 {
		return "No " + noun + "s"
	}
	return plural(len(fs), noun) + " (" + strings.Join(severityCounts(fs), ", ") + ")"
}

// severityCounts reads ["1 critical", "2 medium"], most severe first.
func severityCounts(fs []checks.Finding) []string {
	n := map[checks.Severity]int{}
	for _, f := range fs {
		n[f.Severity]++
	}
	var out []string
	for s := checks.Critical; s >= checks.Info; s-- {
		if n[s] > 0 {
			out = append(out, commas(n[s])+" "+s.String())
		}
	}
	return out
}

// incompleteTitle names the first reason for a neutral conclusion briefly.
func incompleteTitle(in Input, head *checks.Result) string {
	if len(in.ConfigErrors) > 0 {
		return "the djsec configuration is broken"
	}
	if in.TooLarge {
		return "too large to check fully: some changed files were left unread"
	}
	unread := map[string]bool{}
	for _, f := range head.Findings {
		if f.Rule == "DJS001" && !f.Suppressed {
			unread[f.Path] = true
		}
	}
	for _, e := range head.Errors {
		unread[e.Path] = true
	}
	if len(unread) == 1 {
		for p := range unread {
			return p + " could not be fully read"
		}
	}
	return plural(len(unread), "file") + " could not be fully read"
}

// actions are the check run's buttons. GitHub limits a label and an
// identifier to 20 characters and a description to 40.
func actions(in Input, res *Result) []Action {
	var out []Action
	if in.Fixer && fixableCritical(res) {
		out = append(out, Action{Label: "Open fix-up PR", Description: "Fix critical findings in a new PR", Identifier: "fix"})
	}
	return append(out, Action{Label: "Recheck", Description: "Run djsec again on this commit", Identifier: "recheck"})
}

// fixableCritical reports a fix-up target (checks.FixUpTarget) among the
// findings: the check run then offers the fix-up button.
func fixableCritical(res *Result) bool {
	for _, fs := range [][]checks.Finding{res.New, res.Existing} {
		for _, f := range fs {
			if checks.FixUpTarget(f) {
				return true
			}
		}
	}
	return false
}

// plural reads "1 finding", "2 findings", "1,200 findings".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return commas(n) + " " + noun + "s"
}
