package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
)

// engine is what differs between the two databases a store can live in:
// everything else, every statement included, is shared. Statements are
// written with SQLite's "?" and "?N" parameters; the PostgreSQL connection
// rewrites them (see [rebind]).
type engine struct {
	name string
	// migrations is the glob of the engine's schema migrations; the two
	// engines have the same steps under the same numbers.
	migrations string
	// lockWriters runs first in every write transaction, so that writers
	// take turns and the revision a writer checks cannot move before it
	// commits. SQLite needs none: its write transactions begin IMMEDIATE.
	lockWriters string
	// readOpts begins a read transaction that sees one snapshot throughout.
	readOpts *sql.TxOptions
	// jsonValues is a table expression with one text column, value, that
	// holds the elements of the JSON array given as its one parameter.
	jsonValues string
	// jsonPath is an expression for the text at keys in the JSON text of
	// column col.
	jsonPath func(col string, keys ...string) string
	// manyKeys, when set, are the statements that begin and end a lookup
	// of many keys (see [manyKeys]) in a table: PostgreSQL's planner takes
	// a JSON list for a hundred rows and probes the index once per key,
	// several times slower than one pass over the table for a list of
	// tens of thousands.
	manyKeys [2]string
	// indexes lists name and definition of the secondary indexes of the
	// table given as its parameter (not those of its constraints).
	indexes string
	// sessionLock says the writer lock is an advisory lock of a database
	// session (see [Store.sessionLock]) rather than a row with an expiry.
	sessionLock bool
	// afterCopy runs after [Copy] has filled the store, to carry on its
	// sequences after the copied rows.
	afterCopy []string
	// lockMigrations runs first in the transaction that migrates the
	// schema, so that two processes opening a new store take turns.
	lockMigrations string
	// version reads the schema version (0 for a store with no schema);
	// setVersion writes it in the migration's transaction.
	version    func(ctx context.Context, q queryer) (int, error)
	setVersion func(ctx context.Context, tx *sql.Tx, v int) error
}

// queryer is a database or a transaction.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

var sqliteEngine = &engine{
	name:       "sqlite",
	migrations: "migrations/*.sql",
	readOpts:   &sql.TxOptions{ReadOnly: true},
	jsonValues: "json_each(?)",
	jsonPath: func(col string, keys ...string) string {
		return "json_extract(" + col + ", '$." + strings.Join(keys, ".") + "')"
	},
	indexes: "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL ORDER BY name",
	version: func(ctx context.Context, q queryer) (int, error) {
		var v int
		err := q.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
		return v, err
	},
	setVersion: func(ctx context.Context, tx *sql.Tx, v int) error {
		// PRAGMA takes no parameters; the value is an int we computed.
		_, err := tx.ExecContext(ctx, "PRAGMA user_version = "+strconv.Itoa(v))
		return err
	},
}

// migrateLockKey is the transaction-level advisory lock two numsync
// processes that open a new PostgreSQL database at once take turns on.
const migrateLockKey = 0x6e756d73796e6301 // "numsync" 1

var postgresEngine = &engine{
	name:        "postgres",
	migrations:  "migrations/postgres/*.sql",
	lockWriters: "SELECT revision FROM meta WHERE id = 1 FOR UPDATE",
	sessionLock: true,
	afterCopy: []string{
		"SELECT setval(pg_get_serial_sequence('audit', 'seq'), coalesce(max(seq), 0) + 1, false) FROM audit",
		"SELECT setval(pg_get_serial_sequence('outbox', 'id'), coalesce(max(id), 0) + 1, false) FROM outbox",
		"SELECT setval(pg_get_serial_sequence('outcome_log', 'seq'), coalesce(max(seq), 0) + 1, false) FROM outcome_log",
		"SELECT setval(pg_get_serial_sequence('reservation_log', 'seq'), coalesce(max(seq), 0) + 1, false) FROM reservation_log",
	},
	readOpts:   &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead},
	jsonValues: "json_array_elements_text(CAST(? AS json)) AS j(value)",
	jsonPath: func(col string, keys ...string) string {
		return "(CAST(" + col + " AS json) #>> '{" + strings.Join(keys, ",") + "}')"
	},
	manyKeys: [2]string{"SET LOCAL enable_nestloop = off", "RESET enable_nestloop"},
	indexes: `SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() AND i.tablename = ?
		AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname) ORDER BY 1`,
	lockMigrations: "SELECT pg_advisory_xact_lock(" + strconv.FormatInt(migrateLockKey, 10) + ")",
	version: func(ctx context.Context, q queryer) (int, error) {
		var exists bool
		if err := q.QueryRowContext(ctx, "SELECT to_regclass('schema_version') IS NOT NULL").Scan(&exists); err != nil || !exists {
			return 0, err
		}
		var v int
		err := q.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM schema_version").Scan(&v)
		return v, err
	},
	setVersion: func(ctx context.Context, tx *sql.Tx, v int) error {
		_, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL);
			INSERT INTO schema_version (id, version) VALUES (1, `+strconv.Itoa(v)+`) ON CONFLICT (id) DO UPDATE SET version = excluded.version`)
		return err
	},
}
