package store_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/djsec/djsec/store"
)

// The statement cache must behave like no cache: the same query again while
// its rows are still open, more distinct queries than the cache holds,
// scripts of several statements, errors.
func TestStatementCache(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := store.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	q := db.Q()
	if _, err := q.Exec(ctx, "CREATE TABLE t (n INTEGER); CREATE TABLE u (n INTEGER)"); err != nil {
		t.Fatalf("script: %v", err)
	}
	for i := range 5 {
		if _, err := q.Exec(ctx, "INSERT INTO t (n) VALUES (?)", i); err != nil {
			t.Fatal(err)
		}
	}
	// Nested use of one query inside a transaction (one connection).
	tx, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	outer, err := tx.QueryContext(ctx, "SELECT n FROM t WHERE n >= ? ORDER BY n", 0)
	if err != nil {
		t.Fatal(err)
	}
	sum := 0
	for outer.Next() {
		var n int
		if err := outer.Scan(&n); err != nil {
			t.Fatal(err)
		}
		var m int
		if err := tx.QueryRowContext(ctx, "SELECT n FROM t WHERE n >= ? ORDER BY n", n).Scan(&m); err != nil || m != n {
			t.Fatalf("inner query: %d, %v", m, err)
		}
		sum += n
	}
	outer.Close()
	tx.Rollback()
	if sum != 10 {
		t.Fatalf("sum %d", sum)
	}
	// More distinct statements than the cache holds.
	for i := range 300 {
		var n int
		if err := q.QueryRow(ctx, fmt.Sprintf("SELECT COUNT(*) + %d FROM t", i)).Scan(&n); err != nil || n != 5+i {
			t.Fatalf("query %d: %d, %v", i, n, err)
		}
	}
	// A failing statement leaves the cache usable.
	if _, err := q.Exec(ctx, "INSERT INTO nowhere VALUES (1)"); err == nil {
		t.Fatal("insert into a missing table succeeded")
	}
	var n int
	if err := q.QueryRow(ctx, "SELECT COUNT(*) FROM t WHERE n < ?", 3).Scan(&n); err != nil || n != 3 {
		t.Fatalf("after an error: %d, %v", n, err)
	}
	if err := q.QueryRow(ctx, "SELECT n FROM t WHERE n = ?", 99).Scan(&n); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("no row: %v", err)
	}
}

func TestSQLiteURLOptions(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tt := range []struct {
		url string
		ok  bool
	}{
		{"sqlite://" + filepath.Join(dir, "a.db") + "?synchronous=normal", true},
		{"sqlite://" + filepath.Join(dir, "b.db") + "?synchronous=FULL", true},
		{"sqlite://" + filepath.Join(dir, "c.db") + "?synchronous=off", false},
		{"sqlite://" + filepath.Join(dir, "d.db") + "?cache=shared", false},
	} {
		db, err := store.Open(context.Background(), tt.url)
		if (err == nil) != tt.ok {
			t.Errorf("Open(%s) = %v, want ok=%v", tt.url, err, tt.ok)
		}
		if err == nil {
			db.Close()
		} else if !errors.Is(err, store.ErrUnsupportedURL) {
			t.Errorf("Open(%s) error %v is not ErrUnsupportedURL", tt.url, err)
		}
	}
}
