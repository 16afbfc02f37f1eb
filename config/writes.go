package config

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Environment variables of the GitHub client's write pacing.
const (
	EnvWritesPerMinute = "DJSEC_GITHUB_WRITES_PER_MINUTE"
	EnvWritesPerHour   = "DJSEC_GITHUB_WRITES_PER_HOUR"
	// EnvWriteMinute stretches or shrinks the pacing minute; for tests
	// (a fake GitHub on a fast clock), never for production.
	EnvWriteMinute = "DJSEC_GITHUB_WRITE_MINUTE"
)

// WritePacing is how the GitHub client paces each installation's
// content-creating requests (POST, PATCH, PUT, DELETE) under GitHub's
// secondary rate limits. Zero values take githubapp's defaults (80 a
// minute, 500 an hour); -1 turns a limit off (a GitHub Enterprise Server
// whose administrator disabled them).
type WritePacing struct {
	PerMinute, PerHour int
	Minute             time.Duration
}

// WritePacingFromEnv reads DJSEC_GITHUB_WRITES_PER_MINUTE ("off" or a
// number), DJSEC_GITHUB_WRITES_PER_HOUR and DJSEC_GITHUB_WRITE_MINUTE.
func WritePacingFromEnv() (WritePacing, error) { return loadWritePacing(os.Getenv) }

func loadWritePacing(getenv func(string) string) (WritePacing, error) {
	var w WritePacing
	limit := func(name string) (int, error) {
		v := strings.TrimSpace(getenv(name))
		switch v {
		case "":
			return 0, nil
		case "off":
			return -1, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("%s: want a positive number of requests or off, got %q", name, v)
		}
		return n, nil
	}
	var err error
	if w.PerMinute, err = limit(EnvWritesPerMinute); err != nil {
		return w, err
	}
	if w.PerHour, err = limit(EnvWritesPerHour); err != nil {
		return w, err
	}
	if v := strings.TrimSpace(getenv(EnvWriteMinute)); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return w, fmt.Errorf("%s: want a Go duration such as 1m, got %q", EnvWriteMinute, v)
		}
		w.Minute = d
	}
	return w, nil
}
