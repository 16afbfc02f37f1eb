package server

import (
	"context"
	"errors"

	"github.com/djsec/djsec/githubapp"
	"github.com/djsec/djsec/registration"
	"github.com/djsec/djsec/store"
)

// The database's ETag table is the GitHub client's conditional-request cache.
var _ githubapp.ETagStore = (*store.ETags)(nil)

// credentialStore keeps registration's credentials in the database's
// app_credentials table.
type credentialStore struct{ c *store.Credentials }

var _ registration.CredentialStore = credentialStore{}

func (s credentialStore) SaveAppCredentials(ctx context.Context, c registration.AppCredentials) error {
	return s.c.Save(ctx, store.AppCredentials{
		AppID: c.ID, Slug: c.Slug, HTMLURL: c.HTMLURL, PEM: []byte(c.PEM),
		WebhookSecret: []byte(c.WebhookSecret), ClientID: c.ClientID, ClientSecret: []byte(c.ClientSecret),
	})
}

func (s credentialStore) LoadAppCredentials(ctx context.Context) (*registration.AppCredentials, error) {
	c, err := s.c.Load(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &registration.AppCredentials{
		ID: c.AppID, Slug: c.Slug, HTMLURL: c.HTMLURL, PEM: string(c.PEM),
		WebhookSecret: string(c.WebhookSecret), ClientID: c.ClientID, ClientSecret: string(c.ClientSecret),
	}, nil
}
