package checks

import (
	"github.com/djsec/djsec/checks/settings"
)

// Reporter collects findings from rules, applying the role of the settings
// module they came from.
type Reporter struct {
	p        *Project
	findings []Finding
}

// Opt adjusts one finding.
type Opt func(*Finding)

// WithSeverity reports at a severity other than the rule's default.
func WithSeverity(s Severity) Opt { return func(f *Finding) { f.Severity = s } }

// WithDjango names the Django check ID that applies to this finding.
func WithDjango(id string) Opt { return func(f *Finding) { f.DjangoCheck = id } }

// Leak marks a finding that matters in any settings module, whatever its
// role: a real-looking credential of a third-party service is leaked by
// committing it, even in a development or test module.
func Leak() Opt { return func(f *Finding) { f.leak = true } }

// NotFixable marks a finding of a fixable rule that the fixer cannot repair
// in this shape.
func NotFixable() Opt { return func(f *Finding) { f.Fixable = false } }

// Emit reports rule at pos. m is the settings module the finding belongs to
// (nil for findings about other files); a development, test or example
// module only gets findings marked Leak: DEBUG on or HSTS off is expected
// there, a committed live credential is not. key identifies the finding across commits: usually the
// setting name. A zero pos falls back to line 1 of m's entry file.
func (r *Reporter) Emit(rule *Rule, m *settings.Model, pos settings.Pos, key, msg string, opts ...Opt) {
	if pos.Path == "" && m != nil {
		pos = settings.Pos{Path: m.Path}
	}
	pos.Path = r.p.realPath(pos.Path)
	if pos.Line == 0 {
		pos.Line, pos.Col, pos.EndLine = 1, 1, 1
	}
	if pos.Col == 0 {
		pos.Col = 1
	}
	if pos.EndLine < pos.Line {
		pos.EndLine = pos.Line
	}
	f := Finding{
		Rule:     rule.ID,
		Slug:     rule.Slug,
		Severity: rule.Severity,
		Path:     pos.Path,
		Line:     pos.Line,
		Column:   pos.Col,
		EndLine:  pos.EndLine,
		Message:  msg,
		Fixable:  rule.Fixable,
		Key:      key,
	}
	if len(rule.DjangoChecks) == 1 {
		f.DjangoCheck = rule.DjangoChecks[0]
	}
	for _, o := range opts {
		o(&f)
	}
	if m != nil && m.Role != settings.Production && !f.leak {
		if !secretRules[rule.ID] || !lineHoldsLiveCredential(r.p.Files[pos.Path], pos.Line, pos.EndLine) {
			return
		}
	}
	if rule.ID != "DJS201" && pos.Line > 0 {
		f.fromDebug = assignsFromDebug(r.p.Files[pos.Path], pos.Line)
	}
	f.Fingerprint = fingerprint(f.Rule, f.Path, f.Key)
	r.findings = append(r.findings, f)
}

// AtSetting reports rule on the statement that set name in m, or on m's
// entry file when the name is unset.
func (r *Reporter) AtSetting(rule *Rule, m *settings.Model, name, msg string, opts ...Opt) {
	var pos settings.Pos
	if s, ok := m.Lookup(name); ok {
		pos = s.Pos
	}
	r.Emit(rule, m, pos, name, msg, opts...)
}
