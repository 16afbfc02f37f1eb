package checks

import (
	"bytes"

	"github.com/djsec/djsec/internal/lazyre"
)

// A development, test or example settings module may hold throwaway
// values (a dev SECRET_KEY, a local database password, DEBUG = True): that
// is what it is for. A credential of a real third-party service is
// different: committing it leaks it wherever the file is, so findings on a
// line holding one are reported whatever the module's role. Only formats a
// service issues and no placeholder matches count, so a value that merely
// looks random in a test module stays quiet.
var liveCredentialRE = lazyre.New(`` +
	`\b(?:AKIA|ASIA)[0-9A-Z]{16}\b` + // AWS access key ID
	`|\bgh[pousr]_[A-Za-z0-9]{36,}` + // GitHub tokens
	`|\bgithub_pat_[A-Za-z0-9_]{50,}` +
	`|\b[sr]k_live_[0-9A-Za-z]{20,}` + // Stripe live secret and restricted keys
	`|\bxox[abposr]-[0-9A-Za-z-]{20,}` + // Slack tokens
	`|\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b` + // SendGrid
	`|\bsk-(?:proj-)?[A-Za-z0-9_-]{20,}T3BlbkFJ[A-Za-z0-9_-]{20,}` + // OpenAI
	`|\bglpat-[0-9A-Za-z_-]{20,}` + // GitLab personal access token
	`|\bnpm_[A-Za-z0-9]{36}\b`)

// A PEM private key is not in the list: no service issues it, and one in a
// test module is a fixture generated for the tests (a JWT signing key).

// secretRules are the rules whose finding is a committed credential.
var secretRules = map[string]bool{"DJS101": true, "DJS102": true, "DJS109": true, "DJS901": true}

// lineHoldsLiveCredential reports whether the 1-based lines first..last of
// data hold a credential in a format a service issues.
func lineHoldsLiveCredential(data []byte, first, last int) bool {
	if first < 1 || len(data) == 0 {
		return false
	}
	line := 1
	for len(data) > 0 && line <= last {
		i := bytes.IndexByte(data, '\n')
		cur := data
		if i >= 0 {
			cur, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		if line >= first && liveCredentialRE().Match(cur) {
			return true
		}
		line++
	}
	return false
}
