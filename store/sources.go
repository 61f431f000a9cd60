package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// SourceDigest returns the digest [Store.SetSourceDigest] last recorded for
// the named input, or "" when none was.
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

// SetSourceDigest records the digest of the named input. It leaves the
// revision alone: it describes what was read, not the tenant.
func (s *Store) SetSourceDigest(ctx context.Context, name, digest string) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sources (name, digest, recorded_at) VALUES (?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET digest = excluded.digest, recorded_at = excluded.recorded_at`,
			name, digest, dbTime(time.Now()))
		return err
	})
	if err != nil {
		return fmt.Errorf("record digest of %s: %w", name, err)
	}
	return nil
}
