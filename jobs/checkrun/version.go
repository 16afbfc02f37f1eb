package checkrun

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/djsec/djsec/checks"
	"github.com/djsec/djsec/githubapp"
)

// RulesVersion names the rules a check ran with: the module version (a
// release tag, or "devel") and a hash of the rule catalogue, so a devel
// build whose rules changed is told apart too. It goes into each run's
// external_id: a run made by other rules is redone.
func RulesVersion(moduleVersion string) string {
	if moduleVersion == "" {
		moduleVersion = "devel"
	}
	h := sha256.New()
	for _, r := range checks.Rules() {
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%s\x00%t\x00%t\x00%t\n", r.ID, r.Slug, r.Severity, r.Where, r.FiresWhen, r.Fixable, r.AuditOnly, r.PROnly)
	}
	return moduleVersion + "+" + hex.EncodeToString(h.Sum(nil))[:8]
}

func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:16]
}

// WebURL derives GitHub's web address from its REST API URL, for links
// in check runs and audit issues: see githubapp.WebURL (github.com, GitHub
// Enterprise Server and GHE.com each put the API elsewhere).
func WebURL(apiURL string) string { return githubapp.WebURL(apiURL) }
