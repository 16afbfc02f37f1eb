package server

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"

	"github.com/djsec/djsec/config"
)

// newSetupToken is the registration page's one-time token: DJSEC_SETUP_TOKEN
// when the operator chose one (a platform whose logs they cannot read at
// start), else 128 random bits.
func newSetupToken() (string, error) {
	if t := strings.TrimSpace(os.Getenv("DJSEC_SETUP_TOKEN")); t != "" {
		if len(t) < 16 {
			return "", errors.New("DJSEC_SETUP_TOKEN is shorter than 16 characters; use a long random value")
		}
		return t, nil
	}
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("setup token: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// displayHost is where a person on this machine reaches a server
// listening on host ("" and 0.0.0.0 listen everywhere).
func displayHost(host string) string {
	if host == "" || host == "0.0.0.0" || host == "::" {
		return "localhost"
	}
	return host
}

// listenAddr is where serve listens: HOST:PORT, but only the loopback
// address when deliveries are taken unsigned (--insecure-dev without a
// secret), so nobody else can send them.
func listenAddr(cfg config.Config, unsigned bool) string {
	if unsigned {
		return net.JoinHostPort("127.0.0.1", strconv.Itoa(cfg.Port))
	}
	return cfg.Addr()
}
