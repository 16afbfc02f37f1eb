package handlers

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"sync/atomic"

	"github.com/djsec/djsec/config"
)

// SignatureHeader carries the HMAC-SHA256 of the body, keyed with the
// webhook secret: "sha256=" and 64 hex digits.
const SignatureHeader = "X-Hub-Signature-256"

// Reasons Verify rejects a delivery.
var (
	ErrSignatureMissing  = errors.New("no " + SignatureHeader + " header")
	ErrSignatureMismatch = errors.New(SignatureHeader + " does not match the body under any configured webhook secret")
	ErrNoSecret          = errors.New("no webhook secret is configured")
)

// Verifier checks webhook signatures against the configured secrets. The
// secrets can be replaced while the server runs (registration sets the
// first one), and several are accepted at once so that WEBHOOK_SECRET can
// be rotated: list the new and the old, change the App's secret on GitHub,
// then drop the old.
type Verifier struct {
	secrets  atomic.Pointer[[]config.Secret]
	insecure bool
}

// NewVerifier checks against secrets. With insecure set (serve
// --insecure-dev) and no secret, every delivery passes unchecked; with a
// secret, insecure changes nothing.
func NewVerifier(secrets []config.Secret, insecure bool) *Verifier {
	v := &Verifier{insecure: insecure}
	v.SetSecrets(secrets)
	return v
}

// SetSecrets replaces the secrets.
func (v *Verifier) SetSecrets(secrets []config.Secret) {
	s := append([]config.Secret(nil), secrets...)
	v.secrets.Store(&s)
}

// HasSecret tells whether at least one secret is configured.
func (v *Verifier) HasSecret() bool { return len(*v.secrets.Load()) > 0 }

// Verify checks header (the X-Hub-Signature-256 value) against body. The
// comparison is constant-time, and every secret is tried whatever the
// earlier ones gave, so the time taken says nothing about which matched.
func (v *Verifier) Verify(body []byte, header string) error {
	secrets := *v.secrets.Load()
	if len(secrets) == 0 {
		if v.insecure {
			return nil
		}
		return ErrNoSecret
	}
	if header == "" {
		return ErrSignatureMissing
	}
	hexSig, ok := strings.CutPrefix(header, "sha256=")
	if !ok || len(hexSig) != hex.EncodedLen(sha256.Size) {
		return ErrSignatureMismatch
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil {
		return ErrSignatureMismatch
	}
	match := false
	for _, s := range secrets {
		mac := hmac.New(sha256.New, s.Bytes())
		mac.Write(body)
		if hmac.Equal(mac.Sum(nil), got) {
			match = true
		}
	}
	if !match {
		return ErrSignatureMismatch
	}
	return nil
}

// Sign returns the X-Hub-Signature-256 value GitHub would send for body
// under secret (for tests, the benchmark and the fake GitHub).
func Sign(secret, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}
