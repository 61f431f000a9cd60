// Package store is numsync's system of record on SQLite (through the pure-Go
// modernc.org/sqlite driver): the tenant, its revision, runs, the audit log,
// admin roles, the notification outbox and the single-writer lock.
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

//go:embed migrations/*.sql
var migrations embed.FS

// busyTimeout is how long a connection waits for another process's write
// transaction before giving up with SQLITE_BUSY. Applies are one transaction
// of a few seconds at most, so a waiting writer normally gets through; the
// revision check then tells it whether its plan still holds.
const busyTimeout = 10 * time.Second

// Store is a numsync store in one SQLite file. It is safe for concurrent use,
// and several processes may open the same file.
type Store struct {
	db   *sql.DB
	path string
	// clock measures the writer lock's lease; see [Store.UseClock].
	clock numsync.Clock
}

// Open opens (creating if needed) the store at path and brings its schema up
// to date in one transaction. Only `numsync init` creates a store; the
// other commands open one with [OpenExisting].
//
// The file runs in WAL mode so that readers (plan, status, reports) never
// block the writer nor are blocked by it. synchronous=FULL makes every commit
// durable before it returns: an apply that reported "applied" is what the
// reports and teams-apply.ps1 describe, and losing it to a power cut would
// make the store disagree with the tenant. The cost is one fsync per commit,
// and numsync commits a few large transactions, not many small ones.
func Open(ctx context.Context, path string) (*Store, error) {
	return open(ctx, path, "rwc")
}

// OpenExisting opens the store at path as [Open] does, but never creates
// it: a store that is not there is a [*MissingError]. A command pointed at
// the wrong path (a mount that is not there) must not start over on an
// empty store. A store file without write permission opens too: reading
// works, and a write fails saying the file is read-only.
func OpenExisting(ctx context.Context, path string) (*Store, error) {
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
	return "create it with 'numsync init', or set store.path to where the store is"
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
	s := &Store{db: db, path: path, clock: numsync.SystemClock}
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

// migrate applies the embedded migrations newer than the file's user_version,
// all in one transaction, so a store is either at the old schema or the new
// one. Write transactions begin IMMEDIATE, so two processes opening a new
// file at once serialise here instead of both creating tables.
func (s *Store) migrate(ctx context.Context) error {
	files, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	type step struct {
		version int
		name    string
	}
	var steps []step
	for _, f := range files {
		name := path.Base(f)
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v != len(steps)+1 {
			return fmt.Errorf("migration %s: want name %04d_<what>.sql", name, len(steps)+1)
		}
		steps = append(steps, step{v, f})
	}
	// A store at the current schema is left alone without a write
	// transaction, so that a read-only store file opens for reading.
	var have int
	if err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&have); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if have == len(steps) {
		return nil
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		var have int
		if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&have); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		if have > len(steps) {
			return fmt.Errorf("the store has schema version %d but this numsync knows only up to %d: use a newer numsync", have, len(steps))
		}
		for _, st := range steps[have:] {
			body, err := migrations.ReadFile(st.name)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("migration %s: %w", path.Base(st.name), err)
			}
		}
		if have == len(steps) {
			return nil
		}
		// PRAGMA takes no parameters; the value is an int we computed.
		_, err := tx.ExecContext(ctx, "PRAGMA user_version = "+strconv.Itoa(len(steps)))
		return err
	})
}

// write runs fn in a write transaction (BEGIN IMMEDIATE, so the revision it
// reads cannot be changed by another writer before it commits).
func (s *Store) write(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.readOnly(fmt.Errorf("begin write transaction: %w", err))
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return s.readOnly(err)
	}
	if err := tx.Commit(); err != nil {
		return s.readOnly(fmt.Errorf("commit: %w", err))
	}
	return nil
}

// read runs fn in a read transaction: every query in it sees the same
// snapshot of the file.
func (s *Store) read(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("begin read transaction: %w", err)
	}
	defer tx.Rollback()
	return fn(tx)
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
