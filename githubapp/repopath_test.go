package githubapp_test

import (
	"testing"

	"github.com/djsec/djsec/githubapp"
)

func TestValidRepoPath(t *testing.T) {
	t.Parallel()
	for p, want := range map[string]bool{
		"mysite/settings.py": true, ".env": true, "a/.b/c..d/...": true, `C:\x\settings.py`: true, "a/%2e%2e/b": true,
		"": false, "/etc/passwd": false, "../../etc/passwd": false, "a/../../x/settings.py": false,
		"a//b": false, "a/./b": false, "a/": false, "a/..": false, ".": false, "a\x00b": false,
	} {
		if got := githubapp.ValidRepoPath(p); got != want {
			t.Errorf("ValidRepoPath(%q) = %v, want %v", p, got, want)
		}
	}
}
