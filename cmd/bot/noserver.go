//go:build noserver

package main

import (
	"io"
)

// The command-line build (`go build -tags noserver ./cmd/bot`) leaves the
// GitHub App server out: `bot audit` then links neither gin, River, the
// SQLite and Postgres drivers nor go-github, and starts in about half the
// time (docs/BENCHMARKS.md). The server's commands stay listed so that
// someone who runs them learns why they are missing.
func init() {
	for _, c := range []command{
		{name: "serve", summary: "run the GitHub App (not in this build: it was built with -tags noserver)"},
		{name: "migrate", summary: "create or update the database schema (not in this build: it was built with -tags noserver)"},
	} {
		name := c.name
		c.run = func(_ []string, _, stderr io.Writer) int {
			return fail(stderr, "`bot %s` is not in this build: it was built with -tags noserver for the command-line audit; build without that tag (go build ./cmd/bot) to run the server", name)
		}
		register(c)
	}
}
