// Package config holds the app server's configuration, read from the
// environment under the names Probot uses (APP_ID, PRIVATE_KEY,
// WEBHOOK_SECRET, …) so operators who know Probot know djsec.
//
// Secrets are kept in the Secret type, which never prints itself: a Config
// can be logged or formatted with %v and shows "[redacted]" where a key or a
// webhook secret would be.
package config

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/djsec/djsec/internal/redact"
)

// Config is everything `bot serve` reads from the environment.
type Config struct {
	// AppID is the GitHub App's ID (APP_ID); 0 when not registered yet.
	AppID int64
	// PrivateKey is the App's PEM private key (PRIVATE_KEY, or the file
	// named by PRIVATE_KEY_PATH); empty when not registered yet.
	PrivateKey Secret
	// WebhookSecrets are the secrets a delivery may be signed with
	// (WEBHOOK_SECRET, comma-separated: during a rotation list the new
	// secret and the old one).
	WebhookSecrets []Secret
	// GitHubAPIURL is the REST API root (GITHUB_API_URL), for GitHub
	// Enterprise Server or a test fake. Default https://api.github.com.
	GitHubAPIURL string
	// WebhookProxyURL is a smee.io channel (WEBHOOK_PROXY_URL, as in
	// Probot) that the registration page gives GitHub as the webhook URL,
	// for a server on a laptop.
	WebhookProxyURL string
	// DatabaseURL selects the database (DATABASE_URL): empty or
	// sqlite://PATH for SQLite, postgres:// or postgresql:// for Postgres.
	DatabaseURL string
	// Host is the address to listen on (HOST); empty means every interface.
	Host string
	// Port is the TCP port to listen on (PORT). Default 3000.
	Port int
	// LogLevel is the minimum level logged (LOG_LEVEL: trace, debug, info,
	// warn, error, fatal, as in Probot). Default info.
	LogLevel slog.Level
	// Workers is how many jobs run at once in this process
	// (DJSEC_WORKERS). Default 10.
	Workers int
	// ShutdownTimeout is how long running jobs get to finish on SIGTERM
	// before they are cancelled and handed back to the queue
	// (DJSEC_SHUTDOWN_TIMEOUT, a Go duration). Default 25s, inside Fly's
	// default 30 s kill timeout.
	ShutdownTimeout time.Duration
	// JobTimeout cancels a job attempt that runs this long
	// (DJSEC_JOB_TIMEOUT, a Go duration). A job a dead process left running
	// is handed to another process 2.5 times this long after it started
	// (jobs.RescueAfter). Default 2m.
	JobTimeout time.Duration
	// MetricsToken, when set (METRICS_TOKEN), is the bearer token GET
	// /metrics requires: the metrics name installations and repositories.
	MetricsToken Secret
	// TrustedProxies are the peers whose X-Forwarded-Proto and
	// X-Forwarded-Host the registration page believes (TRUSTED_PROXIES:
	// comma-separated addresses or CIDRs, "none" for nobody). Default the
	// loopback and private ranges a platform's proxy connects from.
	TrustedProxies []netip.Prefix
}

// DefaultTrustedProxies: loopback and private address ranges, where a
// platform's load balancer (Fly's, a Kubernetes ingress) connects from; a
// client on the internet has none of them.
var DefaultTrustedProxies = []netip.Prefix{
	netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128"),
	netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("172.16.0.0/12"), netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("fc00::/7"),
}

// ParseTrustedProxies reads TRUSTED_PROXIES.
func ParseTrustedProxies(v string) ([]netip.Prefix, error) {
	v = strings.TrimSpace(v)
	switch strings.ToLower(v) {
	case "":
		return DefaultTrustedProxies, nil
	case "none":
		return []netip.Prefix{}, nil
	}
	var out []netip.Prefix
	for _, s := range strings.Split(v, ",") {
		s = strings.TrimSpace(s)
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an address nor a CIDR", s)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// Defaults.
const (
	DefaultGitHubAPIURL    = "https://api.github.com"
	DefaultPort            = 3000
	DefaultWorkers         = 10
	DefaultShutdownTimeout = 25 * time.Second
	DefaultJobTimeout      = 2 * time.Minute // jobs.DefaultJobTimeout
)

// Names of the environment variables, for messages and the README.
const (
	EnvAppID           = "APP_ID"
	EnvPrivateKey      = "PRIVATE_KEY"
	EnvPrivateKeyPath  = "PRIVATE_KEY_PATH"
	EnvWebhookSecret   = "WEBHOOK_SECRET"
	EnvGitHubAPIURL    = "GITHUB_API_URL"
	EnvGHEHost         = "GHE_HOST"
	EnvWebhookProxyURL = "WEBHOOK_PROXY_URL"
	EnvDatabaseURL     = "DATABASE_URL"
	EnvHost            = "HOST"
	EnvPort            = "PORT"
	EnvLogLevel        = "LOG_LEVEL"
	EnvWorkers         = "DJSEC_WORKERS"
	EnvShutdownTimeout = "DJSEC_SHUTDOWN_TIMEOUT"
	EnvJobTimeout      = "DJSEC_JOB_TIMEOUT"
	EnvMetricsToken    = "METRICS_TOKEN"
	EnvTrustedProxies  = "TRUSTED_PROXIES"
)

// FromEnv reads the configuration with os.Getenv.
func FromEnv() (Config, error) { return Load(os.Getenv, os.ReadFile) }

// Load reads the configuration through getenv (os.Getenv in production, a
// map in tests) and readFile (for PRIVATE_KEY_PATH). All problems are
// reported together, one per line.
func Load(getenv func(string) string, readFile func(string) ([]byte, error)) (Config, error) {
	c := Config{
		GitHubAPIURL:    DefaultGitHubAPIURL,
		Port:            DefaultPort,
		Workers:         DefaultWorkers,
		ShutdownTimeout: DefaultShutdownTimeout,
		JobTimeout:      DefaultJobTimeout,
	}
	var errs []error
	bad := func(name, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: "+format, append([]any{name}, args...)...))
	}

	if v := strings.TrimSpace(getenv(EnvAppID)); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			bad(EnvAppID, "want the App's numeric ID, got %q", v)
		}
		c.AppID = id
	}

	if v := getenv(EnvPrivateKey); strings.TrimSpace(v) != "" {
		key, err := parsePrivateKey(v)
		if err != nil {
			bad(EnvPrivateKey, "%v", err) // never the value itself
		}
		c.PrivateKey = key
	} else if p := strings.TrimSpace(getenv(EnvPrivateKeyPath)); p != "" {
		b, err := readFile(p)
		if err != nil {
			bad(EnvPrivateKeyPath, "%v", err)
		} else if key, err := parsePrivateKey(string(b)); err != nil {
			bad(EnvPrivateKeyPath, "%s: %v", p, err)
		} else {
			c.PrivateKey = key
		}
	}

	secrets, err := ParseWebhookSecrets(getenv(EnvWebhookSecret))
	if err != nil {
		bad(EnvWebhookSecret, "%v", err)
	}
	c.WebhookSecrets = secrets

	if v := strings.TrimSpace(getenv(EnvGitHubAPIURL)); v != "" {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad(EnvGitHubAPIURL, "want an http(s) URL such as https://github.example.com/api/v3, got %q", v)
		}
		c.GitHubAPIURL = strings.TrimRight(v, "/")
	}

	if h := strings.TrimSpace(getenv(EnvGHEHost)); h != "" && strings.TrimSpace(getenv(EnvGitHubAPIURL)) == "" {
		// Probot's GHE_HOST: the host of a GitHub Enterprise Server.
		if strings.ContainsAny(h, "/:@ ") {
			bad(EnvGHEHost, "want a host name such as github.example.com, got %q", h)
		}
		c.GitHubAPIURL = "https://" + h + "/api/v3"
	}

	if v := strings.TrimSpace(getenv(EnvWebhookProxyURL)); v != "" {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad(EnvWebhookProxyURL, "want an http(s) URL such as https://smee.io/abc, got %q", v)
		}
		c.WebhookProxyURL = v
	}

	c.DatabaseURL = strings.TrimSpace(getenv(EnvDatabaseURL))
	c.Host = strings.TrimSpace(getenv(EnvHost))

	if v := strings.TrimSpace(getenv(EnvPort)); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil || p < 0 || p > 65535 {
			bad(EnvPort, "want a TCP port number, got %q", v)
		}
		c.Port = p
	}

	if v := strings.TrimSpace(getenv(EnvLogLevel)); v != "" {
		l, err := ParseLogLevel(v)
		if err != nil {
			bad(EnvLogLevel, "%v", err)
		}
		c.LogLevel = l
	}

	if v := strings.TrimSpace(getenv(EnvWorkers)); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			bad(EnvWorkers, "want a number of workers between 1 and 10000, got %q", v)
		}
		c.Workers = n
	}

	if v := strings.TrimSpace(getenv(EnvShutdownTimeout)); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			bad(EnvShutdownTimeout, "want a duration such as 25s, got %q", v)
		}
		c.ShutdownTimeout = d
	}

	if v := strings.TrimSpace(getenv(EnvJobTimeout)); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			bad(EnvJobTimeout, "want a duration such as 2m, got %q", v)
		}
		c.JobTimeout = d
	}

	if v := strings.TrimSpace(getenv(EnvMetricsToken)); v != "" {
		if len(v) < 16 {
			bad(EnvMetricsToken, "want a random token of 16 characters or more")
		}
		c.MetricsToken = Secret(v)
	}
	proxies, err := ParseTrustedProxies(getenv(EnvTrustedProxies))
	if err != nil {
		bad(EnvTrustedProxies, "%v", err)
	}
	c.TrustedProxies = proxies

	return c, errors.Join(errs...)
}

// ParseWebhookSecrets splits a comma-separated WEBHOOK_SECRET. Spaces
// around each secret are trimmed; an empty value means no secret.
func ParseWebhookSecrets(v string) ([]Secret, error) {
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	var out []Secret
	for i, s := range strings.Split(v, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			return nil, fmt.Errorf("secret %d of the comma-separated list is empty", i+1)
		}
		out = append(out, Secret(s))
	}
	return out, nil
}

// parsePrivateKey accepts a PEM key as Probot does: literally, with `\n`
// escapes instead of newlines (as a one-line environment variable holds
// it), or base64-encoded.
func parsePrivateKey(v string) (Secret, error) {
	v = strings.TrimSpace(v)
	v = strings.Trim(v, `"'`)
	if !strings.Contains(v, "-----BEGIN") {
		if b, err := base64.StdEncoding.DecodeString(v); err == nil && strings.Contains(string(b), "-----BEGIN") {
			v = string(b)
		} else {
			return nil, errors.New("not a PEM private key (want -----BEGIN RSA PRIVATE KEY-----…, with newlines or \\n escapes, or the same base64-encoded)")
		}
	}
	v = strings.ReplaceAll(v, `\n`, "\n")
	if !strings.Contains(v, "PRIVATE KEY-----") || !strings.Contains(v, "-----END") {
		return nil, errors.New("not a PEM private key (no PRIVATE KEY block)")
	}
	return Secret(v), nil
}

// ParseLogLevel maps Probot's (pino's) level names to slog levels.
func ParseLogLevel(v string) (slog.Level, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "trace", "debug":
		return slog.LevelDebug, nil
	case "info", "":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error", "fatal":
		return slog.LevelError, nil
	}
	return slog.LevelInfo, fmt.Errorf("want trace, debug, info, warn, error or fatal, got %q", v)
}

// Addr is the listen address, HOST:PORT.
func (c Config) Addr() string { return c.Host + ":" + strconv.Itoa(c.Port) }

// LogValue lists what is configured without any secret.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Int64("app_id", c.AppID),
		slog.Bool("private_key_set", len(c.PrivateKey) > 0),
		slog.Int("webhook_secrets", len(c.WebhookSecrets)),
		slog.String("github_api_url", c.GitHubAPIURL),
		slog.String("webhook_proxy_url", c.WebhookProxyURL),
		slog.String("database", RedactURL(c.DatabaseURL)),
		slog.String("addr", c.Addr()),
		slog.String("log_level", c.LogLevel.String()),
		slog.Int("workers", c.Workers),
		slog.Duration("shutdown_timeout", c.ShutdownTimeout),
		slog.Duration("job_timeout", c.JobTimeout),
	)
}

// String describes the configuration without secrets (the database URL's
// password included), for %v and %+v.
func (c Config) String() string {
	v := c.redacted()
	return fmt.Sprintf("{AppID:%d PrivateKeySet:%t WebhookSecrets:%d GitHubAPIURL:%s WebhookProxyURL:%s DatabaseURL:%s Addr:%s LogLevel:%s Workers:%d ShutdownTimeout:%s}",
		v.AppID, v.PrivateKeySet, v.WebhookSecrets, v.GitHubAPIURL, v.WebhookProxyURL, v.DatabaseURL, v.Addr, v.LogLevel, v.Workers, v.ShutdownTimeout)
}

// GoString is String, for %#v.
func (c Config) GoString() string { return "config.Config" + c.String() }

// MarshalJSON encodes the configuration without secrets.
func (c Config) MarshalJSON() ([]byte, error) { return json.Marshal(c.redacted()) }

type redactedConfig struct {
	AppID           int64
	PrivateKeySet   bool
	WebhookSecrets  int
	GitHubAPIURL    string
	WebhookProxyURL string
	DatabaseURL     string
	Addr            string
	LogLevel        string
	Workers         int
	ShutdownTimeout string
}

func (c Config) redacted() redactedConfig {
	return redactedConfig{c.AppID, len(c.PrivateKey) > 0, len(c.WebhookSecrets), c.GitHubAPIURL, c.WebhookProxyURL,
		RedactURL(c.DatabaseURL), c.Addr(), c.LogLevel.String(), c.Workers, c.ShutdownTimeout.String()}
}

// RedactURL hides the credentials of a database URL (redact.URL).
func RedactURL(raw string) string { return redact.URL(raw) }

// Secret is a value that must never reach a log or an error message.
// Formatting it with fmt, encoding it as JSON or logging it with slog all
// give "[redacted]"; use Bytes or Reveal where the value itself is needed.
type Secret []byte

const redacted = "[redacted]"

func (s Secret) String() string                { return redacted }
func (s Secret) GoString() string              { return redacted }
func (s Secret) LogValue() slog.Value          { return slog.StringValue(redacted) }
func (s Secret) MarshalJSON() ([]byte, error)  { return []byte(`"` + redacted + `"`), nil }
func (s Secret) MarshalText() ([]byte, error)  { return []byte(redacted), nil }
func (s Secret) Format(f fmt.State, verb rune) { _, _ = f.Write([]byte(redacted)) }
func (s Secret) Bytes() []byte                 { return []byte(s) }
func (s Secret) Reveal() string                { return string(s) }
