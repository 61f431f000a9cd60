package store

import (
	"context"
	"database/sql"
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
		rows, err := tx.QueryContext(ctx, `SELECT at, `+s.eng.jsonPath("op", "after", "number")+`, coalesce(`+s.eng.jsonPath("op", "before", "number")+`, '')
			FROM audit WHERE at >= ? AND action IN ('assign', 'change') ORDER BY at, seq`, dbTime(since))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var when sql.NullString
			var after, before string
			if err := rows.Scan(&when, &after, &before); err != nil {
				return err
			}
			if after == before {
				continue // a change of location or type, not of number
			}
			t, err := parseTime(when)
			if err != nil {
				return err
			}
			var n numsync.Number
			if err := n.UnmarshalText([]byte(after)); err != nil {
				return err
			}
			out = append(out, numsync.Taken{At: t, Number: n})
		}
		return rows.Err()
	})
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("read the numbers taken since %s: %w", since.UTC().Format(time.RFC3339), err)
	}
	return out, first, nil
}
