package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// AppCredentials are what GitHub hands over when the App is registered
// through the manifest flow. They are stored in the database in clear (the
// SQLite file is created 0600; on Postgres protect the database as you would
// the private key itself). Never log them.
type AppCredentials struct {
	AppID         int64
	Slug          string
	HTMLURL       string
	PEM           []byte // the App's private key
	WebhookSecret []byte
	ClientID      string
	ClientSecret  []byte
	UpdatedAt     time.Time
}

// Credentials is the store of the App's own credentials.
type Credentials struct{ db *DB }

// Credentials returns the credential store on db.
func (db *DB) Credentials() *Credentials { return &Credentials{db: db} }

// Save stores c, replacing what was stored.
func (s *Credentials) Save(ctx context.Context, c AppCredentials) error {
	if c.AppID <= 0 || len(c.PEM) == 0 || len(c.WebhookSecret) == 0 {
		return errors.New("save app credentials: app ID, private key and webhook secret are required")
	}
	_, err := s.db.Q().Exec(ctx, `INSERT INTO app_credentials
		(id, app_id, slug, html_url, pem, webhook_secret, client_id, client_secret, updated_at)
		VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET app_id = excluded.app_id, slug = excluded.slug,
			html_url = excluded.html_url, pem = excluded.pem, webhook_secret = excluded.webhook_secret,
			client_id = excluded.client_id, client_secret = excluded.client_secret, updated_at = excluded.updated_at`,
		c.AppID, c.Slug, c.HTMLURL, string(c.PEM), string(c.WebhookSecret), c.ClientID, string(c.ClientSecret), now())
	if err != nil {
		return fmt.Errorf("save app credentials: %w", err) // the driver's error holds no argument values
	}
	return nil
}

// Load returns the stored credentials, or ErrNotFound before registration.
func (s *Credentials) Load(ctx context.Context) (AppCredentials, error) {
	var c AppCredentials
	var pem, secret, clientSecret string
	err := s.db.Q().QueryRow(ctx, `SELECT app_id, slug, html_url, pem, webhook_secret, client_id, client_secret, updated_at
		FROM app_credentials WHERE id = 1`).
		Scan(&c.AppID, &c.Slug, &c.HTMLURL, &pem, &secret, &c.ClientID, &clientSecret, &c.UpdatedAt)
	if err != nil {
		return AppCredentials{}, fmt.Errorf("load app credentials: %w", err)
	}
	c.PEM, c.WebhookSecret, c.ClientSecret = []byte(pem), []byte(secret), []byte(clientSecret)
	return c, nil
}
