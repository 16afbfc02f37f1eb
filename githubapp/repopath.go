package githubapp

import "strings"

// ValidRepoPath reports whether p is a file path as a git tree holds it:
// relative, "/"-separated, with no empty, "." or ".." segment and no NUL.
// Git and GitHub refuse other names in a commit, so one arriving in an API
// answer or a webhook is forged; it must never be put in a request URL,
// where the client resolves "." and ".." and the request would reach
// another repository or another endpoint.
func ValidRepoPath(p string) bool {
	if p == "" || strings.IndexByte(p, 0) >= 0 {
		return false
	}
	for s := range strings.SplitSeq(p, "/") {
		if s == "" || s == "." || s == ".." {
			return false
		}
	}
	return true
}
