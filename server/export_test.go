package server

import (
	"github.com/djsec/djsec/registration"
	"github.com/djsec/djsec/store"
)

// The external tests (package server_test, on servertest) reach these.

// CredentialStore is the registration store Run keeps credentials with.
func CredentialStore(db *store.DB) registration.CredentialStore {
	return credentialStore{db.Credentials()}
}

var ListenAddr = listenAddr
