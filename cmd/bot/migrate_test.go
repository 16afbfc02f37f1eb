//go:build !noserver

package main

import (
	"strings"
	"testing"

	"github.com/djsec/djsec/store/storetest"
)

// `bot migrate` applies the migrations once and then finds nothing to do.
func TestMigrateCommand(t *testing.T) {
	t.Setenv("DATABASE_URL", storetest.SQLiteURL(t))
	if code, out, errOut := botRun(t, "migrate"); code != 0 || !strings.Contains(out, "applied") {
		t.Fatalf("bot migrate: %d %s %s", code, out, errOut)
	}
	if code, out, errOut := botRun(t, "migrate"); code != 0 || !strings.Contains(out, "up to date") {
		t.Fatalf("bot migrate again: %d %s %s", code, out, errOut)
	}
}
