package checklist

import "github.com/djsec/djsec/checks"

// ItemStatus is an item judged against one analysis.
type ItemStatus struct {
	Item *Item
	// Pass: the item is automated and none of its rules has a finding that
	// counts. Always false for a manual-only item: no evidence, no tick.
	Pass bool
	// Findings are the findings of the item's rules that make it fail:
	// unsuppressed ones and ones suppressed without a reason.
	Findings []checks.Finding
	// Suppressed are findings of its rules suppressed with a reason; they do
	// not fail the item but belong in the ignore trail.
	Suppressed []checks.Finding
}

// Judge judges every item, in checklist order, from an analysis's findings.
// A finding counts for every item whose rules include its rule: one
// DEBUG = True fails both "Disable DEBUG" and "Disable detailed error
// messages", as the checklist asks for both.
func (c *Checklist) Judge(findings []checks.Finding) []ItemStatus {
	byRule := map[string][]checks.Finding{}
	for _, f := range findings {
		byRule[f.Rule] = append(byRule[f.Rule], f)
		// A merged finding stands for the rules it absorbed too.
		for _, also := range f.Also {
			byRule[also.Rule] = append(byRule[also.Rule], f)
		}
	}
	items := c.Items()
	out := make([]ItemStatus, 0, len(items))
	for _, it := range items {
		st := ItemStatus{Item: it}
		for _, id := range it.Rules {
			for _, f := range byRule[id] {
				if f.Suppressed && f.SuppressReason != "" {
					st.Suppressed = append(st.Suppressed, f)
				} else {
					st.Findings = append(st.Findings, f)
				}
			}
		}
		st.Pass = it.Automated && len(st.Findings) == 0
		out = append(out, st)
	}
	return out
}

// Score counts automated items and those of them that pass ("pass of
// automated checklist items pass"); manual items count in neither.
func Score(st []ItemStatus) (pass, automated int) {
	for _, s := range st {
		if s.Item == nil || !s.Item.Automated {
			continue
		}
		automated++
		if s.Pass {
			pass++
		}
	}
	return pass, automated
}
