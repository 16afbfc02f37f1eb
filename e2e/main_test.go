package e2e

import (
	"os"
	"testing"
)

// TestMain removes the bot binary BotBinary built once for every test.
func TestMain(m *testing.M) {
	code := m.Run()
	CleanupBinary()
	os.Exit(code)
}
