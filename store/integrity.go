package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// DamagedError says SQLite found the store file damaged. Nothing may be
// written into such a file: every write would build on pages that are
// wrong.
type DamagedError struct {
	Path     string
	Problems []string // as SQLite's integrity check words them
}

func (e *DamagedError) Error() string {
	msg := "the store " + e.Path + " is damaged: " + e.Problems[0]
	if n := len(e.Problems) - 1; n > 0 {
		msg += fmt.Sprintf(" (and %d more problems)", n)
	}
	return msg
}

// Hint says how to recover.
func (e *DamagedError) Hint() string {
	return "nothing was written. 'numsync store check' lists what is damaged; restore the last backup made with 'numsync store backup' (README, \"The store: creating, checking, backing up, restoring\")"
}

// maxProblems bounds what a check keeps of a badly damaged file.
const maxProblems = 100

// Check runs SQLite's check of the whole file and returns a
// [*DamagedError] when it finds damage. quick runs PRAGMA quick_check,
// which reads every page but does not match indexes with their tables
// (write commands run it before writing); otherwise PRAGMA
// integrity_check, which does both.
//
// On PostgreSQL see [Store.checkPostgres].
func (s *Store) Check(ctx context.Context, quick bool) error {
	if s.eng == postgresEngine {
		return s.checkPostgres(ctx, quick)
	}
	pragma := "PRAGMA integrity_check(" + fmt.Sprint(maxProblems) + ")"
	if quick {
		pragma = "PRAGMA quick_check(" + fmt.Sprint(maxProblems) + ")"
	}
	var problems []string
	rows, err := s.db.QueryContext(ctx, pragma)
	if err == nil {
		for rows.Next() {
			var p string
			if err = rows.Scan(&p); err != nil {
				break
			}
			if p != "ok" {
				problems = append(problems, p)
			}
		}
		rows.Close()
		if err == nil {
			err = rows.Err()
		}
	}
	if isCorrupt(err) {
		// So damaged that the check itself could not read it.
		problems, err = append(problems, err.Error()), nil
	}
	if err != nil {
		return fmt.Errorf("check store %s: %w", s.path, err)
	}
	if len(problems) > 0 {
		return &DamagedError{Path: s.path, Problems: problems}
	}
	return nil
}

// isCorrupt reports whether err is SQLite saying the file is not a sound
// database.
func isCorrupt(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	code := se.Code() & 0xff
	return code == sqlite3.SQLITE_CORRUPT || code == sqlite3.SQLITE_NOTADB
}

// ReadOnlyError says the store file may be read but not written: read
// commands work, and a command that writes stops before changing anything.
type ReadOnlyError struct {
	Path string
	Err  error
}

func (e *ReadOnlyError) Error() string {
	return "the store " + e.Path + " is read-only, so nothing was changed: " + e.Err.Error()
}

func (e *ReadOnlyError) Unwrap() error { return e.Err }

// Hint says what to change.
func (e *ReadOnlyError) Hint() string {
	return "reading commands (status, plan, runs) work; to change the store, run numsync as a user who may write the file and its directory"
}

// readOnly turns a write refused because the store file (or its directory)
// may not be written into a [*ReadOnlyError].
func (s *Store) readOnly(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_READONLY {
		return &ReadOnlyError{Path: s.path, Err: err}
	}
	return err
}

// Backup writes a copy of the store to dst with SQLite's online backup:
// a consistent copy at one moment, taken while other processes keep reading
// and writing the store. The copy is written beside dst and linked into
// place once it passes an integrity check, so dst is never half a store;
// an existing dst is not overwritten.
//
// A PostgreSQL store is backed up with the server's own tools.
func (s *Store) Backup(ctx context.Context, dst string) error {
	if s.eng == postgresEngine {
		return errors.New("backup: the store is a PostgreSQL database, which 'numsync store backup' does not copy: back it up with the server's tools (pg_dump, or the organisation's database backups)")
	}
	if _, err := os.Lstat(dst); err == nil {
		return fmt.Errorf("backup: %s already exists; name a new file", dst)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".*")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	err = conn.Raw(func(dc any) error {
		src, ok := dc.(interface {
			NewBackup(string) (*sqlite.Backup, error)
		})
		if !ok {
			return fmt.Errorf("the SQLite driver offers no online backup (%T)", dc)
		}
		b, err := src.NewBackup("file:" + uriPath(tmp.Name()))
		if err != nil {
			return err
		}
		for more := true; more && err == nil; {
			if err = ctx.Err(); err == nil {
				more, err = b.Step(1024)
			}
		}
		return errors.Join(err, b.Finish())
	})
	conn.Close()
	if err != nil {
		return fmt.Errorf("backup to %s: %w", dst, err)
	}
	written, err := OpenExisting(ctx, tmp.Name())
	if err != nil {
		return fmt.Errorf("backup: reading the copy: %w", err)
	}
	err = written.Check(ctx, false)
	written.Close()
	var de *DamagedError
	if errors.As(err, &de) {
		// The copy is page for page the store's: the store is damaged.
		de.Path = s.path
		return fmt.Errorf("backup: the copy failed the integrity check and was not kept: %w", de)
	}
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		os.Remove(tmp.Name() + suffix)
	}
	// A link, unlike a rename, never replaces a file that appeared at dst
	// meanwhile.
	if err := os.Link(tmp.Name(), dst); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}
