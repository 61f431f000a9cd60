package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/numsync/numsync"
)

// RecordObserved records what Teams showed for numbers. With complete (a
// read of the whole tenant), numbers not in obs are forgotten; without it
// (a read-back of some numbers), the others stay as last seen. The
// revision does not change: what Teams shows is not what runs applied.
func (s *Store) RecordObserved(ctx context.Context, obs []numsync.ObservedNumber, complete bool) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		if complete {
			if _, err := tx.ExecContext(ctx, `DELETE FROM observed_numbers`); err != nil {
				return err
			}
		}
		return batchExec(ctx, tx, `INSERT INTO observed_numbers (number, holder_id, category, location_id, activation_state, at) VALUES `,
			` ON CONFLICT (number) DO UPDATE SET holder_id = excluded.holder_id, category = excluded.category,
				location_id = excluded.location_id, activation_state = excluded.activation_state, at = excluded.at`,
			nil, 6, len(obs), func(i int, args []any) ([]any, error) {
				o := &obs[i]
				return append(args, o.Number, o.HolderID, string(o.Category), o.LocationID, o.ActivationState, dbTime(o.At)), nil
			})
	})
	if err != nil {
		return fmt.Errorf("record observed numbers: %w", err)
	}
	return nil
}

// Observed returns what Teams last showed for each number, by number.
func (s *Store) Observed(ctx context.Context) ([]numsync.ObservedNumber, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT number, holder_id, category, location_id, activation_state, at FROM observed_numbers ORDER BY number`)
	if err != nil {
		return nil, fmt.Errorf("observed numbers: %w", err)
	}
	defer rows.Close()
	var obs []numsync.ObservedNumber
	for rows.Next() {
		var o numsync.ObservedNumber
		var at sql.NullString
		if err := rows.Scan(&o.Number, &o.HolderID, &o.Category, &o.LocationID, &o.ActivationState, &at); err != nil {
			return nil, fmt.Errorf("observed numbers: %w", err)
		}
		if o.At, err = parseTime(at); err != nil {
			return nil, fmt.Errorf("observed numbers: %w", err)
		}
		obs = append(obs, o)
	}
	return obs, rows.Err()
}
