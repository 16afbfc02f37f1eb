package checklist

import (
	"fmt"
	"slices"

	"github.com/djsec/djsec/checks"
)

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
	// Elsewhere maps a finding of Findings or Suppressed (by Key) to the
	// item it is listed under in full, when that is an earlier item (see
	// Homes); a finding whose home is this item is absent.
	Elsewhere map[string]*Item
}

// implied are rules whose finding proves that an item of another rule
// fails too, although RULES.md's table does not list it there: DJS605 fires
// only when nothing in the project limits any request rate (no DRF
// throttle, no django-ratelimit, no django-axes), so no API is rate
// limited either, and "Implement API rate limiting" (DJS702, which only
// judges a DRF configuration) must not be ticked beside it.
var implied = map[string][]string{
	"DJS702": {"DJS605"},
}

// Key identifies a finding across items: its fingerprint, or rule, path
// and line when it has none.
func Key(f checks.Finding) string {
	if f.Fingerprint != "" {
		return f.Fingerprint
	}
	return fmt.Sprintf("%s|%s|%d", f.Rule, f.Path, f.Line)
}

// Judge judges every item, in checklist order, from an analysis's findings.
// A finding counts for every item whose rules include its rule: one
// DEBUG = True fails both "Disable DEBUG" and "Disable detailed error
// messages", as the checklist asks for both. It is listed in full under
// one of them only (Homes); the others point at it.
func (c *Checklist) Judge(findings []checks.Finding) []ItemStatus {
	byRule := map[string][]int{} // indices into findings
	for i, f := range findings {
		byRule[f.Rule] = append(byRule[f.Rule], i)
		// A merged finding stands for the rules it absorbed too.
		for _, also := range f.Also {
			byRule[also.Rule] = append(byRule[also.Rule], i)
		}
	}
	items := c.Items()
	out := make([]ItemStatus, 0, len(items))
	for _, it := range items {
		st := ItemStatus{Item: it}
		seen := map[int]bool{}
		for _, id := range it.Rules {
			for _, rule := range append([]string{id}, implied[id]...) {
				for _, i := range byRule[rule] {
					// A finding reaches an item once, whichever of
					// its rules brought it.
					if seen[i] {
						continue
					}
					seen[i] = true
					if f := findings[i]; f.Suppressed && f.SuppressReason != "" {
						st.Suppressed = append(st.Suppressed, f)
					} else {
						st.Findings = append(st.Findings, f)
					}
				}
			}
		}
		st.Pass = it.Automated && len(st.Findings) == 0
		out = append(out, st)
	}
	homes := Homes(out)
	for i := range out {
		for _, f := range slices.Concat(out[i].Findings, out[i].Suppressed) {
			if home := homes[Key(f)]; home != nil && home != out[i].Item {
				if out[i].Elsewhere == nil {
					out[i].Elsewhere = map[string]*Item{}
				}
				out[i].Elsewhere[Key(f)] = home
			}
		}
	}
	return out
}

// Homes says, by Key, which item each finding of st is listed under in
// full: the first item, in checklist order, that names the finding's own
// rule in its rules (DJS605 under "Add rate limiting for login attempts",
// not under "Install django-ratelimit" further down); for a finding that
// only reaches items through a rule it absorbed or implies, the first item
// it reaches. The first item is the one a reader meets first, so every
// other item can say "listed above".
func Homes(st []ItemStatus) map[string]*Item {
	homes := map[string]*Item{}
	for pass := 0; pass < 2; pass++ {
		for _, s := range st {
			for _, f := range slices.Concat(s.Findings, s.Suppressed) {
				k := Key(f)
				if homes[k] != nil {
					continue
				}
				if pass == 1 || slices.Contains(s.Item.Rules, f.Rule) {
					homes[k] = s.Item
				}
			}
		}
	}
	return homes
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
