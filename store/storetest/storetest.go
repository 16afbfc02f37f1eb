// Package storetest opens throwaway databases for tests: a SQLite file in
// the test's temporary directory, or a fresh schema on the Postgres server
// named by DJSEC_TEST_POSTGRES_URL (default: 127.0.0.1:5432, user postgres,
// database test, trust auth), dropped when the test ends.
//
// A test that wants Postgres skips, with a message saying why, when the
// server does not answer; set DJSEC_REQUIRE_POSTGRES=1 (CI does where a
// server runs) to make that a failure instead.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/djsec/djsec/store"
)

// DefaultPostgresURL is the server the Postgres tests use by default.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// PostgresURL is the server for Postgres tests.
func PostgresURL() string {
	if u := os.Getenv("DJSEC_TEST_POSTGRES_URL"); u != "" {
		return u
	}
	return DefaultPostgresURL
}

// SQLiteURL is a DATABASE_URL for a new SQLite file under t.TempDir().
func SQLiteURL(t testing.TB) string {
	return "sqlite://" + filepath.Join(t.TempDir(), "djsec.db")
}

// PostgresSchemaURL creates a schema of its own for the test on the
// Postgres server, drops it at the end of the test, and returns a
// DATABASE_URL whose search_path selects it. It skips (or fails, under
// DJSEC_REQUIRE_POSTGRES=1) when the server does not answer.
func PostgresSchemaURL(t testing.TB) string {
	t.Helper()
	base := PostgresURL()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		msg := "Postgres tests need a server at " + redacted(base) + " (set DJSEC_TEST_POSTGRES_URL): " + err.Error()
		if os.Getenv("DJSEC_REQUIRE_POSTGRES") != "" {
			t.Fatal(msg)
		}
		t.Skip("SKIPPED, not passed: " + msg)
	}
	defer conn.Close(context.Background())
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "djsec_test_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Logf("drop schema %s: %v", schema, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Logf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func redacted(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	return "(bad URL)"
}

// Open opens and migrates the database at databaseURL and closes it at the
// end of the test.
func Open(t testing.TB, databaseURL string) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, databaseURL)
	if err != nil {
		t.Fatalf("open %s: %v", databaseURL, err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx, nil); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return db
}

// Dialects runs f once on a fresh SQLite database and once on a fresh
// Postgres schema, as subtests named sqlite and postgres.
func Dialects(t *testing.T, f func(t *testing.T, databaseURL string)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		f(t, SQLiteURL(t))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		f(t, PostgresSchemaURL(t))
	})
}
