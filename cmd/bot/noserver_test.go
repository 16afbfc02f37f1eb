package main

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoServerBuild builds the command-line build (-tags noserver) the
// GitHub Action uses and checks what it is for: none of the server's
// dependencies linked in, `bot audit` working, `bot serve` refused with a
// message that says why.
func TestNoServerBuild(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skipf("no go command on PATH (%v): the noserver build is not checked", err)
	}
	out, err := exec.Command("go", "list", "-deps", "-tags", "noserver", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -tags noserver: %v\n%s", err, out)
	}
	serverOnly := []string{
		"github.com/gin-gonic/gin", "github.com/riverqueue/river", "github.com/google/go-github/",
		"github.com/jackc/pgx/", "modernc.org/sqlite", "github.com/prometheus/client_golang",
		"github.com/djsec/djsec/handlers", "github.com/djsec/djsec/store", "github.com/djsec/djsec/jobs",
	}
	for _, pkg := range strings.Fields(string(out)) {
		for _, s := range serverOnly {
			if strings.HasPrefix(pkg, s) {
				t.Errorf("the noserver build links %s", pkg)
			}
		}
	}

	bin := filepath.Join(t.TempDir(), "bot")
	if out, err := exec.Command("go", "build", "-tags", "noserver", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build -tags noserver: %v\n%s", err, out)
	}
	var stdout, stderr bytes.Buffer
	audit := exec.Command(bin, "audit", "--fail-on", "never", filepath.Join("..", "..", "examples", "startproject"))
	audit.Stdout, audit.Stderr = &stdout, &stderr
	if err := audit.Run(); err != nil || !strings.Contains(stdout.String(), "DJS") {
		t.Errorf("noserver bot audit: %v\nstdout: %s\nstderr: %s", err, stdout.String(), stderr.String())
	}
	stderr.Reset()
	serve := exec.Command(bin, "serve")
	serve.Stderr = &stderr
	err = serve.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitUsage || !strings.Contains(stderr.String(), "-tags noserver") {
		t.Errorf("noserver bot serve: %v, stderr %q; want exit %d and a message naming the tag", err, stderr.String(), exitUsage)
	}
}
