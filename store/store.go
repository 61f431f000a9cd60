// Package store is numsync's system of record: the tenant, its revision,
// runs, the audit log, admin roles, the notification outbox and the
// single-writer lock. It lives in a SQLite file (through the pure-Go
// modernc.org/sqlite driver), the embedded default, or in a PostgreSQL
// database (through pgx) that several hosts share. Both engines run the
// same statements; what differs between them is in one [engine] each.
//
// The schema itself enforces the assignment rules that must never break
// whatever code runs against the file: a number is held by at most one
// identity, an identity holds at most one number per category, and an
// assignment names a known user and a known number. Domain decisions (which
// operations to make) belong to the planner; this package carries them out
// all-or-nothing and must not second-guess them beyond refusing a plan that
// no longer matches what is stored.
package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/numsync/numsync"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

var _ numsync.Store = (*Store)(nil)

//go:embed migrations/*.sql migrations/postgres/*.sql
var migrations embed.FS

// busyTimeout is how long a connection waits for another process's write
// transaction before giving up with SQLITE_BUSY. Applies are one transaction
// of a few seconds at most, so a waiting writer normally gets through; the
// revision check then tells it whether its plan still holds.
const busyTimeout = 10 * time.Second

// Store is a numsync store in one SQLite file or one PostgreSQL database.
// It is safe for concurrent use, and several processes (on several hosts,
// for PostgreSQL) may open the same store.
type Store struct {
	db   *sql.DB
	eng  *engine
	path string // the file, or the URL without its password
	// clock measures the writer lock's lease; see [Store.UseClock].
	clock numsync.Clock
}

// Open opens (creating if needed) the store at path and brings its schema up
// to date in one transaction. Only `numsync init` creates a store; the
// other commands open one with [OpenExisting]. A postgres:// URL opens that
// database with [OpenPostgres] (its password from PGPASSWORD or the pgpass
// file); anything else is the path of a SQLite file.
//
// The file runs in WAL mode so that readers (plan, status, reports) never
// block the writer nor are blocked by it. synchronous=FULL makes every commit
// durable before it returns: an apply that reported "applied" is what the
// reports and teams-apply.ps1 describe, and losing it to a power cut would
// make the store disagree with the tenant. The cost is one fsync per commit,
// and numsync commits a few large transactions, not many small ones.
func Open(ctx context.Context, path string) (*Store, error) {
	if IsURL(path) {
		return OpenPostgres(ctx, path, "", true)
	}
	return open(ctx, path, "rwc")
}

// OpenExisting opens the store at path as [Open] does, but never creates
// it: a store that is not there is a [*MissingError]. A command pointed at
// the wrong path (a mount that is not there) must not start over on an
// empty store. A store file without write permission opens too: reading
// works, and a write fails saying the file is read-only.
func OpenExisting(ctx context.Context, path string) (*Store, error) {
	if IsURL(path) {
		return OpenPostgres(ctx, path, "", false)
	}
	if path != "" {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return nil, &MissingError{Path: path}
		}
	}
	return open(ctx, path, "rw")
}

// MissingError says there is no store where one was expected.
type MissingError struct{ Path string }

func (e *MissingError) Error() string { return "there is no store at " + e.Path }

// Hint says how to make one.
func (e *MissingError) Hint() string {
	return "create it with 'numsync init', or set store.path (store.url) to where the store is"
}

// open opens path with SQLite's open mode ("rw": the file must exist;
// "rwc": create it if not).
func open(ctx context.Context, path, mode string) (*Store, error) {
	if path == "" {
		return nil, errors.New("open store: no path given")
	}
	q := "mode=" + mode + "&_txlock=immediate" +
		"&_pragma=busy_timeout(" + strconv.FormatInt(busyTimeout.Milliseconds(), 10) + ")" +
		"&_pragma=foreign_keys(1)" +
		"&_pragma=journal_mode(WAL)" +
		"&_pragma=synchronous(FULL)" +
		// A 100,000-op apply grows the WAL to tens of MB; once checkpointed,
		// cut the file back rather than keep that space forever.
		"&_pragma=journal_size_limit(67108864)"
	db, err := sql.Open("sqlite", "file:"+uriPath(path)+"?"+q)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	s := &Store{db: db, eng: sqliteEngine, path: path, clock: numsync.SystemClock}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return s, nil
}

// uriPath escapes the characters that would end or garble the path part of
// a SQLite file: URI.
func uriPath(p string) string {
	return strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(p)
}

// UseClock makes the writer lock take and renew its lease, and judge
// others' leases, by c instead of the machine's clock; tests move c to
// expire a lease. Call it before the store is shared.
func (s *Store) UseClock(c numsync.Clock) { s.clock = c }

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// String is the store's path or URL (without its password).
func (s *Store) String() string { return s.path }

// migrate applies the engine's embedded migrations newer than the store's
// schema version, all in one transaction, so a store is either at the old
// schema or the new one. Two processes opening a new store at once take
// turns (SQLite: write transactions begin IMMEDIATE; PostgreSQL: an
// advisory lock) instead of both creating tables.
func (s *Store) migrate(ctx context.Context) error {
	steps, err := s.eng.steps()
	if err != nil {
		return err
	}
	// A store at the current schema is left alone without a write
	// transaction, so that a read-only store file opens for reading.
	have, err := s.eng.version(ctx, s.db)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if have == len(steps) {
		return nil
	}
	return s.inTx(ctx, nil, s.eng.lockMigrations, func(tx *sql.Tx) error {
		have, err := s.eng.version(ctx, tx)
		if err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		if have > len(steps) {
			return fmt.Errorf("the store has schema version %d but this numsync knows only up to %d: use a newer numsync", have, len(steps))
		}
		for _, st := range steps[have:] {
			body, err := migrations.ReadFile(st)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("migration %s: %w", path.Base(st), err)
			}
		}
		if have == len(steps) {
			return nil
		}
		return s.eng.setVersion(ctx, tx, len(steps))
	})
}

// steps lists the engine's migration files in order, checking that they
// are numbered 1, 2, 3… without gaps.
func (e *engine) steps() ([]string, error) {
	files, err := fs.Glob(migrations, e.migrations)
	if err != nil {
		return nil, err
	}
	var steps []string
	for _, f := range files {
		name := path.Base(f)
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v != len(steps)+1 {
			return nil, fmt.Errorf("migration %s: want name %04d_<what>.sql", name, len(steps)+1)
		}
		steps = append(steps, f)
	}
	return steps, nil
}

// write runs fn in a write transaction that no other writer runs beside
// (see [engine.lockWriters]), so the revision it reads cannot be changed by
// another writer before it commits.
func (s *Store) write(ctx context.Context, fn func(*sql.Tx) error) error {
	return s.inTx(ctx, nil, s.eng.lockWriters, fn)
}

// read runs fn in a read transaction: every query in it sees the same
// snapshot of the store.
func (s *Store) read(ctx context.Context, fn func(*sql.Tx) error) error {
	return s.inTx(ctx, s.eng.readOpts, "", fn)
}

// inTx runs first (when set) then fn in one transaction, committing when fn
// succeeds.
func (s *Store) inTx(ctx context.Context, opts *sql.TxOptions, first string, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, opts)
	if err != nil {
		return s.readOnly(fmt.Errorf("begin transaction: %w", err))
	}
	if first != "" {
		if _, err := tx.ExecContext(ctx, first); err != nil {
			tx.Rollback()
			return fmt.Errorf("wait for the other writers: %w", err)
		}
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return s.readOnly(err)
	}
	if opts != nil && opts.ReadOnly {
		return tx.Rollback()
	}
	if err := tx.Commit(); err != nil {
		return s.readOnly(fmt.Errorf("commit: %w", err))
	}
	return nil
}

// tryExec runs fn inside a savepoint and, when it fails, rolls back to the
// savepoint and returns the error: the transaction can go on, to retry
// another way or to find out why. (A failed statement spoils the whole
// transaction on PostgreSQL; SQLite only undoes the statement.)
func tryExec(ctx context.Context, tx *sql.Tx, fn func() error) error {
	if _, err := tx.ExecContext(ctx, "SAVEPOINT try"); err != nil {
		return err
	}
	if err := fn(); err != nil {
		if _, rerr := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT try"); rerr != nil {
			return errors.Join(err, rerr)
		}
		return err
	}
	_, err := tx.ExecContext(ctx, "RELEASE SAVEPOINT try")
	return err
}

// Revision returns the current store revision; an empty store is at 0.
func (s *Store) Revision(ctx context.Context) (int64, error) {
	var rev int64
	if err := s.db.QueryRowContext(ctx, "SELECT revision FROM meta WHERE id = 1").Scan(&rev); err != nil {
		return 0, fmt.Errorf("read revision: %w", err)
	}
	return rev, nil
}

func revision(ctx context.Context, tx *sql.Tx) (int64, error) {
	var rev int64
	if err := tx.QueryRowContext(ctx, "SELECT revision FROM meta WHERE id = 1").Scan(&rev); err != nil {
		return 0, fmt.Errorf("read revision: %w", err)
	}
	return rev, nil
}

// bump raises the revision by one and returns the new one.
func bump(ctx context.Context, tx *sql.Tx) (int64, error) {
	var rev int64
	if err := tx.QueryRowContext(ctx, "UPDATE meta SET revision = revision + 1 WHERE id = 1 RETURNING revision").Scan(&rev); err != nil {
		return 0, fmt.Errorf("raise revision: %w", err)
	}
	return rev, nil
}

// timeLayout is fixed-width so that stored times sort as strings.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

// dbTime is t as stored; the zero time is stored as NULL.
func dbTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(timeLayout)
}

func parseTime(s sql.NullString) (time.Time, error) {
	if !s.Valid || s.String == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(timeLayout, s.String)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: %w", s.String, err)
	}
	return t, nil
}

// newRunID makes an id that sorts by time and reads as one:
// "20261128T172301Z-3f2a".
func newRunID(t time.Time) string {
	var b [2]byte
	rand.Read(b[:])
	return t.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// joinList and splitList store the short lists (licences, capabilities) as
// comma-separated text.
func joinList[T ~string](xs []T) string {
	var b strings.Builder
	for i, x := range xs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(string(x))
	}
	return b.String()
}

func splitList[T ~string](s string) []T {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	xs := make([]T, len(parts))
	for i, p := range parts {
		xs[i] = T(p)
	}
	return xs
}
