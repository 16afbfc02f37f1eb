package githubtest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v4"
)

// App is a GitHub App the fake knows.
type App struct {
	ID                                         int64
	Slug, Name, Owner                          string
	ClientID, ClientSecret, WebhookSecret, PEM string
	HookURL, RedirectURL, URL, Description     string
	Public                                     bool
	Events                                     []string
	Permissions                                map[string]string
	key                                        *rsa.PrivateKey
}

// Installation is an installation of the app on an account.
type Installation struct {
	ID      int64
	Account string
	repos   map[string]bool // by Repo.key()
}

type token struct {
	value   string
	inst    *Installation
	expires time.Time
}

// testKey returns one of two RSA keys made once per test binary (making one
// takes tens of milliseconds).
func testKey(i int) *rsa.PrivateKey { return testKeys[i]() }

var testKeys = [2]func() *rsa.PrivateKey{
	sync.OnceValue(newKey), sync.OnceValue(newKey),
}

func newKey() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
}

func (s *Server) newApp(slug string, key *rsa.PrivateKey) *App {
	a := &App{
		ID:            s.id(),
		Slug:          slug,
		Name:          slug,
		Owner:         "octo-org",
		ClientID:      "Iv1." + randomString(16),
		ClientSecret:  randomString(40),
		WebhookSecret: randomString(32),
		PEM: string(pem.EncodeToMemory(&pem.Block{
			Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key),
		})),
		Permissions: map[string]string{"checks": "write", "contents": "write", "issues": "write", "pull_requests": "write", "metadata": "read", "merge_queues": "read"},
		Events:      []string{"pull_request", "issue_comment", "check_run", "check_suite", "push", "merge_group"},
		key:         key,
	}
	s.apps[a.ID] = a
	return a
}

// AddInstallation installs the app on account.
func (s *Server) AddInstallation(id int64, account string) *Installation {
	s.mu.Lock()
	defer s.mu.Unlock()
	inst := &Installation{ID: id, Account: account, repos: map[string]bool{}}
	s.installations[id] = inst
	return inst
}

// RemoveInstallation uninstalls the app: its tokens stop working and new
// ones are refused (404), as after an "installation deleted" event.
func (s *Server) RemoveInstallation(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.installations, id)
	for v, t := range s.tokens {
		if t.inst.ID == id {
			delete(s.tokens, v)
		}
	}
}

// IssuedTokens returns every installation token minted so far, oldest first.
func (s *Server) IssuedTokens() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.issued...)
}

// authenticate checks the Authorization header for c's route; it returns a
// status and body to answer with, or 0. Called with s.mu held.
func (s *Server) authenticate(c *call) (int, any) {
	h := c.r.Header.Get("Authorization")
	scheme, cred, _ := strings.Cut(h, " ")
	badCredentials := map[string]any{"message": "Bad credentials", "documentation_url": docURL, "status": "401"}
	switch c.auth {
	case authNone:
		return 0, nil
	case authJWT:
		if !strings.EqualFold(scheme, "Bearer") || cred == "" {
			return 401, map[string]any{"message": "A JSON web token could not be decoded", "documentation_url": docURL, "status": "401"}
		}
		if _, msg := s.verifyJWT(cred); msg != "" {
			return 401, map[string]any{"message": msg, "documentation_url": docURL, "status": "401"}
		}
		c.bucket = "app"
		return 0, nil
	case authToken:
		if (!strings.EqualFold(scheme, "token") && !strings.EqualFold(scheme, "Bearer")) || cred == "" {
			return 401, map[string]any{"message": "Requires authentication", "documentation_url": docURL, "status": "401"}
		}
		t, ok := s.tokens[cred]
		if !ok || s.now().After(t.expires) {
			return 401, badCredentials
		}
		c.inst = t.inst
		c.bucket = strconv.FormatInt(t.inst.ID, 10)
		return 0, nil
	}
	return 0, nil
}

// verifyJWT checks an app JWT as GitHub does: RS256, signed by the key of
// the app its issuer names, issued in the past, expiring at most ten
// minutes after it was issued and not yet expired.
func (s *Server) verifyJWT(raw string) (*App, string) {
	var claims appClaims
	var app *App
	_, err := jwt.ParseWithClaims(raw, &claims, func(t *jwt.Token) (any, error) {
		if t.Method.Alg() != "RS256" {
			return nil, fmt.Errorf("alg %s", t.Method.Alg())
		}
		c := t.Claims.(*appClaims)
		c.Issuer = c.issuer()
		id, err := strconv.ParseInt(c.Issuer, 10, 64)
		if err != nil {
			for _, a := range s.apps {
				if a.ClientID == c.Issuer {
					app = a
				}
			}
		} else {
			app = s.apps[id]
		}
		if app == nil {
			return nil, fmt.Errorf("no app %q", c.Issuer)
		}
		return &app.key.PublicKey, nil
	})
	if err != nil || app == nil {
		return nil, "A JSON web token could not be decoded"
	}
	if claims.IssuedAt == nil || claims.ExpiresAt == nil {
		return nil, "'Issued at' claim ('iat') and 'Expiration time' claim ('exp') are required"
	}
	if claims.ExpiresAt.Sub(claims.IssuedAt.Time) > 10*time.Minute {
		return nil, "'Expiration time' claim ('exp') is too far in the future"
	}
	return app, ""
}

// appClaims are an app JWT's claims. GitHub takes the issuer as a string
// (the app's client ID or ID) or as a JSON number (the ID, as Octokit's
// universal-github-app-jwt, and so Probot, sends it).
type appClaims struct {
	jwt.RegisteredClaims
	Iss json.RawMessage `json:"iss"`
}

func (c *appClaims) issuer() string {
	var s string
	if json.Unmarshal(c.Iss, &s) == nil {
		return s
	}
	return string(c.Iss)
}

func randomString(n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
