package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// goldenFixture is a small project whose findings come from long-standing
// rules only (every other rule is disabled in its djsec.yml, so new rules
// do not change the goldens): a hardcoded SECRET_KEY, DEBUG on, a
// suppressed ALLOWED_HOSTS wildcard, a committed .env, a typo in the
// configuration and a binary file.
func goldenFixture(t *testing.T) string {
	t.Helper()
	dir := botTree(t, map[string]string{
		".github/djsec.yml": "# djsec configuration of the golden fixture\n" +
			botOnly("DJS002", "DJS101", "DJS105", "DJS201", "DJS202") +
			"fail-on: high\n",
		"mysite/settings.py": `"""Settings of the golden fixture."""
SECRET_KEY = "k3#Vn0-hardcoded-but-long-and-varied-9qZ!xR7@pL2$wT5%mB8^cY1&"
DEBUG = True
ALLOWED_HOSTS = ["*"]  # djsec: ignore[DJS202] the load balancer checks the Host header
INSTALLED_APPS = ["django.contrib.admin", "django.contrib.auth"]
ROOT_URLCONF = "mysite.urls"
`,
		"mysite/urls.py":                    "urlpatterns = []\n",
		".env":                              "DJANGO_SECRET_KEY=q8Zr2LmX7vTn4Kp9Wc3Hs6Jd1Fb5Gy0E\n",
		"requirements.txt":                  "Django==5.2.1\ngunicorn==23.0.0\n",
		"node_modules/pkg/settings.py":      "DEBUG = True\n",
		"mysite/migrations/0001_initial.py": "DEBUG = True\n",
	})
	if err := os.WriteFile(filepath.Join(dir, "mysite", "logo.py"), []byte("\x89PNG\r\n\x1a\n\x00\x00"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestAuditGolden pins what people and tools read. Rewrite the goldens with
// `go test ./cmd/bot -update` and review the diff.
func TestAuditGolden(t *testing.T) {
	t.Parallel()
	dir := goldenFixture(t)
	for _, format := range []string{"text", "json", "sarif", "github"} {
		code, stdout, stderr := botRun(t, "audit", "--format", format, dir)
		if code != exitFindings || stderr != "" {
			t.Errorf("%s: exit %d, stderr %q; want 1 and nothing", format, code, stderr)
		}
		got := []byte(strings.ReplaceAll(stdout, dir, "$DIR"))
		file := filepath.Join("testdata", "audit."+format+".golden")
		if *update {
			if err := os.MkdirAll("testdata", 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("%v (run `go test ./cmd/bot -update` to create it)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s output differs from %s (run `go test ./cmd/bot -update` and review the diff):\n--- got\n%s\n--- want\n%s", format, file, got, want)
		}
	}
}
