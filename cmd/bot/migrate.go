//go:build !noserver

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/djsec/djsec/config"
	"github.com/djsec/djsec/store"
)

func init() {
	register(command{
		name:    "migrate",
		summary: "create or update the database schema (River's queue and djsec's tables)",
		run:     runMigrate,
	})
}

func runMigrate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: bot migrate")
		fmt.Fprintln(fs.Output())
		fmt.Fprintln(fs.Output(), "Migrates the database DATABASE_URL names (empty: SQLite at ./"+store.DefaultSQLitePath+";")
		fmt.Fprintln(fs.Output(), "sqlite://PATH; postgres://…). `bot serve` does the same at start unless --migrate=false.")
	}
	rest, err := parseFlags(fs, args)
	if err != nil {
		return flagError(fs, err, stdout, stderr)
	}
	if len(rest) > 0 {
		return fail(stderr, "migrate takes no arguments, got %q", rest)
	}
	level, err := config.ParseLogLevel(os.Getenv(config.EnvLogLevel))
	if err != nil {
		return fail(stderr, "migrate: %s: %v", config.EnvLogLevel, err)
	}
	ctx := context.Background()
	db, err := store.Open(ctx, os.Getenv(config.EnvDatabaseURL))
	if err != nil {
		return fail(stderr, "migrate: %v", err)
	}
	defer db.Close()
	res, err := db.Migrate(ctx, newLogger(stderr, level))
	if err != nil {
		return fail(stderr, "migrate: %v", err)
	}
	if len(res.River)+len(res.Djsec) == 0 {
		fmt.Fprintf(stdout, "%s: up to date\n", db)
		return exitOK
	}
	fmt.Fprintf(stdout, "%s: applied River migrations %v and djsec migrations %v\n", db, res.River, res.Djsec)
	return exitOK
}
