package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

func init() {
	register(command{
		name:    "healthcheck",
		summary: "exit 0 when the local server answers GET /healthz (the container's HEALTHCHECK)",
		run:     runHealthcheck,
	})
}

// runHealthcheck lets a container image without curl check the server:
// the Dockerfile's HEALTHCHECK runs `bot healthcheck`.
func runHealthcheck(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	port := strings.TrimSpace(os.Getenv("PORT"))
	if port == "" {
		port = "3000"
	}
	url := fs.String("url", "http://127.0.0.1:"+port+"/healthz", "address to GET")
	timeout := fs.Duration("timeout", 3*time.Second, "give up after this long")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: bot healthcheck [--url URL] [--timeout DURATION]")
		fmt.Fprintln(fs.Output())
		fs.PrintDefaults()
	}
	rest, err := parseFlags(fs, args)
	if err != nil {
		return flagError(fs, err, stdout, stderr)
	}
	if len(rest) > 0 {
		return fail(stderr, "healthcheck takes no arguments, got %q", rest)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		return fail(stderr, "healthcheck: %v", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "bot: healthcheck: %v\n", err)
		return exitFindings
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "bot: healthcheck: %s answered %s\n", *url, resp.Status)
		return exitFindings
	}
	return exitOK
}
