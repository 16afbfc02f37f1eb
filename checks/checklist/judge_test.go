package checklist

import (
	"maps"
	"slices"
	"testing"

	"github.com/djsec/djsec/checks"
)

func finding(rule string) checks.Finding {
	r, _ := checks.LookupRule(rule)
	return checks.Finding{Rule: rule, Slug: r.Slug, Severity: r.Severity, Path: "mysite/settings.py", Line: 3}
}

func suppressed(rule, reason string) checks.Finding {
	f := finding(rule)
	f.Suppressed, f.SuppressReason = true, reason
	return f
}

func TestJudge(t *testing.T) {
	t.Parallel()
	def := Default()
	automated := 0
	for _, it := range def.Items() {
		if it.Automated {
			automated++
		}
	}
	tests := []struct {
		name     string
		findings []checks.Finding
		failing  []string // IDs of automated items that fail, in checklist order
		withSupp []string // IDs of items holding suppressed findings
	}{
		{name: "no findings: every automated item passes"},
		{name: "DEBUG fails both items that ask for it",
			findings: []checks.Finding{finding("DJS201")}, failing: []string{"s2.1", "s11.1"}},
		{name: "one rule shared by three items, and the API items it implies",
			findings: []checks.Finding{finding("DJS605")}, failing: []string{"s5.4", "s6.3", "s9.1", "s9.2", "s9.3"}},
		{name: "DRF throttling alone fails only the API items",
			findings: []checks.Finding{finding("DJS702")}, failing: []string{"s6.3", "s9.3"}},
		{name: "suppressed with a reason passes",
			findings: []checks.Finding{suppressed("DJS201", "staging only")}, withSupp: []string{"s2.1", "s11.1"}},
		{name: "suppressed without a reason still fails",
			findings: []checks.Finding{suppressed("DJS201", "")}, failing: []string{"s2.1", "s11.1"}},
		{name: "unsuppressed beside suppressed fails",
			findings: []checks.Finding{suppressed("DJS402", "behind a proxy"), finding("DJS402")},
			failing:  []string{"s3.1", "s14.2"}, withSupp: []string{"s3.1", "s14.2"}},
		{name: "a rule no item lists changes nothing",
			findings: []checks.Finding{finding("DJS407"), finding("DJS001")}},
		{name: "+ manual items are judged by their rules",
			findings: []checks.Finding{finding("DJS108"), finding("DJS803")}, failing: []string{"s1.3", "s10.5", "s15.3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st := def.Judge(tt.findings)
			if len(st) != len(def.Items()) {
				t.Fatalf("%d statuses for %d items", len(st), len(def.Items()))
			}
			var failing, withSupp []string
			for _, s := range st {
				if !s.Item.Automated {
					if s.Pass || len(s.Findings) > 0 {
						t.Errorf("manual item %s: pass=%v findings=%v", s.Item.ID, s.Pass, s.Findings)
					}
					continue
				}
				if !s.Pass {
					failing = append(failing, s.Item.ID)
				}
				if s.Pass != (len(s.Findings) == 0) {
					t.Errorf("%s: pass=%v with %d findings", s.Item.ID, s.Pass, len(s.Findings))
				}
				for _, f := range s.Findings {
					if !slices.Contains(s.Item.Rules, f.Rule) && !impliedBy(s.Item.Rules, f.Rule) {
						t.Errorf("%s: finding of %s, not one of its rules %v", s.Item.ID, f.Rule, s.Item.Rules)
					}
				}
				if len(s.Suppressed) > 0 {
					withSupp = append(withSupp, s.Item.ID)
				}
			}
			if !slices.Equal(failing, tt.failing) {
				t.Errorf("failing %v, want %v", failing, tt.failing)
			}
			if !slices.Equal(withSupp, tt.withSupp) {
				t.Errorf("items with suppressed findings %v, want %v", withSupp, tt.withSupp)
			}
			pass, auto := Score(st)
			if auto != automated || pass != automated-len(tt.failing) {
				t.Errorf("Score = %d/%d, want %d/%d", pass, auto, automated-len(tt.failing), automated)
			}
		})
	}
}

func TestJudgeCustomChecklist(t *testing.T) {
	t.Parallel()
	c := &Checklist{Sections: []Section{{Title: "Ours", Items: []Item{
		{ID: "a", Text: "DEBUG off", Rules: []string{"DJS201"}, Automated: true},
		{ID: "b", Text: "HSTS", Rules: []string{"DJS403", "DJS404"}, Automated: true, Manual: true},
		{ID: "c", Text: "Talk to people", Manual: true},
	}}}}
	st := c.Judge([]checks.Finding{finding("DJS404"), finding("DJS404"), suppressed("DJS403", "fronted by Cloudflare")})
	if st[0].Item != &c.Sections[0].Items[0] {
		t.Error("ItemStatus.Item does not point into the checklist")
	}
	if !st[0].Pass || st[1].Pass || st[2].Pass {
		t.Errorf("pass = %v %v %v, want true false false", st[0].Pass, st[1].Pass, st[2].Pass)
	}
	if len(st[1].Findings) != 2 || len(st[1].Suppressed) != 1 {
		t.Errorf("item b: %d findings, %d suppressed; want 2 and 1", len(st[1].Findings), len(st[1].Suppressed))
	}
	if pass, auto := Score(st); pass != 1 || auto != 2 {
		t.Errorf("Score = %d/%d, want 1/2", pass, auto)
	}
}

func TestScore(t *testing.T) {
	t.Parallel()
	auto := &Item{ID: "a", Automated: true}
	manual := &Item{ID: "m", Manual: true}
	tests := []struct {
		name            string
		st              []ItemStatus
		pass, automated int
	}{
		{"empty", nil, 0, 0},
		{"manual items do not count", []ItemStatus{{Item: manual}, {Item: manual}}, 0, 0},
		{"mixed", []ItemStatus{{Item: auto, Pass: true}, {Item: auto}, {Item: manual}}, 1, 2},
		{"nil item skipped", []ItemStatus{{Item: nil, Pass: true}, {Item: auto, Pass: true}}, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if p, a := Score(tt.st); p != tt.pass || a != tt.automated {
				t.Errorf("Score = %d/%d, want %d/%d", p, a, tt.pass, tt.automated)
			}
		})
	}
}

func impliedBy(rules []string, rule string) bool {
	for _, r := range rules {
		if slices.Contains(implied[r], rule) {
			return true
		}
	}
	return false
}

// TestJudgeHomes: a finding that fails several items is listed in full
// under one, the first item naming its own rule, and the others point
// there; a merged finding's absorbed rules and an implied rule point too.
func TestJudgeHomes(t *testing.T) {
	t.Parallel()
	lockout := finding("DJS605")
	lockout.Fingerprint = "f605"
	lockout.Also = []checks.Absorbed{{Rule: "DJS606"}, {Rule: "DJS802"}}
	debug := finding("DJS201")
	debug.Fingerprint = "f201"
	st := Default().Judge([]checks.Finding{lockout, debug})
	homes := map[string]string{} // item → home of its findings ("" here)
	for _, s := range st {
		for _, f := range s.Findings {
			home := ""
			if h := s.Elsewhere[Key(f)]; h != nil {
				home = h.ID
			}
			homes[s.Item.ID+" "+f.Rule] = home
		}
	}
	want := map[string]string{
		"s2.1 DJS201": "", "s11.1 DJS201": "s2.1",
		"s5.4 DJS605": "", "s5.5 DJS605": "s5.4", "s6.3 DJS605": "s5.4", "s9.1 DJS605": "s5.4",
		"s9.2 DJS605": "s5.4", "s9.3 DJS605": "s5.4", "s10.2 DJS605": "s5.4",
	}
	if !maps.Equal(homes, want) {
		t.Errorf("homes = %v, want %v", homes, want)
	}
	// A finding only absorbed rules reach is at home in the first of them.
	only := finding("DJS1001")
	only.Rule, only.Fingerprint, only.Also = "DJS999", "f999", []checks.Absorbed{{Rule: "DJS804"}}
	h := Homes(Default().Judge([]checks.Finding{only}))
	if got := h["f999"]; got == nil || got.ID != "s6.4" {
		t.Errorf("home of a finding reaching items through an absorbed rule = %v, want s6.4", got)
	}
}
