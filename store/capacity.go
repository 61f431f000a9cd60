package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/numsync/numsync"
)

// TakenSince returns the numbers applied runs gave to identities from
// since on (assigns, and changes to another number), oldest first, and
// when the audit log begins (zero when it is empty), so that a rate over
// a log younger than the window is not understated.
func (s *Store) TakenSince(ctx context.Context, since time.Time) ([]numsync.Taken, time.Time, error) {
	var out []numsync.Taken
	var first time.Time
	err := s.read(ctx, func(tx *sql.Tx) error {
		var at sql.NullString
		if err := tx.QueryRowContext(ctx, "SELECT min(at) FROM audit").Scan(&at); err != nil {
			return err
		}
		var err error
		if first, err = parseTime(at); err != nil {
			return err
		}
		// The operation is decoded here rather than with the database's JSON
		// functions, which differ between engines; the index on at keeps
		// the read to the window.
		rows, err := tx.QueryContext(ctx, "SELECT at, op FROM audit WHERE at >= ? AND action IN ('assign', 'change') ORDER BY at, seq", dbTime(since))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var when sql.NullString
			var raw []byte
			if err := rows.Scan(&when, &raw); err != nil {
				return err
			}
			// Only the numbers of the operation are decoded.
			var op struct {
				Before, After *struct {
					Number numsync.Number `json:"number"`
				}
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				return err
			}
			if op.After == nil || (op.Before != nil && op.Before.Number == op.After.Number) {
				continue // a change of location or type, not of number
			}
			t, err := parseTime(when)
			if err != nil {
				return err
			}
			out = append(out, numsync.Taken{At: t, Number: op.After.Number})
		}
		return rows.Err()
	})
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("read the numbers taken since %s: %w", since.UTC().Format(time.RFC3339), err)
	}
	return out, first, nil
}
