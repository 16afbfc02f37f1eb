package main

import (
	"os"
	"testing"

	"github.com/djsec/djsec/osv"
)

// TestMain keeps the package's tests off the network: serve asks
// api.osv.dev unless OSV_API_URL says off. Tests of live data set it.
func TestMain(m *testing.M) {
	os.Setenv(osv.EnvURL, osv.Off)
	os.Exit(m.Run())
}
