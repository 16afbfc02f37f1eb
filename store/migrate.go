package store

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

// migration is one step of djsec's own schema. Steps are append-only: to
// change the schema add a step at the end, never edit one that shipped.
type migration struct {
	version  int
	name     string
	sqlite   string
	postgres string
}

var migrations = []migration{
	{
		version: 1,
		name:    "deliveries",
		// One row per webhook delivery that became a job. The primary key
		// is what makes a redelivery (same X-GitHub-Delivery) a no-op.
		sqlite: `CREATE TABLE deliveries (
			delivery_id     TEXT PRIMARY KEY,
			event           TEXT NOT NULL,
			action          TEXT NOT NULL DEFAULT '',
			installation_id INTEGER NOT NULL DEFAULT 0,
			repo            TEXT NOT NULL DEFAULT '',
			job_id          INTEGER NOT NULL,
			received_at     TIMESTAMP NOT NULL
		);
		CREATE INDEX deliveries_received_at ON deliveries (received_at);`,
		postgres: `CREATE TABLE deliveries (
			delivery_id     TEXT PRIMARY KEY,
			event           TEXT NOT NULL,
			action          TEXT NOT NULL DEFAULT '',
			installation_id BIGINT NOT NULL DEFAULT 0,
			repo            TEXT NOT NULL DEFAULT '',
			job_id          BIGINT NOT NULL,
			received_at     TIMESTAMPTZ NOT NULL
		);
		CREATE INDEX deliveries_received_at ON deliveries (received_at);`,
	},
	{
		version: 2,
		name:    "etags",
		// The GitHub client's conditional-request cache: a response body
		// and its ETag per request key (method + URL + installation).
		sqlite: `CREATE TABLE etags (
			key        TEXT PRIMARY KEY,
			etag       TEXT NOT NULL,
			body       BLOB NOT NULL,
			updated_at TIMESTAMP NOT NULL
		);`,
		postgres: `CREATE TABLE etags (
			key        TEXT PRIMARY KEY,
			etag       TEXT NOT NULL,
			body       BYTEA NOT NULL,
			updated_at TIMESTAMPTZ NOT NULL
		);`,
	},
	{
		version: 3,
		name:    "app_credentials",
		// The App registered through the manifest flow; one row at most.
		sqlite: `CREATE TABLE app_credentials (
			id             INTEGER PRIMARY KEY CHECK (id = 1),
			app_id         INTEGER NOT NULL,
			slug           TEXT NOT NULL DEFAULT '',
			html_url       TEXT NOT NULL DEFAULT '',
			pem            TEXT NOT NULL,
			webhook_secret TEXT NOT NULL,
			client_id      TEXT NOT NULL DEFAULT '',
			client_secret  TEXT NOT NULL DEFAULT '',
			updated_at     TIMESTAMP NOT NULL
		);`,
		postgres: `CREATE TABLE app_credentials (
			id             INTEGER PRIMARY KEY CHECK (id = 1),
			app_id         BIGINT NOT NULL,
			slug           TEXT NOT NULL DEFAULT '',
			html_url       TEXT NOT NULL DEFAULT '',
			pem            TEXT NOT NULL,
			webhook_secret TEXT NOT NULL,
			client_id      TEXT NOT NULL DEFAULT '',
			client_secret  TEXT NOT NULL DEFAULT '',
			updated_at     TIMESTAMPTZ NOT NULL
		);`,
	},
	{
		version: 4,
		name:    "pr_heads",
		// Each pull request's latest head as the webhooks told it, written
		// in the transaction that queues the check, so a job for an older
		// push can tell it was superseded. pr_updated_at (the payload's
		// pull_request.updated_at, Unix seconds) only moves forward, so a
		// late redelivery of an older event cannot win.
		sqlite: `CREATE TABLE pr_heads (
			repo_id       INTEGER NOT NULL,
			pr_number     INTEGER NOT NULL,
			head_sha      TEXT NOT NULL,
			pr_updated_at INTEGER NOT NULL,
			recorded_at   TIMESTAMP NOT NULL,
			PRIMARY KEY (repo_id, pr_number)
		);
		CREATE INDEX pr_heads_recorded_at ON pr_heads (recorded_at);`,
		postgres: `CREATE TABLE pr_heads (
			repo_id       BIGINT NOT NULL,
			pr_number     INTEGER NOT NULL,
			head_sha      TEXT NOT NULL,
			pr_updated_at BIGINT NOT NULL,
			recorded_at   TIMESTAMPTZ NOT NULL,
			PRIMARY KEY (repo_id, pr_number)
		);
		CREATE INDEX pr_heads_recorded_at ON pr_heads (recorded_at);`,
	},
	{
		version: 5,
		name:    "check_runs",
		// One row per (repository, head SHA): the djsec check run GitHub
		// holds for that commit. A job claims the row (a lease) before it
		// creates or updates the run, so two jobs for one commit never
		// create two runs. annotations_sent lets a retried job resume
		// after the batches GitHub already has (annotations add up).
		// lease_until is Unix milliseconds.
		sqlite: `CREATE TABLE check_runs (
			repo_id          INTEGER NOT NULL,
			head_sha         TEXT NOT NULL,
			repo             TEXT NOT NULL DEFAULT '',
			pr_number        INTEGER NOT NULL DEFAULT 0,
			check_run_id     INTEGER NOT NULL DEFAULT 0,
			external_id      TEXT NOT NULL DEFAULT '',
			status           TEXT NOT NULL DEFAULT '',
			conclusion       TEXT NOT NULL DEFAULT '',
			annotations_sent INTEGER NOT NULL DEFAULT 0,
			lease_owner      TEXT NOT NULL DEFAULT '',
			lease_until      INTEGER NOT NULL DEFAULT 0,
			created_at       TIMESTAMP NOT NULL,
			updated_at       TIMESTAMP NOT NULL,
			PRIMARY KEY (repo_id, head_sha)
		);
		CREATE INDEX check_runs_updated_at ON check_runs (updated_at);`,
		postgres: `CREATE TABLE check_runs (
			repo_id          BIGINT NOT NULL,
			head_sha         TEXT NOT NULL,
			repo             TEXT NOT NULL DEFAULT '',
			pr_number        INTEGER NOT NULL DEFAULT 0,
			check_run_id     BIGINT NOT NULL DEFAULT 0,
			external_id      TEXT NOT NULL DEFAULT '',
			status           TEXT NOT NULL DEFAULT '',
			conclusion       TEXT NOT NULL DEFAULT '',
			annotations_sent INTEGER NOT NULL DEFAULT 0,
			lease_owner      TEXT NOT NULL DEFAULT '',
			lease_until      BIGINT NOT NULL DEFAULT 0,
			created_at       TIMESTAMPTZ NOT NULL,
			updated_at       TIMESTAMPTZ NOT NULL,
			PRIMARY KEY (repo_id, head_sha)
		);
		CREATE INDEX check_runs_updated_at ON check_runs (updated_at);`,
	},
	{
		version: 6,
		name:    "ignores",
		// Findings a repository decided to live with (/djsec ignore): one
		// row per (repository, rule, glob, pull request); pr_number 0 is
		// repository-wide, path_glob '' every file; until_ms is Unix
		// milliseconds, 0 for no expiry.
		sqlite: `CREATE TABLE ignores (
			repo_id    INTEGER NOT NULL,
			rule       TEXT NOT NULL,
			path_glob  TEXT NOT NULL DEFAULT '',
			pr_number  INTEGER NOT NULL DEFAULT 0,
			reason     TEXT NOT NULL,
			created_by TEXT NOT NULL,
			created_at TIMESTAMP NOT NULL,
			until_ms   INTEGER NOT NULL DEFAULT 0,
			PRIMARY KEY (repo_id, rule, path_glob, pr_number)
		);`,
		postgres: `CREATE TABLE ignores (
			repo_id    BIGINT NOT NULL,
			rule       TEXT NOT NULL,
			path_glob  TEXT NOT NULL DEFAULT '',
			pr_number  INTEGER NOT NULL DEFAULT 0,
			reason     TEXT NOT NULL,
			created_by TEXT NOT NULL,
			created_at TIMESTAMPTZ NOT NULL,
			until_ms   BIGINT NOT NULL DEFAULT 0,
			PRIMARY KEY (repo_id, rule, path_glob, pr_number)
		);`,
	},
	{
		version: 7,
		name:    "commands",
		// command_log is the audit trail of mutating /djsec commands;
		// command_replies remembers djsec's reply to each comment, so an
		// edit updates it; command_uses counts commands per user and
		// repository for the rate limit (notice: the "slow down" reply).
		sqlite: `CREATE TABLE command_log (
			id         INTEGER PRIMARY KEY AUTOINCREMENT,
			repo_id    INTEGER NOT NULL,
			repo       TEXT NOT NULL DEFAULT '',
			number     INTEGER NOT NULL DEFAULT 0,
			comment_id INTEGER NOT NULL DEFAULT 0,
			login      TEXT NOT NULL,
			command    TEXT NOT NULL,
			ok         INTEGER NOT NULL,
			result     TEXT NOT NULL DEFAULT '',
			created_at TIMESTAMP NOT NULL
		);
		CREATE INDEX command_log_repo ON command_log (repo_id, created_at);
		CREATE TABLE command_replies (
			repo_id    INTEGER NOT NULL,
			comment_id INTEGER NOT NULL,
			reply_id   INTEGER NOT NULL,
			updated_at TIMESTAMP NOT NULL,
			PRIMARY KEY (repo_id, comment_id)
		);
		CREATE TABLE command_uses (
			repo_id INTEGER NOT NULL,
			login   TEXT NOT NULL,
			used_at TIMESTAMP NOT NULL,
			n       INTEGER NOT NULL,
			notice  INTEGER NOT NULL DEFAULT 0
		);
		CREATE INDEX command_uses_key ON command_uses (repo_id, login, used_at);`,
		postgres: `CREATE TABLE command_log (
			id         BIGSERIAL PRIMARY KEY,
			repo_id    BIGINT NOT NULL,
			repo       TEXT NOT NULL DEFAULT '',
			number     INTEGER NOT NULL DEFAULT 0,
			comment_id BIGINT NOT NULL DEFAULT 0,
			login      TEXT NOT NULL,
			command    TEXT NOT NULL,
			ok         INTEGER NOT NULL,
			result     TEXT NOT NULL DEFAULT '',
			created_at TIMESTAMPTZ NOT NULL
		);
		CREATE INDEX command_log_repo ON command_log (repo_id, created_at);
		CREATE TABLE command_replies (
			repo_id    BIGINT NOT NULL,
			comment_id BIGINT NOT NULL,
			reply_id   BIGINT NOT NULL,
			updated_at TIMESTAMPTZ NOT NULL,
			PRIMARY KEY (repo_id, comment_id)
		);
		CREATE TABLE command_uses (
			repo_id BIGINT NOT NULL,
			login   TEXT NOT NULL,
			used_at TIMESTAMPTZ NOT NULL,
			n       INTEGER NOT NULL,
			notice  INTEGER NOT NULL DEFAULT 0
		);
		CREATE INDEX command_uses_key ON command_uses (repo_id, login, used_at);`,
	},
	{
		version: 8,
		name:    "audits",
		// The weekly audit's state per repository: what the last audit saw
		// (an unchanged input is not analyzed again) and its issue; and
		// each audit's score for the chart.
		sqlite: `CREATE TABLE audits (
			repo_id       INTEGER PRIMARY KEY,
			repo          TEXT NOT NULL,
			input_key     TEXT NOT NULL DEFAULT '',
			sha           TEXT NOT NULL DEFAULT '',
			branch        TEXT NOT NULL DEFAULT '',
			failing       TEXT NOT NULL DEFAULT '',
			issue_number  INTEGER NOT NULL DEFAULT 0,
			updated_at    TIMESTAMP NOT NULL
		);
		CREATE TABLE audit_scores (
			repo_id   INTEGER NOT NULL,
			at        TIMESTAMP NOT NULL,
			pass      INTEGER NOT NULL,
			automated INTEGER NOT NULL
		);
		CREATE INDEX audit_scores_repo ON audit_scores (repo_id, at);`,
		postgres: `CREATE TABLE audits (
			repo_id       BIGINT PRIMARY KEY,
			repo          TEXT NOT NULL,
			input_key     TEXT NOT NULL DEFAULT '',
			sha           TEXT NOT NULL DEFAULT '',
			branch        TEXT NOT NULL DEFAULT '',
			failing       TEXT NOT NULL DEFAULT '',
			issue_number  INTEGER NOT NULL DEFAULT 0,
			updated_at    TIMESTAMPTZ NOT NULL
		);
		CREATE TABLE audit_scores (
			repo_id   BIGINT NOT NULL,
			at        TIMESTAMPTZ NOT NULL,
			pass      INTEGER NOT NULL,
			automated INTEGER NOT NULL
		);
		CREATE INDEX audit_scores_repo ON audit_scores (repo_id, at);`,
	},
	{
		version: 9,
		name:    "fixups",
		// The fix-up pull request djsec opened for a pull request: one row
		// per pull request, so a second event never opens a second one.
		sqlite: `CREATE TABLE fixups (
			repo_id    INTEGER NOT NULL,
			pr_number  INTEGER NOT NULL,
			fixup_pr   INTEGER NOT NULL DEFAULT 0,
			branch     TEXT NOT NULL,
			state      TEXT NOT NULL,
			head_sha   TEXT NOT NULL DEFAULT '',
			updated_at TIMESTAMP NOT NULL,
			PRIMARY KEY (repo_id, pr_number)
		);`,
		postgres: `CREATE TABLE fixups (
			repo_id    BIGINT NOT NULL,
			pr_number  INTEGER NOT NULL,
			fixup_pr   INTEGER NOT NULL DEFAULT 0,
			branch     TEXT NOT NULL,
			state      TEXT NOT NULL,
			head_sha   TEXT NOT NULL DEFAULT '',
			updated_at TIMESTAMPTZ NOT NULL,
			PRIMARY KEY (repo_id, pr_number)
		);`,
	},
	{
		version: 10,
		name:    "command_claims",
		// Which version of a comment (its updated_at) a job answers, and
		// which job: a replay or an older edit runs nothing, and a quick
		// edit waits for the reply to the first version instead of
		// posting a second reply.
		sqlite: `ALTER TABLE command_replies ADD COLUMN comment_version TEXT NOT NULL DEFAULT '';
		ALTER TABLE command_replies ADD COLUMN claimed_job INTEGER NOT NULL DEFAULT 0`,
		postgres: `ALTER TABLE command_replies ADD COLUMN comment_version TEXT NOT NULL DEFAULT '';
		ALTER TABLE command_replies ADD COLUMN claimed_job BIGINT NOT NULL DEFAULT 0`,
	},
	{
		version: 11,
		name:    "branch_heads",
		// The default branch's head as push events (and the audit's own
		// reads) last said: the weekly audit of a repository whose head
		// did not move costs no request at all.
		sqlite: `CREATE TABLE branch_heads (
			repo_id    INTEGER PRIMARY KEY,
			branch     TEXT NOT NULL,
			sha        TEXT NOT NULL,
			updated_at TIMESTAMP NOT NULL
		)`,
		postgres: `CREATE TABLE branch_heads (
			repo_id    BIGINT PRIMARY KEY,
			branch     TEXT NOT NULL,
			sha        TEXT NOT NULL,
			updated_at TIMESTAMPTZ NOT NULL
		)`,
	},
	{
		version: 12,
		name:    "blobs",
		// File bodies by git blob SHA, which never changes for the same
		// bytes: a changed repository's audit reads only the files whose
		// SHAs the tree shows changed.
		sqlite: `CREATE TABLE blobs (
			sha     TEXT PRIMARY KEY,
			body    BLOB NOT NULL,
			used_at TIMESTAMP NOT NULL
		);
		CREATE INDEX blobs_used_at ON blobs (used_at)`,
		postgres: `CREATE TABLE blobs (
			sha     TEXT PRIMARY KEY,
			body    BYTEA NOT NULL,
			used_at TIMESTAMPTZ NOT NULL
		);
		CREATE INDEX blobs_used_at ON blobs (used_at)`,
	},
}

// migrationLock is the Postgres advisory lock key held while migrating, so
// that two `bot serve` starting together on one database take turns.
const migrationLock = 0x646a736563 // "djsec"

// MigrationResult tells what Migrate did.
type MigrationResult struct {
	River []int // River's migration versions applied
	Djsec []int // djsec's migration versions applied
}

// Migrate brings the schema up to date: River's migrations, then djsec's.
// On SQLite both run in one transaction (BEGIN IMMEDIATE holds the write
// lock); on Postgres under an advisory lock, River's step by step (each of
// its versions in its own transaction) and djsec's in one transaction.
// Running it again is a no-op, and so is a second process migrating at the
// same time.
func (db *DB) Migrate(ctx context.Context, logger *slog.Logger) (MigrationResult, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	var res MigrationResult
	switch db.dialect {
	case Postgres:
		// River's Postgres migrations cannot all share one transaction (one
		// adds an enum value a later one uses), so a session advisory lock
		// on a connection of its own makes concurrent starts take turns.
		conn, err := db.pool.Acquire(ctx)
		if err != nil {
			return res, fmt.Errorf("migrate: %w", err)
		}
		defer conn.Release()
		if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrationLock); err != nil {
			return res, fmt.Errorf("migrate: lock: %w", err)
		}
		defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLock)
		m, err := rivermigrate.New(riverpgxv5.New(db.pool), &rivermigrate.Config{Logger: logger})
		if err != nil {
			return res, fmt.Errorf("migrate: %w", err)
		}
		r, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		if err != nil {
			return res, fmt.Errorf("migrate river: %w", err)
		}
		for _, v := range r.Versions {
			res.River = append(res.River, v.Version)
		}
		tx, err := db.pool.Begin(ctx)
		if err != nil {
			return res, fmt.Errorf("migrate: %w", err)
		}
		defer tx.Rollback(context.WithoutCancel(ctx))
		if res.Djsec, err = migrateOwn(ctx, db.dialect, PgxTx(tx)); err != nil {
			return res, err
		}
		if err := tx.Commit(ctx); err != nil {
			return res, fmt.Errorf("migrate: commit: %w", err)
		}
	default:
		tx, err := db.sqlDB.BeginTx(ctx, nil)
		if err != nil {
			return res, fmt.Errorf("migrate: %w", err)
		}
		defer tx.Rollback()
		m, err := rivermigrate.New(riversqlite.New(db.sqlDB), &rivermigrate.Config{Logger: logger})
		if err != nil {
			return res, fmt.Errorf("migrate: %w", err)
		}
		//lint:ignore SA1019 River's and djsec's tables must appear in one transaction; River's migrations to this version run in one
		r, err := m.MigrateTx(ctx, tx, rivermigrate.DirectionUp, nil)
		if err != nil {
			return res, fmt.Errorf("migrate river: %w", err)
		}
		for _, v := range r.Versions {
			res.River = append(res.River, v.Version)
		}
		if res.Djsec, err = migrateOwn(ctx, db.dialect, SQLTx(tx)); err != nil {
			return res, err
		}
		if err := tx.Commit(); err != nil {
			return res, fmt.Errorf("migrate: commit: %w", err)
		}
	}
	return res, nil
}

func migrateOwn(ctx context.Context, d Dialect, q Querier) ([]int, error) {
	if _, err := q.Exec(ctx, `CREATE TABLE IF NOT EXISTS djsec_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at TEXT NOT NULL
	)`); err != nil {
		return nil, fmt.Errorf("migrate djsec: %w", err)
	}
	current := 0
	if err := q.QueryRow(ctx, "SELECT COALESCE(MAX(version), 0) FROM djsec_migrations").Scan(&current); err != nil {
		return nil, fmt.Errorf("migrate djsec: read version: %w", err)
	}
	var applied []int
	for _, m := range migrations {
		if m.version <= current {
			continue
		}
		stmt := m.sqlite
		if d == Postgres {
			stmt = m.postgres
		}
		if err := execScript(ctx, q, stmt); err != nil {
			return applied, fmt.Errorf("migrate djsec %d (%s): %w", m.version, m.name, err)
		}
		if _, err := q.Exec(ctx, "INSERT INTO djsec_migrations (version, name, applied_at) VALUES (?, ?, ?)",
			m.version, m.name, now().Format("2006-01-02T15:04:05Z07:00")); err != nil {
			return applied, fmt.Errorf("migrate djsec %d (%s): %w", m.version, m.name, err)
		}
		applied = append(applied, m.version)
	}
	return applied, nil
}

// execScript runs the ;-separated statements of a migration one by one
// (neither driver takes several statements with arguments in one call).
func execScript(ctx context.Context, q Querier, script string) error {
	for _, s := range splitStatements(script) {
		if _, err := q.Exec(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

func splitStatements(script string) []string {
	var out []string
	for _, s := range strings.Split(script, ";") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
