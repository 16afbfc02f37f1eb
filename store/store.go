// Package store is djsec's database: SQLite (pure Go, modernc.org/sqlite)
// by default, Postgres when DATABASE_URL says so. It opens the database,
// runs the migrations (River's and djsec's own) and holds djsec's queries:
// webhook deliveries, the ETag cache, the App's credentials.
//
// The job queue (River) shares the database so that a delivery row and its
// job are committed in one transaction; package jobs builds the River client
// on the handle DB gives it.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	redactURL "github.com/djsec/djsec/internal/redact"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Dialect names the database engine behind a DB.
type Dialect string

// The two engines.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DefaultSQLitePath is where the database lives when DATABASE_URL is empty.
const DefaultSQLitePath = "data/djsec.db"

// ErrNotFound is returned by lookups that find no row.
var ErrNotFound = errors.New("not found")

// ErrUnsupportedURL is returned by Open for a DATABASE_URL it cannot use.
var ErrUnsupportedURL = errors.New("unsupported DATABASE_URL")

// DB is an open database of either dialect.
type DB struct {
	dialect Dialect
	sqlDB   *sql.DB       // SQLite
	pool    *pgxpool.Pool // Postgres
	where   string        // the file or the redacted URL, for messages

	// SQLite's checkpointer: a connection of its own that copies the WAL
	// into the database file in the background (see checkpoint.go).
	checkpointer *checkpointer
}

// Open connects to the database databaseURL names:
//
//   - "" → SQLite at ./data/djsec.db (the directory is created, 0700, and
//     the file 0600: it holds the App's private key once registered);
//   - sqlite://PATH or sqlite:PATH → SQLite at PATH (sqlite:///abs/path for
//     an absolute one); add ?synchronous=normal to trade the last commits
//     before a power cut (never before a process crash) for fewer fsyncs;
//   - postgres://… or postgresql://… → Postgres through pgx. Add
//     search_path=SCHEMA to the URL's query to use a schema other than the
//     default.
//
// SQLite runs in WAL mode with a busy timeout, foreign keys on and
// synchronous=FULL (a committed transaction survives a power cut), through
// one connection as River's SQLite driver recommends, with its prepared
// statements cached (stmtcache.go) and its WAL checkpoints run off that
// connection (checkpoint.go).
func Open(ctx context.Context, databaseURL string) (*DB, error) {
	switch {
	case databaseURL == "":
		return openSQLite(ctx, DefaultSQLitePath)
	case strings.HasPrefix(databaseURL, "sqlite://"):
		return openSQLite(ctx, strings.TrimPrefix(databaseURL, "sqlite://"))
	case strings.HasPrefix(databaseURL, "sqlite:"):
		return openSQLite(ctx, strings.TrimPrefix(databaseURL, "sqlite:"))
	case strings.HasPrefix(databaseURL, "postgres://"), strings.HasPrefix(databaseURL, "postgresql://"):
		return openPostgres(ctx, databaseURL)
	}
	scheme, _, _ := strings.Cut(databaseURL, ":")
	return nil, fmt.Errorf("%w: scheme %q (want empty for ./%s, sqlite://PATH or postgres://…)", ErrUnsupportedURL, scheme, DefaultSQLitePath)
}

func openSQLite(ctx context.Context, path string) (*DB, error) {
	path, rawQuery, _ := strings.Cut(path, "?")
	sync := "FULL"
	if rawQuery != "" {
		q, err := url.ParseQuery(rawQuery)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrUnsupportedURL, err)
		}
		for k, v := range q {
			switch {
			case k == "synchronous" && len(v) == 1 && (strings.EqualFold(v[0], "full") || strings.EqualFold(v[0], "normal")):
				sync = strings.ToUpper(v[0])
			default:
				return nil, fmt.Errorf("%w: unknown SQLite option %s=%v (djsec knows synchronous=full|normal)", ErrUnsupportedURL, k, v)
			}
		}
	}
	if path == "" {
		return nil, fmt.Errorf("%w: sqlite:// needs a path, e.g. sqlite://%s", ErrUnsupportedURL, DefaultSQLitePath)
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("database directory: %w", err)
		}
	}
	// Create the file owner-only before SQLite does (SQLite would use the
	// umask); its -wal and -shm files take the same mode.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("database file: %w", err)
	}
	f.Close()

	dsn := func(sync string) string {
		q := url.Values{}
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "busy_timeout(10000)")
		q.Add("_pragma", "foreign_keys(1)")
		q.Add("_pragma", "synchronous("+sync+")")
		// The checkpointer below does this work off the request path; the
		// automatic one stays as a backstop should it fall behind.
		q.Add("_pragma", "wal_autocheckpoint(20000)")
		q.Add("_pragma", "cache_size(-32000)")
		q.Add("_pragma", "mmap_size(268435456)")
		q.Add("_pragma", "temp_store(MEMORY)")
		q.Set("_txlock", "immediate") // take the write lock at BEGIN: no upgrade deadlocks between processes
		q.Set("_time_format", "sqlite")
		return "file:" + filepath.ToSlash(path) + "?" + q.Encode()
	}
	sqlDB, err := sql.Open(sqliteDriverName, dsn(sync))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	sqlDB.SetMaxOpenConns(1)
	sqlDB.SetMaxIdleConns(1)
	sqlDB.SetConnMaxLifetime(0)
	sqlDB.SetConnMaxIdleTime(0)
	if err := sqlDB.PingContext(ctx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	cp, err := startCheckpointer(dsn(sync))
	if err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return &DB{dialect: SQLite, sqlDB: sqlDB, where: path, checkpointer: cp}, nil
}

func openPostgres(ctx context.Context, databaseURL string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		// pgx's message may quote the URL; keep the password out of it.
		return nil, fmt.Errorf("%w: cannot parse the Postgres URL %s", ErrUnsupportedURL, redact(databaseURL))
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", redact(databaseURL), err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to %s: %w", redact(databaseURL), err)
	}
	return &DB{dialect: Postgres, pool: pool, where: redact(databaseURL)}, nil
}

func redact(raw string) string { return redactURL.URL(raw) }

// Dialect says which engine this is.
func (db *DB) Dialect() Dialect { return db.dialect }

// String names the database for logs: the SQLite file or the Postgres URL
// without its password.
func (db *DB) String() string { return string(db.dialect) + ":" + db.where }

// SQL is the SQLite connection pool (nil for Postgres), for River's
// riversqlite driver.
func (db *DB) SQL() *sql.DB { return db.sqlDB }

// Pool is the Postgres connection pool (nil for SQLite), for River's
// riverpgxv5 driver.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if db.dialect == Postgres {
		return db.pool.Ping(ctx)
	}
	return db.sqlDB.PingContext(ctx)
}

// Close closes the database. Stop the River client first.
func (db *DB) Close() error {
	if db.dialect == Postgres {
		db.pool.Close()
		return nil
	}
	db.checkpointer.stop()
	return db.sqlDB.Close()
}

// Querier runs statements on a DB or inside a transaction of either
// dialect. Queries are written with ? placeholders; the Postgres side
// rewrites them to $1, $2, ….
type Querier interface {
	Exec(ctx context.Context, query string, args ...any) (rowsAffected int64, err error)
	QueryRow(ctx context.Context, query string, args ...any) Row
	Query(ctx context.Context, query string, args ...any) (Rows, error)
}

// Row is one result row.
type Row interface{ Scan(dest ...any) error }

// Rows is a result set.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// Q returns a Querier on the database itself (autocommit).
func (db *DB) Q() Querier {
	if db.dialect == Postgres {
		return pgxQuerier{db.pool}
	}
	return sqlQuerier{db.sqlDB}
}

// SQLTx wraps a SQLite transaction (the one River's InsertTx also uses).
func SQLTx(tx *sql.Tx) Querier { return sqlQuerier{tx} }

// PgxTx wraps a Postgres transaction (the one River's InsertTx also uses).
func PgxTx(tx pgx.Tx) Querier { return pgxQuerier{tx} }

type sqlRunner interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

type sqlQuerier struct{ r sqlRunner }

func (q sqlQuerier) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := q.r.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (q sqlQuerier) QueryRow(ctx context.Context, query string, args ...any) Row {
	return sqlRow{q.r.QueryRowContext(ctx, query, args...)}
}

func (q sqlQuerier) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	rows, err := q.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

type sqlRow struct{ *sql.Row }

func (r sqlRow) Scan(dest ...any) error {
	if err := r.Row.Scan(dest...); errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	} else {
		return err
	}
}

type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { r.Rows.Close() }

type pgxRunner interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

type pgxQuerier struct{ r pgxRunner }

func (q pgxQuerier) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := q.r.Exec(ctx, rebind(query), args...)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

func (q pgxQuerier) QueryRow(ctx context.Context, query string, args ...any) Row {
	return pgxRow{q.r.QueryRow(ctx, rebind(query), args...)}
}

func (q pgxQuerier) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	rows, err := q.r.Query(ctx, rebind(query), args...)
	if err != nil {
		return nil, err
	}
	return pgxRows{rows}, nil
}

type pgxRow struct{ pgx.Row }

func (r pgxRow) Scan(dest ...any) error {
	if err := r.Row.Scan(dest...); errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	} else {
		return err
	}
}

type pgxRows struct{ pgx.Rows }

func (r pgxRows) Close() { r.Rows.Close() }

// rebind turns ? placeholders into Postgres's $1, $2, … (djsec's queries
// have no ? inside string literals).
func rebind(query string) string {
	if !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// now is the time stored in rows, in UTC and to the microsecond (what
// Postgres keeps), so a value read back equals the value written.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
