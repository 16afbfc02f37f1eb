package store_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/djsec/djsec/store"
	"github.com/djsec/djsec/store/storetest"
)

func TestOpenURLs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name    string
		url     string
		dialect store.Dialect
		wantErr error
	}{
		{"sqlite scheme", "sqlite://" + filepath.Join(dir, "a", "b.db"), store.SQLite, nil},
		{"sqlite short", "sqlite:" + filepath.Join(dir, "c.db"), store.SQLite, nil},
		{"sqlite no path", "sqlite://", "", store.ErrUnsupportedURL},
		{"mysql", "mysql://root@localhost/x", "", store.ErrUnsupportedURL},
		{"garbage", "not a url", "", store.ErrUnsupportedURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := store.Open(context.Background(), tt.url)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Open(%q) error = %v, want %v", tt.url, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if db.Dialect() != tt.dialect {
				t.Errorf("dialect %s, want %s", db.Dialect(), tt.dialect)
			}
		})
	}
}

func TestSQLiteFileIsOwnerOnly(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "data", "djsec.db")
	db, err := store.Open(context.Background(), "sqlite://"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, p := range []string{path, filepath.Dir(path)} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if perm := fi.Mode().Perm(); perm&0o077 != 0 {
			t.Errorf("%s has mode %o; want no access for group and others (it holds the App's private key)", p, perm)
		}
	}
}

func TestPostgresPasswordNotInErrors(t *testing.T) {
	t.Parallel()
	// Port 1 refuses connections: the error must not repeat the password.
	_, err := store.Open(context.Background(), "postgres://u:hunter2secret@127.0.0.1:1/db?connect_timeout=2")
	if err == nil {
		t.Fatal("want an error")
	}
	if bytes.Contains([]byte(err.Error()), []byte("hunter2secret")) {
		t.Fatalf("error leaks the password: %v", err)
	}
}

func TestMigrateTwice(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, url string) {
		ctx := context.Background()
		db, err := store.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		first, err := db.Migrate(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(first.River) == 0 || len(first.Djsec) == 0 {
			t.Fatalf("first migration applied nothing: %+v", first)
		}
		second, err := db.Migrate(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(second.River)+len(second.Djsec) != 0 {
			t.Fatalf("second migration applied %+v, want nothing", second)
		}
	})
}

func TestDeliveriesDedupe(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, url string) {
		ctx := context.Background()
		db := storetest.Open(t, url)
		d := store.Delivery{ID: "72d3162e-cc78-11e3-81ab-4c9367dc0958", Event: "pull_request", Action: "opened", Installation: 7, Repo: "o/r", JobID: 1}
		for i, want := range []bool{true, false} {
			got, err := store.InsertDelivery(ctx, db.Q(), d)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Fatalf("insert #%d = %v, want %v", i+1, got, want)
			}
		}
		back, err := db.Delivery(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if back.Event != d.Event || back.Repo != d.Repo || back.Installation != 7 || back.ReceivedAt.IsZero() {
			t.Errorf("read back %+v", back)
		}
		if _, err := db.Delivery(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown delivery: %v, want ErrNotFound", err)
		}
		n, err := db.PruneDeliveries(ctx, time.Now().Add(time.Hour))
		if err != nil || n != 1 {
			t.Errorf("prune = %d, %v; want 1", n, err)
		}
	})
}

func TestETags(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, url string) {
		ctx := context.Background()
		e := storetest.Open(t, url).ETags()
		if _, err := e.Entry(ctx, "GET /repos/o/r"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("empty cache: %v, want ErrNotFound", err)
		}
		if _, _, ok, err := e.Get(ctx, "GET /repos/o/r"); ok || err != nil {
			t.Fatalf("empty cache: Get = %v, %v; want not ok", ok, err)
		}
		if err := e.Put(ctx, "GET /repos/o/r", `W/"abc"`, []byte(`{"a":1}`)); err != nil {
			t.Fatal(err)
		}
		if err := e.Put(ctx, "GET /repos/o/r", `W/"def"`, []byte{0, 1, 2}); err != nil {
			t.Fatal(err)
		}
		got, err := e.Entry(ctx, "GET /repos/o/r")
		if err != nil {
			t.Fatal(err)
		}
		if got.ETag != `W/"def"` || !bytes.Equal(got.Body, []byte{0, 1, 2}) || time.Since(got.UpdatedAt) > time.Minute {
			t.Errorf("got %+v", got)
		}
		if etag, body, ok, err := e.Get(ctx, "GET /repos/o/r"); !ok || err != nil || etag != `W/"def"` || !bytes.Equal(body, []byte{0, 1, 2}) {
			t.Errorf("Get = %q, %v, %v, %v", etag, body, ok, err)
		}
		if err := e.Delete(ctx, "GET /repos/o/r"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Entry(ctx, "GET /repos/o/r"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("after delete: %v", err)
		}
	})
}

func TestCredentials(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s := storetest.Open(t, url).Credentials()
		if _, err := s.Load(ctx); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("before registration: %v, want ErrNotFound", err)
		}
		if err := s.Save(ctx, store.AppCredentials{AppID: 1}); err == nil {
			t.Fatal("saving credentials without a key and secret must fail")
		}
		c := store.AppCredentials{AppID: 42, Slug: "djsec-test", PEM: []byte("-----BEGIN RSA PRIVATE KEY-----\nx\n-----END RSA PRIVATE KEY-----\n"),
			WebhookSecret: []byte("s3cret"), ClientID: "Iv1.x", ClientSecret: []byte("cs")}
		for _, id := range []int64{41, 42} { // the second save replaces the first
			c.AppID = id
			if err := s.Save(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.Load(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got.AppID != 42 || got.Slug != c.Slug || string(got.PEM) != string(c.PEM) || string(got.WebhookSecret) != "s3cret" ||
			got.ClientID != c.ClientID || string(got.ClientSecret) != "cs" {
			t.Errorf("got %+v", got)
		}
	})
}
