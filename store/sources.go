package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/numsync/numsync"
)

// SourceDigest returns the digest of the export of that name last loaded,
// or "" when none was.
func (s *Store) SourceDigest(ctx context.Context, name string) (string, error) {
	var d string
	err := s.db.QueryRowContext(ctx, "SELECT digest FROM sources WHERE name = ?", name).Scan(&d)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read digest of %s: %w", name, err)
	}
	return d, nil
}

// recordExport records file (when set) as loaded, in the import's
// transaction. It leaves the revision alone: it describes what was read,
// not the tenant.
func recordExport(ctx context.Context, tx *sql.Tx, file *numsync.ExportFile) error {
	if file == nil {
		return nil
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO sources (name, digest, recorded_at, modified) VALUES (?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET digest = excluded.digest, recorded_at = excluded.recorded_at, modified = excluded.modified`,
		file.Name, file.Digest, dbTime(time.Now()), dbTime(file.Modified))
	if err != nil {
		return fmt.Errorf("record the %s export as loaded: %w", file.Name, err)
	}
	return nil
}

// checkExportAge refuses, with a [*numsync.OlderExportError], an export
// written before the end of the last run that applied assignments, unless
// the caller allows it. An export of unknown age is let through.
func checkExportAge(ctx context.Context, tx *sql.Tx, file *numsync.ExportFile) error {
	if file == nil || file.AllowOlder || file.Modified.IsZero() {
		return nil
	}
	var id string
	var ended sql.NullString
	err := tx.QueryRowContext(ctx, "SELECT id, ended FROM runs WHERE status IN (?, ?) ORDER BY ended DESC LIMIT 1",
		numsync.RunApplied, numsync.RunRolledBack).Scan(&id, &ended)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read the last applied run: %w", err)
	}
	applied, err := parseTime(ended)
	if err != nil {
		return err
	}
	if file.Modified.Before(applied) {
		return &numsync.OlderExportError{Name: file.Name, Modified: file.Modified, RunID: id, Applied: applied}
	}
	return nil
}

// LoadedExport is the record of the last export of one name loaded.
type LoadedExport struct {
	Name    string
	Digest  string
	Written time.Time // its modification time; zero when not known
	Loaded  time.Time
}

// Exports returns the record of the last export of each name loaded, by
// name.
func (s *Store) Exports(ctx context.Context) ([]LoadedExport, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT name, digest, modified, recorded_at FROM sources ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("read loaded exports: %w", err)
	}
	defer rows.Close()
	var out []LoadedExport
	for rows.Next() {
		var e LoadedExport
		var written, loaded sql.NullString
		if err := rows.Scan(&e.Name, &e.Digest, &written, &loaded); err != nil {
			return nil, fmt.Errorf("read loaded exports: %w", err)
		}
		if e.Written, err = parseTime(written); err != nil {
			return nil, err
		}
		if e.Loaded, err = parseTime(loaded); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
