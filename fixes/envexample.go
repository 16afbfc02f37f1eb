package fixes

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/djsec/djsec/checks"
)

// completeExample finishes an edit that creates or extends an example env
// file. Two rules judge a project only once such a file exists: DJS108
// (every variable the settings require is documented) and DJS106 (the
// .env a developer copies from it is ignored by git). Without this, a fix
// that creates .env.example would be charged with the variables the
// settings already required (DB_NAME, DB_PASSWORD …) and with the missing
// .gitignore: findings the file's existence brings, not the edit. The
// example file documents those variables (empty, with a comment saying
// which setting needs them) and .gitignore gains .env, as the team would
// do by hand.
func completeExample(files map[string][]byte, e *edit, rule string, before map[string]*checks.Finding,
	analyze func(map[string][]byte) *checks.Result) {
	example := ""
	for _, p := range slices.Sorted(maps.Keys(e.files)) {
		if checks.IsEnvExample(p) {
			example = p
			break
		}
	}
	if example == "" {
		return
	}
	trial := maps.Clone(files)
	maps.Copy(trial, e.files)
	out := e.files[example]
	s := styleOf(out)
	var documented []string
	var unignored *checks.Finding
	res := analyze(trial)
	for i, f := range res.Findings {
		if f.Suppressed {
			continue
		}
		if _, had := before[f.Fingerprint]; had {
			continue // the team's own gap, there before the fix: not the fix's to close
		}
		switch {
		case f.Rule == "DJS106" && unignored == nil:
			unignored = &res.Findings[i]
		case f.Rule == "DJS108" && f.Key != "":
			if setsVar(out, f.Key) {
				continue
			}
			out = appendLines(out, fmt.Sprintf("# required by %s (line %d); no default\n%s=\n", f.Path, f.Line, f.Key), s)
			documented = append(documented, f.Key)
		}
	}
	if len(documented) > 0 {
		e.files[example] = out
		slices.Sort(documented)
		e.changes = append(e.changes, Change{Rule: rule, Path: example, Description: "documents " + strings.Join(documented, ", ") +
			", which the settings already require, so the example file lists every variable the app needs to start"})
	}
	if unignored != nil {
		g, reason := fixGitignore(&job{files: trial, f: *unignored})
		if reason == "" {
			maps.Copy(e.files, g.files)
			for _, c := range g.changes {
				c.Rule = rule
				c.Description += ", so the .env copied from " + example + " is never committed"
				e.changes = append(e.changes, c)
			}
		}
	}
}
