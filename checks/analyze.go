package checks

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/djsec/djsec/checks/advisories"
	"github.com/djsec/djsec/checks/deps"
	"github.com/djsec/djsec/checks/envfile"
	"github.com/djsec/djsec/checks/settings"
)

// Result is the outcome of one analysis.
type Result struct {
	Findings []Finding   `json:"findings"`
	Files    []string    `json:"files"`
	Errors   []FileError `json:"errors"`
	// Modules are the settings modules djsec found, each with the role it
	// judged them by and why: people check this first when a finding
	// surprises them.
	Modules []ModuleInfo `json:"modules"`
}

// ModuleInfo is one settings module and the role djsec gave it.
type ModuleInfo struct {
	Path string `json:"path"`
	// Role is "production", "development", "test" or "example".
	Role string `json:"role"`
	Why  string `json:"why"`
}

// Analyze runs every enabled rule over in.Files. It never does I/O; ctx is
// honoured between rules.
func Analyze(ctx context.Context, in Input) *Result {
	return analyze(ctx, NewProject(in), in)
}

// analyze runs the rules over a project read from in.
func analyze(ctx context.Context, p *Project, in Input) *Result {
	rep := &Reporter{p: p}
	for _, rule := range ordered() {
		if ctx.Err() != nil {
			break
		}
		if rule.Check == nil || p.Config.Disabled[rule.ID] || (rule.AuditOnly && !p.Audit) || (rule.PROnly && p.Audit) {
			continue
		}
		rule.Check(p, rep)
	}
	for _, ce := range in.ConfigErrors {
		rep.Emit(ruleConfigInvalid, nil, posAt(ce.Path, ce.Line), "config:"+ce.Message, ce.Message)
	}
	findings := finish(p, rep.findings)
	res := &Result{Findings: findings, Errors: p.Errors, Modules: p.Modules()}
	for fp := range p.Files {
		res.Files = append(res.Files, fp)
	}
	sort.Strings(res.Files)
	if res.Errors == nil {
		res.Errors = []FileError{}
	}
	if res.Findings == nil {
		res.Findings = []Finding{}
	}
	return res
}

// NewProject reads the input into the model every rule shares: the
// costly step (every settings module parsed and evaluated), done once per
// side of a comparison.
func NewProject(in Input) *Project {
	if h := projectHook.Load(); h != nil {
		(*h)(in)
	}
	cfg := in.Config
	if cfg == nil {
		cfg = DefaultConfig()
	}
	now := in.Now
	if now.IsZero() {
		now = time.Now()
	}
	p := &Project{Config: cfg, Now: now, Audit: in.Audit, Files: map[string][]byte{}, EnvFiles: map[string][]envfile.Entry{}}
	for fp, data := range in.Files {
		if ignored(cfg.IgnorePaths, fp) {
			continue
		}
		p.Files[fp] = data
	}
	p.paths = slices.Sorted(maps.Keys(p.Files))
	for fp, data := range p.Files {
		if isEnvFile(fp) {
			p.EnvFiles[fp] = envfile.Parse(data)
		}
	}
	manifests := deps.Parse(p.Files)
	p.Requirements, p.Locked = manifests.Requirements, manifests.Locked
	for fp, err := range manifests.Errors {
		p.Errors = append(p.Errors, FileError{Path: fp, Message: err.Error()})
	}
	p.advisories = advisories.Bundled().With(in.Advisories)
	p.Django, p.DjangoKnown = djangoSeries(p.Requirements)
	p.loadSettings()
	sort.Slice(p.Errors, func(i, j int) bool { return p.Errors[i].Path < p.Errors[j].Path })
	return p
}

// djangoSeries is the (major, minor) of the exactly pinned Django, if any.
func djangoSeries(reqs []deps.Requirement) ([2]int, bool) {
	for _, r := range reqs {
		if r.Name != "django" || r.Dev || r.Version == "" {
			continue
		}
		parts := strings.SplitN(r.Version, ".", 3)
		if len(parts) < 2 {
			continue
		}
		maj, err1 := strconv.Atoi(parts[0])
		min, err2 := strconv.Atoi(leadingDigits(parts[1]))
		if err1 == nil && err2 == nil {
			return [2]int{maj, min}, true
		}
	}
	return [2]int{}, false
}

func leadingDigits(s string) string {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i]
}

// finish applies configuration and suppressions, merges duplicates (the same
// base.py line seen through several entry modules keeps its highest
// severity) and sorts.
func finish(p *Project, in []Finding) []Finding {
	best := map[string]int{}
	var out []Finding
	for _, f := range in {
		if s, ok := p.Config.Severity[f.Rule]; ok {
			f.Severity = s
		}
		if i, seen := best[f.Fingerprint]; seen {
			if f.Severity > out[i].Severity {
				out[i] = f
			}
			continue
		}
		best[f.Fingerprint] = len(out)
		out = append(out, f)
	}
	silenced := silencedChecks(p)
	for i := range out {
		if reason, ok := suppression(p.Files[out[i].Path], out[i]); ok {
			out[i].Suppressed = true
			out[i].SuppressReason = reason
		} else if where, ok := silenced[out[i].DjangoCheck]; ok && out[i].DjangoCheck != "" {
			out[i].Suppressed = true
			out[i].SuppressReason = "silenced in SILENCED_SYSTEM_CHECKS (" + where + ")"
		}
	}
	out = mergeRootCauses(out)
	out = dropDerivedRepeats(p, out)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		return ruleNumber(a.Rule) < ruleNumber(b.Rule)
	})
	return out
}

// dropDerivedRepeats drops a "not set" finding (line 1 of its module) that
// a production module inherits from the production module it star-imports,
// when that module has the same one: one missing setting, reported once,
// where it is missing.
func dropDerivedRepeats(p *Project, in []Finding) []Finding {
	if len(p.derived) == 0 {
		return in
	}
	at := map[string]bool{}
	for _, f := range in {
		if f.Line == 1 {
			at[f.Rule+"\x00"+f.Path] = true
		}
	}
	out := in[:0]
	for _, f := range in {
		drop := false
		for _, d := range p.derived {
			if f.Line == 1 && f.Path == d[0] && at[f.Rule+"\x00"+d[1]] {
				drop = true
			}
		}
		if !drop {
			out = append(out, f)
		}
	}
	return out
}

func posAt(p string, line int) settings.Pos {
	pos := settings.Pos{Path: p}
	pos.Line = line
	return pos
}

// fileErr records a file the analyzer could not read.
func (p *Project) fileErr(fp string, format string, args ...any) {
	p.Errors = append(p.Errors, FileError{Path: fp, Message: fmt.Sprintf(format, args...)})
}

// silencedChecks maps the Django check IDs that production settings silence
// (SILENCED_SYSTEM_CHECKS) to where: the project decided Django should not
// report them, so neither does djsec, and the finding stays listed as
// suppressed with that reason, like an inline suppression.
func silencedChecks(p *Project) map[string]string {
	out := map[string]string{}
	for _, m := range p.Settings {
		if m.Role != settings.Production {
			continue
		}
		s, ok := m.Lookup("SILENCED_SYSTEM_CHECKS")
		if !ok {
			continue
		}
		ids, known := s.Value.Strings()
		if !known {
			continue
		}
		for _, id := range ids {
			if _, seen := out[id]; !seen {
				out[id] = fmt.Sprintf("%s:%d", s.Pos.Path, s.Pos.Line)
			}
		}
	}
	return out
}
