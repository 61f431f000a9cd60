package store

import (
	"context"
	"fmt"
	"time"
)

// ClaimTick claims the scheduled run at tick for holder, reporting whether
// this caller got it; when not, by names the scheduler that claimed it (or
// a later tick). Schedulers on several hosts that share the store call it
// at every tick, and only the one that claims the tick runs it. The claim
// is one statement that the database serialises, on both engines.
func (s *Store) ClaimTick(ctx context.Context, tick time.Time, holder string) (claimed bool, by string, err error) {
	now := time.Now()
	n, err := affected(s.db.ExecContext(ctx, `INSERT INTO schedule_tick (id, tick, holder, claimed_at) VALUES (1, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET tick = excluded.tick, holder = excluded.holder, claimed_at = excluded.claimed_at
		WHERE schedule_tick.tick < excluded.tick`, dbTime(tick), holder, dbTime(now)))
	if err != nil {
		return false, "", fmt.Errorf("claim the scheduled run of %s: %w", tick.UTC().Format(time.RFC3339), err)
	}
	if n == 1 {
		return true, holder, nil
	}
	if err := s.db.QueryRowContext(ctx, "SELECT holder FROM schedule_tick WHERE id = 1").Scan(&by); err != nil {
		return false, "", fmt.Errorf("read who claimed the scheduled run of %s: %w", tick.UTC().Format(time.RFC3339), err)
	}
	return false, by, nil
}
