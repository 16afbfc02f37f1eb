//go:build !noserver

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os/signal"
	"syscall"

	"github.com/djsec/djsec/config"
	"github.com/djsec/djsec/internal/logfmt"
	"github.com/djsec/djsec/server"
)

func init() {
	register(command{
		name:    "serve",
		summary: "run the GitHub App: webhooks on POST /webhook, jobs, health and metrics",
		run:     runServe,
	})
}

func runServe(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	migrate := fs.Bool("migrate", true, "run the database migrations before serving")
	insecure := fs.Bool("insecure-dev", false, "start without a webhook secret and accept unsigned deliveries (development only; logged at every start)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: bot serve [--migrate=false] [--insecure-dev]")
		fmt.Fprintln(fs.Output())
		fmt.Fprintln(fs.Output(), "Runs djsec's GitHub App server. Configuration comes from the environment")
		fmt.Fprintln(fs.Output(), "(APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH, WEBHOOK_SECRET, GITHUB_API_URL or GHE_HOST,")
		fmt.Fprintln(fs.Output(), "WEBHOOK_PROXY_URL, DATABASE_URL, HOST, PORT, LOG_LEVEL, DJSEC_WORKERS, OSV_API_URL,")
		fmt.Fprintln(fs.Output(), "DJSEC_SHUTDOWN_TIMEOUT, DJSEC_JOB_TIMEOUT …); see docs/SERVER.md for all of them. With no App")
		fmt.Fprintln(fs.Output(), "registered yet, / serves the registration page. Logs are JSON lines on stdout.")
		fmt.Fprintln(fs.Output())
		fs.PrintDefaults()
	}
	rest, err := parseFlags(fs, args)
	if err != nil {
		return flagError(fs, err, stdout, stderr)
	}
	if len(rest) > 0 {
		return fail(stderr, "serve takes no arguments, got %q", rest)
	}
	cfg, err := config.FromEnv()
	if err != nil {
		return fail(stderr, "serve: configuration:\n%v", err)
	}
	logger := newLogger(stdout, cfg.LogLevel)

	ctx, stop := signalContext()
	defer stop()
	err = server.Run(ctx, cfg, server.Options{Migrate: *migrate, InsecureDev: *insecure, Logger: logger, Version: toolVersion("devel")})
	if err != nil {
		logger.Error("serve stopped", slog.String("error", err.Error()))
		return exitFindings // 1: the server failed
	}
	return exitOK
}

// signalContext is cancelled by SIGTERM (Fly, Kubernetes, systemd) or
// SIGINT (Ctrl-C): the start of the drain.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
}

// newLogger writes JSON lines at level and above, durations as "1.5s".
func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level, ReplaceAttr: logfmt.ReplaceAttr}))
}
