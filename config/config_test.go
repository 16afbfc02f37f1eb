package config_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/djsec/djsec/config"
)

const pemKey = "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n-----END RSA PRIVATE KEY-----"

func load(env map[string]string) (config.Config, error) {
	return config.Load(func(k string) string { return env[k] }, func(p string) ([]byte, error) {
		if p == "/keys/app.pem" {
			return []byte(pemKey + "\n"), nil
		}
		return nil, os.ErrNotExist
	})
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	c, err := load(nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != 3000 || c.GitHubAPIURL != "https://api.github.com" || c.DatabaseURL != "" || c.LogLevel != slog.LevelInfo ||
		c.Workers != 10 || c.ShutdownTimeout != 25*time.Second || c.AppID != 0 || len(c.WebhookSecrets) != 0 || c.Addr() != ":3000" {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestLoad(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		env   map[string]string
		check func(t *testing.T, c config.Config)
		err   string // substring of the error; "" for none
	}{
		{"probot names", map[string]string{"APP_ID": "29310", "WEBHOOK_SECRET": "s", "PORT": "8080", "LOG_LEVEL": "debug",
			"GITHUB_API_URL": "https://ghe.example.com/api/v3/", "DATABASE_URL": "postgres://x/y", "HOST": "127.0.0.1"},
			func(t *testing.T, c config.Config) {
				if c.AppID != 29310 || c.Port != 8080 || c.LogLevel != slog.LevelDebug || c.GitHubAPIURL != "https://ghe.example.com/api/v3" ||
					c.DatabaseURL != "postgres://x/y" || c.Addr() != "127.0.0.1:8080" {
					t.Errorf("%+v", c)
				}
			}, ""},
		{"key with \\n escapes", map[string]string{"PRIVATE_KEY": strings.ReplaceAll(pemKey, "\n", `\n`)},
			func(t *testing.T, c config.Config) {
				if c.PrivateKey.Reveal() != pemKey {
					t.Errorf("key not unescaped: %q", c.PrivateKey.Reveal())
				}
			}, ""},
		{"key base64", map[string]string{"PRIVATE_KEY": base64.StdEncoding.EncodeToString([]byte(pemKey))},
			func(t *testing.T, c config.Config) {
				if c.PrivateKey.Reveal() != pemKey {
					t.Errorf("key not decoded")
				}
			}, ""},
		{"key from file", map[string]string{"PRIVATE_KEY_PATH": "/keys/app.pem"},
			func(t *testing.T, c config.Config) {
				if !strings.HasPrefix(c.PrivateKey.Reveal(), "-----BEGIN") {
					t.Errorf("key not read")
				}
			}, ""},
		{"PRIVATE_KEY wins over the path", map[string]string{"PRIVATE_KEY": pemKey, "PRIVATE_KEY_PATH": "/missing"}, nil, ""},
		{"missing key file", map[string]string{"PRIVATE_KEY_PATH": "/missing.pem"}, nil, "PRIVATE_KEY_PATH"},
		{"not a key", map[string]string{"PRIVATE_KEY": "hunter2-not-a-key"}, nil, "PRIVATE_KEY: not a PEM"},
		{"rotation", map[string]string{"WEBHOOK_SECRET": " new , old "},
			func(t *testing.T, c config.Config) {
				if len(c.WebhookSecrets) != 2 || c.WebhookSecrets[0].Reveal() != "new" || c.WebhookSecrets[1].Reveal() != "old" {
					t.Errorf("secrets %d", len(c.WebhookSecrets))
				}
			}, ""},
		{"empty secret in the list", map[string]string{"WEBHOOK_SECRET": "a,,b"}, nil, "WEBHOOK_SECRET"},
		{"GHE_HOST", map[string]string{"GHE_HOST": "ghe.example.com"},
			func(t *testing.T, c config.Config) {
				if c.GitHubAPIURL != "https://ghe.example.com/api/v3" {
					t.Errorf("%s", c.GitHubAPIURL)
				}
			}, ""},
		{"bad values, all reported", map[string]string{"APP_ID": "abc", "PORT": "99999", "LOG_LEVEL": "loud", "GITHUB_API_URL": "ftp://x",
			"DJSEC_WORKERS": "0", "DJSEC_SHUTDOWN_TIMEOUT": "soon", "WEBHOOK_PROXY_URL": "smee"}, func(t *testing.T, c config.Config) {}, "APP_ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := load(tt.env)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one mentioning %s", err, tt.err)
				}
				if tt.name == "bad values, all reported" {
					for _, name := range []string{"PORT", "LOG_LEVEL", "GITHUB_API_URL", "DJSEC_WORKERS", "DJSEC_SHUTDOWN_TIMEOUT", "WEBHOOK_PROXY_URL"} {
						if !strings.Contains(err.Error(), name) {
							t.Errorf("error does not mention %s: %v", name, err)
						}
					}
				}
				if strings.Contains(err.Error(), "hunter2") {
					t.Errorf("error repeats the secret value: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.check != nil {
				tt.check(t, c)
			}
		})
	}
}

// Secrets do not print: not with fmt, not as JSON, not through slog,
// not inside a Config.
func TestSecretsDoNotPrint(t *testing.T) {
	t.Parallel()
	c, err := load(map[string]string{"WEBHOOK_SECRET": "topsecret1,topsecret2", "PRIVATE_KEY": pemKey,
		"DATABASE_URL": "postgres://u:dbpassword@h/db"})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	fmt.Fprintf(&out, "%v %+v %#v %s %q\n", c, c, c, c.WebhookSecrets[0], c.PrivateKey)
	j, _ := json.Marshal(c)
	out.Write(j)
	slog.New(slog.NewJSONHandler(&out, nil)).Info("config", slog.Any("config", c), slog.Any("secret", c.WebhookSecrets[1]))
	slog.New(slog.NewTextHandler(&out, nil)).Info("config", slog.Any("config", c))
	for _, s := range []string{"topsecret", "MIIBOgIBAAJBAKj34", "dbpassword"} {
		if strings.Contains(out.String(), s) {
			t.Errorf("%q printed:\n%s", s, out.String())
		}
	}
	if !strings.Contains(out.String(), "[redacted]") {
		t.Errorf("no redaction marker:\n%s", out.String())
	}
	if config.RedactURL("postgres://u:pw@h/db") != "postgres://u:xxxxx@h/db" {
		t.Errorf("RedactURL = %s", config.RedactURL("postgres://u:pw@h/db"))
	}
	_ = errors.New
}
