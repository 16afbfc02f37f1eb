package review

import (
	"fmt"
	"slices"

	"github.com/djsec/djsec/checks"
	"github.com/djsec/djsec/checks/checklist"
)

// checklistLine scores the checklist against the unsuppressed findings at
// head. It says nothing when djsec read no file at head: every item would
// pass for want of evidence.
func checklistLine(res *Result, cfg *checks.Config) string {
	if res.HeadResult == nil || len(res.HeadResult.Files) == 0 {
		return ""
	}
	st := checklist.Default().Judge(slices.Concat(res.New, res.Existing))
	st = slices.DeleteFunc(st, func(s checklist.ItemStatus) bool { return !ranOnPR(s.Item, cfg) })
	pass, automated := checklist.Score(st)
	if automated == 0 {
		return ""
	}
	return fmt.Sprintf("**Checklist:** %d of %d automated checklist items pass in the files this pull request changes.", pass, automated)
}

// ranOnPR reports whether at least one of an item's rules runs on a pull
// request's files: an item proved only by audit-only or disabled rules
// would pass for want of evidence, so it is not counted.
func ranOnPR(it *checklist.Item, cfg *checks.Config) bool {
	if it == nil {
		return false
	}
	for _, id := range it.Rules {
		r, ok := checks.LookupRule(id)
		if !ok || r.AuditOnly || (cfg != nil && cfg.Disabled[r.ID]) {
			continue
		}
		return true
	}
	return false
}
